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

// The four roles.
const (
	RoleAdmin   Role = 1 // every right everywhere; manages the platform
	RoleManager Role = 2 // manages the clients (tenants) and users assigned to them
	RoleUser    Role = 3
	RoleGuest   Role = 4
)

func (r Role) valid() bool { return r >= RoleAdmin && r <= RoleGuest }

func (r Role) String() string {
	switch r {
	case RoleAdmin:
		return "administrator"
	case RoleManager:
		return "manager"
	case RoleUser:
		return "user"
	case RoleGuest:
		return "guest"
	}
	return fmt.Sprintf("role(%d)", int(r))
}

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
	// Audit records logins (success and failure). Nil records nothing.
	Audit Auditor

	// CacheTTL is how long a verified login and password are remembered, so
	// that protocols sending them on every request (WebDAV Basic) do not pay
	// Argon2id each time. Zero means 60 s; negative disables the cache.
	CacheTTL time.Duration

	// SessionLimits says how long a session may stay unused and how long
	// it may last after its creation. It is asked again each time a session
	// is checked, so that a change applies to the sessions already open
	// (the platform settings: settings.Store.SessionLimits). Nil means 30
	// minutes and 12 hours.
	SessionLimits func() (idle, limit time.Duration)
	// TokenIdle and TokenLimit do the same for API tokens; zero means no
	// idle limit and 365 days.
	TokenIdle, TokenLimit time.Duration

	// Backoff tunes the brute-force protection; the zero value is usable.
	Backoff BackoffOptions
}

// Service stores identities and checks credentials. It is safe for
// concurrent use. Only one Service may use a given store at a time: the
// verification cache and the failure counters live in its memory.
type Service struct {
	m      *meta.Store
	aead   cipher.AEAD
	argon  Argon2Params
	hashes chan struct{} // semaphore bounding concurrent Argon2id runs
	log    *slog.Logger
	now    func() time.Time
	audit  Auditor
	dummy  func() (string, error) // a hash verified for unknown logins, so timing does not tell

	cache    *verifyCache
	throttle *throttle
	tokens   tokenLimits

	mu sync.Mutex // serialises every read-modify-write of a/ keys
}

// New returns a Service over m. masterKey (at least 32 bytes) seals S3
// secrets. It brings records written by earlier versions up to the current
// layout (see the package doc).
func New(m *meta.Store, masterKey []byte, opts Options) (*Service, error) {
	if m == nil {
		return nil, errors.New("auth: nil metadata store")
	}
	aead, err := newSealer(masterKey)
	if err != nil {
		return nil, err
	}
	s := &Service{m: m, aead: aead, argon: opts.Argon2, log: opts.Logger, now: opts.Now, audit: opts.Audit}
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
	ttl := opts.CacheTTL
	if ttl == 0 {
		ttl = 60 * time.Second
	}
	if s.cache, err = newVerifyCache(ttl); err != nil {
		return nil, err
	}
	s.throttle = newThrottle(opts.Backoff)
	s.tokens = newTokenLimits(opts)
	if err := s.upgrade(); err != nil {
		return nil, err
	}
	return s, nil
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

// setJSON adds k = json(v) to b.
func setJSON(b *meta.Batch, k []byte, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("auth: encode %q: %v", k, err)) // only plain structs are encoded
	}
	b.Set(k, data)
}

// commit commits b, mapping a failure to kind Unavailable.
func commit(op string, b *meta.Batch) error {
	if err := b.Commit(); err != nil {
		return storage.E(op, storage.Unavailable, "", err)
	}
	return nil
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

// metaErr maps a metadata store failure to kind Unavailable.
func metaErr(op string, err error) error { return storage.E(op, storage.Unavailable, "", err) }

// invalid returns an Invalid error naming field, explained in English (en)
// and in French (fr).
func invalid(op, field, en, fr string) error {
	return storage.E(op, storage.Invalid, "", &FieldError{Field: field, Msg: en, MsgFr: fr})
}

// FieldError says which input field is wrong; it is the cause of Invalid
// errors, so that the REST API can fill {"errors": {field: [msg]}} in the
// caller's language.
type FieldError struct {
	Field string
	Msg   string // in English, after the field's name: "must be at most 64 characters"
	MsgFr string // in French, a sentence of its own: "Au plus 64 caractères."
}

// Error is the field and its English message.
func (e *FieldError) Error() string { return e.Field + ": " + e.Msg }
