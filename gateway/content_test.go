package gateway

import (
	"bytes"
	"io"
	"net/http"
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

// A plain GET of the whole content (the copy without http.ServeContent)
// answers what http.ServeContent answers; a content shorter than its size
// cuts the connection instead of ending a 200 early.
func TestContentPlainGetAsServeContent(t *testing.T) {
	data := make([]byte, 2*ContentChunk+77)
	for i := range data {
		data[i] = byte(i * 13)
	}
	mod := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	serve := func(hdr ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/f", nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		w := httptest.NewRecorder()
		w.Header().Set("Content-Type", "application/octet-stream")
		ServeContent(w, req, mod, &countingReaderAt{data: data}, int64(len(data)))
		return w
	}
	plain, cond := serve(), serve("If-None-Match", `"other"`)
	if plain.Code != 200 || cond.Code != 200 || !bytes.Equal(plain.Body.Bytes(), data) || !bytes.Equal(cond.Body.Bytes(), data) {
		t.Fatalf("plain %d (%d bytes), conditional %d (%d bytes)", plain.Code, plain.Body.Len(), cond.Code, cond.Body.Len())
	}
	for _, h := range []string{"Content-Length", "Content-Type", "Last-Modified", "Accept-Ranges"} {
		if p, c := plain.Header().Values(h), cond.Header().Values(h); len(p) != 1 || p[0] != c[0] {
			t.Errorf("%s: plain %q, through http.ServeContent %q", h, p, c)
		}
	}

	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		ServeContent(w, r, mod, &countingReaderAt{data: data[:ContentChunk+5]}, int64(len(data)))
	}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Fatal("a content shorter than its size was answered as a complete 200")
	}
}
