package webdav

import (
	"net/http"

	"coffre/storage"
)

// copyMove serves COPY and MOVE (RFC 4918 §9.8, §9.9) with namespace
// operations: a move is one metadata write, a file copy shares the content.
// A file moved or copied onto an existing file becomes a new version of it,
// so the target keeps its history; any other overwritten target goes to the
// trash first.
func (q *request) copyMove() error {
	move := q.r.Method == "MOVE"
	hdr := q.r.Header.Get("Destination")
	if hdr == "" {
		return errorf(http.StatusBadRequest, "missing Destination header")
	}
	dst, ok := q.urlPath(hdr)
	if !ok {
		return errorf(http.StatusBadGateway, "the destination is not on this server")
	}
	if _, err := storage.SplitPath(dst); err != nil {
		return err
	}
	src := q.path
	overwrite := true
	switch q.r.Header.Get("Overwrite") {
	case "", "T", "t":
	case "F", "f":
		overwrite = false
	default:
		return errorf(http.StatusBadRequest, "malformed Overwrite header")
	}
	deep := true
	switch q.r.Header.Get("Depth") {
	case "", "infinity":
	case "0":
		if move {
			return errorf(http.StatusBadRequest, "MOVE takes Depth infinity")
		}
		deep = false
	default:
		return errorf(http.StatusBadRequest, "malformed Depth header")
	}
	switch {
	case src == "/" || dst == "/":
		return errorf(http.StatusForbidden, "the top cannot be copied or moved")
	case src == dst:
		return errorf(http.StatusForbidden, "the destination is the source")
	case under(dst, src):
		return errorf(http.StatusForbidden, "the destination is inside the source")
	}
	from, err := q.ns.Stat(q.r.Context(), src)
	if err != nil {
		return err
	}
	to, err := q.ns.Stat(q.r.Context(), dst)
	exists := err == nil
	switch {
	case err != nil && !storage.Is(storage.NotFound, err):
		return err
	case exists && !overwrite:
		return errorf(http.StatusPreconditionFailed, "the destination exists and Overwrite is F")
	case !exists && !from.Dir:
		if err := q.refused(dst); err != nil {
			return err
		}
	}
	targets := []target{{path: dst, membership: true, below: exists && to.Dir}}
	if move {
		targets = append(targets, target{path: src, membership: true, below: from.Dir})
	}
	if err := q.confirm(targets...); err != nil {
		return err
	}

	fileOntoFile := exists && !from.Dir && !to.Dir
	if exists && !fileOntoFile {
		if err := q.unmap(dst, func() error { return q.ns.Delete(q.r.Context(), dst, storage.DeleteOptions{}) }); err != nil {
			return err
		}
	}
	if move {
		err = q.unmap(src, func() error { return q.move(src, dst, fileOntoFile) })
	} else {
		err = q.copy(from, dst, deep)
	}
	switch {
	case storage.Is(storage.NotFound, err):
		if _, serr := q.ns.Stat(q.r.Context(), src); serr == nil {
			return errorf(http.StatusConflict, "the destination's folder does not exist") // §9.8.5
		}
		return err
	case storage.Is(storage.Exists, err):
		return errorf(http.StatusPreconditionFailed, "the destination exists")
	case err != nil:
		return err
	}
	if exists {
		q.w.WriteHeader(http.StatusNoContent)
	} else {
		q.w.Header().Set("Location", q.h.href(dst, from.Dir))
		q.w.WriteHeader(http.StatusCreated)
	}
	return nil
}

// move moves src to dst; onto an existing file (ontoFile), as a new
// version of it.
func (q *request) move(src, dst string, ontoFile bool) error {
	if !ontoFile {
		_, err := q.ns.Move(q.r.Context(), src, dst)
		return err
	}
	if _, err := q.ns.Copy(q.r.Context(), src, dst, storage.CopyOptions{}); err != nil {
		return err
	}
	return q.ns.Delete(q.r.Context(), src, storage.DeleteOptions{})
}

// copy copies the file or folder from to dst (with deep, a folder with
// everything below it).
func (q *request) copy(from storage.Info, dst string, deep bool) error {
	if !from.Dir {
		_, err := q.ns.Copy(q.r.Context(), from.Path, dst, storage.CopyOptions{})
		return err
	}
	return q.copyTree(from, dst, deep, 0)
}

// maxCopyDepth bounds the recursion of a folder copy.
const maxCopyDepth = 256

// copyTree copies the folder from to the path dst: the folder with its dead
// properties, and with deep everything below it, file by file (each a
// metadata write sharing content). It stops at the first error.
func (q *request) copyTree(from storage.Info, dst string, deep bool, level int) error {
	if level > maxCopyDepth {
		return errorf(http.StatusForbidden, "folders nested too deep to copy")
	}
	if _, err := q.ns.Mkdir(q.r.Context(), dst); err != nil {
		return err
	}
	if props := deadProps(from.Meta); props != nil {
		if _, err := q.ns.SetMeta(q.r.Context(), dst, 0, props); err != nil && !storage.Is(storage.Permission, err) {
			return err
		}
	}
	if !deep {
		return nil
	}
	after := ""
	for {
		page, err := q.ns.List(q.r.Context(), from.Path, storage.ListOptions{After: after, Limit: propfindPage})
		if err != nil {
			return err
		}
		for _, it := range page.Items {
			to := dst + "/" + it.Name
			if it.Dir {
				err = q.copyTree(it, to, true, level+1)
			} else {
				_, err = q.ns.Copy(q.r.Context(), it.Path, to, storage.CopyOptions{})
			}
			if err != nil {
				return err
			}
		}
		if page.Next == "" {
			return nil
		}
		after = page.Next
	}
}
