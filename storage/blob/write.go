package blob

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"sync"

	"coffre/storage"
)

// Pending is content stored durably that no metadata references yet. Pass it
// to Update (then call done) or Discard it.
type Pending struct {
	Hash Hash
	Size int64
	MD5  [16]byte

	s       *Store
	id      contentID
	wrapped []byte // data key wrapped by the master key
	inline  []byte // ciphertext of inline content; nil for content on drives
	onDisk  bool
	missing []int // shards that could not be written: for the healer

	mu    sync.Mutex
	state int // pendingOpen, pendingCommitted, pendingDiscarded
}

const (
	pendingOpen = iota
	pendingCommitted
	pendingDiscarded
)

// Discard removes the shards of p if it was never committed. Idempotent.
func (p *Pending) Discard() {
	p.mu.Lock()
	st := p.state
	if st == pendingOpen {
		p.state = pendingDiscarded
	}
	p.mu.Unlock()
	if st != pendingOpen {
		return
	}
	if p.onDisk {
		p.s.removeShards(p.id)
		p.s.dropInflight(p.id, false)
	}
}

// commit marks p as owned by a record.
func (p *Pending) commit() {
	p.mu.Lock()
	st := p.state
	if st == pendingOpen {
		p.state = pendingCommitted
	}
	p.mu.Unlock()
	if st == pendingOpen && p.onDisk {
		p.s.dropInflight(p.id, true)
	}
}

// removeShards removes the shard files of id from every drive, best effort.
func (s *Store) removeShards(id contentID) {
	name := shardName(id)
	var wg sync.WaitGroup
	for _, d := range s.drives {
		wg.Go(func() {
			if err := d.Remove(name); err != nil {
				s.log.Warn("blob: remove shard", "drive", d.Name(), "file", name, "err", err)
			}
		})
	}
	wg.Wait()
}

// Write streams r (expected length size, or -1 if unknown) into new content.
// A reader error, a cancelled ctx or a length different from size removes
// what was written and returns the error (kind Invalid for a wrong length).
// The caller must call Update (then done) or Discard on the result.
func (s *Store) Write(ctx context.Context, r io.Reader, size int64) (*Pending, error) {
	const op = "blob.write"
	if err := ctx.Err(); err != nil {
		return nil, storage.E(op, storage.Unavailable, "", err)
	}
	if size >= 0 && size < int64(s.inline) {
		buf := make([]byte, size)
		if _, err := io.ReadFull(r, buf); err != nil {
			if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
				return nil, storage.Errorf(op, storage.Invalid, "", "content shorter than its size %d", size)
			}
			return nil, storage.E(op, storage.Other, "", err)
		}
		if err := expectEOF(r); err != nil {
			return nil, storage.E(op, storage.KindOf(err), "", err)
		}
		if err := ctx.Err(); err != nil {
			return nil, storage.E(op, storage.Unavailable, "", err)
		}
		return s.writeInline(buf)
	}
	var prefix []byte
	if size < 0 && s.inline > 0 {
		bp := s.plainPool.Get().(*[]byte)
		defer s.plainPool.Put(bp)
		buf := (*bp)[:min(len(*bp), s.inline)]
		if s.inline > len(buf) {
			buf = make([]byte, s.inline)
		}
		n, err := io.ReadFull(r, buf)
		switch {
		case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
			if err := ctx.Err(); err != nil {
				return nil, storage.E(op, storage.Unavailable, "", err)
			}
			return s.writeInline(append([]byte(nil), buf[:n]...))
		case err != nil:
			return nil, storage.E(op, storage.Other, "", err)
		}
		prefix = buf[:n]
	}
	return s.writeStream(ctx, r, prefix, size)
}

// expectEOF checks that r has nothing more to give.
func expectEOF(r io.Reader) error {
	var b [1]byte
	for range 100 {
		n, err := r.Read(b[:])
		if n > 0 {
			return storage.Errorf("blob.write", storage.Invalid, "", "content longer than its size")
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return io.ErrNoProgress
}

// writeInline prepares small content for the metadata store: no drive I/O,
// no goroutine.
func (s *Store) writeInline(plain []byte) (*Pending, error) {
	const op = "blob.write"
	p := &Pending{s: s, Size: int64(len(plain))}
	p.Hash = sha256.Sum256(plain)
	p.MD5 = md5.Sum(plain)
	if _, err := rand.Read(p.id[:]); err != nil {
		return nil, storage.E(op, storage.Other, "", err)
	}
	key, aead, err := newDataKey()
	if err != nil {
		return nil, storage.E(op, storage.Other, "", err)
	}
	if p.wrapped, err = s.wrapKey(key, p.id); err != nil {
		return nil, storage.E(op, storage.Other, "", err)
	}
	p.inline = aead.Seal(plain[:0:0], blockNonce(0), plain, nil)
	return p, nil
}

// errf wraps a failure of a write.
func errf(kind storage.Kind, format string, args ...any) error {
	return storage.E("blob.write", kind, "", fmt.Errorf(format, args...))
}
