package blob

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"os"
	"strings"
	"sync"
	"testing"

	"coffre/storage"
)

func TestReady(t *testing.T) {
	e := newEnv(t, Options{})
	if err := e.s.Ready(); err != nil {
		t.Fatal(err)
	}
	os.RemoveAll(e.dirs[0])
	if err := e.s.Ready(); err != nil {
		t.Fatalf("one drive gone, quorum 3 of 4: %v", err)
	}
	os.RemoveAll(e.dirs[1])
	if err := e.s.Ready(); !storage.Is(storage.Unavailable, err) {
		t.Fatalf("two drives gone: %v", err)
	}
	// Writes need the quorum too.
	if _, err := e.s.Write(context.Background(), bytes.NewReader(randBytes(1, 1<<20)), -1); !storage.Is(storage.Unavailable, err) {
		t.Fatalf("write without quorum: %v", err)
	}
	// Small content needs no drive.
	if _, err := e.s.Write(context.Background(), strings.NewReader("hello"), 5); err != nil {
		t.Fatal(err)
	}
}

func TestNewOptions(t *testing.T) {
	e := newEnv(t, Options{})
	if _, err := New(e.meta, e.drives[:3], Options{MasterKey: testKey()}); !storage.Is(storage.Invalid, err) {
		t.Fatalf("3 drives for 2+2: %v", err)
	}
	if _, err := New(e.meta, e.drives, Options{}); !storage.Is(storage.Invalid, err) {
		t.Fatalf("no master key: %v", err)
	}
	if h := (Hash{0xab}); !strings.HasPrefix(h.String(), "ab00") || len(h.String()) != 64 {
		t.Fatal(h.String())
	}
}

// TestConcurrentDedup commits the same content from many goroutines, then
// drops every reference concurrently: one record, then nothing left.
func TestConcurrentDedup(t *testing.T) {
	e := newEnv(t, Options{BlockSize: 64 << 10})
	data := randBytes(21, 200<<10)
	const n = 8
	var wg sync.WaitGroup
	h := Hash(sha256.Sum256(data))
	for range n {
		wg.Go(func() {
			p, err := e.s.Write(context.Background(), bytes.NewReader(data), -1)
			if err != nil {
				t.Error(err)
				return
			}
			b := e.meta.NewBatch()
			done, err := e.s.Update(b, []*Pending{p}, nil)
			if err != nil {
				t.Error(err)
				return
			}
			err = b.Commit()
			done(err == nil)
		})
	}
	wg.Wait()
	if refs, err := e.s.Refs(h); refs != n || err != nil {
		t.Fatalf("refs %d, %v", refs, err)
	}
	if files := e.shardFiles(t); len(files) != 4 {
		t.Fatalf("%d files", len(files))
	}
	for range n {
		wg.Go(func() {
			b := e.meta.NewBatch()
			done, err := e.s.Update(b, nil, map[Hash]int{h: -1})
			if err != nil {
				t.Error(err)
				return
			}
			err = b.Commit()
			done(err == nil)
		})
	}
	wg.Wait()
	if _, err := e.s.Refs(h); !storage.Is(storage.NotFound, err) {
		t.Fatal(err)
	}
	if files := e.shardFiles(t); len(files) != 0 {
		t.Fatalf("%d files left", len(files))
	}
}

// TestWriteDegraded writes with one drive gone: the write succeeds on the
// quorum and the healer rebuilds the missing shard once the drive is back.
func TestWriteDegraded(t *testing.T) {
	e := newEnv(t, Options{BlockSize: 64 << 10})
	os.RemoveAll(e.dirs[2])
	os.WriteFile(e.dirs[2], []byte("not a folder"), 0o600)
	data := randBytes(22, 300<<10)
	h := e.put(t, data, -1)
	os.Remove(e.dirs[2])
	os.Mkdir(e.dirs[2], 0o700) // the disk is back, empty
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { e.s.Run(ctx) })
	defer func() { cancel(); wg.Wait() }()
	for range 300 {
		if rep, _ := e.s.Fsck(context.Background(), false, nil); rep.Healthy == 1 {
			if got, err := e.readAll(t, h); err != nil || !bytes.Equal(got, data) {
				t.Fatal(err)
			}
			return
		}
		sleep()
	}
	t.Fatal("missing shard not rebuilt")
}

// TestConcurrentHashes writes on many streams at once and checks every
// content's MD5 and SHA-256.
func TestConcurrentHashes(t *testing.T) {
	e := newEnv(t, Options{BlockSize: 64 << 10})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			data := randBytes(uint64(100+i), 300<<10+i*977)
			p, err := e.s.Write(context.Background(), bytes.NewReader(data), -1)
			if err != nil {
				t.Error(err)
				return
			}
			defer p.Discard()
			if p.MD5 != md5.Sum(data) || p.Hash != sha256.Sum256(data) {
				t.Errorf("stream %d: wrong MD5 or SHA-256", i)
			}
		})
	}
	wg.Wait()
}
