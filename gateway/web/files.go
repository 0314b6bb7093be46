package web

import (
	"encoding/hex"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"time"

	"coffre/shares"
	"coffre/storage"
)

// pageSize is how many entries of a folder one listing shows.
const pageSize = 1000

// fileJSON is a file or folder of a link, for API clients.
type fileJSON struct {
	ID          uint64    `json:"id"`
	Name        string    `json:"name"`
	Type        string    `json:"type"` // file or folder
	Path        string    `json:"path"` // from the link's target (the target is its name)
	Size        int64     `json:"size"`
	ContentType string    `json:"content_type,omitempty"`
	MD5         string    `json:"md5,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	ModifiedAt  time.Time `json:"modified_at"`
	URL         string    `json:"url,omitempty"`          // its description (download links)
	DownloadURL string    `json:"download_url,omitempty"` // its content, a folder as ZIP (links that allow it)
}

func (q *req) fileJSON(info storage.Info) fileJSON {
	f := fileJSON{ID: uint64(info.ID), Name: info.Name, Type: "file", Path: q.vis.Rel(q.ctx, info), Size: info.Size,
		CreatedAt: info.Created.UTC(), ModifiedAt: info.ModTime.UTC()}
	if info.Dir {
		f.Type, f.Size = "folder", 0
	} else {
		f.ContentType, f.MD5 = contentType(info), hex.EncodeToString(info.MD5[:])
	}
	if q.vis.Link.Kind == shares.DownloadLink {
		f.URL = q.fileURL(info.ID)
		f.DownloadURL = q.downloadURL(info)
	}
	return f
}

func (q *req) fileURL(id storage.NodeID) string {
	return q.base() + "/files/" + strconv.FormatUint(uint64(id), 10)
}

func (q *req) folderURL(id storage.NodeID) string {
	return q.base() + "/files?folder=" + strconv.FormatUint(uint64(id), 10)
}

// downloadURL is where the visitor gets info's content, or "" when the
// link does not allow it.
func (q *req) downloadURL(info storage.Info) string {
	if !canDownload(q.vis.Link) || !info.Rights.Has(storage.Download) {
		return ""
	}
	return q.fileURL(info.ID) + "?download=1"
}

// contentType is a file's media type: by its name's extension, else the
// one stored with it, else application/octet-stream.
func contentType(info storage.Info) string {
	if t := mime.TypeByExtension(path.Ext(info.Name)); t != "" {
		return t
	}
	if t := info.Meta["content-type"]; t != "" {
		return t
	}
	return "application/octet-stream"
}

// view is one listing: a folder of the link, or the link's own files and
// folders.
type view struct {
	folder *storage.Info // nil: the link's targets
	items  []storage.Info
	next   string // after= of the next page; "" on the last
	up     string // where the folder above is shown; "" at the link's top
}

// browsable refuses what a deposit link may not do: see anything.
func (q *req) browsable() error {
	if q.vis.Link.Kind == shares.DepositLink {
		return &failure{status: http.StatusForbidden, code: "deposit_only", msg: msgDepositOnly}
	}
	return nil
}

// view reads ?folder= and ?after=: one page of that folder of the link,
// or the link's top: the content of its one folder, or its files and
// folders.
func (q *req) view() (view, error) {
	if err := q.browsable(); err != nil {
		return view{}, err
	}
	query := q.r.URL.Query()
	if s := query.Get("folder"); s != "" {
		id, err := strconv.ParseUint(s, 10, 64)
		if err != nil || id == 0 {
			return view{}, &failure{status: http.StatusUnprocessableEntity, code: "invalid", msg: msgBadID}
		}
		info, err := q.vis.Stat(q.ctx, storage.NodeID(id))
		if err != nil {
			return view{}, err
		}
		if !info.Dir {
			return view{}, &failure{status: http.StatusUnprocessableEntity, code: "not_folder", msg: msgNotFolder}
		}
		return q.folderView(info, query.Get("after"), q.upFrom(info))
	}
	roots, err := q.vis.Roots(q.ctx)
	if err != nil {
		return view{}, err
	}
	if len(roots) == 1 && roots[0].Dir {
		return q.folderView(roots[0], query.Get("after"), "")
	}
	return view{items: roots}, nil
}

func (q *req) folderView(info storage.Info, after, up string) (view, error) {
	page, err := q.vis.List(q.ctx, info.ID, storage.ListOptions{After: after, Limit: pageSize})
	if err != nil {
		return view{}, err
	}
	return view{folder: &info, items: page.Items, next: page.Next, up: up}, nil
}

// upFrom is where the folder above info is shown: its listing when the
// link reaches it, else the link's page.
func (q *req) upFrom(info storage.Info) string {
	parent, err := q.vis.Stat(q.ctx, info.ParentID)
	if err != nil || !parent.Dir {
		return q.base()
	}
	return q.folderURL(parent.ID)
}

// files: GET /s/{token}/files[?folder=][&after=].
func files(q *req) error {
	v, err := q.view()
	if err != nil {
		return err
	}
	if !q.json {
		return q.listPage(v)
	}
	out := struct {
		Folder *fileJSON  `json:"folder"`
		Items  []fileJSON `json:"items"`
		Next   string     `json:"next,omitempty"` // pass as after= for the next page
	}{Items: []fileJSON{}, Next: v.next}
	if v.folder != nil {
		f := q.fileJSON(*v.folder)
		out.Folder = &f
	}
	for _, it := range v.items {
		out.Items = append(out.Items, q.fileJSON(it))
	}
	return q.writeJSON(http.StatusOK, out)
}

// file: GET /s/{token}/files/{fileId}: a file's or folder's description,
// or with ?download=1 its content (a folder as ZIP).
func file(q *req) error {
	if err := q.browsable(); err != nil {
		return err
	}
	id, err := strconv.ParseUint(q.r.PathValue("fileId"), 10, 64)
	if err != nil || id == 0 {
		return &failure{status: http.StatusNotFound, code: "not_found", msg: msgNotFound}
	}
	info, err := q.vis.Stat(q.ctx, storage.NodeID(id))
	if err != nil {
		return err
	}
	if d := q.r.URL.Query().Get("download"); d == "1" || d == "true" {
		if info.Dir {
			return q.serveZip([]storage.Info{info}, info.Name+".zip", info.ID)
		}
		return q.serveFile(info)
	}
	switch {
	case q.json:
		return q.writeJSON(http.StatusOK, q.fileJSON(info))
	case info.Dir:
		v, err := q.folderView(info, "", q.upFrom(info))
		if err != nil {
			return err
		}
		return q.listPage(v)
	}
	p := q.newPage(info.Name)
	it := q.item(info)
	p.File, p.Up = &it, q.upFrom(info)
	return q.render(http.StatusOK, "file", p)
}

// item is info for a page.
func (q *req) item(info storage.Info) item {
	it := item{ID: uint64(info.ID), Name: info.Name, Path: q.vis.Rel(q.ctx, info), Dir: info.Dir,
		Date: dateText(q.lang, info.ModTime), DateISO: info.ModTime.UTC().Format(time.RFC3339), Download: q.downloadURL(info)}
	if info.Dir {
		it.Size, it.Open = "—", q.folderURL(info.ID)
	} else {
		it.Size, it.Open = sizeText(q.lang, info.Size), q.fileURL(info.ID)
	}
	return it
}

// listPage shows a listing, its download buttons, and the upload form
// where the link takes files into the folder shown.
func (q *req) listPage(v view) error {
	p := q.newPage("")
	if v.folder != nil && v.up != "" {
		p.Title = q.vis.Rel(q.ctx, *v.folder)
	}
	p.Up = v.up
	for _, it := range v.items {
		p.Items = append(p.Items, q.item(it))
	}
	if v.next != "" {
		p.Next = q.base() + "/files?" + url.Values{"folder": {strconv.FormatUint(uint64(v.folder.ID), 10)}, "after": {v.next}}.Encode()
	}
	if canDownload(q.vis.Link) && len(v.items) > 0 {
		p.DownloadAll = q.base() + "/download"
		if v.up != "" {
			p.DownloadAll = q.downloadURL(*v.folder)
		}
	}
	if canUpload(q.vis.Link) && v.folder != nil {
		p.CSRF = q.csrfToken()
		p.Upload = q.uploadView(uint64(v.folder.ID))
	}
	return q.render(http.StatusOK, "list", p)
}
