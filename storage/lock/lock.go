// Package lock is Coffre's one lock table: every lock that any protocol takes
// (a WebDAV LOCK, a REST lock) lives here, persisted in the metadata store so
// that locks and their expiry survive a restart. The table keeps every live
// lock in memory too: locks are few, and every write asks about them.
//
// The table stores and expires locks; it does not decide conflicts, which
// need the tree (package engine does that).
//
// Keys (storage/meta): l/<token> holds the lock record (JSON).
package lock

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"coffre/storage"
	"coffre/storage/meta"
)

var prefix = []byte("l/")

func key(token string) []byte { return append(bytes.Clone(prefix), token...) }

// Table is the lock table. It is safe for concurrent use.
type Table struct {
	m   *meta.Store
	now func() time.Time

	mu      sync.Mutex
	byToken map[string]storage.Lock
}

// New loads the live locks of m and drops the expired ones. now is the clock
// (nil: time.Now).
func New(m *meta.Store, now func() time.Time) (*Table, error) {
	if now == nil {
		now = time.Now
	}
	t := &Table{m: m, now: now, byToken: map[string]storage.Lock{}}
	b := m.NewBatch()
	err := m.ScanPrefix(prefix, nil, func(k, v []byte) error {
		var l storage.Lock
		if err := json.Unmarshal(v, &l); err != nil {
			return fmt.Errorf("lock: bad record %q: %w", k, err)
		}
		if t.expired(l) {
			b.Delete(k)
			return nil
		}
		t.byToken[l.Token] = l
		return nil
	})
	if err != nil {
		b.Discard()
		return nil, err
	}
	if b.Empty() {
		b.Discard()
		return t, nil
	}
	return t, b.Commit()
}

func (t *Table) expired(l storage.Lock) bool { return !t.now().Before(l.Expires) }

// NewToken returns a fresh lock token (RFC 4918 §6.5 opaquelocktoken URI).
func NewToken() string {
	u := make([]byte, 16)
	_, _ = rand.Read(u)
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return fmt.Sprintf("opaquelocktoken:%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// Live returns every lock that has not expired, ordered by token.
func (t *Table) Live() []storage.Lock {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]storage.Lock, 0, len(t.byToken))
	for _, l := range t.byToken {
		if !t.expired(l) {
			out = append(out, l)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Token < out[j].Token })
	return out
}

// Get returns the live lock with this token.
func (t *Table) Get(token string) (storage.Lock, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	l, ok := t.byToken[token]
	if !ok || t.expired(l) {
		return storage.Lock{}, false
	}
	return l, true
}

// Put stores l (new, or an update of the lock with its token) durably.
func (t *Table) Put(l storage.Lock) error {
	if l.Token == "" {
		return errors.New("lock: no token")
	}
	v, err := json.Marshal(l)
	if err != nil {
		return err
	}
	b := t.m.NewBatch()
	b.Set(key(l.Token), v)
	if err := b.Commit(); err != nil {
		return err
	}
	t.mu.Lock()
	t.byToken[l.Token] = l
	t.mu.Unlock()
	return nil
}

// Remove deletes the lock with this token durably. Removing an unknown token
// is not an error.
func (t *Table) Remove(token string) error {
	b := t.m.NewBatch()
	b.Delete(key(token))
	if err := b.Commit(); err != nil {
		return err
	}
	t.mu.Lock()
	delete(t.byToken, token)
	t.mu.Unlock()
	return nil
}

// Expire removes the expired locks durably and says how many.
func (t *Table) Expire() (int, error) {
	t.mu.Lock()
	var gone []string
	for tok, l := range t.byToken {
		if t.expired(l) {
			gone = append(gone, tok)
		}
	}
	t.mu.Unlock()
	for _, tok := range gone {
		if err := t.Remove(tok); err != nil {
			return 0, err
		}
	}
	return len(gone), nil
}
