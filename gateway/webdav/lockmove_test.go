package webdav_test

import (
	"strings"
	"testing"

	"coffre/storage"
)

// A lock does not move with its resource (RFC 4918 §7.6), and a request
// that unmaps a lock's root deletes the lock (§6.1 point 8): after a MOVE
// or DELETE by the lock's holder, nothing stays locked at the new place or
// in the trash, while a depth-infinity lock over the destination covers
// what arrives there.
func TestLocksDoNotMove(t *testing.T) {
	s := newServer(t)
	bob, admin := s.As(s.Bob), s.As(s.Admin)
	lock := func(path, depth string) string {
		t.Helper()
		return lockToken(t, s.req(t, s.Bob, "LOCK", path, lockBody, "Depth: "+depth).want(t, 200))
	}
	// locked reports whether a write by someone else (as S3 or REST would
	// write) is refused there.
	locked := func(path string) bool {
		t.Helper()
		_, err := admin.Put(ctx, path, strings.NewReader("admin"), storage.PutOptions{Size: 5})
		if err != nil && !storage.Is(storage.Locked, err) {
			t.Fatalf("put %s: %v", path, err)
		}
		return err != nil
	}
	noLocks := func(path string) {
		t.Helper()
		if ls, err := bob.Locks(ctx, path); err != nil || len(ls) != 0 {
			t.Errorf("locks on %s: %+v %v", path, ls, err)
		}
	}

	// A file moved by its lock's holder arrives unlocked; its token is gone.
	put(t, bob, "/team/f.txt", "f")
	tok := lock("/dav/team/f.txt", "0")
	s.req(t, s.Bob, "MOVE", "/dav/team/f.txt", "", "Destination: /dav/team/g.txt").want(t, 423)
	s.req(t, s.Bob, "MOVE", "/dav/team/f.txt", "", "Destination: /dav/team/g.txt", "If: (<"+tok+">)").want(t, 201)
	noLocks("/team/g.txt")
	if locked("/team/g.txt") {
		t.Error("the lock followed the moved file")
	}
	s.req(t, s.Bob, "UNLOCK", "/dav/team/g.txt", "", "Lock-Token: <"+tok+">").want(t, 409)

	// A file moved onto another: the source's lock goes, the target's,
	// whose root stays mapped, stays.
	put(t, bob, "/team/a.txt", "a")
	put(t, bob, "/team/b.txt", "b")
	ta, tb := lock("/dav/team/a.txt", "0"), lock("/dav/team/b.txt", "0")
	s.req(t, s.Bob, "MOVE", "/dav/team/a.txt", "", "Destination: /dav/team/b.txt", "If: (<"+ta+">) (<"+tb+">)").want(t, 204)
	if ls, _ := bob.Locks(ctx, "/team/b.txt"); len(ls) != 1 || ls[0].Token != tb {
		t.Errorf("locks on the target: %+v", ls)
	}
	if !locked("/team/b.txt") {
		t.Error("the target's lock went")
	}
	s.req(t, s.Bob, "UNLOCK", "/dav/team/b.txt", "", "Lock-Token: <"+tb+">").want(t, 204)

	// A folder moved with a lock on a file inside: the lock goes.
	for _, d := range []string{"/team/d", "/team/deep"} {
		if _, err := bob.Mkdir(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	put(t, bob, "/team/d/x.txt", "x")
	tx := lock("/dav/team/d/x.txt", "0")
	s.req(t, s.Bob, "MOVE", "/dav/team/d/", "", "Destination: /dav/team/e/").want(t, 423)
	s.req(t, s.Bob, "MOVE", "/dav/team/d/", "", "Destination: /dav/team/e/", "If: </dav/team/d/x.txt> (<"+tx+">)").want(t, 201)
	noLocks("/team/e")
	if locked("/team/e/x.txt") {
		t.Error("the lock followed the moved folder")
	}

	// Into a folder under a depth-infinity lock: what arrives is covered
	// by it, there and wherever it moves inside; moving the folder itself
	// away deletes the lock.
	tdeep := lock("/dav/team/deep/", "infinity")
	put(t, bob, "/team/c.txt", "c")
	s.req(t, s.Bob, "MOVE", "/dav/team/c.txt", "", "Destination: /dav/team/deep/c.txt").want(t, 423)
	s.req(t, s.Bob, "MOVE", "/dav/team/c.txt", "", "Destination: /dav/team/deep/c.txt", "If: (<"+tdeep+">)").want(t, 201)
	s.req(t, s.Bob, "MOVE", "/dav/team/deep/c.txt", "", "Destination: /dav/team/deep/c2.txt", "If: (<"+tdeep+">)").want(t, 201)
	if ls, _ := bob.Locks(ctx, "/team/deep/c2.txt"); len(ls) != 1 || ls[0].Token != tdeep || ls[0].Path != "/team/deep" {
		t.Errorf("locks on the moved file: %+v", ls)
	}
	if !locked("/team/deep/c2.txt") {
		t.Error("the destination's lock does not cover the moved file")
	}
	s.req(t, s.Bob, "MOVE", "/dav/team/deep/", "", "Destination: /dav/team/shallow/", "If: (<"+tdeep+">)").want(t, 201)
	noLocks("/team/shallow")
	if locked("/team/shallow/c2.txt") {
		t.Error("the lock followed the moved folder")
	}

	// DELETE by the holder deletes the lock: restored from the trash, the
	// file is not locked.
	put(t, bob, "/team/t.txt", "t")
	tt := lock("/dav/team/t.txt", "0")
	s.req(t, s.Bob, "DELETE", "/dav/team/t.txt", "", "If: (<"+tt+">)").want(t, 204)
	var item storage.TrashItem
	items, err := bob.Trash(ctx, false)
	for _, it := range items {
		if it.Path == "/team/t.txt" {
			item = it
		}
	}
	if err != nil || item.ID == 0 {
		t.Fatalf("trash: %+v %v", items, err)
	}
	if _, err := bob.Restore(ctx, item.ID, ""); err != nil {
		t.Fatal(err)
	}
	noLocks("/team/t.txt")
	if locked("/team/t.txt") {
		t.Error("the lock of a deleted file came back with it")
	}
}
