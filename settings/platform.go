package settings

import (
	"context"
	"encoding/json"
	"errors"
	"net/mail"
	"net/url"
	"strings"

	"coffre/storage"
	"coffre/storage/audit"
	"coffre/storage/meta"
)

// Platform is the platform configuration (/api/v1/platform-config).
type Platform struct {
	// Mode is "dev" for a test platform, "prod" for production. It is
	// announced to clients and pages; the billing mode is separate (package
	// billing).
	Mode string `json:"mode"`
	// PublicURL is the address people reach the platform at
	// ("https://files.example.com"), for the links pages and messages give;
	// "" means the address of the request.
	PublicURL string `json:"public_url"`
	// SupportEmail is the address pages give for help; "" shows none.
	SupportEmail string `json:"support_email"`
}

// The platform modes.
const (
	ModeDev  = "dev"
	ModeProd = "prod"
)

// DefaultPlatform is the configuration of a platform nobody configured:
// production, so that nothing behaves as a test platform unless told to.
func DefaultPlatform() Platform { return Platform{Mode: ModeProd} }

// PlatformChange lists the fields to change; nil fields stay as they are.
type PlatformChange struct {
	Mode, PublicURL, SupportEmail *string
}

// Bounds of the platform fields, in bytes.
const (
	MaxURL   = 2048
	MaxEmail = 254 // RFC 5321's path limit
)

var platformKey = []byte("x/platform")

// Platform returns the platform configuration.
func (s *Store) Platform(ctx context.Context) (Platform, error) {
	p := DefaultPlatform()
	v, err := s.m.Get(platformKey)
	if errors.Is(err, meta.ErrNotFound) {
		return p, nil
	}
	if err != nil {
		return Platform{}, metaErr("platform configuration", err)
	}
	if err := json.Unmarshal(v, &p); err != nil {
		return Platform{}, storage.Errorf("platform configuration", storage.Corrupt, "", "bad platform record: %v", err)
	}
	return p, nil
}

// UpdatePlatform applies ch and returns the new configuration. entry, when
// not nil, is the audit entry committed with the change (its Detail lists the
// fields changed, with the mode's value). Errors are *storage.Error: Invalid,
// wrapping a *FieldError, for a value out of range (nothing changes).
func (s *Store) UpdatePlatform(ctx context.Context, ch PlatformChange, entry *audit.Entry) (Platform, error) {
	const op = "update platform configuration"
	if err := ch.check(); err != nil {
		return Platform{}, storage.E(op, storage.Invalid, "", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, err := s.Platform(ctx)
	if err != nil {
		return Platform{}, err
	}
	var changed []string
	if ch.Mode != nil {
		changed = append(changed, "mode "+p.Mode+" -> "+*ch.Mode)
		p.Mode = *ch.Mode
	}
	if ch.PublicURL != nil {
		p.PublicURL = strings.TrimSuffix(*ch.PublicURL, "/")
		changed = append(changed, "public_url")
	}
	if ch.SupportEmail != nil {
		p.SupportEmail = *ch.SupportEmail
		changed = append(changed, "support_email")
	}
	v, err := json.Marshal(p)
	if err != nil {
		return Platform{}, err
	}
	b := s.m.NewBatch()
	b.Set(platformKey, v)
	if entry != nil && s.log != nil {
		e := *entry
		e.Detail = strings.Join(changed, ", ")
		s.log.Add(b, e)
	}
	if err := b.Commit(); err != nil {
		return Platform{}, metaErr(op, err)
	}
	return p, nil
}

// check returns the first value of ch out of range.
func (ch PlatformChange) check() *FieldError {
	if m := ch.Mode; m != nil && *m != ModeDev && *m != ModeProd {
		return &FieldError{"mode", `must be "dev" or "prod"`}
	}
	if u := ch.PublicURL; u != nil && *u != "" && !validURL(*u) {
		return &FieldError{"public_url", "needs an absolute http or https address without query or fragment"}
	}
	if e := ch.SupportEmail; e != nil && *e != "" && !validEmail(*e) {
		return &FieldError{"support_email", "needs one e-mail address"}
	}
	return nil
}

// validURL accepts an absolute http or https URL with a host, up to MaxURL
// bytes, without user information, query or fragment.
func validURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && len(s) <= MaxURL && (u.Scheme == "http" || u.Scheme == "https") &&
		u.Host != "" && u.User == nil && u.RawQuery == "" && u.Fragment == "" && !strings.ContainsAny(s, " \t\r\n?#")
}

// validEmail accepts one bare address ("help@example.com"), up to MaxEmail
// bytes.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && len(s) <= MaxEmail && a.Address == s && a.Name == ""
}
