package webdav

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"strconv"
	"time"

	"coffre/auth"
	"coffre/storage"
)

// httpError is an answer decided by the protocol rather than by a storage
// error kind: a status, a message for the log, and optionally a DAV:error
// body (RFC 4918 §16: a precondition or postcondition element).
type httpError struct {
	status    int
	msg       string
	condition string // inner XML of <D:error>, "" for a plain-text body
}

func (e *httpError) Error() string { return e.msg }

func errorf(status int, format string, args ...any) error {
	return &httpError{status: status, msg: fmt.Sprintf(format, args...)}
}

// davError is an error answered with <D:error>condition</D:error>.
func davError(status int, condition, msg string) error {
	return &httpError{status: status, msg: msg, condition: condition}
}

// status is the HTTP status of an error: the one place where storage error
// kinds become WebDAV statuses (STYLE.md's error table).
func status(err error) int {
	var he *httpError
	if errors.As(err, &he) {
		return he.status
	}
	if errors.Is(err, fs.ErrNotExist) {
		return http.StatusNotFound
	}
	switch storage.KindOf(err) {
	case storage.NotFound:
		return http.StatusNotFound
	case storage.Exists, storage.Conflict:
		return http.StatusConflict
	case storage.Precondition:
		return http.StatusPreconditionFailed
	case storage.Locked:
		return http.StatusLocked
	case storage.Permission:
		return http.StatusForbidden
	case storage.Unauthenticated:
		return http.StatusUnauthorized
	case storage.Invalid:
		return http.StatusBadRequest
	case storage.TooLarge:
		return http.StatusRequestEntityTooLarge
	case storage.NoSpace:
		return http.StatusInsufficientStorage
	case storage.Unavailable:
		return http.StatusServiceUnavailable
	case storage.NotSupported:
		return http.StatusNotImplemented
	}
	return http.StatusInternalServerError
}

// fail answers err. Server errors are logged; clients get the kind of the
// error, never its details (paths the caller may not know, causes).
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := status(err)
	hdr := w.Header()
	switch code {
	case http.StatusUnauthorized:
		hdr.Set("WWW-Authenticate", h.challenge)
	case http.StatusServiceUnavailable:
		if d, ok := auth.RetryAfter(err); ok {
			hdr.Set("Retry-After", strconv.Itoa(int(max(d, time.Second)/time.Second)))
		}
	}
	if code >= 500 {
		h.log.ErrorContext(r.Context(), "webdav request failed", "method", r.Method, "path", r.URL.Path, "status", code, "err", err)
	}
	var he *httpError
	if errors.As(err, &he) && he.condition != "" {
		hdr.Set("Content-Type", "application/xml; charset=utf-8")
		w.WriteHeader(code)
		fmt.Fprintf(w, `<?xml version="1.0" encoding="utf-8"?>`+"\n"+`<D:error xmlns:D="DAV:">%s</D:error>`, he.condition)
		return
	}
	msg := http.StatusText(code)
	if he != nil && code < 500 {
		msg = he.msg
	} else if k := storage.KindOf(err); k != storage.Other && code < 500 {
		msg = k.String()
	}
	if code == http.StatusLocked {
		msg = "locked"
	}
	hdr.Set("Content-Type", "text/plain; charset=utf-8")
	hdr.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	if r.Method != "HEAD" {
		fmt.Fprintln(w, msg)
	}
}
