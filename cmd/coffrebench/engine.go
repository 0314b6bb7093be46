package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sync"
	"time"

	"coffre/storage"
)

// engineResults holds the engine measurements.
type engineResults struct {
	put1, put4, get1, get4 stats // large files, 1 and 4 streams
	get4cold               stats // large files, 4 streams, from the disk
	smallPut, smallGet     stats // small files at smallConc
}

// phase is one engine measurement: files dir/00000000 … written or read by
// workers goroutines, their content payload{id0 + i, base}.
type phase struct {
	name    string
	dir     string
	base    []byte
	id0     uint64
	workers int
	minN    int
	minDur  time.Duration
}

func (p phase) path(i int64) string { return fmt.Sprintf("%s/%08d", p.dir, i) }

func (p phase) payload(i int64) payload { return payload{id: p.id0 + uint64(i), base: p.base} }

func measureEngine(ctx context.Context, cfg config, data string, r *engineResults) error {
	dir := filepath.Join(data, "engine")
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	s, err := openStack(ctx, cfg, dir)
	if err != nil {
		return err
	}
	err = runPhases(ctx, cfg, s.ns, dir, r)
	return errors.Join(err, s.close())
}

func runPhases(ctx context.Context, cfg config, ns storage.Namespace, dir string, r *engineResults) error {
	for _, d := range []string{"/bench", "/bench/big1", "/bench/big4", "/bench/small"} {
		if _, err := ns.Mkdir(ctx, d); err != nil {
			return err
		}
	}
	big := randomBase(cfg.bigSize, 10)
	small := randomBase(cfg.smallSize, 11)
	phases := []struct {
		p   phase
		out *stats
		get *stats
	}{
		{phase{"big-1", "/bench/big1", big, 1 << 32, 1, cfg.bigMinN, cfg.bigDur}, &r.put1, &r.get1},
		{phase{"big-4", "/bench/big4", big, 2 << 32, 4, cfg.bigMinN, cfg.bigDur}, &r.put4, &r.get4},
		{phase{"small-16", "/bench/small", small, 3 << 32, cfg.smallConc, cfg.smallMinN, cfg.smallDur}, &r.smallPut, &r.smallGet},
	}
	for _, ph := range phases {
		st, err := profiled(cfg, "put-"+ph.p.name, func() (stats, error) { return put(ctx, cfg, ns, ph.p) })
		if err != nil {
			return fmt.Errorf("put %s: %w", ph.p.name, err)
		}
		*ph.out = st
		if ph.get == &r.get4 {
			// First from the disk, as the raw cold read: every file once.
			if err := evict(dir); err != nil {
				return err
			}
			n := st.ops
			r.get4cold, err = loop(ctx, ph.p.workers, int(n), 0, cfg.maxDur, func(i int64) (int64, error) {
				buf := make([]byte, cfg.readBuffer)
				return readFile(ctx, ns, ph.p.path(i), ph.p.payload(i), buf, false)
			})
			if err != nil {
				return fmt.Errorf("cold get %s: %w", ph.p.name, err)
			}
		}
		if err := warm(ctx, cfg, ns, ph.p, st.ops); err != nil {
			return err
		}
		st, err = profiled(cfg, "get-"+ph.p.name, func() (stats, error) { return get(ctx, cfg, ns, ph.p, st.ops) })
		if err != nil {
			return fmt.Errorf("get %s: %w", ph.p.name, err)
		}
		*ph.get = st
	}
	return nil
}

// profiled runs fn under a CPU profile when cfg asks for one.
func profiled(cfg config, name string, fn func() (stats, error)) (stats, error) {
	if cfg.profilePrefix == "" {
		return fn()
	}
	f, err := os.Create(cfg.profilePrefix + "-" + name + ".pprof")
	if err != nil {
		return stats{}, err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return stats{}, err
	}
	st, err := fn()
	pprof.StopCPUProfile()
	return st, errors.Join(err, f.Close())
}

// put writes files for the phase, then checks that the engine's MD5 of the
// first one is the payload's.
func put(ctx context.Context, cfg config, ns storage.Namespace, p phase) (stats, error) {
	st, err := loop(ctx, p.workers, p.minN, p.minDur, cfg.maxDur, func(i int64) (int64, error) {
		pl := p.payload(i)
		info, err := ns.Put(ctx, p.path(i), pl.reader(), storage.PutOptions{Size: pl.size()})
		if err != nil {
			return 0, err
		}
		if info.Size != pl.size() {
			return 0, fmt.Errorf("%s: put %d bytes, engine recorded %d", p.path(i), pl.size(), info.Size)
		}
		return pl.size(), nil
	})
	if err != nil {
		return st, err
	}
	info, err := ns.Stat(ctx, p.path(0))
	if err != nil {
		return st, err
	}
	if want, _ := p.payload(0).sums(); info.MD5 != want {
		return st, fmt.Errorf("%s: engine MD5 %x, content MD5 %x", p.path(0), info.MD5, want)
	}
	return st, nil
}

// get reads the phase's n files round robin and checks what it reads: every
// byte of each worker's first file, and a window of every other ReadAt (a
// full compare of every byte would cost the engine a tenth of the CPU it
// needs on two cores; the payloads are random, so a window at an offset
// catches a wrong block, offset or file). Then it hashes one whole file read
// through io.SectionReader as a front end would.
func get(ctx context.Context, cfg config, ns storage.Namespace, p phase, n int64) (stats, error) {
	size := int64(len(p.base))
	bufs := sync.Pool{New: func() any {
		b := make([]byte, min(int64(cfg.readBuffer), size))
		return &b
	}}
	st, err := loop(ctx, p.workers, p.minN, p.minDur, cfg.maxDur, func(i int64) (int64, error) {
		buf := bufs.Get().(*[]byte)
		defer bufs.Put(buf)
		full := i < int64(p.workers)
		i %= n
		return readFile(ctx, ns, p.path(i), p.payload(i), *buf, full)
	})
	if err != nil {
		return st, err
	}
	return st, hashFile(ctx, ns, p.path(n-1), p.payload(n-1), cfg.readBuffer)
}

// warm reads each of the phase's n files once, untimed, so that the GET
// that follows reads from the page cache, as the raw sequential read does:
// the engine drops written content from the cache once it is durable, and
// a GET phase would otherwise time one pass from the disk and the rest from
// the cache. The cold GET row times the disk.
func warm(ctx context.Context, cfg config, ns storage.Namespace, p phase, n int64) error {
	_, err := loop(ctx, p.workers, int(n), 0, cfg.maxDur, func(i int64) (int64, error) {
		buf := make([]byte, min(int64(cfg.readBuffer), int64(len(p.base))))
		return readFile(ctx, ns, p.path(i), p.payload(i), buf, false)
	})
	if err != nil {
		return fmt.Errorf("warm %s: %w", p.name, err)
	}
	return nil
}

// checkWindow is how many bytes of each ReadAt get compares when it does not
// compare them all.
const checkWindow = 4 * kib

// readFile reads the file at path with ReadAt calls of len(buf) and checks
// that it holds pl: every byte if full, else a window of each read.
func readFile(ctx context.Context, ns storage.Namespace, path string, pl payload, buf []byte, full bool) (int64, error) {
	obj, err := ns.Open(ctx, path)
	if err != nil {
		return 0, err
	}
	n, err := checkObject(obj, path, pl, buf, full)
	return n, errors.Join(err, obj.Close())
}

func checkObject(obj storage.Object, path string, pl payload, buf []byte, full bool) (int64, error) {
	size := pl.size()
	if got := obj.Info().Size; got != size {
		return 0, fmt.Errorf("%s: size %d, want %d", path, got, size)
	}
	var off int64
	for off < size {
		want := min(int64(len(buf)), size-off)
		n, err := obj.ReadAt(buf[:want], off)
		if int64(n) < want {
			return off, fmt.Errorf("%s: ReadAt(%d bytes at %d) = %d, %v", path, want, off, n, err)
		}
		if err != nil && err != io.EOF {
			return off, fmt.Errorf("%s: ReadAt at %d: %w", path, off, err)
		}
		lo, hi := 0, n
		if !full && n > checkWindow {
			lo = int((uint64(off)*0x9e3779b97f4a7c15)>>33) % (n - checkWindow)
			hi = lo + checkWindow
		}
		if !pl.equalAt(buf[lo:hi], off+int64(lo)) {
			return off, fmt.Errorf("%s: wrong bytes in [%d, %d)", path, off+int64(lo), off+int64(hi))
		}
		off += int64(n)
	}
	return size, nil
}

// hashFile reads the file at path through io.SectionReader and compares its
// SHA-256 with pl's.
func hashFile(ctx context.Context, ns storage.Namespace, path string, pl payload, bufSize int) error {
	obj, err := ns.Open(ctx, path)
	if err != nil {
		return err
	}
	h := sha256.New()
	_, err = io.CopyBuffer(h, io.NewSectionReader(obj, 0, obj.Info().Size), make([]byte, bufSize))
	if err = errors.Join(err, obj.Close()); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if _, want := pl.sums(); !bytes.Equal(h.Sum(nil), want[:]) {
		return fmt.Errorf("%s: SHA-256 of the content read back differs from what was written", path)
	}
	return nil
}
