package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"mime"
	"net/http"
	"time"

	"coffre/auth"
	"coffre/shares"
	"coffre/storage"
)

// Credentials: headers for API clients, cookies for pages.
const (
	headerPassword = "X-Share-Password"
	headerToken    = "X-Share-Token"
	headerConsent  = "X-Consent-Token"
	headerCSRF     = "X-CSRF-Token"

	cookieAccess  = "coffre_access"
	cookieConsent = "coffre_consent"
	cookieCSRF    = "coffre_csrf"

	// maxForm bounds a form's body (a password and a CSRF token).
	maxForm = 16 << 10
)

// credentials gives the visit the consent and access tokens the request
// carries (headers first, then the page's cookies), then the password of
// X-Share-Password if the visit still needs one: its access token goes
// back in X-Share-Token. A wrong password fails here, whatever the route.
func (q *req) credentials() error {
	vis := q.vis
	for _, t := range []string{q.r.Header.Get(headerConsent), q.cookie(cookieConsent)} {
		if t != "" && vis.UseConsentToken(t) {
			break
		}
	}
	for _, t := range []string{q.r.Header.Get(headerToken), q.cookie(cookieAccess)} {
		if t != "" && vis.UseAccessToken(t) {
			break
		}
	}
	if pw := q.r.Header.Get(headerPassword); pw != "" && vis.NeedsPassword() {
		token, err := vis.Unlock(q.ctx, pw)
		if err != nil {
			return err
		}
		q.w.Header().Set(headerToken, token)
	}
	return nil
}

func (q *req) cookie(name string) string {
	c, err := q.r.Cookie(name)
	if err != nil {
		return ""
	}
	return c.Value
}

// setCookie keeps value for this link's pages only: HttpOnly (no script
// reads it), SameSite=Strict (no other site's page sends it), scoped to
// the link's path; maxAge 0 makes it last as long as the browser session.
func (q *req) setCookie(name, value string, maxAge time.Duration) {
	http.SetCookie(q.w, &http.Cookie{
		Name: name, Value: value, Path: q.base(), MaxAge: int(maxAge / time.Second),
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: q.secure(),
	})
}

// fromBrowser reports whether a request may come from a page of some site
// in a browser, with the browser's cookies: only then can it be forged by
// another site (CSRF). Browsers send Origin or Sec-Fetch-Site on their
// POSTs; a client that sends neither and none of our cookies acts only
// with the credentials it sends itself.
func fromBrowser(r *http.Request) bool {
	if r.Header.Get("Origin") != "" || r.Header.Get("Sec-Fetch-Site") != "" {
		return true
	}
	for _, name := range []string{cookieCSRF, cookieAccess, cookieConsent} {
		if _, err := r.Cookie(name); err == nil {
			return true
		}
	}
	return false
}

// checkPost refuses a browser's POST without the CSRF token of the page:
// in the X-CSRF-Token header, or the form's csrf field. For an upload
// (bodyCSRF) the field may come first in the multipart body, which upload
// checks as it streams.
func (q *req) checkPost(bodyCSRF bool) error {
	if !fromBrowser(q.r) {
		return nil
	}
	if t := q.r.Header.Get(headerCSRF); t != "" {
		return q.checkCSRF(t)
	}
	mt, _, _ := mime.ParseMediaType(q.r.Header.Get("Content-Type"))
	switch {
	case mt == "application/x-www-form-urlencoded":
		q.r.Body = http.MaxBytesReader(q.w, q.r.Body, maxForm)
		return q.checkCSRF(q.r.PostFormValue("csrf"))
	case mt == "multipart/form-data" && bodyCSRF:
		q.csrfInBody = true
		return nil
	}
	return q.checkCSRF("")
}

// csrfToken is the token for the page's forms, tied to the csrf cookie,
// which it sets when the request has none.
func (q *req) csrfToken() string {
	nonce := q.cookie(cookieCSRF)
	if len(nonce) != 43 { // 32 bytes in base64url
		var b [32]byte
		rand.Read(b[:]) // never fails (crypto/rand)
		nonce = base64.RawURLEncoding.EncodeToString(b[:])
		q.setCookie(cookieCSRF, nonce, 0)
	}
	return q.h.csrfFor(q.key, nonce)
}

// csrfFor signs a cookie's nonce for a link.
func (h *Handler) csrfFor(key, nonce string) string {
	m := hmac.New(sha256.New, h.csrfKey[:])
	m.Write([]byte(key))
	m.Write([]byte{0})
	m.Write([]byte(nonce))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (q *req) checkCSRF(token string) error {
	nonce := q.cookie(cookieCSRF)
	if nonce == "" || token == "" || !hmac.Equal([]byte(token), []byte(q.h.csrfFor(q.key, nonce))) {
		return &failure{status: http.StatusForbidden, code: "csrf", msg: msgCSRF}
	}
	q.csrfInBody = false
	return nil
}

// consentText: GET /s/{token}/consent-text.
func consentText(q *req) error {
	l := q.vis.Link
	if q.json {
		return q.writeJSON(http.StatusOK, map[string]any{"text": l.ConsentText, "version": l.ConsentVer, "required": l.Consent})
	}
	return q.consentPage()
}

// acceptConsent: POST /s/{token}/accept-consent records the consent and
// returns its token; a page's form gets it as a cookie and goes back to
// the link.
func acceptConsent(q *req) error {
	token, err := q.vis.AcceptConsent(q.ctx)
	if err != nil {
		return err
	}
	if q.json {
		return q.writeJSON(http.StatusOK, map[string]any{"consent_token": token, "version": q.vis.Link.ConsentVer})
	}
	if token != "" {
		q.setCookie(cookieConsent, token, shares.ConsentTTL)
	}
	return q.redirect(q.base())
}

// password: POST /s/{token}/password checks the password (form field
// password, or X-Share-Password) and returns an access token; a page's
// form gets it as a cookie and goes back to the link, or the form again
// with what went wrong.
func password(q *req) error {
	token := q.w.Header().Get(headerToken) // from X-Share-Password, checked by credentials
	if token == "" {
		q.r.Body = http.MaxBytesReader(q.w, q.r.Body, maxForm)
		pw := q.r.PostFormValue("password")
		if pw == "" && q.vis.Link.HasPassword {
			return storage.E("check link password", storage.Unauthenticated, "", shares.ErrPassword)
		}
		var err error
		token, err = q.vis.Unlock(q.ctx, pw)
		if err != nil && !q.json && (storage.Is(storage.Unauthenticated, err) || isRetry(err)) {
			f := failureOf(err)
			f.header(q.w)
			return q.passwordPage(f.status, f.text(q.lang))
		}
		if err != nil {
			return err
		}
	}
	if q.json {
		return q.writeJSON(http.StatusOK, map[string]any{"access_token": token, "expires_in": int(shares.AccessTTL / time.Second)})
	}
	if token != "" {
		q.setCookie(cookieAccess, token, shares.AccessTTL)
	}
	return q.redirect(q.base())
}

func isRetry(err error) bool {
	_, ok := auth.RetryAfter(err)
	return ok
}
