package s3

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"strings"

	"coffre/storage"
)

// CopyObject copies a version of a file, in this bucket or another, with
// ns.Copy: a metadata-only copy whose content is shared. The namespace
// checks Download on the source and Write (new key) or Edit (new version)
// on the target.

// copySource is the object an x-amz-copy-source header names.
type copySource struct {
	bucket, key string
	path        string
	version     uint64
	hasVersion  bool // a versionId was given
	versionText string
	dir         bool
}

// parseCopySource reads "bucket/key" or "/bucket/key", URL-encoded,
// optionally followed by "?versionId=<id>".
func parseCopySource(v string) (copySource, error) {
	bad := func(why string) (copySource, error) {
		return copySource{}, invalidArgument("x-amz-copy-source %q must name the source as bucket/key, URL-encoded: %s", v, why)
	}
	raw, query, hasQuery := strings.Cut(v, "?")
	p, err := url.PathUnescape(raw)
	if err != nil {
		return bad("malformed URL encoding")
	}
	bucket, key, ok := strings.Cut(strings.TrimPrefix(p, "/"), "/")
	if !ok || bucket == "" || key == "" {
		return bad("no bucket or no key")
	}
	src := copySource{bucket: bucket, key: key}
	if hasQuery {
		qv, err := url.ParseQuery(query)
		if err != nil || len(qv) != 1 || !qv.Has("versionId") {
			return bad("only versionId may follow the key")
		}
		src.hasVersion, src.versionText = true, qv.Get("versionId")
		if src.version, err = parseVersionID(src.versionText); err != nil {
			return copySource{}, err
		}
	}
	if src.path, src.dir, err = objectPath(bucket, key); err != nil {
		return copySource{}, err
	}
	return src, nil
}

type copyObjectResult struct {
	XMLName      xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CopyObjectResult"`
	ETag         string
	LastModified string
	// The source's checksum, which is the copy's: the content is the same.
	ChecksumCRC32     string `xml:",omitempty"`
	ChecksumCRC32C    string `xml:",omitempty"`
	ChecksumCRC64NVME string `xml:",omitempty"`
	ChecksumSHA1      string `xml:",omitempty"`
	ChecksumSHA256    string `xml:",omitempty"`
}

// copyConditions are the source preconditions of CopyObject; a failed
// If-None-Match or If-Modified-Since is a 412 here, not a 304.
var copyConditions = conditionHeaders{
	"X-Amz-Copy-Source-If-Match", "X-Amz-Copy-Source-If-None-Match",
	"X-Amz-Copy-Source-If-Modified-Since", "X-Amz-Copy-Source-If-Unmodified-Since",
	http.StatusPreconditionFailed,
}

func (h *Handler) copyObject(q *request) error {
	src, err := parseCopySource(q.r.Header.Get("X-Amz-Copy-Source"))
	if err != nil {
		return err
	}
	path, dir, err := q.objectPath()
	if err != nil {
		return err
	}
	metaDirective, err := directive(q.r.Header, "X-Amz-Metadata-Directive")
	if err != nil {
		return err
	}
	tagDirective, err := directive(q.r.Header, "X-Amz-Tagging-Directive")
	if err != nil {
		return err
	}
	bucket, err := bucketInfo(q)
	if err != nil {
		return err
	}
	ctx := q.r.Context()
	srcBucket := bucket
	if src.bucket != q.bucket {
		srcBucket, err = q.ns.Stat(ctx, "/"+src.bucket)
		if storage.Is(storage.NotFound, err) || err == nil && !srcBucket.Dir {
			return noSuchBucket(src.bucket)
		}
		if err != nil {
			return err
		}
	}
	notFound := noSuchKey(src.key)
	if src.version != 0 {
		notFound = noSuchVersion(src.key, src.versionText)
	}
	info, err := statVersion(q, src.path, src.version)
	switch {
	case storage.Is(storage.NotFound, err):
		notFound.Err = err
		return notFound
	case err != nil:
		return err
	case info.Dir != src.dir || src.dir && src.version != 0:
		return notFound
	}
	etag := info.ETag()
	if info.Dir {
		etag = folderETag
	}
	if preconditions(q.r.Header, copyConditions, etag, info.ModTime) != 0 {
		return errorf("PreconditionFailed", http.StatusPreconditionFailed, "at least one of the x-amz-copy-source preconditions you specified did not hold")
	}
	if src.dir || dir {
		if !src.dir || !dir {
			return invalidRequest("a key ending in / is a folder: a folder is copied only onto a key ending in /")
		}
		made, err := makeFolder(q, path) // a folder marker: its copy is a folder
		if err != nil {
			return err
		}
		return writeXML(q, copyObjectResult{ETag: folderETag, LastModified: formatXMLTime(made.ModTime)})
	}
	if path == src.path && metaDirective == "COPY" && tagDirective == "COPY" && !changesAttributes(q.r.Header) && isCurrent(q, src) {
		return invalidRequest("this copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes")
	}
	var meta map[string]string // nil keeps the source's
	if metaDirective == "REPLACE" || tagDirective == "REPLACE" {
		if meta, err = copyMeta(q.r.Header, info.Meta, metaDirective, tagDirective); err != nil {
			return err
		}
	}
	if err := mkdirs(q, path); err != nil {
		return missing(q, err, noSuchKey(q.key))
	}
	out, err := q.ns.Copy(ctx, src.path, path, storage.CopyOptions{
		Version:     info.VersionID, // the version the preconditions held for
		IfMatch:     q.r.Header.Get("If-Match"),
		IfNoneMatch: q.r.Header.Get("If-None-Match"),
		Meta:        meta,
	})
	switch {
	case storage.Is(storage.NotFound, err):
		if _, berr := bucketInfo(q); berr != nil {
			return berr
		}
		notFound.Err = err
		return notFound // the source vanished meanwhile
	case storage.Is(storage.Exists, err):
		return errorf("KeyConflict", http.StatusConflict, "the key %q is a folder, so an object cannot be copied onto it", q.key)
	case err != nil:
		return err
	}
	w := q.w.Header()
	if versioning(bucket) == "Enabled" {
		w.Set("X-Amz-Version-Id", versionID(out.VersionID))
	}
	if versioning(srcBucket) != "" || src.version != 0 {
		w.Set("X-Amz-Copy-Source-Version-Id", versionID(info.VersionID))
	}
	res := copyObjectResult{ETag: out.ETag(), LastModified: formatXMLTime(out.ModTime)}
	for k, v := range out.Meta {
		switch k {
		case "x-amz-checksum-crc32":
			res.ChecksumCRC32 = v
		case "x-amz-checksum-crc32c":
			res.ChecksumCRC32C = v
		case "x-amz-checksum-crc64nvme":
			res.ChecksumCRC64NVME = v
		case "x-amz-checksum-sha1":
			res.ChecksumSHA1 = v
		case "x-amz-checksum-sha256":
			res.ChecksumSHA256 = v
		}
	}
	return writeXML(q, res)
}

// isCurrent reports whether the copy source is its file's current
// version: copying an older version onto its own key restores it.
func isCurrent(q *request, src copySource) bool {
	if src.version == 0 {
		return true
	}
	cur, err := q.ns.Stat(q.r.Context(), src.path)
	return err == nil && cur.VersionID == src.version
}

// directive reads x-amz-metadata-directive or x-amz-tagging-directive:
// COPY (the default) or REPLACE.
func directive(h http.Header, name string) (string, error) {
	switch v := strings.ToUpper(h.Get(name)); v {
	case "":
		return "COPY", nil
	case "COPY", "REPLACE":
		return v, nil
	}
	return "", invalidArgument("unknown %s %q: use COPY or REPLACE", strings.ToLower(name), h.Get(name))
}

// changesAttributes reports whether a copy onto itself changes something S3
// counts as a change besides metadata: the storage class, the website
// redirect, the encryption.
func changesAttributes(h http.Header) bool {
	for _, k := range []string{"X-Amz-Storage-Class", "X-Amz-Website-Redirect-Location", "X-Amz-Server-Side-Encryption"} {
		if h.Get(k) != "" {
			return true
		}
	}
	return false
}

// copyMeta is the target's metadata when a directive is REPLACE: the
// headers' (REPLACE) or the source's (COPY) stored headers and user
// metadata, the header's or the source's tags, and always the source's
// checksums, since the content is the same.
func copyMeta(h http.Header, src map[string]string, metaDirective, tagDirective string) (map[string]string, error) {
	m := map[string]string{}
	for k, v := range src {
		switch {
		case strings.HasPrefix(k, metaChecksum):
			m[k] = v
		case strings.HasPrefix(k, metaTag):
			if tagDirective == "COPY" {
				m[k] = v
			}
		case metaDirective == "COPY":
			m[k] = v
		}
	}
	if metaDirective == "REPLACE" {
		hm, err := metaFromHeaders(h)
		if err != nil {
			return nil, err
		}
		for k, v := range hm {
			m[k] = v
		}
	}
	if tagDirective == "REPLACE" {
		tags, err := tagsFromHeader(h)
		if err != nil {
			return nil, err
		}
		for k, v := range tags {
			m[metaTag+k] = v
		}
	}
	return m, nil
}
