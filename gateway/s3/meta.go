package s3

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"coffre/storage"
)

// How S3 state is kept in the namespace's metadata (storage.Info.Meta):
//
//	content-type, content-encoding,     the object's HTTP headers, as sent
//	content-disposition, content-language,
//	cache-control, expires
//	x-amz-meta-<name>                   user metadata, name in lower case
//	x-amz-checksum-<algorithm>          the checksum the client sent (base64)
//	tag:<key>                           object tags
//
// and on a bucket's root folder:
//
//	s3:versioning                       "Enabled" or "Suspended"; absent: never enabled
//	s3:cors                             the CORS configuration, as validated XML
//
// and on any folder:
//
//	s3:marker                           created as a key "a/": kept when emptied
const (
	metaUser       = "x-amz-meta-"
	metaChecksum   = "x-amz-checksum-"
	metaTag        = "tag:"
	metaVersioning = "s3:versioning"
	metaCORS       = "s3:cors"
	// metaMarker marks a folder created as a key ending in "/": it stays
	// when the keys below it are deleted, as a directory marker does.
	metaMarker = "s3:marker"
)

// storedHeaders are the HTTP headers an object keeps and returns.
var storedHeaders = []string{"Content-Type", "Content-Encoding", "Content-Disposition", "Content-Language", "Cache-Control", "Expires"}

// maxUserMeta is S3's limit on the size of user metadata.
const maxUserMeta = 2 << 10

// metaFromHeaders collects the metadata a PutObject, CopyObject (REPLACE)
// or CreateMultipartUpload stores from its headers.
func metaFromHeaders(h http.Header) (map[string]string, error) {
	m := map[string]string{}
	for _, k := range storedHeaders {
		if v := h.Get(k); v != "" {
			m[strings.ToLower(k)] = v
		}
	}
	size := 0
	for k, vs := range h {
		lk := strings.ToLower(k)
		if strings.HasPrefix(lk, metaUser) && len(vs) > 0 {
			m[lk] = strings.Join(vs, ",")
			size += len(lk) - len(metaUser) + len(m[lk])
		}
	}
	if size > maxUserMeta {
		return nil, errorf("MetadataTooLarge", http.StatusBadRequest, "your metadata headers exceed the maximum allowed metadata size of %d bytes", maxUserMeta)
	}
	if len(m) == 0 {
		return nil, nil
	}
	return m, nil
}

// writeMetaHeaders sets the stored headers and user metadata of an object
// on an answer; checksums and tags are answered by their operations.
func writeMetaHeaders(w http.Header, m map[string]string) {
	for _, k := range storedHeaders {
		if v, ok := m[strings.ToLower(k)]; ok {
			w.Set(k, v)
		}
	}
	for k, v := range m {
		if strings.HasPrefix(k, metaUser) {
			w[http.CanonicalHeaderKey(k)] = []string{v}
		}
	}
}

// withMeta returns a copy of m where the keys with prefix are replaced by
// set (keys given without the prefix).
func withMeta(m map[string]string, prefix string, set map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if !strings.HasPrefix(k, prefix) {
			out[k] = v
		}
	}
	for k, v := range set {
		out[prefix+k] = v
	}
	return out
}

// metaWith returns the keys of m with prefix, the prefix removed.
func metaWith(m map[string]string, prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if rest, ok := strings.CutPrefix(k, prefix); ok {
			out[rest] = v
		}
	}
	return out
}

// versioning is a bucket's versioning status: "Enabled", "Suspended", or ""
// for a bucket where it was never enabled. Version IDs are answered only
// where it was; elsewhere an object's version is "null", as S3 clients expect.
func versioning(bucket storage.Info) string { return bucket.Meta[metaVersioning] }

// versionID formats a namespace version ID as an S3 version ID.
func versionID(id uint64) string { return strconv.FormatUint(id, 10) }

// parseVersionID reads an S3 version ID: "null" (or "") is 0, the current
// version of a bucket whose versioning was never enabled.
func parseVersionID(s string) (uint64, error) {
	if s == "" || s == "null" {
		return 0, nil
	}
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil || id == 0 {
		return 0, invalidArgument("invalid version id specified")
	}
	return id, nil
}

// mkdirs creates the folders above path that do not exist yet, as an S3
// key "a/b/c" implies folders a and b. A file in the way fails the write
// with a KeyConflict naming it.
func mkdirs(q *request, path string) error {
	names, err := storage.SplitPath(path)
	if err != nil {
		return err
	}
	for i := 2; i < len(names); i++ { // names[0] is the bucket
		dir := storage.JoinPath(names[:i]...)
		info, err := q.ns.Stat(q.r.Context(), dir)
		switch {
		case err == nil && !info.Dir:
			return errorf("KeyConflict", http.StatusConflict, "the key %q is a file, so it cannot hold other keys", strings.Join(names[1:i], "/"))
		case err == nil:
			continue
		case !storage.Is(storage.NotFound, err):
			return err
		}
		if _, err := q.ns.Mkdir(q.r.Context(), dir); err != nil && !storage.Is(storage.Exists, err) {
			return err
		}
	}
	return nil
}

// pruneEmpty removes the folders above the deleted key at path that it
// left empty, up to the bucket, as S3 has no folders: a key "a/b/c" implied
// a and b, and deleting it must not leave "a/b/" behind in listings. A
// folder made as a key "a/" (a directory marker) stays, and so does one
// holding anything, seen by the caller or not (the namespace destroys only
// empty folders). Failures only stop the pruning.
func pruneEmpty(q *request, path string) {
	ctx := q.r.Context()
	names, err := storage.SplitPath(path)
	if err != nil {
		return
	}
	for i := len(names) - 1; i >= 2; i-- {
		dir := storage.JoinPath(names[:i]...)
		info, err := q.ns.Stat(ctx, dir)
		if err != nil || !info.Dir || info.Meta[metaMarker] != "" {
			return
		}
		page, err := q.ns.List(ctx, dir, storage.ListOptions{Limit: 1})
		if err != nil || len(page.Items) > 0 {
			return
		}
		if q.ns.Delete(ctx, dir, storage.DeleteOptions{Permanent: true, IfEmpty: true}) != nil {
			return
		}
	}
}

// bucketInfo is the bucket's root folder: NoSuchBucket when the caller
// cannot see it.
func bucketInfo(q *request) (storage.Info, error) {
	info, err := q.ns.Stat(q.r.Context(), q.bucketPath())
	if storage.Is(storage.NotFound, err) || err == nil && !info.Dir {
		return storage.Info{}, noSuchBucket(q.bucket)
	}
	return info, err
}

func noSuchBucket(bucket string) *Error {
	return errorf("NoSuchBucket", http.StatusNotFound, "the bucket %q does not exist", bucket)
}

// missing resolves a NotFound from an object operation: NoSuchBucket when
// the bucket is absent, else notFound (NoSuchKey, NoSuchUpload, NoSuchVersion …).
func missing(q *request, err error, notFound *Error) error {
	if !storage.Is(storage.NotFound, err) {
		return err
	}
	if _, berr := bucketInfo(q); berr != nil {
		return berr
	}
	notFound.Err = err
	return notFound
}

func noSuchKey(key string) *Error {
	return errorf("NoSuchKey", http.StatusNotFound, "the key %q does not exist", key)
}

// Time formats of S3 answers.
const xmlTime = "2006-01-02T15:04:05.000Z"

func formatXMLTime(t time.Time) string { return t.UTC().Format(xmlTime) }
