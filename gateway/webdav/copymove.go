package webdav

import (
	"bufio"
	"net/http"
	"strconv"

	"coffre/storage"
)

// copyMove serves COPY and MOVE (RFC 4918 §9.8, §9.9) with namespace
// operations: a move is one metadata write, a file copy shares the content.
// A file moved or copied onto an existing file becomes a new version of it,
// so the target keeps its history; any other overwritten target goes to the
// trash first. A folder copy that fails on some members answers 207 naming
// them (RFC 4918 §9.8.8). A move has no such partial failure: it is one
// namespace operation on the node itself (a copy and a delete onto a file),
// whose failure is the request's own status.
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
		if err := q.ns.Delete(q.r.Context(), dst, storage.DeleteOptions{}); err != nil {
			return err
		}
	}
	answered := false
	if move {
		err = q.unmap(src, func() error { return q.move(src, dst, fileOntoFile) })
	} else {
		answered, err = q.copy(from, dst, deep)
	}
	switch {
	case answered:
		return nil
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
// everything below it). Failures on members of a folder do not stop the
// copy: copy answers them in a 207 (see copyTree) and reports that it
// answered.
func (q *request) copy(from storage.Info, dst string, deep bool) (answered bool, err error) {
	if !from.Dir {
		_, err := q.ns.Copy(q.r.Context(), from.Path, dst, storage.CopyOptions{})
		return false, err
	}
	if _, err := q.ns.Mkdir(q.r.Context(), dst); err != nil {
		return false, err
	}
	f := &failures{q: q}
	q.copyTree(from, dst, deep, 0, f)
	return f.end(), nil
}

// maxCopyDepth bounds the recursion of a folder copy.
const maxCopyDepth = 256

// copyTree copies into the new folder dst the dead properties of the
// folder from and, with deep, everything below it, file by file (each a
// metadata write sharing content). A member that fails is named in f and
// the copy goes on without it, a folder's without what is below it (RFC
// 4918 §9.8.3, §9.8.8). It stops when the request's context ends.
func (q *request) copyTree(from storage.Info, dst string, deep bool, level int, f *failures) {
	ctx := q.r.Context()
	if props := deadProps(from.Meta); props != nil {
		if _, err := q.ns.SetMeta(ctx, dst, 0, props); err != nil && !storage.Is(storage.Permission, err) {
			f.add(dst, true, err)
		}
	}
	if !deep {
		return
	}
	after := ""
	for ctx.Err() == nil {
		page, err := q.ns.List(ctx, from.Path, storage.ListOptions{After: after, Limit: propfindPage})
		if err != nil {
			f.add(from.Path, true, err)
			return
		}
		for _, it := range page.Items {
			if ctx.Err() != nil {
				return
			}
			q.copyMember(it, dst+"/"+it.Name, level+1, f)
		}
		if page.Next == "" {
			return
		}
		after = page.Next
	}
}

// copyMember copies one member of a folder copyTree copies, naming a
// failure by the URL that explains it best: the destination's for what
// could not be written, the source's for what could not be read (rights
// differ below the source; the new tree below the destination has the same
// rights throughout).
func (q *request) copyMember(it storage.Info, to string, level int, f *failures) {
	ctx := q.r.Context()
	if it.Dir {
		if level > maxCopyDepth {
			f.add(to, true, errorf(http.StatusForbidden, "folders nested too deep to copy"))
			return
		}
		if _, err := q.ns.Mkdir(ctx, to); err != nil {
			f.add(to, true, err)
			return
		}
		q.copyTree(it, to, true, level, f)
		return
	}
	if err := q.refused(to); err != nil {
		f.add(to, false, err)
		return
	}
	_, err := q.ns.Copy(ctx, it.Path, to, storage.CopyOptions{})
	switch {
	case storage.Is(storage.Permission, err), storage.Is(storage.NotFound, err):
		f.add(it.Path, false, err)
	case err != nil:
		f.add(to, false, err)
	}
}

// failures is the 207 Multi-Status answer of a request that failed on some
// members of a folder (RFC 4918 §9.8.8, §13): one DAV:response with its
// status per failed member, nothing for those that succeeded. It is begun
// at the first failure and streamed, so that it needs no memory per
// failure.
type failures struct {
	q  *request
	bw *bufio.Writer
}

// add names the node at p as failed with err.
func (f *failures) add(p string, dir bool, err error) {
	code := status(err)
	if code >= 500 {
		f.q.h.log.Error("webdav: a member failed", "method", f.q.r.Method, "path", p, "status", code, "err", err)
	}
	if f.bw == nil {
		f.q.w.Header().Set("Content-Type", "application/xml; charset=utf-8")
		f.q.w.WriteHeader(http.StatusMultiStatus)
		f.bw = bufio.NewWriterSize(f.q.w, 16<<10)
		f.bw.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n" + `<D:multistatus xmlns:D="DAV:">`)
	}
	f.bw.WriteString("<D:response><D:href>")
	f.bw.WriteString(xmlEscape(f.q.h.href(p, dir)))
	f.bw.WriteString("</D:href><D:status>HTTP/1.1 ")
	f.bw.WriteString(strconv.Itoa(code) + " " + http.StatusText(code))
	f.bw.WriteString("</D:status></D:response>")
}

// end finishes the 207, if one was begun, and reports whether it was.
func (f *failures) end() bool {
	if f.bw == nil {
		return false
	}
	f.bw.WriteString("</D:multistatus>\n")
	if err := f.bw.Flush(); err != nil {
		f.q.h.log.Debug("webdav multistatus answer cut", "path", f.q.path, "err", err)
	}
	return true
}
