package gateway

import (
	"errors"
	"io"
)

// ContentChunk is how much a Content reader asks of the store at a time.
const ContentChunk = 1 << 20

// Content returns a ReadSeeker over size bytes of r for
// http.ServeContent, which copies in 32 KiB reads: each read of the
// returned reader is served from a buffer filled by one ReadAt of
// ContentChunk bytes, so the store sees a few large reads instead of many
// small ones. The buffer is allocated on the first read.
func Content(r io.ReaderAt, size int64) io.ReadSeeker {
	return &content{r: r, size: size}
}

type content struct {
	r         io.ReaderAt
	size, off int64  // the content's size, the reading position
	buf       []byte // buffered bytes, from bufOff
	bufOff    int64
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

// fill reads the chunk at the reading position.
func (c *content) fill() error {
	want := min(int64(ContentChunk), c.size-c.off)
	if cap(c.buf) < int(want) {
		c.buf = make([]byte, ContentChunk)
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
