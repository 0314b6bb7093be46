package engine

import (
	"context"
	"io"
	"sort"
	"sync"

	"coffre/storage"
	"coffre/storage/blob"
)

// partsObject reads a version assembled from parts (CompleteUpload): the
// parts' contents one after the other. A read finds its first part by binary
// search on the parts' end offsets and goes on across boundaries. Each part's
// content reader is opened when a read first needs it and closed once it has
// been idle for a while: at most maxIdleParts idle readers stay open, the most
// recently used, so that a sequential read holds the part it reads and the
// one before, whatever the number of parts.
type partsObject struct {
	blob  *blob.Store
	parts []partRef
	ends  []int64 // ends[i] is the offset just past part i
	size  int64
	info  storage.Info

	mu     sync.Mutex
	open   map[int]*partReader // by index in parts
	tick   uint64
	closed bool
}

// partReader is the content reader of one part, shared by concurrent reads.
type partReader struct {
	ready chan struct{} // closed once r or err is set
	r     *blob.Reader
	err   error
	users int    // reads using r now; po.mu held
	last  uint64 // tick of the last use; po.mu held
}

// maxIdleParts bounds the part readers a partsObject keeps open while no
// read uses them.
const maxIdleParts = 2

// openParts opens content assembled from parts, described by info. The
// first part opens now, so that missing or unreadable content fails here as
// it does for content in one piece.
func (e *Engine) openParts(ctx context.Context, parts []partRef, info storage.Info) (*partsObject, error) {
	o := &partsObject{blob: e.blob, parts: parts, ends: make([]int64, len(parts)), info: info, open: map[int]*partReader{}}
	for i, p := range parts {
		o.size += p.Size
		o.ends[i] = o.size
	}
	if len(parts) > 0 {
		r, err := e.blob.Open(ctx, parts[0].hash())
		if err != nil {
			return nil, err
		}
		ready := make(chan struct{})
		close(ready)
		o.open[0] = &partReader{ready: ready, r: r}
	}
	return o, nil
}

func (o *partsObject) Info() storage.Info { return o.info }

// ReadAt reads len(p) bytes at off, across parts; fewer only at the end,
// with io.EOF. It is safe for concurrent use.
func (o *partsObject) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	_, err := o.each(off, int64(len(p)), func(r *blob.Reader, off, want int64) (int64, error) {
		c, err := r.ReadAt(p[n:n+int(want)], off)
		n += c
		return int64(c), err
	})
	return n, err
}

// WriteRange writes n bytes from off to w, each part's with the part's
// blob.Reader.WriteRange: no copy on the way.
func (o *partsObject) WriteRange(w io.Writer, off, n int64) (int64, error) {
	return o.each(off, n, func(r *blob.Reader, off, want int64) (int64, error) {
		return r.WriteRange(w, off, want)
	})
}

// each walks [off, off+n) part by part, handing fn each part's reader, the
// offset in the part and the bytes wanted from it. fn returns the bytes it
// took. each returns their total, and io.EOF when the content ends before
// off+n; a part shorter than recorded is Corrupt.
func (o *partsObject) each(off, n int64, fn func(r *blob.Reader, off, want int64) (int64, error)) (int64, error) {
	const op = "read"
	if off < 0 {
		return 0, storage.Errorf(op, storage.Invalid, o.info.Path, "negative offset %d", off)
	}
	var done int64
	for done < n && off < o.size {
		i := sort.Search(len(o.ends), func(i int) bool { return o.ends[i] > off })
		start := o.ends[i] - o.parts[i].Size
		want := min(n-done, o.ends[i]-off)
		pr, err := o.acquire(i)
		if err != nil {
			return done, err
		}
		c, err := fn(pr.r, off-start, want)
		o.release(i, pr)
		done += c
		off += c
		if c < want {
			if err == nil || err == io.EOF {
				err = storage.Errorf(op, storage.Corrupt, o.info.Path, "piece %d of the content is shorter than recorded", i+1)
			}
			return done, err
		}
	}
	if done < n {
		return done, io.EOF
	}
	return done, nil
}

// acquire returns the reader of part i for one read, opening it if needed;
// the caller releases it.
func (o *partsObject) acquire(i int) (*partReader, error) {
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return nil, storage.Errorf("read", storage.Invalid, o.info.Path, "object closed")
	}
	pr := o.open[i]
	opener := pr == nil
	if opener {
		pr = &partReader{ready: make(chan struct{})}
		o.open[i] = pr
	}
	pr.users++
	o.mu.Unlock()
	if opener {
		// blob.Open uses a context only to refuse to start once it is
		// cancelled; a read has none, and the Object's life bounds this one.
		pr.r, pr.err = o.blob.Open(context.Background(), o.parts[i].hash())
		close(pr.ready)
	} else {
		<-pr.ready
	}
	if pr.err != nil {
		o.release(i, pr)
		return nil, pr.err
	}
	return pr, nil
}

// release ends one read's use of the reader pr of part i, and closes the
// idle readers beyond maxIdleParts, least recently used first. A reader that
// failed to open is forgotten, so that a later read tries again.
func (o *partsObject) release(i int, pr *partReader) {
	var evict []*blob.Reader
	o.mu.Lock()
	pr.users--
	o.tick++
	pr.last = o.tick
	if pr.err != nil && o.open[i] == pr {
		delete(o.open, i)
	}
	for !o.closed {
		idle, oldest := 0, -1
		for j, x := range o.open {
			if x.users == 0 {
				idle++
				if oldest < 0 || x.last < o.open[oldest].last {
					oldest = j
				}
			}
		}
		if idle <= maxIdleParts {
			break
		}
		evict = append(evict, o.open[oldest].r)
		delete(o.open, oldest)
	}
	o.mu.Unlock()
	for _, r := range evict {
		r.Close()
	}
}

// Close closes the part readers. Reads still running fail.
func (o *partsObject) Close() error {
	o.mu.Lock()
	if o.closed {
		o.mu.Unlock()
		return nil
	}
	o.closed = true
	open := o.open
	o.open = nil
	o.mu.Unlock()
	for _, pr := range open {
		<-pr.ready
		if pr.r != nil {
			pr.r.Close()
		}
	}
	return nil
}
