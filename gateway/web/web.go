package web

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"html/template"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"

	"coffre/gateway"
	"coffre/shares"
)

// Options configures the handler. Links is required.
type Options struct {
	// Links opens the links.
	Links *shares.Store
	// Logger receives failures of the server's own making; nil discards
	// them.
	Logger *slog.Logger
	// Secure says the server is reached over HTTPS (directly or behind a
	// TLS proxy): cookies get the Secure flag and encryption-info reports
	// TLS in transit. A request that arrives over TLS counts as secure
	// anyway.
	Secure bool
	// DataShards and ParityShards are the drives' erasure coding, which
	// encryption-info reports; zero leaves it out.
	DataShards, ParityShards int
}

// Handler serves the links under /s/. It is safe for concurrent use.
type Handler struct {
	links  *shares.Store
	log    *slog.Logger
	secure bool
	shards [2]int
	// csrfKey signs the CSRF tokens; a restart makes open forms ask for a
	// reload.
	csrfKey [32]byte
	pages   map[string]*template.Template
	dict    map[string]map[string]string // page labels by language
	assets  map[string]asset
	mux     *http.ServeMux
}

// New returns the handler of the /s/ routes.
func New(opts Options) (*Handler, error) {
	if opts.Links == nil {
		return nil, errors.New("web: Options.Links is required")
	}
	h := &Handler{
		links:  opts.Links,
		log:    opts.Logger,
		secure: opts.Secure,
		shards: [2]int{opts.DataShards, opts.ParityShards},
		mux:    http.NewServeMux(),
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	rand.Read(h.csrfKey[:]) // never fails (crypto/rand)
	var err error
	if h.assets, err = loadAssets(); err != nil {
		return nil, err
	}
	if h.pages, err = loadPages(); err != nil {
		return nil, err
	}
	h.dict = dictionaries()

	for name := range h.assets {
		h.mux.Handle("GET /s/_/"+name, h.serveAsset(name))
	}
	h.handle("GET /s/{token}", home)
	h.handle("GET /s/{token}/consent-text", consentText)
	h.handle("POST /s/{token}/accept-consent", acceptConsent)
	h.handle("POST /s/{token}/password", password)
	h.handle("GET /s/{token}/encryption-info", encryptionInfo)
	h.handle("GET /s/{token}/download", download)
	h.handle("POST /s/{token}/upload", upload)
	h.handle("GET /s/{token}/files", files)
	h.handle("GET /s/{token}/files/{fileId}", file)
	return h, nil
}

// contentSecurity is the policy of every answer: the pages use only the
// embedded stylesheet and script, no inline code, and post only here.
const contentSecurity = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", contentSecurity)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
	h.mux.ServeHTTP(w, r)
}

// req is one request to a link's route.
type req struct {
	h    *Handler
	w    http.ResponseWriter
	r    *http.Request
	ctx  context.Context
	lang string // "fr" or "en"
	json bool   // answer JSON rather than a page
	key  string // the link's key, from the path
	vis  *shares.Visit
	// acting: the route downloads or uploads, audited as such rather than
	// as an access to the link.
	acting bool
	// csrfInBody: the CSRF token is to come as the multipart body's csrf
	// field, before any file.
	csrfInBody bool
}

// handle registers fn for pattern: the request's link is opened for the
// visitor and given the credentials the request carries before fn runs;
// any error fn returns is answered in one place (fail).
func (h *Handler) handle(pattern string, fn func(*req) error) {
	bodyCSRF := strings.HasSuffix(pattern, "/upload")
	acting := bodyCSRF || strings.HasSuffix(pattern, "/download")
	h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		q := &req{h: h, w: w, r: r, ctx: r.Context(), lang: language(r.Header.Get("Accept-Language")),
			json: wantsJSON(r), key: r.PathValue("token"), acting: acting}
		w.Header().Set("Vary", "Accept, Accept-Language, Cookie")
		if err := q.run(bodyCSRF, fn); err != nil {
			q.fail(err)
		}
	})
}

func (q *req) run(bodyCSRF bool, fn func(*req) error) error {
	if q.r.Method == http.MethodPost {
		if err := q.checkPost(bodyCSRF); err != nil {
			return err
		}
	}
	vis, err := q.h.links.Open(q.ctx, q.key, q.visitor())
	if err != nil {
		return err
	}
	q.vis = vis
	if err := q.credentials(); err != nil {
		return err
	}
	return fn(q)
}

// visitor is who sends the request, for the link's statistics and audit.
func (q *req) visitor() shares.Visitor {
	ip := q.r.RemoteAddr
	if host, _, err := net.SplitHostPort(ip); err == nil {
		ip = host
	}
	return shares.Visitor{IP: ip, UserAgent: q.r.UserAgent(), Protocol: "web", Acting: q.acting, RequestID: gateway.RequestID(q.r.Context())}
}

// base is the link's own path.
func (q *req) base() string { return "/s/" + q.key }

// secure reports whether the client reaches us over TLS.
func (q *req) secure() bool { return q.h.secure || q.r.TLS != nil }

// wantsJSON reports whether the client prefers JSON to a page: Accept
// weighs application/json above HTML (RFC 9110 §12.5.1), or the request
// is a POST that does not ask for HTML (API clients; forms ask for HTML).
func wantsJSON(r *http.Request) bool {
	jsonQ, htmlQ := -1.0, -1.0
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		w := 1.0
		if v, ok := params["q"]; ok {
			if w, err = strconv.ParseFloat(v, 64); err != nil {
				continue
			}
		}
		switch mt {
		case "application/json":
			jsonQ = max(jsonQ, w)
		case "text/html", "application/xhtml+xml":
			htmlQ = max(htmlQ, w)
		}
	}
	if jsonQ > 0 && jsonQ > htmlQ {
		return true
	}
	return r.Method == http.MethodPost && htmlQ <= 0
}

// writeJSON answers v as JSON.
func (q *req) writeJSON(status int, v any) error {
	h := q.w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	q.w.WriteHeader(status)
	return json.NewEncoder(q.w).Encode(v)
}

// redirect sends a browser on to path after a form (303: get it).
func (q *req) redirect(path string) error {
	q.w.Header().Set("Cache-Control", "no-store")
	http.Redirect(q.w, q.r, path, http.StatusSeeOther)
	return nil
}
