package web

import (
	"net/http"
	"strconv"

	"coffre/gateway"
	"coffre/storage"
)

// download: GET /s/{token}/download: the link's file, or one ZIP of its
// files and folders.
func download(q *req) error {
	if err := q.browsable(); err != nil {
		return err
	}
	roots, err := q.vis.Roots(q.ctx)
	if err != nil {
		return err
	}
	switch {
	case len(roots) == 0:
		return &failure{status: http.StatusNotFound, code: "not_found", msg: msgEmpty}
	case len(roots) == 1 && !roots[0].Dir:
		return q.serveFile(roots[0])
	case len(roots) == 1:
		return q.serveZip(roots, roots[0].Name+".zip", roots[0].ID)
	}
	name := q.vis.Link.Name
	if name == "" {
		name = labels["share"].in(q.lang)
	}
	// One download of the whole link, counted against its first target.
	return q.serveZip(roots, name+".zip", roots[0].ID)
}

// canTake refuses downloads the link does not allow, before any count.
func (q *req) canTake() error {
	if !canDownload(q.vis.Link) {
		return &failure{status: http.StatusForbidden, code: "forbidden", msg: msgNoDownload}
	}
	return nil
}

// serveFile sends a file of the link: one download counted (every GET,
// a range or a revalidation included: a link's maximum bounds requests),
// then http.ServeContent over the object answers Range and the conditions
// (RFC 9110 §13, §14). HEAD tells the headers without counting.
func (q *req) serveFile(info storage.Info) error {
	if err := q.canTake(); err != nil {
		return err
	}
	h := q.w.Header()
	h.Set("Content-Type", contentType(info))
	h.Set("Content-Disposition", gateway.Disposition("attachment", info.Name))
	h.Set("Cache-Control", "private, no-store")
	if q.r.Method == http.MethodHead {
		h.Set("Accept-Ranges", "bytes")
		h.Set("Content-Length", strconv.FormatInt(info.Size, 10))
		h.Set("ETag", info.ETag())
		q.w.WriteHeader(http.StatusOK)
		return nil
	}
	d, err := q.vis.Take(q.ctx, info.ID)
	if err != nil {
		return err
	}
	obj, err := d.Open(q.ctx, info.ID)
	if err != nil {
		return err
	}
	defer obj.Close()
	info = obj.Info()
	h.Set("ETag", info.ETag())
	gateway.ServeContent(q.w, q.r, info.ModTime, obj, info.Size)
	return nil
}

// serveZip streams entries (files and folders of the link, with
// everything below the folders) as one ZIP, one download counted against
// node. The archive goes straight to the response (data descriptors,
// zip64 past 4 GiB), never to memory or disk, so it has no length; once
// it has begun, an error cuts the connection rather than end an archive
// that would look complete. Deflate at its fastest level: two cores
// should not be what bounds a download.
func (q *req) serveZip(entries []storage.Info, name string, node storage.NodeID) error {
	if err := q.canTake(); err != nil {
		return err
	}
	h := q.w.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", gateway.Disposition("attachment", name))
	h.Set("Cache-Control", "private, no-store")
	if q.r.Method == http.MethodHead {
		q.w.WriteHeader(http.StatusOK)
		return nil
	}
	d, err := q.vis.Take(q.ctx, node)
	if err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusOK)
	src := gateway.ZipSource{
		List: func(dir storage.Info, opt storage.ListOptions) (storage.Page, error) {
			return d.List(q.ctx, dir.ID, opt)
		},
		Open: func(file storage.Info) (storage.Object, error) { return d.Open(q.ctx, file.ID) },
	}
	if err := gateway.WriteZip(q.w, src, gateway.ZipEntries(entries)); err != nil {
		q.h.log.WarnContext(q.r.Context(), "link archive cut short", "link", q.vis.Link.ID, "err", err)
		panic(http.ErrAbortHandler)
	}
	return nil
}
