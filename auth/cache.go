package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"sync"
	"time"
)

// maxCached bounds the verification cache; past it, expired entries are
// swept and, if that is not enough, arbitrary ones dropped.
const maxCached = 10000

// verifyCache remembers, for a short time, that a login and password were
// verified against a given stored hash. Entries are keyed by
// HMAC-SHA-256(k, len(login) || login || password) with k random and held
// only in memory, so neither a password nor a fast-to-test digest of one is
// kept. A hit counts only if the entry names the same user ID and the same
// stored hash as the record just read, so a changed password misses even
// before drop runs.
type verifyCache struct {
	key []byte
	ttl time.Duration // <= 0: disabled

	mu      sync.Mutex
	entries map[[sha256.Size]byte]cacheEntry
	byUser  map[string]map[[sha256.Size]byte]struct{}
}

type cacheEntry struct {
	userID  string
	phc     string
	expires time.Time
}

func newVerifyCache(ttl time.Duration) (*verifyCache, error) {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, err
	}
	return &verifyCache{
		key: k, ttl: ttl,
		entries: map[[sha256.Size]byte]cacheEntry{},
		byUser:  map[string]map[[sha256.Size]byte]struct{}{},
	}, nil
}

func (c *verifyCache) mac(login, password string) [sha256.Size]byte {
	h := hmac.New(sha256.New, c.key)
	var n [binary.MaxVarintLen64]byte
	h.Write(n[:binary.PutUvarint(n[:], uint64(len(login)))])
	h.Write([]byte(login))
	h.Write([]byte(password))
	var out [sha256.Size]byte
	h.Sum(out[:0])
	return out
}

// hit reports whether login and password were verified against phc, the
// stored hash of user id, less than ttl ago.
func (c *verifyCache) hit(login, password, id, phc string, now time.Time) bool {
	if c.ttl <= 0 || phc == "" {
		return false
	}
	m := c.mac(login, password)
	c.mu.Lock()
	e, ok := c.entries[m]
	c.mu.Unlock()
	if !ok || !now.Before(e.expires) {
		return false
	}
	sameUser := subtle.ConstantTimeCompare([]byte(e.userID), []byte(id))
	sameHash := subtle.ConstantTimeCompare([]byte(e.phc), []byte(phc))
	return sameUser&sameHash == 1
}

// put remembers a successful verification.
func (c *verifyCache) put(login, password, id, phc string, now time.Time) {
	if c.ttl <= 0 || phc == "" {
		return
	}
	m := c.mac(login, password)
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= maxCached {
		c.sweep(now)
	}
	c.entries[m] = cacheEntry{userID: id, phc: phc, expires: now.Add(c.ttl)}
	if c.byUser[id] == nil {
		c.byUser[id] = map[[sha256.Size]byte]struct{}{}
	}
	c.byUser[id][m] = struct{}{}
}

// sweep drops expired entries, then arbitrary ones until there is room.
// c.mu is held.
func (c *verifyCache) sweep(now time.Time) {
	for m, e := range c.entries {
		if !now.Before(e.expires) || len(c.entries) >= maxCached {
			c.remove(m, e.userID)
		}
		if len(c.entries) < maxCached/2 {
			return
		}
	}
}

func (c *verifyCache) remove(m [sha256.Size]byte, id string) {
	delete(c.entries, m)
	if u := c.byUser[id]; u != nil {
		delete(u, m)
		if len(u) == 0 {
			delete(c.byUser, id)
		}
	}
}

// drop forgets every entry of user id: on a password change, deactivation,
// rename or deletion.
func (c *verifyCache) drop(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for m := range c.byUser[id] {
		delete(c.entries, m)
	}
	delete(c.byUser, id)
}

// len returns the number of entries (tests).
func (c *verifyCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}
