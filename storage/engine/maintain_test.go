package engine_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"coffre/storage"
	"coffre/storage/engine"
)

func TestMaintenanceAgesOutFilesPurgesTrashExpiresLocks(t *testing.T) {
	s := newStack(t)
	clk := &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	e, err := engine.New(s.meta, s.blob, engine.Options{Now: clk.now, TrashRetention: 7 * 24 * time.Hour, LockTimeout: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	owner := e.As(storage.Principal{UserID: "u-owner", Login: "owner", Admin: true})
	for _, d := range []string{"/r", "/r/tmp", "/r/tmp/sub"} {
		if _, err := owner.Mkdir(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	put := func(path string, mtime time.Time) {
		if _, err := owner.Put(ctx, path, strings.NewReader(path), storage.PutOptions{Size: int64(len(path)), ModTime: mtime}); err != nil {
			t.Fatal(err)
		}
	}
	put("/r/tmp/old", clk.now().Add(-72*time.Hour))
	put("/r/tmp/sub/old", clk.now().Add(-49*time.Hour))
	put("/r/tmp/new", clk.now().Add(-time.Hour))
	put("/r/keep", clk.now().Add(-1000*time.Hour))
	if err := owner.SetPurgeDays(ctx, "/r/tmp", 2); err != nil {
		t.Fatal(err)
	}
	if st, _ := owner.Stat(ctx, "/r/tmp"); st.PurgeDays != 2 {
		t.Fatalf("purge days %d", st.PurgeDays)
	}
	if _, err := owner.Lock(ctx, "/r/keep", storage.LockOptions{}); err != nil {
		t.Fatal(err)
	}

	if m, err := e.Maintain(ctx); err != nil || m.FilesAgedOut != 2 {
		t.Fatalf("first pass: %+v, %v", m, err)
	}
	for path, gone := range map[string]bool{"/r/tmp/old": true, "/r/tmp/sub/old": true, "/r/tmp/new": false, "/r/keep": false} {
		_, err := owner.Stat(ctx, path)
		if gone != storage.Is(storage.NotFound, err) {
			t.Errorf("%s: stat %v after maintenance; aged out: %v", path, err, gone)
		}
	}
	items, err := owner.Trash(ctx, false)
	if err != nil || len(items) != 2 {
		t.Fatalf("owner's trash after aging out: %v, %v", items, err)
	}

	clk.add(8 * 24 * time.Hour) // past the trash retention and the lock's life
	if m, err := e.Maintain(ctx); err != nil || m.TrashPurged != 2 || m.LocksExpired != 1 {
		t.Fatalf("second pass: %+v, %v", m, err)
	}
	// The two old items are purged; /r/tmp/new, 8 days old now, ages out.
	if items, _ := owner.Trash(ctx, false); len(items) != 1 || items[0].Path != "/r/tmp/new" {
		t.Fatalf("trash after retention: %+v", items)
	}
	if ls, _ := owner.Locks(ctx, "/r/keep"); len(ls) != 0 {
		t.Fatalf("expired lock still listed: %+v", ls)
	}
	if err := owner.SetPurgeDays(ctx, "/r/tmp", -1); !storage.Is(storage.Invalid, err) {
		t.Fatalf("negative purge days: %v", err)
	}
}

// A pass cut short by a shutdown (its context canceled) says so, so that
// its caller can tell a shutdown from a failure.
func TestMaintenanceStoppedByShutdown(t *testing.T) {
	s := newStack(t)
	e, err := engine.New(s.meta, s.blob, engine.Options{TrashRetention: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	owner := e.As(storage.Principal{UserID: "u-owner", Login: "owner", Admin: true})
	if _, err := owner.Mkdir(ctx, "/r"); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Put(ctx, "/r/f", strings.NewReader("x"), storage.PutOptions{Size: 1}); err != nil {
		t.Fatal(err)
	}
	if err := owner.Delete(ctx, "/r/f", storage.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if m, err := e.Maintain(canceled); !errors.Is(err, context.Canceled) || m.TrashPurged != 0 {
		t.Fatalf("a canceled pass: %+v, %v", m, err)
	}
}
