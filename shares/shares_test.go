package shares_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"coffre/auth"
	"coffre/internal/teststack"
	"coffre/shares"
	"coffre/storage"
	"coffre/storage/audit"
	"coffre/storage/engine"
)

var ctx = context.Background()

// fixture is a store of links over the real engine and auth, with a clock.
type fixture struct {
	*teststack.Stack
	links      *shares.Store
	admin, bob teststack.User
	now        atomic.Int64
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st := teststack.New(t, engine.Options{})
	f := &fixture{Stack: st, admin: st.NewUser(t, "admin", auth.RoleAdmin), bob: st.NewUser(t, "bob", auth.RoleUser)}
	f.now.Store(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC).UnixNano())
	links, err := shares.New(st.Meta, shares.Options{
		Service:   st.Engine,
		Owner:     st.Auth.ActivePrincipal,
		Passwords: st.Auth,
		Audit:     st.Audit,
		Now:       func() time.Time { return time.Unix(0, f.now.Load()) },
	})
	if err != nil {
		t.Fatal(err)
	}
	f.links = links
	ns := st.As(f.admin)
	for _, d := range []string{"/team", "/team/docs", "/team/inbox"} {
		if _, err := ns.Mkdir(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	f.put(t, "/team/docs/a.txt", "alpha")
	f.put(t, "/team/docs/b.txt", "beta")
	f.put(t, "/team/secret.txt", "secret")
	return f
}

func (f *fixture) put(t *testing.T, path, data string) storage.Info {
	t.Helper()
	info, err := f.As(f.admin).Put(ctx, path, strings.NewReader(data), storage.PutOptions{Size: int64(len(data))})
	if err != nil {
		t.Fatal(err)
	}
	return info
}

func (f *fixture) id(t *testing.T, path string) storage.NodeID {
	t.Helper()
	info, err := f.As(f.admin).Stat(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	return info.ID
}

func (f *fixture) create(t *testing.T, in shares.NewLink) (shares.Link, string) {
	t.Helper()
	l, key, err := f.links.Create(ctx, f.admin.Principal, in)
	if err != nil {
		t.Fatal(err)
	}
	return l, key
}

var visitor = shares.Visitor{IP: "192.0.2.10", UserAgent: "Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0"}

func read(t *testing.T, obj storage.Object) string {
	t.Helper()
	defer obj.Close()
	b, err := io.ReadAll(io.NewSectionReader(obj, 0, obj.Info().Size))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func names(infos []storage.Info) string {
	var out []string
	for _, i := range infos {
		out = append(out, i.Name)
	}
	return strings.Join(out, ",")
}

func TestDownloadLink(t *testing.T) {
	f := newFixture(t)
	docs := f.id(t, "/team/docs")
	l, key := f.create(t, shares.NewLink{Kind: shares.DownloadLink, Name: "docs", Targets: []storage.NodeID{docs}})
	if len(key) != 64 || l.KeyHint != key[:6] || l.HasPassword {
		t.Fatalf("created %+v with key %q", l, key)
	}
	if _, err := f.links.Open(ctx, strings.Repeat("0", 64), visitor); !errors.Is(err, shares.ErrUnknown) || !storage.Is(storage.NotFound, err) {
		t.Fatalf("unknown key: %v", err)
	}
	vis, err := f.links.Open(ctx, key, visitor)
	if err != nil {
		t.Fatal(err)
	}
	roots, err := vis.Roots(ctx)
	if err != nil || names(roots) != "docs" {
		t.Fatalf("roots %s, %v", names(roots), err)
	}
	page, err := vis.List(ctx, docs, storage.ListOptions{})
	if err != nil || names(page.Items) != "a.txt,b.txt" {
		t.Fatalf("list %s, %v", names(page.Items), err)
	}
	a := page.Items[0]
	if rel := vis.Rel(ctx, a); rel != "docs/a.txt" {
		t.Fatalf("Rel = %q", rel)
	}
	// Nothing outside the target: not the folder above, not a sibling file.
	for _, p := range []string{"/team", "/team/secret.txt"} {
		if _, err := vis.Stat(ctx, f.id(t, p)); !storage.Is(storage.NotFound, err) {
			t.Fatalf("%s through the link: %v", p, err)
		}
	}
	d, err := vis.Take(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := d.Open(ctx, a.ID)
	if err != nil || read(t, obj) != "alpha" {
		t.Fatalf("download: %v", err)
	}
	if _, err := d.Open(ctx, f.id(t, "/team/secret.txt")); !storage.Is(storage.NotFound, err) {
		t.Fatalf("a file outside the link opened: %v", err)
	}
	// A download link takes no upload unless it says so.
	if _, err := vis.Upload(ctx, docs, "x", strings.NewReader("x"), 1); !storage.Is(storage.Permission, err) {
		t.Fatalf("upload through a download link: %v", err)
	}
	evs, err := f.links.Events(ctx, l.ID)
	if err != nil || len(evs) != 2 || evs[0].Action != "access" || evs[1].Action != "download" || evs[1].Browser != "Firefox 128.0" || evs[1].OS != "Linux" {
		t.Fatalf("events %+v, %v", evs, err)
	}
	got, _ := f.links.Get(ctx, l.ID)
	if got.Downloads != 1 {
		t.Fatalf("downloads %d", got.Downloads)
	}
	wantAudit(t, f, "share_link_create", "share_link_access", "share_link_download")
}

func wantAudit(t *testing.T, f *fixture, types ...string) {
	t.Helper()
	page, err := f.Audit.Query(ctx, audit.Query{Types: types, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range page.Entries {
		seen[e.Type] = true
	}
	for _, typ := range types {
		if !seen[typ] {
			t.Errorf("no audit entry of type %s", typ)
		}
	}
}

func TestCreateNeedsShareRight(t *testing.T) {
	f := newFixture(t)
	docs := f.id(t, "/team/docs")
	in := shares.NewLink{Kind: shares.DownloadLink, Targets: []storage.NodeID{docs}}
	if _, _, err := f.links.Create(ctx, f.bob.Principal, in); !storage.Is(storage.NotFound, err) {
		t.Fatalf("bob, who cannot see the folder: %v", err)
	}
	if err := f.As(f.admin).SetGrant(ctx, "/team/docs", storage.Subject{ID: f.bob.Principal.UserID}, storage.Browse|storage.Read|storage.Download); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.links.Create(ctx, f.bob.Principal, in); !storage.Is(storage.Permission, err) {
		t.Fatalf("bob without the share right: %v", err)
	}
	if err := f.As(f.admin).SetGrant(ctx, "/team/docs", storage.Subject{ID: f.bob.Principal.UserID}, storage.Browse|storage.Read|storage.Download|storage.Share); err != nil {
		t.Fatal(err)
	}
	l, key, err := f.links.Create(ctx, f.bob.Principal, in)
	if err != nil {
		t.Fatal(err)
	}
	// The link holds no more than its owner: revoke bob's entry and it is revoked.
	if err := f.As(f.admin).SetGrant(ctx, "/team/docs", storage.Subject{ID: f.bob.Principal.UserID}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.links.Open(ctx, key, visitor); !errors.Is(err, shares.ErrRevoked) || !shares.Gone(err) {
		t.Fatalf("link of an owner who lost the right: %v", err)
	}
	if _, err := f.links.Update(ctx, f.bob.Principal, l.ID, shares.Change{}); err != nil {
		t.Fatalf("the owner updates: %v", err)
	}
	other := f.NewUser(t, "carol", auth.RoleUser)
	if _, err := f.links.Update(ctx, other.Principal, l.ID, shares.Change{}); !storage.Is(storage.Permission, err) {
		t.Fatalf("another user updates: %v", err)
	}
	for _, bad := range []shares.NewLink{
		{Kind: shares.DownloadLink},
		{Kind: 9, Targets: []storage.NodeID{docs}},
		{Kind: shares.DepositLink, Targets: []storage.NodeID{f.id(t, "/team/secret.txt")}},
		{Kind: shares.DownloadLink, Targets: []storage.NodeID{docs}, Consent: true},
		{Kind: shares.DownloadLink, Targets: []storage.NodeID{docs}, AllowedIPs: []string{"nope"}},
		{Kind: shares.DownloadLink, Targets: []storage.NodeID{docs}, Expires: time.Unix(0, f.now.Load()).Add(-time.Hour)},
	} {
		if _, _, err := f.links.Create(ctx, f.admin.Principal, bad); err == nil {
			t.Errorf("created %+v", bad)
		}
	}
}

func TestMaxDownloadsUnderConcurrency(t *testing.T) {
	f := newFixture(t)
	file := f.id(t, "/team/docs/a.txt")
	_, key := f.create(t, shares.NewLink{Kind: shares.DownloadLink, Targets: []storage.NodeID{file}, MaxDownloads: 3})
	var ok, gone atomic.Int32
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			vis, err := f.links.Open(ctx, key, visitor)
			if err != nil {
				if errors.Is(err, shares.ErrExhausted) {
					gone.Add(1)
					return
				}
				t.Error(err)
				return
			}
			if _, err := vis.Take(ctx, file); err == nil {
				ok.Add(1)
			} else if errors.Is(err, shares.ErrExhausted) {
				gone.Add(1)
			} else {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 3 || gone.Load() != 7 {
		t.Fatalf("%d downloads and %d refusals, want 3 and 7", ok.Load(), gone.Load())
	}
	if _, err := f.links.Open(ctx, key, visitor); !errors.Is(err, shares.ErrExhausted) || !shares.Gone(err) {
		t.Fatalf("an exhausted link opens: %v", err)
	}
}

func TestExpiryDisableAndAddresses(t *testing.T) {
	f := newFixture(t)
	docs := f.id(t, "/team/docs")
	now := time.Unix(0, f.now.Load())
	l, key := f.create(t, shares.NewLink{Kind: shares.DownloadLink, Targets: []storage.NodeID{docs}, Expires: now.Add(time.Hour),
		AllowedIPs: []string{"192.0.2.0/24", "2001:db8::1"}})
	if _, err := f.links.Open(ctx, key, visitor); err != nil {
		t.Fatal(err)
	}
	for _, ip := range []string{"198.51.100.1", "2001:db8::2", ""} {
		if _, err := f.links.Open(ctx, key, shares.Visitor{IP: ip}); !errors.Is(err, shares.ErrAddress) || !storage.Is(storage.Permission, err) {
			t.Fatalf("from %q: %v", ip, err)
		}
	}
	if _, err := f.links.Open(ctx, key, shares.Visitor{IP: "2001:db8::1"}); err != nil {
		t.Fatalf("from an allowed IPv6 address: %v", err)
	}
	disabled := true
	if _, err := f.links.Update(ctx, f.admin.Principal, l.ID, shares.Change{Disabled: &disabled}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.links.Open(ctx, key, visitor); !errors.Is(err, shares.ErrDisabled) {
		t.Fatalf("disabled: %v", err)
	}
	disabled = false
	f.links.Update(ctx, f.admin.Principal, l.ID, shares.Change{Disabled: &disabled})
	f.now.Add(int64(2 * time.Hour))
	if _, err := f.links.Open(ctx, key, visitor); !errors.Is(err, shares.ErrExpired) {
		t.Fatalf("expired: %v", err)
	}
	if links, err := f.links.List(ctx, shares.Query{OwnerID: f.admin.Principal.UserID}); err != nil || len(links) != 1 {
		t.Fatalf("an expired link is still listed: %d, %v", len(links), err)
	}
}

func TestPasswordAndConsent(t *testing.T) {
	f := newFixture(t)
	file := f.id(t, "/team/docs/a.txt")
	l, key := f.create(t, shares.NewLink{Kind: shares.DownloadLink, Targets: []storage.NodeID{file}, Password: "open sesame",
		Consent: true, ConsentText: "J'accepte."})
	vis, err := f.links.Open(ctx, key, visitor)
	if err != nil {
		t.Fatal(err)
	}
	if !vis.NeedsPassword() || !vis.NeedsConsent() {
		t.Fatal("the visit needs nothing")
	}
	if _, err := vis.Roots(ctx); !errors.Is(err, shares.ErrConsent) {
		t.Fatalf("before consent: %v", err)
	}
	consent, err := vis.AcceptConsent(ctx)
	if err != nil || consent == "" {
		t.Fatal(err)
	}
	if _, err := vis.Take(ctx, file); !errors.Is(err, shares.ErrPassword) {
		t.Fatalf("before the password: %v", err)
	}
	if _, err := vis.Unlock(ctx, "wrong"); !storage.Is(storage.Unauthenticated, err) {
		t.Fatalf("wrong password: %v", err)
	}
	access, err := vis.Unlock(ctx, "open sesame")
	if err != nil || access == "" {
		t.Fatal(err)
	}
	if _, err := vis.Take(ctx, file); err != nil {
		t.Fatal(err)
	}
	// A new visit with both tokens needs nothing more; bad tokens do not count.
	vis2, _ := f.links.Open(ctx, key, visitor)
	if vis2.UseAccessToken("forged") || vis2.UseConsentToken(access) {
		t.Fatal("a forged token or a token of the wrong kind was accepted")
	}
	if !vis2.UseAccessToken(access) || !vis2.UseConsentToken(consent) {
		t.Fatal("the tokens were refused")
	}
	if _, err := vis2.Roots(ctx); err != nil {
		t.Fatal(err)
	}
	// The access token lasts two hours; a new consent text asks again.
	text := "Nouveau texte."
	if _, err := f.links.Update(ctx, f.admin.Principal, l.ID, shares.Change{ConsentText: &text}); err != nil {
		t.Fatal(err)
	}
	f.now.Add(int64(3 * time.Hour))
	vis3, _ := f.links.Open(ctx, key, visitor)
	if vis3.UseConsentToken(consent) || vis3.UseAccessToken(access) {
		t.Fatal("a token outlived its text or its time")
	}
	wantAudit(t, f, "consent_accepted")
	// Neither the key nor the password is stored in clear.
	for _, secret := range []string{key, "open sesame", access, consent} {
		if found := scanFor(t, f, secret); found {
			t.Fatalf("%q is stored in clear", secret)
		}
	}
}

// scanFor reports whether s appears in any key or value of the store.
func scanFor(t *testing.T, f *fixture, s string) bool {
	t.Helper()
	found := false
	err := f.Meta.Scan(nil, []byte{0xff}, func(k, v []byte) error {
		if bytes.Contains(k, []byte(s)) || bytes.Contains(v, []byte(s)) {
			found = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

func TestDepositLink(t *testing.T) {
	f := newFixture(t)
	inbox := f.id(t, "/team/inbox")
	f.put(t, "/team/inbox/old.txt", "old")
	_, key := f.create(t, shares.NewLink{Kind: shares.DepositLink, Targets: []storage.NodeID{inbox}, UploadLimit: 10})
	vis, err := f.links.Open(ctx, key, visitor)
	if err != nil {
		t.Fatal(err)
	}
	info, err := vis.Upload(ctx, 0, "report.pdf", strings.NewReader("12345"), 5)
	if err != nil || info.Name != "report.pdf" {
		t.Fatalf("upload: %+v, %v", info, err)
	}
	info, err = vis.Upload(ctx, inbox, "report.pdf", strings.NewReader("67890"), -1)
	if err != nil || info.Name != "report (2).pdf" {
		t.Fatalf("second upload of the name: %+v, %v", info, err)
	}
	if _, err := vis.Upload(ctx, inbox, "big", strings.NewReader("01234567890"), 11); !storage.Is(storage.TooLarge, err) {
		t.Fatalf("announced over the limit: %v", err)
	}
	if _, err := vis.Upload(ctx, inbox, "big", strings.NewReader("01234567890"), -1); !storage.Is(storage.TooLarge, err) {
		t.Fatalf("streamed over the limit: %v", err)
	}
	if _, err := f.As(f.admin).Stat(ctx, "/team/inbox/big"); !storage.Is(storage.NotFound, err) {
		t.Fatalf("an upload over the limit was stored: %v", err)
	}
	// A deposit link neither lists nor reads.
	if page, err := vis.List(ctx, inbox, storage.ListOptions{}); err == nil && len(page.Items) > 0 {
		t.Fatalf("a deposit link lists %s", names(page.Items))
	}
	if _, err := vis.Take(ctx, inbox); !storage.Is(storage.Permission, err) {
		t.Fatalf("download through a deposit link: %v", err)
	}
	if _, err := vis.Stat(ctx, f.id(t, "/team/inbox/old.txt")); !storage.Is(storage.NotFound, err) {
		t.Fatalf("a deposit link sees a file: %v", err)
	}
	got, err := f.As(f.admin).Open(ctx, "/team/inbox/report (2).pdf")
	if err != nil || read(t, got) != "67890" {
		t.Fatalf("the deposited file: %v", err)
	}
	wantAudit(t, f, "share_link_upload")
}

func TestPinnedVersion(t *testing.T) {
	f := newFixture(t)
	file := f.id(t, "/team/docs/a.txt")
	_, pinned := f.create(t, shares.NewLink{Kind: shares.DownloadLink, Targets: []storage.NodeID{file}})
	_, follows := f.create(t, shares.NewLink{Kind: shares.DownloadLink, Targets: []storage.NodeID{file}, AutoUpdate: true})
	f.put(t, "/team/docs/a.txt", "alpha, second version")
	for key, want := range map[string]string{pinned: "alpha", follows: "alpha, second version"} {
		vis, err := f.links.Open(ctx, key, visitor)
		if err != nil {
			t.Fatal(err)
		}
		roots, err := vis.Roots(ctx)
		if err != nil || len(roots) != 1 || roots[0].Size != int64(len(want)) {
			t.Fatalf("roots %+v, %v", roots, err)
		}
		d, err := vis.Take(ctx, file)
		if err != nil {
			t.Fatal(err)
		}
		obj, err := d.Open(ctx, file)
		if err != nil || read(t, obj) != want {
			t.Fatalf("read %v, want %q", err, want)
		}
		// A file link shows that file only, not its siblings.
		if _, err := vis.Stat(ctx, f.id(t, "/team/docs/b.txt")); !storage.Is(storage.NotFound, err) {
			t.Fatalf("a sibling through a file link: %v", err)
		}
		if _, err := vis.List(ctx, f.id(t, "/team/docs"), storage.ListOptions{}); !storage.Is(storage.NotFound, err) {
			t.Fatalf("the folder of a file link: %v", err)
		}
	}
}

func TestParseUserAgent(t *testing.T) {
	for ua, want := range map[string][3]any{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36":       {"Chrome 126.0.0.0", "Windows", 1},
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15": {"Safari 17.5", "Mac OS X", 2},
		"Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Version/17.5 Mobile/15E148 Safari/604.1":   {"Safari 17.5", "iOS", 5},
		"curl/8.5.0": {"curl 8.5.0", "", 0},
	} {
		b, os, typ := shares.ParseUserAgent(ua)
		if b != want[0] || os != want[1] || typ != want[2] {
			t.Errorf("%s: %q %q %d", ua, b, os, typ)
		}
	}
}

// Changing a pinned link keeps the versions pinned before.
func TestUpdateKeepsPins(t *testing.T) {
	f := newFixture(t)
	a, b := f.id(t, "/team/docs/a.txt"), f.id(t, "/team/docs/b.txt")
	l, key := f.create(t, shares.NewLink{Kind: shares.DownloadLink, Targets: []storage.NodeID{a}})
	f.put(t, "/team/docs/a.txt", "alpha 2")
	targets := []storage.NodeID{a, b}
	if _, err := f.links.Update(ctx, f.admin.Principal, l.ID, shares.Change{Targets: &targets}); err != nil {
		t.Fatal(err)
	}
	vis, err := f.links.Open(ctx, key, visitor)
	if err != nil {
		t.Fatal(err)
	}
	d, err := vis.Take(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := d.Open(ctx, a)
	if err != nil || read(t, obj) != "alpha" {
		t.Fatalf("adding a target moved the pinned file to its new version: %v", err)
	}
}

// A download through a link is one audit entry (issue 8): the file's
// share_link_download, by the link, and no access entry for a request that
// only downloads.
func TestLinkDownloadIsOneEntry(t *testing.T) {
	f := newFixture(t)
	file := f.id(t, "/team/docs/a.txt")
	l, key := f.create(t, shares.NewLink{Kind: shares.DownloadLink, Targets: []storage.NodeID{file}})
	before, err := f.Audit.Query(ctx, audit.Query{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	acting := visitor
	acting.Acting = true
	vis, err := f.links.Open(ctx, key, acting)
	if err != nil {
		t.Fatal(err)
	}
	d, err := vis.Take(ctx, file)
	if err != nil {
		t.Fatal(err)
	}
	obj, err := d.Open(ctx, file)
	if err != nil || read(t, obj) != "alpha" {
		t.Fatalf("download: %v", err)
	}
	after, err := f.Audit.Query(ctx, audit.Query{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	added := after.Entries[len(before.Entries):]
	share := fmt.Sprintf("share:%d", l.ID)
	if len(added) != 1 || added[0].Type != "share_link_download" || added[0].UserID != share ||
		added[0].ObjectID != uint64(file) || added[0].ObjectName != "/team/docs/a.txt" || added[0].IP != visitor.IP {
		t.Fatalf("entries of one download: %+v", added)
	}
}
