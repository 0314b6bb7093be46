package webdav_test

import (
	"strings"
	"testing"
	"time"

	"coffre/auth"
	"coffre/storage"
)

const lockBody = `<?xml version="1.0" encoding="utf-8"?><D:lockinfo xmlns:D="DAV:">` +
	`<D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype>` +
	`<D:owner><D:href>mailto:bob@example.com</D:href></D:owner></D:lockinfo>`

const sharedBody = `<?xml version="1.0" encoding="utf-8"?><lockinfo xmlns="DAV:">` +
	`<lockscope><shared/></lockscope><locktype><write/></locktype><owner>bob</owner></lockinfo>`

// lockToken returns the token of a LOCK answer.
func lockToken(t *testing.T, r response) string {
	t.Helper()
	tok := r.Header.Get("Lock-Token")
	if !strings.HasPrefix(tok, "<opaquelocktoken:") || !strings.HasSuffix(tok, ">") {
		t.Fatalf("Lock-Token %q", tok)
	}
	return tok[1 : len(tok)-1]
}

func TestLockFile(t *testing.T) {
	s := newServer(t)
	bob := s.As(s.Bob)
	put(t, bob, "/team/f.txt", "v1")

	r := s.req(t, s.Bob, "LOCK", "/dav/team/f.txt", lockBody, "Timeout: Second-600").want(t, 200)
	tok := lockToken(t, r)
	for _, want := range []string{"<D:exclusive/>", "<D:depth>0</D:depth>", tok, "mailto:bob@example.com", "<D:lockroot><D:href>/dav/team/f.txt</D:href>"} {
		if !strings.Contains(r.Body, want) {
			t.Errorf("LOCK answer lacks %q: %s", want, r.Body)
		}
	}
	// The lock is the namespace's.
	locks, err := bob.Locks(ctx, "/team/f.txt")
	if err != nil || len(locks) != 1 || locks[0].Token != tok || locks[0].Deep {
		t.Fatalf("namespace locks: %+v %v", locks, err)
	}
	if d := time.Until(locks[0].Expires); d < 590*time.Second || d > 610*time.Second {
		t.Errorf("expires in %v", d)
	}

	// Without the token, even its holder is refused (RFC 4918 §7.5).
	r = s.req(t, s.Bob, "PUT", "/dav/team/f.txt", "v2").want(t, 423)
	if !strings.Contains(r.Body, "lock-token-submitted") {
		t.Errorf("423 body: %s", r.Body)
	}
	s.req(t, s.Bob, "DELETE", "/dav/team/f.txt", "").want(t, 423)
	s.req(t, s.Bob, "MOVE", "/dav/team/f.txt", "", "Destination: /dav/team/g.txt").want(t, 423)
	s.req(t, s.Bob, "PROPPATCH", "/dav/team/f.txt", `<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:x>1</D:x></D:prop></D:set></D:propertyupdate>`).want(t, 423)
	// COPY of a locked source is fine.
	s.req(t, s.Bob, "COPY", "/dav/team/f.txt", "", "Destination: /dav/team/copy.txt").want(t, 201)
	// A second exclusive lock is refused.
	s.req(t, s.Bob, "LOCK", "/dav/team/f.txt", lockBody).want(t, 423)

	// With the token: untagged, tagged with the URL, with an entity tag.
	s.req(t, s.Bob, "PUT", "/dav/team/f.txt", "v2", "If: (<"+tok+">)").want(t, 204)
	s.req(t, s.Bob, "PUT", "/dav/team/f.txt", "v3", "If: <"+s.URL+"/dav/team/f.txt> (<"+tok+">)").want(t, 204)
	etag := s.req(t, s.Bob, "HEAD", "/dav/team/f.txt", "").Header.Get("ETag")
	s.req(t, s.Bob, "PUT", "/dav/team/f.txt", "v4", "If: (<"+tok+"> ["+etag+"])").want(t, 204)
	s.req(t, s.Bob, "PUT", "/dav/team/f.txt", "v5", "If: (<"+tok+"> ["+etag+"])").want(t, 412) // the ETag changed
	s.req(t, s.Bob, "PUT", "/dav/team/f.txt", "v5", "If: (<opaquelocktoken:00000000-0000-4000-8000-000000000000>)").want(t, 412)
	s.req(t, s.Bob, "PUT", "/dav/team/f.txt", "v5", "If: (Not <DAV:no-lock>)").want(t, 423) // holds, but no token
	s.req(t, s.Bob, "PUT", "/dav/team/f.txt", "v5", "If: (<"+tok+">").want(t, 400)
	if got := content(t, bob, "/team/f.txt"); got != "v4" {
		t.Errorf("content %q", got)
	}

	// Another user holding the token cannot use it.
	admin := s.As(s.Admin)
	put(t, admin, "/team/other.txt", "x")
	s.req(t, s.Admin, "PUT", "/dav/team/f.txt", "admin", "If: (<"+tok+">)").want(t, 423)

	// lockdiscovery.
	r = s.req(t, s.Bob, "PROPFIND", "/dav/team/", propfindBody("lockdiscovery"), "Depth: 1").want(t, 207)
	for _, m := range multistatus(t, r.Body) {
		has := strings.Contains(m.prop("lockdiscovery"), tok)
		if has != (m.Href == "/dav/team/f.txt") {
			t.Errorf("%s: lockdiscovery %q", m.Href, m.prop("lockdiscovery"))
		}
	}

	// Refresh, then UNLOCK.
	r = s.req(t, s.Bob, "LOCK", "/dav/team/f.txt", "", "If: (<"+tok+">)", "Timeout: Second-3600").want(t, 200)
	if !strings.Contains(r.Body, tok) || !strings.Contains(r.Body, "Second-3") {
		t.Errorf("refresh: %s", r.Body)
	}
	s.req(t, s.Bob, "LOCK", "/dav/team/f.txt", "", "If: (<opaquelocktoken:00000000-0000-4000-8000-000000000000>)").want(t, 412)
	s.req(t, s.Admin, "UNLOCK", "/dav/team/f.txt", "", "Lock-Token: <"+tok+">").want(t, 204) // administrators may
	s.req(t, s.Bob, "UNLOCK", "/dav/team/f.txt", "", "Lock-Token: <"+tok+">").want(t, 409)
	s.req(t, s.Bob, "PUT", "/dav/team/f.txt", "v5").want(t, 204)
}

func TestLockUnlockRules(t *testing.T) {
	s := newServer(t)
	put(t, s.As(s.Bob), "/team/f.txt", "x")
	put(t, s.As(s.Bob), "/team/g.txt", "x")
	tok := lockToken(t, s.req(t, s.Bob, "LOCK", "/dav/team/f.txt", lockBody).want(t, 200))
	// The token must be the resource's, and the caller's.
	s.req(t, s.Bob, "UNLOCK", "/dav/team/g.txt", "", "Lock-Token: <"+tok+">").want(t, 409)
	s.req(t, s.Bob, "UNLOCK", "/dav/team/f.txt", "", "Lock-Token: "+tok).want(t, 400)
	carol := s.newUser(t, "carol", auth.RoleUser)
	if err := s.As(s.Admin).SetGrant(ctx, "/team", storage.Subject{ID: carol.Principal.UserID}, storage.AllRights); err != nil {
		t.Fatal(err)
	}
	s.req(t, carol, "UNLOCK", "/dav/team/f.txt", "", "Lock-Token: <"+tok+">").want(t, 403)
	s.req(t, s.Bob, "UNLOCK", "/dav/team/f.txt", "", "Lock-Token: <"+tok+">").want(t, 204)
	// Bad lock requests.
	s.req(t, s.Bob, "LOCK", "/dav/team/f.txt", lockBody, "Depth: 1").want(t, 400)
	s.req(t, s.Bob, "LOCK", "/dav/team/f.txt", "<D:lockinfo xmlns:D='DAV:'/>").want(t, 400)
	s.req(t, s.Bob, "LOCK", "/dav/team/f.txt", "").want(t, 400)
	s.req(t, s.Bob, "LOCK", "/dav/", lockBody).want(t, 403)
}

func TestSharedLocks(t *testing.T) {
	s := newServer(t)
	put(t, s.As(s.Bob), "/team/s.txt", "x")
	t1 := lockToken(t, s.req(t, s.Bob, "LOCK", "/dav/team/s.txt", sharedBody).want(t, 200))
	t2 := lockToken(t, s.req(t, s.Bob, "LOCK", "/dav/team/s.txt", sharedBody).want(t, 200))
	s.req(t, s.Bob, "LOCK", "/dav/team/s.txt", lockBody).want(t, 423)
	s.req(t, s.Bob, "PUT", "/dav/team/s.txt", "y").want(t, 423)
	s.req(t, s.Bob, "PUT", "/dav/team/s.txt", "y", "If: (<"+t2+">)").want(t, 204)
	r := s.req(t, s.Bob, "PROPFIND", "/dav/team/s.txt", propfindBody("lockdiscovery"), "Depth: 0").want(t, 207)
	ld := multistatus(t, r.Body)[0].prop("lockdiscovery")
	if !strings.Contains(ld, t1) || !strings.Contains(ld, t2) || strings.Count(ld, "<D:shared/>") != 2 {
		t.Errorf("lockdiscovery: %s", ld)
	}
}

func TestLockCollection(t *testing.T) {
	s := newServer(t)
	bob := s.As(s.Bob)
	if _, err := bob.Mkdir(ctx, "/team/c"); err != nil {
		t.Fatal(err)
	}
	put(t, bob, "/team/c/in.txt", "x")
	tok := lockToken(t, s.req(t, s.Bob, "LOCK", "/dav/team/c/", lockBody).want(t, 200))
	if r := s.req(t, s.Bob, "PROPFIND", "/dav/team/c/in.txt", propfindBody("lockdiscovery"), "Depth: 0"); !strings.Contains(r.Body, "<D:lockroot><D:href>/dav/team/c/</D:href>") {
		t.Errorf("lockdiscovery of a member: %s", r.Body)
	}
	// Members are covered by a deep lock; new members too.
	s.req(t, s.Bob, "PUT", "/dav/team/c/in.txt", "y").want(t, 423)
	s.req(t, s.Bob, "PUT", "/dav/team/c/new.txt", "y").want(t, 423)
	s.req(t, s.Bob, "MKCOL", "/dav/team/c/sub", "").want(t, 423)
	s.req(t, s.Bob, "PUT", "/dav/team/c/new.txt", "y", "If: (<"+tok+">)").want(t, 201)
	s.req(t, s.Bob, "PUT", "/dav/team/c/in.txt", "y", "If: <"+s.URL+"/dav/team/c/> (<"+tok+">)").want(t, 204)
	// The folder itself cannot go without the token.
	s.req(t, s.Bob, "DELETE", "/dav/team/c/", "").want(t, 423)
	s.req(t, s.Bob, "MOVE", "/dav/team/c/", "", "Destination: /dav/team/d/").want(t, 423)
	// A lock below stops deleting the folder above.
	s.req(t, s.Bob, "UNLOCK", "/dav/team/c/", "", "Lock-Token: <"+tok+">").want(t, 204)
	inner := lockToken(t, s.req(t, s.Bob, "LOCK", "/dav/team/c/in.txt", lockBody).want(t, 200))
	s.req(t, s.Bob, "DELETE", "/dav/team/c/", "").want(t, 423)
	s.req(t, s.Bob, "DELETE", "/dav/team/c/", "", "If: </dav/team/c/in.txt> (<"+inner+">)").want(t, 204)

	// Locking an unmapped URL creates an empty file (RFC 4918 §7.3).
	r := s.req(t, s.Bob, "LOCK", "/dav/team/unmapped.txt", lockBody).want(t, 201)
	if info, err := bob.Stat(ctx, "/team/unmapped.txt"); err != nil || info.Size != 0 {
		t.Fatalf("unmapped: %+v %v", info, err)
	}
	s.req(t, s.Bob, "PUT", "/dav/team/unmapped.txt", "now", "If: (<"+lockToken(t, r)+">)").want(t, 204)
	s.req(t, s.Bob, "LOCK", "/dav/team/nofolder/x.txt", lockBody).want(t, 409)
}

// A lock taken through the namespace (as the S3 or REST front end would)
// stops WebDAV writers, and a WebDAV lock stops namespace writers.
func TestLocksAcrossProtocols(t *testing.T) {
	s := newServer(t)
	admin := s.As(s.Admin)
	bob := s.As(s.Bob)
	put(t, bob, "/team/shared.doc", "v1")
	l, err := admin.Lock(ctx, "/team/shared.doc", storage.LockOptions{Owner: "REST client"})
	if err != nil {
		t.Fatal(err)
	}
	s.req(t, s.Bob, "PUT", "/dav/team/shared.doc", "bob").want(t, 423)
	s.req(t, s.Bob, "PUT", "/dav/team/shared.doc", "bob", "If: (<"+l.Token+">)").want(t, 423)
	s.req(t, s.Bob, "DELETE", "/dav/team/shared.doc", "").want(t, 423)
	s.req(t, s.Bob, "LOCK", "/dav/team/shared.doc", lockBody).want(t, 423)
	r := s.req(t, s.Bob, "PROPFIND", "/dav/team/shared.doc", propfindBody("lockdiscovery"), "Depth: 0").want(t, 207)
	if ld := multistatus(t, r.Body)[0].prop("lockdiscovery"); !strings.Contains(ld, "REST client") || !strings.Contains(ld, l.Token) {
		t.Errorf("lockdiscovery: %s", ld)
	}
	// The holder writes through WebDAV with the token.
	s.req(t, s.Admin, "PUT", "/dav/team/shared.doc", "admin", "If: (<"+l.Token+">)").want(t, 204)
	if err := admin.Unlock(ctx, l.Token); err != nil {
		t.Fatal(err)
	}

	tok := lockToken(t, s.req(t, s.Bob, "LOCK", "/dav/team/shared.doc", lockBody).want(t, 200))
	_, err = admin.Put(ctx, "/team/shared.doc", strings.NewReader("x"), storage.PutOptions{Size: 1})
	if !storage.Is(storage.Locked, err) {
		t.Fatalf("namespace write under a WebDAV lock: %v", err)
	}
	if err := admin.Delete(ctx, "/team/shared.doc", storage.DeleteOptions{}); !storage.Is(storage.Locked, err) {
		t.Fatalf("namespace delete under a WebDAV lock: %v", err)
	}
	s.req(t, s.Bob, "UNLOCK", "/dav/team/shared.doc", "", "Lock-Token: <"+tok+">").want(t, 204)
}
