package web

import (
	"archive/zip"
	"compress/flate"
	"fmt"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"

	"coffre/shares"
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
	h.Set("Content-Disposition", disposition(info.Name))
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
	http.ServeContent(q.w, q.r, "", info.ModTime, io.NewSectionReader(obj, 0, info.Size))
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
	h.Set("Content-Disposition", disposition(name))
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
	zw := zip.NewWriter(q.w)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	used := map[string]bool{}
	for _, e := range entries {
		n := uniqueName(used, e.Name, e.Dir)
		if e.Dir {
			err = q.zipFolder(zw, d, n, e)
		} else {
			err = q.zipFile(zw, d, n, e)
		}
		if err != nil {
			break
		}
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		q.h.log.Warn("link archive cut short", "link", q.vis.Link.ID, "err", err)
		panic(http.ErrAbortHandler)
	}
	return nil
}

// uniqueName is name, or "name (2)" … (before a file's extension) when the
// archive's top level has it already.
func uniqueName(used map[string]bool, name string, dir bool) string {
	base, ext := name, ""
	if !dir {
		ext = path.Ext(name)
		base = strings.TrimSuffix(name, ext)
	}
	n := name
	for i := 2; used[n]; i++ {
		n = fmt.Sprintf("%s (%d)%s", base, i, ext)
	}
	used[n] = true
	return n
}

// zipFolder adds a folder under name and everything below it that the
// link may download, one page of the recursive listing at a time.
func (q *req) zipFolder(zw *zip.Writer, d *shares.Download, name string, dir storage.Info) error {
	if _, err := zw.CreateHeader(&zip.FileHeader{Name: name + "/", Method: zip.Store, Modified: dir.ModTime}); err != nil {
		return err
	}
	opt := storage.ListOptions{Recursive: true}
	for {
		page, err := d.List(q.ctx, dir.ID, opt)
		if err != nil {
			return err
		}
		for _, it := range page.Items {
			rel := name + "/" + it.Name // an empty folder's ends in "/"
			if it.Dir {
				_, err = zw.CreateHeader(&zip.FileHeader{Name: rel, Method: zip.Store, Modified: it.ModTime})
			} else if it.Rights.Has(storage.Download) {
				err = q.zipFile(zw, d, rel, it)
			}
			if err != nil {
				return err
			}
		}
		if page.Next == "" {
			return nil
		}
		opt.After = page.Next
	}
}

// zipFile adds a file under name: the version the link shares.
func (q *req) zipFile(zw *zip.Writer, d *shares.Download, name string, info storage.Info) error {
	obj, err := d.Open(q.ctx, info.ID)
	if err != nil {
		return err
	}
	defer obj.Close()
	info = obj.Info()
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: info.ModTime})
	if err != nil {
		return err
	}
	_, err = io.Copy(w, io.NewSectionReader(obj, 0, info.Size))
	return err
}

// disposition is an attachment's Content-Disposition (RFC 6266):
// filename* carries the name in UTF-8 (RFC 8187, formerly 5987) and
// filename an ASCII fallback, with '_' for what ASCII cannot say.
func disposition(name string) string {
	var fallback, encoded strings.Builder
	for _, r := range name {
		if r < 0x20 || r >= 0x7f || r == '"' || r == '\\' || r == '%' {
			r = '_'
		}
		fallback.WriteRune(r)
	}
	const hexDigits = "0123456789ABCDEF"
	for i := 0; i < len(name); i++ {
		if b := name[i]; 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || strings.IndexByte("!#$&+-.^_`|~", b) >= 0 {
			encoded.WriteByte(b)
		} else {
			encoded.WriteByte('%')
			encoded.WriteByte(hexDigits[b>>4])
			encoded.WriteByte(hexDigits[b&15])
		}
	}
	return `attachment; filename="` + fallback.String() + `"; filename*=UTF-8''` + encoded.String()
}
