package rest

import (
	"archive/zip"
	"compress/flate"
	"fmt"
	"io"
	"net/http"
	"path"
	"strconv"
	"strings"

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
// Compression: Deflate at its fastest level (a download should be bounded
// by the network, not by two cores), and Store for formats that are
// compressed already, which Deflate would only slow down.

// maxZipItems bounds the files and folders one request may name.
const maxZipItems = 1000

// storedExts are the extensions of content already compressed.
var storedExts = map[string]bool{
	".zip": true, ".gz": true, ".tgz": true, ".bz2": true, ".xz": true, ".zst": true, ".7z": true, ".rar": true,
	".jpg": true, ".jpeg": true, ".png": true, ".gif": true, ".webp": true, ".avif": true, ".heic": true,
	".mp3": true, ".m4a": true, ".aac": true, ".ogg": true, ".opus": true, ".flac": true,
	".mp4": true, ".m4v": true, ".mov": true, ".mkv": true, ".webm": true, ".avi": true,
	".docx": true, ".xlsx": true, ".pptx": true, ".odt": true, ".ods": true, ".odp": true,
	".jar": true, ".apk": true, ".epub": true,
}

var (
	msgZipEmpty = text{"Indiquez au moins un fichier (files) ou un dossier (folders).", "Name at least one file (files) or folder (folders)."}
	msgZipMany  = text{"Au plus %d éléments par archive.", "At most %d items per archive."}
	msgBadIDs   = text{"Liste d'identifiants invalide.", "Invalid list of IDs."}
)

// zipEntry is a named file or folder and its name in the archive.
type zipEntry struct {
	info storage.Info
	name string
}

func zipDownload(c *call) error {
	entries, err := c.zipEntries()
	if err != nil {
		return err
	}
	name := "archive.zip"
	if len(entries) == 1 && entries[0].info.Dir {
		name = entries[0].name + ".zip"
	}
	src := zipSource{
		list: func(dir storage.Info, opt storage.ListOptions) (storage.Page, error) {
			return c.ns.List(c.ctx, dir.Path, opt)
		},
		open: func(file storage.Info) (storage.Object, error) { return c.ns.Open(c.ctx, file.Path) },
	}
	if err := c.writeZip(name, entries, src); err != nil {
		c.h.log.Warn("zip download cut short", "path", c.r.URL.Path, "user", c.p.UserID, "err", err)
		panic(http.ErrAbortHandler)
	}
	return nil
}

// zipSource is where an archive's content comes from: the caller's
// namespace, or a link's download.
type zipSource struct {
	list func(dir storage.Info, opt storage.ListOptions) (storage.Page, error)
	open func(file storage.Info) (storage.Object, error)
}

// writeZip answers entries as one archive called name. Its error, once the
// archive has begun, is for the caller to cut the connection with.
func (c *call) writeZip(name string, entries []zipEntry, src zipSource) error {
	h := c.w.Header()
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", disposition("attachment", name))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-cache")
	c.w.WriteHeader(http.StatusOK)
	zw := zip.NewWriter(c.w)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	for _, e := range entries {
		var err error
		if e.info.Dir {
			err = zipFolder(zw, src, e.name, e.info)
		} else {
			err = zipFile(zw, src, e.name, e.info)
		}
		if err != nil {
			return err
		}
	}
	return zw.Close()
}

// zipEntries resolves the files and folders the request names, each once,
// and names them in the archive: their own names, made unique.
func (c *call) zipEntries() ([]zipEntry, error) {
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
	used := map[string]bool{}
	var out []zipEntry
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
		out = append(out, zipEntry{info: info, name: uniqueName(used, info.Name, dir)})
	}
	return out, nil
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

// uniqueName is name, or "name (2)", "name (3)" … (before a file's
// extension) when the archive's top level has it already.
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

// zipFolder adds the folder under name, and everything below it the
// source lets download, one page of the recursive listing at a time.
func zipFolder(zw *zip.Writer, src zipSource, name string, dir storage.Info) error {
	if _, err := zw.CreateHeader(&zip.FileHeader{Name: name + "/", Method: zip.Store, Modified: dir.ModTime}); err != nil {
		return err
	}
	opt := storage.ListOptions{Recursive: true}
	for {
		page, err := src.list(dir, opt)
		if err != nil {
			return err
		}
		for _, it := range page.Items {
			rel := name + "/" + it.Name // a folder's (empty) ends in "/"
			if it.Dir {
				_, err = zw.CreateHeader(&zip.FileHeader{Name: rel, Method: zip.Store, Modified: it.ModTime})
			} else if it.Rights.Has(storage.Download) {
				err = zipFile(zw, src, rel, it)
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

// zipFile adds the file (the version the source gives) under name.
func zipFile(zw *zip.Writer, src zipSource, name string, info storage.Info) error {
	obj, err := src.open(info)
	if err != nil {
		return err
	}
	defer obj.Close()
	info = obj.Info()
	method := zip.Deflate
	if storedExts[strings.ToLower(path.Ext(info.Name))] {
		method = zip.Store
	}
	w, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: method, Modified: info.ModTime})
	if err != nil {
		return err
	}
	_, err = io.Copy(w, io.NewSectionReader(obj, 0, info.Size))
	return err
}
