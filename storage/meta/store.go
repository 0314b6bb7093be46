package meta

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/cockroachdb/pebble/v2"
)

// FormatVersion is the Pebble format major version Coffre writes. It is pinned
// so that an upgrade of the Pebble module never silently rewrites the store in
// a format an older Coffre cannot open; raising it is a deliberate change.
const FormatVersion = pebble.FormatTableFormatV6

// ErrNotFound is returned by Get when the key is absent.
var ErrNotFound = errors.New("meta: key not found")

// ErrClosed is returned by every method once the store is closed.
var ErrClosed = errors.New("meta: store closed")

// Options configures a Store. The zero value is usable.
type Options struct {
	// Logger receives Pebble's own log lines at debug level. Nil discards them.
	Logger *slog.Logger
	// CacheSize is the bytes of Pebble's block cache, shared by all reads;
	// 0 means DefaultCacheSize. Inline content lives in the store, so a cache
	// too small to hold the hot part of it sends small reads to the disk.
	CacheSize int64
}

// DefaultCacheSize is the block cache of a store opened without CacheSize.
const DefaultCacheSize = 64 << 20

// Store is an ordered key-value store on disk. It is safe for concurrent use.
// Writes are made through batches, which are atomic but not isolated: a caller
// that reads, decides and writes must serialise itself per key or per folder.
type Store struct {
	db     *pebble.DB
	dir    string
	closed atomic.Bool
	// commits counts the batches committed since Open (see Commits).
	commits atomic.Int64
}

// Open opens or creates the store in dir.
func Open(dir string, opts Options) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("meta: %w", err)
	}
	if opts.CacheSize <= 0 {
		opts.CacheSize = DefaultCacheSize
	}
	cache := pebble.NewCache(opts.CacheSize)
	defer cache.Unref() // the store holds its own reference while open
	po := &pebble.Options{
		FormatMajorVersion: FormatVersion,
		Logger:             pebbleLogger{opts.Logger},
		Merger:             counterMerger,
		Cache:              cache,
	}
	db, err := pebble.Open(dir, po)
	if err != nil {
		return nil, fmt.Errorf("meta: open %s: %w", dir, err)
	}
	return &Store{db: db, dir: dir}, nil
}

// Dir returns the folder the store lives in.
func (s *Store) Dir() string { return s.dir }

// Close flushes and closes the store. Later calls return ErrClosed.
func (s *Store) Close() error {
	if s.closed.Swap(true) {
		return ErrClosed
	}
	return s.db.Close()
}

// Get returns a copy of the value stored at key, or ErrNotFound.
func (s *Store) Get(key []byte) ([]byte, error) {
	if s.closed.Load() {
		return nil, ErrClosed
	}
	v, closer, err := s.db.Get(key)
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("meta: get: %w", err)
	}
	out := bytes.Clone(v)
	if out == nil {
		out = []byte{}
	}
	return out, closer.Close()
}

// Scan calls fn for every key in [lower, upper) in byte order; a nil upper
// means no upper bound. The slices passed to fn are only valid during the call.
// fn returns ErrStop to end the scan early without error.
func (s *Store) Scan(lower, upper []byte, fn func(key, value []byte) error) error {
	if s.closed.Load() {
		return ErrClosed
	}
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lower, UpperBound: upper})
	if err != nil {
		return fmt.Errorf("meta: scan: %w", err)
	}
	for ok := it.First(); ok; ok = it.Next() {
		v, err := it.ValueAndErr()
		if err != nil {
			it.Close()
			return fmt.Errorf("meta: scan: %w", err)
		}
		if err := fn(it.Key(), v); err != nil {
			it.Close()
			if errors.Is(err, ErrStop) {
				return nil
			}
			return err
		}
	}
	if err := it.Error(); err != nil {
		it.Close()
		return fmt.Errorf("meta: scan: %w", err)
	}
	return it.Close()
}

// ScanPrefix calls fn for every key that starts with prefix, from start (or
// the prefix itself when start is nil), in byte order.
func (s *Store) ScanPrefix(prefix, start []byte, fn func(key, value []byte) error) error {
	lower := prefix
	if start != nil && bytes.Compare(start, prefix) > 0 {
		lower = start
	}
	return s.Scan(lower, PrefixEnd(prefix), fn)
}

// ErrStop ends a Scan early without error.
var ErrStop = errors.New("meta: stop scan")

// PrefixEnd returns the smallest key greater than every key starting with
// prefix, or nil if there is none.
func PrefixEnd(prefix []byte) []byte {
	end := bytes.Clone(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		end[i]++
		if end[i] != 0 {
			return end[:i+1]
		}
	}
	return nil
}

// Batch collects changes that Commit applies atomically and durably.
// A Batch is not safe for concurrent use.
type Batch struct {
	s *Store
	b *pebble.Batch
}

// NewBatch starts an empty batch.
func (s *Store) NewBatch() *Batch { return &Batch{s: s, b: s.db.NewBatch()} }

// Set records key = value. Both slices are copied.
func (b *Batch) Set(key, value []byte) { _ = b.b.Set(key, value, nil) }

// Delete records the removal of key.
func (b *Batch) Delete(key []byte) { _ = b.b.Delete(key, nil) }

// Empty reports whether the batch holds no change.
func (b *Batch) Empty() bool { return b.b.Empty() }

// Commit applies the batch atomically and syncs it to disk before returning;
// concurrent commits share one sync. The batch cannot be reused.
func (b *Batch) Commit() error {
	defer b.b.Close()
	if b.s.closed.Load() {
		return ErrClosed
	}
	if err := b.b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("meta: commit: %w", err)
	}
	b.s.commits.Add(1)
	return nil
}

// Commits returns how many batches were committed since Open: every change
// of the metadata is one batch, so this is a cheap count of changes (the
// readiness probe of Check is not counted). It is what decides when the
// next checkpoint is due.
func (s *Store) Commits() int64 { return s.commits.Load() }

// Discard drops the batch without applying it.
func (b *Batch) Discard() { _ = b.b.Close() }

// Check verifies that the store accepts a synced write: it is what /ready asks.
func (s *Store) Check() error {
	if s.closed.Load() {
		return ErrClosed
	}
	b := s.db.NewBatch()
	defer b.Close()
	_ = b.Set([]byte(probeKey), nil, nil)
	if err := b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("meta: write probe: %w", err)
	}
	return nil
}

// probeKey is rewritten by Check; see doc.go.
const probeKey = "z/probe"

// Checkpoint writes a consistent copy of the store into dir, which must not
// exist. The copy opens with Open.
func (s *Store) Checkpoint(dir string) error {
	if s.closed.Load() {
		return ErrClosed
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return err
	}
	return s.db.Checkpoint(dir, pebble.WithFlushedWAL())
}

type pebbleLogger struct{ l *slog.Logger }

func (p pebbleLogger) Infof(format string, args ...any) {
	if p.l != nil {
		p.l.Debug(fmt.Sprintf(format, args...), "component", "pebble")
	}
}

func (p pebbleLogger) Errorf(format string, args ...any) {
	if p.l != nil {
		p.l.Error(fmt.Sprintf(format, args...), "component", "pebble")
	}
}

func (p pebbleLogger) Fatalf(format string, args ...any) {
	if p.l != nil {
		p.l.Error(fmt.Sprintf(format, args...), "component", "pebble")
	}
	fmt.Fprintf(os.Stderr, format+"\n", args...)
	os.Exit(1)
}

var _ io.Closer = (*Store)(nil)
