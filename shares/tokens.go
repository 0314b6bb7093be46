package shares

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"

	"coffre/storage"
	"coffre/storage/meta"
)

// Tokens a visit earns: an access token once the password is right (for
// AccessTTL), a consent token once the consent text is accepted (for
// ConsentTTL, and only for that version of the text). Both are 32 random
// bytes in base64url, stored only hashed.
const (
	AccessTTL  = 2 * time.Hour
	ConsentTTL = 30 * 24 * time.Hour
)

const (
	tokenAccess  = "access"
	tokenConsent = "consent"
)

type tokenRecord struct {
	Link    uint64    `json:"link"`
	Kind    string    `json:"kind"`
	Version int       `json:"version,omitempty"` // of the consent text
	Expires time.Time `json:"expires"`
}

func tokenKey(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return cat(prefixToken, h[:])
}

// issue adds to b a new token of kind for link id and returns it.
func (s *Store) issue(b *meta.Batch, id uint64, kind string, version int, ttl time.Duration) string {
	var raw [32]byte
	rand.Read(raw[:]) // never fails (crypto/rand)
	token := base64.RawURLEncoding.EncodeToString(raw[:])
	v, _ := json.Marshal(tokenRecord{Link: id, Kind: kind, Version: version, Expires: s.now().Add(ttl).UTC()})
	b.Set(tokenKey(token), v)
	return token
}

// redeem checks that token is a live token of kind for link id (and, for
// consent, for version); expired tokens are dropped when met.
func (s *Store) redeem(token string, id uint64, kind string, version int) bool {
	if token == "" || len(token) > 100 {
		return false
	}
	key := tokenKey(token)
	v, err := s.m.Get(key)
	if err != nil {
		return false
	}
	var t tokenRecord
	if json.Unmarshal(v, &t) != nil {
		return false
	}
	if !s.now().Before(t.Expires) {
		b := s.m.NewBatch()
		b.Delete(key)
		_ = b.Commit() // a leftover is dropped next time
		return false
	}
	same := subtle.ConstantTimeEq(int32(t.Link^id), 0) & subtle.ConstantTimeEq(int32((t.Link^id)>>32), 0)
	return same == 1 && t.Kind == kind && (kind != tokenConsent || t.Version == version)
}

// PurgeTokens drops expired access and consent tokens; it says how many.
func (s *Store) PurgeTokens() (int, error) {
	now := s.now()
	b := s.m.NewBatch()
	n := 0
	err := s.m.ScanPrefix(prefixToken, nil, func(k, v []byte) error {
		var t tokenRecord
		if json.Unmarshal(v, &t) != nil || !now.Before(t.Expires) {
			b.Delete(append([]byte(nil), k...))
			n++
		}
		return nil
	})
	if err == nil && n > 0 {
		err = b.Commit()
	} else {
		b.Discard()
	}
	if err != nil && !errors.Is(err, meta.ErrClosed) {
		return 0, storage.E("purge link tokens", storage.Unavailable, "", err)
	}
	return n, err
}
