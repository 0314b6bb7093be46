package blob

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestLocalFileSyncer writes a shard file in the writer's pieces: past
// syncChunk the syncer runs, Sync and Close stop it, a write after Sync
// starts it again, and the file holds exactly what was written.
func TestLocalFileSyncer(t *testing.T) {
	dir := t.TempDir()
	d, err := LocalDrive(dir)
	if err != nil {
		t.Fatal(err)
	}
	f, err := d.Create("blobs/ab/file")
	if err != nil {
		t.Fatal(err)
	}
	lf := f.(*localFile)
	data := randBytes(3, 3*syncChunk+12345)
	write := func(p []byte) {
		t.Helper()
		for len(p) > 0 {
			n := min(len(p), 512<<10+32)
			if _, err := f.Write(p[:n]); err != nil {
				t.Fatal(err)
			}
			p = p[n:]
		}
	}
	write(data[:syncChunk-1])
	if lf.syncs != nil {
		t.Fatal("syncer started before syncChunk bytes")
	}
	write(data[syncChunk-1 : 2*syncChunk])
	if lf.syncs == nil {
		t.Fatal("no syncer after syncChunk bytes")
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if lf.syncs != nil {
		t.Fatal("syncer still running after Sync")
	}
	write(data[2*syncChunk:])
	if lf.syncs == nil {
		t.Fatal("no syncer after writing on past Sync")
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if lf.syncs != nil {
		t.Fatal("syncer still running after Close")
	}
	got, err := os.ReadFile(filepath.Join(dir, "blobs", "ab", "file"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, data) {
		t.Fatalf("file of %d bytes differs from the %d written", len(got), len(data))
	}
}
