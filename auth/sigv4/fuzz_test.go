package sigv4

import (
	"bytes"
	"io"
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
			if err != nil {
				if _, ok := err.(*Error); !ok {
					t.Fatalf("error %T %v is not an *Error", err, err)
				}
			}
		}
	})
}
