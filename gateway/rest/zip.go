package rest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"coffre/gateway"
	"coffre/storage"
)

// ZIP downloads: GET /api/zip?files=1,2&folders=3 (also repeated file= and
// folder= parameters) streams one archive of the files and of the folders
// with everything below them, under their names.
//
// The archive is written straight to the response as it is read from
// storage (archive/zip with data descriptors; zip64 records where sizes or
// offsets pass 4 GiB), never assembled in memory or on disk; so it has no
// Content-Length. Before the first byte, every named file and folder must be
// visible (404) and every named file downloadable (403). Inside folders,
// files the caller may not download are left out silently, as a listing
// would leave out what the caller may not see. Once the archive has begun,
// an error cuts the connection (http.ErrAbortHandler) rather than end a
// truncated archive that would look complete.
//
// The archive itself is written by gateway.WriteZip (compression choices
// there).

// maxZipItems bounds the files and folders one request may name.
const maxZipItems = 1000

var (
	msgZipEmpty = text{"Indiquez au moins un fichier (files) ou un dossier (folders).", "Name at least one file (files) or folder (folders)."}
	msgZipMany  = text{"Au plus %d éléments par archive.", "At most %d items per archive."}
	msgBadIDs   = text{"Liste d'identifiants invalide.", "Invalid list of IDs."}
)

func zipDownload(c *call) error {
	entries, err := c.zipEntries()
	if err != nil {
		return err
	}
	name := "archive.zip"
	if len(entries) == 1 && entries[0].Info.Dir {
		name = entries[0].Name + ".zip"
	}
	src := gateway.ZipSource{
		List: func(dir storage.Info, opt storage.ListOptions) (storage.Page, error) {
			return c.ns.List(c.ctx, dir.Path, opt)
		},
		Open: func(file storage.Info) (storage.Object, error) { return c.ns.Open(c.ctx, file.Path) },
	}
	if err := c.writeZip(name, entries, src); err != nil {
		c.h.log.WarnContext(c.r.Context(), "zip download cut short", "path", c.r.URL.Path, "user", c.p.UserID, "err", err)
		panic(http.ErrAbortHandler)
	}
	return nil
}

// writeZip answers entries as one archive called name. Its error, once the
// archive has begun, is for the caller to cut the connection with.
func (c *call) writeZip(name string, entries []gateway.ZipEntry, src gateway.ZipSource) error {
	h := c.w.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", gateway.Disposition("attachment", name))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-cache")
	c.w.WriteHeader(http.StatusOK)
	return gateway.WriteZip(c.w, src, entries)
}

// zipEntries resolves the files and folders the request names, each once,
// and names them in the archive: their own names, made unique.
func (c *call) zipEntries() ([]gateway.ZipEntry, error) {
	q := c.r.URL.Query()
	files, err1 := zipIDs(append(q["files"], q["file"]...))
	folders, err2 := zipIDs(append(q["folders"], q["folder"]...))
	f := fields{}
	if err1 != nil {
		f.add("files", msgBadIDs)
	}
	if err2 != nil {
		f.add("folders", msgBadIDs)
	}
	if n := len(files) + len(folders); n == 0 && len(f) == 0 {
		f.add("files", msgZipEmpty)
	} else if n > maxZipItems {
		f.add("files", msgZipMany, maxZipItems)
	}
	if err := f.err(); err != nil {
		return nil, err
	}
	var items []storage.Info
	for i, id := range append(files, folders...) {
		dir := i >= len(files)
		info, err := c.ns.StatID(c.ctx, id)
		if err == nil && info.Dir != dir {
			err = fail(http.StatusNotFound, msgNotFound)
		}
		if err != nil {
			return nil, err
		}
		if !dir && !info.Rights.Has(storage.Download) {
			return nil, fail(http.StatusForbidden, msgPermission)
		}
		items = append(items, info)
	}
	return gateway.ZipEntries(items), nil
}

// zipIDs parses lists of IDs separated by commas, dropping repeats.
func zipIDs(values []string) ([]storage.NodeID, error) {
	var ids []storage.NodeID
	seen := map[uint64]bool{}
	for _, v := range values {
		for _, s := range strings.Split(v, ",") {
			n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
			if err != nil || n == 0 {
				return nil, fmt.Errorf("bad ID %q", s)
			}
			if !seen[n] {
				seen[n] = true
				ids = append(ids, storage.NodeID(n))
			}
		}
	}
	return ids, nil
}
