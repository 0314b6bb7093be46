package blob

import (
	"os"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// TestSyncDropsCache checks that a shard file's pages leave the page cache
// once they are durable: those the syncer synced while the file is written,
// then all of them at Sync.
func TestSyncDropsCache(t *testing.T) {
	d, err := LocalDrive(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f, err := d.Create("blobs/ab/file")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lf := f.(*localFile)
	data := randBytes(4, 2*syncChunk+4096)
	for p := data; len(p) > 0; {
		n := min(len(p), 512<<10+32)
		if _, err := f.Write(p[:n]); err != nil {
			t.Fatal(err)
		}
		p = p[n:]
	}
	if err := lf.stopSyncer(); err != nil { // waits for the syncer's passes
		t.Fatal(err)
	}
	if got := cached(t, lf.File, 0, syncChunk); got != 0 {
		t.Fatalf("%d pages of the first synced chunk still cached", got)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if got := cached(t, lf.File, 0, int64(len(data))); got != 0 {
		t.Fatalf("%d pages still cached after Sync", got)
	}
}

// cached counts the pages of [off, off+n) of f in the page cache.
func cached(t *testing.T, f *os.File, off, n int64) int {
	t.Helper()
	m, err := unix.Mmap(int(f.Fd()), off, int(n), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Munmap(m)
	vec := make([]byte, (n+int64(os.Getpagesize())-1)/int64(os.Getpagesize()))
	if _, _, e := unix.Syscall(unix.SYS_MINCORE, uintptr(unsafe.Pointer(&m[0])), uintptr(len(m)), uintptr(unsafe.Pointer(&vec[0]))); e != 0 {
		t.Fatal(e)
	}
	count := 0
	for _, v := range vec {
		count += int(v & 1)
	}
	return count
}
