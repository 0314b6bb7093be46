package webdav_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file:\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

// TestGoldenMultistatus pins the bytes of PROPFIND answers, which clients
// with strict parsers (the Windows mini-redirector, Finder) read.
func TestGoldenMultistatus(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC)
	s := newServerWith(t, engineOptions{Now: func() time.Time { return now }})
	bob := s.As(s.Bob)
	if _, err := bob.Mkdir(ctx, "/team/Dossier été"); err != nil {
		t.Fatal(err)
	}
	put(t, bob, "/team/Dossier été/rapport 2026 & co.docx", "word")
	put(t, bob, "/team/notes.txt", "notes")
	s.req(t, s.Bob, "PROPPATCH", "/dav/team/notes.txt",
		`<D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:schemas-microsoft-com:"><D:set><D:prop><Z:Win32FileAttributes>00000020</Z:Win32FileAttributes><Z:Win32CreationTime>Mon, 02 Mar 2026 10:00:00 GMT</Z:Win32CreationTime><A:tag xmlns:A="urn:a">x &amp; y</A:tag></D:prop></D:set></D:propertyupdate>`).want(t, 207)

	r := s.req(t, s.Bob, "PROPFIND", "/dav/team/", "", "Depth: 1").want(t, 207)
	golden(t, "propfind_allprop_depth1.xml", r.Body)
	r = s.req(t, s.Bob, "PROPFIND", "/dav/team/Dossier%20%C3%A9t%C3%A9/",
		`<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:"><D:prop><D:getcontentlength/><D:getetag/><D:resourcetype/><D:quota-used-bytes/><D:getlastmodified/><D:nothing/></D:prop></D:propfind>`,
		"Depth: 1").want(t, 207)
	golden(t, "propfind_named_depth1.xml", r.Body)
	r = s.req(t, s.Bob, "PROPFIND", "/dav/team/", "", "Depth: infinity").want(t, 403)
	golden(t, "propfind_infinity.xml", r.Body)
}
