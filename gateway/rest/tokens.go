package rest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"slices"
	"sync"
	"time"

	"coffre/storage"
)

// One-shot file tokens (netexplorer-reference.md §20):
// POST /api/token/file/{id}/{type} gives {token}, which
// GET /api/file/download?token=… (no bearer: a link a browser or a player
// can open) redeems once, within five minutes, acting as the principal who
// asked for it; the namespace checks that principal's rights again then.
//
// A token is 32 random bytes (base64url); only its SHA-256 is kept, in this
// process's memory: tokens do not survive a restart (their five minutes
// hardly matter), nor are they shared between instances behind a load
// balancer. The download route redeems download tokens only; preview and
// edit tokens are for the preview and editing routes.

const (
	tokenTTL = 5 * time.Minute
	// maxTokens bounds the tokens waiting to be redeemed, so that a client
	// asking for tokens in a loop cannot exhaust memory.
	maxTokens = 100_000
	// tokenSweep is how often expired tokens are dropped.
	tokenSweep = time.Minute
)

var tokenTypes = []string{"download", "preview", "edit"}

// tokenTable keeps what tokens stand for, by the token's SHA-256, each for
// tokenTTL, at most maxTokens at a time.
type tokenTable[T any] struct {
	now   func() time.Time
	mu    sync.Mutex
	m     map[[sha256.Size]byte]tokenEntry[T]
	sweep time.Time // when expired entries are dropped next
}

type tokenEntry[T any] struct {
	v       T
	expires time.Time
}

func newTokenTable[T any](now func() time.Time) *tokenTable[T] {
	return &tokenTable[T]{now: now, m: map[[sha256.Size]byte]tokenEntry[T]{}}
}

// issue returns a new token standing for v: 32 random bytes, base64url;
// 503 when too many are waiting.
func (t *tokenTable[T]) issue(v T) (string, error) {
	raw := make([]byte, 32)
	rand.Read(raw) // never fails (crypto/rand)
	token := base64.RawURLEncoding.EncodeToString(raw)
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if now.After(t.sweep) {
		for k, old := range t.m {
			if !now.Before(old.expires) {
				delete(t.m, k)
			}
		}
		t.sweep = now.Add(tokenSweep)
	}
	if len(t.m) >= maxTokens {
		return "", &apiError{status: http.StatusServiceUnavailable, msg: msgTooManyTk, retry: int(tokenSweep.Seconds())}
	}
	t.m[sha256.Sum256([]byte(token))] = tokenEntry[T]{v: v, expires: now.Add(tokenTTL)}
	return token, nil
}

// get returns what a live token stands for.
func (t *tokenTable[T]) get(token string) (T, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.m[sha256.Sum256([]byte(token))]
	return e.v, ok && t.now().Before(e.expires)
}

// take redeems a token whose value match accepts: it is gone afterwards.
// A token match refuses stays.
func (t *tokenTable[T]) take(token string, match func(T) bool) (T, bool) {
	key := sha256.Sum256([]byte(token))
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.m[key]
	if !ok || !match(e.v) {
		var zero T
		return zero, false
	}
	delete(t.m, key)
	return e.v, t.now().Before(e.expires)
}

// fileToken is what a file token stands for.
type fileToken struct {
	p    storage.Principal
	file storage.NodeID
	typ  string
}

// fileTokens holds the file tokens not yet redeemed.
type fileTokens struct{ table *tokenTable[fileToken] }

func newFileTokens(now func() time.Time) fileTokens {
	return fileTokens{newTokenTable[fileToken](now)}
}

var (
	msgTokenType = text{"Type de jeton inconnu : download, preview ou edit.", "Unknown token type: download, preview or edit."}
	msgBadToken  = text{"Jeton inconnu, expiré ou déjà utilisé.", "Unknown, expired or already used token."}
	msgTooManyTk = text{"Trop de jetons en attente ; réessayez plus tard.", "Too many tokens outstanding; try again later."}
)

// issue answers a new token for the file: the caller needs Download on it,
// and Edit too for an edit token.
func (t fileTokens) issue(c *call) error {
	typ := c.r.PathValue("type")
	if !slices.Contains(tokenTypes, typ) {
		return invalid("type", msgTokenType)
	}
	info, err := c.file("id")
	if err != nil {
		return err
	}
	need := storage.Download
	if typ == "edit" {
		need |= storage.Edit
	}
	if !info.Rights.Has(need) {
		return fail(http.StatusForbidden, msgPermission)
	}
	token, err := t.table.issue(fileToken{p: c.p, file: info.ID, typ: typ})
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, map[string]string{"token": token})
}

// download redeems a download token: the file's content, as
// GET /api/file/{id}/download would give it to the token's principal. A
// token used, expired or unknown is a 404 (the file may still exist; the
// token does not).
func (t fileTokens) download(c *call) error {
	e, ok := t.table.take(c.r.URL.Query().Get("token"), func(e fileToken) bool { return e.typ == "download" })
	if !ok {
		return fail(http.StatusNotFound, msgBadToken)
	}
	c.bind(e.p)
	info, err := c.ns.StatID(c.ctx, e.file)
	if err != nil {
		return err
	}
	if info.Dir {
		return fail(http.StatusNotFound, msgNotFound)
	}
	return c.serveFile(info)
}
