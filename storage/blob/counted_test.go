package blob

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestCountedDrive(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "d")
	local, err := LocalDrive(dir)
	if err != nil {
		t.Fatal(err)
	}
	d := Counted(local)
	want := func(n int64, what string) {
		t.Helper()
		if got := d.Errors(); got != n {
			t.Fatalf("after %s: %d errors, want %d", what, got, n)
		}
	}
	f, err := d.Create(shardName(contentID{1}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 10)
	if n, _ := f.ReadAt(buf, 0); n != 5 {
		t.Fatalf("read %d bytes", n)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	want(0, "a write, a short read at the end, a sync")

	stop := errors.New("enough")
	if err := d.Walk(func(string, int64, time.Time) error { return stop }); !errors.Is(err, stop) {
		t.Fatalf("walk: %v", err)
	}
	if err := d.Remove("aa/none"); err != nil {
		t.Fatal(err)
	}
	want(0, "a walk its callback stopped and the removal of a missing file")

	if _, err := d.Open("aa/missing"); err == nil {
		t.Fatal("opened a missing shard")
	}
	want(1, "opening a missing shard")
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, []byte("not a folder"), 0o600); err != nil {
		t.Fatal(err)
	}
	if d.Probe() == nil {
		t.Fatal("probe of a drive replaced by a file")
	}
	if _, err := d.Create("bb/shard"); err == nil {
		t.Fatal("created a shard on a drive replaced by a file")
	}
	want(3, "a failed probe and a failed create")
}
