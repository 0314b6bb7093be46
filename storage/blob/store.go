package blob

import (
	"crypto/cipher"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"sync"

	"coffre/storage"
	"coffre/storage/erasure"
	"coffre/storage/meta"
)

// Options configures a Store. Zero values take the documented defaults.
type Options struct {
	DataShards, ParityShards int    // default 2 and 2
	BlockSize                int    // default 1 MiB
	InlineLimit              int    // default 128 KiB; content strictly smaller is stored in meta; negative: never inline
	MasterKey                []byte // 32 bytes, required: wraps every data key
	Logger                   *slog.Logger
}

// Hash is the SHA-256 of a content's plaintext: the dedup key.
type Hash [32]byte

// String returns the hash in hex.
func (h Hash) String() string { return hex.EncodeToString(h[:]) }

// Store is content over a set of drives plus the metadata store. It is safe
// for concurrent use.
type Store struct {
	meta      *meta.Store
	drives    []Drive
	k, m      int
	quorum    int
	bs        int
	inline    int
	coder     *erasure.Coder
	master    cipher.AEAD
	log       *slog.Logger
	plainPool sync.Pool // *[]byte of bs bytes
	shardPool sync.Pool // *[]byte of (k+m) full shard lengths

	mu       sync.Mutex
	locks    map[Hash]*hashLock
	inflight map[contentID]int      // writes whose shards no record owns yet
	recent   map[contentID]struct{} // committed while a Collect runs (nil otherwise)
	healq    map[Hash]struct{}      // contents found degraded
	healSig  chan struct{}          // wakes Run
	counts   counts                 // what checks found and healed, for Counts
	collect  sync.Mutex             // one Collect at a time
}

type hashLock struct {
	mu sync.Mutex
	n  int
}

// New returns a Store over m and drives; len(drives) must equal k+m.
func New(m *meta.Store, drives []Drive, opts Options) (*Store, error) {
	const op = "blob.new"
	if opts.DataShards == 0 {
		opts.DataShards = 2
	}
	if opts.ParityShards == 0 {
		opts.ParityShards = 2
	}
	if opts.BlockSize == 0 {
		opts.BlockSize = 1 << 20
	}
	if opts.InlineLimit == 0 {
		opts.InlineLimit = 128 << 10
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	k, p := opts.DataShards, opts.ParityShards
	if m == nil {
		return nil, storage.Errorf(op, storage.Invalid, "", "no metadata store")
	}
	if len(drives) != k+p {
		return nil, storage.Errorf(op, storage.Invalid, "", "%d drives for %d+%d shards", len(drives), k, p)
	}
	if opts.BlockSize < 1 || opts.BlockSize > 64<<20 {
		return nil, storage.Errorf(op, storage.Invalid, "", "block size %d", opts.BlockSize)
	}
	coder, err := erasure.NewCoder(k, p)
	if err != nil {
		return nil, storage.E(op, storage.Invalid, "", err)
	}
	master, err := newGCM(opts.MasterKey)
	if err != nil {
		return nil, storage.E(op, storage.Invalid, "", fmt.Errorf("master key: %w", err))
	}
	s := &Store{
		meta:     m,
		drives:   drives,
		k:        k,
		m:        p,
		quorum:   k,
		bs:       opts.BlockSize,
		inline:   opts.InlineLimit,
		coder:    coder,
		master:   master,
		log:      opts.Logger,
		locks:    make(map[Hash]*hashLock),
		inflight: make(map[contentID]int),
		healq:    make(map[Hash]struct{}),
		healSig:  make(chan struct{}, 1),
	}
	if k == p {
		s.quorum++
	}
	full := erasure.ShardLen(s.bs+tagSize, k)
	s.plainPool.New = func() any { b := make([]byte, s.bs); return &b }
	s.shardPool.New = func() any { b := make([]byte, (k+p)*full); return &b }
	return s, nil
}

// lockHashes locks hs, which must be sorted and distinct.
func (s *Store) lockHashes(hs []Hash) {
	for _, h := range hs {
		s.mu.Lock()
		l := s.locks[h]
		if l == nil {
			l = &hashLock{}
			s.locks[h] = l
		}
		l.n++
		s.mu.Unlock()
		l.mu.Lock()
	}
}

func (s *Store) unlockHashes(hs []Hash) {
	for _, h := range hs {
		s.mu.Lock()
		l := s.locks[h]
		l.n--
		if l.n == 0 {
			delete(s.locks, h)
		}
		s.mu.Unlock()
		l.mu.Unlock()
	}
}

func (s *Store) addInflight(id contentID) {
	s.mu.Lock()
	s.inflight[id]++
	s.mu.Unlock()
}

// dropInflight forgets a write; committed says a record now owns its shards.
func (s *Store) dropInflight(id contentID, committed bool) {
	s.mu.Lock()
	if s.inflight[id]--; s.inflight[id] <= 0 {
		delete(s.inflight, id)
	}
	if committed && s.recent != nil {
		s.recent[id] = struct{}{}
	}
	s.mu.Unlock()
}

// getRecord reads the record of h: NotFound if absent.
func (s *Store) getRecord(op string, h Hash) (*record, error) {
	v, err := s.meta.Get(recordKey(h))
	if errors.Is(err, meta.ErrNotFound) {
		return nil, storage.E(op, storage.NotFound, h.String(), nil)
	}
	if err != nil {
		return nil, storage.E(op, storage.Unavailable, h.String(), err)
	}
	rec, err := parseRecord(v)
	if err != nil {
		return nil, storage.E(op, storage.Corrupt, h.String(), err)
	}
	return rec, nil
}

// Refs returns the reference count of h: NotFound if no content has hash h.
func (s *Store) Refs(h Hash) (int, error) {
	rec, err := s.getRecord("blob.refs", h)
	if err != nil {
		return 0, err
	}
	return int(rec.refs), nil
}

// Ready returns nil when a write quorum of drives Probe()s fine, else why.
func (s *Store) Ready() error {
	errs := make([]error, len(s.drives))
	var wg sync.WaitGroup
	for i, d := range s.drives {
		wg.Go(func() { errs[i] = d.Probe() })
	}
	wg.Wait()
	ok := 0
	var bad []error
	for i, err := range errs {
		if err == nil {
			ok++
		} else {
			bad = append(bad, fmt.Errorf("drive %s: %w", s.drives[i].Name(), err))
		}
	}
	if ok >= s.quorum {
		return nil
	}
	return storage.E("blob.ready", storage.Unavailable, "",
		fmt.Errorf("%d of %d drives usable, need %d: %w", ok, len(s.drives), s.quorum, errors.Join(bad...)))
}

// driveKind classifies a drive error: a missing file is Corrupt (the content
// lost a shard), anything else says the drive is Unavailable.
func driveKind(err error) storage.Kind {
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return storage.Corrupt
	}
	return storage.Unavailable
}

// layout returns the layout of new content of the given size.
func (s *Store) layout(size int64) erasure.Layout {
	return erasure.Layout{K: s.k, M: s.m, BlockSize: s.bs, Overhead: tagSize, Size: size}
}
