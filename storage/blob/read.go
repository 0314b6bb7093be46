package blob

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"

	"coffre/storage"
)

// Reader reads one content at any offset. ReadAt is safe for concurrent use.
// A Reader of content on drives owns a read-ahead goroutine that Close stops.
type Reader struct {
	s      *Store
	h      Hash
	size   int64
	inline []byte    // plaintext of inline content
	set    *shardSet // content on drives

	mu     sync.Mutex
	slots  []*slot    // recently decoded blocks, oldest first
	reqs   chan *slot // to the read-ahead goroutine
	quit   chan struct{}
	wg     sync.WaitGroup
	closed bool
}

// slot is one block being decoded or decoded.
type slot struct {
	b    int64
	done chan struct{} // closed when data or err is set
	bp   *[]byte
	data []byte
	err  error
	refs atomic.Int32 // the cache holds one, each reader in ReadAt one
	pool *sync.Pool
}

func (sl *slot) release() {
	if sl.refs.Add(-1) == 0 && sl.bp != nil {
		sl.pool.Put(sl.bp)
	}
}

// readAhead is how many blocks past the one being read a Reader decodes in
// advance, each on its own goroutine, so that a sequential reader keeps
// several reads in flight on the drives.
const readAhead = 2

// maxSlots bounds the decoded blocks a Reader keeps: the one being read, the
// ones read ahead, and one just finished.
const maxSlots = readAhead + 2

// Open opens content for reading at any offset. NotFound if no content has
// hash h; Unavailable or Corrupt when fewer than k shards can be opened.
func (s *Store) Open(ctx context.Context, h Hash) (*Reader, error) {
	const op = "blob.open"
	if err := ctx.Err(); err != nil {
		return nil, storage.E(op, storage.Unavailable, h.String(), err)
	}
	rec, err := s.getRecord(op, h)
	if err != nil {
		return nil, err
	}
	r := &Reader{s: s, h: h, size: rec.size}
	if rec.inline {
		aead, err := s.unwrapKey(rec.wrapped, rec.id)
		if err != nil {
			return nil, storage.E(op, storage.Corrupt, h.String(), err)
		}
		ct, err := s.meta.Get(inlineKey(h))
		if err != nil {
			return nil, storage.E(op, storage.Corrupt, h.String(), err)
		}
		if r.inline, err = aead.Open(ct[:0], blockNonce(0), ct, nil); err != nil {
			return nil, storage.E(op, storage.Corrupt, h.String(), err)
		}
		if int64(len(r.inline)) != rec.size {
			return nil, storage.Errorf(op, storage.Corrupt, h.String(), "inline content of %d bytes, record says %d", len(r.inline), rec.size)
		}
		return r, nil
	}
	if r.set, err = s.openShards(op, h, rec); err != nil {
		return nil, err
	}
	if r.set.missing() {
		s.noteDegraded(h)
	}
	if r.set.lay.Blocks() > 1 {
		r.reqs = make(chan *slot, readAhead)
		r.quit = make(chan struct{})
		for range readAhead {
			r.wg.Go(r.readAheadLoop)
		}
	}
	return r, nil
}

// Size returns the content's size in bytes.
func (r *Reader) Size() int64 { return r.size }

// ReadAt reads len(p) bytes at off; fewer only at the end, with io.EOF.
func (r *Reader) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	_, err := r.each(off, int64(len(p)), func(b []byte) (int, error) {
		c := copy(p[n:], b)
		n += c
		return c, nil
	})
	return n, err
}

// WriteRange writes n bytes of the content from off to w, each piece from
// the buffer its block was decoded into: a large read makes no copy of its
// own on the way to w. Fewer than n bytes only with an error: io.EOF when
// the content ends first, or w's error.
func (r *Reader) WriteRange(w io.Writer, off, n int64) (int64, error) {
	return r.each(off, n, func(b []byte) (int, error) {
		m, err := w.Write(b)
		if err == nil && m < len(b) {
			err = io.ErrShortWrite
		}
		return m, err
	})
}

// each hands fn the plaintext of [off, off+n) in order, in pieces of at
// most one block that stay valid only during the call. fn returns how much
// of its piece it took and an error that stops the walk. each returns the
// bytes taken, and io.EOF when the content ends before off+n.
func (r *Reader) each(off, n int64, fn func([]byte) (int, error)) (int64, error) {
	if off < 0 {
		return 0, storage.Errorf("blob.read", storage.Invalid, r.h.String(), "negative offset %d", off)
	}
	var done int64
	for done < n && off < r.size {
		var piece []byte
		var sl *slot
		if r.set == nil {
			piece = r.inline[off:]
		} else {
			b, in := r.set.lay.Block(off)
			var err error
			if sl, err = r.get(b); err != nil {
				return done, err
			}
			<-sl.done
			if sl.err != nil {
				err := sl.err
				sl.release()
				return done, err
			}
			piece = sl.data[in:]
		}
		piece = piece[:min(int64(len(piece)), n-done)]
		m, err := fn(piece)
		if sl != nil {
			sl.release()
		}
		done += int64(m)
		off += int64(m)
		if err != nil {
			return done, err
		}
	}
	if done < n {
		return done, io.EOF
	}
	return done, nil
}

// get returns the slot of block b, with a reference for the caller, decoding
// it if needed, and asks the read-ahead goroutines for the blocks after it.
func (r *Reader) get(b int64) (*slot, error) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil, storage.Errorf("blob.read", storage.Invalid, r.h.String(), "reader closed")
	}
	sl := r.find(b)
	fill := false
	if sl == nil {
		sl = r.add(b)
		fill = true
	}
	sl.refs.Add(1)
	for next := b + 1; next <= b+readAhead && next < r.set.lay.Blocks() && r.reqs != nil; next++ {
		if r.find(next) != nil {
			continue
		}
		ns := r.add(next)
		select {
		case r.reqs <- ns:
		default: // the read-ahead goroutines are busy: drop the request
			r.remove(ns)
			ns.err = errors.New("not read ahead")
			close(ns.done)
			ns.release()
		}
	}
	r.mu.Unlock()
	if fill {
		r.fill(sl)
	}
	return sl, nil
}

// find returns the cached slot of block b; r.mu held.
func (r *Reader) find(b int64) *slot {
	for _, sl := range r.slots {
		if sl.b == b {
			return sl
		}
	}
	return nil
}

// add caches a new empty slot for block b, evicting the oldest decoded
// slots beyond maxSlots; r.mu held.
func (r *Reader) add(b int64) *slot {
	for i := 0; len(r.slots) >= maxSlots && i < len(r.slots); {
		old := r.slots[i]
		select {
		case <-old.done:
			r.slots = append(r.slots[:i], r.slots[i+1:]...)
			old.release()
		default:
			i++
		}
	}
	sl := &slot{b: b, done: make(chan struct{}), pool: &r.s.shardPool}
	sl.refs.Store(1)
	r.slots = append(r.slots, sl)
	return sl
}

// remove drops sl from the cache without releasing it; r.mu held.
func (r *Reader) remove(sl *slot) {
	for i, x := range r.slots {
		if x == sl {
			r.slots = append(r.slots[:i], r.slots[i+1:]...)
			return
		}
	}
}

// fill decodes the block of sl and wakes its waiters. A failed slot leaves
// the cache so that a later read retries.
func (r *Reader) fill(sl *slot) {
	bp := r.s.shardPool.Get().(*[]byte)
	data, err := r.set.block(sl.b, *bp, true)
	if err != nil {
		r.s.shardPool.Put(bp)
		sl.err = err
		r.mu.Lock()
		if r.find(sl.b) == sl {
			r.remove(sl)
			defer sl.release()
		}
		r.mu.Unlock()
	} else {
		sl.bp, sl.data = bp, data
	}
	close(sl.done)
}

// readAhead decodes the blocks that get asks for, until Close.
func (r *Reader) readAheadLoop() {
	for {
		select {
		case <-r.quit:
			return
		case sl := <-r.reqs:
			r.fill(sl)
		}
	}
}

// Close stops the read-ahead goroutine and closes the shard files.
func (r *Reader) Close() error {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return nil
	}
	r.closed = true
	r.mu.Unlock()
	if r.quit != nil {
		close(r.quit)
		r.wg.Wait()
		for drained := false; !drained; {
			select {
			case sl := <-r.reqs:
				sl.err = storage.Errorf("blob.read", storage.Invalid, r.h.String(), "reader closed")
				close(sl.done)
			default:
				drained = true
			}
		}
	}
	r.mu.Lock()
	for _, sl := range r.slots {
		select {
		case <-sl.done:
		default:
			continue // a concurrent ReadAt still fills it and keeps its buffer
		}
		sl.release()
	}
	r.slots = nil
	r.mu.Unlock()
	if r.set != nil {
		r.set.close()
	}
	return nil
}
