package sigv4

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// FuzzChunkReader feeds arbitrary bodies to the aws-chunked decoder in
// its three modes: it must never panic, never yield more than the declared
// length, and only succeed on a body whose signatures or checksum match.
func FuzzChunkReader(f *testing.F) {
	key := signingKey(testSecret, "20261123", testRegion, "s3")
	const amzDate, scope = "20261123T100000Z", "20261123/us-east-1/s3/aws4_request"
	seed := strings.Repeat("a", 64)
	f.Add(chunked(key, amzDate, scope, seed, []byte("hello, chunked world"), 7), uint16(20))
	f.Add(trailerBody([]byte("hello"), 2, "x-amz-checksum-crc32:NhCmhg=="), uint16(5))
	f.Add([]byte("0\r\n\r\n"), uint16(0))
	f.Add([]byte("ffffffff;chunk-signature=\r\n"), uint16(3))
	f.Fuzz(func(t *testing.T, body []byte, declared uint16) {
		for mode := range 3 { // signed, unsigned with trailer, signed with trailer
			c := newChunkReader(io.NopCloser(bytes.NewReader(body)), int64(declared))
			if mode != 1 {
				c.signed, c.key, c.amzDate, c.scope, c.prev = true, key, amzDate, scope, seed
			}
			if mode != 0 {
				c.trailer, c.sum = "x-amz-checksum-crc32", newChecksum("x-amz-checksum-crc32")
			}
			out, err := io.ReadAll(io.LimitReader(c, 1<<20))
			if len(out) > int(declared) {
				t.Fatalf("yielded %d bytes, declared %d", len(out), declared)
			}
			if err == nil && len(out) != int(declared) {
				t.Fatalf("success with %d bytes, declared %d", len(out), declared)
			}
			if sum, ok := c.Checksum(); ok != (err == nil && mode != 0) || ok && sum.Name != "x-amz-checksum-crc32" {
				t.Fatalf("checksum %+v %v after error %v in mode %d", sum, ok, err, mode)
			}
			if err != nil {
				if _, ok := err.(*Error); !ok {
					t.Fatalf("error %T %v is not an *Error", err, err)
				}
			}
		}
	})
}

// FuzzVerify feeds arbitrary Authorization headers, queries and paths to
// the header and query parsers and the canonicaliser: Verify must not
// panic, must answer an *Error, and must never accept a forged request.
func FuzzVerify(f *testing.F) {
	seed := "AWS4-HMAC-SHA256 Credential=" + testKey + "/20261123/us-east-1/s3/aws4_request, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=" + strings.Repeat("ab", 32)
	f.Add(seed, "", "/bucket/key")
	f.Add("", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="+testKey+"%2F20261123%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20261123T100000Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host&X-Amz-Signature="+strings.Repeat("0", 64), "/b/k")
	f.Add("AWS AKID:sig", "a=b&a=&c", "/a%2Fb//c")
	f.Add(seed, "%zz", "/%")
	v := verifierAt(testTime)
	f.Fuzz(func(t *testing.T, authz, query, path string) {
		r := &http.Request{
			Method: "GET",
			URL:    &url.URL{Path: path, RawQuery: query},
			Host:   "example.com",
			Header: http.Header{},
		}
		if authz != "" {
			r.Header.Set("Authorization", authz)
		}
		r.Header.Set("X-Amz-Date", "20261123T100000Z")
		r.Header.Set("X-Amz-Content-Sha256", emptySHA256)
		res, err := v.Verify(t.Context(), r)
		if err == nil {
			t.Fatalf("forged request accepted: %+v", res)
		}
		if _, ok := err.(*Error); !ok {
			t.Fatalf("error %T %v is not an *Error", err, err)
		}
	})
}
