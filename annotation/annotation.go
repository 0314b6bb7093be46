// Package annotation stores the notes people leave on files and folders (the
// NetExplorer "Annotation" object): a thread per file or folder, replies to
// earlier notes, edits and deletions. It knows nothing of rights: the caller
// checks that whoever reads or writes a note may see its target.
//
// # Storage
//
// Everything lives in the metadata store under the m/ prefix, which this
// package alone reads and writes (see storage/meta/doc.go). IDs are 8-byte
// big-endian, so byte order is the order of IDs, which is the order of
// creation.
//
//	m/i/<id>            the annotation (JSON)
//	m/t/<target><id>    empty: the thread of a file or folder, oldest first
//	m/s/last            8 bytes: the last ID handed out
//
// Every change is one batch, with its audit entry when the store has an
// audit log; changes are serialised by one mutex (notes are written by
// people, not by machines, so one lock costs nothing).
package annotation

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"coffre/storage"
	"coffre/storage/audit"
	"coffre/storage/meta"
)

// MaxText is the longest text of an annotation, in characters.
const MaxText = 10000

// Target types.
const (
	File   = "file"
	Folder = "folder"
)

// Annotation is one note on a file or folder.
type Annotation struct {
	ID           uint64         `json:"id"`
	Target       storage.NodeID `json:"target"`
	TargetType   string         `json:"target_type"` // File or Folder
	Author       string         `json:"author"`      // user ID
	Created      time.Time      `json:"created"`
	Edited       time.Time      `json:"edited,omitzero"` // zero until edited
	Text         string         `json:"text"`
	Conversation uint64         `json:"conversation,omitempty"` // the note this one answers; 0 for none
}

// Options configures a Store. The zero value is usable.
type Options struct {
	// Audit receives an entry for every change, in the change's batch;
	// nil records nothing.
	Audit *audit.Log
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Store keeps annotations in the metadata store. It is safe for concurrent
// use; only one Store may use a given metadata store at a time (IDs are
// handed out from memory).
type Store struct {
	m    *meta.Store
	log  *audit.Log
	now  func() time.Time
	mu   sync.Mutex // serialises changes and the handing out of IDs
	last uint64     // the last ID handed out; under mu
}

var (
	prefixID     = []byte("m/i/")
	prefixTarget = []byte("m/t/")
	keyLast      = []byte("m/s/last")
)

func idKey(id uint64) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(nil), prefixID...), id)
}

func targetPrefix(t storage.NodeID) []byte {
	return binary.BigEndian.AppendUint64(append([]byte(nil), prefixTarget...), uint64(t))
}

func targetKey(t storage.NodeID, id uint64) []byte {
	return binary.BigEndian.AppendUint64(targetPrefix(t), id)
}

// New opens the annotations kept in m.
func New(m *meta.Store, opts Options) (*Store, error) {
	s := &Store{m: m, log: opts.Audit, now: opts.Now}
	if s.now == nil {
		s.now = time.Now
	}
	v, err := m.Get(keyLast)
	switch {
	case errors.Is(err, meta.ErrNotFound):
	case err != nil:
		return nil, metaErr("open annotations", err)
	case len(v) != 8:
		return nil, storage.Errorf("open annotations", storage.Corrupt, "", "bad last ID record")
	default:
		s.last = binary.BigEndian.Uint64(v)
	}
	return s, nil
}

// Add stores a new annotation from a's Target, TargetType, Author, Text and
// Conversation, and returns it with its ID and date. A reply must answer an
// annotation of the same target. entry, when not nil, is the audit entry
// committed with it (its Detail names the annotation). Errors are
// *storage.Error: Invalid for a bad text or target type, or a conversation
// that does not exist on that target.
func (s *Store) Add(ctx context.Context, a Annotation, entry *audit.Entry) (Annotation, error) {
	const op = "add annotation"
	if err := check(op, a.Text); err != nil {
		return Annotation{}, err
	}
	if a.TargetType != File && a.TargetType != Folder {
		return Annotation{}, storage.Errorf(op, storage.Invalid, "", "target type %q is neither file nor folder", a.TargetType)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.Conversation != 0 {
		parent, err := s.Get(ctx, a.Conversation)
		if storage.Is(storage.NotFound, err) || err == nil && parent.Target != a.Target {
			return Annotation{}, storage.Errorf(op, storage.Invalid, "", "annotation %d is not in this thread", a.Conversation)
		}
		if err != nil {
			return Annotation{}, err
		}
	}
	a.ID, a.Created, a.Edited = s.last+1, s.now().UTC(), time.Time{}
	b := s.m.NewBatch()
	b.Set(idKey(a.ID), encode(a))
	b.Set(targetKey(a.Target, a.ID), nil)
	b.Set(keyLast, binary.BigEndian.AppendUint64(nil, a.ID))
	s.audit(b, entry, a.ID)
	if err := b.Commit(); err != nil {
		return Annotation{}, metaErr(op, err)
	}
	s.last = a.ID
	return a, nil
}

// check fails with Invalid unless text is acceptable: not blank, at most
// MaxText characters of valid UTF-8.
func check(op, text string) error {
	switch {
	case strings.TrimSpace(text) == "":
		return storage.Errorf(op, storage.Invalid, "", "empty text")
	case !utf8.ValidString(text):
		return storage.Errorf(op, storage.Invalid, "", "text is not UTF-8")
	case utf8.RuneCountInString(text) > MaxText:
		return storage.Errorf(op, storage.Invalid, "", "text longer than %d characters", MaxText)
	}
	return nil
}

// audit adds entry, about annotation id, to b.
func (s *Store) audit(b *meta.Batch, entry *audit.Entry, id uint64) {
	if entry == nil || s.log == nil {
		return
	}
	e := *entry
	e.Detail = strings.TrimSpace(fmt.Sprintf("annotation %d %s", id, e.Detail))
	s.log.Add(b, e)
}

// Get returns the annotation with this ID; NotFound when there is none.
func (s *Store) Get(ctx context.Context, id uint64) (Annotation, error) {
	v, err := s.m.Get(idKey(id))
	if errors.Is(err, meta.ErrNotFound) {
		return Annotation{}, storage.Errorf("annotation", storage.NotFound, "", "no annotation %d", id)
	}
	if err != nil {
		return Annotation{}, metaErr("annotation", err)
	}
	return decode(v)
}

// Edit replaces the text of an annotation and returns it. entry is as in
// Add. Errors: NotFound, Invalid for a bad text.
func (s *Store) Edit(ctx context.Context, id uint64, text string, entry *audit.Entry) (Annotation, error) {
	const op = "edit annotation"
	if err := check(op, text); err != nil {
		return Annotation{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.Get(ctx, id)
	if err != nil {
		return Annotation{}, err
	}
	a.Text, a.Edited = text, s.now().UTC()
	b := s.m.NewBatch()
	b.Set(idKey(a.ID), encode(a))
	s.audit(b, entry, a.ID)
	if err := b.Commit(); err != nil {
		return Annotation{}, metaErr(op, err)
	}
	return a, nil
}

// Delete removes an annotation and the replies below it (a reply without
// what it answers would make no sense), in one batch. entry is as in Add.
// NotFound when there is no such annotation.
func (s *Store) Delete(ctx context.Context, id uint64, entry *audit.Entry) error {
	const op = "delete annotation"
	s.mu.Lock()
	defer s.mu.Unlock()
	a, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	gone := map[uint64]bool{id: true}
	b := s.m.NewBatch()
	// Replies have larger IDs than what they answer: one pass in ID order
	// finds every descendant.
	err = s.thread(ctx, a.Target, func(r Annotation) error {
		if r.ID == id || gone[r.Conversation] {
			gone[r.ID] = true
			b.Delete(idKey(r.ID))
			b.Delete(targetKey(r.Target, r.ID))
		}
		return nil
	})
	if err != nil {
		b.Discard()
		return err
	}
	s.audit(b, entry, id)
	if err := b.Commit(); err != nil {
		return metaErr(op, err)
	}
	return nil
}

// thread calls fn for every annotation of target, oldest first.
func (s *Store) thread(ctx context.Context, target storage.NodeID, fn func(Annotation) error) error {
	var ids []uint64
	err := s.m.ScanPrefix(targetPrefix(target), nil, func(k, _ []byte) error {
		ids = append(ids, binary.BigEndian.Uint64(k[len(k)-8:]))
		return ctx.Err()
	})
	if err != nil {
		return metaErr("annotations", err)
	}
	for _, id := range ids {
		a, err := s.Get(ctx, id)
		if storage.Is(storage.NotFound, err) {
			continue // deleted since the scan
		}
		if err != nil {
			return err
		}
		if err := fn(a); err != nil {
			return err
		}
	}
	return nil
}

// Thread returns the annotations of a file or folder from offset, at most
// limit, oldest first, and how many it has in all.
func (s *Store) Thread(ctx context.Context, target storage.NodeID, offset, limit int) ([]Annotation, int, error) {
	var page []Annotation
	total := 0
	err := s.m.ScanPrefix(targetPrefix(target), nil, func(k, _ []byte) error {
		if total >= offset && len(page) < limit {
			a, err := s.Get(ctx, binary.BigEndian.Uint64(k[len(k)-8:]))
			if err != nil {
				return err
			}
			page = append(page, a)
		}
		total++
		return ctx.Err()
	})
	if err != nil {
		return nil, 0, metaErr("annotations", err)
	}
	return page, total, nil
}

// Count returns how many annotations a file or folder has.
func (s *Store) Count(ctx context.Context, target storage.NodeID) (int, error) {
	n := 0
	err := s.m.ScanPrefix(targetPrefix(target), nil, func(_, _ []byte) error {
		n++
		return ctx.Err()
	})
	if err != nil {
		return 0, metaErr("annotations", err)
	}
	return n, nil
}

// All calls fn for every annotation, oldest first, until fn returns an
// error, which All returns.
func (s *Store) All(ctx context.Context, fn func(Annotation) error) error {
	var fnErr error
	err := s.m.ScanPrefix(prefixID, nil, func(_, v []byte) error {
		a, err := decode(v)
		if err != nil {
			return err
		}
		if fnErr = fn(a); fnErr != nil {
			return meta.ErrStop
		}
		return ctx.Err()
	})
	if fnErr != nil {
		return fnErr
	}
	if err != nil {
		return metaErr("annotations", err)
	}
	return nil
}

func encode(a Annotation) []byte {
	v, err := json.Marshal(a)
	if err != nil {
		panic(err) // plain fields: cannot fail
	}
	return v
}

func decode(v []byte) (Annotation, error) {
	var a Annotation
	if err := json.Unmarshal(v, &a); err != nil {
		return Annotation{}, storage.Errorf("annotation", storage.Corrupt, "", "bad annotation record: %v", err)
	}
	return a, nil
}

// metaErr gives a metadata store failure its kind.
func metaErr(op string, err error) error {
	var se *storage.Error
	switch {
	case errors.As(err, &se):
		return err
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.Is(err, meta.ErrClosed):
		return storage.E(op, storage.Unavailable, "", err)
	}
	return storage.E(op, storage.Other, "", err)
}
