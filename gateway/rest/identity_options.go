package rest

import (
	"net/http"
	"strings"

	"coffre/auth"
)

// Connection options: GET/PUT/DELETE /api/option/{id}, where id is a user's
// ID or a group's ("g-…"). They restrict, for every protocol, where from
// and when the account (or the group's members) may authenticate; auth
// enforces them at each login and each use of a token or key.
//
// Reading them follows the account's rules (one's own, or any for staff;
// groups for staff); changing a user's follows mayManage, a group's is for
// administrators.

// ConnectionOptions is the seed's "Options de connexion". days is a mask
// (1 Sunday … 64 Saturday; 127 every day); hours are GMT, "HH:MM:SS" or
// null; ips null lets every address in and [] none.
type ConnectionOptions struct {
	TargetID      string   `json:"target_id"`
	Target        string   `json:"target"`
	TargetIsGroup bool     `json:"target_isgroup"`
	IPs           []string `json:"ips"`
	Days          int      `json:"days"`
	HourStart     *string  `json:"hour_start"`
	HourEnd       *string  `json:"hour_end"`
	CanNetsync    bool     `json:"can_netsync"`
	OAuthBlocked  int      `json:"oauth_blocked"`
	Inherited     bool     `json:"inherited"`
}

// optionsTarget is a user or a group whose options a request names.
type optionsTarget struct {
	user    auth.User
	group   auth.Group
	isGroup bool
}

// optionsFor reads the target of the path value "id" if the caller may
// read its options.
func (c *call) optionsFor() (optionsTarget, error) {
	id := c.r.PathValue("id")
	if !strings.HasPrefix(id, "g-") {
		u, err := c.targetUser()
		return optionsTarget{user: u}, err
	}
	if err := c.staff(); err != nil {
		return optionsTarget{}, err
	}
	g, err := c.groupByID(id)
	return optionsTarget{group: g, isGroup: true}, err
}

// changeableOptions is optionsFor for a change.
func (c *call) changeableOptions() (optionsTarget, error) {
	t, err := c.optionsFor()
	switch {
	case err != nil:
		return t, err
	case t.isGroup:
		return t, c.admin()
	}
	return t, c.mayManage(t.user.Role)
}

// connOptions is the target's options as they apply: a user's own, else those
// of its first group that has some (inherited).
func (c *call) connOptions(t optionsTarget) (o *auth.ConnOptions, inherited bool, err error) {
	a := c.h.opts.Auth
	if t.isGroup {
		o, err = a.GroupOptions(c.ctx, t.group.Name)
		return o, false, err
	}
	all, inherited, err := a.UserOptions(c.ctx, t.user.Login)
	if err != nil || len(all) == 0 {
		return nil, false, err
	}
	return &all[0], inherited, nil
}

func (h *Handler) getOptions(c *call) error {
	t, err := c.optionsFor()
	if err != nil {
		return err
	}
	return c.answerOptions(t)
}

func (c *call) answerOptions(t optionsTarget) error {
	o, inherited, err := c.connOptions(t)
	if err != nil {
		return err
	}
	out := ConnectionOptions{TargetID: t.user.ID, Target: fullName(&t.user), Days: int(auth.AllDays),
		CanNetsync: true, Inherited: inherited}
	if t.isGroup {
		out.TargetID, out.Target, out.TargetIsGroup = t.group.ID, t.group.Name, true
	}
	if o != nil {
		out.IPs = o.IPs
		if o.Days != 0 {
			out.Days = int(o.Days)
		}
		out.HourStart, out.HourEnd = optHour(o.HourStart), optHour(o.HourEnd)
	}
	return c.json(http.StatusOK, out)
}

// optHour shows a bound as "HH:MM:SS" (auth also keeps "HH:MM"), or null.
func optHour(s string) *string {
	if s == "" {
		return nil
	}
	if len(s) == len("15:04") {
		s += ":00"
	}
	return &s
}

var msgNotStored = text{
	"Coffre ne gère pas encore ce réglage : seule la valeur par défaut (%s) est acceptée.",
	"Coffre does not handle this setting yet: only the default (%s) is accepted.",
}

// putOptions sets the target's own options. Only the fields sent change,
// starting from its own options, or from none (no restriction) when it has
// none: options inherited from a group are not copied.
func (h *Handler) putOptions(c *call) error {
	t, err := c.changeableOptions()
	if err != nil {
		return err
	}
	var in struct {
		IPs          optionalField[[]string] `json:"ips"`
		Days         *int                    `json:"days"`
		HourStart    optionalField[string]   `json:"hour_start"`
		HourEnd      optionalField[string]   `json:"hour_end"`
		CanNetsync   *bool                   `json:"can_netsync"`
		OAuthBlocked *int                    `json:"oauth_blocked"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	o, inherited, err := c.connOptions(t)
	if err != nil {
		return err
	}
	if o == nil || inherited {
		o = &auth.ConnOptions{}
	}
	f := fields{}
	if in.IPs.set {
		o.IPs = in.IPs.v // null: nil, every address
	}
	if in.Days != nil {
		if *in.Days < 0 || *in.Days > int(auth.AllDays) {
			f.add("days", text{"Masque de 0 à 127 (1 dimanche … 64 samedi).", "A mask from 0 to 127 (1 Sunday … 64 Saturday)."})
		} else {
			o.Days = auth.DayMask(*in.Days)
		}
	}
	if in.HourStart.set {
		o.HourStart = in.HourStart.v
	}
	if in.HourEnd.set {
		o.HourEnd = in.HourEnd.v
	}
	if in.CanNetsync != nil && !*in.CanNetsync {
		f.add("can_netsync", msgNotStored, "true")
	}
	if in.OAuthBlocked != nil && *in.OAuthBlocked != 0 {
		f.add("oauth_blocked", msgNotStored, "0")
	}
	if err := f.err(); err != nil {
		return err
	}
	if t.isGroup {
		err = h.opts.Auth.SetGroupOptions(c.ctx, t.group.Name, o)
	} else {
		err = h.opts.Auth.SetUserOptions(c.ctx, t.user.Login, o)
	}
	if err != nil {
		return err
	}
	return c.answerOptions(t)
}

// deleteOptions removes the target's own options: a user falls back on
// its groups'.
func (h *Handler) deleteOptions(c *call) error {
	t, err := c.changeableOptions()
	if err != nil {
		return err
	}
	if t.isGroup {
		err = h.opts.Auth.SetGroupOptions(c.ctx, t.group.Name, nil)
	} else {
		err = h.opts.Auth.SetUserOptions(c.ctx, t.user.Login, nil)
	}
	if err != nil {
		return err
	}
	return c.noContent()
}
