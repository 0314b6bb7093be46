package webdav_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	xwebdav "golang.org/x/net/webdav"

	"coffre/gateway/webdav"
	"coffre/storage"
	"coffre/storage/storagetest"
)

// The namespace's own contract is proved by storagetest against the engine.
// What FileSystem adds is a translation (writes through a pipe into Put,
// Read and Seek over ReadAt, Readdir over paged listings, dead properties
// over metadata): these tests check that translation at the boundaries
// where it could go wrong, against what the namespace holds.

// Content of every size class (empty, inline, around the inline limit and
// the 1 MiB block) goes through Write in odd-sized pieces and comes back
// through Seek and Read from any offset.
func TestFileSystemSizesAndOffsets(t *testing.T) {
	s := newServer(t)
	bob := s.As(s.Bob)
	fsys := webdav.NewFileSystem(bob)
	const k, m = 1 << 10, 1 << 20
	for i, size := range []int{0, 1, 128*k - 1, 128 * k, 128*k + 1, m - 1, m, m + 1, 3*m + 17} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			data := storagetest.Payload(uint64(100+i), size)
			name := fmt.Sprintf("/team/size-%d", size)
			f, err := fsys.OpenFile(ctx, name, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			for rest := data; len(rest) > 0; {
				n := min(7919, len(rest)) // a prime: pieces straddle every boundary
				if w, err := f.Write(rest[:n]); err != nil || w != n {
					t.Fatalf("write: %d %v", w, err)
				}
				rest = rest[n:]
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			info, err := bob.Stat(ctx, name)
			if err != nil || info.Size != int64(size) {
				t.Fatalf("stored: %+v %v", info, err)
			}
			if fi, _ := f.Stat(); fi.Size() != int64(size) || fi.Sys().(storage.Info).VersionID != info.VersionID {
				t.Errorf("File.Stat after Close: %d bytes, version %d; stored %d", fi.Size(), fi.Sys().(storage.Info).VersionID, info.VersionID)
			}
			if got := content(t, bob, name); got != string(data) {
				t.Fatalf("stored content differs (%d bytes, want %d)", len(got), size)
			}

			r, err := fsys.OpenFile(ctx, name, os.O_RDONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			for _, off := range []int{0, 1, size / 2, 128*k - 1, m - 1, m, size - 1, size, size + 10} {
				if off < 0 {
					continue
				}
				if pos, err := r.Seek(int64(off), io.SeekStart); err != nil || pos != int64(off) {
					t.Fatalf("seek %d: %d %v", off, pos, err)
				}
				got, err := io.ReadAll(r)
				want := data[min(off, size):]
				if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("from %d: %d bytes %v, want %d", off, len(got), err, len(want))
				}
			}
			// Relative seeks from the end and from the current position.
			if size > 2 {
				r.Seek(-2, io.SeekEnd)
				r.Seek(1, io.SeekCurrent)
				if got, _ := io.ReadAll(r); !bytes.Equal(got, data[size-1:]) {
					t.Errorf("after SeekEnd-2, SeekCurrent+1: %q", got)
				}
			}
		})
	}
}

// Readdir pages over the namespace's listings: whatever the count, every
// entry comes once, in the namespace's order, with io.EOF (count > 0) or
// nil (count <= 0) at the end, as os.File.Readdir does.
func TestFileSystemReaddirPages(t *testing.T) {
	s := newServer(t)
	bob := s.As(s.Bob)
	const n = 2100 // beyond two pages of the namespace's listings
	fillFolder(t, s, "/team/many", n)
	if _, err := bob.Mkdir(ctx, "/team/many/sub"); err != nil {
		t.Fatal(err)
	}
	var want []string
	for after := ""; ; {
		p, err := bob.List(ctx, "/team/many", storage.ListOptions{After: after})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range p.Items {
			want = append(want, it.Name)
		}
		if after = p.Next; after == "" {
			break
		}
	}
	if len(want) != n+1 {
		t.Fatalf("namespace lists %d", len(want))
	}
	fsys := webdav.NewFileSystem(bob)
	for _, count := range []int{-1, 0, 1, 7, 999, 1000, 1001, n + 1, n + 50} {
		t.Run(fmt.Sprint(count), func(t *testing.T) {
			d, err := fsys.OpenFile(ctx, "/team/many", os.O_RDONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			var got []string
			dirs := 0
			for calls := 0; ; calls++ {
				fis, err := d.Readdir(count)
				for _, fi := range fis {
					got = append(got, fi.Name())
					if fi.IsDir() {
						dirs++
					}
				}
				if count <= 0 {
					if err != nil || calls > 0 {
						t.Fatalf("Readdir(%d): %v after %d calls", count, err, calls)
					}
					break
				}
				if len(fis) > count {
					t.Fatalf("Readdir(%d) returned %d", count, len(fis))
				}
				if err == io.EOF {
					if len(fis) != 0 {
						t.Fatalf("io.EOF with %d entries", len(fis))
					}
					break
				}
				if err != nil {
					t.Fatal(err)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(want) || dirs != 1 {
				t.Fatalf("Readdir(%d): %d entries (%d folders), want the namespace's %d", count, len(got), dirs, len(want))
			}
		})
	}
}

// A write that does not complete (the request's context ends, or Abort)
// changes nothing; a completed one keeps the dead properties and makes a
// version. Errors are what x/net/webdav recognises.
func TestFileSystemWritesAndErrors(t *testing.T) {
	s := newServer(t)
	bob := s.As(s.Bob)
	fsys := webdav.NewFileSystem(bob)
	put(t, bob, "/team/f.txt", "old")
	if _, err := bob.Mkdir(ctx, "/team/dir"); err != nil {
		t.Fatal(err)
	}

	// The request's context ends mid-write.
	wctx, cancel := context.WithCancel(ctx)
	f, err := fsys.OpenFile(wctx, "/team/f.txt", os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(bytes.Repeat([]byte("n"), 300<<10))
	cancel()
	if err := f.Close(); err == nil {
		t.Fatal("Close after the context ended committed")
	}
	if got := content(t, bob, "/team/f.txt"); got != "old" {
		t.Fatalf("after a cancelled write: %q", got)
	}

	// Dead properties set through Patch survive a new version written
	// through the File; live ones are refused.
	name := xml.Name{Space: "urn:x", Local: "colour"}
	f, _ = fsys.OpenFile(ctx, "/team/f.txt", os.O_RDONLY, 0)
	holder := f.(xwebdav.DeadPropsHolder)
	if ps, err := holder.Patch([]xwebdav.Proppatch{{Props: []xwebdav.Property{{XMLName: name, InnerXML: []byte("blue")}}}}); err != nil || ps[0].Status != 200 {
		t.Fatalf("patch: %+v %v", ps, err)
	}
	live := xml.Name{Space: "DAV:", Local: "getetag"}
	if ps, err := holder.Patch([]xwebdav.Proppatch{{Props: []xwebdav.Property{{XMLName: live}}}}); err != nil || ps[0].Status != 403 {
		t.Fatalf("patch of a live property: %+v %v", ps, err)
	}
	f.Close()
	f, _ = fsys.OpenFile(ctx, "/team/f.txt", os.O_WRONLY|os.O_TRUNC, 0)
	io.WriteString(f, "new")
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	f, _ = fsys.OpenFile(ctx, "/team/f.txt", os.O_RDONLY, 0)
	props, _ := f.(xwebdav.DeadPropsHolder).DeadProps()
	f.Close()
	if string(props[name].InnerXML) != "blue" {
		t.Errorf("dead properties after a write: %+v", props)
	}
	if vs, _ := bob.Versions(ctx, "/team/f.txt"); len(vs) != 2 || content(t, bob, "/team/f.txt") != "new" {
		t.Errorf("versions %d", len(vs))
	}

	// Errors.
	notExist := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: %v, want fs.ErrNotExist", what, err)
		}
	}
	_, err = fsys.Stat(ctx, "/team/missing")
	notExist("stat", err)
	notExist("rename of a missing node", fsys.Rename(ctx, "/team/missing", "/team/x"))
	notExist("mkdir without parent", fsys.Mkdir(ctx, "/team/no/d", 0))
	f, err = fsys.OpenFile(ctx, "/team/no/new.txt", os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0)
	if err == nil {
		io.WriteString(f, "x")
		err = f.Close() // the namespace finds no folder when the write commits
	}
	notExist("create without parent", err)
	if err := fsys.Rename(ctx, "/team/dir", "/team/f.txt"); !storage.Is(storage.Exists, err) {
		t.Errorf("rename onto a file: %v", err)
	}
	if got := content(t, bob, "/team/f.txt"); got != "new" {
		t.Errorf("after a refused rename: %q", got)
	}
	if _, err := fsys.OpenFile(ctx, "/team/dir", os.O_RDWR|os.O_TRUNC, 0); err == nil {
		t.Error("a folder opened for writing")
	}
	d, _ := fsys.OpenFile(ctx, "/team/dir", os.O_RDONLY, 0)
	if _, err := d.Read(make([]byte, 1)); err == nil {
		t.Error("a folder read")
	}
	d.Close()
	f, _ = fsys.OpenFile(ctx, "/team/f.txt", os.O_RDONLY, 0)
	if _, err := f.Readdir(0); err == nil {
		t.Error("a file listed")
	}
	f.Close()
}

// x/net/webdav's own handler, the FileSystem's other user, copies a tree
// through it (Readdir, then each file read and written through Files) and
// moves it (Rename): what arrives is what left.
func TestFileSystemUnderXNetCopyMove(t *testing.T) {
	s := newServer(t)
	bob := s.As(s.Bob)
	for _, d := range []string{"/team/tree", "/team/tree/sub"} {
		if _, err := bob.Mkdir(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	big := storagetest.Payload(7, 2<<20+3)
	if _, err := bob.Put(ctx, "/team/tree/sub/big.bin", bytes.NewReader(big), storage.PutOptions{Size: int64(len(big))}); err != nil {
		t.Fatal(err)
	}
	put(t, bob, "/team/tree/small.txt", "small")
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		(&xwebdav.Handler{
			FileSystem: webdav.NewFileSystem(bob),
			LockSystem: webdav.NewLockSystem(r.Context(), bob, s.Bob.Principal.UserID),
		}).ServeHTTP(w, r)
	}))
	defer ts.Close()
	do := func(method, path, dest string, want int) {
		t.Helper()
		r, _ := http.NewRequest(method, ts.URL+path, nil)
		r.Header.Set("Destination", ts.URL+dest)
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Fatalf("%s %s: %d, want %d", method, path, resp.StatusCode, want)
		}
	}
	do("COPY", "/team/tree/", "/team/copy/", http.StatusCreated)
	do("MOVE", "/team/copy/", "/team/moved/", http.StatusCreated)
	if got := content(t, bob, "/team/moved/sub/big.bin"); got != string(big) {
		t.Errorf("big.bin: %d bytes, want %d", len(got), len(big))
	}
	if got := content(t, bob, "/team/moved/small.txt"); got != "small" {
		t.Errorf("small.txt: %q", got)
	}
	if _, err := bob.Stat(ctx, "/team/copy"); !storage.Is(storage.NotFound, err) {
		t.Errorf("the moved copy is still there: %v", err)
	}
}
