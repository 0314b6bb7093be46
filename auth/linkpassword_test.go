package auth

import (
	"context"
	"testing"
	"time"

	"coffre/storage"
)

func TestLinkPasswords(t *testing.T) {
	f := newFixture(t, Options{Backoff: BackoffOptions{AccountFree: 2, Base: time.Minute, Max: time.Hour}})
	s, clock := f.s, f.clock
	ctx := context.Background()
	h, err := s.HashPassword("open sesame")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.HashPassword(""); !storage.Is(storage.Invalid, err) {
		t.Fatalf("empty password hashed: %v", err)
	}
	if err := s.CheckPassword(ctx, "share:1", "open sesame", h, "192.0.2.1"); err != nil {
		t.Fatalf("right password: %v", err)
	}
	for i := 0; i < 3; i++ {
		if err := s.CheckPassword(ctx, "share:1", "wrong", h, "192.0.2.1"); !storage.Is(storage.Unauthenticated, err) {
			t.Fatalf("wrong password %d: %v", i, err)
		}
	}
	err = s.CheckPassword(ctx, "share:1", "open sesame", h, "192.0.2.1")
	if d, ok := RetryAfter(err); !ok || d <= 0 {
		t.Fatalf("after failures, the right password is not held back: %v", err)
	}
	clock.Advance(2 * time.Hour)
	if err := s.CheckPassword(ctx, "share:1", "open sesame", h, "192.0.2.1"); err != nil {
		t.Fatalf("after the back-off: %v", err)
	}
}
