package sigv4

import (
	"crypto/sha256"
	"crypto/subtle"
	"sync"
)

// maxCachedKeys bounds the signing keys a Verifier keeps; the cache is
// emptied when it is full (a day's keys of that many clients).
const maxCachedKeys = 1024

// keyCache keeps the signing keys derived lately. Deriving one takes four
// HMACs, a third of the cost of verifying a request, and a client signs
// all day with the same one. An entry serves only the secret it was
// derived from: a secret changed or a key revoked (the lookup fails) is
// seen at once, since the secret is looked up on every request anyway.
type keyCache struct {
	mu   sync.Mutex
	keys map[keyScope]cachedKey
}

// keyScope is what a signing key is derived for, besides the secret.
type keyScope struct{ access, date, region string }

type cachedKey struct {
	secret [sha256.Size]byte // the SHA-256 of the secret it was derived from
	key    []byte
}

// signingKey returns the signing key of secret for the scope, derived once.
func (c *keyCache) signingKey(secret string, s keyScope) []byte {
	sum := sha256.Sum256([]byte(secret))
	c.mu.Lock()
	k, ok := c.keys[s]
	c.mu.Unlock()
	if ok && subtle.ConstantTimeCompare(k.secret[:], sum[:]) == 1 {
		return k.key
	}
	key := signingKey(secret, s.date, s.region, service)
	c.mu.Lock()
	if c.keys == nil || len(c.keys) >= maxCachedKeys {
		c.keys = make(map[keyScope]cachedKey)
	}
	c.keys[s] = cachedKey{secret: sum, key: key}
	c.mu.Unlock()
	return key
}
