package rest

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"

	"coffre/auth"
	"coffre/gateway"
	"coffre/storage"
)

// call is one request being served.
type call struct {
	h     *Handler
	w     http.ResponseWriter
	r     *http.Request
	ctx   context.Context
	p     storage.Principal // zero on public routes
	ns    storage.Namespace // nil on public routes
	token string            // the credential the caller sent, for logout
	users map[string]*auth.User
	lng   string
}

// handler is an endpoint: it answers through the call, or returns the error
// to answer.
type handler func(c *call) error

// handle registers an endpoint that needs an authenticated caller.
func (h *Handler) handle(pattern string, fn handler) {
	h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		c := h.newCall(w, r)
		if err := c.authenticate(); err != nil {
			c.writeError(err)
			return
		}
		c.serve(fn)
	})
}

// public registers an endpoint that needs no account.
func (h *Handler) public(pattern string, fn handler) {
	h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		h.newCall(w, r).serve(fn)
	})
}

func (h *Handler) newCall(w http.ResponseWriter, r *http.Request) *call {
	return &call{h: h, w: w, r: r, ctx: r.Context()}
}

func (c *call) serve(fn handler) {
	if err := fn(c); err != nil {
		c.writeError(err)
	}
}

// origin describes where the request comes from, for auth and the audit log.
func (c *call) origin() auth.Origin {
	return auth.Origin{IP: clientIP(c.r.RemoteAddr), UserAgent: c.r.UserAgent(), Protocol: "rest"}
}

// credential is the token the request carries: "Authorization: Bearer" or
// the legacy "Token:" header.
func credential(r *http.Request) string {
	if scheme, cred, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(cred)
	}
	return strings.TrimSpace(r.Header.Get("Token"))
}

// authenticate binds the call to the token's principal.
func (c *call) authenticate() error {
	c.token = credential(c.r)
	if c.token == "" {
		return &apiError{status: http.StatusUnauthorized, msg: msgUnauthenticated}
	}
	p, err := c.h.opts.Auth.Authenticate(c.ctx, c.token, c.origin())
	if err != nil {
		if storage.Is(storage.Unauthenticated, err) {
			return &apiError{status: http.StatusUnauthorized, msg: msgUnauthenticated, err: err}
		}
		return err
	}
	c.bind(p)
	return nil
}

// bind makes p the caller.
func (c *call) bind(p storage.Principal) {
	o := c.origin()
	p.IP, p.UserAgent, p.Protocol = o.IP, o.UserAgent, o.Protocol
	p.RequestID = gateway.RequestID(c.r.Context())
	c.p = p
	c.ns = c.h.opts.Service.As(p)
}

// admin fails unless the caller is an administrator.
func (c *call) admin() error {
	if !c.p.Admin {
		return fail(http.StatusForbidden, msgAdminOnly)
	}
	return nil
}

// user returns the account with this ID, or nil if it is gone; lookups are
// remembered for the call (listings name the same owners many times).
func (c *call) user(id string) *auth.User {
	if id == "" {
		return nil
	}
	if u, ok := c.users[id]; ok {
		return u
	}
	if c.users == nil {
		c.users = map[string]*auth.User{}
	}
	u, err := c.h.opts.Auth.UserByID(c.ctx, id)
	if err != nil {
		c.users[id] = nil
		return nil
	}
	c.users[id] = &u
	return &u
}

// fullName is how objects name a user: "First LAST", else the login.
func fullName(u *auth.User) string {
	if u == nil {
		return ""
	}
	if n := strings.TrimSpace(u.FirstName + " " + u.LastName); n != "" {
		return n
	}
	return u.Login
}

// lang is the language of messages: English when Accept-Language prefers
// it or, without that header, when the caller's language is "en"; French
// otherwise.
func (c *call) lang() string {
	if c.lng != "" {
		return c.lng
	}
	c.lng = "fr"
	if al := c.r.Header.Get("Accept-Language"); al != "" {
		if preferred(al) == "en" {
			c.lng = "en"
		}
	} else if u := c.user(c.p.UserID); u != nil && u.Language == "en" {
		c.lng = "en"
	}
	return c.lng
}

// preferred returns the primary subtag of the language an Accept-Language
// header ranks highest (the first one among equals).
func preferred(header string) string {
	best, bestQ := "", -1.0
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if q > bestQ && tag != "" {
			primary, _, _ := strings.Cut(tag, "-")
			best, bestQ = strings.ToLower(primary), q
		}
	}
	return best
}

// json answers v as JSON with status.
func (c *call) json(status int, v any) error {
	c.w.Header().Set("Content-Type", "application/json; charset=utf-8")
	c.w.Header().Set("X-Content-Type-Options", "nosniff")
	c.w.WriteHeader(status)
	return json.NewEncoder(c.w).Encode(v)
}

// okText answers the plain "OK" some NetExplorer endpoints return.
func (c *call) okText() error {
	c.w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, err := io.WriteString(c.w, "OK")
	return err
}

// noContent answers 204.
func (c *call) noContent() error {
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

// decode reads a JSON body into v. An empty body leaves v as it is (so
// that partial updates with nothing to change are no error); a malformed one
// is a 400, a value of the wrong type a 422 naming the field, an oversized
// one a 413.
func (c *call) decode(v any) error {
	body := http.MaxBytesReader(c.w, c.r.Body, c.h.opts.MaxJSON)
	dec := json.NewDecoder(body)
	err := dec.Decode(v)
	if errors.Is(err, io.EOF) {
		return nil
	}
	if err == nil && dec.More() {
		err = errors.New("data after the JSON value")
	}
	if err == nil {
		return nil
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &apiError{status: http.StatusRequestEntityTooLarge, msg: msgTooLarge, err: err}
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return invalid(te.Field, fieldType, jsonType(te.Type.Kind().String()))
	}
	return &apiError{status: http.StatusBadRequest, msg: msgMalformedJSON, err: err}
}

// jsonType names a Go kind as JSON calls it.
func jsonType(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"), strings.HasPrefix(kind, "float"):
		return "number"
	case kind == "bool":
		return "boolean"
	case kind == "slice", kind == "array":
		return "array"
	case kind == "map", kind == "struct":
		return "object"
	}
	return kind
}

// clientIP is the address part of a RemoteAddr.
func clientIP(remote string) string {
	if host, _, err := net.SplitHostPort(remote); err == nil {
		return host
	}
	return remote
}
