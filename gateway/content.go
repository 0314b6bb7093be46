package gateway

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// ContentChunk is how much a download asks of the store at a time.
const ContentChunk = 1 << 20

// chunks are the buffers of downloads, reused: a download holds one while
// it runs.
var chunks = sync.Pool{New: func() any { b := make([]byte, ContentChunk); return &b }}

// ServeContent answers a GET or HEAD of size bytes of r as
// http.ServeContent does (ranges, conditional requests), but reads r in
// chunks of up to ContentChunk from a pooled buffer: http copies in 32 KiB
// reads, and the store prefers a few large reads to many small ones.
//
// A plain GET of the whole content (no range, no condition, a Content-Type
// set, no Content-Encoding), the common download, gets the one answer
// http.ServeContent would give without its copy of every byte through a
// 32 KiB buffer (some 10% of a large download's CPU): each chunk is written
// as read (CopyContent). A content shorter than its size then cuts the
// connection, so that the client cannot take what it got for the whole.
func ServeContent(w http.ResponseWriter, req *http.Request, modtime time.Time, r io.ReaderAt, size int64) {
	if plainWhole(req, w.Header()) {
		serveWhole(w, modtime, r, size)
		return
	}
	c := &content{r: r, size: size}
	defer c.release()
	http.ServeContent(w, req, "", modtime, c)
}

// plainWhole says whether http.ServeContent would answer req with a 200
// of the whole content and nothing to decide: a GET with no range nor
// condition, whose type is set (else it sniffs the content) and whose
// answer is not encoded (else it gives no length).
func plainWhole(req *http.Request, h http.Header) bool {
	if req.Method != http.MethodGet || h.Get("Content-Type") == "" || h.Get("Content-Encoding") != "" {
		return false
	}
	for _, k := range []string{"Range", "If-Range", "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since"} {
		if req.Header.Get(k) != "" {
			return false
		}
	}
	return true
}

// serveWhole answers 200 with the whole content and the headers
// http.ServeContent sets for it.
func serveWhole(w http.ResponseWriter, modtime time.Time, r io.ReaderAt, size int64) {
	h := w.Header()
	if !modtime.IsZero() && !modtime.Equal(time.Unix(0, 0)) {
		h.Set("Last-Modified", modtime.UTC().Format(http.TimeFormat))
	}
	h.Set("Accept-Ranges", "bytes")
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	w.WriteHeader(http.StatusOK)
	if _, err := CopyContent(w, r, 0, size); err != nil {
		panic(http.ErrAbortHandler) // the client is gone, or the content is short: cut
	}
}

// RangeWriter is content that writes a range of itself to w from its own
// buffers, as the engine's objects do: CopyContent then makes no copy.
type RangeWriter interface {
	WriteRange(w io.Writer, off, n int64) (int64, error)
}

// CopyContent writes n bytes of r from off to w, in chunks read into a
// pooled buffer and each written whole: no copy through io.Copy's 32 KiB
// buffer, and few large writes to the connection.
func CopyContent(w io.Writer, r io.ReaderAt, off, n int64) (int64, error) {
	if rw, ok := r.(RangeWriter); ok {
		m, err := rw.WriteRange(w, off, n)
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return m, err
	}
	c := &content{r: r, size: off + n, off: off}
	defer c.release()
	var done int64
	for c.off < c.size {
		if err := c.fill(); err != nil {
			return done, err
		}
		m, err := w.Write(c.buf)
		done += int64(m)
		c.off += int64(m)
		switch {
		case err != nil:
			return done, err
		case m < len(c.buf):
			return done, io.ErrShortWrite
		}
	}
	return done, nil
}

// content is a ReadSeeker over size bytes of r, buffered in chunks.
type content struct {
	r         io.ReaderAt
	size, off int64  // the content's size, the reading position
	buf       []byte // buffered bytes, from bufOff
	bufOff    int64
	pooled    *[]byte
}

func (c *content) Read(p []byte) (int, error) {
	if c.off >= c.size {
		return 0, io.EOF
	}
	if c.off < c.bufOff || c.off >= c.bufOff+int64(len(c.buf)) {
		if err := c.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, c.buf[c.off-c.bufOff:])
	c.off += int64(n)
	return n, nil
}

// fill reads the chunk at the reading position. Small contents read into a
// buffer of their size, larger ones into a pooled chunk.
func (c *content) fill() error {
	want := min(int64(ContentChunk), c.size-c.off)
	if int64(cap(c.buf)) < want {
		if want < ContentChunk/4 {
			c.buf = make([]byte, want)
		} else {
			c.release()
			c.pooled = chunks.Get().(*[]byte)
			c.buf = *c.pooled
		}
	}
	c.buf = c.buf[:want]
	n, err := c.r.ReadAt(c.buf, c.off)
	c.buf, c.bufOff = c.buf[:n], c.off
	switch {
	case n > 0 && errors.Is(err, io.EOF):
		return nil
	case n == 0 && (err == nil || errors.Is(err, io.EOF)):
		return io.ErrUnexpectedEOF // the store holds less than its size says
	}
	return err
}

// release gives the pooled chunk back.
func (c *content) release() {
	if c.pooled != nil {
		chunks.Put(c.pooled)
		c.pooled, c.buf = nil, nil
	}
}

func (c *content) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += c.off
	case io.SeekEnd:
		offset += c.size
	default:
		return 0, errors.New("gateway: bad whence")
	}
	if offset < 0 {
		return 0, errors.New("gateway: negative position")
	}
	c.off = offset
	return offset, nil
}
