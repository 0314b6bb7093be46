package auth

import (
	"context"
	"errors"

	"coffre/storage"
	"coffre/storage/audit"
)

// Login checks a login and password from o and returns the user's
// principal. It is the path of every protocol that receives a password
// (REST /api/auth, WebDAV Basic).
//
// In order: a login or address in back-off is refused (Unavailable, with a
// RetryError) before any hashing; the password is checked against the
// verification cache, else with Argon2id (unknown logins hash a dummy, so
// timing does not tell); the account must be active and unexpired
// (Unauthenticated) and its connection options must allow o (Permission).
// Wrong credentials fail with Unauthenticated and the same message whether
// the login exists or not. Every outcome is audited, never the password; a
// failure on an existing account names it (user ID), so that the account's
// entries show the attempts on it. A success from o.PerRequest that the
// cache remembers is not audited again: a WebDAV client sends the password
// with every request, and each verification (about once a CacheTTL) is one
// login, not each request.
func (s *Service) Login(ctx context.Context, login, password string, o Origin) (storage.Principal, error) {
	const op = "login"
	login = normLogin(login)
	now := s.now()
	if d := s.throttle.wait(login, o.IP, now); d > 0 {
		s.record(loginEvent(o, login, false, "refused: back-off after failed logins"))
		return storage.Principal{}, storage.E(op, storage.Unavailable, "", &RetryError{After: d})
	}
	if err := ctx.Err(); err != nil {
		return storage.Principal{}, err
	}
	u, err := s.userByLogin(op, login)
	found := err == nil
	if err != nil && !storage.Is(storage.NotFound, err) {
		return storage.Principal{}, err
	}
	ok, cached := false, false
	switch {
	case found && s.cache.hit(login, password, u.ID, u.Password, now):
		ok, cached = true, true
	default:
		encoded := ""
		if found {
			encoded = u.Password
		}
		if encoded == "" { // unknown login, or no password set
			if encoded, err = s.dummy(); err != nil {
				return storage.Principal{}, storage.E(op, storage.Other, "", err)
			}
		}
		match, err := s.check(password, encoded)
		if err != nil {
			return storage.Principal{}, storage.E(op, storage.Other, "", err)
		}
		ok = match && found && u.Password != ""
		if ok {
			s.cache.put(login, password, u.ID, u.Password, now)
		}
	}
	if !ok {
		s.throttle.fail(login, o.IP, s.now())
		s.log.WarnContext(ctx, "login failed", "login", login, "ip", o.IP, "protocol", o.Protocol)
		e := loginEvent(o, login, false, "invalid login or password")
		if found {
			e = withUser(e, u.ID)
		}
		s.record(e)
		return storage.Principal{}, storage.Errorf(op, storage.Unauthenticated, "", "invalid login or password")
	}
	if err := s.admit(op, u, o.IP); err != nil {
		s.record(withUser(loginEvent(o, login, false, reason(err)), u.ID))
		return storage.Principal{}, err
	}
	s.throttle.success(login)
	if !(cached && o.PerRequest) {
		s.record(withUser(loginEvent(o, login, true, ""), u.ID))
	}
	return u.principal(), nil
}

func withUser(e audit.Entry, id string) audit.Entry { e.UserID = id; return e }

// reason is the message of an *storage.Error's cause, for the audit log.
func reason(err error) string {
	var e *storage.Error
	if errors.As(err, &e) && e.Err != nil {
		return e.Err.Error()
	}
	return err.Error()
}
