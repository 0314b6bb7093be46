package s3

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"hash"
	"io"
	"net/http"
	"strings"

	"coffre/auth/sigv4"
	"coffre/storage"
)

// Payload integrity. A body can carry three proofs besides its signature:
// Content-MD5 (RFC 1864), a flexible checksum sent as a header
// (x-amz-checksum-crc32, -crc32c, -crc64nvme, -sha1, -sha256) and the same
// checksum sent as an aws-chunked trailer. sigv4 verifies trailers; the
// header is verified here, by wrapping the body with sigv4.VerifyChecksum,
// because only the operation knows whether the header describes the body.
// Content-MD5 goes to the namespace (PutOptions.MD5), which refuses a
// mismatch atomically; small XML bodies check it themselves (xmlBody).
//
// The verified checksum is stored as metadata "x-amz-checksum-<algorithm>"
// and answered on GET and HEAD with x-amz-checksum-mode: ENABLED. A trailer
// is only known at the end of the body, after PutOptions.Meta was handed to
// the namespace: payload adds it to that map when the body reaches its end,
// which the engine reads once the content is stored; should a namespace
// read Meta earlier, putObject notices and stores it with SetMeta.

// checksumHeaderOf maps S3's algorithm names (x-amz-sdk-checksum-algorithm,
// x-amz-checksum-algorithm) to the checksum headers.
var checksumHeaderOf = map[string]string{
	"CRC32":     "x-amz-checksum-crc32",
	"CRC32C":    "x-amz-checksum-crc32c",
	"CRC64NVME": "x-amz-checksum-crc64nvme",
	"SHA1":      "x-amz-checksum-sha1",
	"SHA256":    "x-amz-checksum-sha256",
}

// declaredChecksum finds the flexible checksum a request declares for its
// body: a header's name and value, or the algorithm the client asks us to
// compute (value ""), or nothing. A trailing checksum is sigv4's. More than
// one checksum is refused, as S3 does.
func declaredChecksum(h http.Header) (name, value string, err error) {
	for k, vs := range h {
		lk := strings.ToLower(k)
		if !strings.HasPrefix(lk, metaChecksum) || !sigv4.ChecksumSupported(lk) {
			continue // x-amz-checksum-mode, -type and -algorithm are no checksums
		}
		if name != "" || len(vs) != 1 {
			return "", "", invalidRequest("expecting a single x-amz-checksum- header; multiple checksum types are not allowed")
		}
		name, value = lk, vs[0]
	}
	trailer := h.Get("X-Amz-Trailer") != ""
	if name != "" && trailer {
		return "", "", invalidRequest("expecting a single checksum: %s and the trailer x-amz-trailer cannot both be sent", name)
	}
	for _, hk := range []string{"X-Amz-Sdk-Checksum-Algorithm", "X-Amz-Checksum-Algorithm"} {
		alg := h.Get(hk)
		if alg == "" {
			continue
		}
		want, ok := checksumHeaderOf[strings.ToUpper(alg)]
		switch {
		case !ok:
			return "", "", invalidRequest("the checksum algorithm %q is not supported: use CRC32, CRC32C, CRC64NVME, SHA1 or SHA256", alg)
		case name != "" && name != want:
			return "", "", invalidRequest("%s says %s but the checksum sent is %s", strings.ToLower(hk), alg, name)
		case name == "" && !trailer:
			name = want // compute it
		}
	}
	return name, value, nil
}

// contentMD5 decodes the Content-MD5 header: nil when absent, InvalidDigest
// when it is not the base64 of 16 bytes.
func contentMD5(h http.Header) ([]byte, error) {
	vs, ok := h["Content-Md5"]
	if !ok {
		return nil, nil
	}
	b, err := base64.StdEncoding.DecodeString(strings.Join(vs, ","))
	if err != nil || len(b) != md5.Size {
		return nil, errorf("InvalidDigest", http.StatusBadRequest, "the Content-MD5 you specified is not valid")
	}
	return b, nil
}

// payload is the body of a request that stores content: it verifies a
// header checksum (or computes a requested one), counts the bytes to tell a
// short body from a bad digest, and at the end of the body adds the
// verified checksum to meta.
type payload struct {
	r      io.Reader
	sum    sigv4.Checksummer // nil without a checksum
	md5    []byte            // Content-MD5, for the namespace to check
	sha256 []byte            // the signed payload hash, for the namespace to check (storedPayload)
	size   int64             // declared, -1 unknown
	n      int64
	eof    bool // the body ended cleanly
	// short: the body ended before its declared size
	short bool
	meta  map[string]string // receives the checksum at the end; may be nil
	// md5h, for bodies that check Content-MD5 themselves (xmlBody).
	md5h hash.Hash
}

// newPayload prepares q's body for storing.
func newPayload(q *request) (*payload, error) {
	sum, err := contentMD5(q.r.Header)
	if err != nil {
		return nil, err
	}
	p := &payload{r: q.body, md5: sum, size: q.size}
	name, value, err := declaredChecksum(q.r.Header)
	if err != nil {
		return nil, err
	}
	if name != "" {
		rc, err := sigv4.VerifyChecksum(q.body, name, value)
		if err != nil {
			return nil, err
		}
		p.r = rc
	}
	p.sum, _ = p.r.(sigv4.Checksummer)
	return p, nil
}

// storedPayload is newPayload for a body stored with Put or UploadPart.
// The namespace hashes what it stores with SHA-256 and refuses, before
// anything becomes visible, content that is not PutOptions.SHA256: it
// checks a signed payload hash in the same pass rather than sigv4 in a
// second one.
func storedPayload(q *request) (*payload, error) {
	p, err := newPayload(q)
	if err != nil {
		return nil, err
	}
	p.sha256, _ = q.signed.HandOffSHA256()
	return p, nil
}

// options are the PutOptions that have the namespace check the payload.
func (p *payload) options() storage.PutOptions {
	return storage.PutOptions{Size: p.size, MD5: p.md5, SHA256: p.sha256}
}

func (p *payload) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	p.n += int64(n)
	if p.md5h != nil {
		p.md5h.Write(b[:n])
	}
	switch {
	case err == io.EOF && p.size >= 0 && p.n < p.size:
		p.short = true
	case err == io.EOF:
		if p.md5h != nil && p.md5 != nil && !bytes.Equal(p.md5h.Sum(nil), p.md5) {
			return n, md5Mismatch(nil)
		}
		p.eof = true
		if c, ok := p.checksum(); ok && p.meta != nil {
			p.meta[c.Name] = c.Value
		}
	case errors.Is(err, io.ErrUnexpectedEOF):
		p.short = true
	}
	return n, err
}

// checksum is the body's verified (or computed) flexible checksum, once
// the body was read to its end.
func (p *payload) checksum() (sigv4.Checksum, bool) {
	if p.sum == nil {
		return sigv4.Checksum{}, false
	}
	return p.sum.Checksum()
}

// explain turns the namespace's refusal of the body into S3's words: a
// body whose SHA-256 is not the signed one is XAmzContentSHA256Mismatch, as
// sigv4 says it; a body shorter than declared is IncompleteBody; a body
// read to its end and refused as Invalid with a Content-MD5 given failed
// that digest.
func (p *payload) explain(err error) error {
	switch {
	case err == nil || !storage.Is(storage.Invalid, err):
		return err
	case errors.Is(err, storage.ErrSHA256Mismatch):
		return &Error{Code: string(sigv4.XAmzContentSHA256Mismatch), Status: http.StatusBadRequest, Message: "the provided x-amz-content-sha256 header does not match what was computed", Err: err}
	case p.short:
		return &Error{Code: "IncompleteBody", Status: http.StatusBadRequest, Message: "you did not provide the number of bytes specified by the Content-Length HTTP header", Err: err}
	case p.eof && p.md5 != nil:
		return md5Mismatch(err)
	}
	return err
}

func md5Mismatch(err error) *Error {
	return &Error{Code: "BadDigest", Status: http.StatusBadRequest, Message: "the Content-MD5 you specified did not match what we received", Err: err}
}

// readXMLBody is readXML for a body whose Content-MD5 and checksum headers
// are checked too (DeleteObjects, PutObjectTagging: SDKs send one of them).
func readXMLBody(q *request, max int64, v any) error {
	p, err := newPayload(q)
	if err != nil {
		return err
	}
	if p.md5 != nil {
		p.md5h = md5.New()
	}
	body := q.body
	q.body = struct {
		io.Reader
		io.Closer
	}{p, body}
	defer func() { q.body = body }()
	return readXML(q, max, v)
}

// checksumHeaders answers the checksums stored with an object, and its
// checksum type when the client did not store one.
func checksumHeaders(w http.Header, info storage.Info) {
	any := false
	for k, v := range info.Meta {
		if strings.HasPrefix(k, metaChecksum) {
			w[http.CanonicalHeaderKey(k)] = []string{v}
			any = true
		}
	}
	if any && info.Parts == 0 && info.Meta[metaChecksum+"type"] == "" {
		w.Set("X-Amz-Checksum-Type", "FULL_OBJECT")
	}
}
