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

// fileTokens holds the tokens not yet redeemed, by hash.
type fileTokens struct {
	now   func() time.Time
	mu    sync.Mutex
	m     map[[sha256.Size]byte]fileToken
	sweep time.Time // when expired entries are dropped next
}

// fileToken is what a token stands for.
type fileToken struct {
	p       storage.Principal
	file    storage.NodeID
	typ     string
	expires time.Time
}

func newFileTokens(now func() time.Time) *fileTokens {
	return &fileTokens{now: now, m: map[[sha256.Size]byte]fileToken{}}
}

var (
	msgTokenType = text{"Type de jeton inconnu : download, preview ou edit.", "Unknown token type: download, preview or edit."}
	msgBadToken  = text{"Jeton inconnu, expiré ou déjà utilisé.", "Unknown, expired or already used token."}
	msgTooManyTk = text{"Trop de jetons en attente ; réessayez plus tard.", "Too many tokens outstanding; try again later."}
)

// issue answers a new token for the file: the caller needs Download on it,
// and Edit too for an edit token.
func (t *fileTokens) issue(c *call) error {
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
	raw := make([]byte, 32)
	rand.Read(raw) // never fails (crypto/rand)
	token := base64.RawURLEncoding.EncodeToString(raw)
	if !t.put(sha256.Sum256([]byte(token)), fileToken{p: c.p, file: info.ID, typ: typ}) {
		return &apiError{status: http.StatusServiceUnavailable, msg: msgTooManyTk, retry: int(tokenSweep.Seconds())}
	}
	return c.json(http.StatusOK, map[string]string{"token": token})
}

// put keeps a token for tokenTTL; false when too many are waiting.
func (t *fileTokens) put(key [sha256.Size]byte, e fileToken) bool {
	now := t.now()
	e.expires = now.Add(tokenTTL)
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
		return false
	}
	t.m[key] = e
	return true
}

// take redeems a token of type typ: it is gone afterwards. A token of
// another type stays, for the route it is meant for.
func (t *fileTokens) take(token, typ string) (fileToken, bool) {
	key := sha256.Sum256([]byte(token))
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.m[key]
	if !ok || e.typ != typ {
		return fileToken{}, false
	}
	delete(t.m, key)
	return e, t.now().Before(e.expires)
}

// download redeems a download token: the file's content, as
// GET /api/file/{id}/download would give it to the token's principal. A
// token used, expired or unknown is a 404 (the file may still exist; the
// token does not).
func (t *fileTokens) download(c *call) error {
	e, ok := t.take(c.r.URL.Query().Get("token"), "download")
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
