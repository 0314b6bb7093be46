package webdav_test

import (
	"errors"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	xwebdav "golang.org/x/net/webdav"

	"coffre/gateway/webdav"
	"coffre/storage"
)

func TestFileSystem(t *testing.T) {
	s := newServer(t)
	bob := s.As(s.Bob)
	fsys := webdav.NewFileSystem(bob)

	if err := fsys.Mkdir(ctx, "/team/d", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := fsys.Mkdir(ctx, "/team/no/d", 0o755); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("mkdir without parent: %v", err)
	}
	if _, err := fsys.Stat(ctx, "/team/missing"); !os.IsNotExist(err) {
		t.Fatalf("stat missing: %v", err)
	}
	if _, err := fsys.OpenFile(ctx, "/team/missing", os.O_RDONLY, 0); !os.IsNotExist(err) {
		t.Fatalf("open missing: %v", err)
	}

	// Writes stream through a pipe into Put and commit on Close.
	f, err := fsys.OpenFile(ctx, "/team/d/w.txt", os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"hello ", "streamed ", "world"} {
		if _, err := io.WriteString(f, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if got := content(t, bob, "/team/d/w.txt"); got != "hello streamed world" {
		t.Fatalf("written: %q", got)
	}
	// An aborted write changes nothing.
	f, _ = fsys.OpenFile(ctx, "/team/d/w.txt", os.O_WRONLY|os.O_TRUNC, 0)
	io.WriteString(f, "partial")
	f.(*webdav.File).Abort(nil)
	if err := f.Close(); err != nil {
		t.Fatalf("close after abort: %v", err)
	}
	if got := content(t, bob, "/team/d/w.txt"); got != "hello streamed world" {
		t.Fatalf("after abort: %q", got)
	}
	// O_EXCL on an existing file; an empty create.
	if _, err := fsys.OpenFile(ctx, "/team/d/w.txt", os.O_RDWR|os.O_CREATE|os.O_EXCL, 0); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("O_EXCL: %v", err)
	}
	f, _ = fsys.OpenFile(ctx, "/team/d/empty", os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := fsys.Stat(ctx, "/team/d/empty"); err != nil || fi.Size() != 0 || fi.IsDir() {
		t.Fatalf("empty: %v %v", fi, err)
	}

	// Reads: Seek, Read; metadata without opening content.
	f, err = fsys.OpenFile(ctx, "/team/d/w.txt", os.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := f.Stat()
	info := fi.Sys().(storage.Info)
	if etag, _ := fi.(xwebdav.ETager).ETag(ctx); etag != info.ETag() || etag == "" {
		t.Errorf("ETag %q, want %q", etag, info.ETag())
	}
	if ct, _ := fi.(xwebdav.ContentTyper).ContentType(ctx); ct != "text/plain; charset=utf-8" {
		t.Errorf("content type %q", ct)
	}
	if _, err := f.Seek(6, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(f)
	if string(b) != "streamed world" {
		t.Errorf("read from 6: %q", b)
	}
	if n, _ := f.Seek(-5, io.SeekEnd); n != 15 {
		t.Errorf("seek end: %d", n)
	}
	f.Close()

	// Readdir pages through the folder.
	for _, n := range []string{"a", "b", "c"} {
		put(t, bob, "/team/d/"+n, n)
	}
	dir, _ := fsys.OpenFile(ctx, "/team/d", os.O_RDONLY, 0)
	var names []string
	for {
		fis, err := dir.Readdir(2)
		for _, fi := range fis {
			names = append(names, fi.Name())
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	dir.Close()
	if strings.Join(names, ",") != "a,b,c,empty,w.txt" {
		t.Errorf("readdir: %v", names)
	}

	// Rename and RemoveAll (to the trash).
	if err := fsys.Rename(ctx, "/team/d/a", "/team/d/a2"); err != nil {
		t.Fatal(err)
	}
	if err := fsys.RemoveAll(ctx, "/team/d"); err != nil {
		t.Fatal(err)
	}
	if err := fsys.RemoveAll(ctx, "/team/d"); err != nil {
		t.Fatalf("RemoveAll of nothing: %v", err)
	}
	if items, _ := bob.Trash(ctx, false); len(items) != 1 || items[0].Path != "/team/d" {
		t.Errorf("trash: %+v", items)
	}
}

// The FileSystem and LockSystem also work under x/net/webdav's own
// handler, with locks in the namespace's table.
func TestUnderXNetHandler(t *testing.T) {
	s := newServer(t)
	bob := s.As(s.Bob)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(&xwebdav.Handler{
			FileSystem: webdav.NewFileSystem(bob),
			LockSystem: webdav.NewLockSystem(r.Context(), bob, s.Bob.Principal.UserID),
		}).ServeHTTP(w, r)
	})
	ts := httptest.NewServer(h)
	defer ts.Close()
	do := func(method, path, body string, hdr ...string) *http.Response {
		t.Helper()
		r, _ := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
		for i := 0; i+1 < len(hdr); i += 2 {
			r.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if r := do("PUT", "/team/x.txt", "via x/net"); r.StatusCode != 201 {
		t.Fatalf("PUT: %d", r.StatusCode)
	}
	if got := content(t, bob, "/team/x.txt"); got != "via x/net" {
		t.Fatalf("content %q", got)
	}
	r := do("LOCK", "/team/x.txt", lockBody, "Timeout", "Second-60")
	tok := strings.Trim(r.Header.Get("Lock-Token"), "<>")
	if r.StatusCode != 200 || !strings.HasPrefix(tok, "opaquelocktoken:") {
		t.Fatalf("LOCK: %d %q", r.StatusCode, tok)
	}
	locks, _ := bob.Locks(ctx, "/team/x.txt")
	if len(locks) != 1 || locks[0].Token != tok || time.Until(locks[0].Expires) > time.Minute {
		t.Fatalf("locks: %+v", locks)
	}
	if r := do("PUT", "/team/x.txt", "again", "If", "(<"+tok+">)"); r.StatusCode != 201 {
		t.Fatalf("PUT with token: %d", r.StatusCode)
	}
	if r := do("UNLOCK", "/team/x.txt", "", "Lock-Token", "<"+tok+">"); r.StatusCode != 204 {
		t.Fatalf("UNLOCK: %d", r.StatusCode)
	}
}
