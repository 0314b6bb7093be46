package auth

import (
	"context"

	"coffre/storage"
)

// Passwords that protect something other than an account (a share link)
// are hashed and checked here, so that they get the same Argon2id
// parameters, concurrency bound and brute-force back-off as logins.

// HashPassword returns the PHC string of password, for a password that is
// not an account's.
func (s *Service) HashPassword(password string) (string, error) {
	if password == "" {
		return "", invalid("hash password", "password", "must not be empty", "Le mot de passe ne doit pas être vide.")
	}
	return s.hash(password)
}

// CheckPassword checks password against encoded, made by HashPassword.
// Failures count against key (such as "share:12") and the address ip as
// failed logins do against an account: during a back-off the check is
// refused with Unavailable and a RetryError, without hashing. A wrong
// password fails with Unauthenticated.
func (s *Service) CheckPassword(ctx context.Context, key, password, encoded, ip string) error {
	const op = "check password"
	if d := s.throttle.wait(key, ip, s.now()); d > 0 {
		return storage.E(op, storage.Unavailable, "", &RetryError{After: d})
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	ok, err := s.check(password, encoded)
	if err != nil {
		return storage.E(op, storage.Other, "", err)
	}
	if !ok {
		s.throttle.fail(key, ip, s.now())
		return storage.Errorf(op, storage.Unauthenticated, "", "wrong password")
	}
	s.throttle.success(key)
	return nil
}
