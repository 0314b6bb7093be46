package sigv4

import (
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// payloadBody returns the reader for the payload mode req declares.
func (v *Verifier) payloadBody(r *http.Request, req *request, body io.ReadCloser, key []byte, scope string) (io.ReadCloser, int64, *Error) {
	switch p := req.payload; {
	case p == unsignedPayload:
		return body, r.ContentLength, nil
	case len(p) == 64 && isLowerHex(p):
		want, _ := hex.DecodeString(p)
		return &hashReader{rc: body, h: sha256.New(), want: want, size: r.ContentLength}, r.ContentLength, nil
	case p == streamingSigned || p == streamingTrailer || p == streamingSignedTrailer:
		n, err := strconv.ParseInt(r.Header.Get("X-Amz-Decoded-Content-Length"), 10, 64)
		if err != nil || n < 0 {
			return nil, 0, errorf(MissingSecurityHeader, "an aws-chunked body needs a valid x-amz-decoded-content-length header")
		}
		c := newChunkReader(body, n)
		if p != streamingTrailer {
			c.signed = true
			c.key, c.amzDate, c.scope, c.prev = key, req.amzDate, scope, req.signature
		}
		if p == streamingSigned {
			return c, n, nil
		}
		name := strings.ToLower(strings.TrimSpace(r.Header.Get("X-Amz-Trailer")))
		h := newChecksum(name)
		if h == nil {
			return nil, 0, errorf(InvalidRequest, "x-amz-trailer must name one of x-amz-checksum-crc32, -crc32c, -crc64nvme, -sha1 or -sha256, not %q", name)
		}
		c.trailer, c.sum = name, h
		return c, n, nil
	case strings.HasPrefix(p, "STREAMING-"):
		return nil, 0, errorf(InvalidRequest, "the payload mode %s is not supported", p)
	}
	return nil, 0, errorf(InvalidArgument, "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, %s, %s, %s or a SHA-256 in lower-case hex", streamingSigned, streamingSignedTrailer, streamingTrailer)
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// hashReader passes the body through and, at EOF, fails with
// XAmzContentSHA256Mismatch if its SHA-256 is not the signed one (unless
// the check was handed off).
type hashReader struct {
	rc   io.ReadCloser
	h    hash.Hash // nil once the check is handed off
	want []byte
	size int64 // Content-Length, -1 if unknown
	n    int64
	err  error
}

// HandOffSHA256 hands the check of a signed payload hash to a caller that
// hashes the payload anyway, as the store does: it returns the SHA-256 the
// signature covers, and Body stops hashing. The caller must then refuse the
// payload, before anything it did with it becomes visible, unless its
// SHA-256 is sum, comparing in constant time. Body still checks the
// payload's length. ok is false, and Body keeps checking the hash itself,
// for the other payload modes and once Body has been read.
func (r Result) HandOffSHA256() (sum []byte, ok bool) {
	b, isHash := r.Body.(*hashReader)
	if !isHash || b.n > 0 || b.err != nil || b.h == nil {
		return nil, false
	}
	b.h = nil
	return b.want, true
}

func (b *hashReader) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	n, err := b.rc.Read(p)
	if b.h != nil {
		b.h.Write(p[:n])
	}
	b.n += int64(n)
	switch {
	case err == io.EOF && b.size >= 0 && b.n != b.size:
		b.err = errorf(IncompleteBody, "the body has %d bytes, Content-Length says %d", b.n, b.size)
	case err == io.EOF && b.h != nil && !equalBytes(b.h.Sum(nil), b.want):
		b.err = errorf(XAmzContentSHA256Mismatch, "the provided x-amz-content-sha256 header does not match what was computed")
	case err == io.ErrUnexpectedEOF:
		b.err = &Error{Code: IncompleteBody, Message: "the body ended early", Err: err}
	case err != nil:
		b.err = err
	}
	return n, b.err
}

func (b *hashReader) Close() error { return b.rc.Close() }

// equalBytes compares digests of the body; they are not secrets, but
// there is no reason to leak timing either.
func equalBytes(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	var d byte
	for i := range a {
		d |= a[i] ^ b[i]
	}
	return d == 0
}
