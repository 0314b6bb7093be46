package sigv4

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"net/http/httptest"
	"testing"
)

// TestHandOffSHA256: the caller that takes the signed hash gets it and
// Body stops checking it, but not the length; the other payload modes and
// a Body already read keep the check in Body.
func TestHandOffSHA256(t *testing.T) {
	body := []byte("hello, world")
	tampered := bytes.Clone(body)
	tampered[3] ^= 1
	verify := func(t *testing.T, payload string, sent []byte, length int64) Result {
		t.Helper()
		req := httptest.NewRequest("PUT", "http://example.com/bucket/key", bytes.NewReader(sent))
		req.ContentLength = length
		sign(t, req, creds(testKey, testSecret), payload, testTime)
		res, err := verifierAt(testTime).Verify(context.Background(), req)
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		return res
	}
	want := sha256.Sum256(body)

	t.Run("handed off", func(t *testing.T) {
		res := verify(t, hexSHA256(body), tampered, int64(len(tampered)))
		sum, ok := res.HandOffSHA256()
		if !ok || !bytes.Equal(sum, want[:]) {
			t.Fatalf("HandOffSHA256 = %x, %v; want %x, true", sum, ok, want)
		}
		if _, ok := res.HandOffSHA256(); ok {
			t.Fatal("the check was handed off twice")
		}
		if got, err := io.ReadAll(res.Body); err != nil || !bytes.Equal(got, tampered) {
			t.Fatalf("Body after the hand-off: %q, %v; want the bytes sent, to be checked by the caller", got, err)
		}
	})
	t.Run("length still checked", func(t *testing.T) {
		res := verify(t, hexSHA256(body), body[:5], int64(len(body)))
		if _, ok := res.HandOffSHA256(); !ok {
			t.Fatal("no hand-off")
		}
		_, err := io.ReadAll(res.Body)
		wantCode(t, err, IncompleteBody)
	})
	t.Run("unsigned payload", func(t *testing.T) {
		res := verify(t, unsignedPayload, body, int64(len(body)))
		if sum, ok := res.HandOffSHA256(); ok {
			t.Fatalf("HandOffSHA256 of an unsigned payload = %x", sum)
		}
	})
	t.Run("after a read", func(t *testing.T) {
		res := verify(t, hexSHA256(body), tampered, int64(len(tampered)))
		if _, err := res.Body.Read(make([]byte, 1)); err != nil {
			t.Fatal(err)
		}
		if _, ok := res.HandOffSHA256(); ok {
			t.Fatal("handed off after Body was read")
		}
		_, err := io.ReadAll(res.Body)
		wantCode(t, err, XAmzContentSHA256Mismatch)
	})
}
