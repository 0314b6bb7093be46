package webdav

import (
	"net"
	"net/http"
	"strings"

	"coffre/auth"
	"coffre/gateway"
	"coffre/storage"
)

// authenticate returns the principal of r's credentials: HTTP Basic (RFC
// 7617) or a bearer token (RFC 6750). Missing or wrong credentials fail
// with Unauthenticated, which ServeHTTP answers with 401 and a challenge.
func (h *Handler) authenticate(r *http.Request) (storage.Principal, error) {
	const op = "webdav auth"
	// Credentials come with every request: each verification of the
	// password is a login, not each request (auth.Service.Login).
	o := auth.Origin{IP: r.RemoteAddr, UserAgent: r.UserAgent(), Protocol: "webdav", PerRequest: true}
	hdr := r.Header.Get("Authorization")
	scheme, cred, _ := strings.Cut(hdr, " ")
	cred = strings.TrimSpace(cred)
	var (
		p   storage.Principal
		err error
	)
	switch {
	case hdr == "":
		return storage.Principal{}, storage.Errorf(op, storage.Unauthenticated, "", "no credentials")
	case strings.EqualFold(scheme, "Basic"):
		login, password, ok := r.BasicAuth()
		if !ok || login == "" {
			return storage.Principal{}, storage.Errorf(op, storage.Unauthenticated, "", "malformed Basic credentials")
		}
		p, err = h.basic(r, login, password, o)
	case strings.EqualFold(scheme, "Bearer") && cred != "":
		p, err = h.opts.Auth.Authenticate(r.Context(), cred, o)
	default:
		return storage.Principal{}, storage.Errorf(op, storage.Unauthenticated, "", "unsupported authorization scheme")
	}
	if err != nil {
		return storage.Principal{}, err
	}
	p.IP, p.UserAgent, p.Protocol = clientIP(r.RemoteAddr), r.UserAgent(), "webdav"
	p.RequestID = gateway.RequestID(r.Context())
	return p, nil
}

// basic checks a login and password. A password shaped like an API token
// is tried as one first (clients such as davfs2 can send nothing but
// Basic): it opens the account only if the token's owner has that login.
// Otherwise it is a password, checked by the auth service with its cache
// and brute-force back-off.
func (h *Handler) basic(r *http.Request, login, password string, o auth.Origin) (storage.Principal, error) {
	if tokenShaped(password) {
		p, err := h.opts.Auth.Authenticate(r.Context(), password, o)
		if err == nil && strings.EqualFold(p.Login, login) {
			return p, nil
		}
	}
	return h.opts.Auth.Login(r.Context(), login, password, o)
}

// tokenShaped reports whether s looks like an auth token: 43 characters of
// unpadded base64url (32 random bytes).
func tokenShaped(s string) bool {
	if len(s) != 43 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// clientIP is the address part of a RemoteAddr.
func clientIP(remote string) string {
	if host, _, err := net.SplitHostPort(remote); err == nil {
		return host
	}
	return remote
}
