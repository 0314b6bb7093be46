package gateway

import (
	"bytes"
	"io"
	"net/http/httptest"
	"testing"
	"time"
)

// countingReaderAt counts the reads a Content makes of its store.
type countingReaderAt struct {
	data  []byte
	reads int
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	c.reads++
	if off >= int64(len(c.data)) {
		return 0, io.EOF
	}
	n := copy(p, c.data[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func TestContentServesWholeAndRanges(t *testing.T) {
	data := make([]byte, 3*ContentChunk+12345)
	for i := range data {
		data[i] = byte(i * 7)
	}
	src := &countingReaderAt{data: data}
	serve := func(hdr ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/f", nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		w := httptest.NewRecorder()
		ServeContent(w, req, time.Time{}, src, int64(len(data)))
		return w
	}
	w := serve()
	if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), data) {
		t.Fatalf("whole: %d, %d bytes", w.Code, w.Body.Len())
	}
	if src.reads > 5 {
		t.Fatalf("%d reads of the store for %d bytes: the chunks are not used", src.reads, len(data))
	}
	w = serve("Range", "bytes=1048570-1048580")
	if w.Code != 206 || !bytes.Equal(w.Body.Bytes(), data[1048570:1048581]) {
		t.Fatalf("range across a chunk: %d %q", w.Code, w.Body.Bytes())
	}
	w = serve("Range", "bytes=-10")
	if w.Code != 206 || !bytes.Equal(w.Body.Bytes(), data[len(data)-10:]) {
		t.Fatalf("suffix range: %d", w.Code)
	}
	w = serve("Range", "bytes=0-1,5-9")
	if w.Code != 206 || !bytes.Contains(w.Body.Bytes(), data[5:10]) {
		t.Fatalf("multiple ranges: %d", w.Code)
	}
	var out bytes.Buffer
	if n, err := CopyContent(&out, src, 5, 2*ContentChunk); err != nil || n != 2*ContentChunk || !bytes.Equal(out.Bytes(), data[5:5+2*ContentChunk]) {
		t.Fatalf("CopyContent: %d, %v", n, err)
	}
	if n, err := CopyContent(&out, &countingReaderAt{}, 0, 0); n != 0 || err != nil {
		t.Fatalf("empty content: %d, %v", n, err)
	}
	// The store has less than announced.
	if _, err := CopyContent(io.Discard, &countingReaderAt{data: []byte("abc")}, 0, 10); err == nil {
		t.Fatal("a store shorter than announced read without error")
	}
}
