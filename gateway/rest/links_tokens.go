package rest

import (
	"net/http"
	"time"

	"coffre/shares"
)

// Download tokens of links (links_common.go says what they are for).

// linkTokens are the download tokens of links: each stands, for tokenTTL,
// for a link's key and the credentials its visitor had (the link is opened
// again, and checked again, at each use). Like the file tokens (tokens.go)
// they live in a tokenTable.
type linkTokens struct{ table *tokenTable[linkGrant] }

// linkGrant is what a token stands for.
type linkGrant struct {
	key  string
	cred linkCred
}

func newLinkTokens(now func() time.Time) linkTokens {
	return linkTokens{newTokenTable[linkGrant](now)}
}

// linkTokenBody is the body of the token routes: the key (when the path does
// not say it) and the visitor's credentials, or the password itself.
type linkTokenBody struct {
	Key      string `json:"key"`
	Password string `json:"password"`
	linkCred
}

// issue answers a token for the link of key, once the visit has everything
// a download needs (password, consent), from the request's credentials or
// the body's.
func (t linkTokens) issue(c *call, key string, in linkTokenBody) error {
	cred := c.requestCred()
	if in.Access != "" {
		cred.Access = in.Access
	}
	if in.Consent != "" {
		cred.Consent = in.Consent
	}
	vis, err := c.openLink(key, shares.DownloadLink, cred)
	if err != nil {
		return err
	}
	if in.Password != "" && vis.NeedsPassword() {
		if cred.Access, err = c.unlock(vis, in.Password); err != nil {
			return err
		}
	}
	if err := linkReady(vis); err != nil {
		return err
	}
	token, err := t.table.issue(linkGrant{key: key, cred: cred})
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, map[string]string{"token": token})
}

// keyToken is POST /api/token/share/download/{key} and
// /api/token/sharelink/{key}/download → {token}.
func (t linkTokens) keyToken(c *call) error {
	var in linkTokenBody
	if err := c.decode(&in); err != nil {
		return err
	}
	return t.issue(c, c.r.PathValue("key"), in)
}

// visitToken opens the link a token stands for; 404 for a token unknown,
// expired, or (when key is not "") for another link.
func (t linkTokens) visitToken(c *call, token, key string) (*shares.Visit, error) {
	g, ok := t.table.get(token)
	if !ok || key != "" && g.key != key {
		return nil, fail(http.StatusNotFound, msgBadToken)
	}
	return c.openLink(g.key, shares.DownloadLink, g.cred)
}

// visitKeyOrToken opens the link of key with ?token= when the request has
// one (it must stand for that key), else with the request's credentials.
func (t linkTokens) visitKeyOrToken(c *call, key string) (*shares.Visit, error) {
	token := c.r.URL.Query().Get("token")
	if token == "" {
		return c.openLink(key, shares.DownloadLink, c.requestCred())
	}
	return t.visitToken(c, token, key)
}
