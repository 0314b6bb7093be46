package auth

import (
	"context"
	"testing"
	"time"

	"coffre/storage"
	"coffre/storage/audit"
)

func TestCacheSkipsHashAndInvalidates(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	f.user(t, "gina", "first-password")
	if _, err := f.s.Login(ctx, "gina", "first-password", local); err != nil {
		t.Fatal(err)
	}
	if f.s.cache.len() != 1 {
		t.Fatalf("cache has %d entries after a login", f.s.cache.len())
	}
	// A cached login must not hash: hold every hashing slot and log in.
	for range cap(f.s.hashes) {
		f.s.hashes <- struct{}{}
	}
	done := make(chan error, 1)
	go func() { _, err := f.s.Login(ctx, "gina", "first-password", local); done <- err }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a cached login waited for a hashing slot")
	}
	for range cap(f.s.hashes) {
		<-f.s.hashes
	}
	// A wrong password is never a hit.
	if _, err := f.s.Login(ctx, "gina", "first-passwordX", local); !storage.Is(storage.Unauthenticated, err) {
		t.Fatal(err)
	}
	// A password change drops the cache: the old password fails at once.
	if err := f.s.SetPassword(ctx, "gina", "second-password"); err != nil {
		t.Fatal(err)
	}
	if f.s.cache.len() != 0 {
		t.Fatal("password change left cache entries")
	}
	if _, err := f.s.Login(ctx, "gina", "first-password", local); !storage.Is(storage.Unauthenticated, err) {
		t.Fatalf("old password after change: %v", err)
	}
	if _, err := f.s.Login(ctx, "gina", "second-password", local); err != nil {
		t.Fatal(err)
	}
	// Entries expire.
	f.clock.Advance(61 * time.Second)
	if f.s.cache.hit("gina", "second-password", "x", "y", f.clock.Now()) {
		t.Fatal("hit for another user")
	}
	u, _ := f.s.userByLogin("t", "gina")
	if f.s.cache.hit("gina", "second-password", u.ID, u.Password, f.clock.Now()) {
		t.Fatal("expired entry hit")
	}
	// Deactivation drops the entries too.
	f.s.Login(ctx, "gina", "second-password", local)
	off := false
	f.s.UpdateUser(ctx, "gina", UserChange{Active: &off})
	if f.s.cache.len() != 0 {
		t.Fatal("deactivation left cache entries")
	}
}

func TestCacheDisabled(t *testing.T) {
	f := newFixture(t, Options{CacheTTL: -1})
	f.user(t, "hank", "hank-password")
	if _, err := f.s.Login(context.Background(), "hank", "hank-password", local); err != nil {
		t.Fatal(err)
	}
	if f.s.cache.len() != 0 {
		t.Fatal("disabled cache filled")
	}
}

func TestLoginWithoutPassword(t *testing.T) {
	f := newFixture(t, Options{})
	f.user(t, "keyonly", "")
	if _, err := f.s.Login(context.Background(), "keyonly", "", local); !storage.Is(storage.Unauthenticated, err) {
		t.Fatalf("empty password on an account without one: %v", err)
	}
}

func TestBackoff(t *testing.T) {
	f := newFixture(t, Options{Backoff: BackoffOptions{AccountFree: 2, AddressFree: 100, Base: time.Second, Max: 8 * time.Second}})
	ctx := context.Background()
	f.user(t, "ivan", "ivan-password")
	for i := range 2 {
		if _, err := f.s.Login(ctx, "ivan", "wrong", local); !storage.Is(storage.Unauthenticated, err) {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	// Third failure starts a 1 s back-off.
	f.s.Login(ctx, "ivan", "wrong", local)
	_, err := f.s.Login(ctx, "ivan", "ivan-password", local)
	if d, ok := RetryAfter(err); !storage.Is(storage.Unavailable, err) || !ok || d != time.Second {
		t.Fatalf("right password during back-off: %v (retry %v)", err, d)
	}
	// Another login from elsewhere is refused too: the account is backed off.
	if _, err := f.s.Login(ctx, "IVAN", "ivan-password", Origin{IP: "198.51.100.1"}); !storage.Is(storage.Unavailable, err) {
		t.Fatalf("other address: %v", err)
	}
	f.clock.Advance(time.Second)
	f.s.Login(ctx, "ivan", "wrong", local) // fourth: 2 s
	_, err = f.s.Login(ctx, "ivan", "ivan-password", local)
	if d, _ := RetryAfter(err); d != 2*time.Second {
		t.Fatalf("second back-off %v", d)
	}
	for range 5 { // grows to the cap
		f.clock.Advance(time.Minute)
		f.s.Login(ctx, "ivan", "wrong", local)
	}
	_, err = f.s.Login(ctx, "ivan", "ivan-password", local)
	if d, _ := RetryAfter(err); d != 8*time.Second {
		t.Fatalf("capped back-off %v", d)
	}
	f.clock.Advance(8 * time.Second)
	if _, err := f.s.Login(ctx, "ivan", "ivan-password", local); err != nil {
		t.Fatalf("after the back-off: %v", err)
	}
	// Success reset the account: two failures are free again.
	for range 2 {
		f.s.Login(ctx, "ivan", "wrong", local)
	}
	if _, err := f.s.Login(ctx, "ivan", "ivan-password", local); err != nil {
		t.Fatalf("counter not reset by success: %v", err)
	}
}

func TestBackoffPerAddress(t *testing.T) {
	f := newFixture(t, Options{Backoff: BackoffOptions{AccountFree: 100, AddressFree: 3}})
	ctx := context.Background()
	f.user(t, "judy", "judy-password")
	attacker := Origin{IP: "2001:db8:1:2::1"}
	for i := range 4 { // different accounts, one /64
		attacker.IP = "2001:db8:1:2::" + string(rune('1'+i))
		f.s.Login(ctx, "guess"+string(rune('a'+i)), "x", attacker)
	}
	if _, err := f.s.Login(ctx, "judy", "judy-password", Origin{IP: "2001:db8:1:2:ffff::9"}); !storage.Is(storage.Unavailable, err) {
		t.Fatalf("same /64: %v", err)
	}
	if _, err := f.s.Login(ctx, "judy", "judy-password", Origin{IP: "2001:db8:1:3::1"}); err != nil {
		t.Fatalf("other /64: %v", err)
	}
	// Quiet for Forget: the counter starts again.
	f.clock.Advance(2 * time.Hour)
	if _, err := f.s.Login(ctx, "judy", "judy-password", attacker); err != nil {
		t.Fatal(err)
	}
}

func TestLoginAudited(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	u := f.user(t, "kate", "kate-password")
	o := Origin{IP: "192.0.2.1", UserAgent: "curl/8", Protocol: "webdav"}
	f.s.Login(ctx, "kate", "wrong-password", o)
	f.s.Login(ctx, "kate", "kate-password", o)
	ev := f.audit.all()
	if len(ev) != 2 {
		t.Fatalf("events %+v", ev)
	}
	if ev[0].OK || ev[0].Type != "login" || ev[0].Login != "kate" || ev[0].IP != "192.0.2.1" || ev[0].Protocol != "webdav" {
		t.Fatalf("failure event %+v", ev[0])
	}
	if !ev[1].OK || ev[1].UserID != u.ID || ev[1].UserAgent != "curl/8" {
		t.Fatalf("success event %+v", ev[1])
	}
	for _, e := range ev {
		for _, s := range []string{e.Detail, e.ObjectName, e.Login} {
			if s == "kate-password" || s == "wrong-password" {
				t.Fatalf("password in audit %+v", e)
			}
		}
	}
	// A nil auditor is fine.
	g := newFixture(t, Options{})
	g.s.audit = nil
	g.user(t, "x", "x-password")
	if _, err := g.s.Login(ctx, "x", "x-password", local); err != nil {
		t.Fatal(err)
	}
}

// The audit log of storage/audit is an Auditor as it is.
func TestAuditLogIsAnAuditor(t *testing.T) {
	m := openMeta(t, t.TempDir())
	l, err := audit.New(m, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rec := &lastEntry{l: l}
	s, err := New(m, masterKey(1), Options{Argon2: cheap, Audit: rec})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUser(context.Background(), NewUser{Login: "tom", Password: "tom-password"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Login(context.Background(), "tom", "tom-password", local); err != nil {
		t.Fatal(err)
	}
	e, err := l.Get(rec.last.ID)
	if err != nil || e.Type != "login" || !e.OK || e.Login != "tom" {
		t.Fatalf("audit entry %+v, %v", e, err)
	}
}

// lastEntry passes entries to an audit log and keeps the last one stored.
type lastEntry struct {
	l    *audit.Log
	last audit.Entry
}

func (r *lastEntry) Record(e audit.Entry) (audit.Entry, error) {
	e, err := r.l.Record(e)
	r.last = e
	return e, err
}

// Issue 8: one login entry per login, from the address without its port, on
// the account it tried.
func TestLoginAuditRules(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	u := f.user(t, "lena", "lena-password")
	dav := Origin{IP: "192.0.2.9:51234", Protocol: "webdav", PerRequest: true}
	rest := Origin{IP: "192.0.2.9", Protocol: "rest"}
	f.s.Login(ctx, "lena", "wrong-password", dav)   // audited, on lena's account
	f.s.Login(ctx, "nobody", "wrong-password", dav) // audited, on no account
	for range 3 {                                   // one verification: one login
		if _, err := f.s.Login(ctx, "lena", "lena-password", dav); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.s.Login(ctx, "lena", "lena-password", rest); err != nil { // a session each time
		t.Fatal(err)
	}
	f.clock.Advance(2 * time.Minute) // the cache forgets: verified again
	if _, err := f.s.Login(ctx, "lena", "lena-password", dav); err != nil {
		t.Fatal(err)
	}
	ev := f.audit.all()
	want := []struct {
		user     string
		ok       bool
		protocol string
	}{{u.ID, false, "webdav"}, {"", false, "webdav"}, {u.ID, true, "webdav"}, {u.ID, true, "rest"}, {u.ID, true, "webdav"}}
	if len(ev) != len(want) {
		t.Fatalf("%d entries, want %d: %+v", len(ev), len(want), ev)
	}
	for i, w := range want {
		if e := ev[i]; e.UserID != w.user || e.OK != w.ok || e.Protocol != w.protocol || e.IP != "192.0.2.9" {
			t.Errorf("entry %d: %+v, want %+v from 192.0.2.9", i, e, w)
		}
	}
}
