package audit

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"slices"
	"time"

	"coffre/storage"
	"coffre/storage/meta"
)

// Query selects entries. Criteria combine with AND; Types is a set (OR).
type Query struct {
	From, To time.Time // [From, To); zero = unbounded
	UserID   string    // "" = any
	Types    []string  // empty = any
	ObjectID uint64    // 0 = any
	Cursor   string    // from a previous Page.Next
	Limit    int       // 0: 100; at most 1000 (larger asks get 1000)
	Newest   bool      // newest first (the default for UIs); false = oldest first
}

// Page is one page of a query's result.
type Page struct {
	Entries []Entry
	Next    string // the Cursor of the next page; "" when done
}

const (
	defaultLimit = 100
	maxLimit     = 1000
)

// Query returns one page of the entries that match q, in time order (then ID
// order) or its reverse. It reads the most selective index — object, then
// user, then type (one scan per type, merged), then time — and checks the
// other criteria on each entry it reads. Paging with Next neither repeats nor
// skips an entry that existed when the first page was read; entries added
// since may appear on later pages if they sort after the cursor.
//
// Errors are *storage.Error: Invalid for a bad cursor (or one from a query in
// the other direction), a negative limit or From after To; Unavailable when
// the store is closed.
func (l *Log) Query(ctx context.Context, q Query) (Page, error) {
	const op = "audit query"
	limit := q.Limit
	switch {
	case limit < 0:
		return Page{}, storage.Errorf(op, storage.Invalid, "", "negative limit %d", limit)
	case limit == 0:
		limit = defaultLimit
	case limit > maxLimit:
		limit = maxLimit
	}
	lo, hi := pos{}, maxPos
	if !q.From.IsZero() {
		lo = pos{encTime(clampTime(q.From)), 0}
	}
	if !q.To.IsZero() {
		hi = pos{encTime(clampTime(q.To)), 0}
	}
	if hi.less(lo) {
		return Page{}, storage.Errorf(op, storage.Invalid, "", "from %v is after to %v", q.From, q.To)
	}
	if q.Cursor != "" {
		c, err := parseCursor(q.Cursor, q.Newest)
		if err != nil {
			return Page{}, storage.E(op, storage.Invalid, "", err)
		}
		switch {
		case q.Newest:
			if c.less(hi) {
				hi = c
			}
		case c == maxPos:
			return Page{}, nil
		case lo.less(c.next()):
			lo = c.next()
		}
	}

	var types map[string]bool
	if len(q.Types) > 0 {
		types = make(map[string]bool, len(q.Types))
		for _, t := range q.Types {
			types[t] = true
		}
	}
	match := func(e *Entry) bool {
		return (q.UserID == "" || e.UserID == q.UserID) &&
			(q.ObjectID == 0 || e.ObjectID == q.ObjectID) &&
			(types == nil || types[e.Type])
	}

	var spans []span
	switch {
	case q.ObjectID != 0:
		spans = []span{{prefix: objectPrefix(q.ObjectID)}}
	case q.UserID != "":
		spans = []span{{prefix: indexPrefix(prefixUser, q.UserID)}}
	case types != nil:
		for t := range types {
			spans = append(spans, span{prefix: indexPrefix(prefixType, t)})
		}
	default:
		spans = []span{{prefix: []byte(prefixTime)}}
	}

	want := limit + 1
	var out []Entry
	for _, sp := range spans {
		var es []Entry
		var err error
		if lo.less(hi) {
			if q.Newest {
				es, err = l.backward(ctx, sp, lo, hi, want, match)
			} else {
				es, err = l.forward(ctx, sp, lo, hi, want, match)
			}
		}
		if err != nil {
			return Page{}, metaErr(op, err)
		}
		out = append(out, es...)
	}
	if len(spans) > 1 {
		slices.SortFunc(out, func(a, b Entry) int {
			c := comparePos(a.pos(), b.pos())
			if q.Newest {
				return -c
			}
			return c
		})
	}
	var page Page
	if len(out) > limit {
		out = out[:limit]
		page.Next = formatCursor(out[limit-1].pos(), q.Newest)
	}
	page.Entries = out
	return page, nil
}

func comparePos(a, b pos) int {
	switch {
	case a.less(b):
		return -1
	case b.less(a):
		return 1
	}
	return 0
}

// span is one index to read: keys prefix+<t><id>, with the entry as value
// (e/t/) or an empty value (the entry is read from e/t/).
type span struct{ prefix []byte }

func (sp span) key(p pos) []byte {
	return p.append(append(make([]byte, 0, len(sp.prefix)+posLen), sp.prefix...))
}

// load returns the entry an index key points to; ok is false when the entry
// is gone (pruned since the index was read).
func (l *Log) load(sp span, p pos, v []byte) (e Entry, ok bool, err error) {
	if len(v) == 0 {
		v, err = l.m.Get(p.append([]byte(prefixTime)))
		if errors.Is(err, meta.ErrNotFound) {
			return Entry{}, false, nil
		}
		if err != nil {
			return Entry{}, false, err
		}
	}
	e, err = decode(v)
	return e, err == nil, err
}

// forward returns the first want entries of sp in [lo, hi) that match.
func (l *Log) forward(ctx context.Context, sp span, lo, hi pos, want int, match func(*Entry) bool) ([]Entry, error) {
	var out []Entry
	n := 0
	err := l.m.Scan(sp.key(lo), sp.key(hi), func(k, v []byte) error {
		if n++; n%256 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if len(k) != len(sp.prefix)+posLen {
			return nil // a longer name that starts like ours; see the package comment
		}
		e, ok, err := l.load(sp, posOf(k[len(sp.prefix):]), v)
		if err != nil {
			return err
		}
		if ok && match(&e) {
			out = append(out, e)
			if len(out) == want {
				return meta.ErrStop
			}
		}
		return nil
	})
	return out, err
}

// backward returns the last want entries of sp in [lo, hi) that match, newest
// first. storage/meta only scans forward, so it reads windows of time
// backwards from hi, each forward, keeping the newest ringCap keys of each.
// A window that finds nothing grows 4 times; one that overflows the buffer
// gives way to a window as long as the part it kept.
func (l *Log) backward(ctx context.Context, sp span, lo, hi pos, want int, match func(*Entry) bool) ([]Entry, error) {
	type item struct {
		p pos
		v []byte
	}
	ringCap := want + 1024
	var out []Entry
	delta := uint64(time.Second)
	var items []item
	for len(out) < want && lo.less(hi) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		wlo := lo
		if hi.t >= delta {
			if c := (pos{hi.t - delta, 0}); lo.less(c) {
				wlo = c
			}
		}
		items = items[:0]
		overflow := false
		err := l.m.Scan(sp.key(wlo), sp.key(hi), func(k, v []byte) error {
			if len(k) != len(sp.prefix)+posLen {
				return nil
			}
			it := item{p: posOf(k[len(sp.prefix):])}
			if len(v) > 0 {
				it.v = bytes.Clone(v)
			}
			items = append(items, it)
			if len(items) >= 2*ringCap {
				items = items[:copy(items, items[len(items)-ringCap:])]
				overflow = true
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		if len(items) > ringCap {
			items = items[len(items)-ringCap:]
			overflow = true
		}
		for i := len(items) - 1; i >= 0; i-- {
			e, ok, err := l.load(sp, items[i].p, items[i].v)
			if err != nil {
				return nil, err
			}
			if ok && match(&e) {
				out = append(out, e)
				if len(out) == want {
					return out, nil
				}
			}
		}
		if len(items) == 0 {
			// Nothing here: seek back to the newest key below the window.
			bound, ok, err := l.seekBack(sp, lo, wlo)
			if err != nil || !ok {
				return out, err
			}
			hi, delta = bound, max(delta, 1<<30)
			continue
		}
		if overflow {
			hi = items[0].p
			delta = max(items[len(items)-1].p.t-items[0].p.t, 1)
		} else {
			hi = wlo
			if delta < 1<<61 {
				delta *= 4
			}
		}
	}
	return out, nil
}

// seekBack returns an exclusive bound at most hi that is less than 2^30 ns
// (about a second) after the newest key of sp in [lo, hi), or ok false when
// there is none. storage/meta has no reverse iterator, so it finds the time of
// that key bit by bit from the top, with one seek per bit, jumping to the key
// each seek finds.
func (l *Log) seekBack(sp span, lo, hi pos) (bound pos, ok bool, err error) {
	upper := sp.key(hi)
	first := func(from pos) (t uint64, found bool, err error) {
		if from.less(lo) {
			from = lo
		}
		err = l.m.Scan(sp.key(from), upper, func(k, _ []byte) error {
			if len(k) != len(sp.prefix)+posLen {
				return nil
			}
			t, found = posOf(k[len(sp.prefix):]).t, true
			return meta.ErrStop
		})
		return t, found, err
	}
	// Invariant: a key of time t exists, and t has the bits above bit of
	// the newest key's time.
	t, found, err := first(lo)
	if err != nil || !found {
		return pos{}, false, err
	}
	const resolution = 30
	for bit := 63; bit >= resolution; bit-- {
		if t&(1<<bit) != 0 {
			continue
		}
		cand := (t | 1<<bit) &^ (1<<bit - 1)
		if hi.less(pos{cand, 0}) {
			continue
		}
		kt, found, err := first(pos{cand, 0})
		if err != nil {
			return pos{}, false, err
		}
		if found {
			t = kt
		}
	}
	bound = hi
	if end := t&^(1<<resolution-1) + 1<<resolution; end > t && (pos{end, 0}).less(hi) {
		bound = pos{end, 0}
	}
	return bound, true, nil
}

// A cursor is the position of the last entry of a page and the direction,
// in URL-safe base64: "n" or "o", then 16 bytes.
func formatCursor(p pos, newest bool) string {
	d := byte('o')
	if newest {
		d = 'n'
	}
	return base64.RawURLEncoding.EncodeToString(p.append([]byte{d}))
}

func parseCursor(s string, newest bool) (pos, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != 1+posLen || (b[0] != 'n' && b[0] != 'o') {
		return pos{}, errors.New("malformed cursor")
	}
	if (b[0] == 'n') != newest {
		return pos{}, errors.New("cursor of a query in the other direction of time")
	}
	return posOf(b[1:]), nil
}
