package s3_test

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"coffre/storage"
)

// corsRules is the configuration most of these tests use.
var corsRules = []types.CORSRule{
	{
		ID:             aws.String("app"),
		AllowedOrigins: []string{"https://app.example.com", "https://*.example.org"},
		AllowedMethods: []string{"GET", "PUT"},
		AllowedHeaders: []string{"x-amz-*", "Content-Type"},
		ExposeHeaders:  []string{"ETag", "x-amz-version-id"},
		MaxAgeSeconds:  aws.Int32(3000),
	},
	{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}},
}

func putCors(c *awss3.Client, bucket string, rules []types.CORSRule) error {
	_, err := c.PutBucketCors(ctx, &awss3.PutBucketCorsInput{Bucket: aws.String(bucket), CORSConfiguration: &types.CORSConfiguration{CORSRules: rules}})
	return err
}

func TestBucketCors(t *testing.T) {
	s := newServer(t)
	mpBucket(t, s, "web")
	c := s.SDK(s.Admin)
	ns := s.As(s.Admin)
	verPut(t, ns, "/web/page.html", "<p>hi</p>")
	setVersioning(t, c, "web", types.BucketVersioningStatusEnabled)

	if _, err := c.GetBucketCors(ctx, &awss3.GetBucketCorsInput{Bucket: aws.String("web")}); apiCode(err) != "NoSuchCORSConfiguration" {
		t.Fatalf("GetBucketCors with none: %v", err)
	}
	if err := putCors(c, "web", corsRules); err != nil {
		t.Fatal(err)
	}
	out, err := c.GetBucketCors(ctx, &awss3.GetBucketCorsInput{Bucket: aws.String("web")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.CORSRules) != 2 {
		t.Fatalf("GetBucketCors: %+v", out.CORSRules)
	}
	r := out.CORSRules[0]
	if aws.ToString(r.ID) != "app" || strings.Join(r.AllowedOrigins, " ") != "https://app.example.com https://*.example.org" ||
		strings.Join(r.AllowedMethods, " ") != "GET PUT" || strings.Join(r.AllowedHeaders, " ") != "x-amz-* Content-Type" ||
		strings.Join(r.ExposeHeaders, " ") != "ETag x-amz-version-id" || aws.ToInt32(r.MaxAgeSeconds) != 3000 {
		t.Fatalf("rule 1: %+v", r)
	}
	if r := out.CORSRules[1]; r.ID != nil || r.MaxAgeSeconds != nil || strings.Join(r.AllowedOrigins, " ") != "*" {
		t.Fatalf("rule 2: %+v", r)
	}

	many := make([]types.CORSRule, 101)
	for i := range many {
		many[i] = corsRules[1]
	}
	for _, tc := range []struct {
		name  string
		rules []types.CORSRule
		code  string
	}{
		{"PATCH", []types.CORSRule{{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"PATCH"}}}, "InvalidRequest"},
		{"a lower-case method", []types.CORSRule{{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"get"}}}, "InvalidRequest"},
		{"two wildcards in an origin", []types.CORSRule{{AllowedOrigins: []string{"https://*.*.example.com"}, AllowedMethods: []string{"GET"}}}, "InvalidRequest"},
		{"two wildcards in a header", []types.CORSRule{{AllowedOrigins: []string{"*"}, AllowedMethods: []string{"GET"}, AllowedHeaders: []string{"*-*"}}}, "InvalidRequest"},
		{"101 rules", many, "InvalidRequest"},
	} {
		if err := putCors(c, "web", tc.rules); apiCode(err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
	if err := putCors(c, "nobucket", corsRules); apiCode(err) != "NoSuchBucket" {
		t.Errorf("PutBucketCors on a missing bucket: %v", err)
	}

	// What the SDK would not send.
	for _, tc := range []struct{ name, doc, code string }{
		{"no origin", `<CORSConfiguration><CORSRule><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>`, "MalformedXML"},
		{"no rule", `<CORSConfiguration></CORSConfiguration>`, "MalformedXML"},
		{"another document", `<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>`, "MalformedXML"},
		{"not XML", `CORS please`, "MalformedXML"},
		{"a negative MaxAgeSeconds", `<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><MaxAgeSeconds>-1</MaxAgeSeconds></CORSRule></CORSConfiguration>`, "InvalidRequest"},
		{"over 64 KiB", `<CORSConfiguration>` + strings.Repeat(" ", 64<<10) + `</CORSConfiguration>`, "MaxMessageLengthExceeded"},
	} {
		resp, body := signedRequest(t, s, s.Admin, http.MethodPut, "/web?cors", nil, []byte(tc.doc))
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "<Code>"+tc.code+"</Code>") {
			t.Errorf("%s: %d %s", tc.name, resp.StatusCode, body)
		}
	}
	if out, err := c.GetBucketCors(ctx, &awss3.GetBucketCorsInput{Bucket: aws.String("web")}); err != nil || len(out.CORSRules) != 2 {
		t.Fatalf("a refused configuration changed the bucket's: %v %+v", err, out)
	}

	// A body that its Content-MD5 does not describe is refused.
	doc := `<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>HEAD</AllowedMethod></CORSRule></CORSConfiguration>`
	resp, body := signedRequest(t, s, s.Admin, http.MethodPut, "/web?cors", http.Header{"Content-Md5": {"1B2M2Y8AsgTpgAmY7PhCfg=="}}, []byte(doc))
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "<Code>BadDigest</Code>") {
		t.Fatalf("a wrong Content-MD5: %d %s", resp.StatusCode, body)
	}
	// Without a namespace on the document, and without any digest.
	resp, body = signedRequest(t, s, s.Admin, http.MethodPut, "/web?cors", nil, []byte(doc))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("a plain document: %d %s", resp.StatusCode, body)
	}
	resp, body = signedRequest(t, s, s.Admin, http.MethodGet, "/web?cors", nil, nil)
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `<CORSConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><CORSRule><AllowedMethod>HEAD</AllowedMethod><AllowedOrigin>*</AllowedOrigin></CORSRule></CORSConfiguration>`) {
		t.Fatalf("GetBucketCors raw: %d %s", resp.StatusCode, body)
	}

	// Bob, who may read the bucket, cannot change its configuration.
	if err := ns.SetGrant(ctx, "/web", storage.Subject{ID: s.User.Principal.UserID}, storage.Browse|storage.Read|storage.Download); err != nil {
		t.Fatal(err)
	}
	if err := putCors(s.SDK(s.User), "web", corsRules); apiCode(err) != "AccessDenied" {
		t.Fatalf("bob's PutBucketCors: %v", err)
	}
	if _, err := s.SDK(s.User).DeleteBucketCors(ctx, &awss3.DeleteBucketCorsInput{Bucket: aws.String("web")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("bob's DeleteBucketCors: %v", err)
	}

	// DeleteBucketCors removes the configuration and nothing else.
	if _, err := c.DeleteBucketCors(ctx, &awss3.DeleteBucketCorsInput{Bucket: aws.String("web")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetBucketCors(ctx, &awss3.GetBucketCorsInput{Bucket: aws.String("web")}); apiCode(err) != "NoSuchCORSConfiguration" {
		t.Fatalf("GetBucketCors after delete: %v", err)
	}
	info, err := ns.Stat(ctx, "/web")
	if err != nil || info.Meta["s3:versioning"] != "Enabled" || info.Meta["s3:cors"] != "" {
		t.Fatalf("the bucket after DeleteBucketCors: %v %v", err, info.Meta)
	}
	if _, err := ns.Stat(ctx, "/web/page.html"); err != nil {
		t.Fatalf("the bucket's object after DeleteBucketCors: %v", err)
	}
	if _, err := c.DeleteBucketCors(ctx, &awss3.DeleteBucketCorsInput{Bucket: aws.String("web")}); err != nil {
		t.Fatalf("DeleteBucketCors with none: %v", err)
	}
}

// preflight sends an unauthenticated OPTIONS request.
func preflight(t testing.TB, s *server, path, origin, method, headers string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodOptions, s.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	if method != "" {
		req.Header.Set("Access-Control-Request-Method", method)
	}
	if headers != "" {
		req.Header.Set("Access-Control-Request-Headers", headers)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestCorsPreflight(t *testing.T) {
	s := newServer(t)
	mpBucket(t, s, "web")
	mpBucket(t, s, "closed")
	if err := putCors(s.SDK(s.Admin), "web", corsRules); err != nil {
		t.Fatal(err)
	}

	resp, body := preflight(t, s, "/web/some/key.txt", "https://app.example.com", "PUT", "Content-Type, X-Amz-Date,x-amz-content-sha256")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("an allowed preflight: %d %s", resp.StatusCode, body)
	}
	for k, want := range map[string]string{
		"Access-Control-Allow-Origin":      "https://app.example.com",
		"Access-Control-Allow-Methods":     "GET, PUT",
		"Access-Control-Allow-Headers":     "content-type, x-amz-date, x-amz-content-sha256",
		"Access-Control-Expose-Headers":    "ETag, x-amz-version-id",
		"Access-Control-Max-Age":           "3000",
		"Access-Control-Allow-Credentials": "true",
	} {
		if got := resp.Header.Get(k); got != want {
			t.Errorf("%s: %q, want %q", k, got, want)
		}
	}
	// The wildcard origin of a rule, and the second rule.
	if resp, body := preflight(t, s, "/web", "https://shop.example.org", "GET", ""); resp.StatusCode != http.StatusOK || resp.Header.Get("Access-Control-Allow-Origin") != "https://shop.example.org" {
		t.Errorf("a sub-domain of a wildcard origin: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	resp, _ = preflight(t, s, "/web/k", "https://elsewhere.net", "GET", "")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Access-Control-Allow-Origin") != "*" || resp.Header.Get("Access-Control-Allow-Credentials") != "" ||
		resp.Header.Get("Access-Control-Allow-Methods") != "GET" || resp.Header.Get("Access-Control-Max-Age") != "" {
		t.Errorf("any origin: %d %v", resp.StatusCode, resp.Header)
	}

	for _, tc := range []struct {
		name, path, origin, method, headers string
		status                              int
		msg                                 string
	}{
		{"a method no rule allows for the origin", "/web/k", "https://elsewhere.net", "PUT", "", 403, "This CORS request is not allowed"},
		{"a header the rule does not allow", "/web/k", "https://app.example.com", "PUT", "x-custom", 403, "This CORS request is not allowed"},
		{"an origin only like the wildcard's", "/web/k", "https://example.org", "PUT", "", 403, "This CORS request is not allowed"},
		{"DELETE", "/web/k", "https://app.example.com", "DELETE", "", 403, "This CORS request is not allowed"},
		{"a bucket without CORS", "/closed/k", "https://app.example.com", "GET", "", 403, "CORS is not enabled for this bucket"},
		{"a missing bucket", "/nobucket/k", "https://app.example.com", "GET", "", 403, "CORS is not enabled for this bucket"},
		{"an invalid bucket name", "/../k", "https://app.example.com", "GET", "", 403, "CORS is not enabled for this bucket"},
		{"the service", "/", "https://app.example.com", "GET", "", 403, "CORS is not enabled for this bucket"},
		{"no Origin", "/web/k", "", "GET", "", 400, "Origin"},
		{"no method", "/web/k", "https://app.example.com", "", "", 400, "Access-Control-Request-Method"},
	} {
		resp, body := preflight(t, s, tc.path, tc.origin, tc.method, tc.headers)
		if resp.StatusCode != tc.status || !strings.Contains(body, tc.msg) || resp.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("%s: %d %s", tc.name, resp.StatusCode, body)
		}
		if tc.status == 403 && !strings.Contains(body, "<Code>AccessForbidden</Code>") {
			t.Errorf("%s: %s", tc.name, body)
		}
	}
}

// headerRecorder is an HTTP client that adds an Origin header and keeps
// the last answer's headers.
type headerRecorder struct {
	origin string
	mu     sync.Mutex
	last   http.Header
}

func (h *headerRecorder) Do(req *http.Request) (*http.Response, error) {
	req.Header.Set("Origin", h.origin)
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		h.mu.Lock()
		h.last = resp.Header
		h.mu.Unlock()
	}
	return resp, err
}

// TestCorsActualRequest: a browser's request from an allowed origin gets
// Access-Control-Allow-Origin on its answer, success or error.
func TestCorsActualRequest(t *testing.T) {
	s := newServer(t)
	mpBucket(t, s, "web")
	c := s.SDK(s.Admin)
	if err := putCors(c, "web", corsRules[:1]); err != nil {
		t.Fatal(err)
	}
	rec := &headerRecorder{origin: "https://app.example.com"}
	cc := s.SDK(s.Admin, func(o *awss3.Options) { o.HTTPClient = rec })
	if _, err := cc.GetBucketVersioning(ctx, &awss3.GetBucketVersioningInput{Bucket: aws.String("web")}); err != nil {
		t.Fatal(err)
	}
	if rec.last.Get("Access-Control-Allow-Origin") != "https://app.example.com" || rec.last.Get("Access-Control-Expose-Headers") != "ETag, x-amz-version-id" {
		t.Fatalf("an allowed GET: %v", rec.last)
	}
	// DELETE is not allowed for the origin: no CORS headers.
	if _, err := cc.DeleteBucketCors(ctx, &awss3.DeleteBucketCorsInput{Bucket: aws.String("web")}); err != nil {
		t.Fatal(err)
	}
	if v := rec.last.Get("Access-Control-Allow-Origin"); v != "" {
		t.Fatalf("a DELETE no rule allows got Access-Control-Allow-Origin %q", v)
	}
	if err := putCors(c, "web", corsRules[:1]); err != nil {
		t.Fatal(err)
	}
	// An unsigned request is refused, with the headers the page needs to
	// read the refusal.
	req, _ := http.NewRequest(http.MethodGet, s.URL+"/web/key", nil)
	req.Header.Set("Origin", "https://app.example.com")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden || resp.Header.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Fatalf("an unsigned GET from an allowed origin: %d %v", resp.StatusCode, resp.Header)
	}
	// Another origin gets none.
	req.Header.Set("Origin", "https://evil.example.net")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if v := resp.Header.Get("Access-Control-Allow-Origin"); v != "" {
		t.Fatalf("a foreign origin got Access-Control-Allow-Origin %q", v)
	}
}
