package blob

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"coffre/storage"
	"coffre/storage/meta"
)

// env is a Store over real drive folders and a real Pebble store.
type env struct {
	t      *testing.T
	meta   *meta.Store
	dirs   []string
	drives []Drive
	opts   Options
	s      *Store
}

func testKey() []byte { return bytes.Repeat([]byte{7}, 32) }

func newEnv(t testing.TB, opts Options) *env {
	t.Helper()
	root := t.TempDir()
	m, err := meta.Open(filepath.Join(root, "meta"), meta.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	if opts.MasterKey == nil {
		opts.MasterKey = testKey()
	}
	k, p := opts.DataShards, opts.ParityShards
	if k == 0 {
		k, p = 2, 2
	}
	e := &env{meta: m, opts: opts}
	for i := range k + p {
		dir := filepath.Join(root, "drive"+string(rune('a'+i)))
		d, err := LocalDrive(dir)
		if err != nil {
			t.Fatal(err)
		}
		e.dirs = append(e.dirs, dir)
		e.drives = append(e.drives, d)
	}
	e.s, err = New(m, e.drives, opts)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func randBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := 0; i < n; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8 && i+j < n; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	return b
}

// put writes data and commits one reference to it.
func (e *env) put(t testing.TB, data []byte, size int64) Hash {
	t.Helper()
	p, err := e.s.Write(context.Background(), bytes.NewReader(data), size)
	if err != nil {
		t.Fatalf("write %d bytes: %v", len(data), err)
	}
	if p.Hash != sha256.Sum256(data) || p.Size != int64(len(data)) {
		t.Fatalf("pending hash/size wrong")
	}
	e.commit(t, []*Pending{p}, nil)
	return p.Hash
}

func (e *env) commit(t testing.TB, add []*Pending, deltas map[Hash]int) {
	t.Helper()
	b := e.meta.NewBatch()
	done, err := e.s.Update(b, add, deltas)
	if err != nil {
		b.Discard()
		t.Fatalf("update: %v", err)
	}
	err = b.Commit()
	done(err == nil)
	if err != nil {
		t.Fatalf("commit: %v", err)
	}
}

func (e *env) readAll(t testing.TB, h Hash) ([]byte, error) {
	t.Helper()
	r, err := e.s.Open(context.Background(), h)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	out := make([]byte, r.Size())
	n, err := r.ReadAt(out, 0)
	if err != nil && !(err == io.EOF && n == len(out)) {
		return out[:n], err
	}
	return out, nil
}

func TestRoundTripSizes(t *testing.T) {
	e := newEnv(t, Options{BlockSize: 64 << 10, InlineLimit: 4096})
	bs, il := 64<<10, 4096
	sizes := []int{0, 1, il - 1, il, il + 1, bs - 1, bs, bs + 1, 5*bs + 17, 3 << 20}
	for i, n := range sizes {
		data := randBytes(uint64(i), n)
		for _, known := range []bool{true, false} {
			size := int64(n)
			if !known {
				size = -1
			}
			h := e.put(t, data, size)
			got, err := e.readAll(t, h)
			if err != nil {
				t.Fatalf("size %d: read: %v", n, err)
			}
			if !bytes.Equal(got, data) {
				t.Fatalf("size %d: content differs", n)
			}
		}
	}
}

func TestWrongSize(t *testing.T) {
	e := newEnv(t, Options{BlockSize: 64 << 10, InlineLimit: 4096})
	for _, c := range []struct{ n, size int }{{10, 11}, {10, 9}, {100000, 99999}, {100000, 100001}} {
		_, err := e.s.Write(context.Background(), bytes.NewReader(randBytes(1, c.n)), int64(c.size))
		if !storage.Is(storage.Invalid, err) {
			t.Fatalf("%d bytes as %d: err %v, want Invalid", c.n, c.size, err)
		}
	}
}

func sleep() { time.Sleep(10 * time.Millisecond) }
