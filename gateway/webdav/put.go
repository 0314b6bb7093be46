package webdav

import (
	"net/http"
	"strconv"
	"strings"

	"coffre/storage"
)

// put serves PUT (RFC 4918 §9.7, RFC 9110 §9.3.4). The body streams
// straight into Namespace.Put with its announced length, so a body that
// ends early (an interrupted upload) fails the write and the file keeps its
// current version; a complete one becomes a new version. If-Match and
// If-None-Match are checked by the namespace when it commits (412). The
// file's dead properties carry over to the new version.
func (q *request) put() error {
	if q.path == "/" || parentOf(q.path) == "/" {
		return errorf(http.StatusForbidden, "files live inside a root folder")
	}
	cur, err := q.ns.Stat(q.r.Context(), q.path)
	exists := err == nil
	if !exists {
		if err := q.refused(q.path); err != nil {
			return err
		}
	}
	if err != nil && !storage.Is(storage.NotFound, err) {
		return err
	}
	if exists && cur.Dir {
		q.w.Header().Set("Allow", allow)
		return errorf(http.StatusMethodNotAllowed, "a folder has this name")
	}
	if err := q.confirm(target{path: q.path, membership: !exists}); err != nil {
		return err
	}
	meta := deadProps(cur.Meta)
	if ct := q.r.Header.Get("Content-Type"); ct != "" {
		if meta == nil {
			meta = map[string]string{}
		}
		meta[metaContentType] = ct
	}
	opt := storage.PutOptions{
		Size:        bodySize(q.r),
		IfMatch:     q.r.Header.Get("If-Match"),
		IfNoneMatch: q.r.Header.Get("If-None-Match"),
		Meta:        meta,
	}
	info, err := q.ns.Put(q.r.Context(), q.path, q.r.Body, opt)
	switch {
	case storage.Is(storage.NotFound, err):
		return errorf(http.StatusConflict, "the folder does not exist") // RFC 4918 §9.7.1
	case storage.Is(storage.Conflict, err):
		q.w.Header().Set("Allow", allow)
		return errorf(http.StatusMethodNotAllowed, "a folder has this name")
	case err != nil:
		return err
	}
	if q.h.opts.Uploaded != nil {
		q.h.opts.Uploaded()
	}
	q.w.Header().Set("ETag", info.ETag())
	if exists {
		q.w.WriteHeader(http.StatusNoContent)
	} else {
		q.w.Header().Set("Location", q.h.href(q.path, false))
		q.w.WriteHeader(http.StatusCreated)
	}
	return nil
}

// bodySize is the length a PUT announces: Content-Length, or for a chunked
// body the X-Expected-Entity-Length that macOS Finder sends; -1 if unknown.
func bodySize(r *http.Request) int64 {
	if r.ContentLength >= 0 {
		return r.ContentLength
	}
	if v := strings.TrimSpace(r.Header.Get("X-Expected-Entity-Length")); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 {
			return n
		}
	}
	return -1
}
