package engine_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"coffre/storage"
	"coffre/storage/blob"
	"coffre/storage/engine"
	"coffre/storage/meta"
	"coffre/storage/storagetest"
)

var ctx = context.Background()

var admin = storage.Principal{UserID: "u-admin", Login: "admin", Admin: true}

// stack is a real engine over real Pebble and four real drive folders.
type stack struct {
	dir  string
	meta *meta.Store
	blob *blob.Store
	eng  *engine.Engine
}

func openStack(t testing.TB, dir string) *stack {
	t.Helper()
	m, err := meta.Open(filepath.Join(dir, "meta"), meta.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var drives []blob.Drive
	for i := 1; i <= 4; i++ {
		d, err := blob.LocalDrive(filepath.Join(dir, fmt.Sprintf("d%d", i)))
		if err != nil {
			t.Fatal(err)
		}
		drives = append(drives, d)
	}
	b, err := blob.New(m, drives, blob.Options{DataShards: 2, ParityShards: 2, MasterKey: bytes.Repeat([]byte{7}, 32)})
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(m, b, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return &stack{dir: dir, meta: m, blob: b, eng: e}
}

func (s *stack) close(t testing.TB) {
	if err := s.meta.Close(); err != nil {
		t.Error(err)
	}
}

// newStack opens a stack that is closed when the test ends, after a check
// that the namespace's records agree with each other.
func newStack(t testing.TB) *stack {
	s := openStack(t, t.TempDir())
	t.Cleanup(func() { s.close(t) })
	t.Cleanup(func() {
		r, err := s.eng.Verify(ctx)
		if err != nil {
			t.Errorf("verify: %v", err)
		}
		for _, p := range r.Problems {
			t.Errorf("verify: %s", p)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Namespace { return newStack(t).eng.As(admin) })
}

func TestAnonymousMayDoNothing(t *testing.T) {
	ns := newStack(t).eng.As(storage.Principal{})
	if _, err := ns.Stat(ctx, "/"); !storage.Is(storage.Unauthenticated, err) {
		t.Fatalf("anonymous stat: %v", err)
	}
	if _, err := ns.Mkdir(ctx, "/r"); !storage.Is(storage.Unauthenticated, err) {
		t.Fatalf("anonymous mkdir: %v", err)
	}
}

func TestSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	s := openStack(t, dir)
	ns := s.eng.As(admin)
	if _, err := ns.Mkdir(ctx, "/r"); err != nil {
		t.Fatal(err)
	}
	big := storagetest.Payload(1, 3<<20)
	small := []byte("small")
	first, err := ns.Put(ctx, "/r/big", bytes.NewReader(big), storage.PutOptions{Size: -1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ns.Put(ctx, "/r/small", bytes.NewReader(small), storage.PutOptions{Size: -1}); err != nil {
		t.Fatal(err)
	}
	s.close(t)

	s = openStack(t, dir)
	defer s.close(t)
	ns = s.eng.As(admin)
	if got := storagetest.ReadAll(t, ns, "/r/big"); !bytes.Equal(got, big) {
		t.Fatal("big file differs after restart")
	}
	if got := storagetest.ReadAll(t, ns, "/r/small"); !bytes.Equal(got, small) {
		t.Fatal("small file differs after restart")
	}
	// IDs handed out after a restart never collide with earlier ones.
	next, err := ns.Put(ctx, "/r/other", bytes.NewReader(small), storage.PutOptions{Size: -1})
	if err != nil {
		t.Fatal(err)
	}
	if next.ID <= first.ID || next.VersionID <= first.VersionID {
		t.Fatalf("IDs went backwards after restart: %d/%d after %d/%d", next.ID, next.VersionID, first.ID, first.VersionID)
	}
}

func TestIdenticalContentStoredOnce(t *testing.T) {
	s := newStack(t)
	ns := s.eng.As(admin)
	if _, err := ns.Mkdir(ctx, "/r"); err != nil {
		t.Fatal(err)
	}
	data := storagetest.Payload(2, 2<<20)
	h := blob.Hash(sha256.Sum256(data))
	for _, p := range []string{"/r/a", "/r/b"} {
		if _, err := ns.Put(ctx, p, bytes.NewReader(data), storage.PutOptions{Size: -1}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ns.Copy(ctx, "/r/a", "/r/c", storage.CopyOptions{}); err != nil {
		t.Fatal(err)
	}
	if n, err := s.blob.Refs(h); err != nil || n != 3 {
		t.Fatalf("refs = %d, %v; want 3", n, err)
	}
	if got := shardBytes(t, s.dir); got > int64(len(data))*2+1<<20 {
		t.Fatalf("three identical files use %d bytes of shards", got)
	}
	// Through the trash, then for good: the space comes back once purged.
	if err := ns.Delete(ctx, "/r/a", storage.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/r/b", "/r/c"} {
		if err := ns.Delete(ctx, p, storage.DeleteOptions{Permanent: true}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.blob.Refs(h); err != nil || n != 1 {
		t.Fatalf("refs with one copy in the trash = %d, %v; want 1", n, err)
	}
	if shardBytes(t, s.dir) == 0 {
		t.Fatal("the trashed copy's content is gone")
	}
	if _, err := ns.EmptyTrash(ctx, false); err != nil {
		t.Fatal(err)
	}
	if n, err := s.blob.Refs(h); n != 0 && !storage.Is(storage.NotFound, err) {
		t.Fatalf("refs after deleting every copy = %d, %v", n, err)
	}
	if got := shardBytes(t, s.dir); got != 0 {
		t.Fatalf("%d bytes of shards left after deleting every reference", got)
	}
}

// shardBytes adds up the sizes of the shard files on the stack's drives.
func shardBytes(t *testing.T, dir string) int64 {
	var total int64
	for i := 1; i <= 4; i++ {
		root := filepath.Join(dir, fmt.Sprintf("d%d", i))
		err := filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			if fi.Mode().IsRegular() && filepath.Base(filepath.Dir(filepath.Dir(p))) == "blobs" {
				total += fi.Size()
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return total
}

func rightsEnv(t *testing.T) storagetest.RightsEnv {
	s := newStack(t)
	return storagetest.RightsEnv{
		Admin:  s.eng.As(admin),
		User:   s.eng.As(storage.Principal{UserID: "u-1", Login: "user1", Groups: []string{"g-1", "g-2"}}),
		UserID: "u-1", G1: "g-1", G2: "g-2",
		Other:   s.eng.As(storage.Principal{UserID: "u-2", Login: "user2"}),
		OtherID: "u-2",
	}
}

func TestRights(t *testing.T) { storagetest.RunRights(t, rightsEnv) }

func TestLocks(t *testing.T) { storagetest.RunLocks(t, rightsEnv) }

func TestMaxVersionsPrunesTheOldest(t *testing.T) {
	dir := t.TempDir()
	s := openStack(t, dir)
	defer s.close(t)
	e, err := engine.New(s.meta, s.blob, engine.Options{MaxVersions: 3})
	if err != nil {
		t.Fatal(err)
	}
	ns := e.As(admin)
	if _, err := ns.Mkdir(ctx, "/r"); err != nil {
		t.Fatal(err)
	}
	var hashes []blob.Hash
	for i := 0; i < 6; i++ {
		data := storagetest.Payload(uint64(i), 200<<10) // on the drives, not inline
		hashes = append(hashes, sha256.Sum256(data))
		if _, err := ns.Put(ctx, "/r/f", bytes.NewReader(data), storage.PutOptions{Size: -1}); err != nil {
			t.Fatal(err)
		}
	}
	vs, err := ns.Versions(ctx, "/r/f")
	if err != nil || len(vs) != 3 {
		t.Fatalf("%d versions kept (%v), want 3", len(vs), err)
	}
	if st, _ := ns.Stat(ctx, "/r/f"); st.Versions != 3 {
		t.Fatalf("stat says %d versions", st.Versions)
	}
	for i, h := range hashes {
		n, err := s.blob.Refs(h)
		if want := map[bool]int{true: 1, false: 0}[i >= 3]; n != want && !(want == 0 && storage.Is(storage.NotFound, err)) {
			t.Errorf("version %d: %d references (%v), want %d", i, n, err, want)
		}
	}
}
