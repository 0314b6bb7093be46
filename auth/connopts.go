package auth

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"coffre/storage"
)

// DayMask is a set of week days: 1 = Sunday, 2 = Monday, 4 = Tuesday, …,
// 64 = Saturday (NetExplorer's "days"); Monday to Friday is 62.
type DayMask uint8

// AllDays is every day of the week.
const AllDays DayMask = 127

// ConnOptions restrict where from and when a user (or the members of a
// group) may authenticate, through any protocol. The zero value restricts
// nothing.
type ConnOptions struct {
	// IPs is the allow-list: addresses ("192.0.2.7", "2001:db8::1") and
	// networks in CIDR notation ("10.0.0.0/8"). Nil allows every address; an
	// empty, non-nil list allows none (a way to block a whole group).
	IPs []string `json:"ips"`
	// Days allowed, as a mask; 0 means every day. The day is that of the
	// time in GMT.
	Days DayMask `json:"days,omitempty"`
	// HourStart and HourEnd ("HH:MM" or "HH:MM:SS", GMT) bound the time of
	// day: allowed from HourStart (inclusive) to HourEnd (exclusive); an
	// empty bound is midnight. When HourStart is after HourEnd the window
	// spans midnight (22:00 to 06:00).
	HourStart string `json:"hour_start,omitempty"`
	HourEnd   string `json:"hour_end,omitempty"`
}

// parseHour returns the seconds since midnight of "HH:MM[:SS]".
func parseHour(s string) (int, bool) {
	var h, m, sec int
	var n int
	var err error
	switch strings.Count(s, ":") {
	case 1:
		n, err = fmt.Sscanf(s, "%2d:%2d", &h, &m)
		if n != 2 || len(s) != 5 {
			return 0, false
		}
	case 2:
		n, err = fmt.Sscanf(s, "%2d:%2d:%2d", &h, &m, &sec)
		if n != 3 || len(s) != 8 {
			return 0, false
		}
	default:
		return 0, false
	}
	if err != nil || h < 0 || h > 23 || m < 0 || m > 59 || sec < 0 || sec > 59 {
		return 0, false
	}
	return h*3600 + m*60 + sec, true
}

// validate checks o and returns it with its networks parsed.
func (o *ConnOptions) validate(op string) ([]netip.Prefix, error) {
	var nets []netip.Prefix
	for _, s := range o.IPs {
		p, err := parsePrefix(s)
		if err != nil {
			return nil, invalid(op, "ips", fmt.Sprintf("%q is not an IP address or a CIDR network", s),
				fmt.Sprintf("« %s » n'est ni une adresse IP ni un réseau CIDR.", s))
		}
		nets = append(nets, p)
	}
	if o.Days > AllDays {
		return nil, invalid(op, "days", "must be a mask from 0 to 127 (1 = Sunday … 64 = Saturday)",
			"Doit être un masque de 0 à 127 (1 = dimanche … 64 = samedi).")
	}
	start, end := 0, 24*3600
	if o.HourStart != "" {
		var ok bool
		if start, ok = parseHour(o.HourStart); !ok {
			return nil, invalid(op, "hour_start", "must be HH:MM or HH:MM:SS", "Heure attendue au format HH:MM ou HH:MM:SS.")
		}
	}
	if o.HourEnd != "" {
		var ok bool
		if end, ok = parseHour(o.HourEnd); !ok {
			return nil, invalid(op, "hour_end", "must be HH:MM or HH:MM:SS", "Heure attendue au format HH:MM ou HH:MM:SS.")
		}
	}
	if start == end {
		return nil, invalid(op, "hour_end", "must differ from hour_start", "Doit différer de l'heure de début (hour_start).")
	}
	return nets, nil
}

// parsePrefix parses "addr" (a single host) or "addr/bits"; host bits past
// the prefix are ignored (10.1.2.3/8 is 10.0.0.0/8).
func parsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return netip.Prefix{}, fmt.Errorf("bad address %q", s)
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	if p.Addr().Is4In6() { // ::ffff:10.0.0.0/104 is 10.0.0.0/8
		if p.Bits() < 96 {
			return netip.Prefix{}, fmt.Errorf("bad network %q", s)
		}
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return p.Masked(), nil
}

// allows reports whether o lets a connection from ip at now through; why
// says what refused it.
func (o *ConnOptions) allows(ip string, now time.Time) (ok bool, why string) {
	if o.IPs != nil {
		nets, err := o.validate("check")
		if err != nil {
			return false, "the connection options are invalid"
		}
		a, err := parseIP(ip)
		in := false
		for _, p := range nets {
			if err == nil && p.Contains(a) {
				in = true
				break
			}
		}
		if !in {
			return false, "connections from this address are not allowed"
		}
	}
	now = now.UTC()
	if o.Days != 0 && o.Days&(1<<uint(now.Weekday())) == 0 {
		return false, "connections are not allowed on this day"
	}
	if o.HourStart != "" || o.HourEnd != "" {
		start, end := 0, 24*3600
		if o.HourStart != "" {
			start, _ = parseHour(o.HourStart)
		}
		if o.HourEnd != "" {
			end, _ = parseHour(o.HourEnd)
		}
		t := now.Hour()*3600 + now.Minute()*60 + now.Second()
		in := start <= t && t < end
		if start > end {
			in = t >= start || t < end
		}
		if !in {
			return false, "connections are not allowed at this time"
		}
	}
	return true, ""
}

// SetUserOptions sets (o non-nil) or removes (nil) a user's own connection
// options, which win over those of their groups.
func (s *Service) SetUserOptions(ctx context.Context, login string, o *ConnOptions) error {
	const op = "set connection options"
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.userByLogin(op, login)
	if err != nil {
		return err
	}
	return s.setOptions(op, userOptionsKey(u.ID), o)
}

// SetGroupOptions sets (o non-nil) or removes (nil) a group's connection
// options.
func (s *Service) SetGroupOptions(ctx context.Context, group string, o *ConnOptions) error {
	const op = "set connection options"
	s.mu.Lock()
	defer s.mu.Unlock()
	g, err := s.setByName(op, groupKind(), group)
	if err != nil {
		return err
	}
	return s.setOptions(op, groupOptionsKey(g.ID), o)
}

func (s *Service) setOptions(op string, k []byte, o *ConnOptions) error {
	b := s.m.NewBatch()
	if o == nil {
		b.Delete(k)
	} else {
		if _, err := o.validate(op); err != nil {
			b.Discard()
			return err
		}
		setJSON(b, k, o)
	}
	return commit(op, b)
}

// UserOptions returns the connection options that apply to login: its own
// (inherited false) or those of its groups (inherited true); nil when none.
func (s *Service) UserOptions(ctx context.Context, login string) (opts []ConnOptions, inherited bool, err error) {
	u, err := s.userByLogin("connection options", login)
	if err != nil {
		return nil, false, err
	}
	return s.effectiveOptions("connection options", u)
}

// GroupOptions returns a group's connection options, nil when it has none.
func (s *Service) GroupOptions(ctx context.Context, group string) (*ConnOptions, error) {
	const op = "connection options"
	g, err := s.setByName(op, groupKind(), group)
	if err != nil {
		return nil, err
	}
	var o ConnOptions
	found, err := s.getJSON(groupOptionsKey(g.ID), &o)
	if err != nil {
		return nil, metaErr(op, err)
	}
	if !found {
		return nil, nil
	}
	return &o, nil
}

// effectiveOptions: the user's own options if set; otherwise the options of
// those of its groups that have some. Groups without options do not count,
// so that joining an unrestricted group does not lift a restriction.
func (s *Service) effectiveOptions(op string, u *userRecord) ([]ConnOptions, bool, error) {
	var own ConnOptions
	found, err := s.getJSON(userOptionsKey(u.ID), &own)
	if err != nil {
		return nil, false, metaErr(op, err)
	}
	if found {
		return []ConnOptions{own}, false, nil
	}
	var out []ConnOptions
	for _, gid := range u.Groups {
		var o ConnOptions
		found, err := s.getJSON(groupOptionsKey(gid), &o)
		if err != nil {
			return nil, false, metaErr(op, err)
		}
		if found {
			out = append(out, o)
		}
	}
	return out, len(out) > 0, nil
}

// admit checks that u may authenticate from ip now: the account is active,
// not expired, and its connection options (own, or else any one of its
// groups') allow it. Refusals are Unauthenticated (account) or Permission
// (options).
func (s *Service) admit(op string, u *userRecord, ip string) error {
	now := s.now()
	if u.Inactive {
		return storage.Errorf(op, storage.Unauthenticated, "", "account %q is disabled", u.Login)
	}
	if !u.usable(now) {
		return storage.Errorf(op, storage.Unauthenticated, "", "account %q has expired", u.Login)
	}
	opts, _, err := s.effectiveOptions(op, u)
	if err != nil {
		return err
	}
	if len(opts) == 0 {
		return nil
	}
	why := ""
	for _, o := range opts {
		ok, w := o.allows(ip, now)
		if ok {
			return nil
		}
		if why == "" {
			why = w
		}
	}
	return storage.Errorf(op, storage.Permission, "", "%s", why)
}
