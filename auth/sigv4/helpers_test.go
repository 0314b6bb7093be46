package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"coffre/storage"
)

const (
	testKey    = "AKIDTESTKEY"
	testSecret = "s3cr3t/with+odd=chars"
	testRegion = "us-east-1"
)

var testTime = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func testLookup(_ context.Context, key string) (string, error) {
	if key == testKey {
		return testSecret, nil
	}
	return "", storage.Errorf("lookup", storage.Unauthenticated, "", "unknown access key")
}

func creds(key, secret string) aws.Credentials {
	return aws.Credentials{AccessKeyID: key, SecretAccessKey: secret}
}

// outcome is what the server saw: Verify's result and the body read from it.
type outcome struct {
	res     Result
	err     error
	body    []byte
	bodyErr error
}

// server runs a loopback HTTP server whose handler verifies with v and
// reads the whole Body; it is a plain handler, so paths are not cleaned.
func server(t *testing.T, v *Verifier) (*httptest.Server, <-chan outcome) {
	t.Helper()
	ch := make(chan outcome, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var o outcome
		o.res, o.err = v.Verify(r.Context(), r)
		if o.err == nil {
			o.body, o.bodyErr = io.ReadAll(o.res.Body)
			o.res.Body.Close()
		}
		ch <- o
	}))
	t.Cleanup(srv.Close)
	return srv, ch
}

func verifierAt(now time.Time) *Verifier {
	return New(testLookup, Options{Region: testRegion, Now: func() time.Time { return now }})
}

// newRequest builds a client request for an S3 key the way S3 clients do:
// the path encoded once with '/' kept.
func newRequest(t *testing.T, srv *httptest.Server, method, path, rawQuery string, body []byte) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.URL.Path = path
	req.URL.RawPath = uriEncode(path, true)
	req.URL.RawQuery = rawQuery
	return req
}

func sign(t testing.TB, req *http.Request, c aws.Credentials, payload string, at time.Time) {
	t.Helper()
	req.Header.Set("X-Amz-Content-Sha256", payload)
	err := v4.NewSigner().SignHTTP(context.Background(), c, req, payload, "s3", testRegion, at, func(o *v4.SignerOptions) {
		o.DisableURIPathEscaping = true
	})
	if err != nil {
		t.Fatal(err)
	}
}

func send(t *testing.T, req *http.Request, ch <-chan outcome) outcome {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	select {
	case o := <-ch:
		return o
	case <-time.After(10 * time.Second):
		t.Fatal("no outcome")
	}
	return outcome{}
}

func wantCode(t *testing.T, err error, code Code) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v, want code %s", err, code)
	}
	if e.Code != code {
		t.Fatalf("code %s (%v), want %s", e.Code, err, code)
	}
}

func hexSHA256(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// chunked encodes payload as aws-chunked with chunk signatures chained
// from seed, as in the AWS documentation's "Chunked Upload" page.
func chunked(key []byte, amzDate, scope, seed string, payload []byte, size int) []byte {
	var b bytes.Buffer
	prev := seed
	for {
		n := min(size, len(payload))
		chunk := payload[:n]
		payload = payload[n:]
		toSign := "AWS4-HMAC-SHA256-PAYLOAD\n" + amzDate + "\n" + scope + "\n" + prev + "\n" + emptySHA256 + "\n" + hexSHA256(chunk)
		prev = hex.EncodeToString(hmacSHA256(key, toSign))
		fmt.Fprintf(&b, "%x;chunk-signature=%s\r\n", n, prev)
		b.Write(chunk)
		b.WriteString("\r\n")
		if n == 0 {
			return b.Bytes()
		}
	}
}

// seedOf returns the Signature field of a signed request.
func seedOf(t *testing.T, req *http.Request) string {
	t.Helper()
	a := req.Header.Get("Authorization")
	i := strings.LastIndex(a, "Signature=")
	if i < 0 {
		t.Fatalf("no signature in %q", a)
	}
	return a[i+len("Signature="):]
}

func httpBody(b []byte) io.ReadCloser { return io.NopCloser(bytes.NewReader(b)) }
