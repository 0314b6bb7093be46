package webdav

import (
	"net/http"

	"coffre/storage"
)

// delete serves DELETE (RFC 4918 §9.6): the file or folder goes to the
// caller's trash in one metadata write.
func (q *request) delete() error {
	if d := q.r.Header.Get("Depth"); d != "" && d != "infinity" {
		return errorf(http.StatusBadRequest, "DELETE takes Depth infinity")
	}
	if q.path == "/" {
		return errorf(http.StatusForbidden, "the top cannot be deleted")
	}
	info, err := q.ns.Stat(q.r.Context(), q.path)
	if err != nil {
		return err
	}
	if err := q.confirm(target{path: q.path, membership: true, below: info.Dir}); err != nil {
		return err
	}
	if err := q.fs.RemoveAll(q.r.Context(), q.path); err != nil { // ends the locks on it (the namespace)
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

// mkcol serves MKCOL (RFC 4918 §9.3).
func (q *request) mkcol() error {
	if q.r.ContentLength > 0 || q.r.ContentLength < 0 && q.r.TransferEncoding != nil {
		return errorf(http.StatusUnsupportedMediaType, "MKCOL takes no body")
	}
	if err := q.confirm(target{path: q.path, membership: true}); err != nil {
		return err
	}
	_, err := q.ns.Mkdir(q.r.Context(), q.path)
	switch {
	case storage.Is(storage.Exists, err), q.path == "/":
		q.w.Header().Set("Allow", allow)
		return errorf(http.StatusMethodNotAllowed, "the name is taken")
	case storage.Is(storage.NotFound, err):
		return errorf(http.StatusConflict, "the folder above does not exist")
	case err != nil:
		return err
	}
	q.w.Header().Set("Location", q.h.href(q.path, true))
	q.w.WriteHeader(http.StatusCreated)
	return nil
}

// proppatch serves PROPPATCH (RFC 4918 §9.2) with webdav.Handler, after
// the lock checks, over File's DeadPropsHolder: properties are kept in the
// node's metadata (see the package documentation).
func (q *request) proppatch() error {
	if _, err := q.ns.Stat(q.r.Context(), q.path); err != nil {
		return err
	}
	if err := q.confirm(target{path: q.path}); err != nil {
		return err
	}
	q.xHandler().ServeHTTP(q.w, q.r)
	return nil
}
