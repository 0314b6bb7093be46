package webdav_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"coffre/gateway/webdav"
	"coffre/storage"
)

func TestPropfindDepth(t *testing.T) {
	s := newServer(t)
	for _, h := range []string{"", "Depth: infinity"} {
		var r response
		if h == "" {
			r = s.req(t, s.Bob, "PROPFIND", "/dav/team/", "")
		} else {
			r = s.req(t, s.Bob, "PROPFIND", "/dav/team/", "", h)
		}
		r.want(t, 403)
		if !strings.Contains(r.Body, "<D:propfind-finite-depth/>") || !strings.Contains(r.Body, `<D:error xmlns:D="DAV:">`) {
			t.Errorf("%q: body %s", h, r.Body)
		}
	}
	s.req(t, s.Bob, "PROPFIND", "/dav/team/", "", "Depth: 2").want(t, 400)
	s.req(t, s.Bob, "PROPFIND", "/dav/team/", "<nonsense", "Depth: 0").want(t, 400)
	s.req(t, s.Bob, "PROPFIND", "/dav/missing/", "", "Depth: 0").want(t, 404)

	put(t, s.As(s.Bob), "/team/f.txt", "x")
	if n := len(multistatus(t, s.req(t, s.Bob, "PROPFIND", "/dav/team/", "", "Depth: 0").want(t, 207).Body)); n != 1 {
		t.Errorf("depth 0: %d responses", n)
	}
	if n := len(multistatus(t, s.req(t, s.Bob, "PROPFIND", "/dav/team/", "", "Depth: 1").want(t, 207).Body)); n != 2 {
		t.Errorf("depth 1: %d responses", n)
	}
	// Depth 1 on a file is the file.
	if n := len(multistatus(t, s.req(t, s.Bob, "PROPFIND", "/dav/team/f.txt", "", "Depth: 1").want(t, 207).Body)); n != 1 {
		t.Errorf("depth 1 on a file: %d responses", n)
	}
}

func TestPropfindProps(t *testing.T) {
	s := newServer(t)
	bob := s.As(s.Bob)
	names := []string{"a b  c.txt", "été ünï 中文.md", "100% & <x>.bin", "#hash?q=1", " lead", "emoji 😀"}
	infos := map[string]storage.Info{}
	for i, n := range names {
		infos[n] = put(t, bob, "/team/"+n, strings.Repeat("x", i+1))
		// The name also works through the protocol, escaped.
		s.req(t, s.Bob, "GET", "/dav/team/"+url.PathEscape(n), "").want(t, 200)
	}
	if _, err := bob.Mkdir(ctx, "/team/sub folder"); err != nil {
		t.Fatal(err)
	}
	r := s.req(t, s.Bob, "PROPFIND", "/dav/team/", "", "Depth: 1").want(t, 207)
	got := map[string]msResponse{}
	for _, m := range multistatus(t, r.Body) {
		p, err := url.PathUnescape(m.Href)
		if err != nil {
			t.Fatalf("href %q: %v", m.Href, err)
		}
		got[p] = m
	}
	for i, n := range names {
		m, ok := got["/dav/team/"+n]
		if !ok {
			t.Errorf("%q missing from the listing", n)
			continue
		}
		info := infos[n]
		if m.prop("getetag") != info.ETag() {
			t.Errorf("%q: getetag %q, want %q", n, m.prop("getetag"), info.ETag())
		}
		if m.prop("getcontentlength") != fmt.Sprint(i+1) {
			t.Errorf("%q: getcontentlength %q", n, m.prop("getcontentlength"))
		}
		if html.UnescapeString(m.prop("displayname")) != n {
			t.Errorf("%q: displayname %q", n, m.prop("displayname"))
		}
		if m.prop("resourcetype") != "" {
			t.Errorf("%q: resourcetype %q", n, m.prop("resourcetype"))
		}
		if _, err := http.ParseTime(m.prop("getlastmodified")); err != nil {
			t.Errorf("%q: getlastmodified %q", n, m.prop("getlastmodified"))
		}
		if _, err := time.Parse(time.RFC3339, m.prop("creationdate")); err != nil {
			t.Errorf("%q: creationdate %q", n, m.prop("creationdate"))
		}
		if !m.has("supportedlock") || !m.has("lockdiscovery") {
			t.Errorf("%q: no lock properties", n)
		}
	}
	if ct := got["/dav/team/été ünï 中文.md"].prop("getcontenttype"); ct != "text/markdown; charset=utf-8" {
		t.Errorf("content type by extension: %q", ct)
	}
	if ct := got["/dav/team/100% & <x>.bin"].prop("getcontenttype"); ct != "application/octet-stream" {
		t.Errorf("content type by default: %q", ct)
	}
	dir, ok := got["/dav/team/sub folder/"]
	if !ok || !strings.Contains(dir.prop("resourcetype"), "collection") || dir.has("getetag") || dir.has("getcontentlength") {
		t.Errorf("folder: %+v", dir)
	}

	// Named properties: known ones in a 200 propstat, unknown in a 404.
	r = s.req(t, s.Bob, "PROPFIND", "/dav/team/a%20b%20%20c.txt",
		`<?xml version="1.0"?><propfind xmlns="DAV:" xmlns:z="urn:z"><prop><getetag/><z:nothing/><quota-used-bytes/></prop></propfind>`,
		"Depth: 0").want(t, 207)
	ms := multistatus(t, r.Body)
	if len(ms) != 1 || ms[0].prop("getetag") == "" || len(ms[0].Props[200]) != 1 {
		t.Fatalf("named props: %+v", ms)
	}
	if _, ok := ms[0].Props[404]["{urn:z}nothing"]; !ok || len(ms[0].Props[404]) != 2 {
		t.Fatalf("404 props: %+v", ms[0].Props[404])
	}
	// propname.
	r = s.req(t, s.Bob, "PROPFIND", "/dav/team/", `<propfind xmlns="DAV:"><propname/></propfind>`, "Depth: 0").want(t, 207)
	if ms := multistatus(t, r.Body); !ms[0].has("resourcetype") || ms[0].prop("resourcetype") != "" {
		t.Fatalf("propname: %+v", ms)
	}

	// The top lists the caller's root folders.
	r = s.req(t, s.Bob, "PROPFIND", "/dav/", "", "Depth: 1").want(t, 207)
	var hrefs []string
	for _, m := range multistatus(t, r.Body) {
		hrefs = append(hrefs, m.Href)
	}
	if strings.Join(hrefs, " ") != "/dav/ /dav/team/" {
		t.Errorf("top: %v", hrefs)
	}
}

func TestQuotaProps(t *testing.T) {
	s := newServerWith(t, engineOptions{Quota: 1 << 30})
	admin := s.As(s.Admin)
	bob := s.As(s.Bob)
	put(t, bob, "/team/f", strings.Repeat("x", 1000))
	if _, err := bob.Mkdir(ctx, "/team/limited"); err != nil {
		t.Fatal(err)
	}
	if err := admin.SetQuota(ctx, "/team/limited", 10000); err != nil {
		t.Fatal(err)
	}
	put(t, bob, "/team/limited/g", strings.Repeat("y", 2500))
	body := propfindBody("quota-available-bytes", "quota-used-bytes")

	ms := multistatus(t, s.req(t, s.Bob, "PROPFIND", "/dav/team/", body, "Depth: 1").want(t, 207).Body)
	byHref := map[string]msResponse{}
	for _, m := range ms {
		byHref[m.Href] = m
	}
	team, limited := byHref["/dav/team/"], byHref["/dav/team/limited/"]
	if team.prop("quota-used-bytes") != "3500" || team.prop("quota-available-bytes") != fmt.Sprint(1<<30-3500) {
		t.Errorf("team: %+v", team.Props)
	}
	if limited.prop("quota-used-bytes") != "2500" || limited.prop("quota-available-bytes") != "7500" {
		t.Errorf("limited: %+v", limited.Props)
	}
	if f := byHref["/dav/team/f"]; f.has("quota-used-bytes") {
		t.Errorf("a file has no quota: %+v", f.Props)
	}
	// allprop does not return them (RFC 4331 §3).
	if m := multistatus(t, s.req(t, s.Bob, "PROPFIND", "/dav/team/", "", "Depth: 0").Body)[0]; m.has("quota-used-bytes") {
		t.Error("allprop returned quota-used-bytes")
	}
	// The top: the caller's own bytes.
	top := multistatus(t, s.req(t, s.Bob, "PROPFIND", "/dav/", body, "Depth: 0").want(t, 207).Body)[0]
	if top.prop("quota-used-bytes") != "3500" {
		t.Errorf("top: %+v", top.Props)
	}
}

func TestProppatch(t *testing.T) {
	s := newServer(t)
	bob := s.As(s.Bob)
	put(t, bob, "/team/doc.docx", "word")
	if _, err := bob.Mkdir(ctx, "/team/dir"); err != nil {
		t.Fatal(err)
	}
	// What Windows sends after a copy.
	win32 := `<?xml version="1.0" encoding="utf-8" ?><D:propertyupdate xmlns:D="DAV:" xmlns:Z="urn:schemas-microsoft-com:"><D:set><D:prop>` +
		`<Z:Win32CreationTime>Mon, 02 Mar 2026 10:00:00 GMT</Z:Win32CreationTime>` +
		`<Z:Win32LastModifiedTime>Mon, 02 Mar 2026 10:00:01 GMT</Z:Win32LastModifiedTime>` +
		`<Z:Win32FileAttributes>00000020</Z:Win32FileAttributes>` +
		`</D:prop></D:set></D:propertyupdate>`
	for _, p := range []string{"/dav/team/doc.docx", "/dav/team/dir/"} {
		r := s.req(t, s.Bob, "PROPPATCH", p, win32).want(t, 207)
		ms := multistatus(t, r.Body)
		if len(ms) != 1 || len(ms[0].Props[200]) != 3 {
			t.Fatalf("%s: %s", p, r.Body)
		}
	}
	info, err := bob.Stat(ctx, "/team/doc.docx")
	if err != nil || info.Meta["dav:{urn:schemas-microsoft-com:}Win32FileAttributes"] != "00000020" {
		t.Fatalf("meta: %v %v", info.Meta, err)
	}
	// A structured value in another namespace, then read back.
	set := `<D:propertyupdate xmlns:D="DAV:" xmlns:A="urn:a"><D:set><D:prop><A:authors><A:name>Jim</A:name><A:name>Émile</A:name></A:authors></D:prop></D:set></D:propertyupdate>`
	s.req(t, s.Bob, "PROPPATCH", "/dav/team/doc.docx", set).want(t, 207)
	r := s.req(t, s.Bob, "PROPFIND", "/dav/team/doc.docx", `<propfind xmlns="DAV:"><prop><authors xmlns="urn:a"/></prop></propfind>`, "Depth: 0").want(t, 207)
	v := multistatus(t, r.Body)[0].Props[200]["{urn:a}authors"]
	if !strings.Contains(v, "Jim") || !strings.Contains(v, "Émile") {
		t.Fatalf("authors: %q in %s", v, r.Body)
	}
	// A new version keeps the dead properties; a copy copies them.
	s.req(t, s.Bob, "PUT", "/dav/team/doc.docx", "word 2").want(t, 204)
	s.req(t, s.Bob, "COPY", "/dav/team/doc.docx", "", "Destination: /dav/team/copy.docx").want(t, 201)
	for _, p := range []string{"/team/doc.docx", "/team/copy.docx"} {
		info, _ := bob.Stat(ctx, p)
		if info.Meta["dav:{urn:a}authors"] == "" || info.Meta["dav:{urn:schemas-microsoft-com:}Win32FileAttributes"] == "" {
			t.Errorf("%s lost its properties: %v", p, info.Meta)
		}
	}
	// Live properties are protected; nothing changes.
	bad := `<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:getetag>x</D:getetag><D:x-dead>y</D:x-dead></D:prop></D:set></D:propertyupdate>`
	r = s.req(t, s.Bob, "PROPPATCH", "/dav/team/doc.docx", bad).want(t, 207)
	if ms := multistatus(t, r.Body); len(ms[0].Props[403]) != 1 || len(ms[0].Props[424]) != 1 {
		t.Errorf("protected: %s", r.Body)
	}
	// Remove.
	rm := `<D:propertyupdate xmlns:D="DAV:" xmlns:A="urn:a"><D:remove><D:prop><A:authors/></D:prop></D:remove></D:propertyupdate>`
	s.req(t, s.Bob, "PROPPATCH", "/dav/team/doc.docx", rm).want(t, 207)
	if info, _ := bob.Stat(ctx, "/team/doc.docx"); info.Meta["dav:{urn:a}authors"] != "" {
		t.Errorf("removed property still there: %v", info.Meta)
	}
	// Without Edit: 403 in the propstat.
	s.As(s.Admin).SetGrant(ctx, "/team", storage.Subject{ID: s.Bob.Principal.UserID}, storage.Browse|storage.Read|storage.Download)
	r = s.req(t, s.Bob, "PROPPATCH", "/dav/team/doc.docx", set).want(t, 207)
	if ms := multistatus(t, r.Body); len(ms[0].Props[403]) != 1 {
		t.Errorf("without edit: %s", r.Body)
	}
}

// TestPropfindLargeFolder lists a folder of 10,000 files with PROPFIND
// Depth 1 and reports the time.
func TestPropfindLargeFolder(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 files")
	}
	s := newServer(t)
	const n = 10000
	start := time.Now()
	fillFolder(t, s, "/team/big", n)
	t.Logf("created %d files in %v", n, time.Since(start).Round(time.Millisecond))

	for round := 0; round < 3; round++ {
		start = time.Now()
		r := s.req(t, s.Bob, "PROPFIND", "/dav/team/big/", "", "Depth: 1").want(t, 207)
		took := time.Since(start)
		if round == 0 {
			ms := multistatus(t, r.Body)
			if len(ms) != n+1 {
				t.Fatalf("%d responses, want %d", len(ms), n+1)
			}
			if ms[n].Href != "/dav/team/big/file%2009999.txt" || ms[n].prop("getetag") == "" {
				t.Fatalf("last: %+v", ms[n])
			}
		}
		t.Logf("PROPFIND Depth 1 of %d entries (allprop): %v, %d bytes", n, took.Round(time.Millisecond), len(r.Body))
	}
}

// BenchmarkPropfind10k lists a folder of 10,000 files with PROPFIND Depth
// 1, asking for all properties, and for what Windows asks.
func BenchmarkPropfind10k(b *testing.B) {
	s := newServer(b)
	fillFolder(b, s, "/team/big", 10000)
	windows := propfindBody("name", "parentname", "href", "ishidden", "isreadonly", "getcontenttype", "contentclass",
		"getcontentlanguage", "creationdate", "lastaccessed", "getlastmodified", "getcontentlength", "iscollection",
		"isstructureddocument", "defaultdocument", "displayname", "isroot", "resourcetype")
	for _, c := range []struct{ name, body string }{{"allprop", ""}, {"windows", windows}} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				s.req(b, s.Bob, "PROPFIND", "/dav/team/big/", c.body, "Depth: 1").want(b, 207)
			}
		})
	}
}

// fillFolder creates the folder dir with n small files in it.
func fillFolder(t testing.TB, s *server, dir string, n int) {
	t.Helper()
	bob := s.As(s.Bob)
	if _, err := bob.Mkdir(ctx, dir); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for w := 0; w < 32; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 32 {
				body := fmt.Sprint("file ", i)
				_, err := bob.Put(ctx, fmt.Sprintf("%s/file %05d.txt", dir, i), strings.NewReader(body), storage.PutOptions{Size: int64(len(body))})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

// Without a quota, quota-available-bytes is the drives' room (RFC 4331 §3
// recommends a value, such as the free disk space); with quotas, the
// smallest of them and the room.
func TestQuotaRoom(t *testing.T) {
	var room atomic.Int64 // the test changes it between requests
	room.Store(50_000)
	s := newServerWithOptions(t, engineOptions{}, func(o *webdav.Options) { o.Room = room.Load })
	admin := s.As(s.Admin)
	put(t, s.As(s.Bob), "/team/f", strings.Repeat("x", 1000))
	if _, err := admin.Mkdir(ctx, "/team/small"); err != nil {
		t.Fatal(err)
	}
	if err := admin.SetQuota(ctx, "/team/small", 3000); err != nil {
		t.Fatal(err)
	}
	body := propfindBody("quota-available-bytes", "quota-used-bytes")
	quota := func(path string) (avail, used string) {
		t.Helper()
		m := multistatus(t, s.req(t, s.Bob, "PROPFIND", path, body, "Depth: 0").want(t, 207).Body)[0]
		return m.prop("quota-available-bytes"), m.prop("quota-used-bytes")
	}
	for _, c := range []struct {
		path, avail, used string
	}{
		{"/dav/", "50000", "1000"},
		{"/dav/team/", "50000", "1000"},
		{"/dav/team/small/", "3000", "0"}, // the folder's quota is tighter
	} {
		if avail, used := quota(c.path); avail != c.avail || used != c.used {
			t.Errorf("%s: available %q used %q, want %q %q", c.path, avail, used, c.avail, c.used)
		}
	}
	room.Store(2000) // the drives fill up: tighter than the folder's quota
	if avail, _ := quota("/dav/team/small/"); avail != "2000" {
		t.Errorf("small, room 2000: available %q", avail)
	}
	room.Store(-1) // unknown, and no quota: absent, the used bytes still there
	if avail, used := quota("/dav/team/"); avail != "" || used != "1000" {
		t.Errorf("unknown room: available %q used %q", avail, used)
	}
}
