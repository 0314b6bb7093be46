package sigv4

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// TestHeaderGood signs requests with the AWS SDK's signer and verifies them.
func TestHeaderGood(t *testing.T) {
	body := []byte("hello, world")
	cases := []struct {
		name, method, path, query string
		body                      []byte
		payload                   string
	}{
		{"get", "GET", "/bucket/key.txt", "", nil, emptySHA256},
		{"put hashed", "PUT", "/bucket/key.txt", "", body, hexSHA256(body)},
		{"put unsigned", "PUT", "/bucket/key.txt", "", body, unsignedPayload},
		{"space", "GET", "/bucket/a key with  spaces", "", nil, emptySHA256},
		{"unicode", "GET", "/bucket/été/日本語/ключ", "", nil, emptySHA256},
		{"plus", "GET", "/bucket/a+b+c", "", nil, emptySHA256},
		{"encoded slash", "GET", "/bucket/a%2Fb", "", nil, emptySHA256},
		{"double slash", "GET", "/bucket/a//b/", "", nil, emptySHA256},
		{"odd chars", "GET", "/bucket/!*'();:@&=$,?#[]~", "", nil, emptySHA256},
		{"root", "GET", "/", "", nil, emptySHA256},
		{"empty values", "GET", "/bucket", "versioning&acl=", nil, emptySHA256},
		{"multi values", "GET", "/bucket", "prefix=b&prefix=a&max-keys=10&list-type=2", nil, emptySHA256},
		{"query escapes", "GET", "/bucket", "prefix=" + url.QueryEscape("a b+c/é") + "&delimiter=%2F", nil, emptySHA256},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, ch := server(t, verifierAt(testTime.Add(time.Minute)))
			req := newRequest(t, srv, c.method, c.path, c.query, c.body)
			req.Header.Set("X-Amz-Meta-Note", "  two   spaces  ")
			req.Header.Add("X-Amz-Meta-Multi", "a")
			req.Header.Add("X-Amz-Meta-Multi", "b")
			sign(t, req, creds(testKey, testSecret), c.payload, testTime)
			o := send(t, req, ch)
			if o.err != nil {
				t.Fatalf("Verify: %v", o.err)
			}
			if o.bodyErr != nil {
				t.Fatalf("body: %v", o.bodyErr)
			}
			if o.res.AccessKey != testKey || o.res.Presigned {
				t.Fatalf("result %+v", o.res)
			}
			if !bytes.Equal(o.body, c.body) {
				t.Fatalf("body %q, want %q", o.body, c.body)
			}
		})
	}
}

func TestHeaderFailures(t *testing.T) {
	body := []byte("hello, world")
	cases := []struct {
		name   string
		now    time.Time
		prep   func(*http.Request) // before signing
		tamper func(*http.Request) // after signing
		key    string
		secret string
		code   Code
		inBody bool // the error comes from reading Body
	}{
		{name: "wrong secret", secret: "other", code: SignatureDoesNotMatch},
		{name: "unknown key", key: "AKIDUNKNOWN", code: InvalidAccessKeyID},
		{name: "tampered header", tamper: func(r *http.Request) { r.Header.Set("X-Amz-Meta-Note", "changed") }, code: SignatureDoesNotMatch},
		{name: "tampered path", tamper: func(r *http.Request) { r.URL.Path = "/bucket/other"; r.URL.RawPath = "" }, code: SignatureDoesNotMatch},
		{name: "tampered query", tamper: func(r *http.Request) { r.URL.RawQuery = "versionId=2" }, code: SignatureDoesNotMatch},
		{name: "tampered method", tamper: func(r *http.Request) { r.Method = "POST" }, code: SignatureDoesNotMatch},
		{name: "tampered body", tamper: func(r *http.Request) {
			b := bytes.Clone(body)
			b[3] ^= 1
			r.Body = httpBody(b)
		}, code: XAmzContentSHA256Mismatch, inBody: true},
		{name: "skew ahead", now: testTime.Add(16 * time.Minute), code: RequestTimeTooSkewed},
		{name: "skew behind", now: testTime.Add(-16 * time.Minute), code: RequestTimeTooSkewed},
		{name: "wrong region", prep: nil, tamper: func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), testRegion, "eu-west-1", 1))
		}, code: AuthorizationHeaderMalformed},
		{name: "sigv2", tamper: func(r *http.Request) { r.Header.Set("Authorization", "AWS "+testKey+":frJIUN8DYpKDtOLCwo//yllqDzg=") }, code: InvalidRequest},
		{name: "no content sha", tamper: func(r *http.Request) { r.Header.Del("X-Amz-Content-Sha256") }, code: MissingSecurityHeader},
		{name: "no date", tamper: func(r *http.Request) { r.Header.Del("X-Amz-Date") }, code: AccessDenied},
		{name: "anonymous", tamper: func(r *http.Request) { r.Header.Del("Authorization") }, code: AccessDenied},
		{name: "bad payload mode", tamper: func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", "nope") }, code: SignatureDoesNotMatch},
		{name: "host unsigned", tamper: func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), ";host;", ";", 1))
		}, code: AuthorizationHeaderMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			now := c.now
			if now.IsZero() {
				now = testTime
			}
			srv, ch := server(t, verifierAt(now))
			req := newRequest(t, srv, "PUT", "/bucket/key", "", body)
			req.Header.Set("X-Amz-Meta-Note", "original")
			key, secret := testKey, testSecret
			if c.key != "" {
				key = c.key
			}
			if c.secret != "" {
				secret = c.secret
			}
			sign(t, req, creds(key, secret), hexSHA256(body), testTime)
			if c.tamper != nil {
				c.tamper(req)
			}
			o := send(t, req, ch)
			err := o.err
			if c.inBody {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				err = o.bodyErr
			}
			wantCode(t, err, c.code)
			if c.code == InvalidRequest && !strings.Contains(err.Error(), "Signature Version 2 is not supported; use Signature Version 4") {
				t.Fatalf("message %q", err)
			}
		})
	}
}

func TestPresigned(t *testing.T) {
	presign := func(t *testing.T, srv *httptest.Server, path, expires string, c func(*http.Request)) *http.Request {
		req := newRequest(t, srv, "GET", path, "response-content-type=text%2Fplain&X-Amz-Expires="+expires, nil)
		if c != nil {
			c(req)
		}
		u, hdr, err := v4.NewSigner().PresignHTTP(context.Background(), creds(testKey, testSecret), req,
			unsignedPayload, "s3", testRegion, testTime, func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
		if err != nil {
			t.Fatal(err)
		}
		out, err := http.NewRequest("GET", u, nil)
		if err != nil {
			t.Fatal(err)
		}
		for k, vs := range hdr {
			if k != "Host" {
				out.Header[k] = vs
			}
		}
		return out
	}
	t.Run("good", func(t *testing.T) {
		srv, ch := server(t, verifierAt(testTime.Add(299*time.Second)))
		o := send(t, presign(t, srv, "/bucket/a key/été+x", "300", nil), ch)
		if o.err != nil || !o.res.Presigned || o.res.AccessKey != testKey {
			t.Fatalf("%+v", o)
		}
	})
	t.Run("signed header", func(t *testing.T) {
		srv, ch := server(t, verifierAt(testTime))
		req := presign(t, srv, "/bucket/k", "300", func(r *http.Request) { r.Header.Set("X-Custom", "v") })
		o := send(t, req, ch)
		if o.err != nil {
			t.Fatal(o.err)
		}
		req = presign(t, srv, "/bucket/k", "300", func(r *http.Request) { r.Header.Set("X-Custom", "v") })
		req.Header.Set("X-Custom", "w")
		wantCode(t, send(t, req, ch).err, SignatureDoesNotMatch)
	})
	fail := []struct {
		name    string
		now     time.Time
		expires string
		tamper  func(*http.Request)
		code    Code
	}{
		{"expired", testTime.Add(301 * time.Second), "300", nil, AccessDenied},
		{"not yet valid", testTime.Add(-16 * time.Minute), "300", nil, AccessDenied},
		{"expires too long", testTime, "604801", nil, AuthorizationQueryParametersError},
		{"expires zero", testTime, "0", nil, AuthorizationQueryParametersError},
		{"tampered path", testTime, "300", func(r *http.Request) { r.URL.Path += "x"; r.URL.RawPath = "" }, SignatureDoesNotMatch},
		{"tampered query", testTime, "300", func(r *http.Request) {
			r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "text%2Fplain", "text%2Fhtml", 1)
		}, SignatureDoesNotMatch},
		{"tampered expiry", testTime, "300", func(r *http.Request) {
			r.URL.RawQuery = strings.Replace(r.URL.RawQuery, "X-Amz-Expires=300", "X-Amz-Expires=3000", 1)
		}, SignatureDoesNotMatch},
		{"no signature", testTime, "300", func(r *http.Request) {
			q := r.URL.Query()
			q.Del("X-Amz-Signature")
			r.URL.RawQuery = q.Encode()
		}, AuthorizationQueryParametersError},
		{"unsigned amz header", testTime, "300", func(r *http.Request) { r.Header.Set("X-Amz-Meta-Added", "1") }, AccessDenied},
		{"two mechanisms", testTime, "300", func(r *http.Request) {
			r.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+testKey+"/20261123/us-east-1/s3/aws4_request, SignedHeaders=host, Signature="+strings.Repeat("0", 64))
		}, InvalidArgument},
		{"sigv2", testTime, "300", func(r *http.Request) {
			r.URL.RawQuery = "AWSAccessKeyId=" + testKey + "&Expires=1700000000&Signature=abc"
		}, InvalidRequest},
	}
	for _, c := range fail {
		t.Run(c.name, func(t *testing.T) {
			srv, ch := server(t, verifierAt(c.now))
			req := presign(t, srv, "/bucket/key", c.expires, nil)
			if c.tamper != nil {
				c.tamper(req)
			}
			o := send(t, req, ch)
			wantCode(t, o.err, c.code)
			if c.name == "expired" && !strings.Contains(o.err.Error(), "Request has expired") {
				t.Fatalf("message %q", o.err)
			}
		})
	}
}

func TestCanonicalURI(t *testing.T) {
	for _, c := range []struct{ raw, want string }{
		{"/b/a%2Fb", "/b/a%2Fb"},
		{"/b/a%252Fb", "/b/a%252Fb"},
		{"/b/a b", "/b/a%20b"},
		{"/b/a+b", "/b/a%2Bb"},
		{"/b/%C3%A9", "/b/%C3%A9"},
		{"/b//c/", "/b//c/"},
		{"", "/"},
	} {
		u, err := url.Parse("http://h" + c.raw)
		if err != nil {
			t.Fatal(err)
		}
		if got := canonicalURI(u); got != c.want {
			t.Errorf("canonicalURI(%q) = %q, want %q", c.raw, got, c.want)
		}
	}
}

func TestUnsignedAmzHeader(t *testing.T) {
	srv, ch := server(t, verifierAt(testTime))
	req := newRequest(t, srv, "PUT", "/bucket/key", "", []byte("x"))
	sign(t, req, creds(testKey, testSecret), unsignedPayload, testTime)
	req.Header.Set("X-Amz-Copy-Source", "/other/secret")
	o := send(t, req, ch)
	wantCode(t, o.err, AccessDenied)
	if !strings.Contains(o.err.Error(), "x-amz-copy-source") {
		t.Fatalf("message %q", o.err)
	}
}
