package engine

import (
	"encoding/json"
	"reflect"
	"testing"
)

func sampleNodes() []*node {
	v := &version{ID: 9, Size: 1 << 40, MD5: make([]byte, 16), Hash: make([]byte, 32), ModTime: -5, Author: "é", AuthorID: "u1",
		Meta: map[string]string{"content-type": "text/plain", "": ""}}
	parts := &version{ID: 10, MD5: []byte{1}, Parts: []partRef{{Hash: []byte{1, 2}, Size: 5}, {Hash: []byte{3}, Size: 0}}, Whole: true}
	return []*node{
		{},
		{ID: 1, GUID: make([]byte, 16), Dir: true, Created: 1, Modified: 2, Owner: "o",
			ACL: []ace{{Group: true, ID: "g", Rights: 127}, {ID: "u"}}, Quota: -1, Purge: 30, Meta: map[string]string{"s3:cors": "<x/>"}},
		{ID: 2, Stored: 7, NVers: 3, Cur: v},
		{ID: 3, Cur: parts},
	}
}

// TestCodecRoundTrip: the binary form holds every field, and reads back as
// the JSON form of the same record does (old stores hold JSON).
func TestCodecRoundTrip(t *testing.T) {
	for i, n := range sampleNodes() {
		bin, err := decodeNode(encode(n))
		if err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
		js, _ := json.Marshal(n)
		old, err := decodeNode(js)
		if err != nil {
			t.Fatalf("node %d from JSON: %v", i, err)
		}
		if !reflect.DeepEqual(bin, n) || !reflect.DeepEqual(old, n) {
			t.Errorf("node %d:\n in  %+v\n bin %+v\n json %+v", i, n, bin, old)
		}
		if n.Cur != nil {
			v, err := decodeVersion(encode(n.Cur))
			if err != nil || !reflect.DeepEqual(v, n.Cur) {
				t.Errorf("version of node %d: %+v %v", i, v, err)
			}
		}
	}
}

// TestCodecV1: records of the first binary version, without the Whole flag,
// still read.
func TestCodecV1(t *testing.T) {
	for i, n := range sampleNodes() {
		if n.Cur == nil {
			continue
		}
		v := *n.Cur
		v.Whole = false
		b := encode(&v)
		b = append([]byte{codecV1}, b[1:len(b)-1]...) // drop the flag
		got, err := decodeVersion(b)
		if err != nil || !reflect.DeepEqual(got, &v) {
			t.Errorf("v1 version of node %d: %+v %v", i, got, err)
		}
		m := *n
		m.Cur = &v
		b = encode(&m)
		got2, err := decodeNode(append([]byte{codecV1}, b[1:len(b)-1]...))
		if err != nil || !reflect.DeepEqual(got2, &m) {
			t.Errorf("v1 node %d: %+v %v", i, got2, err)
		}
	}
}

// TestCodecTruncated: every truncation of a record is an error, never a
// panic or a wrong record.
func TestCodecTruncated(t *testing.T) {
	for _, n := range sampleNodes() {
		b := encode(n)
		for i := 1; i < len(b); i++ {
			if _, err := decodeNode(b[:i]); err == nil {
				t.Fatalf("a record cut to %d of %d bytes decoded", i, len(b))
			}
		}
	}
}

func FuzzDecodeNode(f *testing.F) {
	for _, n := range sampleNodes() {
		f.Add(encode(n))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if binaryRecord(b) {
			decodeNode(b) // must not panic or allocate without bound
		}
	})
}
