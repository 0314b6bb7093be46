package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"coffre/storage"
)

// faultCounter counts the operations of a set of fault drives and fails the
// one numbered failAt (-1: never).
type faultCounter struct {
	n      atomic.Int64
	failAt atomic.Int64
	sticky bool // every operation from failAt on fails: the drives die
}

var errInjected = errors.New("injected fault")

func (c *faultCounter) op() error {
	n, at := c.n.Add(1)-1, c.failAt.Load()
	if n == at || (c.sticky && at >= 0 && n > at) {
		return errInjected
	}
	return nil
}

// faultDrive wraps a Drive and fails the operation the counter says,
// including writes, reads and syncs on its files.
type faultDrive struct {
	Drive
	c *faultCounter
}

func (d faultDrive) Create(name string) (File, error) {
	if err := d.c.op(); err != nil {
		return nil, err
	}
	f, err := d.Drive.Create(name)
	if err != nil {
		return nil, err
	}
	return faultFile{f, d.c}, nil
}

func (d faultDrive) Open(name string) (File, error) {
	if err := d.c.op(); err != nil {
		return nil, err
	}
	f, err := d.Drive.Open(name)
	if err != nil {
		return nil, err
	}
	return faultFile{f, d.c}, nil
}

func (d faultDrive) SyncDir(name string) error {
	if err := d.c.op(); err != nil {
		return err
	}
	return d.Drive.SyncDir(name)
}

type faultFile struct {
	File
	c *faultCounter
}

func (f faultFile) Write(p []byte) (int, error) {
	if err := f.c.op(); err != nil {
		return 0, err
	}
	return f.File.Write(p)
}

func (f faultFile) WriteAt(p []byte, off int64) (int, error) {
	if err := f.c.op(); err != nil {
		return 0, err
	}
	return f.File.WriteAt(p, off)
}

func (f faultFile) Sync() error {
	if err := f.c.op(); err != nil {
		return err
	}
	return f.File.Sync()
}

// TestWriteFaults fails drive operation i for i = 0, 1, … until a write
// makes it through untouched: each write either succeeds and reads back, or
// fails and leaves no shard file once discarded and collected.
func TestWriteFaults(t *testing.T) {
	for _, tc := range []struct {
		faulty []int
		sticky bool
	}{{[]int{0}, false}, {[]int{0, 1}, false}, {[]int{0, 1, 2, 3}, false}, {[]int{3}, true}, {[]int{1, 2}, true}, {[]int{0, 1, 2, 3}, true}} {
		faulty := tc.faulty
		t.Run(fmt.Sprint(faulty, tc.sticky), func(t *testing.T) {
			e := newEnv(t, Options{BlockSize: 16 << 10, InlineLimit: 1024})
			c := &faultCounter{sticky: tc.sticky}
			failures := 0
			drives := append([]Drive(nil), e.drives...)
			for _, i := range faulty {
				drives[i] = faultDrive{drives[i], c}
			}
			s, err := New(e.meta, drives, e.opts)
			if err != nil {
				t.Fatal(err)
			}
			data := randBytes(11, 3*16<<10+300)
			for i := int64(0); ; i++ {
				c.n.Store(0)
				c.failAt.Store(i)
				p, err := s.Write(context.Background(), bytes.NewReader(data), -1)
				if err == nil {
					b := e.meta.NewBatch()
					done, err := s.Update(b, []*Pending{p}, nil)
					if err != nil {
						t.Fatal(err)
					}
					if err := b.Commit(); err != nil {
						t.Fatal(err)
					}
					done(true)
					c.failAt.Store(-1)
					r, err := s.Open(context.Background(), p.Hash)
					if err != nil {
						t.Fatalf("fault at %d: open: %v", i, err)
					}
					got := make([]byte, len(data))
					if n, err := r.ReadAt(got, 0); n != len(data) || !bytes.Equal(got, data) {
						t.Fatalf("fault at %d: read back: %v", i, err)
					}
					r.Close()
					// Drop it again for the next round.
					b = e.meta.NewBatch()
					done, err = s.Update(b, nil, map[Hash]int{p.Hash: -1})
					if err != nil {
						t.Fatal(err)
					}
					b.Commit()
					done(true)
				} else {
					failures++
					if k := storage.KindOf(err); k != storage.Unavailable {
						t.Fatalf("fault at %d: kind %v: %v", i, k, err)
					}
				}
				c.failAt.Store(-1)
				if _, _, err := s.Collect(context.Background()); err != nil {
					t.Fatal(err)
				}
				if files := e.shardFiles(t); len(files) != 0 {
					t.Fatalf("fault at %d: files left: %v", i, files)
				}
				if c.n.Load() <= i {
					// The fault was never reached: every point was tried.
					if tc.sticky && len(faulty) > 1 && failures == 0 {
						t.Fatal("no write failed")
					}
					t.Logf("%d fault points, %d writes failed", i, failures)
					break
				}
				if i > 10000 {
					t.Fatal("too many operations")
				}
			}
		})
	}
}

func TestCollect(t *testing.T) {
	e := newEnv(t, Options{BlockSize: 16 << 10})
	data := randBytes(12, 300<<10)
	kept := e.put(t, data, -1)
	// A crash after the shards were written, before Update: a new Store over
	// the same drives finds them orphaned.
	if _, err := e.s.Write(context.Background(), bytes.NewReader(randBytes(13, 200<<10)), -1); err != nil {
		t.Fatal(err)
	}
	s2, err := New(e.meta, e.drives, e.opts)
	if err != nil {
		t.Fatal(err)
	}
	// A write in flight on s2 keeps its files.
	inflight, err := s2.Write(context.Background(), bytes.NewReader(randBytes(14, 200<<10)), -1)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s2.Fsck(context.Background(), false, nil)
	if err != nil || rep.Orphans != 4 || rep.Healthy != 1 {
		t.Fatalf("fsck: %+v %v", rep, err)
	}
	files, bytes, err := s2.Collect(context.Background())
	if err != nil || files != 4 || bytes == 0 {
		t.Fatalf("collect: %d files %d bytes, %v", files, bytes, err)
	}
	if n := len(e.shardFiles(t)); n != 8 {
		t.Fatalf("%d files left, want 8", n)
	}
	if got, err := e.readAll(t, kept); err != nil || len(got) != len(data) {
		t.Fatal(err)
	}
	inflight.Discard()
	inflight.Discard()
	if n := len(e.shardFiles(t)); n != 4 { // the kept content
		t.Fatalf("%d files left, want 4", n)
	}
	if files, _, _ := s2.Collect(context.Background()); files != 0 {
		t.Fatalf("collected %d referenced files", files)
	}
}
