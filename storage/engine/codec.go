package engine

import (
	"encoding/binary"
	"errors"
	"slices"

	"coffre/storage"
)

// Node and version records are stored in a compact binary form: decoding
// them is most of the cost of a listing, and JSON took ten times longer.
// A binary record starts with its codec version; older records are JSON,
// which starts with '{', and are still read. Version 2 adds a version's
// Whole flag at the end of its fields (the last of a node record too).
const (
	codecV1 = 0x01
	codecV2 = 0x02
)

// binaryRecord reports whether b is in the binary form, of either version.
func binaryRecord(b []byte) bool { return len(b) > 0 && (b[0] == codecV1 || b[0] == codecV2) }

var errShortRecord = errors.New("engine: truncated record")

// recordWriter appends fields.
type recordWriter struct{ b []byte }

func (w *recordWriter) uint(v uint64)   { w.b = binary.AppendUvarint(w.b, v) }
func (w *recordWriter) int(v int64)     { w.b = binary.AppendVarint(w.b, v) }
func (w *recordWriter) bytes(p []byte)  { w.uint(uint64(len(p))); w.b = append(w.b, p...) }
func (w *recordWriter) string(s string) { w.uint(uint64(len(s))); w.b = append(w.b, s...) }
func (w *recordWriter) bool(v bool) {
	if v {
		w.b = append(w.b, 1)
	} else {
		w.b = append(w.b, 0)
	}
}

func (w *recordWriter) meta(m map[string]string) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys) // the same map always encodes to the same bytes
	w.uint(uint64(len(keys)))
	for _, k := range keys {
		w.string(k)
		w.string(m[k])
	}
}

// recordReader consumes fields; the first failure sticks in err.
type recordReader struct {
	b   []byte
	err error
}

func (r *recordReader) fail() { r.err, r.b = errShortRecord, nil }

func (r *recordReader) uint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *recordReader) int() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

// bytes returns a copy, nil when empty.
func (r *recordReader) bytes() []byte {
	n := r.uint()
	if n > uint64(len(r.b)) {
		r.fail()
		return nil
	}
	if n == 0 {
		return nil
	}
	p := slices.Clone(r.b[:n])
	r.b = r.b[n:]
	return p
}

func (r *recordReader) string() string {
	n := r.uint()
	if n > uint64(len(r.b)) {
		r.fail()
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *recordReader) bool() bool {
	if len(r.b) == 0 {
		r.fail()
		return false
	}
	v := r.b[0] != 0
	r.b = r.b[1:]
	return v
}

// count reads a number of following items, each at least one byte long.
func (r *recordReader) count() int {
	n := r.uint()
	if n > uint64(len(r.b)) {
		r.fail()
		return 0
	}
	return int(n)
}

func (r *recordReader) meta() map[string]string {
	n := r.count()
	if n == 0 {
		return nil
	}
	m := make(map[string]string, n)
	for range n {
		k := r.string()
		m[k] = r.string()
	}
	return m
}

func encodeNode(n *node) []byte {
	w := recordWriter{b: make([]byte, 0, 128)}
	w.b = append(w.b, codecV2)
	w.uint(uint64(n.ID))
	w.bytes(n.GUID)
	w.bool(n.Dir)
	w.int(n.Created)
	w.int(n.Modified)
	w.string(n.Owner)
	w.uint(uint64(len(n.ACL)))
	for _, a := range n.ACL {
		w.bool(a.Group)
		w.string(a.ID)
		w.uint(uint64(a.Rights))
	}
	w.int(n.Quota)
	w.int(n.Stored)
	w.int(int64(n.Purge))
	w.uint(uint64(n.NVers))
	w.meta(n.Meta)
	w.bool(n.Cur != nil)
	if n.Cur != nil {
		n.Cur.write(&w)
	}
	return w.b
}

func readNode(b []byte) (*node, error) {
	r := recordReader{b: b[1:]}
	n := &node{ID: storage.NodeID(r.uint()), GUID: r.bytes(), Dir: r.bool(), Created: r.int(), Modified: r.int(), Owner: r.string()}
	if c := r.count(); c > 0 {
		n.ACL = make([]ace, c)
		for i := range n.ACL {
			n.ACL[i] = ace{Group: r.bool(), ID: r.string(), Rights: storage.Rights(r.uint())}
		}
	}
	n.Quota, n.Stored, n.Purge, n.NVers = r.int(), r.int(), int(r.int()), int(r.uint())
	n.Meta = r.meta()
	if r.bool() {
		n.Cur = readVersionFields(&r, b[0])
	}
	if r.err != nil {
		return nil, r.err
	}
	return n, nil
}

func encodeVersion(v *version) []byte {
	w := recordWriter{b: make([]byte, 0, 96)}
	w.b = append(w.b, codecV2)
	v.write(&w)
	return w.b
}

func (v *version) write(w *recordWriter) {
	w.uint(v.ID)
	w.int(v.Size)
	w.bytes(v.MD5)
	w.bytes(v.Hash)
	w.int(v.ModTime)
	w.string(v.Author)
	w.string(v.AuthorID)
	w.meta(v.Meta)
	w.uint(uint64(len(v.Parts)))
	for _, p := range v.Parts {
		w.bytes(p.Hash)
		w.int(p.Size)
	}
	w.bool(v.Whole)
}

func readVersion(b []byte) (*version, error) {
	r := recordReader{b: b[1:]}
	v := readVersionFields(&r, b[0])
	if r.err != nil {
		return nil, r.err
	}
	return v, nil
}

func readVersionFields(r *recordReader, codec byte) *version {
	v := &version{ID: r.uint(), Size: r.int(), MD5: r.bytes(), Hash: r.bytes(), ModTime: r.int(), Author: r.string(), AuthorID: r.string(), Meta: r.meta()}
	if c := r.count(); c > 0 {
		v.Parts = make([]partRef, c)
		for i := range v.Parts {
			v.Parts[i] = partRef{Hash: r.bytes(), Size: r.int()}
		}
	}
	if codec >= codecV2 {
		v.Whole = r.bool()
	}
	return v
}
