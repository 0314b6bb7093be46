package webdav

import (
	"io"
	"net/http"

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
	gateway.ServeContent(q.w, q.r, info.ModTime, content, info.Size)
	return nil
}

// nothing is a ReaderAt that is never read (HEAD).
type nothing struct{}

func (nothing) ReadAt([]byte, int64) (int, error) {
	return 0, storage.E("read", storage.Other, "", nil)
}
