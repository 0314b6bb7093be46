package sigv4

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// TestKeyCacheFollowsTheSecret: a signing key derived from a secret never
// serves another one; a rotated secret is seen by the next request.
func TestKeyCacheFollowsTheSecret(t *testing.T) {
	var current atomic.Value
	current.Store("first secret")
	v := New(func(_ context.Context, key string) (string, error) {
		return current.Load().(string), nil
	}, Options{Now: func() time.Time { return testTime }})
	verify := func(secret string) error {
		req := httptest.NewRequest("GET", "http://example.com/bucket/key", nil)
		sign(t, req, creds(testKey, secret), emptySHA256, testTime)
		_, err := v.Verify(context.Background(), req)
		return err
	}
	for range 2 { // derived, then cached
		if err := verify("first secret"); err != nil {
			t.Fatalf("the right secret: %v", err)
		}
	}
	current.Store("second secret")
	wantCode(t, verify("first secret"), SignatureDoesNotMatch)
	if err := verify("second secret"); err != nil {
		t.Fatalf("the rotated secret: %v", err)
	}
}

// TestKeyCacheIsBounded: the cache empties itself when full.
func TestKeyCacheIsBounded(t *testing.T) {
	var c keyCache
	for i := range maxCachedKeys + 10 {
		s := keyScope{access: fmt.Sprint("AKID", i), date: "20261123", region: testRegion}
		if got, want := c.signingKey("secret", s), signingKey("secret", s.date, s.region, service); string(got) != string(want) {
			t.Fatalf("key %d: %x, want %x", i, got, want)
		}
	}
	if n := len(c.keys); n > maxCachedKeys {
		t.Fatalf("%d keys cached, at most %d wanted", n, maxCachedKeys)
	}
}
