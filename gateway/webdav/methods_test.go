package webdav_test

import (
	"testing"

	"coffre/gateway/webdav"
	"coffre/storage"
)

func TestMkcolDelete(t *testing.T) {
	s := newServer(t)
	bob := s.As(s.Bob)
	s.req(t, s.Bob, "MKCOL", "/dav/team/d", "").want(t, 201)
	s.req(t, s.Bob, "MKCOL", "/dav/team/d", "").want(t, 405)
	s.req(t, s.Bob, "MKCOL", "/dav/team/no/d", "").want(t, 409)
	s.req(t, s.Bob, "MKCOL", "/dav/team/body", "<x/>", "Content-Type: text/xml").want(t, 415)
	put(t, bob, "/team/d/f.txt", "content")

	s.req(t, s.Bob, "DELETE", "/dav/team/d/f.txt", "").want(t, 204)
	s.req(t, s.Bob, "DELETE", "/dav/team/d/f.txt", "").want(t, 404)
	s.req(t, s.Bob, "DELETE", "/dav/team/d", "").want(t, 204)
	items, err := bob.Trash(ctx, false)
	if err != nil || len(items) != 2 {
		t.Fatalf("trash: %v, %v", items, err)
	}
	s.req(t, s.Bob, "DELETE", "/dav/", "").want(t, 403)

	// Root folders: who may create them decides.
	s.req(t, s.Bob, "MKCOL", "/dav/mine", "").want(t, 403)
	s.req(t, s.Admin, "MKCOL", "/dav/mine", "").want(t, 201)
}

func TestCopyMove(t *testing.T) {
	s := newServer(t)
	bob := s.As(s.Bob)
	put(t, bob, "/team/a.txt", "A")
	put(t, bob, "/team/b.txt", "B")
	dest := func(p string) string { return "Destination: " + s.URL + "/dav/team/" + p }

	// Rename.
	s.req(t, s.Bob, "MOVE", "/dav/team/a.txt", "", dest("a2.txt")).want(t, 201)
	// Onto an existing file: a new version of the target, which keeps its history.
	s.req(t, s.Bob, "MOVE", "/dav/team/a2.txt", "", dest("b.txt"), "Overwrite: F").want(t, 412)
	s.req(t, s.Bob, "MOVE", "/dav/team/a2.txt", "", dest("b.txt")).want(t, 204)
	if got := content(t, bob, "/team/b.txt"); got != "A" {
		t.Fatalf("b.txt: %q", got)
	}
	if vs, _ := bob.Versions(ctx, "/team/b.txt"); len(vs) != 2 {
		t.Fatalf("b.txt versions: %d", len(vs))
	}
	if _, err := bob.Stat(ctx, "/team/a2.txt"); !storage.Is(storage.NotFound, err) {
		t.Fatalf("a2.txt after the move: %v", err)
	}

	// COPY of a file, then of a tree (content shared, not copied).
	s.req(t, s.Bob, "COPY", "/dav/team/b.txt", "", dest("c.txt")).want(t, 201)
	s.req(t, s.Bob, "COPY", "/dav/team/b.txt", "", dest("c.txt")).want(t, 204)
	s.req(t, s.Bob, "COPY", "/dav/team/b.txt", "", dest("c.txt"), "Overwrite: F").want(t, 412)
	for _, d := range []string{"/team/tree", "/team/tree/sub", "/team/tree/sub/deeper"} {
		if _, err := bob.Mkdir(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	put(t, bob, "/team/tree/1.txt", "one")
	put(t, bob, "/team/tree/sub/deeper/2.txt", "two")
	s.req(t, s.Bob, "COPY", "/dav/team/tree/", "", dest("copy/")).want(t, 201)
	if got := content(t, bob, "/team/copy/sub/deeper/2.txt"); got != "two" {
		t.Fatalf("deep copy: %q", got)
	}
	s.req(t, s.Bob, "COPY", "/dav/team/tree/", "", dest("shallow/"), "Depth: 0").want(t, 201)
	if p, err := bob.List(ctx, "/team/shallow", storage.ListOptions{}); err != nil || len(p.Items) != 0 {
		t.Fatalf("shallow copy: %v %v", p, err)
	}
	// A folder over a file, and MOVE of a tree in one write.
	s.req(t, s.Bob, "COPY", "/dav/team/tree/", "", dest("c.txt")).want(t, 204)
	s.req(t, s.Bob, "MOVE", "/dav/team/tree/", "", dest("moved/")).want(t, 201)
	if got := content(t, bob, "/team/moved/1.txt"); got != "one" {
		t.Fatalf("moved: %q", got)
	}

	// Errors.
	s.req(t, s.Bob, "MOVE", "/dav/team/moved/", "", dest("moved/sub/x")).want(t, 403)
	s.req(t, s.Bob, "MOVE", "/dav/team/moved/", "", dest("moved/")).want(t, 403)
	s.req(t, s.Bob, "COPY", "/dav/team/b.txt", "", dest("nope/b.txt")).want(t, 409)
	s.req(t, s.Bob, "COPY", "/dav/team/b.txt", "", "Destination: http://elsewhere.example/dav/team/x").want(t, 502)
	s.req(t, s.Bob, "COPY", "/dav/team/b.txt", "").want(t, 400)
	s.req(t, s.Bob, "COPY", "/dav/team/missing", "", dest("x")).want(t, 404)
	// An absolute path works as a Destination too.
	s.req(t, s.Bob, "COPY", "/dav/team/b.txt", "", "Destination: /dav/team/d.txt").want(t, 201)
}

func TestRefuseMacMetadata(t *testing.T) {
	for _, refuse := range []bool{false, true} {
		s := newServerWithOptions(t, engineOptions{}, func(o *webdav.Options) { o.RefuseMacMetadata = refuse })
		want := 201
		if refuse {
			want = 403
		}
		s.req(t, s.Bob, "PUT", "/dav/team/._photo.jpg", "resource fork").want(t, want)
		s.req(t, s.Bob, "PUT", "/dav/team/.DS_Store", "x").want(t, want)
		s.req(t, s.Bob, "LOCK", "/dav/team/._x", lockBody).want(t, want)
		s.req(t, s.Bob, "PUT", "/dav/team/photo.jpg", "x").want(t, 201)
		s.req(t, s.Bob, "COPY", "/dav/team/photo.jpg", "", "Destination: /dav/team/._copy").want(t, want)
	}
}
