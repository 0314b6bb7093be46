package webdav_test

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"coffre/auth"
	"coffre/gateway"
	"coffre/gateway/webdav"
	"coffre/internal/teststack"
	"coffre/storage"
	"coffre/storage/engine"
)

var ctx = context.Background()

// user is one user's credentials.
type user = teststack.User

// server is the WebDAV handler over a real engine (Pebble, four drive
// folders, 2+2 erasure coding) and real auth, on a loopback HTTP server,
// under /dav/. Admin is an administrator; Bob an ordinary user who holds
// every right on the root folder /team, which Admin owns.
type server struct {
	*teststack.Stack
	URL        string // http://127.0.0.1:port
	Admin, Bob user

	// served receives the method and path of every request once its
	// handler has returned, when a test has set it (see watch).
	mu     sync.Mutex
	served chan string
}

// watch returns a channel that receives "METHOD /path" as each request
// finishes being served, from now on.
func (s *server) watch() <-chan string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.served = make(chan string, 100)
	return s.served
}

func newServer(t testing.TB) *server {
	return newServerWith(t, engine.Options{})
}

func newServerWith(t testing.TB, eo engine.Options) *server {
	t.Helper()
	return newServerWithOptions(t, eo, func(*webdav.Options) {})
}

// newServerWithOptions lets a test change the engine's and the handler's
// options.
func newServerWithOptions(t testing.TB, eo engine.Options, configure func(*webdav.Options)) *server {
	t.Helper()
	st := teststack.New(t, eo)
	s := &server{Stack: st}
	s.Admin = st.NewUser(t, "admin", auth.RoleAdmin)
	s.Bob = st.NewUser(t, "bob", auth.RoleUser)
	opts := webdav.Options{Service: st.Engine, Auth: st.Auth}
	configure(&opts)
	h, err := webdav.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/dav/", h)
	mux.Handle("/dav", h)
	notify := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.served != nil {
				select {
				case s.served <- r.Method + " " + r.URL.Path:
				default:
				}
			}
		}()
		mux.ServeHTTP(w, r)
	})
	ts := httptest.NewServer(gateway.Wrap(notify, slog.New(slog.DiscardHandler)))
	s.URL = ts.URL
	admin := s.As(s.Admin)
	if _, err := admin.Mkdir(ctx, "/team"); err != nil {
		t.Fatal(err)
	}
	if err := admin.SetGrant(ctx, "/team", storage.Subject{ID: s.Bob.Principal.UserID}, storage.AllRights); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ts.Close)
	return s
}

func (s *server) newUser(t testing.TB, login string, role auth.Role) user {
	return s.NewUser(t, login, role)
}

// response is an answer with its body read.
type response struct {
	*http.Response
	Body string
}

// req is one request: a method on a path under the server, as a user
// (Basic), with a body and headers ("Name: value").
func (s *server) req(t testing.TB, u user, method, path, body string, headers ...string) response {
	t.Helper()
	r, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if u.Login != "" {
		r.SetBasicAuth(u.Login, u.Password)
	}
	for _, h := range headers {
		k, v, ok := strings.Cut(h, ":")
		if !ok {
			t.Fatalf("bad header %q", h)
		}
		r.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return response{resp, string(b)}
}

// want fails the test unless the response has the status code.
func (r response) want(t testing.TB, code int) response {
	t.Helper()
	if r.StatusCode != code {
		t.Fatalf("%s %s: status %d, want %d; body: %s", r.Request.Method, r.Request.URL.Path, r.StatusCode, code, r.Body)
	}
	return r
}

// content reads a file's current content through the namespace.
func content(t testing.TB, ns storage.Namespace, path string) string {
	t.Helper()
	o, err := ns.Open(ctx, path)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer o.Close()
	b, err := io.ReadAll(io.NewSectionReader(o, 0, o.Info().Size))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// put writes a file through the namespace.
func put(t testing.TB, ns storage.Namespace, path, body string) storage.Info {
	t.Helper()
	info, err := ns.Put(ctx, path, strings.NewReader(body), storage.PutOptions{Size: int64(len(body))})
	if err != nil {
		t.Fatalf("put %s: %v", path, err)
	}
	return info
}

// msResponse is one DAV:response of a multistatus, its properties by
// status: props[200]["{DAV:}getetag"] is the inner XML of getetag.
type msResponse struct {
	Href  string
	Props map[int]map[string]string
}

// prop returns a property of the 200 propstat ("" if absent).
func (r msResponse) prop(name string) string { return r.Props[200]["{DAV:}"+name] }

// has reports whether the 200 propstat holds the property (Clark name or a
// DAV: local name).
func (r msResponse) has(name string) bool {
	if !strings.HasPrefix(name, "{") {
		name = "{DAV:}" + name
	}
	_, ok := r.Props[200][name]
	return ok
}

// multistatus parses a 207 body.
func multistatus(t testing.TB, body string) []msResponse {
	t.Helper()
	var doc struct {
		XMLName   xml.Name `xml:"DAV: multistatus"`
		Responses []struct {
			Href     string `xml:"DAV: href"`
			Propstat []struct {
				Prop struct {
					Any []struct {
						XMLName xml.Name
						Inner   string `xml:",innerxml"`
					} `xml:",any"`
				} `xml:"DAV: prop"`
				Status string `xml:"DAV: status"`
			} `xml:"DAV: propstat"`
		} `xml:"DAV: response"`
	}
	if err := xml.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("multistatus: %v\n%s", err, body)
	}
	var out []msResponse
	for _, r := range doc.Responses {
		m := msResponse{Href: r.Href, Props: map[int]map[string]string{}}
		for _, ps := range r.Propstat {
			var code int
			if _, err := fmt.Sscanf(ps.Status, "HTTP/1.1 %d", &code); err != nil {
				t.Fatalf("propstat status %q", ps.Status)
			}
			if m.Props[code] == nil {
				m.Props[code] = map[string]string{}
			}
			for _, p := range ps.Prop.Any {
				m.Props[code]["{"+p.XMLName.Space+"}"+p.XMLName.Local] = p.Inner
			}
		}
		out = append(out, m)
	}
	return out
}

// propfind asks for named DAV: properties ("" for allprop).
func propfindBody(names ...string) string {
	if len(names) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop>`)
	for _, n := range names {
		b.WriteString("<D:" + n + "/>")
	}
	b.WriteString(`</D:prop></D:propfind>`)
	return b.String()
}

type engineOptions = engine.Options
