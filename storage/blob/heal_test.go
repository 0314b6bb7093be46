package blob

import (
	"bytes"
	"context"
	"errors"
	"os"
	"sync"
	"testing"

	"coffre/storage/meta"
)

// TestHealQueueSurvivesRestart: a write that missed a drive and a read that
// found a shard file missing both leave a heal entry in the metadata store;
// a new Store (a restart) heals them in Run and drops the entries.
func TestHealQueueSurvivesRestart(t *testing.T) {
	e := newEnv(t, Options{BlockSize: 64 << 10})
	// A write while drive 2 is gone.
	os.RemoveAll(e.dirs[2])
	os.WriteFile(e.dirs[2], []byte("not a folder"), 0o600)
	d1 := randBytes(41, 300<<10)
	h1 := e.put(t, d1, -1)
	os.Remove(e.dirs[2])
	os.Mkdir(e.dirs[2], 0o700) // the disk is back, empty
	// A read that finds shard 0 of another content missing.
	d2 := randBytes(42, 200<<10)
	h2 := e.put(t, d2, -1)
	os.Remove(e.shardPath(t, h2, 0))
	if got, err := e.readAll(t, h2); err != nil || !bytes.Equal(got, d2) {
		t.Fatal(err)
	}
	for _, h := range []Hash{h1, h2} {
		if _, err := e.meta.Get(healKey(h)); err != nil {
			t.Fatalf("no heal entry for %s: %v", h, err)
		}
	}
	// Restart: this Store's Run never ran; a new one takes over.
	s2, err := New(e.meta, e.drives, e.opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { s2.Run(ctx) })
	defer func() { cancel(); wg.Wait() }()
	for range 300 {
		_, err1 := e.meta.Get(healKey(h1))
		_, err2 := e.meta.Get(healKey(h2))
		if errors.Is(err1, meta.ErrNotFound) && errors.Is(err2, meta.ErrNotFound) {
			break
		}
		sleep()
	}
	for _, c := range []struct {
		h     Hash
		shard int
	}{{h1, 2}, {h2, 0}} {
		if _, err := os.Stat(e.shardPath(t, c.h, c.shard)); err != nil {
			t.Fatalf("shard %d of %s not rebuilt: %v", c.shard, c.h, err)
		}
		if _, err := e.meta.Get(healKey(c.h)); !errors.Is(err, meta.ErrNotFound) {
			t.Fatalf("heal entry of %s left: %v", c.h, err)
		}
	}
	if rep, err := s2.FsckWith(context.Background(), FsckOptions{Deep: true}, nil); err != nil || rep.Healthy != 2 {
		t.Fatalf("after healing: %+v, %v", rep, err)
	}
}

// TestHealEntryGoesWithContent: deleting the last reference of a degraded
// content deletes its heal entry in the same batch.
func TestHealEntryGoesWithContent(t *testing.T) {
	e := newEnv(t, Options{BlockSize: 64 << 10})
	os.RemoveAll(e.dirs[3])
	os.WriteFile(e.dirs[3], []byte("not a folder"), 0o600)
	h := e.put(t, randBytes(43, 200<<10), -1)
	if _, err := e.meta.Get(healKey(h)); err != nil {
		t.Fatal(err)
	}
	e.commit(t, nil, map[Hash]int{h: -1})
	if _, err := e.meta.Get(healKey(h)); !errors.Is(err, meta.ErrNotFound) {
		t.Fatalf("heal entry left: %v", err)
	}
}
