package s3

import (
	"io"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"time"

	"coffre/gateway"
	"coffre/storage"
)

// Objects: PutObject streams the body into the namespace (a new version if
// the key exists), GetObject streams a version back with ranges and
// conditions, HeadObject describes it. A key ending in "/" is a folder: PUT
// of an empty body creates it, GET and HEAD answer it as an empty object.

// maxPutSize is the largest object one PutObject may write: 5 GiB, as on
// S3; larger objects take a multipart upload.
const maxPutSize = 5 << 30

// folderETag is the ETag of a folder marker: the MD5 of no bytes.
const folderETag = `"d41d8cd98f00b204e9800998ecf8427e"`

// defaultContentType is what S3 answers for an object stored without one.
const defaultContentType = "binary/octet-stream"

func (h *Handler) putObject(q *request) error {
	path, dir, err := q.objectPath()
	if err != nil {
		return err
	}
	bucket, err := bucketInfo(q)
	if err != nil {
		return err
	}
	switch {
	case q.size > maxPutSize:
		return errorf("EntityTooLarge", http.StatusBadRequest, "your proposed upload of %d bytes exceeds the maximum allowed object size of %d bytes; use a multipart upload", q.size, int64(maxPutSize))
	case q.size < 0:
		return errorf("MissingContentLength", http.StatusLengthRequired, "you must provide the Content-Length HTTP header")
	}
	if dir {
		return h.putFolder(q, path)
	}
	meta, err := metaFromHeaders(q.r.Header)
	if err != nil {
		return err
	}
	tags, err := tagsFromHeader(q.r.Header)
	if err != nil {
		return err
	}
	meta = withMeta(meta, metaTag, tags) // never nil: the checksum may join it
	p, err := storedPayload(q)
	if err != nil {
		return err
	}
	p.meta = meta
	if err := mkdirs(q, path); err != nil {
		return missing(q, err, noSuchKey(q.key))
	}
	ctx := q.r.Context()
	opt := p.options()
	opt.IfMatch, opt.IfNoneMatch, opt.Meta = q.r.Header.Get("If-Match"), q.r.Header.Get("If-None-Match"), meta
	info, err := q.ns.Put(ctx, path, p, opt)
	if err != nil {
		return missing(q, p.explain(err), noSuchKey(q.key))
	}
	sum, ok := p.checksum()
	if ok && info.Meta[sum.Name] != sum.Value {
		// The namespace took Meta before the body's end: store the
		// checksum on the version just written.
		m := maps.Clone(info.Meta)
		if m == nil {
			m = map[string]string{}
		}
		m[sum.Name] = sum.Value
		if info, err = q.ns.SetMeta(ctx, path, info.VersionID, m); err != nil {
			return err
		}
	}
	w := q.w.Header()
	w.Set("ETag", info.ETag())
	if versioning(bucket) == "Enabled" {
		w.Set("X-Amz-Version-Id", versionID(info.VersionID))
	}
	if ok {
		w[http.CanonicalHeaderKey(sum.Name)] = []string{sum.Value}
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}

// putFolder creates the folder a key ending in "/" names, and those above
// it. It holds no content: S3 tools write such empty "directory markers".
func (h *Handler) putFolder(q *request, path string) error {
	if q.size != 0 {
		return invalidArgument("the key %q ends in / and so names a folder, which cannot hold content", q.key)
	}
	if _, err := io.Copy(io.Discard, q.body); err != nil { // verifies the signature of an empty aws-chunked body
		return err
	}
	if _, err := makeFolder(q, path); err != nil {
		return err
	}
	q.w.Header().Set("ETag", folderETag)
	q.w.WriteHeader(http.StatusOK)
	return nil
}

// makeFolder creates the folder at path, the request's key, and those
// above it; an existing folder is fine unless If-None-Match is "*". The
// folder is marked as a directory marker (metaMarker), so that it stays
// when the keys below it are deleted: a new folder is made marked, in one
// change; an existing one (implied by the keys below it) is marked if the
// caller may edit it, and left as it is otherwise, pruned like an implied
// one.
func makeFolder(q *request, path string) (storage.Info, error) {
	if err := mkdirs(q, path); err != nil {
		return storage.Info{}, missing(q, err, noSuchKey(q.key))
	}
	ctx := q.r.Context()
	made, err := q.ns.MkdirMeta(ctx, path, map[string]string{metaMarker: "true"})
	if err == nil {
		return made, nil
	}
	if !storage.Is(storage.Exists, err) {
		return storage.Info{}, missing(q, err, noSuchKey(q.key))
	}
	info, err := q.ns.Stat(ctx, path)
	switch {
	case err != nil:
		return storage.Info{}, missing(q, err, noSuchKey(q.key))
	case !info.Dir:
		return storage.Info{}, errorf("KeyConflict", http.StatusConflict, "the key %q is a file, so the folder %q cannot be created", strings.TrimSuffix(q.key, "/"), q.key)
	case q.r.Header.Get("If-None-Match") == "*":
		return storage.Info{}, errorf("PreconditionFailed", http.StatusPreconditionFailed, "the folder %q already exists", q.key)
	case info.Meta[metaMarker] != "":
		return info, nil
	}
	m := maps.Clone(info.Meta)
	if m == nil {
		m = map[string]string{}
	}
	m[metaMarker] = "true"
	marked, err := q.ns.SetMeta(ctx, path, 0, m)
	switch {
	case storage.Is(storage.Permission, err):
		return info, nil
	case err != nil:
		return storage.Info{}, missing(q, err, noSuchKey(q.key))
	}
	return marked, nil
}

func (h *Handler) getObject(q *request) error { return h.readObject(q, true) }

func (h *Handler) headObject(q *request) error { return h.readObject(q, false) }

// readObject serves GetObject (body) and HeadObject. GET opens the version
// (the namespace checks Download); HEAD only describes it (Read), as the
// namespace's rights let whoever lists a folder see its files' metadata.
func (h *Handler) readObject(q *request, body bool) error {
	path, dir, err := q.objectPath()
	if err != nil {
		return err
	}
	if v := q.query.Get("versionId"); strings.HasPrefix(v, markerPrefix) {
		if _, ok := parseMarkerID(v); ok {
			if _, err := bucketInfo(q); err != nil {
				return err
			}
			return markerAnswer(q, v)
		}
	}
	vid, hasVersion, err := versionQuery(q)
	if err != nil {
		return err
	}
	bucket, err := bucketInfo(q)
	if err != nil {
		return err
	}
	notFound := noSuchKey(q.key)
	if vid != 0 {
		notFound = noSuchVersion(q.key, q.query.Get("versionId"))
	}
	ctx := q.r.Context()
	var (
		info storage.Info
		obj  storage.Object
	)
	switch {
	case dir:
		info, err = q.ns.Stat(ctx, path)
		if err == nil && (!info.Dir || vid != 0) {
			return notFound
		}
	case body && vid != 0:
		obj, err = q.ns.OpenVersion(ctx, path, vid)
	case body:
		obj, err = q.ns.Open(ctx, path)
	default:
		info, err = statVersion(q, path, vid)
	}
	if storage.Is(storage.Conflict, err) || err == nil && !dir && info.Dir {
		return notFound // "a" is a folder: the key "a" does not exist, "a/" does
	}
	if storage.Is(storage.NotFound, err) && !dir && versioning(bucket) != "" {
		// A deleted key: its history is in the trash, under a delete marker.
		if vid == 0 {
			markDeleted(q, q.key)
		} else if it, v, ok, terr := trashedVersion(q, q.key, vid); terr != nil {
			return terr
		} else if ok {
			err = nil
			info = storage.Info{Name: it.Name, Path: it.Path, Owner: it.DeletedBy}
			info.Size, info.VersionID, info.MD5, info.Author, info.Parts, info.Meta, info.ModTime = v.Size, v.ID, v.MD5, v.Author, v.Parts, v.Meta, v.ModTime
			if body {
				obj, err = q.ns.OpenTrashVersion(ctx, it.ID, vid)
			}
		}
	}
	if err != nil {
		return missing(q, err, notFound)
	}
	if obj != nil {
		defer obj.Close()
		info = obj.Info()
	}
	o := objectView{info: info, etag: info.ETag(), showVersion: versioning(bucket) != "" || hasVersion && vid != 0}
	if info.Dir {
		o.etag, o.info.Size, o.info.Parts = folderETag, 0, 0
	}
	return h.answerObject(q, o, obj, body)
}

// objectView is what GET and HEAD answer about a file version or a folder.
type objectView struct {
	info        storage.Info
	etag        string
	showVersion bool // answer x-amz-version-id
}

// versionQuery reads the versionId parameter: (0, false) when absent,
// (0, true) for "null".
func versionQuery(q *request) (uint64, bool, error) {
	if !q.query.Has("versionId") {
		return 0, false, nil
	}
	id, err := parseVersionID(q.query.Get("versionId"))
	return id, true, err
}

func noSuchVersion(key, version string) *Error {
	return errorf("NoSuchVersion", http.StatusNotFound, "the version %q of the key %q does not exist", version, key)
}

// statVersion describes version vid of the file at path (0: the current
// one) without opening its content.
func statVersion(q *request, path string, vid uint64) (storage.Info, error) {
	ctx := q.r.Context()
	info, err := q.ns.Stat(ctx, path)
	if err != nil || vid == 0 || info.Dir || vid == info.VersionID {
		return info, err
	}
	vs, err := q.ns.Versions(ctx, path)
	if err != nil {
		return storage.Info{}, err
	}
	for _, v := range vs {
		if v.ID == vid {
			info.Size, info.VersionID, info.MD5, info.Author, info.Parts, info.Meta, info.ModTime = v.Size, v.ID, v.MD5, v.Author, v.Parts, v.Meta, v.ModTime
			return info, nil
		}
	}
	return storage.Info{}, storage.Errorf("stat", storage.NotFound, path, "no version %d", vid)
}

// answerObject writes the answer of GET or HEAD: conditions, range,
// headers, then the content from r (nil for HEAD and folders).
func (h *Handler) answerObject(q *request, o objectView, r io.ReaderAt, body bool) error {
	w := q.w.Header()
	mod := o.info.ModTime
	if o.showVersion {
		w.Set("X-Amz-Version-Id", versionID(o.info.VersionID))
	}
	switch preconditions(q.r.Header, readConditions, o.etag, mod) {
	case http.StatusNotModified:
		w.Set("ETag", o.etag)
		w.Set("Last-Modified", mod.UTC().Format(http.TimeFormat))
		q.w.WriteHeader(http.StatusNotModified)
		return nil
	case http.StatusPreconditionFailed:
		return errorf("PreconditionFailed", http.StatusPreconditionFailed, "at least one of the preconditions you specified did not hold")
	}
	size := o.info.Size
	start, length, status := int64(0), size, http.StatusOK
	if pn := q.query.Get("partNumber"); pn != "" {
		n, err := strconv.Atoi(pn)
		switch {
		case err != nil || n < 1 || n > storage.MaxParts:
			return invalidArgument("part number must be an integer between 1 and %d, inclusive", storage.MaxParts)
		case q.r.Header.Get("Range") != "":
			return invalidRequest("cannot specify both Range header and partNumber query parameter")
		case o.info.Parts > 0:
			return notImplemented("reading one part of a multipart object")
		case n != 1:
			return errorf("InvalidPartNumber", http.StatusRequestedRangeNotSatisfiable, "the object has one part; part %d does not exist", n)
		}
		if size > 0 { // the object's one part, as S3 answers it
			status = http.StatusPartialContent
		}
	} else if rg := q.r.Header.Get("Range"); rg != "" {
		s, n, ok, err := parseRange(rg, size)
		if err != nil {
			w.Set("Content-Range", "bytes */"+strconv.FormatInt(size, 10))
			return err
		}
		if ok {
			start, length, status = s, n, http.StatusPartialContent
		}
	}
	writeMetaHeaders(w, o.info.Meta)
	if w.Get("Content-Type") == "" {
		w.Set("Content-Type", defaultContentType)
	}
	for _, k := range responseOverrides {
		if v := q.query.Get("response-" + strings.ToLower(k)); v != "" {
			w.Set(k, v)
		}
	}
	w.Set("ETag", o.etag)
	w.Set("Last-Modified", mod.UTC().Format(http.TimeFormat))
	w.Set("Accept-Ranges", "bytes")
	w.Set("Content-Length", strconv.FormatInt(length, 10))
	if status == http.StatusPartialContent {
		w.Set("Content-Range", "bytes "+strconv.FormatInt(start, 10)+"-"+strconv.FormatInt(start+length-1, 10)+"/"+strconv.FormatInt(size, 10))
	}
	if n := len(metaWith(o.info.Meta, metaTag)); n > 0 {
		w.Set("X-Amz-Tagging-Count", strconv.Itoa(n))
	}
	// A checksum describes the whole object: none on a range, as on S3.
	if strings.EqualFold(q.r.Header.Get("X-Amz-Checksum-Mode"), "ENABLED") && length == size {
		checksumHeaders(w, o.info)
	}
	q.w.WriteHeader(status)
	if !body || r == nil || length == 0 {
		return nil
	}
	if _, err := gateway.CopyContent(q.w, r, start, length); err != nil {
		// The answer has begun: the connection closes short of
		// Content-Length, which the client notices.
		h.log.WarnContext(q.r.Context(), "s3 object read failed", "op", q.op, "bucket", q.bucket, "key", q.key, "err", err)
	}
	return nil
}

// responseOverrides are the headers GetObject's response-* parameters
// replace.
var responseOverrides = []string{"Content-Type", "Content-Language", "Expires", "Cache-Control", "Content-Disposition", "Content-Encoding"}

// parseRange reads a Range header (RFC 9110 §14.1.2) for content of size
// bytes. ok is false when there is no single byte range to apply (a
// malformed header or several ranges: the whole object is served, as S3
// does); a range that starts past the end is InvalidRange.
func parseRange(h string, size int64) (start, length int64, ok bool, err error) {
	spec, found := strings.CutPrefix(h, "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false, nil
	}
	first, last, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return 0, 0, false, nil
	}
	num := func(s string) (int64, bool) {
		if s == "" || strings.TrimLeft(s, "0123456789") != "" {
			return 0, false
		}
		n, err := strconv.ParseInt(s, 10, 64)
		return n, err == nil
	}
	unsatisfiable := errorf("InvalidRange", http.StatusRequestedRangeNotSatisfiable, "the requested range %q is not satisfiable for an object of %d bytes", h, size)
	if first == "" { // the last n bytes
		n, ok := num(last)
		switch {
		case !ok:
			return 0, 0, false, nil
		case n == 0 || size == 0:
			return 0, 0, false, unsatisfiable
		}
		n = min(n, size)
		return size - n, n, true, nil
	}
	a, ok := num(first)
	if !ok {
		return 0, 0, false, nil
	}
	b := size - 1
	if last != "" {
		if b, ok = num(last); !ok || b < a {
			return 0, 0, false, nil
		}
	}
	if a >= size {
		return 0, 0, false, unsatisfiable
	}
	b = min(b, size-1)
	return a, b - a + 1, true, nil
}

// conditionHeaders names the four precondition headers of a request:
// GET and HEAD's, or CopyObject's on its source.
type conditionHeaders struct {
	ifMatch, ifNoneMatch, ifModifiedSince, ifUnmodifiedSince string
	// notModified is the status of a failed If-None-Match or
	// If-Modified-Since: 304 for GET and HEAD, 412 for a copy.
	notModified int
}

var readConditions = conditionHeaders{"If-Match", "If-None-Match", "If-Modified-Since", "If-Unmodified-Since", http.StatusNotModified}

// preconditions evaluates a request's preconditions against a
// representation's ETag and modification time in the order of RFC 9110
// §13.2.2: If-Match, else If-Unmodified-Since; then If-None-Match, else
// If-Modified-Since. It returns 0 to proceed, 412 or c.notModified. Dates
// compare at the second, as Last-Modified carries them; malformed dates
// are ignored.
func preconditions(h http.Header, c conditionHeaders, etag string, mod time.Time) int {
	mod = mod.Truncate(time.Second)
	if v := h.Get(c.ifMatch); v != "" {
		if !etagMatch(v, etag, false) {
			return http.StatusPreconditionFailed
		}
	} else if t, err := http.ParseTime(h.Get(c.ifUnmodifiedSince)); err == nil && mod.After(t) {
		return http.StatusPreconditionFailed
	}
	if v := h.Get(c.ifNoneMatch); v != "" {
		if etagMatch(v, etag, true) {
			return c.notModified
		}
	} else if t, err := http.ParseTime(h.Get(c.ifModifiedSince)); err == nil && !mod.After(t) {
		return c.notModified
	}
	return 0
}

// etagMatch reports whether the list of entity tags names etag: "*" names
// any; weak comparison ignores a W/ prefix, strong comparison never
// matches one. Quotes are optional, as S3 clients sometimes omit them.
func etagMatch(list, etag string, weak bool) bool {
	etag = strings.Trim(etag, `"`)
	for _, t := range strings.Split(list, ",") {
		t = strings.TrimSpace(t)
		if t == "*" {
			return true
		}
		if strings.HasPrefix(t, "W/") {
			if !weak {
				continue
			}
			t = t[2:]
		}
		if strings.Trim(t, `"`) == etag {
			return true
		}
	}
	return false
}
