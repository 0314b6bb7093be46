package sigv4

import (
	"bytes"
	"encoding/base64"
	"io"
	"testing"
)

func TestVerifyChecksum(t *testing.T) {
	data := bytes.Repeat([]byte("header checksum "), 10000)
	for _, name := range []string{"x-amz-checksum-crc32", "x-amz-checksum-crc32c", "x-amz-checksum-crc64nvme", "x-amz-checksum-sha1", "x-amz-checksum-sha256"} {
		h := newChecksum(name)
		h.Write(data)
		sum := h.Sum(nil)
		good := base64.StdEncoding.EncodeToString(sum)
		sum[0] ^= 1
		bad := base64.StdEncoding.EncodeToString(sum)
		t.Run(name, func(t *testing.T) {
			if !ChecksumSupported(name) {
				t.Fatal("not supported")
			}
			// A good value: the body passes and the checksum is reported
			// only once the end was read.
			r, err := VerifyChecksum(httpBody(data), name, good)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.ReadFull(r, make([]byte, 10)); err != nil {
				t.Fatal(err)
			}
			if _, ok := r.(Checksummer).Checksum(); ok {
				t.Fatal("checksum reported before EOF")
			}
			rest, err := io.ReadAll(r)
			if err != nil || !bytes.Equal(rest, data[10:]) {
				t.Fatalf("read %d bytes, %v", len(rest), err)
			}
			if c, ok := r.(Checksummer).Checksum(); !ok || c != (Checksum{name, good}) {
				t.Fatalf("checksum %+v %v, want %s", c, ok, good)
			}
			// A wrong value fails at the end, and reports nothing.
			r, _ = VerifyChecksum(httpBody(data), name, bad)
			_, err = io.ReadAll(r)
			wantCode(t, err, BadDigest)
			if _, ok := r.(Checksummer).Checksum(); ok {
				t.Fatal("checksum reported after a mismatch")
			}
			// No value: computed, not checked.
			r, _ = VerifyChecksum(httpBody(data), name, "")
			if _, err := io.ReadAll(r); err != nil {
				t.Fatal(err)
			}
			if c, ok := r.(Checksummer).Checksum(); !ok || c.Value != good {
				t.Fatalf("computed %+v %v, want %s", c, ok, good)
			}
			// Values that are no digest of this algorithm.
			for _, v := range []string{"!!!!", base64.StdEncoding.EncodeToString(make([]byte, h.Size()+1))} {
				_, err = VerifyChecksum(httpBody(data), name, v)
				wantCode(t, err, InvalidDigest)
			}
		})
	}
	_, err := VerifyChecksum(httpBody(data), "x-amz-checksum-md5", "AAAA")
	wantCode(t, err, InvalidRequest)
	if ChecksumSupported("x-amz-checksum-mode") {
		t.Fatal("x-amz-checksum-mode is no checksum")
	}
}

// A read error from below is passed on and reports no checksum.
func TestVerifyChecksumReadError(t *testing.T) {
	r, _ := VerifyChecksum(io.NopCloser(io.MultiReader(bytes.NewReader([]byte("abc")), errReader{})), "x-amz-checksum-crc32", "")
	if _, err := io.ReadAll(r); err != io.ErrUnexpectedEOF {
		t.Fatalf("err %v", err)
	}
	if _, ok := r.(Checksummer).Checksum(); ok {
		t.Fatal("checksum reported after a read error")
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, io.ErrUnexpectedEOF }
