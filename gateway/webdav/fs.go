package webdav

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"time"

	xwebdav "golang.org/x/net/webdav"

	"coffre/storage"
)

// FileSystem is golang.org/x/net/webdav's FileSystem over a namespace bound
// to one caller. Names are namespace paths ("/root/dir/file"). NotFound
// errors are *os.PathError wrapping fs.ErrNotExist, as the package expects;
// other errors are the namespace's *storage.Error values.
type FileSystem struct {
	ns storage.Namespace
}

var _ xwebdav.FileSystem = (*FileSystem)(nil)

// NewFileSystem returns the file system of ns.
func NewFileSystem(ns storage.Namespace) *FileSystem { return &FileSystem{ns: ns} }

// fsErr turns NotFound into the error the webdav package recognises.
func fsErr(op, name string, err error) error {
	if storage.Is(storage.NotFound, err) {
		return &os.PathError{Op: op, Path: name, Err: fs.ErrNotExist}
	}
	return err
}

// Mkdir creates a folder.
func (s *FileSystem) Mkdir(ctx context.Context, name string, _ os.FileMode) error {
	_, err := s.ns.Mkdir(ctx, cleanPath(name))
	return fsErr("mkdir", name, err)
}

// RemoveAll moves a file or folder to the caller's trash. A missing name is
// not an error (as os.RemoveAll).
func (s *FileSystem) RemoveAll(ctx context.Context, name string) error {
	err := s.ns.Delete(ctx, cleanPath(name), storage.DeleteOptions{})
	if storage.Is(storage.NotFound, err) {
		return nil
	}
	return err
}

// Rename moves a file or folder in one metadata write; the target must not
// exist.
func (s *FileSystem) Rename(ctx context.Context, oldName, newName string) error {
	_, err := s.ns.Move(ctx, cleanPath(oldName), cleanPath(newName))
	return fsErr("rename", oldName, err)
}

// Stat describes a file or folder from its metadata.
func (s *FileSystem) Stat(ctx context.Context, name string) (os.FileInfo, error) {
	info, err := s.ns.Stat(ctx, cleanPath(name))
	if err != nil {
		return nil, fsErr("stat", name, err)
	}
	return fileInfo{info}, nil
}

// OpenFile opens a file or folder. Opening reads metadata only: content is
// opened on the first Read or Seek from the start. With O_TRUNC, or
// O_CREATE for a missing file, the File is written: its Writes stream into
// Namespace.Put, and Close commits the new version (see File).
func (s *FileSystem) OpenFile(ctx context.Context, name string, flag int, _ os.FileMode) (xwebdav.File, error) {
	name = cleanPath(name)
	info, err := s.ns.Stat(ctx, name)
	exists := err == nil
	switch {
	case storage.Is(storage.NotFound, err) && flag&os.O_CREATE != 0:
	case err != nil:
		return nil, fsErr("open", name, err)
	case flag&(os.O_CREATE|os.O_EXCL) == os.O_CREATE|os.O_EXCL:
		return nil, &os.PathError{Op: "open", Path: name, Err: fs.ErrExist}
	}
	if !exists {
		info = storage.Info{Name: path.Base(name), Path: name}
	}
	f := &File{ctx: ctx, ns: s.ns, name: name, info: info}
	write := flag&(os.O_WRONLY|os.O_RDWR) != 0 && (flag&os.O_TRUNC != 0 || !exists)
	if write {
		if exists && info.Dir {
			return nil, &os.PathError{Op: "open", Path: name, Err: errors.New("is a folder")}
		}
		f.write = true
		f.meta = deadProps(info.Meta)
	}
	return f, nil
}

// File is an open file or folder of a FileSystem. It holds the context of
// the OpenFile call, since webdav.File's methods take none.
//
// Read, Seek and Readdir read; a File opened for writing (see OpenFile)
// takes Write calls in order, streaming them into Namespace.Put through a
// pipe, and Close commits them as a new version. Abort, or a failure of
// Put, makes Close fail and changes nothing. Content written through a
// File has no known length, so a truncated stream cannot be told from a
// complete one: the handler's PUT therefore streams request bodies into
// Namespace.Put itself, with their Content-Length.
type File struct {
	ctx  context.Context
	ns   storage.Namespace
	name string
	info storage.Info

	// Reading.
	obj storage.Object
	off int64
	// Listing.
	after    string
	listDone bool

	// Writing.
	write   bool
	meta    map[string]string // carried over to the new version
	pw      *io.PipeWriter
	done    chan struct{}
	putErr  error
	written bool
}

var _ xwebdav.File = (*File)(nil)

// Stat describes the file; after a committed write, the new version.
func (f *File) Stat() (os.FileInfo, error) { return fileInfo{f.info}, nil }

func (f *File) open() error {
	if f.obj != nil {
		return nil
	}
	if f.info.Dir {
		return &os.PathError{Op: "read", Path: f.name, Err: errors.New("is a folder")}
	}
	obj, err := f.ns.Open(f.ctx, f.name)
	if err != nil {
		return fsErr("open", f.name, err)
	}
	f.obj = obj
	return nil
}

func (f *File) Read(p []byte) (int, error) {
	if f.write {
		return 0, errors.New("webdav: file opened for writing")
	}
	if f.off >= f.info.Size {
		return 0, io.EOF
	}
	if err := f.open(); err != nil {
		return 0, err
	}
	n, err := f.obj.ReadAt(p, f.off)
	f.off += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

func (f *File) Seek(offset int64, whence int) (int64, error) {
	if f.write {
		return 0, errors.New("webdav: file opened for writing")
	}
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += f.off
	case io.SeekEnd:
		offset += f.info.Size
	default:
		return 0, errors.New("webdav: bad whence")
	}
	if offset < 0 {
		return 0, errors.New("webdav: negative offset")
	}
	f.off = offset
	return offset, nil
}

// Readdir lists the folder one namespace page at a time: count > 0 returns
// at most count entries (io.EOF at the end), count <= 0 all that remain.
func (f *File) Readdir(count int) ([]fs.FileInfo, error) {
	if !f.info.Dir {
		return nil, &os.PathError{Op: "readdir", Path: f.name, Err: errors.New("not a folder")}
	}
	var out []fs.FileInfo
	for !f.listDone && (count <= 0 || len(out) < count) {
		limit := 1000
		if count > 0 {
			limit = count - len(out)
		}
		page, err := f.ns.List(f.ctx, f.name, storage.ListOptions{After: f.after, Limit: limit})
		if err != nil {
			return out, fsErr("readdir", f.name, err)
		}
		for _, it := range page.Items {
			out = append(out, fileInfo{it})
		}
		f.after, f.listDone = page.Next, page.Next == ""
	}
	if count > 0 && len(out) == 0 {
		return nil, io.EOF
	}
	return out, nil
}

func (f *File) Write(p []byte) (int, error) {
	if !f.write {
		return 0, errors.New("webdav: file not opened for writing")
	}
	f.start()
	f.written = true
	return f.pw.Write(p)
}

// start begins the Put that Writes feed. Close waits for it.
func (f *File) start() {
	if f.pw != nil {
		return
	}
	pr, pw := io.Pipe()
	f.pw, f.done = pw, make(chan struct{})
	// A File never closed must not leave Put waiting for more: the end of
	// the request's context ends the stream with an error.
	stop := context.AfterFunc(f.ctx, func() { pw.CloseWithError(f.ctx.Err()) })
	go func() { // owned by the File: Close and Abort wait for it
		defer close(f.done)
		defer stop()
		info, err := f.ns.Put(f.ctx, f.name, pr, storage.PutOptions{Size: -1, Meta: f.meta})
		pr.CloseWithError(err)
		if err == nil {
			f.info = info
		}
		f.putErr = err
	}()
}

// Abort drops what was written: the Put fails and nothing changes.
func (f *File) Abort(err error) {
	if !f.write || f.pw == nil {
		f.write = false
		return
	}
	if err == nil {
		err = errors.New("webdav: write aborted")
	}
	f.pw.CloseWithError(err)
	<-f.done
	f.write = false
}

// Close releases the file; for a File opened for writing, it commits what
// was written (an empty file if nothing was) and reports the Put's error.
func (f *File) Close() error {
	if f.obj != nil {
		err := f.obj.Close()
		f.obj = nil
		return err
	}
	if !f.write {
		return nil
	}
	f.write = false
	f.start()
	f.pw.Close()
	<-f.done
	return fsErr("write", f.name, f.putErr)
}

// DeadProps returns the properties PROPPATCH stored on the node
// (webdav.DeadPropsHolder).
func (f *File) DeadProps() (map[xml.Name]xwebdav.Property, error) {
	return decodeDeadProps(f.info.Meta), nil
}

// Patch applies PROPPATCH instructions to the node's dead properties in one
// metadata write: all succeed or none (webdav.DeadPropsHolder).
func (f *File) Patch(patches []xwebdav.Proppatch) ([]xwebdav.Propstat, error) {
	m, err := applyPatches(f.info.Meta, patches)
	if err == nil {
		var info storage.Info
		if info, err = f.ns.SetMeta(f.ctx, f.name, 0, m); err == nil {
			f.info = info
		}
	}
	var all []xwebdav.Property
	for _, p := range patches {
		for _, prop := range p.Props {
			all = append(all, xwebdav.Property{XMLName: prop.XMLName})
		}
	}
	if err == nil {
		return []xwebdav.Propstat{{Status: http.StatusOK, Props: all}}, nil
	}
	code := status(err)
	switch {
	case storage.Is(storage.TooLarge, err):
		code = http.StatusInsufficientStorage // RFC 4918 §9.2.1
	case code >= 500 && code != http.StatusInsufficientStorage:
		return nil, err
	}
	return []xwebdav.Propstat{{Status: code, Props: all}}, nil
}

// fileInfo is a node's storage.Info as an os.FileInfo. It gives the
// webdav package ETags and content types without reading content.
type fileInfo struct{ info storage.Info }

var (
	_ xwebdav.ETager       = fileInfo{}
	_ xwebdav.ContentTyper = fileInfo{}
)

func (i fileInfo) Name() string {
	if i.info.Name == "" {
		return "/"
	}
	return i.info.Name
}
func (i fileInfo) Size() int64 { return i.info.Size }
func (i fileInfo) Mode() fs.FileMode {
	if i.info.Dir {
		return fs.ModeDir | 0o755
	}
	return 0o644
}
func (i fileInfo) ModTime() time.Time { return i.info.ModTime }
func (i fileInfo) IsDir() bool        { return i.info.Dir }

// Sys returns the storage.Info.
func (i fileInfo) Sys() any { return i.info }

// ETag is the current version's entity tag (its MD5), never computed from
// content.
func (i fileInfo) ETag(context.Context) (string, error) {
	if i.info.Dir {
		return "", xwebdav.ErrNotImplemented
	}
	return i.info.ETag(), nil
}

// ContentType is the type stored with the version, or the one its name's
// extension implies.
func (i fileInfo) ContentType(context.Context) (string, error) { return contentType(i.info), nil }

// contentType is the media type of a file: the one stored with its version
// (metaContentType), else by extension, else application/octet-stream.
func contentType(info storage.Info) string {
	if t := info.Meta[metaContentType]; t != "" {
		return t
	}
	if t := mime.TypeByExtension(path.Ext(info.Name)); t != "" {
		return t
	}
	return "application/octet-stream"
}
