package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// baseline is what the disk of the data directory takes, measured in the
// same run as the engine.
type baseline struct {
	writeMiBs, readMiBs     float64 // sequential, rawFiles in parallel
	rawBytes, readBytes     int64
	coldReadMiBs            float64 // sequential read with the files evicted from the page cache
	fsyncMedian, fsyncP99   time.Duration
	fsyncMean               time.Duration
	fsyncs                  int
	smallWrites, smallReads float64 // 4 KiB files per second at smallConc: create+write+fsync, open+read
}

func measureBaseline(ctx context.Context, cfg config, data string, b *baseline) error {
	dir := filepath.Join(data, "raw")
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := rawSequential(ctx, cfg, dir, b); err != nil {
		return err
	}
	if err := rawFsync(ctx, cfg, dir, b); err != nil {
		return err
	}
	return rawSmallFiles(ctx, cfg, dir, b)
}

// rawSequential writes rawFiles files in parallel in rawIO writes, fsyncs
// them, then reads them back the same way. Nothing is dropped from the page
// cache, so the reads are likely served from memory.
func rawSequential(ctx context.Context, cfg config, dir string, b *baseline) error {
	buf := randomBase(int64(cfg.rawIO), 1)
	name := func(i int) string { return filepath.Join(dir, fmt.Sprintf("seq%d", i)) }

	// The disk is shared with whatever else runs: write rawWrites times and
	// keep the best, what the disk can take.
	total := int64(cfg.rawFiles) * cfg.rawFileSize
	b.rawBytes = total
	for range cfg.rawWrites {
		start := time.Now()
		if err := rawWrite(ctx, cfg, name, buf); err != nil {
			return err
		}
		b.writeMiBs = max(b.writeMiBs, mibPerSec(total, time.Since(start)))
	}

	// First from the disk: drop the files' pages from the page cache.
	if err := evict(dir); err != nil {
		return err
	}
	start := time.Now()
	n, err := rawRead(ctx, cfg, name)
	if err != nil {
		return err
	}
	b.coldReadMiBs = mibPerSec(n, time.Since(start))

	// Then from the page cache, which is fast: read the files again until
	// rawReadDur has passed.
	start = time.Now()
	var read int64
	for pass := 0; pass == 0 || time.Since(start) < cfg.rawReadDur; pass++ {
		n, err := rawRead(ctx, cfg, name)
		if err != nil {
			return err
		}
		if n != total {
			return fmt.Errorf("read %d bytes back, wrote %d", n, total)
		}
		read += n
	}
	b.readMiBs, b.readBytes = mibPerSec(read, time.Since(start)), read
	for i := range cfg.rawFiles {
		if err := os.Remove(name(i)); err != nil {
			return err
		}
	}
	return nil
}

// rawWrite creates the files named name(0) … in parallel, writes rawFileSize
// bytes to each in writes of len(buf), and fsyncs them.
func rawWrite(ctx context.Context, cfg config, name func(int) string, buf []byte) error {
	return parallel(cfg.rawFiles, func(i int) error {
		f, err := os.Create(name(i))
		if err != nil {
			return err
		}
		defer f.Close()
		for off := int64(0); off < cfg.rawFileSize; off += int64(len(buf)) {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if _, err := f.Write(buf[:min(int64(len(buf)), cfg.rawFileSize-off)]); err != nil {
				return err
			}
		}
		if err := f.Sync(); err != nil {
			return err
		}
		return f.Close()
	})
}

// rawRead reads the files named name(0) … in parallel in rawIO reads and
// returns the bytes read.
func rawRead(ctx context.Context, cfg config, name func(int) string) (int64, error) {
	var read atomic.Int64
	err := parallel(cfg.rawFiles, func(i int) error {
		f, err := os.Open(name(i))
		if err != nil {
			return err
		}
		defer f.Close()
		p := make([]byte, cfg.rawIO)
		for ctx.Err() == nil {
			n, err := f.Read(p)
			read.Add(int64(n))
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
		}
		return ctx.Err()
	})
	return read.Load(), err
}

// rawFsync times a 4 KiB write followed by fsync, one at a time.
func rawFsync(ctx context.Context, cfg config, dir string, b *baseline) error {
	f, err := os.Create(filepath.Join(dir, "fsync"))
	if err != nil {
		return err
	}
	defer f.Close()
	p := randomBase(4*kib, 2)
	var lat []time.Duration
	start := time.Now()
	for i := 0; i < cfg.fsyncMin || time.Since(start) < cfg.fsyncDur; i++ {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		t := time.Now()
		if _, err := f.WriteAt(p, int64(i)*int64(len(p))); err != nil {
			return err
		}
		if err := f.Sync(); err != nil {
			return err
		}
		lat = append(lat, time.Since(t))
	}
	slices.Sort(lat)
	var sum time.Duration
	for _, d := range lat {
		sum += d
	}
	b.fsyncs = len(lat)
	b.fsyncMean = sum / time.Duration(len(lat))
	b.fsyncMedian = lat[len(lat)/2]
	b.fsyncP99 = lat[(len(lat)*99)/100]
	return f.Close()
}

// rawSmallFiles creates smallSize files (create, write, fsync, close) with
// smallConc workers, then reads them back (open, read, close): what a
// file-per-object store would get from this disk.
func rawSmallFiles(ctx context.Context, cfg config, dir string, b *baseline) error {
	sub := filepath.Join(dir, "small")
	if err := os.Mkdir(sub, 0o755); err != nil {
		return err
	}
	p := randomBase(cfg.smallSize, 3)
	name := func(i int64) string { return filepath.Join(sub, fmt.Sprintf("%08d", i)) }
	st, err := loop(ctx, cfg.smallConc, cfg.smallFileMinN, cfg.smallFileDur, cfg.maxDur, func(i int64) (int64, error) {
		f, err := os.Create(name(i))
		if err != nil {
			return 0, err
		}
		defer f.Close()
		if _, err := f.Write(p); err != nil {
			return 0, err
		}
		if err := f.Sync(); err != nil {
			return 0, err
		}
		return int64(len(p)), f.Close()
	})
	if err != nil {
		return err
	}
	b.smallWrites = st.opsPerSec()
	written := st.ops

	var bufs sync.Pool
	rd, err := loop(ctx, cfg.smallConc, cfg.smallFileMinN, cfg.smallFileDur, cfg.maxDur, func(i int64) (int64, error) {
		q, _ := bufs.Get().(*[]byte)
		if q == nil {
			b := make([]byte, len(p)+1)
			q = &b
		}
		defer bufs.Put(q)
		f, err := os.Open(name(i % written))
		if err != nil {
			return 0, err
		}
		defer f.Close()
		n, err := io.ReadFull(f, *q)
		if err != io.ErrUnexpectedEOF || n != len(p) {
			return 0, fmt.Errorf("raw small read: %d bytes, %v", n, err)
		}
		return int64(n), nil
	})
	if err != nil {
		return err
	}
	b.smallReads = rd.opsPerSec()
	return nil
}
