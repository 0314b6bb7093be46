package rest_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"coffre/annotation"
	"coffre/auth"
	"coffre/billing"
	"coffre/gateway"
	"coffre/gateway/rest"
	"coffre/gateway/s3"
	"coffre/gateway/webdav"
	"coffre/internal/teststack"
	"coffre/settings"
	"coffre/shares"
	"coffre/storage"
	"coffre/storage/engine"
)

var ctx = context.Background()

// server is the REST handler (with WebDAV under /dav/ beside it, and S3 on
// its own listener, for cross-protocol tests) over a real engine and real
// auth, on loopback HTTP servers. Admin is an administrator; User ("bob")
// is an ordinary user who starts with no rights. Both are logged in.
type server struct {
	*teststack.Stack
	URL, S3URL  string
	Admin, User account
}

// account is a test user with a REST session token.
type account struct {
	teststack.User
	Token string
}

// newServer starts a server for one test; the test's cleanup stops it and
// checks the namespace's consistency.
func newServer(t testing.TB) *server {
	return newServerWith(t, engine.Options{}, func(*rest.Options) {})
}

// newServerWith lets a test change the engine's and the handler's options.
func newServerWith(t testing.TB, eopts engine.Options, configure func(*rest.Options)) *server {
	t.Helper()
	st := teststack.New(t, eopts)
	notes, err := annotation.New(st.Meta, annotation.Options{Audit: st.Audit})
	if err != nil {
		t.Fatal(err)
	}
	links, err := shares.New(st.Meta, shares.Options{Service: st.Engine, Owner: st.Auth.ActivePrincipal, Passwords: st.Auth, Audit: st.Audit})
	if err != nil {
		t.Fatal(err)
	}
	bill, err := billing.New(st.Meta, billing.DeriveKey(bytes.Repeat([]byte{9}, 32)), billing.Options{Audit: st.Audit})
	if err != nil {
		t.Fatal(err)
	}
	opts := rest.Options{Service: st.Engine, Auth: st.Auth, Audit: st.Audit,
		Settings: settings.New(st.Meta, settings.Options{Audit: st.Audit}), Annotations: notes, Shares: links, Billing: bill}
	configure(&opts)
	h, err := rest.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	dav, err := webdav.New(webdav.Options{Service: st.Engine, Auth: st.Auth})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", h)
	mux.Handle("/dav/", dav)
	discard := slog.New(slog.DiscardHandler)
	ts := httptest.NewServer(gateway.Wrap(mux, discard))
	t.Cleanup(ts.Close)
	s3ts := httptest.NewServer(gateway.Wrap(s3.New(s3.Options{Service: st.Engine, Keys: st.Auth.SecretKey}), discard))
	t.Cleanup(s3ts.Close)
	s := &server{Stack: st, URL: ts.URL, S3URL: s3ts.URL}
	s.Admin = s.NewAccount(t, "admin", auth.RoleAdmin)
	s.User = s.NewAccount(t, "bob", auth.RoleUser)
	return s
}

// NewAccount creates a user and logs them in through POST /api/auth.
func (s *server) NewAccount(t testing.TB, login string, role auth.Role) account {
	t.Helper()
	u := s.NewUser(t, login, role)
	r := s.Do(t, "", "POST", "/api/auth", map[string]string{"user": u.Login, "password": u.Password})
	if r.Status != http.StatusOK {
		t.Fatalf("login %s: %d %s", login, r.Status, r.Body)
	}
	var tok struct{ Token string }
	r.JSON(t, &tok)
	if tok.Token == "" {
		t.Fatalf("login %s: no token in %s", login, r.Body)
	}
	return account{User: u, Token: tok.Token}
}

// NS is the namespace as a sees it, to arrange or check state behind the
// API's back.
func (s *server) NS(a account) storage.Namespace { return s.As(a.User) }

// response is an answer, read whole.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test if it is not JSON.
func (r response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("answer %d is not JSON (%v): %s", r.Status, err, r.Body)
	}
}

// Map decodes the body as a JSON object.
func (r response) Map(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	r.JSON(t, &m)
	return m
}

// Do sends a request with token (none when empty). body is sent as is when
// it is an io.Reader, a []byte or a string, as JSON otherwise (nil: no
// body).
func (s *server) Do(t testing.TB, token, method, path string, body any, headers ...string) response {
	t.Helper()
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case io.Reader:
		rd = b
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd, ctype = bytes.NewReader(data), "application/json"
	}
	req, err := http.NewRequestWithContext(ctx, method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{Status: res.StatusCode, Header: res.Header, Body: data}
}

// Want fails the test unless the answer has status; it returns the answer.
func (r response) Want(t testing.TB, status int) response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("got %d, want %d: %s", r.Status, status, r.Body)
	}
	return r
}

// S3Put writes an object through the S3 endpoint as a, signed with
// Signature V4, and returns the status.
func (s *server) S3Put(t testing.TB, a account, bucket, key string, body []byte) int {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, "PUT", s.S3URL+"/"+bucket+"/"+key, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", hash)
	creds := aws.Credentials{AccessKeyID: a.Access, SecretAccessKey: a.Secret}
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hash, "s3", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// DAVPut writes a file through WebDAV as a (Basic credentials) and returns
// the status.
func (s *server) DAVPut(t testing.TB, a account, path string, body []byte) int {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, "PUT", s.URL+"/dav"+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth(a.Login, a.Password)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// Mkdir and Put arrange the tree as the administrator.
func (s *server) Mkdir(t testing.TB, path string) storage.Info {
	t.Helper()
	info, err := s.NS(s.Admin).Mkdir(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	return info
}

func (s *server) Put(t testing.TB, path string, data []byte) storage.Info {
	t.Helper()
	info, err := s.NS(s.Admin).Put(ctx, path, bytes.NewReader(data), storage.PutOptions{Size: int64(len(data))})
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// Grant gives a rights on the folder at path.
func (s *server) Grant(t testing.TB, path string, a account, r storage.Rights) {
	t.Helper()
	if err := s.NS(s.Admin).SetGrant(ctx, path, storage.Subject{ID: a.Principal.UserID}, r); err != nil {
		t.Fatal(err)
	}
}

// wantTypes fails unless each field of m has the JSON type given:
// "string", "number", "bool", "array", "object", "null", or "absent".
func wantTypes(t testing.TB, m map[string]any, types map[string]string) {
	t.Helper()
	for field, want := range types {
		v, ok := m[field]
		got := "absent"
		if ok {
			switch v.(type) {
			case string:
				got = "string"
			case float64:
				got = "number"
			case bool:
				got = "bool"
			case []any:
				got = "array"
			case map[string]any:
				got = "object"
			case nil:
				got = "null"
			}
		}
		if got != want {
			t.Errorf("field %s is %s (%v), want %s", field, got, v, want)
		}
	}
}
