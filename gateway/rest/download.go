package rest

import (
	"io"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"

	"coffre/gateway"
	"coffre/storage"
)

// Downloads: GET /api/file/{id}/download[?version=<version_id>][&inline=1].

func download(c *call) error {
	info, err := c.file("id")
	if err != nil {
		return err
	}
	return c.serveFile(info)
}

// serveFile streams the file's current version, or ?version=, straight
// from storage: http.ServeContent over the object answers Range (one range
// or several, as multipart/byteranges; 416 when none is satisfiable) and
// the conditions If-None-Match, If-Modified-Since, If-Match and If-Range
// against the version's ETag and date (RFC 9110 §13, §14). The namespace
// checks the Download right, and records the download. A HEAD of the
// current version sends no content: it is described from its metadata (as
// GET /api/file/{id} does, with Read) and is no download.
func (c *call) serveFile(info storage.Info) error {
	version, err := c.versionQuery()
	if err != nil {
		return err
	}
	if c.r.Method == http.MethodHead && version == 0 {
		c.serveObject(info, noContent{}, false)
		return nil
	}
	var obj storage.Object
	if version == 0 {
		obj, err = c.ns.Open(c.ctx, info.Path)
	} else {
		obj, err = c.ns.OpenVersion(c.ctx, info.Path, version)
	}
	if err != nil {
		return err
	}
	defer obj.Close()
	c.serveObject(obj.Info(), obj, false)
	return nil
}

// noContent is the content of a HEAD, never read.
type noContent struct{}

func (noContent) ReadAt([]byte, int64) (int, error) { return 0, io.ErrUnexpectedEOF }

// serveObject streams content, described by info, with its ETag, type and
// name; inline=1 shows it in place when that is safe and attachment is not
// forced.
func (c *call) serveObject(info storage.Info, content io.ReaderAt, attachment bool) {
	ctype := contentType(info)
	kind := "attachment"
	if c.flag("inline") && inlineSafe(ctype) && !attachment {
		kind = "inline"
	}
	h := c.w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Content-Disposition", gateway.Disposition(kind, info.Name))
	h.Set("ETag", info.ETag())
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-cache")
	gateway.ServeContent(c.w, c.r, info.ModTime, content, info.Size)
}

// versionQuery reads ?version=, a version_id; 0 when absent.
func (c *call) versionQuery() (uint64, error) {
	v := c.r.URL.Query().Get("version")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(v, 10, 64)
	if err != nil || n == 0 {
		return 0, invalid("version", fieldType, "integer")
	}
	return n, nil
}

// contentType is the media type of a file: by its name's extension, else
// the one stored with the version (an S3 client's Content-Type), else
// application/octet-stream.
func contentType(info storage.Info) string {
	if t := mime.TypeByExtension(path.Ext(info.Name)); t != "" {
		return t
	}
	if t := info.Meta["content-type"]; t != "" {
		return t
	}
	return "application/octet-stream"
}

// inlineSafe reports whether a browser may show content of this type in
// place without running anything in the platform's origin: PDF, plain
// text, images other than SVG, audio and video. Anything else (HTML, SVG,
// XML …) is always an attachment.
func inlineSafe(ctype string) bool {
	mt, _, err := mime.ParseMediaType(ctype)
	switch {
	case err != nil:
		return false
	case mt == "application/pdf", mt == "text/plain":
		return true
	case strings.HasPrefix(mt, "image/"):
		return mt != "image/svg+xml"
	}
	return strings.HasPrefix(mt, "audio/") || strings.HasPrefix(mt, "video/")
}
