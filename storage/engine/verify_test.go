package engine_test

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"coffre/storage"
	"coffre/storage/engine"
)

func TestVerifyFindsDamage(t *testing.T) {
	s := openStack(t, t.TempDir())
	defer s.close(t)
	ns := s.eng.As(admin)
	if _, err := ns.Mkdir(ctx, "/r"); err != nil {
		t.Fatal(err)
	}
	info, err := ns.Put(ctx, "/r/f", strings.NewReader("hello"), storage.PutOptions{Size: 5})
	if err != nil {
		t.Fatal(err)
	}
	if r, err := s.eng.Verify(ctx); err != nil || len(r.Problems) != 0 || r.Files != 1 || r.Folders != 1 {
		t.Fatalf("healthy tree: %+v, %v", r, err)
	}
	b := s.meta.NewBatch()
	b.Add([]byte("q/p"), 7)
	b.Delete(append([]byte("n/"), binary.BigEndian.AppendUint64(nil, uint64(info.ID))...))
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	r, err := s.eng.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(r.Problems, "\n")
	for _, want := range []string{"platform usage counter", "has no pointer"} {
		if !strings.Contains(got, want) {
			t.Errorf("verify did not report %q; it said:\n%s", want, got)
		}
	}
}

// Many principals create, overwrite, rename, move and delete in the same
// folders at once; the tree must stay consistent (newStack verifies it).
func TestConcurrentChangesKeepTheTreeConsistent(t *testing.T) {
	s := newStack(t)
	ns := s.eng.As(admin)
	for _, d := range []string{"/r", "/r/a", "/r/b", "/r/a/x"} {
		if _, err := ns.Mkdir(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	dirs := []string{"/r", "/r/a", "/r/b", "/r/a/x"}
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 99))
			for i := 0; i < 60; i++ {
				d := dirs[rng.IntN(len(dirs))]
				name := fmt.Sprintf("%s/n%d", d, rng.IntN(6))
				var err error
				switch rng.IntN(7) {
				case 0, 1:
					_, err = ns.Put(ctx, name, strings.NewReader(strings.Repeat("x", rng.IntN(3000))), storage.PutOptions{Size: -1})
				case 2:
					_, err = ns.Mkdir(ctx, name)
				case 3:
					_, err = ns.Move(ctx, name, fmt.Sprintf("%s/n%d", dirs[rng.IntN(len(dirs))], rng.IntN(6)))
				case 4:
					err = ns.Delete(ctx, name, storage.DeleteOptions{})
				case 5:
					err = ns.Delete(ctx, name, storage.DeleteOptions{Permanent: true})
				case 6:
					_, err = ns.Copy(ctx, name, fmt.Sprintf("%s/n%d", d, rng.IntN(6)), storage.CopyOptions{})
				}
				switch storage.KindOf(err) {
				case storage.Other, storage.NotFound, storage.Exists, storage.Conflict, storage.NotSupported, storage.Invalid:
					if storage.KindOf(err) == storage.Other && err != nil {
						t.Error(err)
					}
				default:
					t.Errorf("unexpected error: %v", err)
				}
			}
		}()
	}
	wg.Wait()
	items, err := ns.Trash(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	for i, it := range items {
		if i%2 == 0 {
			if _, err := ns.Restore(ctx, it.ID, "/r"); err != nil {
				t.Errorf("restore %s: %v", it.Path, err)
			}
		}
	}
	if _, err := ns.EmptyTrash(ctx, false); err != nil {
		t.Fatal(err)
	}
}

// A move that finds its file before a delete trashes it must not bring the
// file back from the trash: it finds the file again once it holds the
// file's entry. (The file then was both in the tree and in the trash, and
// restoring the trash item made two entries for one node.)
func TestMoveDoesNotResurrectAFileTrashedMeanwhile(t *testing.T) {
	s := newStack(t)
	ns := s.eng.As(admin)
	if _, err := ns.Mkdir(ctx, "/r"); err != nil {
		t.Fatal(err)
	}
	if _, err := ns.Put(ctx, "/r/f", strings.NewReader("hello"), storage.PutOptions{Size: 5}); err != nil {
		t.Fatal(err)
	}
	moved := make(chan error, 1)
	err := engine.TrashWhileHeld(s.eng, admin, "/r/f", func() {
		go func() {
			_, err := ns.Move(ctx, "/r/f", "/r/g")
			moved <- err
		}()
		waitBlocked(t, "(*namespace).Move", "(*stripes).lock")
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-moved; !storage.Is(storage.NotFound, err) {
		t.Fatalf("move of a file trashed meanwhile: %v, want NotFound", err)
	}
	if _, err := ns.Stat(ctx, "/r/g"); !storage.Is(storage.NotFound, err) {
		t.Fatalf("stat /r/g: %v, want NotFound", err)
	}
	items, err := ns.Trash(ctx, false)
	if err != nil || len(items) != 1 {
		t.Fatalf("trash: %v, %v", items, err)
	}
	if _, err := ns.Restore(ctx, items[0].ID, ""); err != nil {
		t.Fatal(err)
	}
}

// waitBlocked waits until a goroutine's stack holds every one of frames:
// the goroutine is blocked there.
func waitBlocked(t *testing.T, frames ...string) {
	t.Helper()
	buf := make([]byte, 1<<20)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, g := range strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n") {
			all := true
			for _, f := range frames {
				all = all && strings.Contains(g, f)
			}
			if all {
				return
			}
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("no goroutine blocked in %v", frames)
}
