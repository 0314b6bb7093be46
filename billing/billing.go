// Package billing keeps the platform's billing settings: the Stripe keys of
// two modes, dev (Stripe's test keys) and prod (live keys), and which mode is
// in force. Coffre calls no payment service; it stores these settings for the
// tools that do, with their secrets protected and every change audited.
//
// # Secrets
//
// Secret keys and webhook signing secrets are sealed with AES-256-GCM under a
// key the caller passes to New (main derives it from the master key with
// DeriveKey), with a random nonce per value and the mode and field as
// additional data, so that a sealed value cannot be moved to another field or
// mode. They are never returned whole: Get masks them ("sk_live_…1234", the
// last 4 characters only), and no error, log line or audit entry holds one.
// Publishable keys are public by design and kept in clear.
//
// # Storage
//
// One record in the metadata store, under the y/ prefix, which this package
// alone reads and writes (see storage/meta/doc.go):
//
//	y/stripe    the settings (JSON): mode, per mode the publishable key and the
//	            sealed secrets, last change and its author
//
// A change is one batch with its audit entry: "stripe_config_change" (Detail
// names the fields changed, never their values) or "stripe_mode_switch"
// (Detail "dev -> prod").
package billing

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"coffre/storage"
	"coffre/storage/audit"
	"coffre/storage/meta"
)

// The modes.
const (
	Dev  = "dev"  // Stripe's test keys (pk_test_, sk_test_ or rk_test_)
	Prod = "prod" // live keys (pk_live_, sk_live_ or rk_live_)
)

// The audit types of changes.
const (
	TypeChange     = "stripe_config_change"
	TypeModeSwitch = "stripe_mode_switch"
)

// Keys are one mode's keys. From Get, SecretKey and WebhookSecret are masked.
type Keys struct {
	PublishableKey string
	SecretKey      string
	WebhookSecret  string
}

// Config is the billing configuration as Get shows it.
type Config struct {
	Mode      string // Dev or Prod
	Dev, Prod Keys   // secrets masked
	Updated   time.Time
	UpdatedBy string // user ID of the last change's author; "" before any
}

// KeysChange lists the keys of one mode to change; nil fields stay, ""
// removes a key.
type KeysChange struct {
	PublishableKey, SecretKey, WebhookSecret *string
}

// Change lists the keys to change in each mode.
type Change struct {
	Dev, Prod KeysChange
}

// FieldError says which field a change got wrong; Update and SwitchMode
// return it wrapped in a *storage.Error of kind Invalid. It never holds the
// value sent.
type FieldError struct {
	Field string // "mode", or "<mode>.<key>" as "prod.secret_key"
	// Expect lists the prefixes a key must start with ("sk_live_ or
	// rk_live_"); empty for the mode.
	Expect string
	// Unconfigured is set when SwitchMode refuses a mode whose publishable
	// and secret keys are not both set.
	Unconfigured bool
}

func (e *FieldError) Error() string {
	switch {
	case e.Unconfigured:
		return e.Field + ": the keys of this mode are not configured"
	case e.Expect != "":
		return e.Field + ": must start with " + e.Expect + " and hold only letters, digits and _"
	}
	return e.Field + `: must be "dev" or "prod"`
}

// MaxKey bounds the length of a key, in bytes.
const MaxKey = 255

// Options configures a Store. The zero value is usable.
type Options struct {
	// Audit receives an entry for every change, in the change's batch;
	// nil records nothing.
	Audit *audit.Log
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Store reads and changes the billing configuration. It is safe for
// concurrent use.
type Store struct {
	m    *meta.Store
	aead cipher.AEAD
	log  *audit.Log
	now  func() time.Time
	mu   sync.Mutex // serialises read-modify-writes of the record
}

var recordKey = []byte("y/stripe")

// keyInfo is the HKDF info of the sealing key: changing it changes the key.
const keyInfo = "coffre/billing/v1"

// DeriveKey derives the sealing key New needs from the master key, with
// HKDF-SHA-256 (RFC 5869) and the info "coffre/billing/v1".
func DeriveKey(master []byte) []byte {
	k, err := hkdf.Key(sha256.New, master, nil, keyInfo, 32)
	if err != nil {
		// Only a length above 255 hashes, or a master key too short for
		// FIPS 140-only mode, fails: both are programming errors.
		panic("billing: derive key: " + err.Error())
	}
	return k
}

// New returns the billing configuration kept in m, sealed under key (32
// bytes, see DeriveKey).
func New(m *meta.Store, key []byte, opts Options) (*Store, error) {
	if len(key) != 32 {
		return nil, errors.New("billing: the sealing key must be 32 bytes")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	s := &Store{m: m, aead: aead, log: opts.Audit, now: opts.Now}
	if s.now == nil {
		s.now = time.Now
	}
	return s, nil
}

// record is what y/stripe holds.
type record struct {
	Mode      string                `json:"mode"`
	Keys      map[string]sealedKeys `json:"keys,omitempty"` // by mode
	Updated   time.Time             `json:"updated,omitzero"`
	UpdatedBy string                `json:"updated_by,omitempty"`
}

// sealedKeys are one mode's keys as stored: secrets are nonce and sealed
// bytes (base64 in JSON), nil when not set.
type sealedKeys struct {
	Publishable string `json:"publishable,omitempty"`
	Secret      []byte `json:"secret,omitempty"`
	Webhook     []byte `json:"webhook,omitempty"`
}

// Get returns the configuration with its secrets masked.
func (s *Store) Get(ctx context.Context) (Config, error) {
	r, err := s.load("get billing settings")
	if err != nil {
		return Config{}, err
	}
	return s.show(r)
}

// Update applies ch and returns the new configuration, masked. entry is the
// audit entry of the change (who, from where); Update sets its type and
// detail. A change that changes nothing writes nothing. Errors are
// *storage.Error: Invalid, wrapping a *FieldError, for a key that does not
// fit its field and mode (nothing changes).
func (s *Store) Update(ctx context.Context, ch Change, entry audit.Entry) (Config, error) {
	const op = "update billing settings"
	if err := ch.check(); err != nil {
		return Config{}, storage.E(op, storage.Invalid, "", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.load(op)
	if err != nil {
		return Config{}, err
	}
	var changed []string
	for _, mode := range []string{Dev, Prod} {
		kc := ch.keys(mode)
		k := r.Keys[mode]
		if kc.PublishableKey != nil {
			k.Publishable = *kc.PublishableKey
			changed = append(changed, mode+".publishable_key")
		}
		if kc.SecretKey != nil {
			if k.Secret, err = s.seal(mode, "secret_key", *kc.SecretKey); err != nil {
				return Config{}, storage.E(op, storage.Other, "", err)
			}
			changed = append(changed, mode+".secret_key")
		}
		if kc.WebhookSecret != nil {
			if k.Webhook, err = s.seal(mode, "webhook_secret", *kc.WebhookSecret); err != nil {
				return Config{}, storage.E(op, storage.Other, "", err)
			}
			changed = append(changed, mode+".webhook_secret")
		}
		r.Keys[mode] = k
	}
	if len(changed) == 0 {
		return s.show(r)
	}
	entry.Type, entry.Detail = TypeChange, strings.Join(changed, ", ")
	return s.save(op, r, entry)
}

// SwitchMode makes mode the one in force and returns the configuration,
// masked. entry is as for Update. Switching to the mode already in force
// writes nothing. Errors are *storage.Error: Invalid, wrapping a
// *FieldError, for an unknown mode or one whose publishable and secret keys
// are not both set (a platform must not fall into a mode it cannot bill in).
func (s *Store) SwitchMode(ctx context.Context, mode string, entry audit.Entry) (Config, error) {
	const op = "switch billing mode"
	if mode != Dev && mode != Prod {
		return Config{}, storage.E(op, storage.Invalid, "", &FieldError{Field: "mode"})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.load(op)
	if err != nil {
		return Config{}, err
	}
	if r.Mode == mode {
		return s.show(r)
	}
	if k := r.Keys[mode]; k.Publishable == "" || k.Secret == nil {
		return Config{}, storage.E(op, storage.Invalid, "", &FieldError{Field: "mode", Unconfigured: true})
	}
	entry.Type, entry.Detail = TypeModeSwitch, r.Mode+" -> "+mode
	r.Mode = mode
	return s.save(op, r, entry)
}

// load reads the record; a platform nobody configured is in dev mode
// without keys.
func (s *Store) load(op string) (record, error) {
	r := record{Mode: Dev}
	v, err := s.m.Get(recordKey)
	switch {
	case errors.Is(err, meta.ErrNotFound):
	case err != nil:
		return record{}, metaErr(op, err)
	default:
		if err := json.Unmarshal(v, &r); err != nil {
			return record{}, storage.Errorf(op, storage.Corrupt, "", "bad billing record: %v", err)
		}
	}
	if r.Keys == nil {
		r.Keys = map[string]sealedKeys{}
	}
	return r, nil
}

// save writes r and its audit entry in one batch, and returns r masked.
func (s *Store) save(op string, r record, entry audit.Entry) (Config, error) {
	r.Updated, r.UpdatedBy = s.now().UTC(), entry.UserID
	v, err := json.Marshal(r)
	if err != nil {
		return Config{}, storage.E(op, storage.Other, "", err)
	}
	b := s.m.NewBatch()
	b.Set(recordKey, v)
	if s.log != nil {
		entry.OK, entry.ObjectType, entry.ObjectName = true, "billing", "stripe"
		s.log.Add(b, entry)
	}
	if err := b.Commit(); err != nil {
		return Config{}, metaErr(op, err)
	}
	return s.show(r)
}

// show is r as Get answers it: secrets opened only to be masked.
func (s *Store) show(r record) (Config, error) {
	c := Config{Mode: r.Mode, Updated: r.Updated, UpdatedBy: r.UpdatedBy}
	for _, mode := range []string{Dev, Prod} {
		k := r.Keys[mode]
		secret, err := s.open(mode, "secret_key", k.Secret)
		if err != nil {
			return Config{}, err
		}
		webhook, err := s.open(mode, "webhook_secret", k.Webhook)
		if err != nil {
			return Config{}, err
		}
		shown := Keys{PublishableKey: k.Publishable, SecretKey: Mask(secret), WebhookSecret: Mask(webhook)}
		if mode == Dev {
			c.Dev = shown
		} else {
			c.Prod = shown
		}
	}
	return c, nil
}

// seal encrypts a secret of field in mode; "" is no secret (nil).
func (s *Store) seal(mode, field, plain string) ([]byte, error) {
	if plain == "" {
		return nil, nil
	}
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return s.aead.Seal(nonce, nonce, []byte(plain), additional(mode, field)), nil
}

// open decrypts what seal made.
func (s *Store) open(mode, field string, sealed []byte) (string, error) {
	if sealed == nil {
		return "", nil
	}
	n := s.aead.NonceSize()
	if len(sealed) < n+s.aead.Overhead() {
		return "", storage.Errorf("open billing secret", storage.Corrupt, "", "sealed %s.%s too short", mode, field)
	}
	plain, err := s.aead.Open(nil, sealed[:n], sealed[n:], additional(mode, field))
	if err != nil {
		// A wrong key (the master key changed) or a damaged record.
		return "", storage.Errorf("open billing secret", storage.Corrupt, "", "sealed %s.%s does not open: %v", mode, field, err)
	}
	return string(plain), nil
}

// additional binds a sealed value to its place.
func additional(mode, field string) []byte {
	return []byte("y/stripe\x00" + mode + "\x00" + field)
}

// Mask shows a secret as its prefix ("sk_live_"), an ellipsis and its last 4
// characters, only those when the rest is long enough that they give little
// away (12 characters or more); "" stays "".
func Mask(secret string) string {
	if secret == "" {
		return ""
	}
	prefix := ""
	if i := strings.LastIndexByte(secret[:min(len(secret), 9)], '_'); i >= 0 {
		prefix = secret[:i+1]
	}
	rest := secret[len(prefix):]
	if len(rest) < 12 {
		return prefix + "…"
	}
	return prefix + "…" + rest[len(rest)-4:]
}

// keys is the change of one mode.
func (ch Change) keys(mode string) KeysChange {
	if mode == Dev {
		return ch.Dev
	}
	return ch.Prod
}

// check returns the first key of ch that does not fit its field and mode.
func (ch Change) check() *FieldError {
	for _, mode := range []string{Dev, Prod} {
		live := map[string]string{Dev: "test", Prod: "live"}[mode]
		kc := ch.keys(mode)
		for _, f := range []struct {
			name     string
			v        *string
			prefixes []string
		}{
			{"publishable_key", kc.PublishableKey, []string{"pk_" + live + "_"}},
			{"secret_key", kc.SecretKey, []string{"sk_" + live + "_", "rk_" + live + "_"}},
			{"webhook_secret", kc.WebhookSecret, []string{"whsec_"}},
		} {
			if f.v != nil && *f.v != "" && !validKey(*f.v, f.prefixes) {
				return &FieldError{Field: mode + "." + f.name, Expect: strings.Join(f.prefixes, " or ")}
			}
		}
	}
	return nil
}

// validKey reports whether v starts with one of prefixes and holds, after
// it, 1 to MaxKey letters, digits and underscores in all: what Stripe's keys
// are made of.
func validKey(v string, prefixes []string) bool {
	if len(v) > MaxKey {
		return false
	}
	for _, p := range prefixes {
		if rest, ok := strings.CutPrefix(v, p); ok && rest != "" {
			return strings.IndexFunc(rest, func(r rune) bool {
				return !(r == '_' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9')
			}) < 0
		}
	}
	return false
}

// metaErr gives a metadata store failure its kind.
func metaErr(op string, err error) error {
	if errors.Is(err, meta.ErrClosed) {
		return storage.E(op, storage.Unavailable, "", err)
	}
	return storage.E(op, storage.Other, "", fmt.Errorf("metadata store: %w", err))
}
