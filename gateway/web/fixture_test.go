package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"coffre/auth"
	"coffre/gateway/web"
	"coffre/internal/teststack"
	"coffre/shares"
	"coffre/storage"
	"coffre/storage/engine"
)

var ctx = context.Background()

// fixture serves the link routes over the real engine, auth and links,
// with one settable clock for the links and the password back-off.
type fixture struct {
	*teststack.Stack
	links *shares.Store
	admin teststack.User
	now   atomic.Int64
	web   *web.Handler
	srv   *httptest.Server
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st := teststack.New(t, engine.Options{})
	f := &fixture{Stack: st, admin: st.NewUser(t, "admin", auth.RoleAdmin)}
	f.now.Store(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC).UnixNano())
	clock := func() time.Time { return time.Unix(0, f.now.Load()) }
	// The link passwords' checker, on the fixture's clock so that the
	// back-off does not depend on how fast the test runs.
	passwords, err := auth.New(st.Meta, bytes.Repeat([]byte{9}, 32), auth.Options{Argon2: auth.Argon2Params{Memory: 64, Time: 1, Threads: 1}, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	f.links, err = shares.New(st.Meta, shares.Options{Service: st.Engine, Owner: st.Auth.ActivePrincipal, Passwords: passwords, Audit: st.Audit, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	if f.web, err = web.New(web.Options{Links: f.links, DataShards: 2, ParityShards: 2}); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/s/", f.web)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	for _, d := range []string{"/team", "/team/docs", "/team/docs/sub", "/team/inbox"} {
		if _, err := st.As(f.admin).Mkdir(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	f.put(t, "/team/docs/a.txt", "alpha")
	f.put(t, "/team/docs/b.txt", "beta")
	f.put(t, "/team/docs/sub/c.txt", "gamma")
	f.put(t, "/team/secret.txt", "secret")
	return f
}

func (f *fixture) put(t *testing.T, path, data string) storage.Info {
	t.Helper()
	info, err := f.As(f.admin).Put(ctx, path, strings.NewReader(data), storage.PutOptions{Size: int64(len(data))})
	if err != nil {
		t.Fatal(err)
	}
	return info
}

func (f *fixture) id(t *testing.T, path string) storage.NodeID {
	t.Helper()
	info, err := f.As(f.admin).Stat(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	return info.ID
}

func (f *fixture) read(t *testing.T, path string) string {
	t.Helper()
	obj, err := f.As(f.admin).Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	b, err := io.ReadAll(io.NewSectionReader(obj, 0, obj.Info().Size))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// link creates a link as the administrator and returns its path, /s/<key>.
func (f *fixture) link(t *testing.T, in shares.NewLink) (shares.Link, string) {
	t.Helper()
	l, key, err := f.links.Create(ctx, f.admin.Principal, in)
	if err != nil {
		t.Fatal(err)
	}
	return l, "/s/" + key
}

func (f *fixture) folderLink(t *testing.T, in shares.NewLink) (shares.Link, string) {
	t.Helper()
	in.Kind = shares.DownloadLink
	in.Targets = []storage.NodeID{f.id(t, "/team/docs")}
	return f.link(t, in)
}

func (f *fixture) advance(d time.Duration) { f.now.Add(int64(d)) }

// client sends requests as an API client (no cookies) or, with a jar, as a
// browser; it never follows redirects, so that tests see them.
type client struct {
	f       *fixture
	hc      *http.Client
	browser bool
	lang    string
}

func (f *fixture) api() *client {
	return &client{f: f, hc: &http.Client{CheckRedirect: noRedirect}}
}

func (f *fixture) browser(t *testing.T) *client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &client{f: f, hc: &http.Client{Jar: jar, CheckRedirect: noRedirect}, browser: true}
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

type resp struct {
	*http.Response
	body string
}

// do sends a request; headers come in name, value pairs. A browser asks
// for HTML and marks its POSTs as a browser does (Origin, Sec-Fetch-Site);
// an API client asks for JSON.
func (c *client) do(t *testing.T, method, path string, body io.Reader, headers ...string) *resp {
	t.Helper()
	req, err := http.NewRequest(method, c.f.srv.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if c.browser {
		req.Header.Set("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8")
		if method == http.MethodPost {
			req.Header.Set("Origin", c.f.srv.URL)
			req.Header.Set("Sec-Fetch-Site", "same-origin")
		}
	} else {
		req.Header.Set("Accept", "application/json")
	}
	if c.lang != "" {
		req.Header.Set("Accept-Language", c.lang)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := c.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &resp{Response: res, body: string(b)}
}

func (c *client) get(t *testing.T, path string, headers ...string) *resp {
	t.Helper()
	return c.do(t, http.MethodGet, path, nil, headers...)
}

// form posts fields (name, value pairs) as a browser's form does.
func (c *client) form(t *testing.T, path string, fields ...string) *resp {
	t.Helper()
	v := url.Values{}
	for i := 0; i+1 < len(fields); i += 2 {
		v.Add(fields[i], fields[i+1])
	}
	return c.do(t, http.MethodPost, path, strings.NewReader(v.Encode()), "Content-Type", "application/x-www-form-urlencoded")
}

// want fails the test unless the answer has this status.
func (r *resp) want(t *testing.T, status int) *resp {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d; body: %.600s", r.Request.Method, r.Request.URL.Path, r.StatusCode, status, r.body)
	}
	return r
}

// json decodes the answer.
func (r *resp) json(t *testing.T, v any) {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("%s: Content-Type %q, body %.300s", r.Request.URL.Path, ct, r.body)
	}
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("%s: %v in %.300s", r.Request.URL.Path, err, r.body)
	}
}

// apiError is a failure's JSON body.
type apiError struct {
	Error    string           `json:"error"`
	Message  string           `json:"message"`
	File     string           `json:"file"`
	Uploaded []map[string]any `json:"uploaded"`
}

func (r *resp) apiError(t *testing.T, status int, code string) apiError {
	t.Helper()
	r.want(t, status)
	var e apiError
	r.json(t, &e)
	if e.Error != code || e.Message == "" {
		t.Fatalf("%s: error %+v, want code %s", r.Request.URL.Path, e, code)
	}
	return e
}

// page checks that the answer is an HTML page of this status that
// contains every string in has.
func (r *resp) page(t *testing.T, status int, has ...string) *resp {
	t.Helper()
	r.want(t, status)
	if ct := r.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Fatalf("%s: Content-Type %q", r.Request.URL.Path, ct)
	}
	for _, s := range has {
		if !strings.Contains(r.body, s) {
			t.Fatalf("%s: the page lacks %q:\n%s", r.Request.URL.Path, s, r.body)
		}
	}
	return r
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// csrf is the CSRF token of a page's forms.
func (r *resp) csrf(t *testing.T) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("%s: no CSRF field in the page", r.Request.URL.Path)
	}
	return m[1]
}

// cookie is the Set-Cookie of name in the answer.
func (r *resp) cookie(name string) *http.Cookie {
	for _, c := range r.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// multipartBody is a multipart form of fields (name, value pairs; a name
// "file:<filename>" makes a file part) and its Content-Type.
func multipartBody(t *testing.T, fields ...string) (io.Reader, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for i := 0; i+1 < len(fields); i += 2 {
		var w io.Writer
		var err error
		if name, ok := strings.CutPrefix(fields[i], "file:"); ok {
			w, err = mw.CreateFormFile("file", name)
		} else {
			w, err = mw.CreateFormField(fields[i])
		}
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, fields[i+1])
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return &buf, mw.FormDataContentType()
}
