package rest_test

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"coffre/gateway/rest"
	"coffre/storage"
	"coffre/storage/audit"
	"coffre/storage/engine"
)

// randomBytes is n bytes that do not compress, the same for a given seed.
func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func TestDownloadWholeAndConditional(t *testing.T) {
	s := newServer(t)
	s.Mkdir(t, "/team")
	data := randomBytes(200_000, 1)
	info := s.Put(t, "/team/scan.pdf", data)

	r := s.Do(t, s.Admin.Token, "GET", fileURL(info.ID, "/download"), nil).Want(t, http.StatusOK)
	if !bytes.Equal(r.Body, data) {
		t.Fatalf("content differs (%d bytes)", len(r.Body))
	}
	etag := `"` + md5hex(data) + `"`
	if r.Header.Get("ETag") != etag || r.Header.Get("Content-Type") != "application/pdf" ||
		r.Header.Get("Content-Length") != fmt.Sprint(len(data)) || r.Header.Get("Accept-Ranges") != "bytes" ||
		!strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment;") {
		t.Fatalf("headers: %v", r.Header)
	}
	s.Do(t, s.Admin.Token, "GET", fileURL(info.ID, "/download"), nil, "If-None-Match", etag).Want(t, http.StatusNotModified)
	s.Do(t, s.Admin.Token, "GET", fileURL(info.ID, "/download"), nil, "If-None-Match", `"other"`).Want(t, http.StatusOK)
	later := info.ModTime.Add(time.Hour).UTC().Format(http.TimeFormat)
	s.Do(t, s.Admin.Token, "GET", fileURL(info.ID, "/download"), nil, "If-Modified-Since", later).Want(t, http.StatusNotModified)
	earlier := info.ModTime.Add(-time.Hour).UTC().Format(http.TimeFormat)
	s.Do(t, s.Admin.Token, "GET", fileURL(info.ID, "/download"), nil, "If-Modified-Since", earlier).Want(t, http.StatusOK)

	// inline only for types a browser shows without running anything.
	r = s.Do(t, s.Admin.Token, "GET", fileURL(info.ID, "/download?inline=1"), nil).Want(t, http.StatusOK)
	if !strings.HasPrefix(r.Header.Get("Content-Disposition"), "inline;") {
		t.Errorf("pdf inline: %s", r.Header.Get("Content-Disposition"))
	}
	page := s.Put(t, "/team/page.html", []byte("<script>alert(1)</script>"))
	r = s.Do(t, s.Admin.Token, "GET", fileURL(page.ID, "/download?inline=1"), nil).Want(t, http.StatusOK)
	if !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment;") || r.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("html inline: %v", r.Header)
	}
}

func TestDownloadRanges(t *testing.T) {
	s := newServer(t)
	s.Mkdir(t, "/team")
	data := randomBytes(3<<20, 2) // spans several blocks
	info := s.Put(t, "/team/big.bin", data)
	url := fileURL(info.ID, "/download")

	r := s.Do(t, s.Admin.Token, "GET", url, nil, "Range", "bytes=0-99").Want(t, http.StatusPartialContent)
	if !bytes.Equal(r.Body, data[:100]) || r.Header.Get("Content-Range") != fmt.Sprintf("bytes 0-99/%d", len(data)) {
		t.Fatalf("first bytes: %d bytes, %s", len(r.Body), r.Header.Get("Content-Range"))
	}
	r = s.Do(t, s.Admin.Token, "GET", url, nil, "Range", "bytes=-1000").Want(t, http.StatusPartialContent)
	if !bytes.Equal(r.Body, data[len(data)-1000:]) {
		t.Fatal("suffix range differs")
	}
	mid := 2<<20 - 10 // across a block boundary
	r = s.Do(t, s.Admin.Token, "GET", url, nil, "Range", fmt.Sprintf("bytes=%d-%d", mid, mid+99)).Want(t, http.StatusPartialContent)
	if !bytes.Equal(r.Body, data[mid:mid+100]) {
		t.Fatal("middle range differs")
	}

	r = s.Do(t, s.Admin.Token, "GET", url, nil, "Range", "bytes=0-9,1048576-1048585,-5").Want(t, http.StatusPartialContent)
	mt, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/byteranges" {
		t.Fatalf("multi-range type: %q %v", r.Header.Get("Content-Type"), err)
	}
	want := [][]byte{data[:10], data[1<<20 : 1<<20+10], data[len(data)-5:]}
	mr := multipart.NewReader(bytes.NewReader(r.Body), params["boundary"])
	for i := 0; ; i++ {
		p, err := mr.NextPart()
		if err == io.EOF {
			if i != len(want) {
				t.Fatalf("%d parts, want %d", i, len(want))
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(p)
		if i >= len(want) || !bytes.Equal(got, want[i]) || p.Header.Get("Content-Range") == "" {
			t.Fatalf("part %d: %q (%s)", i, got, p.Header.Get("Content-Range"))
		}
	}

	r = s.Do(t, s.Admin.Token, "GET", url, nil, "Range", fmt.Sprintf("bytes=%d-", len(data)+10)).Want(t, http.StatusRequestedRangeNotSatisfiable)
	if r.Header.Get("Content-Range") != fmt.Sprintf("bytes */%d", len(data)) {
		t.Errorf("416 Content-Range: %q", r.Header.Get("Content-Range"))
	}
	// If-Range with another ETag: the whole content.
	r = s.Do(t, s.Admin.Token, "GET", url, nil, "Range", "bytes=0-9", "If-Range", `"stale"`).Want(t, http.StatusOK)
	if len(r.Body) != len(data) {
		t.Errorf("If-Range mismatch gave %d bytes", len(r.Body))
	}
}

func TestDownloadDisposition(t *testing.T) {
	s := newServer(t)
	s.Mkdir(t, "/team")
	name := `Été "prix" 100% final.pdf`
	info := s.Put(t, "/team/"+name, []byte("%PDF"))
	r := s.Do(t, s.Admin.Token, "GET", fileURL(info.ID, "/download"), nil).Want(t, http.StatusOK)
	cd := r.Header.Get("Content-Disposition")
	if !strings.Contains(cd, `filename="_t_ _prix_ 100_ final.pdf"`) ||
		!strings.Contains(cd, `filename*=UTF-8''%C3%89t%C3%A9%20%22prix%22%20100%25%20final.pdf`) {
		t.Fatalf("Content-Disposition: %s", cd)
	}
	kind, params, err := mime.ParseMediaType(cd)
	if err != nil || kind != "attachment" || params["filename"] != name {
		t.Fatalf("parsed: %q %v %v", kind, params, err)
	}
}

func TestDownloadRightsAndVersions(t *testing.T) {
	s := newServerWith(t, engine.Options{LockRead: true}, func(*rest.Options) {})
	s.Mkdir(t, "/team")
	old := s.Put(t, "/team/plan.pdf", []byte("old plan"))
	cur := s.Put(t, "/team/plan.pdf", []byte("current plan"))
	s.Mkdir(t, "/secret")
	hidden := s.Put(t, "/secret/x.pdf", []byte("x"))

	// Browse|Read: bob sees the file, may not download it.
	s.Grant(t, "/team", s.User, storage.Browse|storage.Read)
	m := s.Do(t, s.User.Token, "GET", fileURL(cur.ID, ""), nil).Want(t, http.StatusOK).Map(t)
	if m["can_download"] != false {
		t.Errorf("can_download: %v", m["can_download"])
	}
	s.Do(t, s.User.Token, "GET", fileURL(cur.ID, "/download"), nil).Want(t, http.StatusForbidden)
	s.Do(t, s.User.Token, "GET", fileURL(hidden.ID, "/download"), nil).Want(t, http.StatusNotFound)

	s.Grant(t, "/team", s.User, storage.Browse|storage.Read|storage.Download)
	r := s.Do(t, s.User.Token, "GET", fileURL(cur.ID, fmt.Sprintf("/download?version=%d", old.VersionID)), nil).Want(t, http.StatusOK)
	if string(r.Body) != "old plan" || r.Header.Get("ETag") != `"`+md5hex([]byte("old plan"))+`"` {
		t.Fatalf("old version: %q %s", r.Body, r.Header.Get("ETag"))
	}
	s.Do(t, s.User.Token, "GET", fileURL(cur.ID, "/download?version=999999"), nil).Want(t, http.StatusNotFound)
	s.Do(t, s.User.Token, "GET", fileURL(cur.ID, "/download?version=abc"), nil).Want(t, http.StatusUnprocessableEntity)

	// A read lock by the administrator: 423 for bob.
	if _, err := s.NS(s.Admin).Lock(ctx, "/team/plan.pdf", storage.LockOptions{Unreadable: true}); err != nil {
		t.Fatal(err)
	}
	s.Do(t, s.User.Token, "GET", fileURL(cur.ID, "/download"), nil).Want(t, http.StatusLocked)
}

// clock is a settable clock for the handler.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestDownloadToken(t *testing.T) {
	clk := &clock{now: time.Now()}
	s := newServerWith(t, engine.Options{}, func(o *rest.Options) { o.Now = clk.Now })
	s.Mkdir(t, "/team")
	info := s.Put(t, "/team/movie.mp4", []byte("frames"))
	s.Grant(t, "/team", s.User, storage.Browse|storage.Read|storage.Download)

	issue := func(typ string) string {
		t.Helper()
		var tok struct{ Token string }
		s.Do(t, s.User.Token, "POST", fmt.Sprintf("/api/token/file/%d/%s", info.ID, typ), nil).Want(t, http.StatusOK).JSON(t, &tok)
		if len(tok.Token) < 43 {
			t.Fatalf("token %q is too short", tok.Token)
		}
		return tok.Token
	}
	tok := issue("download")
	r := s.Do(t, "", "GET", "/api/file/download?token="+tok, nil).Want(t, http.StatusOK)
	if string(r.Body) != "frames" || !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment;") {
		t.Fatalf("token download: %q %v", r.Body, r.Header)
	}
	s.Do(t, "", "GET", "/api/file/download?token="+tok, nil).Want(t, http.StatusNotFound)
	s.Do(t, "", "GET", "/api/file/download?token=nonsense", nil).Want(t, http.StatusNotFound)
	s.Do(t, "", "GET", "/api/file/download", nil).Want(t, http.StatusNotFound)

	// A preview token is not for downloads, and stays for its own route.
	s.Do(t, "", "GET", "/api/file/download?token="+issue("preview"), nil).Want(t, http.StatusNotFound)

	// Five minutes, no more.
	tok = issue("download")
	clk.Add(5*time.Minute + time.Second)
	s.Do(t, "", "GET", "/api/file/download?token="+tok, nil).Want(t, http.StatusNotFound)

	// The token acts as bob: rights lost since are lost for it too.
	tok = issue("download")
	s.Grant(t, "/team", s.User, storage.Browse|storage.Read)
	s.Do(t, "", "GET", "/api/file/download?token="+tok, nil).Want(t, http.StatusForbidden)

	// Issuing needs Download (and Edit for edit tokens); a type we do not know is a 422.
	s.Do(t, s.User.Token, "POST", fmt.Sprintf("/api/token/file/%d/download", info.ID), nil).Want(t, http.StatusForbidden)
	s.Grant(t, "/team", s.User, storage.Browse|storage.Read|storage.Download)
	s.Do(t, s.User.Token, "POST", fmt.Sprintf("/api/token/file/%d/edit", info.ID), nil).Want(t, http.StatusForbidden)
	s.Do(t, s.User.Token, "POST", fmt.Sprintf("/api/token/file/%d/video", info.ID), nil).Want(t, http.StatusUnprocessableEntity)
	s.Do(t, s.User.Token, "POST", "/api/token/file/999999/download", nil).Want(t, http.StatusNotFound)
	s.Do(t, "", "POST", fmt.Sprintf("/api/token/file/%d/download", info.ID), nil).Want(t, http.StatusUnauthorized)
}

// A HEAD describes the file and sends no content: no download in the audit
// log (issue 8), where a GET of a range is one.
func TestDownloadHeadIsNoDownload(t *testing.T) {
	s := newServer(t)
	s.Mkdir(t, "/team")
	data := randomBytes(1000, 2)
	info := s.Put(t, "/team/a.bin", data)
	r := s.Do(t, s.Admin.Token, "HEAD", fileURL(info.ID, "/download"), nil).Want(t, http.StatusOK)
	if r.Header.Get("Content-Length") != "1000" || r.Header.Get("ETag") != `"`+md5hex(data)+`"` || len(r.Body) != 0 {
		t.Fatalf("HEAD: %v, %d bytes", r.Header, len(r.Body))
	}
	s.Do(t, s.Admin.Token, "GET", fileURL(info.ID, "/download"), nil, "Range", "bytes=0-9").Want(t, http.StatusPartialContent)
	page, err := s.Audit.Query(ctx, audit.Query{Types: []string{"download"}})
	if err != nil || len(page.Entries) != 1 {
		t.Fatalf("download entries %+v, %v; want the GET's only", page.Entries, err)
	}
}
