package gateway

import (
	"archive/zip"
	"compress/flate"
	"fmt"
	"io"
	"path"
	"strings"

	"coffre/storage"
)

// ZIP archives of files and folders, streamed: written to the response as
// they are read from storage (archive/zip with data descriptors, zip64
// records where sizes or offsets pass 4 GiB), never assembled in memory or
// on disk. Deflate at its fastest level (a download should be bounded by
// the network, not by two cores), Store for formats compressed already.
// An error once the archive has begun is for the caller to cut the
// connection with (http.ErrAbortHandler), so that a truncated archive never
// looks complete.

// ZipSource is where an archive's content comes from: a namespace, or a
// share link's download.
type ZipSource struct {
	// List lists a folder (recursively, as storage.ListOptions asks).
	List func(dir storage.Info, opt storage.ListOptions) (storage.Page, error)
	// Open opens a file: the version the source serves.
	Open func(file storage.Info) (storage.Object, error)
}

// ZipEntry is a file or folder of an archive's top level and its name there.
type ZipEntry struct {
	Info storage.Info
	Name string
}

// ZipEntries names items for an archive's top level: their own names, made
// unique with " (2)", " (3)" … before a file's extension.
func ZipEntries(items []storage.Info) []ZipEntry {
	used := map[string]bool{}
	out := make([]ZipEntry, len(items))
	for i, it := range items {
		base, ext := it.Name, ""
		if !it.Dir {
			ext = path.Ext(it.Name)
			base = strings.TrimSuffix(it.Name, ext)
		}
		n := it.Name
		for k := 2; used[n]; k++ {
			n = fmt.Sprintf("%s (%d)%s", base, k, ext)
		}
		used[n] = true
		out[i] = ZipEntry{Info: it, Name: n}
	}
	return out
}

// WriteZip writes entries to w as one archive: files, and folders with
// everything below them that the source lets download.
func WriteZip(w io.Writer, src ZipSource, entries []ZipEntry) error {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	for _, e := range entries {
		var err error
		if e.Info.Dir {
			err = zipFolder(zw, src, e.Name, e.Info)
		} else {
			err = zipFile(zw, src, e.Name, e.Info)
		}
		if err != nil {
			return err
		}
	}
	return zw.Close()
}

// zipFolder adds the folder under name, and everything below it the source
// lets download, one page of the recursive listing at a time.
func zipFolder(zw *zip.Writer, src ZipSource, name string, dir storage.Info) error {
	if _, err := zw.CreateHeader(&zip.FileHeader{Name: name + "/", Method: zip.Store, Modified: dir.ModTime}); err != nil {
		return err
	}
	opt := storage.ListOptions{Recursive: true}
	for {
		page, err := src.List(dir, opt)
		if err != nil {
			return err
		}
		for _, it := range page.Items {
			rel := name + "/" + it.Name // an empty folder's ends in "/"
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
func zipFile(zw *zip.Writer, src ZipSource, name string, info storage.Info) error {
	obj, err := src.Open(info)
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
	_, err = CopyContent(w, obj, 0, info.Size)
	return err
}

// storedExts are the extensions of content already compressed.
var storedExts = map[string]bool{
	".zip": true, ".gz": true, ".tgz": true, ".bz2": true, ".xz": true, ".zst": true, ".7z": true, ".rar": true,
	".jpg": true, ".jpeg": true, ".png": true, ".gif": true, ".webp": true, ".avif": true, ".heic": true,
	".mp3": true, ".m4a": true, ".aac": true, ".ogg": true, ".opus": true, ".flac": true,
	".mp4": true, ".m4v": true, ".mov": true, ".mkv": true, ".webm": true, ".avi": true,
	".docx": true, ".xlsx": true, ".pptx": true, ".odt": true, ".ods": true, ".odp": true,
	".jar": true, ".apk": true, ".epub": true,
}
