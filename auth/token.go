package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"sort"
	"time"

	"coffre/storage"
	"coffre/storage/meta"
)

// TokenKind tells sessions from API tokens; they differ only in their limits.
type TokenKind uint8

// The kinds of tokens.
const (
	SessionToken TokenKind = 1 // from a login (REST /api/auth, web pages)
	APIToken     TokenKind = 2 // made by a user for a script
)

func (k TokenKind) String() string {
	if k == APIToken {
		return "api"
	}
	return "session"
}

// TokenInfo describes a token; the token itself is never stored.
type TokenInfo struct {
	ID       string // hex SHA-256 of the token: names it for listing and revocation
	Kind     TokenKind
	UserID   string
	Name     string
	Created  time.Time
	LastUsed time.Time
	Expires  time.Time     // absolute end
	Idle     time.Duration // ends after that long unused; 0: no idle limit
}

// tokenRecord is stored at a/t/<id>.
type tokenRecord struct {
	Kind     TokenKind     `json:"kind"`
	UserID   string        `json:"user"`
	Name     string        `json:"name,omitempty"`
	Created  time.Time     `json:"created"`
	LastUsed time.Time     `json:"last_used"`
	Expires  time.Time     `json:"expires"`
	Idle     time.Duration `json:"idle,omitempty"`
}

func (r *tokenRecord) info(id string) TokenInfo {
	return TokenInfo{ID: id, Kind: r.Kind, UserID: r.UserID, Name: r.Name, Created: r.Created,
		LastUsed: r.LastUsed, Expires: r.Expires, Idle: r.Idle}
}

type tokenLimits struct {
	sessions          func() (idle, limit time.Duration)
	apiIdle, apiLimit time.Duration
}

func newTokenLimits(o Options) tokenLimits {
	l := tokenLimits{o.SessionLimits, o.TokenIdle, o.TokenLimit}
	if l.sessions == nil {
		l.sessions = func() (time.Duration, time.Duration) { return 30 * time.Minute, 12 * time.Hour }
	}
	if l.apiLimit == 0 {
		l.apiLimit = 365 * 24 * time.Hour
	}
	return l
}

// liveness returns the test of a token's life at now, and fixes the
// record's Expires and Idle for its info: a session answers to the session
// limits of now (Options.SessionLimits), so that shortening them ends the
// longer sessions at once; an API token to those it was issued with.
func (s *Service) liveness(now time.Time) func(*tokenRecord) bool {
	idle, limit := s.tokens.sessions()
	return func(r *tokenRecord) bool {
		if r.Kind == SessionToken {
			r.Expires, r.Idle = r.Created.Add(limit), idle
		}
		return now.Before(r.Expires) && (r.Idle <= 0 || now.Sub(r.LastUsed) < r.Idle)
	}
}

// tokenLen is the length of a token: 32 random bytes in unpadded base64url.
const tokenLen = 43

// tokenID hashes a token to its ID. Tokens carry 256 random bits, so a
// plain SHA-256 is enough: the hash cannot be reversed or guessed.
func tokenID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// IssueToken creates a token for the user with ID userID and returns it; it
// is shown once and stored only hashed. Sessions are issued after Login,
// API tokens on a user's request.
func (s *Service) IssueToken(ctx context.Context, userID string, kind TokenKind, name string) (token string, info TokenInfo, err error) {
	const op = "issue token"
	if kind != SessionToken && kind != APIToken {
		return "", TokenInfo{}, invalid(op, "kind", "must be a session or an API token", "Doit être un jeton de session ou un jeton d'API.")
	}
	if err := validName(op, "name", name, false); err != nil {
		return "", TokenInfo{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.userByID(op, userID); err != nil {
		return "", TokenInfo{}, err
	}
	raw := make([]byte, 32)
	rand.Read(raw) // never fails (crypto/rand)
	token = base64.RawURLEncoding.EncodeToString(raw)
	now := s.now().UTC()
	r := tokenRecord{Kind: kind, UserID: userID, Name: name, Created: now, LastUsed: now}
	if kind == SessionToken {
		idle, limit := s.tokens.sessions()
		r.Expires, r.Idle = now.Add(limit), idle
	} else {
		r.Expires, r.Idle = now.Add(s.tokens.apiLimit), s.tokens.apiIdle
	}
	id := tokenID(token)
	b := s.m.NewBatch()
	setJSON(b, tokenKey(id), &r)
	b.Set(userTokenIndex(userID, id), nil)
	if err := commit(op, b); err != nil {
		return "", TokenInfo{}, err
	}
	return token, r.info(id), nil
}

// Authenticate returns the principal of a session or API token used from o.
// An unknown, revoked or expired token fails with Unauthenticated; so does
// a disabled or expired account; connection options refuse with Permission.
// Use is recorded at most once a minute (idle expiry is that precise).
func (s *Service) Authenticate(ctx context.Context, token string, o Origin) (storage.Principal, error) {
	const op = "authenticate"
	fail := storage.Errorf(op, storage.Unauthenticated, "", "invalid or expired token")
	if len(token) != tokenLen {
		return storage.Principal{}, fail
	}
	if _, err := base64.RawURLEncoding.DecodeString(token); err != nil {
		return storage.Principal{}, fail
	}
	id := tokenID(token)
	var r tokenRecord
	found, err := s.getJSON(tokenKey(id), &r)
	if err != nil {
		return storage.Principal{}, metaErr(op, err)
	}
	now := s.now()
	if !found {
		return storage.Principal{}, fail
	}
	if !s.liveness(now)(&r) {
		s.mu.Lock()
		b := s.m.NewBatch()
		b.Delete(tokenKey(id))
		b.Delete(userTokenIndex(r.UserID, id))
		err := b.Commit()
		s.mu.Unlock()
		if err != nil {
			s.log.Warn("drop expired token", "err", err)
		}
		return storage.Principal{}, fail
	}
	u, err := s.userByID(op, r.UserID)
	if storage.Is(storage.NotFound, err) {
		return storage.Principal{}, fail
	} else if err != nil {
		return storage.Principal{}, err
	}
	if err := s.admit(op, u, o.IP); err != nil {
		return storage.Principal{}, err
	}
	if now.Sub(r.LastUsed) >= time.Minute {
		s.touch(id, now)
	}
	return u.principal(), nil
}

// touch records that token id was used at now, unless it is gone meanwhile.
func (s *Service) touch(id string, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var r tokenRecord
	if found, err := s.getJSON(tokenKey(id), &r); err != nil || !found {
		return
	}
	r.LastUsed = now.UTC()
	b := s.m.NewBatch()
	setJSON(b, tokenKey(id), &r)
	if err := b.Commit(); err != nil {
		s.log.Warn("record token use", "err", err)
	}
}

// Tokens lists the live tokens of the user with ID userID, newest first.
func (s *Service) Tokens(ctx context.Context, userID string) ([]TokenInfo, error) {
	const op = "list tokens"
	var out []TokenInfo
	live := s.liveness(s.now())
	p := userTokensPrefix(userID)
	err := s.m.ScanPrefix(p, nil, func(k, _ []byte) error {
		id := string(k[len(p):])
		var r tokenRecord
		found, err := s.getJSON(tokenKey(id), &r)
		if err != nil {
			return err
		}
		if found && live(&r) {
			out = append(out, r.info(id))
		}
		return ctx.Err()
	})
	if err != nil {
		return nil, metaErr(op, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	return out, nil
}

// RevokeToken ends the token id of the user userID (NotFound if the user
// holds no such token). Logout is RevokeToken of the session's own ID.
func (s *Service) RevokeToken(ctx context.Context, userID, id string) error {
	const op = "revoke token"
	s.mu.Lock()
	defer s.mu.Unlock()
	var r tokenRecord
	found, err := s.getJSON(tokenKey(id), &r)
	if err != nil {
		return metaErr(op, err)
	}
	if !found || r.UserID != userID {
		return storage.Errorf(op, storage.NotFound, "", "no such token")
	}
	b := s.m.NewBatch()
	b.Delete(tokenKey(id))
	b.Delete(userTokenIndex(userID, id))
	return commit(op, b)
}

// RevokeTokenValue ends the token itself (logout with the bearer token).
func (s *Service) RevokeTokenValue(ctx context.Context, token string) error {
	id := tokenID(token)
	var r tokenRecord
	found, err := s.getJSON(tokenKey(id), &r)
	if err != nil {
		return metaErr("revoke token", err)
	}
	if !found {
		return storage.Errorf("revoke token", storage.NotFound, "", "no such token")
	}
	return s.RevokeToken(ctx, r.UserID, id)
}

// deleteTokens adds to b the removal of the user's tokens of kind (0: all).
// s.mu is held.
func (s *Service) deleteTokens(b *meta.Batch, userID string, kind TokenKind) error {
	p := userTokensPrefix(userID)
	return s.m.ScanPrefix(p, nil, func(k, _ []byte) error {
		id := string(k[len(p):])
		var r tokenRecord
		found, err := s.getJSON(tokenKey(id), &r)
		if err != nil {
			return err
		}
		if !found || kind == 0 || r.Kind == kind {
			b.Delete(tokenKey(id))
			b.Delete(k)
		}
		return nil
	})
}

// PurgeTokens removes expired tokens; the server may call it now and then.
func (s *Service) PurgeTokens(ctx context.Context) (n int, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	live := s.liveness(s.now())
	b := s.m.NewBatch()
	err = s.m.ScanPrefix(tokensPrefix, nil, func(k, v []byte) error {
		var r tokenRecord
		if err := unmarshal(v, &r); err != nil {
			return err
		}
		if !live(&r) {
			id := string(k[len(tokensPrefix):])
			b.Delete(tokenKey(id))
			b.Delete(userTokenIndex(r.UserID, id))
			n++
		}
		return ctx.Err()
	})
	if err != nil {
		b.Discard()
		return 0, metaErr("purge tokens", err)
	}
	return n, commit("purge tokens", b)
}
