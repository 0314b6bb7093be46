package engine

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"coffre/storage"
	"coffre/storage/audit"
	"coffre/storage/blob"
	"coffre/storage/lock"
	"coffre/storage/meta"
)

// Options configures an Engine. The zero value is usable.
type Options struct {
	// Logger receives the engine's log lines. Nil discards them.
	Logger *slog.Logger
	// Now is the clock. Nil means time.Now.
	Now func() time.Time
	// LockTimeout is the life of a lock taken without a timeout; 0 means
	// 24 hours. MaxLockTimeout caps any lock's life; 0 means 30 days.
	LockTimeout, MaxLockTimeout time.Duration
	// LockRead lets a lock stop others from reading too (the lock_read
	// feature); without it, locks only stop changes.
	LockRead bool
	// Quota caps the bytes of the whole platform; 0 means no limit.
	Quota int64
	// TrashRetention is how long trashed items are kept before Run purges
	// them; 0 means 30 days.
	TrashRetention time.Duration
	// Audit receives an entry for every change and access; nil keeps none.
	Audit *audit.Log
	// MaxVersions caps the versions kept per file; a new version beyond it
	// destroys the oldest. 0 keeps every version.
	MaxVersions int
	// UploadExpiry is how long a multipart upload may stay incomplete:
	// Run aborts those started longer ago; 0 means 7 days.
	UploadExpiry time.Duration
}

// Engine implements storage.Service over a metadata store and a content store.
// It is safe for concurrent use. It does not own the stores: the caller closes
// them after the last request.
type Engine struct {
	meta *meta.Store
	blob *blob.Store
	log  *slog.Logger
	now  func() time.Time
	opts Options

	audit *audit.Log
	ids   idAllocator
	locks *lock.Table
	// lockMu serialises the decision and creation of locks.
	lockMu sync.Mutex
	// topRec is the record of "/", which carries the rights entries that
	// apply at the top (who may create root folders).
	topRec atomic.Pointer[node]

	// tree is held exclusively by changes that rearrange ancestry (moving or
	// deleting a folder) and shared by every other change.
	tree sync.RWMutex
	// names serialises changes to one (folder, name) entry.
	names stripes
	// uploads serialises changes to one multipart upload's records; it is
	// taken before tree and names, never after.
	uploads stripes
}

// New opens the engine over m and b.
func New(m *meta.Store, b *blob.Store, opts Options) (*Engine, error) {
	e := &Engine{meta: m, blob: b, log: opts.Logger, now: opts.Now, opts: opts, audit: opts.Audit}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.now == nil {
		e.now = time.Now
	}
	e.names.seed = maphash.MakeSeed()
	e.uploads.seed = maphash.MakeSeed()
	err := e.ids.init(m)
	if err != nil {
		return nil, err
	}
	top := &node{ID: rootID, Dir: true}
	switch v, err := m.Get(keyTop); {
	case err == nil:
		if top, err = decodeNode(v); err != nil {
			return nil, err
		}
	case !errors.Is(err, meta.ErrNotFound):
		return nil, err
	}
	e.topRec.Store(top)
	if e.locks, err = lock.New(m, e.now); err != nil {
		return nil, err
	}
	if e.opts.LockTimeout <= 0 {
		e.opts.LockTimeout = 24 * time.Hour
	}
	if e.opts.MaxLockTimeout <= 0 {
		e.opts.MaxLockTimeout = 30 * 24 * time.Hour
	}
	if e.opts.UploadExpiry <= 0 {
		e.opts.UploadExpiry = 7 * 24 * time.Hour
	}
	return e, nil
}

// top returns the record of "/".
func (e *Engine) top() *node { return e.topRec.Load() }

// As binds the namespace to a principal.
func (e *Engine) As(p storage.Principal) storage.Namespace { return &namespace{e: e, p: p} }

var _ storage.Service = (*Engine)(nil)

// idAllocator hands out node and version IDs from one increasing sequence. It
// persists a high-water mark ahead of the IDs it hands out, one range at a
// time, so that an ID is never reused after a crash and most allocations cost
// no write.
type idAllocator struct {
	mu          sync.Mutex
	m           *meta.Store
	next, limit uint64
}

const idRange = 4096

func (a *idAllocator) init(m *meta.Store) error {
	a.m = m
	v, err := m.Get(keyIDs)
	switch {
	case errors.Is(err, meta.ErrNotFound):
		a.next = uint64(rootID) + 1
	case err != nil:
		return err
	case len(v) != 8:
		return fmt.Errorf("engine: bad ID high-water mark")
	default:
		a.next = binary.BigEndian.Uint64(v)
	}
	a.limit = a.next
	return nil
}

func (a *idAllocator) id() (uint64, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.next >= a.limit {
		limit := a.next + idRange
		b := a.m.NewBatch()
		b.Set(keyIDs, binary.BigEndian.AppendUint64(nil, limit))
		if err := b.Commit(); err != nil {
			return 0, err
		}
		a.limit = limit
	}
	a.next++
	return a.next - 1, nil
}

// stripes is a fixed set of mutexes chosen by hashing a (folder, name) entry.
type stripes struct {
	seed maphash.Seed
	mu   [256]sync.Mutex
}

type entry struct {
	parent storage.NodeID
	name   string
}

// lock locks the stripes of the given entries in a fixed order and returns
// the function that unlocks them.
func (s *stripes) lock(entries ...entry) (unlock func()) {
	idx := make([]int, 0, len(entries))
	for _, en := range entries {
		var h maphash.Hash
		h.SetSeed(s.seed)
		_ = binary.Write(&h, binary.BigEndian, uint64(en.parent))
		h.WriteString(en.name)
		idx = append(idx, int(h.Sum64()%uint64(len(s.mu))))
	}
	sort.Ints(idx)
	n := 0
	for i, v := range idx {
		if i == 0 || v != idx[i-1] {
			idx[n] = v
			n++
		}
	}
	idx = idx[:n]
	for _, i := range idx {
		s.mu[i].Lock()
	}
	return func() {
		for j := len(idx) - 1; j >= 0; j-- {
			s.mu[idx[j]].Unlock()
		}
	}
}

func newGUID() []byte {
	g := make([]byte, 16)
	_, _ = rand.Read(g)
	g[6] = g[6]&0x0f | 0x40 // version 4
	g[8] = g[8]&0x3f | 0x80 // RFC 4122 variant
	return g
}
