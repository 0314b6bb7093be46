package webdav_test

import (
	"strings"
	"testing"

	"coffre/auth"
	"coffre/storage"
)

// Rights decide everything, and what the caller may not see does not
// exist for them.
func TestRights(t *testing.T) {
	s := newServer(t)
	admin := s.As(s.Admin)
	carol := s.newUser(t, "carol", auth.RoleUser)
	for _, d := range []string{"/team/sub", "/team/hidden"} {
		if _, err := admin.Mkdir(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	put(t, admin, "/team/top.txt", "top")
	put(t, admin, "/team/sub/f.txt", "f")
	put(t, admin, "/team/hidden/h.txt", "h")
	grant := func(path string, r storage.Rights) {
		t.Helper()
		if err := admin.SetGrant(ctx, path, storage.Subject{ID: carol.Principal.UserID}, r); err != nil {
			t.Fatal(err)
		}
	}
	hrefs := func(path string) string {
		t.Helper()
		var out []string
		for _, m := range multistatus(t, s.req(t, carol, "PROPFIND", path, "", "Depth: 1").want(t, 207).Body) {
			out = append(out, m.Href)
		}
		return strings.Join(out, " ")
	}

	// No rights: no roots, nothing found.
	if got := hrefs("/dav/"); got != "/dav/" {
		t.Errorf("no rights, top: %s", got)
	}
	s.req(t, carol, "PROPFIND", "/dav/team/", "", "Depth: 0").want(t, 404)
	s.req(t, carol, "GET", "/dav/team/top.txt", "").want(t, 404)
	s.req(t, carol, "PUT", "/dav/team/new.txt", "x").want(t, 409) // no folder she can see

	// A grant below: the way there is visible, nothing else.
	grant("/team/sub", storage.Browse|storage.Read|storage.Download)
	if got := hrefs("/dav/"); got != "/dav/ /dav/team/" {
		t.Errorf("top: %s", got)
	}
	if got := hrefs("/dav/team/"); got != "/dav/team/ /dav/team/sub/" {
		t.Errorf("team: %s", got)
	}
	s.req(t, carol, "GET", "/dav/team/top.txt", "").want(t, 404)
	s.req(t, carol, "PROPFIND", "/dav/team/hidden/", "", "Depth: 0").want(t, 404)
	s.req(t, carol, "GET", "/dav/team/hidden/h.txt", "").want(t, 404)

	// Read-only: reads work, every change is refused.
	if r := s.req(t, carol, "GET", "/dav/team/sub/f.txt", "").want(t, 200); r.Body != "f" {
		t.Errorf("GET: %q", r.Body)
	}
	s.req(t, carol, "PUT", "/dav/team/sub/f.txt", "x").want(t, 403)
	s.req(t, carol, "PUT", "/dav/team/sub/new.txt", "x").want(t, 403)
	s.req(t, carol, "DELETE", "/dav/team/sub/f.txt", "").want(t, 403)
	s.req(t, carol, "MKCOL", "/dav/team/sub/d", "").want(t, 403)
	s.req(t, carol, "LOCK", "/dav/team/sub/f.txt", lockBody).want(t, 403)
	s.req(t, carol, "MOVE", "/dav/team/sub/f.txt", "", "Destination: /dav/team/sub/g.txt").want(t, 403)
	s.req(t, carol, "COPY", "/dav/team/sub/f.txt", "", "Destination: /dav/team/sub/g.txt").want(t, 403)

	// Browse and read without download: listed, not downloadable.
	grant("/team/sub", storage.Browse|storage.Read)
	s.req(t, carol, "HEAD", "/dav/team/sub/f.txt", "").want(t, 200)
	s.req(t, carol, "GET", "/dav/team/sub/f.txt", "").want(t, 403)

	// Write without edit: new files yes, new versions no.
	grant("/team/sub", storage.Browse|storage.Read|storage.Download|storage.Write)
	s.req(t, carol, "PUT", "/dav/team/sub/new.txt", "x").want(t, 201)
	s.req(t, carol, "PUT", "/dav/team/sub/new.txt", "y").want(t, 403)
	s.req(t, carol, "MKCOL", "/dav/team/sub/d", "").want(t, 201)
}
