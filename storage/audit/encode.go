package audit

import (
	"encoding/binary"
	"errors"
	"math"
	"time"
	"unicode/utf8"
)

// Key prefixes; see the package comment.
const (
	prefixTime   = "e/t/"
	prefixID     = "e/i/"
	prefixUser   = "e/u/"
	prefixType   = "e/k/"
	prefixObject = "e/o/"
	keyFloor     = "e/s/floor"
)

// pos is an entry's place in every index: its encoded time, then its ID.
// Index keys end with the 16 bytes of a pos.
type pos struct{ t, id uint64 }

const posLen = 16

var maxPos = pos{math.MaxUint64, math.MaxUint64}

func (p pos) less(q pos) bool { return p.t < q.t || p.t == q.t && p.id < q.id }

// next returns the smallest pos after p (p must not be maxPos).
func (p pos) next() pos {
	if p.id == math.MaxUint64 {
		return pos{p.t + 1, 0}
	}
	return pos{p.t, p.id + 1}
}

func (p pos) append(b []byte) []byte {
	b = binary.BigEndian.AppendUint64(b, p.t)
	return binary.BigEndian.AppendUint64(b, p.id)
}

func posOf(b []byte) pos {
	return pos{binary.BigEndian.Uint64(b), binary.BigEndian.Uint64(b[8:])}
}

// encTime maps a time to 8 bytes whose byte order is time order.
func encTime(t time.Time) uint64 { return uint64(t.UnixNano()) ^ (1 << 63) }

func decTime(u uint64) time.Time { return time.Unix(0, int64(u^(1<<63))).UTC() }

// The range of times that UnixNano represents; entry times are clamped to it.
var (
	minTime = time.Unix(0, math.MinInt64)
	maxTime = time.Unix(0, math.MaxInt64-1)
)

func clampTime(t time.Time) time.Time {
	switch {
	case t.Before(minTime):
		t = minTime
	case t.After(maxTime):
		t = maxTime
	}
	return time.Unix(0, t.UnixNano()).UTC()
}

// Entry fields are cut to these many bytes (at a rune boundary) so that a
// client cannot grow the log with a huge header.
const (
	maxField      = 1024
	maxObjectName = 4096
)

func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func (e *Entry) cutFields() {
	for _, f := range []*string{&e.UserID, &e.Login, &e.IP, &e.UserAgent, &e.Protocol, &e.Type, &e.ObjectType, &e.Detail} {
		*f = cut(*f, maxField)
	}
	e.ObjectName = cut(e.ObjectName, maxObjectName)
}

func (e *Entry) pos() pos { return pos{encTime(e.Time), e.ID} }

// Value encoding, version 1: a version byte, then uvarint ID, varint time in
// nanoseconds, and the string fields as uvarint length + bytes, OK as a byte
// and ObjectID as a uvarint, in the order of the struct. A decoder ignores
// bytes after the fields it knows, so a later version may append fields.
// Measured against JSON in BenchmarkEncode: see the package comment.
const encVersion = 1

func encode(b []byte, e *Entry) []byte {
	b = append(b, encVersion)
	b = binary.AppendUvarint(b, e.ID)
	b = binary.AppendVarint(b, e.Time.UnixNano())
	for _, s := range []string{e.UserID, e.Login, e.IP, e.UserAgent, e.Protocol, e.Type} {
		b = appendString(b, s)
	}
	ok := byte(0)
	if e.OK {
		ok = 1
	}
	b = append(b, ok)
	b = binary.AppendUvarint(b, e.ObjectID)
	for _, s := range []string{e.ObjectType, e.ObjectName, e.Detail} {
		b = appendString(b, s)
	}
	return b
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

var errCorrupt = errors.New("audit: corrupt entry")

func decode(b []byte) (Entry, error) {
	var e Entry
	d := decoder{b: b}
	if v := d.byte(); v != encVersion {
		return e, errCorrupt
	}
	e.ID = d.uvarint()
	e.Time = time.Unix(0, d.varint()).UTC()
	for _, f := range []*string{&e.UserID, &e.Login, &e.IP, &e.UserAgent, &e.Protocol, &e.Type} {
		*f = d.string()
	}
	e.OK = d.byte() == 1
	e.ObjectID = d.uvarint()
	for _, f := range []*string{&e.ObjectType, &e.ObjectName, &e.Detail} {
		*f = d.string()
	}
	if d.bad {
		return Entry{}, errCorrupt
	}
	return e, nil
}

type decoder struct {
	b   []byte
	bad bool
}

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.bad = true
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.bad = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string {
	n := d.uvarint()
	if d.bad || n > uint64(len(d.b)) {
		d.bad = true
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}
