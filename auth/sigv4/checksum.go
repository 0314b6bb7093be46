package sigv4

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"io"
)

// crc64NVME is the reflected polynomial of CRC-64/NVME (normal form
// 0xAD93D23594C935A9), the checksum S3 calls CRC64NVME.
const crc64NVME = 0x9A6C9329AC4BC9B5

// newChecksum returns a fresh hash for a trailing checksum header name, or
// nil for an unknown name. Its Sum is the big-endian digest whose base64
// (standard alphabet, padded) S3 clients send.
func newChecksum(name string) hash.Hash {
	switch name {
	case "x-amz-checksum-crc32":
		return crc32.NewIEEE()
	case "x-amz-checksum-crc32c":
		return crc32.New(crc32.MakeTable(crc32.Castagnoli))
	case "x-amz-checksum-crc64nvme":
		return crc64.New(crc64.MakeTable(crc64NVME))
	case "x-amz-checksum-sha1":
		return sha1.New()
	case "x-amz-checksum-sha256":
		return sha256.New()
	}
	return nil
}

// Checksum is a payload checksum of S3's flexible-checksum family: Name is
// its header name in lower case (x-amz-checksum-crc32, -crc32c, -crc64nvme,
// -sha1 or -sha256) and Value the base64 of its big-endian digest, as
// clients send and expect it.
type Checksum struct {
	Name, Value string
}

// Checksummer is a payload reader that checks a checksum of the payload:
// Result.Body when the request carries a trailing checksum
// (STREAMING-UNSIGNED-PAYLOAD-TRAILER, STREAMING-AWS4-HMAC-SHA256-PAYLOAD-
// TRAILER), and the readers VerifyChecksum returns.
type Checksummer interface {
	// Checksum returns the payload's checksum once Read has returned
	// io.EOF, which it does only after the checksum was verified (or
	// computed). ok is false before that, after any other error, and for
	// a body that carried no checksum.
	Checksum() (c Checksum, ok bool)
}

// Checksum returns the trailing checksum of the payload once Body has
// returned io.EOF, verified against the payload: the value to store and
// answer. A checksum sent as a header is the caller's to verify, with
// VerifyChecksum, since whether a header describes the body depends on the
// operation (CompleteMultipartUpload's describes the assembled object).
func (r Result) Checksum() (Checksum, bool) {
	if c, ok := r.Body.(Checksummer); ok {
		return c.Checksum()
	}
	return Checksum{}, false
}

// ChecksumSupported reports whether name (lower case) is the header of a
// checksum this package computes.
func ChecksumSupported(name string) bool { return newChecksum(name) != nil }

// VerifyChecksum returns a reader of body that computes the checksum name
// over it. With a value (base64), Read fails at EOF with BadDigest unless
// the payload's digest is that value: this is how a checksum sent as a
// header, such as x-amz-checksum-crc32 with a signed payload hash, is
// verified. With an empty value it only computes the checksum, for S3's
// x-amz-checksum-algorithm without a value. The reader is a Checksummer.
// An unknown name fails with InvalidRequest, a value that is not the
// base64 of a digest of the algorithm's size with InvalidDigest.
//
// Like Result.Body, the reader streams: bytes are returned as they arrive,
// and a mismatch is an error from the Read that reaches the end.
func VerifyChecksum(body io.ReadCloser, name, value string) (io.ReadCloser, error) {
	h := newChecksum(name)
	if h == nil {
		return nil, errorf(InvalidRequest, "unsupported checksum %q: use x-amz-checksum-crc32, -crc32c, -crc64nvme, -sha1 or -sha256", name)
	}
	c := &checksumReader{rc: body, name: name, h: h}
	if value != "" {
		want, err := base64.StdEncoding.DecodeString(value)
		if err != nil || len(want) != h.Size() {
			return nil, errorf(InvalidDigest, "the value of %s is not the base64 of a %d-byte digest", name, h.Size())
		}
		c.want = want
	}
	return c, nil
}

// checksumReader is VerifyChecksum's reader.
type checksumReader struct {
	rc   io.ReadCloser
	name string
	h    hash.Hash
	want []byte // nil: compute only
	sum  string // the base64 digest, once verified
	err  error
}

func (c *checksumReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.rc.Read(p)
	c.h.Write(p[:n])
	switch {
	case err == io.EOF:
		got := c.h.Sum(nil)
		if c.want != nil && !equalBytes(got, c.want) {
			err = errorf(BadDigest, "the %s you specified did not match the calculated checksum", c.name)
		} else {
			c.sum = base64.StdEncoding.EncodeToString(got)
		}
		c.err = err
	case err != nil:
		c.err = err
	}
	return n, err
}

func (c *checksumReader) Close() error { return c.rc.Close() }

func (c *checksumReader) Checksum() (Checksum, bool) {
	if c.err != io.EOF {
		return Checksum{}, false
	}
	return Checksum{Name: c.name, Value: c.sum}, true
}
