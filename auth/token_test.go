package auth

import (
	"bytes"
	"context"
	"encoding/base64"
	"testing"
	"time"

	"coffre/storage"
)

func TestTokensIdleAndAbsoluteExpiry(t *testing.T) {
	f := newFixture(t, Options{SessionLimits: limits(10*time.Minute, time.Hour)})
	ctx := context.Background()
	u := f.user(t, "leo", "leo-password")
	tok, info, err := f.s.IssueToken(ctx, u.ID, SessionToken, "browser")
	if err != nil {
		t.Fatal(err)
	}
	if len(tok) != 43 || info.ID != tokenID(tok) || info.Kind != SessionToken {
		t.Fatalf("token %q info %+v", tok, info)
	}
	if raw, err := base64.RawURLEncoding.DecodeString(tok); err != nil || len(raw) != 32 {
		t.Fatalf("token is not 32 bytes of base64url: %v", err)
	}
	for range 6 { // used every 9 minutes: the idle limit never hits
		f.clock.Advance(9 * time.Minute)
		p, err := f.s.Authenticate(ctx, tok, local)
		if err != nil || p.UserID != u.ID {
			t.Fatalf("Authenticate = %+v, %v", p, err)
		}
	}
	f.clock.Advance(7 * time.Minute) // 61 minutes after creation
	if _, err := f.s.Authenticate(ctx, tok, local); !storage.Is(storage.Unauthenticated, err) {
		t.Fatalf("past the absolute limit: %v", err)
	}

	tok2, _, _ := f.s.IssueToken(ctx, u.ID, SessionToken, "")
	f.clock.Advance(10 * time.Minute)
	if _, err := f.s.Authenticate(ctx, tok2, local); !storage.Is(storage.Unauthenticated, err) {
		t.Fatalf("idle for the limit: %v", err)
	}
	if ts, _ := f.s.Tokens(ctx, u.ID); len(ts) != 0 {
		t.Fatalf("expired tokens listed: %+v", ts)
	}
}

// limits returns fixed session limits, for Options.SessionLimits.
func limits(idle, limit time.Duration) func() (time.Duration, time.Duration) {
	return func() (time.Duration, time.Duration) { return idle, limit }
}

// TestSessionLimitsChange checks that new session limits apply to the
// sessions already open, shorter or longer, and not to API tokens; and that
// the token list shows the limits in force.
func TestSessionLimitsChange(t *testing.T) {
	idle, limit := time.Hour, 24*time.Hour
	f := newFixture(t, Options{SessionLimits: func() (time.Duration, time.Duration) { return idle, limit }})
	ctx := context.Background()
	u := f.user(t, "ola", "")
	sess, _, _ := f.s.IssueToken(ctx, u.ID, SessionToken, "")
	api, _, _ := f.s.IssueToken(ctx, u.ID, APIToken, "")
	f.clock.Advance(20 * time.Minute)
	idle = 10 * time.Minute // shortened: the session, unused for 20 minutes, ends
	if _, err := f.s.Authenticate(ctx, sess, local); !storage.Is(storage.Unauthenticated, err) {
		t.Fatalf("session past the new idle limit: %v", err)
	}
	if _, err := f.s.Authenticate(ctx, api, local); err != nil {
		t.Fatalf("API token after the session limits changed: %v", err)
	}

	sess2, info, _ := f.s.IssueToken(ctx, u.ID, SessionToken, "")
	if want := info.Created.Add(24 * time.Hour); !info.Expires.Equal(want) || info.Idle != 10*time.Minute {
		t.Fatalf("new session: expires %v idle %v", info.Expires, info.Idle)
	}
	limit = 48 * time.Hour // lengthened: the open session lasts longer
	for range 30 * 6 {     // 30 hours, used every 10 minutes minus a second
		f.clock.Advance(10*time.Minute - time.Second)
		if _, err := f.s.Authenticate(ctx, sess2, local); err != nil {
			t.Fatalf("session within the lengthened limit: %v", err)
		}
	}
	ts, err := f.s.Tokens(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, ti := range ts {
		if ti.Kind == SessionToken && (!ti.Expires.Equal(ti.Created.Add(48*time.Hour)) || ti.Idle != 10*time.Minute) {
			t.Fatalf("listed session: expires %v idle %v, want the limits in force", ti.Expires, ti.Idle)
		}
	}
}

func TestTokensRevokeAndList(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	u := f.user(t, "mia", "mia-password")
	other := f.user(t, "ned", "")
	api, apiInfo, _ := f.s.IssueToken(ctx, u.ID, APIToken, "backup script")
	f.clock.Advance(time.Second)
	sess, sessInfo, _ := f.s.IssueToken(ctx, u.ID, SessionToken, "")
	ts, err := f.s.Tokens(ctx, u.ID)
	if err != nil || len(ts) != 2 || ts[0].ID != sessInfo.ID || ts[1].Name != "backup script" {
		t.Fatalf("Tokens = %+v, %v", ts, err)
	}
	if err := f.s.RevokeToken(ctx, other.ID, apiInfo.ID); !storage.Is(storage.NotFound, err) {
		t.Fatalf("revoking another user's token: %v", err)
	}
	// A password change ends sessions, not API tokens.
	if err := f.s.SetPassword(ctx, "mia", "new-mia-password"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Authenticate(ctx, sess, local); !storage.Is(storage.Unauthenticated, err) {
		t.Fatalf("session after a password change: %v", err)
	}
	if _, err := f.s.Authenticate(ctx, api, local); err != nil {
		t.Fatalf("API token after a password change: %v", err)
	}
	// Long API tokens need no idle limit by default.
	f.clock.Advance(200 * 24 * time.Hour)
	if _, err := f.s.Authenticate(ctx, api, local); err != nil {
		t.Fatal(err)
	}
	if err := f.s.RevokeToken(ctx, u.ID, apiInfo.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Authenticate(ctx, api, local); !storage.Is(storage.Unauthenticated, err) {
		t.Fatalf("revoked: %v", err)
	}
	sess2, _, _ := f.s.IssueToken(ctx, u.ID, SessionToken, "")
	if err := f.s.RevokeTokenValue(ctx, sess2); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Authenticate(ctx, sess2, local); !storage.Is(storage.Unauthenticated, err) {
		t.Fatalf("logged out: %v", err)
	}
	for _, bad := range []string{"", "short", sess2 + "x", "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"} {
		if _, err := f.s.Authenticate(ctx, bad, local); !storage.Is(storage.Unauthenticated, err) {
			t.Errorf("Authenticate(%q) = %v", bad, err)
		}
	}
	// Inactive owners cannot use their tokens.
	api2, _, _ := f.s.IssueToken(ctx, u.ID, APIToken, "")
	off := false
	f.s.UpdateUser(ctx, "mia", UserChange{Active: &off})
	if _, err := f.s.Authenticate(ctx, api2, local); !storage.Is(storage.Unauthenticated, err) {
		t.Fatalf("inactive owner: %v", err)
	}
}

func TestTokensNeverStoredInClear(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	u := f.user(t, "olga", "olga-password")
	var toks [][]byte
	for _, k := range []TokenKind{SessionToken, APIToken} {
		tok, _, err := f.s.IssueToken(ctx, u.ID, k, "t")
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := base64.RawURLEncoding.DecodeString(tok)
		toks = append(toks, []byte(tok), raw)
		f.clock.Advance(2 * time.Minute)
		if _, err := f.s.Authenticate(ctx, tok, local); err != nil { // also rewrites last use
			t.Fatal(err)
		}
	}
	n := 0
	err := f.s.m.ScanPrefix([]byte("a/"), nil, func(k, v []byte) error {
		n++
		for _, tok := range toks {
			if bytes.Contains(k, tok) || bytes.Contains(v, tok) {
				t.Errorf("record %q holds a token in clear", k)
			}
		}
		return nil
	})
	if err != nil || n == 0 {
		t.Fatal(n, err)
	}
}

func TestPurgeTokens(t *testing.T) {
	f := newFixture(t, Options{SessionLimits: limits(time.Minute, 12*time.Hour)})
	ctx := context.Background()
	u := f.user(t, "pat", "")
	f.s.IssueToken(ctx, u.ID, SessionToken, "")
	f.s.IssueToken(ctx, u.ID, APIToken, "")
	f.clock.Advance(2 * time.Minute)
	n, err := f.s.PurgeTokens(ctx)
	if err != nil || n != 1 {
		t.Fatalf("PurgeTokens = %d, %v", n, err)
	}
	if ts, _ := f.s.Tokens(ctx, u.ID); len(ts) != 1 || ts[0].Kind != APIToken {
		t.Fatalf("left %+v", ts)
	}
}
