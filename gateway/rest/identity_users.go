package rest

import (
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"coffre/auth"
	"coffre/storage"
)

// Users: GET /api/users, GET/PUT/DELETE /api/user/{id}, POST /api/user,
// GET /api/user/{id}/quota.

func (h *Handler) listUsers(c *call) error {
	if err := c.staff(); err != nil {
		return err
	}
	offset, limit, err := c.paging()
	if err != nil {
		return err
	}
	all, err := c.allUsers()
	if err != nil {
		return err
	}
	page := paged(all, offset, limit)
	objs := []User{}
	for _, u := range page.Objects.([]auth.User) {
		o, err := c.userObject(u)
		if err != nil {
			return err
		}
		objs = append(objs, o)
	}
	page.Objects = objs
	return c.json(http.StatusOK, page)
}

func (h *Handler) getUser(c *call) error {
	u, err := c.targetUser()
	if err != nil {
		return err
	}
	o, err := c.userObject(u)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, o)
}

// getUserQuota answers {quota, user}: the account's limit in bytes (null
// when unlimited) and the bytes it uses, as the namespace counts them for it.
func (h *Handler) getUserQuota(c *call) error {
	u, err := c.targetUser()
	if err != nil {
		return err
	}
	p, err := h.opts.Auth.Principal(c.ctx, u.Login)
	if err != nil {
		return err
	}
	q, err := h.opts.Service.As(p).Quotas(c.ctx)
	if err != nil {
		return err
	}
	out := struct {
		Quota *int64 `json:"quota"`
		User  int64  `json:"user"`
	}{User: q.UserBytes}
	if q.UserQuota > 0 {
		out.Quota = &q.UserQuota
	}
	return c.json(http.StatusOK, out)
}

// userInput is the body of POST /api/user and PUT /api/user/{id}: the
// User fields that can be written, and the password. Read-only fields
// (id, roots, can_admin …) are ignored, so a User read can be sent back.
type userInput struct {
	Login        *string               `json:"login"`
	Password     *string               `json:"password"`
	FirstName    *string               `json:"firstname"`
	LastName     *string               `json:"lastname"`
	Email        *string               `json:"email"`
	Phone        *string               `json:"phone"`
	Organization *string               `json:"organization"`
	Language     *string               `json:"language"`
	Active       *bool                 `json:"active"`
	Role         *int                  `json:"role"`
	Quota        optionalField[int64]  `json:"quota"`  // null or 0: unlimited
	Expire       optionalField[string] `json:"expire"` // null: never
	Groups       *[]json.RawMessage    `json:"groups"` // replaces the memberships
}

var msgBadRole = text{
	"Doit valoir 1 (administrateur), 2 (gestionnaire), 3 (utilisateur) ou 4 (invité).",
	"Must be 1 (administrator), 2 (manager), 3 (user) or 4 (guest).",
}

// change turns the input into an auth.UserChange, checking what auth
// cannot see (the date format, the role's range before the caller's right
// to give it is judged).
func (in *userInput) change() (auth.UserChange, error) {
	f := fields{}
	ch := auth.UserChange{
		Login: in.Login, FirstName: in.FirstName, LastName: in.LastName, Email: in.Email,
		Phone: in.Phone, Organization: in.Organization, Language: in.Language, Active: in.Active,
		Password: in.Password,
	}
	if in.Password != nil && *in.Password == "" {
		f.add("password", fieldRequired)
	}
	if in.Role != nil {
		if r := auth.Role(*in.Role); r >= auth.RoleAdmin && r <= auth.RoleGuest {
			ch.Role = &r
		} else {
			f.add("role", msgBadRole)
		}
	}
	if in.Quota.set {
		ch.Quota = &in.Quota.v // null leaves 0: unlimited
	}
	if in.Expire.set {
		var t time.Time
		if !in.Expire.null {
			var ok bool
			if t, ok = parseDate(in.Expire.v); !ok {
				f.add("expire", text{"Date attendue (ISO 8601) ou null.", "Expected a date (ISO 8601) or null."})
			}
		}
		ch.Expires = &t
	}
	return ch, f.err()
}

// groups reads the wanted memberships, nil when the input leaves them; every
// group must exist.
func (in *userInput) groups(c *call) (map[string]string, []string, error) {
	if in.Groups == nil {
		return nil, nil, nil
	}
	ids, err := idList("groups", *in.Groups)
	if err != nil {
		return nil, nil, err
	}
	names, err := c.groupNames(ids)
	return names, ids, err
}

// groupNames maps group IDs to names; an unknown ID is a 422 on groups.
func (c *call) groupNames(ids []string) (map[string]string, error) {
	names := map[string]string{}
	for _, id := range ids {
		g, err := c.h.opts.Auth.GroupByID(c.ctx, id)
		if storage.Is(storage.NotFound, err) {
			return nil, invalid("groups", text{"Groupe inconnu : %s.", "Unknown group: %s."}, id)
		}
		if err != nil {
			return nil, err
		}
		names[id] = g.Name
	}
	return names, nil
}

// createUser creates an account: login and password are required, the
// role defaults to 3 (user).
func (h *Handler) createUser(c *call) error {
	var in userInput
	if err := c.decode(&in); err != nil {
		return err
	}
	f := fields{}
	if in.Login == nil || *in.Login == "" {
		f.add("login", fieldRequired)
	}
	if in.Password == nil {
		f.add("password", fieldRequired)
	}
	if err := f.err(); err != nil {
		return err
	}
	ch, err := in.change()
	if err != nil {
		return err
	}
	role := auth.RoleUser
	if ch.Role != nil {
		role = *ch.Role
	}
	if err := c.mayManage(role); err != nil {
		return err
	}
	names, groups, err := in.groups(c)
	if err != nil {
		return err
	}
	if len(groups) > 0 && !c.p.Admin {
		return fail(http.StatusForbidden, msgMembershipAdmin)
	}
	nu := auth.NewUser{Login: *in.Login, Password: *in.Password, Role: role}
	setIf(&nu.FirstName, ch.FirstName)
	setIf(&nu.LastName, ch.LastName)
	setIf(&nu.Email, ch.Email)
	setIf(&nu.Phone, ch.Phone)
	setIf(&nu.Organization, ch.Organization)
	setIf(&nu.Language, ch.Language)
	setIf(&nu.Quota, ch.Quota)
	setIf(&nu.Expires, ch.Expires)
	if ch.Active != nil {
		nu.Disabled = !*ch.Active
	}
	u, err := h.opts.Auth.CreateUser(c.ctx, nu)
	if err != nil {
		return err
	}
	if err := c.setGroups(u.Login, nil, groups, names); err != nil {
		return err
	}
	return c.answerUser(http.StatusCreated, u.ID)
}

// setIf copies *src to *dst when src is set.
func setIf[T any](dst *T, src *T) {
	if src != nil {
		*dst = *src
	}
}

// updateUser changes the fields sent; "groups" replaces the memberships
// ([] leaves every group).
func (h *Handler) updateUser(c *call) error {
	u, err := c.targetUser()
	if err != nil {
		return err
	}
	if err := c.mayManage(u.Role); err != nil {
		return err
	}
	var in userInput
	if err := c.decode(&in); err != nil {
		return err
	}
	ch, err := in.change()
	if err != nil {
		return err
	}
	if ch.Role != nil {
		if err := c.mayManage(*ch.Role); err != nil {
			return err
		}
	}
	names, groups, err := in.groups(c)
	if err != nil {
		return err
	}
	if in.Groups != nil && idsChanged(u.Groups, groups) && !c.p.Admin {
		return fail(http.StatusForbidden, msgMembershipAdmin)
	}
	if u, err = h.opts.Auth.UpdateUser(c.ctx, u.Login, ch); err != nil {
		return err
	}
	if in.Groups != nil {
		if err := c.setGroups(u.Login, u.Groups, groups, names); err != nil {
			return err
		}
	}
	return c.answerUser(http.StatusOK, u.ID)
}

// setGroups makes the user with this login a member of exactly the groups
// want (names maps them to their names), from the groups have.
func (c *call) setGroups(login string, have, want []string, names map[string]string) error {
	a := c.h.opts.Auth
	for _, id := range want {
		if !slices.Contains(have, id) {
			if err := a.AddGroupMember(c.ctx, names[id], login); err != nil {
				return err
			}
		}
	}
	for _, id := range have {
		if slices.Contains(want, id) {
			continue
		}
		g, err := a.GroupByID(c.ctx, id)
		if storage.Is(storage.NotFound, err) {
			continue
		}
		if err == nil {
			err = a.RemoveGroupMember(c.ctx, g.Name, login)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// answerUser answers the account as it now is.
func (c *call) answerUser(status int, id string) error {
	u, err := c.userByID(id)
	if err != nil {
		return err
	}
	o, err := c.userObject(u)
	if err != nil {
		return err
	}
	return c.json(status, o)
}

// deleteUser removes an account with its keys, sessions, options and
// picture; its files stay where they are.
func (h *Handler) deleteUser(c *call) error {
	u, err := c.targetUser()
	if err != nil {
		return err
	}
	if err := c.mayManage(u.Role); err != nil {
		return err
	}
	if err := h.opts.Auth.DeleteUser(c.ctx, u.Login); err != nil {
		return err
	}
	return c.noContent()
}
