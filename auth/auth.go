package auth

import (
	"crypto/cipher"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"coffre/storage"
	"coffre/storage/meta"
)

// Role is a user's role. Its numbers are those of the NetExplorer API.
type Role int

// RoleAdmin is the administrator role: every right everywhere.
const RoleAdmin Role = 1

// Options configures a Service. The zero value is usable.
type Options struct {
	// Argon2 sets the cost of new password hashes; zero means DefaultArgon2.
	Argon2 Argon2Params
	// MaxHashing bounds how many Argon2id hashes run at once; zero means
	// GOMAXPROCS. Each one holds Argon2.Memory KiB while it runs.
	MaxHashing int
	// Logger receives security events (failed logins). Nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Service stores users and keys and checks credentials. It is safe for
// concurrent use.
type Service struct {
	m      *meta.Store
	aead   cipher.AEAD
	argon  Argon2Params
	hashes chan struct{} // semaphore bounding concurrent Argon2id runs
	log    *slog.Logger
	now    func() time.Time
	dummy  func() (string, error) // a hash verified for unknown logins, so timing does not tell

	mu sync.Mutex // serialises read-modify-write of a/ keys
}

// New returns a Service over m. masterKey (at least 32 bytes) seals S3 secrets.
func New(m *meta.Store, masterKey []byte, opts Options) (*Service, error) {
	if m == nil {
		return nil, errors.New("auth: nil metadata store")
	}
	aead, err := newSealer(masterKey)
	if err != nil {
		return nil, err
	}
	s := &Service{m: m, aead: aead, argon: opts.Argon2, log: opts.Logger, now: opts.Now}
	if s.argon == (Argon2Params{}) {
		s.argon = DefaultArgon2
	}
	if s.argon.Memory == 0 || s.argon.Time == 0 || s.argon.Threads == 0 {
		return nil, fmt.Errorf("auth: incomplete Argon2 parameters %+v", s.argon)
	}
	n := opts.MaxHashing
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	s.hashes = make(chan struct{}, n)
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.dummy = sync.OnceValues(func() (string, error) { return hashPassword("coffre-dummy-password", s.argon) })
	return s, nil
}

// user is the record stored at a/u/<login>.
type user struct {
	ID       string    `json:"id"`
	Login    string    `json:"login"`
	Role     Role      `json:"role"`
	Password string    `json:"password"` // PHC string, see the package doc
	Created  time.Time `json:"created"`
}

// key is the record stored at a/k/<access key>.
type key struct {
	Login   string    `json:"login"`
	Secret  []byte    `json:"secret"` // sealed, see the package doc
	Created time.Time `json:"created"`
}

func userKey(login string) []byte    { return []byte("a/u/" + login) }
func accessKey(access string) []byte { return []byte("a/k/" + access) }
func principal(u user) storage.Principal {
	return storage.Principal{UserID: u.ID, Login: u.Login, Admin: u.Role == RoleAdmin}
}

// getJSON reads the record at k into v; found is false when k is absent.
func (s *Service) getJSON(k []byte, v any) (found bool, err error) {
	b, err := s.m.Get(k)
	if errors.Is(err, meta.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("auth: record %q: %w", k, err)
	}
	return true, nil
}

// hash and check run Argon2id under the concurrency bound.
func (s *Service) hash(password string) (string, error) {
	s.hashes <- struct{}{}
	defer func() { <-s.hashes }()
	return hashPassword(password, s.argon)
}

func (s *Service) check(password, encoded string) (bool, error) {
	s.hashes <- struct{}{}
	defer func() { <-s.hashes }()
	return checkPassword(password, encoded)
}

// VerifyPassword returns the principal of login if password is its password.
// Unknown logins and wrong passwords both fail with the kind Unauthenticated
// and the same message, after the same amount of work.
func (s *Service) VerifyPassword(login, password string) (storage.Principal, error) {
	const op = "verify password"
	var u user
	found, err := s.getJSON(userKey(login), &u)
	if err != nil {
		return storage.Principal{}, storage.E(op, storage.Unavailable, "", err)
	}
	encoded := u.Password
	if !found {
		if encoded, err = s.dummy(); err != nil {
			return storage.Principal{}, storage.E(op, storage.Other, "", err)
		}
	}
	ok, err := s.check(password, encoded)
	if err != nil {
		return storage.Principal{}, storage.E(op, storage.Other, "", err)
	}
	if !found || !ok {
		s.log.Warn("login failed", "login", login)
		return storage.Principal{}, storage.Errorf(op, storage.Unauthenticated, "", "invalid login or password")
	}
	return principal(u), nil
}

// SecretKey returns the owner's login and the plaintext secret of an S3
// access key, for SigV4 verification. An unknown key fails with the kind
// Unauthenticated.
func (s *Service) SecretKey(access string) (login, secret string, err error) {
	const op = "secret key"
	var k key
	found, err := s.getJSON(accessKey(access), &k)
	if err != nil {
		return "", "", storage.E(op, storage.Unavailable, "", err)
	}
	if !found {
		return "", "", storage.Errorf(op, storage.Unauthenticated, "", "unknown access key")
	}
	plain, err := open(s.aead, k.Secret, []byte(access))
	if err != nil {
		return "", "", storage.E(op, storage.Corrupt, "", err)
	}
	return k.Login, string(plain), nil
}

// Principal returns the principal of login, or an error of kind NotFound.
func (s *Service) Principal(login string) (storage.Principal, error) {
	var u user
	found, err := s.getJSON(userKey(login), &u)
	if err != nil {
		return storage.Principal{}, storage.E("principal", storage.Unavailable, "", err)
	}
	if !found {
		return storage.Principal{}, storage.Errorf("principal", storage.NotFound, "", "no user %q", login)
	}
	return principal(u), nil
}
