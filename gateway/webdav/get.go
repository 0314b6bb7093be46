package webdav

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"

	"coffre/gateway"
	"coffre/storage"
)

// get serves GET and HEAD on a file: its current version, with ranges and
// conditional requests (http.ServeContent) and the version's ETag. A
// folder answers 405: listings are PROPFIND's.
func (q *request) get() error {
	info, err := q.ns.Stat(q.r.Context(), q.path)
	if err != nil {
		return err
	}
	if info.Dir {
		q.w.Header().Set("Allow", "OPTIONS, PROPFIND, PROPPATCH, MKCOL, DELETE, COPY, MOVE, LOCK, UNLOCK")
		return errorf(http.StatusMethodNotAllowed, "a folder has no content; list it with PROPFIND")
	}
	var content io.ReaderAt = nothing{}
	if q.r.Method != "HEAD" {
		// ServeContent reads nothing for HEAD: no need to open the content
		// (nor the Download right, which Stat does not check).
		obj, err := q.ns.Open(q.r.Context(), q.path)
		if err != nil {
			return err
		}
		defer obj.Close()
		info = obj.Info()
		content = obj
	}
	h := q.w.Header()
	h.Set("ETag", info.ETag())
	h.Set("Content-Type", contentType(info))
	if enc := info.Meta["content-encoding"]; enc != "" {
		h.Set("Content-Encoding", enc)
	}
	if whole(q.r, h) {
		q.writeWhole(content, info)
		return nil
	}
	gateway.ServeContent(q.w, q.r, info.ModTime, content, info.Size)
	return nil
}

// nothing is a ReaderAt that is never read (HEAD).
type nothing struct{}

func (nothing) ReadAt([]byte, int64) (int, error) {
	return 0, storage.E("read", storage.Other, "", nil)
}

// whole reports whether a request is a GET of the whole content, with no
// range nor condition, whose answer has no Content-Encoding: the one answer
// http.ServeContent would give is then a 200 with the whole content, which
// writeWhole gives at a lower cost. (ServeContent copies the content
// through a 32 KiB buffer: one more copy of every byte, and 32 times the
// writes of 1 MiB chunks; some 10% of the CPU of a large download.)
func whole(r *http.Request, h http.Header) bool {
	if r.Method != "GET" || h.Get("Content-Encoding") != "" {
		return false
	}
	for _, k := range []string{"Range", "If-Range", "If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since"} {
		if r.Header.Get(k) != "" {
			return false
		}
	}
	return true
}

// wholeChunks are the buffers of writeWhole, reused: a download holds one
// while it runs.
var wholeChunks = sync.Pool{New: func() any { b := make([]byte, gateway.ContentChunk); return &b }}

// writeWhole answers 200 with the whole content of size bytes, with the
// headers http.ServeContent sets for it, writing each chunk as it is read.
// A content shorter than its size cuts the connection, so that the client
// cannot take what it got for the whole.
func (q *request) writeWhole(content io.ReaderAt, info storage.Info) {
	h := q.w.Header()
	if !info.ModTime.IsZero() {
		h.Set("Last-Modified", info.ModTime.UTC().Format(http.TimeFormat))
	}
	h.Set("Accept-Ranges", "bytes")
	h.Set("Content-Length", strconv.FormatInt(info.Size, 10))
	q.w.WriteHeader(http.StatusOK)
	buf := wholeChunks.Get().(*[]byte)
	defer wholeChunks.Put(buf)
	for off := int64(0); off < info.Size; {
		n, err := content.ReadAt((*buf)[:min(int64(len(*buf)), info.Size-off)], off)
		if _, werr := q.w.Write((*buf)[:n]); werr != nil {
			return // the client is gone
		}
		off += int64(n)
		if err != nil && !(errors.Is(err, io.EOF) && off == info.Size) {
			q.h.log.Error("webdav download cut", "path", q.path, "at", off, "err", err)
			panic(http.ErrAbortHandler)
		}
	}
}
