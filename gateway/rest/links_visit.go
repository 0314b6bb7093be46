package rest

// The visitor's side of a link on the public routes: who visits, the
// tokens a password check and a consent gave, and opening the link with
// them.

import (
	"net/http"

	"coffre/gateway"
	"coffre/shares"
	"coffre/storage"
)

// visitor is who calls a public route, for the link's statistics.
func (c *call) visitor() shares.Visitor {
	o := c.origin()
	return shares.Visitor{IP: o.IP, UserAgent: o.UserAgent, Protocol: o.Protocol, Acting: linkActing[c.r.Pattern],
		RequestID: gateway.RequestID(c.r.Context())}
}

// linkActing are the link routes that download or upload content: the
// engine audits each file they move (share_link_download,
// share_link_upload), so their opening of the link is no access entry
// besides (see shares.Visitor.Acting).
var linkActing = map[string]bool{
	"GET /api/share/download/file":      true,
	"GET /api/sharelink/download/{key}": true,
	"GET /api/zip/share/{key}":          true,
	"POST /api/ulink/key/{key}/upload":  true,
}

// linkCred is what a visitor holds: the tokens a passcheck and a consent
// gave.
type linkCred struct {
	Access  string `json:"access_token"`
	Consent string `json:"consent_token"`
}

// requestCred reads the tokens from the headers, else the query.
func (c *call) requestCred() linkCred {
	get := func(header, param string) string {
		if v := c.r.Header.Get(header); v != "" {
			return v
		}
		return c.r.URL.Query().Get(param)
	}
	return linkCred{Access: get("X-Share-Token", "access_token"), Consent: get("X-Consent-Token", "consent_token")}
}

// openLink opens the link of key for the caller, as a link of kind (a key
// of another kind is unknown here), with the credentials cred.
func (c *call) openLink(key string, kind shares.Kind, cred linkCred) (*shares.Visit, error) {
	vis, err := c.h.opts.Shares.Open(c.ctx, key, c.visitor())
	if err != nil {
		return nil, err
	}
	if vis.Link.Kind != kind {
		return nil, storage.E("open link", storage.NotFound, "", shares.ErrUnknown)
	}
	vis.UseAccessToken(cred.Access)
	vis.UseConsentToken(cred.Consent)
	return vis, nil
}

// visitKey opens the link whose key is the path value "key", with the
// request's credentials.
func (c *call) visitKey(kind shares.Kind) (*shares.Visit, error) {
	return c.openLink(c.r.PathValue("key"), kind, c.requestCred())
}

// unlock checks a link's password: 401 when it is wrong.
func (c *call) unlock(vis *shares.Visit, password string) (string, error) {
	token, err := vis.Unlock(c.ctx, password)
	if storage.Is(storage.Unauthenticated, err) {
		return "", &apiError{status: http.StatusUnauthorized, msg: msgLinkWrongPass, err: err}
	}
	return token, err
}

// linkPasscheck is POST …/key/{key}/passcheck {password} → {access_token}
// ("" for a link without password).
func linkPasscheck(kind shares.Kind) handler {
	return func(c *call) error {
		var in struct {
			Password *string `json:"password"`
		}
		if err := c.decode(&in); err != nil {
			return err
		}
		if in.Password == nil {
			return invalid("password", fieldRequired)
		}
		vis, err := c.openLink(c.r.PathValue("key"), kind, linkCred{})
		if err != nil {
			return err
		}
		token, err := c.unlock(vis, *in.Password)
		if err != nil {
			return err
		}
		return c.json(http.StatusOK, map[string]string{"access_token": token})
	}
}

// linkConsent is POST …/key/{key}/consent: the visitor accepts the link's
// consent text (recorded with their address and the text's version) →
// {consent_token} ("" for a link without consent).
func linkConsent(kind shares.Kind) handler {
	return func(c *call) error {
		vis, err := c.visitKey(kind)
		if err != nil {
			return err
		}
		token, err := vis.AcceptConsent(c.ctx)
		if err != nil {
			return err
		}
		return c.json(http.StatusOK, map[string]string{"consent_token": token})
	}
}

// linkReady fails as the link's content would when the visit still lacks its
// password or consent.
func linkReady(vis *shares.Visit) error {
	switch {
	case vis.NeedsConsent():
		return storage.E("open link", storage.Permission, "", shares.ErrConsent)
	case vis.NeedsPassword():
		return storage.E("open link", storage.Unauthenticated, "", shares.ErrPassword)
	}
	return nil
}
