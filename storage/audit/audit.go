package audit

import (
	"encoding/binary"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"coffre/storage"
	"coffre/storage/meta"
)

// Entry is one audited action. Strings longer than 1 KiB (4 KiB for
// ObjectName) are cut when the entry is stored.
type Entry struct {
	ID         uint64    // assigned by the log, increasing with time
	Time       time.Time // assigned by the log (its clock) when zero; stored in UTC to the nanosecond
	UserID     string    // who: a user ID, "share:<id>" for a link, "" for anonymous
	Login      string
	IP         string
	UserAgent  string
	Protocol   string // "s3", "webdav", "rest", "web", "cli", "engine"
	Type       string // e.g. "login", "upload", "download", "delete", "restore", "lock", "right_change", "share_link_access"
	OK         bool   // status OK / error
	ObjectID   uint64
	ObjectType string // "file", "folder", "user", "group", "share", ...
	ObjectName string
	Detail     string // short free text; never secrets
}

// Options configures a Log. The zero value is usable.
type Options struct {
	Now       func() time.Time // nil: time.Now
	Retention time.Duration    // 0: keep 365 days
	Logger    *slog.Logger     // nil discards
}

// DefaultRetention is the retention of a zero Options.
const DefaultRetention = 365 * 24 * time.Hour

// Log is the audit log over a metadata store. It is safe for concurrent use.
// Only one Log may use a given store at a time (IDs are handed out from
// memory).
type Log struct {
	m         *meta.Store
	now       func() time.Time
	retention time.Duration
	logger    *slog.Logger
	last      atomic.Uint64 // the last ID handed out
	pruneMu   sync.Mutex    // serialises Prune (it rewrites e/s/floor)
}

// New opens the audit log kept in m. It reads the largest ID in use so that
// new IDs are above it. Errors are *storage.Error: Unavailable when m is
// closed.
func New(m *meta.Store, opts Options) (*Log, error) {
	l := &Log{m: m, now: opts.Now, retention: opts.Retention, logger: opts.Logger}
	if l.now == nil {
		l.now = time.Now
	}
	if l.retention <= 0 {
		l.retention = DefaultRetention
	}
	if l.logger == nil {
		l.logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	top, err := l.maxID()
	if err != nil {
		return nil, metaErr("open", err)
	}
	floor, err := l.floor()
	if err != nil {
		return nil, metaErr("open", err)
	}
	l.last.Store(max(top, floor))
	return l, nil
}

// maxID returns the largest ID with an e/i/ key, or 0: it builds the answer
// bit by bit, asking at each bit whether a key at or above the candidate
// exists (one seek each).
func (l *Log) maxID() (uint64, error) {
	var top uint64
	key := []byte(prefixID)
	end := meta.PrefixEnd(key)
	for bit := 63; bit >= 0; bit-- {
		cand := top | 1<<bit
		found := false
		err := l.m.Scan(binary.BigEndian.AppendUint64(key[:len(prefixID)], cand), end, func(k, _ []byte) error {
			found = true
			return meta.ErrStop
		})
		if err != nil {
			return 0, err
		}
		if found {
			top = cand
		}
	}
	return top, nil
}

func (l *Log) floor() (uint64, error) {
	v, err := l.m.Get([]byte(keyFloor))
	if errors.Is(err, meta.ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if len(v) != 8 {
		return 0, storage.Errorf("open", storage.Corrupt, "", "audit: floor of %d bytes", len(v))
	}
	return binary.BigEndian.Uint64(v), nil
}

// nextID returns a new ID: now in microseconds, or the last ID plus one.
func (l *Log) nextID(now time.Time) uint64 {
	c := uint64(max(now.UnixMicro(), 0))
	for {
		last := l.last.Load()
		id := max(c, last+1)
		if l.last.CompareAndSwap(last, id) {
			return id
		}
	}
}

// Add adds e to the caller's batch so that the entry commits atomically with
// the change it records, and returns the entry as it will be stored (ID and
// Time set, fields cut to their limits). Add writes nothing itself and never
// blocks on I/O; if the batch is discarded, the entry never appears (its ID is
// skipped). Add is safe for concurrent use on different batches.
func (l *Log) Add(b *meta.Batch, e Entry) Entry {
	now := l.now()
	if e.Time.IsZero() {
		e.Time = now
	}
	e.Time = clampTime(e.Time)
	e.ID = l.nextID(now)
	e.cutFields()

	p := e.pos()
	buf := make([]byte, 0, 256)
	buf = p.append(append(buf, prefixTime...))
	val := encode(buf[len(buf):], &e)
	b.Set(buf, val)

	buf = binary.BigEndian.AppendUint64(append(buf[:0], prefixID...), e.ID)
	b.Set(buf, binary.BigEndian.AppendUint64(val[:0], p.t))

	if e.UserID != "" {
		b.Set(indexKey(buf[:0], prefixUser, e.UserID, p), nil)
	}
	b.Set(indexKey(buf[:0], prefixType, e.Type, p), nil)
	if e.ObjectID != 0 {
		b.Set(objectKey(buf[:0], e.ObjectID, p), nil)
	}
	return e
}

func indexKey(b []byte, prefix, name string, p pos) []byte {
	b = append(append(append(b, prefix...), name...), 0)
	return p.append(b)
}

func indexPrefix(prefix, name string) []byte {
	return append(append([]byte(prefix), name...), 0)
}

func objectKey(b []byte, id uint64, p pos) []byte {
	return p.append(binary.BigEndian.AppendUint64(append(b, prefixObject...), id))
}

func objectPrefix(id uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte(prefixObject), id)
}

// Record commits e on its own, for an access that changes nothing (a
// download, a failed login), and returns it as stored. Errors are
// *storage.Error: Unavailable when the store is closed.
func (l *Log) Record(e Entry) (Entry, error) {
	b := l.m.NewBatch()
	e = l.Add(b, e)
	if err := b.Commit(); err != nil {
		return Entry{}, metaErr("record", err)
	}
	return e, nil
}

// Get returns the entry with the given ID. Errors are *storage.Error:
// NotFound when there is none (never recorded, or pruned), Unavailable when
// the store is closed.
func (l *Log) Get(id uint64) (Entry, error) {
	t, err := l.m.Get(binary.BigEndian.AppendUint64([]byte(prefixID), id))
	if errors.Is(err, meta.ErrNotFound) {
		return Entry{}, storage.Errorf("audit get", storage.NotFound, "", "no entry %d", id)
	}
	if err != nil {
		return Entry{}, metaErr("audit get", err)
	}
	if len(t) != 8 {
		return Entry{}, storage.Errorf("audit get", storage.Corrupt, "", "entry %d: index value of %d bytes", id, len(t))
	}
	p := pos{binary.BigEndian.Uint64(t), id}
	v, err := l.m.Get(p.append([]byte(prefixTime)))
	if errors.Is(err, meta.ErrNotFound) {
		// Pruned between the two reads.
		return Entry{}, storage.Errorf("audit get", storage.NotFound, "", "no entry %d", id)
	}
	if err != nil {
		return Entry{}, metaErr("audit get", err)
	}
	e, err := decode(v)
	if err != nil {
		return Entry{}, storage.E("audit get", storage.Corrupt, "", err)
	}
	return e, nil
}

// metaErr wraps an error of storage/meta into a *storage.Error.
func metaErr(op string, err error) error {
	var se *storage.Error
	switch {
	case errors.As(err, &se):
		return err
	case errors.Is(err, meta.ErrClosed):
		return storage.E(op, storage.Unavailable, "", err)
	case errors.Is(err, errCorrupt):
		return storage.E(op, storage.Corrupt, "", err)
	}
	return storage.E(op, storage.Other, "", err)
}
