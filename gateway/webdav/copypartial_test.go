package webdav_test

import (
	"strings"
	"testing"

	"coffre/gateway/webdav"
	"coffre/storage"
)

// failed returns the href and status line of each DAV:response of a 207
// answering failed members ("href status").
func failed(t *testing.T, r response) []string {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/xml") {
		t.Fatalf("207 of type %q: %s", ct, r.Body)
	}
	var out []string
	rest := r.Body
	for {
		_, after, ok := strings.Cut(rest, "<D:href>")
		if !ok {
			return out
		}
		href, after, _ := strings.Cut(after, "</D:href><D:status>HTTP/1.1 ")
		code, after, _ := strings.Cut(after, " ")
		out = append(out, href+" "+code)
		rest = after
	}
}

// A folder COPY that fails on some members answers 207 naming them (RFC
// 4918 §9.8.8) and copies everything else (§9.8.3): here a subfolder where
// the caller may list but not download.
func TestCopyPartialFailure(t *testing.T) {
	s := newServer(t)
	admin, bob := s.As(s.Admin), s.As(s.Bob)
	for _, d := range []string{"/team/src", "/team/src/secret", "/team/src/secret/inner"} {
		if _, err := admin.Mkdir(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	put(t, admin, "/team/src/a.txt", "a")
	put(t, admin, "/team/src/secret/x.txt", "x")
	put(t, admin, "/team/src/secret/y.txt", "y")
	put(t, admin, "/team/src/secret/inner/z.txt", "z")
	put(t, admin, "/team/src/z.txt", "last")
	if err := admin.SetGrant(ctx, "/team/src/secret", storage.Subject{ID: s.Bob.Principal.UserID}, storage.Browse|storage.Read); err != nil {
		t.Fatal(err)
	}

	r := s.req(t, s.Bob, "COPY", "/dav/team/src/", "", "Destination: /dav/team/dst/").want(t, 207)
	got := strings.Join(failed(t, r), ", ")
	want := "/dav/team/src/secret/inner/z.txt 403, /dav/team/src/secret/x.txt 403, /dav/team/src/secret/y.txt 403"
	if got != want {
		t.Errorf("failed members: %s\nwant %s\n%s", got, want, r.Body)
	}
	// Everything else was copied, before and after the failures.
	for p, body := range map[string]string{"/team/dst/a.txt": "a", "/team/dst/z.txt": "last"} {
		if c := content(t, bob, p); c != body {
			t.Errorf("%s: %q", p, c)
		}
	}
	for _, p := range []string{"/team/dst/secret", "/team/dst/secret/inner"} {
		if info, err := bob.Stat(ctx, p); err != nil || !info.Dir {
			t.Errorf("%s: %+v %v", p, info, err)
		}
	}
	if _, err := bob.Stat(ctx, "/team/dst/secret/x.txt"); !storage.Is(storage.NotFound, err) {
		t.Errorf("a file the caller may not download was copied: %v", err)
	}

	// With everything readable, the same copy is whole: 204 over the
	// partial one.
	if err := admin.SetGrant(ctx, "/team/src/secret", storage.Subject{ID: s.Bob.Principal.UserID}, storage.AllRights); err != nil {
		t.Fatal(err)
	}
	s.req(t, s.Bob, "COPY", "/dav/team/src/", "", "Destination: /dav/team/dst/").want(t, 204)
	if c := content(t, bob, "/team/dst/secret/inner/z.txt"); c != "z" {
		t.Errorf("whole copy: %q", c)
	}
}

// Members whose names the options refuse are named in the 207 by their
// destination URL.
func TestCopyRefusedMembers(t *testing.T) {
	s := newServerWithOptions(t, engineOptions{}, func(o *webdav.Options) { o.RefuseMacMetadata = true })
	bob := s.As(s.Bob)
	if _, err := bob.Mkdir(ctx, "/team/album"); err != nil {
		t.Fatal(err)
	}
	put(t, bob, "/team/album/._photo.jpg", "fork") // written before the switch, or over S3
	put(t, bob, "/team/album/photo.jpg", "jpeg")
	r := s.req(t, s.Bob, "COPY", "/dav/team/album/", "", "Destination: /dav/team/copy/").want(t, 207)
	if got := strings.Join(failed(t, r), ", "); got != "/dav/team/copy/._photo.jpg 403" {
		t.Errorf("failed members: %s", got)
	}
	if c := content(t, bob, "/team/copy/photo.jpg"); c != "jpeg" {
		t.Errorf("photo.jpg: %q", c)
	}
}
