// Package settings keeps the platform settings that administrators change at
// run time (GET and PUT /api/config): the default language of the interface,
// whether guest accounts are allowed, the platform's name, how long login
// sessions last (auth.Options.SessionLimits reads them); and the platform
// configuration of /api/v1/platform-config (platform.go): its mode (dev or
// prod), public address and support address. Settings fixed at start
// (listeners, drives, features) stay in the configuration file.
//
// # Storage
//
// Two records in the metadata store, under the x/ prefix, which this package
// alone reads and writes (see storage/meta/doc.go):
//
//	x/config    the settings (JSON); absent fields take their defaults
//	x/platform  the platform configuration (JSON); likewise
//
// A change is one batch, with its audit entry when the store has an audit
// log.
package settings

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"coffre/auth"
	"coffre/storage"
	"coffre/storage/audit"
	"coffre/storage/meta"
)

// Settings are the platform's runtime settings.
type Settings struct {
	// DefaultLanguage is the interface language of users whose own is
	// "auto" and of pages seen without an account: one of auth.Languages.
	DefaultLanguage string `json:"default_language"`
	// AllowGuest lets administrators create guest accounts (role 4).
	AllowGuest bool `json:"allow_guest"`
	// PlatformName is shown in pages and e-mails: 1 to MaxName characters.
	PlatformName string `json:"platform_name"`
	// SessionIdle ends a login session (REST token, web page) unused for
	// that many seconds; SessionLimit ends it that many seconds after the
	// login, used or not. They apply to the sessions already open too, and
	// not to API tokens, which have limits of their own.
	SessionIdle  int `json:"session_idle"`
	SessionLimit int `json:"session_limit"`
}

// Bounds of the settings.
const (
	MaxName                          = 100              // PlatformName, in characters
	MinSessionIdle, MaxSessionIdle   = 60, 30 * 86400   // seconds: a minute to 30 days
	MinSessionLimit, MaxSessionLimit = 300, 365 * 86400 // seconds: 5 minutes to a year
)

// Defaults are the settings of a platform nobody configured.
func Defaults() Settings {
	return Settings{DefaultLanguage: "fr", AllowGuest: false, PlatformName: "Coffre",
		SessionIdle: 30 * 60, SessionLimit: 12 * 3600}
}

// Change lists the settings to change; nil fields stay as they are.
type Change struct {
	DefaultLanguage *string
	AllowGuest      *bool
	PlatformName    *string
	SessionIdle     *int
	SessionLimit    *int
}

// FieldError says which setting a change got wrong; Update returns it
// wrapped in a *storage.Error of kind Invalid.
type FieldError struct {
	Field  string // the JSON name of the setting
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// Options configures a Store. The zero value is usable.
type Options struct {
	// Audit receives an entry for every change, in the change's batch;
	// nil records nothing.
	Audit *audit.Log
}

// Store reads and changes the settings. It is safe for concurrent use.
type Store struct {
	m   *meta.Store
	log *audit.Log
	mu  sync.Mutex // serialises the read-modify-writes of Update and UpdatePlatform
}

var key = []byte("x/config")

// New returns the settings kept in m.
func New(m *meta.Store, opts Options) *Store {
	return &Store{m: m, log: opts.Audit}
}

// Get returns the current settings.
func (s *Store) Get(ctx context.Context) (Settings, error) {
	st := Defaults()
	v, err := s.m.Get(key)
	if errors.Is(err, meta.ErrNotFound) {
		return st, nil
	}
	if err != nil {
		return Settings{}, metaErr("settings", err)
	}
	if err := json.Unmarshal(v, &st); err != nil {
		return Settings{}, storage.Errorf("settings", storage.Corrupt, "", "bad settings record: %v", err)
	}
	return st, nil
}

// Update applies ch and returns the new settings. entry, when not nil, is
// the audit entry committed with the change (its Detail lists the settings
// changed). Errors are *storage.Error: Invalid, wrapping a *FieldError, for
// a value out of range (nothing changes).
func (s *Store) Update(ctx context.Context, ch Change, entry *audit.Entry) (Settings, error) {
	const op = "update settings"
	if err := ch.check(); err != nil {
		return Settings{}, storage.E(op, storage.Invalid, "", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, err := s.Get(ctx)
	if err != nil {
		return Settings{}, err
	}
	var changed []string
	if ch.DefaultLanguage != nil {
		st.DefaultLanguage = *ch.DefaultLanguage
		changed = append(changed, "default_language="+st.DefaultLanguage)
	}
	if ch.AllowGuest != nil {
		st.AllowGuest = *ch.AllowGuest
		changed = append(changed, fmt.Sprint("allow_guest=", st.AllowGuest))
	}
	if ch.PlatformName != nil {
		st.PlatformName = *ch.PlatformName
		changed = append(changed, "platform_name")
	}
	if ch.SessionIdle != nil {
		st.SessionIdle = *ch.SessionIdle
		changed = append(changed, fmt.Sprint("session_idle=", st.SessionIdle))
	}
	if ch.SessionLimit != nil {
		st.SessionLimit = *ch.SessionLimit
		changed = append(changed, fmt.Sprint("session_limit=", st.SessionLimit))
	}
	v, err := json.Marshal(st)
	if err != nil {
		return Settings{}, err
	}
	b := s.m.NewBatch()
	b.Set(key, v)
	if entry != nil && s.log != nil {
		e := *entry
		e.Detail = strings.Join(changed, ", ")
		s.log.Add(b, e)
	}
	if err := b.Commit(); err != nil {
		return Settings{}, metaErr(op, err)
	}
	return st, nil
}

// check returns the first value of ch out of range.
func (ch Change) check() *FieldError {
	if l := ch.DefaultLanguage; l != nil && !slices.Contains(auth.Languages, *l) {
		return &FieldError{"default_language", fmt.Sprintf("%q is none of %s", *l, strings.Join(auth.Languages, ", "))}
	}
	if n := ch.PlatformName; n != nil {
		if c := utf8.RuneCountInString(strings.TrimSpace(*n)); c == 0 || c > MaxName || *n != strings.TrimSpace(*n) {
			return &FieldError{"platform_name", fmt.Sprintf("needs 1 to %d characters, without blanks around them", MaxName)}
		}
	}
	if n := ch.SessionIdle; n != nil && (*n < MinSessionIdle || *n > MaxSessionIdle) {
		return &FieldError{"session_idle", fmt.Sprintf("needs %d to %d seconds", MinSessionIdle, MaxSessionIdle)}
	}
	if n := ch.SessionLimit; n != nil && (*n < MinSessionLimit || *n > MaxSessionLimit) {
		return &FieldError{"session_limit", fmt.Sprintf("needs %d to %d seconds", MinSessionLimit, MaxSessionLimit)}
	}
	return nil
}

// SessionLimits returns how long a login session may stay unused and how
// long it may last at most, for auth.Options.SessionLimits; the defaults
// when the settings cannot be read.
func (s *Store) SessionLimits() (idle, limit time.Duration) {
	st, err := s.Get(context.Background())
	if err != nil {
		st = Defaults()
	}
	return time.Duration(st.SessionIdle) * time.Second, time.Duration(st.SessionLimit) * time.Second
}

// metaErr gives a metadata store failure its kind.
func metaErr(op string, err error) error {
	if errors.Is(err, meta.ErrClosed) {
		return storage.E(op, storage.Unavailable, "", err)
	}
	return storage.E(op, storage.Other, "", err)
}
