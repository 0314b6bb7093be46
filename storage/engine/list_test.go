package engine_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"coffre/storage"
	"coffre/storage/storagetest"
)

const (
	browse = storage.Browse
	read   = storage.Read
	dl     = storage.Download
)

// keyRightsTree builds, as the administrator, /team with the files f, r and
// hidden-file, the folders sub (f, deep/f), hidden (g, inner/h) and empty,
// and /other (f).
func keyRightsTree(t *testing.T, env storagetest.RightsEnv) {
	t.Helper()
	for _, d := range []string{"/team", "/team/sub", "/team/sub/deep", "/team/hidden", "/team/hidden/inner", "/team/empty", "/other"} {
		if _, err := env.Admin.Mkdir(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"/team/f", "/team/r", "/team/hidden-file", "/team/sub/f", "/team/sub/deep/f", "/team/hidden/g", "/team/hidden/inner/h", "/other/f"} {
		if _, err := env.Admin.Put(ctx, f, strings.NewReader(f), storage.PutOptions{Size: int64(len(f))}); err != nil {
			t.Fatal(err)
		}
	}
}

func setGrant(t *testing.T, env storagetest.RightsEnv, path string, r storage.Rights) {
	t.Helper()
	if err := env.Admin.SetGrant(ctx, path, storage.Subject{ID: env.UserID}, r); err != nil {
		t.Fatal(err)
	}
}

var (
	recursive = storage.ListOptions{Recursive: true}
	keyOrder  = storage.ListOptions{KeyOrder: true}
)

// wantRights checks the rights carried by every item of a full listing.
func wantRights(t *testing.T, ns storage.Namespace, dir string, opt storage.ListOptions, want storage.Rights) {
	t.Helper()
	p, err := ns.List(ctx, dir, opt)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range p.Items {
		if it.Rights != want {
			t.Errorf("list %s: %s has rights %v, want %v", dir, it.Name, it.Rights, want)
		}
	}
}

func TestListKeysAdministratorSeesAll(t *testing.T) {
	env := rightsEnv(t)
	keyRightsTree(t, env)
	storagetest.CheckKeys(t, env.Admin, "/team", recursive,
		[]string{"empty/", "f", "hidden-file", "hidden/g", "hidden/inner/h", "r", "sub/deep/f", "sub/f"})
}

// A grant on /team/sub alone: the user traverses /team and sees in it only
// what leads there, through every entry point of a listing.
func TestListKeysGrantBelow(t *testing.T) {
	env := rightsEnv(t)
	keyRightsTree(t, env)
	setGrant(t, env, "/team/sub", browse|read|dl)
	u := env.User
	storagetest.CheckKeys(t, u, "/team", recursive, []string{"sub/deep/f", "sub/f"})
	storagetest.CheckKeys(t, u, "/team", keyOrder, []string{"sub/"})
	storagetest.CheckKeys(t, u, "/", recursive, []string{"team/sub/deep/f", "team/sub/f"})
	storagetest.CheckKeys(t, u, "/", keyOrder, []string{"team/"})
	storagetest.CheckKeys(t, u, "/team/sub", recursive, []string{"deep/f", "f"})
	wantRights(t, u, "/team", recursive, browse|read|dl)
	if _, err := u.List(ctx, "/other", recursive); !storage.Is(storage.NotFound, err) {
		t.Errorf("recursive listing of an invisible root: %v", err)
	}
}

// Files in a folder without Read are not listed, and a folder holding
// only such files is listed as empty; a folder without Browse (and no grant
// below) is skipped with everything in it, also when it is a resume point's
// candidate (hidden before hidden-file).
func TestListKeysRightsPerFolder(t *testing.T) {
	env := rightsEnv(t)
	keyRightsTree(t, env)
	setGrant(t, env, "/team", browse|read)
	setGrant(t, env, "/team/sub", browse)
	setGrant(t, env, "/team/hidden", read)
	u := env.User
	storagetest.CheckKeys(t, u, "/team", recursive, []string{"empty/", "f", "hidden-file", "r", "sub/deep/"})
	storagetest.CheckKeys(t, u, "/team", keyOrder, []string{"empty/", "f", "hidden-file", "r", "sub/"})
	storagetest.CheckKeys(t, u, "/team/sub", recursive, []string{"deep/"})
	storagetest.CheckKeys(t, u, "/team/sub", keyOrder, []string{"deep/"})
	p, err := u.List(ctx, "/team", recursive)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]storage.Rights{"empty/": browse | read, "f": browse | read, "hidden-file": browse | read, "r": browse | read, "sub/deep/": browse}
	for _, it := range p.Items {
		if it.Rights != want[it.Name] {
			t.Errorf("%s has rights %v, want %v", it.Name, it.Rights, want[it.Name])
		}
	}
}

// The owner of a root folder holds every right in it, but not in a folder
// below it that they also own, where an entry takes rights away.
func TestListKeysRootOwner(t *testing.T) {
	env := rightsEnv(t)
	setGrant(t, env, "/", storage.Write)
	u := env.User
	for _, d := range []string{"/mine", "/mine/sub"} {
		if _, err := u.Mkdir(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"/mine/f", "/mine/sub/f"} {
		if _, err := u.Put(ctx, f, strings.NewReader(f), storage.PutOptions{Size: int64(len(f))}); err != nil {
			t.Fatal(err)
		}
	}
	setGrant(t, env, "/mine/sub", browse)
	storagetest.CheckKeys(t, u, "/", recursive, []string{"mine/f", "mine/sub/"})
	storagetest.CheckKeys(t, u, "/mine", recursive, []string{"f", "sub/"})
	wantRights(t, u, "/mine", storage.ListOptions{KeyOrder: true, Prefix: "f"}, storage.AllRights)
}

// A share link's principal, confined below /team/sub.
func TestListKeysLink(t *testing.T) {
	s := newStack(t)
	env := storagetest.RightsEnv{Admin: s.eng.As(admin)}
	keyRightsTree(t, env)
	sub, err := env.Admin.Stat(ctx, "/team/sub")
	if err != nil {
		t.Fatal(err)
	}
	link := s.eng.As(storage.Principal{UserID: "share:1", Root: sub.ID, Max: browse | read | dl})
	storagetest.CheckKeys(t, link, "/team/sub", recursive, []string{"deep/f", "f"})
	storagetest.CheckKeys(t, link, "/team", recursive, []string{"sub/deep/f", "sub/f"})
	wantRights(t, link, "/team/sub", recursive, browse|read|dl)
}

func TestListKeysCancelled(t *testing.T) {
	ns := newStack(t).eng.As(admin)
	if _, err := ns.Mkdir(ctx, "/r"); err != nil {
		t.Fatal(err)
	}
	if _, err := ns.Put(ctx, "/r/f", strings.NewReader("x"), storage.PutOptions{Size: 1}); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	for _, opt := range []storage.ListOptions{recursive, keyOrder} {
		if _, err := ns.List(cctx, "/r", opt); !errors.Is(err, context.Canceled) {
			t.Errorf("listing with a cancelled context: %v", err)
		}
	}
}

// BenchmarkListKeys10k lists 10,000 files in 100 folders recursively, in
// pages of 1000, as the S3 front end does; one op is the whole listing.
func BenchmarkListKeys10k(b *testing.B) {
	const folders, perFolder, page = 100, 100, 1000
	ns := newStack(b).eng.As(admin)
	if _, err := ns.Mkdir(ctx, "/b"); err != nil {
		b.Fatal(err)
	}
	for i := range folders {
		if _, err := ns.Mkdir(ctx, fmt.Sprintf("/b/d%03d", i)); err != nil {
			b.Fatal(err)
		}
	}
	// Each write is a synced commit: write concurrently, so they share syncs.
	var wg sync.WaitGroup
	errs := make(chan error, folders)
	for i := range folders {
		wg.Go(func() {
			for j := range perFolder {
				p := fmt.Sprintf("/b/d%03d/f%04d.txt", i, j)
				if _, err := ns.Put(ctx, p, strings.NewReader(p), storage.PutOptions{Size: int64(len(p))}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	for b.Loop() {
		n, after := 0, ""
		for {
			p, err := ns.List(ctx, "/b", storage.ListOptions{Recursive: true, Limit: page, After: after})
			if err != nil {
				b.Fatal(err)
			}
			n += len(p.Items)
			if p.Next == "" {
				break
			}
			after = p.Next
		}
		if n != folders*perFolder {
			b.Fatalf("listed %d files", n)
		}
	}
}
