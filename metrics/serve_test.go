package metrics_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"coffre/admin"
	"coffre/auth"
	"coffre/gateway"
	"coffre/gateway/rest"
	"coffre/gateway/s3"
	"coffre/gateway/webdav"
	"coffre/internal/teststack"
	"coffre/metrics"
	"coffre/storage/engine"
)

// stack is Coffre wired as serve.go wires it, over a real engine: the main
// listener (admin with /metrics, WebDAV under /dav, REST under /api/) and
// the S3 listener, both observed by one Metrics, with logins counted on
// their way to the audit log.
type stack struct {
	URL, S3URL string
	login      string // the administrator's login, password and S3 key
	password   string
	access     string
	secret     string
	// observed receives a value each time a server has observed a request,
	// so that a test scrapes only once every earlier request is counted
	// (a client has its answer a moment before the server counts it).
	observed chan struct{}
}

func newStack(t *testing.T) *stack {
	t.Helper()
	st := teststack.New(t, engine.Options{})
	m := metrics.New(metrics.Options{Meta: st.Meta.Check})
	// The stack's own auth service audits uncounted: serve.go builds one
	// service, whose Audit is m.Logins(auditLog); so does this test.
	users, err := auth.New(st.Meta, bytes.Repeat([]byte{9}, 32), auth.Options{
		Argon2: auth.Argon2Params{Memory: 64, Time: 1, Threads: 1},
		Audit:  m.Logins(st.Audit),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s := &stack{login: "admin", password: "admin-secret-password", observed: make(chan struct{}, 1)}
	if _, err := users.CreateUser(ctx, auth.NewUser{Login: s.login, Role: auth.RoleAdmin, Password: s.password}); err != nil {
		t.Fatal(err)
	}
	k, secret, err := users.CreateKey(ctx, s.login)
	if err != nil {
		t.Fatal(err)
	}
	s.access, s.secret = k.AccessKey, secret

	observe := func(method, route string, status int, d time.Duration) {
		m.ObserveHTTP(method, route, status, d)
		s.observed <- struct{}{}
	}
	mux := http.NewServeMux()
	admin.New(admin.Options{Metrics: m.Handler()}).Register(mux)
	dav, err := webdav.New(webdav.Options{Service: st.Engine, Auth: users, Uploaded: func() { m.Upload("webdav") }})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/dav/", gateway.Route("/dav", dav))
	mux.Handle("/dav", gateway.Route("/dav", dav))
	api, err := rest.New(rest.Options{Service: st.Engine, Auth: users, Audit: st.Audit})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/api/", api)
	s.URL = serve(t, gateway.Options{Name: "http", Observe: observe}, mux)
	s3h := s3.New(s3.Options{Service: st.Engine, Keys: users.SecretKey, Observe: m.ObserveS3})
	s.S3URL = serve(t, gateway.Options{Name: "s3", Observe: observe}, gateway.Route("s3", s3h))
	return s
}

// serve runs a gateway server for h on a loopback port until the test ends.
func serve(t *testing.T, opts gateway.Options, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- gateway.New(opts, h).Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return "http://" + ln.Addr().String()
}

// do sends req and returns its status and body once the server has
// observed it.
func (s *stack) do(t *testing.T, req *http.Request) (int, []byte) {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.observed:
	case <-time.After(10 * time.Second): // a bound against hanging, not a timing assertion
		t.Fatalf("%s %s was never observed", req.Method, req.URL.Path)
	}
	return res.StatusCode, body
}

// s3 sends an S3 request signed with the administrator's key.
func (s *stack) s3(t *testing.T, method, target string, body []byte, want int) []byte {
	t.Helper()
	req, err := http.NewRequest(method, s.S3URL+target, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", hash)
	creds := aws.Credentials{AccessKeyID: s.access, SecretAccessKey: s.secret}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hash, "s3", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	code, out := s.do(t, req)
	if code != want {
		t.Fatalf("S3 %s %s = %d, want %d: %s", method, target, code, want, out)
	}
	return out
}

// main sends a request to the main listener.
func (s *stack) main(t *testing.T, method, path, body string, want int, prepare func(*http.Request)) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if prepare != nil {
		prepare(req)
	}
	if code, out := s.do(t, req); code != want {
		t.Fatalf("%s %s = %d, want %d: %s", method, path, code, want, out)
	}
}

// TestScrapeAfterMixedTraffic runs S3, WebDAV and REST requests, then reads
// /metrics over HTTP: every series holds the right labels and counts, and
// no label holds a raw path.
func TestScrapeAfterMixedTraffic(t *testing.T) {
	s := newStack(t)

	// S3, on its listener.
	s.s3(t, "PUT", "/photos", nil, 200)
	s.s3(t, "PUT", "/photos/a.txt", []byte("hello"), 200)
	s.s3(t, "PUT", "/photos/b.txt", []byte("world"), 200)
	s.s3(t, "GET", "/photos/a.txt", nil, 200)
	s.s3(t, "GET", "/photos/missing.txt", nil, 404)
	s.s3(t, "GET", "/photos?list-type=2", nil, 200)
	var created struct{ UploadId string }
	if err := xml.Unmarshal(s.s3(t, "POST", "/photos/big.bin?uploads", nil, 200), &created); err != nil || created.UploadId == "" {
		t.Fatalf("CreateMultipartUpload: %v %+v", err, created)
	}
	part := []byte("the only part")
	s.s3(t, "PUT", "/photos/big.bin?partNumber=1&uploadId="+created.UploadId, part, 200)
	complete := fmt.Sprintf(`<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"%x"</ETag></Part></CompleteMultipartUpload>`, md5.Sum(part))
	s.s3(t, "POST", "/photos/big.bin?uploadId="+created.UploadId, []byte(complete), 200)
	// Unsigned, asking for 100 Continue as the aws CLI does: the status
	// counted is the answer's, not the 100.
	req, _ := http.NewRequest("GET", s.S3URL+"/", nil)
	req.Header.Set("Expect", "100-continue")
	if code, _ := s.do(t, req); code != 403 {
		t.Fatalf("unsigned ListBuckets = %d", code)
	}

	// WebDAV (a Basic request is a login when its password is checked, not
	// when the credential cache vouches for it) and REST, on the main listener.
	basic := func(password string) func(*http.Request) {
		return func(r *http.Request) { r.SetBasicAuth(s.login, password) }
	}
	s.main(t, "PUT", "/dav/photos/c.txt", "from webdav", 201, basic(s.password))
	s.main(t, "PROPFIND", "/dav/photos", "", 207, func(r *http.Request) { basic(s.password)(r); r.Header.Set("Depth", "1") })
	s.main(t, "PUT", "/dav/photos/d.txt", "refused", 401, basic("wrong"))
	s.main(t, "POST", "/api/auth", `{"user":"admin","password":"admin-secret-password"}`, 200, nil)
	s.main(t, "POST", "/api/auth", `{"user":"admin","password":"wrong"}`, 401, nil)
	s.main(t, "GET", "/api/no/such/endpoint", "", 404, nil)
	s.main(t, "GET", "/no/such/page", "", 404, nil)
	s.main(t, "GET", "/health", "", 200, nil)

	req, _ = http.NewRequest("GET", s.URL+"/metrics", nil)
	code, body := s.do(t, req)
	if code != 200 {
		t.Fatalf("GET /metrics = %d: %s", code, body)
	}
	f := parse(t, bytes.NewReader(body))

	type series struct {
		name   string
		labels []string
		want   float64
	}
	for _, c := range []series{
		{"http_requests_total", []string{"method=PUT", "route=s3", "status=200"}, 4},
		{"http_requests_total", []string{"method=GET", "route=s3", "status=200"}, 2},
		{"http_requests_total", []string{"method=GET", "route=s3", "status=404"}, 1},
		{"http_requests_total", []string{"method=GET", "route=s3", "status=403"}, 1},
		{"http_requests_total", []string{"method=POST", "route=s3", "status=200"}, 2},
		{"http_requests_total", []string{"method=PUT", "route=/dav", "status=201"}, 1},
		{"http_requests_total", []string{"method=PROPFIND", "route=/dav", "status=207"}, 1},
		{"http_requests_total", []string{"method=PUT", "route=/dav", "status=401"}, 1},
		{"http_requests_total", []string{"method=POST", "route=POST /api/auth", "status=200"}, 1},
		{"http_requests_total", []string{"method=POST", "route=POST /api/auth", "status=401"}, 1},
		{"http_requests_total", []string{"method=GET", "route=/api/", "status=404"}, 1}, // the API's own catch-all
		{"http_requests_total", []string{"method=GET", "route=unmatched", "status=404"}, 1},
		{"http_requests_total", []string{"method=GET", "route=GET /health", "status=200"}, 1},
		{"http_request_duration_seconds", []string{"method=PUT", "route=/dav"}, 2},
		{"http_request_duration_seconds", []string{"method=GET", "route=s3"}, 4},

		{"s3_operations_total", []string{"operation=CreateBucket", "status=200"}, 1},
		{"s3_operations_total", []string{"operation=PutObject", "status=200"}, 2},
		{"s3_operations_total", []string{"operation=GetObject", "status=200"}, 1},
		{"s3_operations_total", []string{"operation=GetObject", "status=404"}, 1},
		{"s3_operations_total", []string{"operation=ListObjectsV2", "status=200"}, 1},
		{"s3_operations_total", []string{"operation=CreateMultipartUpload", "status=200"}, 1},
		{"s3_operations_total", []string{"operation=UploadPart", "status=200"}, 1},
		{"s3_operations_total", []string{"operation=CompleteMultipartUpload", "status=200"}, 1},
		{"s3_operations_total", []string{"operation=ListBuckets", "status=403"}, 1},
		{"s3_operation_duration_seconds", []string{"operation=PutObject"}, 2},
		{"s3_operation_duration_seconds", []string{"operation=GetObject"}, 2},

		{"file_uploads_total", []string{"protocol=s3"}, 3},
		{"file_uploads_total", []string{"protocol=webdav"}, 1},
		{"login_attempts_total", []string{"status=success"}, 2}, // the first WebDAV request (the second is cached), one REST login
		{"login_attempts_total", []string{"status=failure"}, 2},
		{"login_attempts_total", []string{"status=refused"}, 0},
		{"pebble_up", nil, 1},
	} {
		if got := f.value(t, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if got := len(f.labels("s3_operations_total")); got != 9 {
		t.Errorf("%d S3 series, want 9: %v", got, f.labels("s3_operations_total"))
	}
	if got := len(f.labels("http_requests_total")); got != 13 {
		t.Errorf("%d HTTP series, want 13: %v", got, f.labels("http_requests_total"))
	}
	for _, l := range f.labels("http_requests_total") {
		if strings.Contains(l, "photos") || strings.Contains(l, ".txt") || strings.Contains(l, "endpoint") {
			t.Errorf("a raw path in the labels: %s", l)
		}
	}
	if f.value(t, "active_goroutines") < 1 {
		t.Error("active_goroutines missing")
	}
}

// TestMetricsOnlyOnTheMainListener: the S3 listener answers /metrics as an
// S3 request (a bucket named "metrics"), never with the exposition.
func TestMetricsOnlyOnTheMainListener(t *testing.T) {
	s := newStack(t)
	req, _ := http.NewRequest("GET", s.S3URL+"/metrics", nil)
	code, body := s.do(t, req)
	if code != 403 || bytes.Contains(body, []byte("http_requests_total")) {
		t.Fatalf("GET /metrics on the S3 listener = %d: %s", code, body)
	}
}
