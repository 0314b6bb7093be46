package webdav

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"

	xwebdav "golang.org/x/net/webdav"

	"coffre/auth"
	"coffre/storage"
)

// Authenticator turns credentials into a principal; *auth.Service is one.
type Authenticator interface {
	// Login checks a login and password (Unauthenticated when wrong,
	// Unavailable with an auth.RetryError during a back-off).
	Login(ctx context.Context, login, password string, o auth.Origin) (storage.Principal, error)
	// Authenticate checks a session or API token.
	Authenticate(ctx context.Context, token string, o auth.Origin) (storage.Principal, error)
}

// Options configure the WebDAV handler. Service and Auth are required.
type Options struct {
	// Service hands out namespaces bound to the authenticated caller.
	Service storage.Service
	// Auth checks Basic credentials and bearer tokens.
	Auth Authenticator
	// Prefix is the URL path the handler is served under, without a
	// trailing slash; "" means "/dav". Requests outside it get 404.
	Prefix string
	// Realm is the realm of the Basic challenge; "" means "Coffre".
	Realm string
	// Logger receives errors worth an operator's attention (5xx). Nil
	// discards them.
	Logger *slog.Logger
	// RefuseMacMetadata refuses (403) to create the files macOS Finder
	// writes beside others, AppleDouble "._<name>" files and ".DS_Store";
	// false stores them like any file.
	RefuseMacMetadata bool
	// Uploaded, when set, is called once per file a PUT stores: the hook
	// of the upload metrics.
	Uploaded func()
	// Room, when set, reports how many more bytes of content the drives
	// can take, or a negative number when it cannot tell. The quota
	// property quota-available-bytes answers the smallest of it and of the
	// quotas that apply (RFC 4331 §3: physical media limits count, and a
	// value is recommended even where no quota is set), so that clients
	// showing free space (davfs2, Finder, Windows) show a true figure.
	// Nil: only quotas count, and without one the property is absent.
	Room func() int64
}

// Handler serves WebDAV. It is safe for concurrent use; every request gets
// a namespace, file system and lock system bound to its caller.
type Handler struct {
	opts      Options
	log       *slog.Logger
	challenge string
}

// New returns the WebDAV handler.
func New(opts Options) (*Handler, error) {
	if opts.Service == nil || opts.Auth == nil {
		return nil, errors.New("webdav: Options.Service and Options.Auth are required")
	}
	if opts.Prefix == "" {
		opts.Prefix = "/dav"
	}
	opts.Prefix = strings.TrimSuffix(opts.Prefix, "/")
	if !strings.HasPrefix(opts.Prefix, "/") {
		return nil, errors.New("webdav: Options.Prefix must start with /")
	}
	if opts.Realm == "" {
		opts.Realm = "Coffre"
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Handler{
		opts:      opts,
		log:       opts.Logger,
		challenge: `Basic realm="` + strings.ReplaceAll(opts.Realm, `"`, "") + `", charset="UTF-8"`,
	}, nil
}

// request is one authenticated request being served.
type request struct {
	h    *Handler
	w    http.ResponseWriter
	r    *http.Request
	p    storage.Principal
	ns   storage.Namespace
	fs   *FileSystem
	ls   *LockSystem
	path string // the namespace path of the request URI, "/" for the prefix itself
}

// methods maps WebDAV methods to their handlers. Each returns an error that
// ServeHTTP answers (see status), or nil once it has written the response.
var methods = map[string]func(*request) error{
	"GET":       (*request).get,
	"HEAD":      (*request).get,
	"PUT":       (*request).put,
	"DELETE":    (*request).delete,
	"MKCOL":     (*request).mkcol,
	"COPY":      (*request).copyMove,
	"MOVE":      (*request).copyMove,
	"PROPFIND":  (*request).propfind,
	"PROPPATCH": (*request).proppatch,
	"LOCK":      (*request).lock,
	"UNLOCK":    (*request).unlock,
	"OPTIONS":   (*request).options,
}

// allow is the Allow header of OPTIONS and 405 answers.
const allow = "OPTIONS, GET, HEAD, PUT, DELETE, MKCOL, COPY, MOVE, PROPFIND, PROPPATCH, LOCK, UNLOCK"

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path, ok := h.nsPath(r.URL.Path)
	if !ok {
		h.fail(w, r, errorf(http.StatusNotFound, "not under %s/", h.opts.Prefix))
		return
	}
	fn := methods[r.Method]
	if fn == nil {
		w.Header().Set("Allow", allow)
		h.fail(w, r, errorf(http.StatusMethodNotAllowed, "method %s is not supported", r.Method))
		return
	}
	if r.Method == "OPTIONS" && r.Header.Get("Authorization") == "" {
		// Clients probe with an anonymous OPTIONS (Windows, Office); a 401
		// here makes some of them prompt again and again.
		writeOptions(w)
		return
	}
	p, err := h.authenticate(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ns := h.opts.Service.As(p)
	q := &request{h: h, w: w, r: r, p: p, ns: ns, path: path}
	q.fs = &FileSystem{ns: ns}
	q.ls = NewLockSystem(r.Context(), ns, p.UserID)
	if _, err := storage.SplitPath(path); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := fn(q); err != nil {
		h.fail(w, r, err)
	}
}

// nsPath returns the namespace path of a URL path under the prefix.
func (h *Handler) nsPath(urlPath string) (string, bool) {
	rest, ok := strings.CutPrefix(urlPath, h.opts.Prefix)
	if !ok || (rest != "" && rest[0] != '/') {
		return "", false
	}
	return cleanPath(rest), true
}

// cleanPath drops a trailing slash: "/a/b/" names the folder "/a/b". The
// empty path is the top.
func cleanPath(p string) string {
	if p == "" || p == "/" {
		return "/"
	}
	return strings.TrimSuffix(p, "/")
}

// href is the escaped URL path of the namespace path p, with a trailing
// slash for a folder.
func (h *Handler) href(p string, dir bool) string {
	if p == "/" {
		return h.opts.Prefix + "/"
	}
	var b strings.Builder
	b.WriteString(h.opts.Prefix)
	for _, name := range strings.Split(p[1:], "/") {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(name))
	}
	if dir {
		b.WriteByte('/')
	}
	return b.String()
}

// urlPath resolves a URL (absolute, or an absolute path) from a Destination
// or If header to a namespace path; false when it is on another host or
// outside the prefix.
func (q *request) urlPath(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", false
	}
	if u.Host != "" && !strings.EqualFold(u.Host, q.r.Host) {
		return "", false
	}
	return q.h.nsPath(u.Path)
}

// refused fails for a file name the options refuse to create.
func (q *request) refused(p string) error {
	if !q.h.opts.RefuseMacMetadata {
		return nil
	}
	if name := path.Base(p); name == ".DS_Store" || strings.HasPrefix(name, "._") {
		return errorf(http.StatusForbidden, "macOS metadata files are not stored here")
	}
	return nil
}

// options answers OPTIONS (RFC 4918 §10.1, and MS-Author-Via for
// Microsoft clients).
func (q *request) options() error {
	writeOptions(q.w)
	return nil
}

func writeOptions(w http.ResponseWriter) {
	w.Header().Set("Allow", allow)
	w.Header().Set("DAV", "1, 2")
	w.Header().Set("MS-Author-Via", "DAV")
	w.Header().Set("Accept-Ranges", "bytes")
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
}

// xHandler is golang.org/x/net/webdav's handler over the request's file
// system. Lock checks are done before it is called (see confirm), so its
// lock system confirms everything.
func (q *request) xHandler() *xwebdav.Handler {
	return &xwebdav.Handler{
		Prefix:     q.h.opts.Prefix,
		FileSystem: q.fs,
		LockSystem: confirmed{},
		Logger: func(r *http.Request, err error) {
			if err != nil {
				q.h.log.DebugContext(r.Context(), "webdav", "method", r.Method, "path", r.URL.Path, "err", err)
			}
		},
	}
}
