package s3

import (
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"coffre/storage"
)

// Multipart uploads over the namespace's uploads
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html):
// CreateMultipartUpload starts one for a key, UploadPart streams a part
// straight into the engine (never held in memory), UploadPartCopy streams a
// range of another object, CompleteMultipartUpload checks the list and makes
// the parts the key's new version in one metadata write, without copying
// their content. An upload belongs to its key: a request naming the upload
// under another key gets NoSuchUpload. Abandoned uploads are aborted by the
// namespace after Options.UploadExpiry.

// S3's limits on parts
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html).
const (
	minPartSize = 5 << 20 // every part but the last
	maxPartSize = 5 << 30
	// maxCompleteBody bounds a CompleteMultipartUpload document: 10,000
	// parts of ~100 bytes each, with room for checksums.
	maxCompleteBody = 2 << 20
	maxListParts    = 1000
	maxListUploads  = 1000
)

func noSuchUpload(id string) *Error {
	return errorf("NoSuchUpload", http.StatusNotFound, "the upload %q does not exist for this key: it may have been completed or aborted", id)
}

func invalidPart(format string, args ...any) *Error {
	return errorf("InvalidPart", http.StatusBadRequest, "one or more of the specified parts could not be found or did not match: "+format, args...)
}

func entityTooLarge(format string, args ...any) *Error {
	return errorf("EntityTooLarge", http.StatusBadRequest, format, args...)
}

type initiateMultipartUploadResult struct {
	XMLName  xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ InitiateMultipartUploadResult"`
	Bucket   string
	Key      string
	UploadID string `xml:"UploadId"`
}

func (h *Handler) createMultipartUpload(q *request) error {
	path, dir, err := q.objectPath()
	if err != nil {
		return err
	}
	if dir {
		return errorf("InvalidObjectName", http.StatusBadRequest, "the key %q ends in \"/\" and names a folder; a multipart upload writes a file", q.key)
	}
	if _, err := bucketInfo(q); err != nil {
		return err
	}
	meta, err := metaFromHeaders(q.r.Header)
	if err != nil {
		return err
	}
	tags, err := tagsFromHeader(q.r.Header)
	if err != nil {
		return err
	}
	if len(tags) > 0 {
		meta = withMeta(meta, metaTag, tags)
	}
	algorithm := strings.ToUpper(q.r.Header.Get("X-Amz-Checksum-Algorithm"))
	if _, ok := checksumHeaderOf[algorithm]; algorithm != "" && !ok {
		return invalidRequest("x-amz-checksum-algorithm must be CRC32, CRC32C, CRC64NVME, SHA1 or SHA256, not %q", algorithm)
	}
	if err := mkdirs(q, path); err != nil {
		return missing(q, err, noSuchKey(q.key))
	}
	up, err := q.ns.CreateUpload(q.r.Context(), path, storage.PutOptions{Size: -1, Meta: meta})
	if err != nil {
		return missing(q, err, noSuchKey(q.key))
	}
	h.abortDate(q, up)
	if algorithm != "" {
		// Parts' checksums are verified as they arrive (newPayload); the
		// object gets no composite checksum of its own.
		q.w.Header().Set("X-Amz-Checksum-Algorithm", algorithm)
	}
	return writeXML(q, initiateMultipartUploadResult{Bucket: q.bucket, Key: q.key, UploadID: up.ID})
}

// abortDate tells when the namespace will abort the upload if it is
// still in progress (Options.UploadExpiry), as S3 does for uploads that a
// lifecycle rule aborts.
func (h *Handler) abortDate(q *request, up storage.Upload) {
	q.w.Header().Set("X-Amz-Abort-Date", up.Initiated.Add(h.opts.UploadExpiry).UTC().Format(http.TimeFormat))
	q.w.Header().Set("X-Amz-Abort-Rule-Id", "coffre-upload-expiry")
}

// uploadOf finds the upload a request names in its uploadId parameter: it
// must exist, be visible to the caller, and write the request's key
// (NoSuchUpload otherwise).
func uploadOf(q *request) (storage.Upload, error) {
	path, dir, err := q.objectPath()
	if err != nil {
		return storage.Upload{}, err
	}
	id := q.query.Get("uploadId")
	if id == "" {
		return storage.Upload{}, noSuchUpload(id)
	}
	up, err := q.ns.Upload(q.r.Context(), id)
	if err != nil {
		return storage.Upload{}, missing(q, err, noSuchUpload(id))
	}
	if dir || up.Path != path {
		return storage.Upload{}, missing(q, storage.Errorf("upload", storage.NotFound, path, "the upload writes %s", up.Path), noSuchUpload(id))
	}
	return up, nil
}

// partNumber reads the partNumber parameter: 1 to storage.MaxParts.
func partNumber(q *request) (int, error) {
	v := q.query.Get("partNumber")
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > storage.MaxParts {
		return 0, invalidArgument("part number must be an integer between 1 and %d, inclusive, not %q", storage.MaxParts, v)
	}
	return n, nil
}

func (h *Handler) uploadPart(q *request) error {
	number, err := partNumber(q)
	if err != nil {
		return err
	}
	// Refused before a byte is read.
	if q.size > maxPartSize {
		return entityTooLarge("a part holds at most %d bytes; this one declares %d", int64(maxPartSize), q.size)
	}
	p, err := storedPayload(q)
	if err != nil {
		return err
	}
	up, err := uploadOf(q)
	if err != nil {
		return err
	}
	var body io.Reader = p
	if q.size < 0 {
		body = &sizeLimit{r: body, left: maxPartSize}
	}
	part, err := q.ns.UploadPart(q.r.Context(), up.ID, number, body, p.options())
	if err != nil {
		return missing(q, p.explain(err), noSuchUpload(up.ID))
	}
	q.w.Header().Set("ETag", partETag(part))
	if c, ok := p.checksum(); ok {
		q.w.Header().Set(c.Name, c.Value)
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func partETag(p storage.Part) string { return `"` + hex.EncodeToString(p.MD5[:]) + `"` }

// sizeLimit fails a body of unknown length that exceeds the largest part.
type sizeLimit struct {
	r    io.Reader
	left int64
}

func (l *sizeLimit) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, entityTooLarge("a part holds at most %d bytes", int64(maxPartSize))
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return n, entityTooLarge("a part holds at most %d bytes", int64(maxPartSize))
	}
	return n, err
}

type copyPartResult struct {
	XMLName      xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CopyPartResult"`
	ETag         string
	LastModified string
}

func (h *Handler) uploadPartCopy(q *request) error {
	number, err := partNumber(q)
	if err != nil {
		return err
	}
	src, err := parseCopySource(q.r.Header.Get("X-Amz-Copy-Source"))
	if err != nil {
		return err
	}
	if src.dir {
		return invalidRequest("the copy source %q ends in \"/\" and names a folder", src.key)
	}
	up, err := uploadOf(q)
	if err != nil {
		return err
	}
	ctx := q.r.Context()
	var obj storage.Object
	if src.version == 0 {
		obj, err = q.ns.Open(ctx, src.path)
	} else {
		obj, err = q.ns.OpenVersion(ctx, src.path, src.version)
	}
	if err != nil {
		return missingSource(q, err, src)
	}
	defer obj.Close()
	info := obj.Info()
	if preconditions(q.r.Header, copyConditions, info.ETag(), info.ModTime) != 0 {
		return errorf("PreconditionFailed", http.StatusPreconditionFailed, "at least one of the x-amz-copy-source preconditions you specified did not hold")
	}
	first, length, err := copySourceRange(q.r.Header.Get("X-Amz-Copy-Source-Range"), info.Size)
	if err != nil {
		return err
	}
	part, err := q.ns.UploadPart(ctx, up.ID, number, io.NewSectionReader(obj, first, length), storage.PutOptions{Size: length})
	if err != nil {
		return missing(q, err, noSuchUpload(up.ID))
	}
	if src.hasVersion {
		q.w.Header().Set("X-Amz-Copy-Source-Version-Id", src.versionText)
	}
	return writeXML(q, copyPartResult{ETag: partETag(part), LastModified: formatXMLTime(part.ModTime)})
}

// missingSource resolves a NotFound while opening a copy source:
// NoSuchBucket, NoSuchKey, or NoSuchVersion when the key exists.
func missingSource(q *request, err error, src copySource) error {
	if !storage.Is(storage.NotFound, err) {
		return err
	}
	ctx := q.r.Context()
	e := noSuchKey(src.key)
	if info, berr := q.ns.Stat(ctx, "/"+src.bucket); berr != nil || !info.Dir {
		e = noSuchBucket(src.bucket)
	} else if _, serr := q.ns.Stat(ctx, src.path); src.version != 0 && serr == nil {
		e = noSuchVersion(src.key, src.versionText)
	}
	e.Err = err
	return e
}

// copySourceRange reads x-amz-copy-source-range, "bytes=first-last"
// (both zero-based and inclusive), within a source of size bytes; none
// means the whole source.
func copySourceRange(v string, size int64) (first, length int64, err error) {
	if v == "" {
		if size > maxPartSize {
			return 0, 0, invalidRequest("the copy source is %d bytes, larger than the %d bytes a part may hold: copy it by ranges", size, int64(maxPartSize))
		}
		return 0, size, nil
	}
	bad := invalidArgument("the x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy, not %q", v)
	spec, ok := strings.CutPrefix(v, "bytes=")
	a, b, ok2 := strings.Cut(spec, "-")
	if !ok || !ok2 {
		return 0, 0, bad
	}
	first, err1 := strconv.ParseInt(a, 10, 64)
	last, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || first < 0 || last < first {
		return 0, 0, bad
	}
	if last >= size {
		return 0, 0, invalidArgument("range specified is not valid for source object of size: %d", size)
	}
	if last-first+1 > maxPartSize {
		return 0, 0, invalidArgument("the range is %d bytes, larger than the %d bytes a part may hold", last-first+1, int64(maxPartSize))
	}
	return first, last - first + 1, nil
}

type listPartsResult struct {
	XMLName              xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListPartsResult"`
	Bucket               string
	Key                  string
	UploadID             string `xml:"UploadId"`
	Initiator            owner
	Owner                owner
	StorageClass         string
	PartNumberMarker     int
	NextPartNumberMarker int
	MaxParts             int
	IsTruncated          bool
	EncodingType         string       `xml:",omitempty"`
	Parts                []listedPart `xml:"Part"`
}

type listedPart struct {
	PartNumber   int
	LastModified string
	ETag         string
	Size         int64
}

// intParam reads a non-negative integer query parameter, def when absent.
func intParam(q *request, name string, def int) (int, error) {
	v, ok := q.query[name]
	if !ok || v[0] == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v[0])
	if err != nil || n < 0 {
		return 0, invalidArgument("%s must be an integer between 0 and 2147483647, not %q", name, v[0])
	}
	return n, nil
}

func (h *Handler) listParts(q *request) error {
	marker, err := intParam(q, "part-number-marker", 0)
	if err != nil {
		return err
	}
	max, err := intParam(q, "max-parts", maxListParts)
	if err != nil {
		return err
	}
	max = min(max, maxListParts)
	enc, err := parseEncoding(q)
	if err != nil {
		return err
	}
	up, err := uploadOf(q)
	if err != nil {
		return err
	}
	parts, err := q.ns.Parts(q.r.Context(), up.ID)
	if err != nil {
		return missing(q, err, noSuchUpload(up.ID))
	}
	start, _ := slices.BinarySearchFunc(parts, marker+1, func(p storage.Part, n int) int { return p.Number - n })
	page := parts[start:]
	truncated := len(page) > max
	page = page[:min(len(page), max)]
	h.abortDate(q, up)
	who := owner{ID: up.UserID, DisplayName: up.Login}
	res := listPartsResult{
		Bucket: q.bucket, Key: encoder(enc).enc(q.key), UploadID: up.ID,
		Initiator: who, Owner: who, StorageClass: "STANDARD",
		PartNumberMarker: marker, MaxParts: max, IsTruncated: truncated, EncodingType: enc,
		Parts: make([]listedPart, len(page)),
	}
	for i, p := range page {
		res.Parts[i] = listedPart{PartNumber: p.Number, LastModified: formatXMLTime(p.ModTime), ETag: partETag(p), Size: p.Size}
		res.NextPartNumberMarker = p.Number
	}
	return writeXML(q, res)
}

type listMultipartUploadsResult struct {
	XMLName            xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListMultipartUploadsResult"`
	Bucket             string
	KeyMarker          string
	UploadIDMarker     string `xml:"UploadIdMarker"`
	NextKeyMarker      string
	NextUploadIDMarker string `xml:"NextUploadIdMarker"`
	Prefix             string
	Delimiter          string `xml:",omitempty"`
	MaxUploads         int
	IsTruncated        bool
	EncodingType       string         `xml:",omitempty"`
	Uploads            []listedUpload `xml:"Upload"`
	CommonPrefixes     []commonPrefix
}

type listedUpload struct {
	Key          string
	UploadID     string `xml:"UploadId"`
	Initiator    owner
	Owner        owner
	StorageClass string
	Initiated    string
}

// listMultipartUploads lists the uploads in progress in the bucket that
// the caller started (all of them, for an administrator), in key order,
// then by initiation time.
func (h *Handler) listMultipartUploads(q *request) error {
	max, err := intParam(q, "max-uploads", maxListUploads)
	if err != nil {
		return err
	}
	max = min(max, maxListUploads)
	enc, err := parseEncoding(q)
	if err != nil {
		return err
	}
	if _, err := bucketInfo(q); err != nil {
		return err
	}
	ups, err := q.ns.Uploads(q.r.Context(), q.bucketPath())
	if err != nil {
		return missing(q, err, noSuchBucket(q.bucket))
	}
	prefix, delimiter := q.query.Get("prefix"), q.query.Get("delimiter")
	keyMarker, idMarker := q.query.Get("key-marker"), q.query.Get("upload-id-marker")
	type keyed struct {
		key string
		up  storage.Upload
	}
	base := q.bucketPath() + "/"
	all := make([]keyed, 0, len(ups))
	for _, up := range ups {
		if key, ok := strings.CutPrefix(up.Path, base); ok && strings.HasPrefix(key, prefix) {
			all = append(all, keyed{key, up})
		}
	}
	slices.SortStableFunc(all, func(a, b keyed) int {
		if c := strings.Compare(a.key, b.key); c != 0 {
			return c
		}
		if c := a.up.Initiated.Compare(b.up.Initiated); c != 0 {
			return c
		}
		return strings.Compare(a.up.ID, b.up.ID)
	})
	// Resume after the markers: keys after key-marker, and the uploads of
	// key-marker itself that follow upload-id-marker.
	start := 0
	if keyMarker != "" {
		start = len(all)
		for i, k := range all {
			if k.key > keyMarker {
				start = i
				break
			}
		}
		if idMarker != "" {
			for i, k := range all {
				if k.key == keyMarker && k.up.ID == idMarker {
					start = i + 1
					break
				}
			}
		}
	}
	e := encoder(enc)
	res := listMultipartUploadsResult{
		Bucket: q.bucket, KeyMarker: e.enc(keyMarker), UploadIDMarker: idMarker,
		Prefix: e.enc(prefix), Delimiter: e.enc(delimiter), MaxUploads: max, EncodingType: enc,
	}
	n, lastCommon := 0, keyMarker
	for _, k := range all[start:] {
		common := ""
		if delimiter != "" {
			if i := strings.Index(k.key[len(prefix):], delimiter); i >= 0 {
				common = k.key[:len(prefix)+i+len(delimiter)]
			}
		}
		if common != "" && common == lastCommon {
			continue // the rest of a common prefix already answered
		}
		if n == max {
			res.IsTruncated = true
			break
		}
		n++
		if common != "" {
			lastCommon = common
			res.CommonPrefixes = append(res.CommonPrefixes, commonPrefix{Prefix: e.enc(common)})
			res.NextKeyMarker, res.NextUploadIDMarker = e.enc(common), ""
			continue
		}
		who := owner{ID: k.up.UserID, DisplayName: k.up.Login}
		res.Uploads = append(res.Uploads, listedUpload{
			Key: e.enc(k.key), UploadID: k.up.ID, Initiator: who, Owner: who,
			StorageClass: "STANDARD", Initiated: formatXMLTime(k.up.Initiated),
		})
		res.NextKeyMarker, res.NextUploadIDMarker = e.enc(k.key), k.up.ID
	}
	if !res.IsTruncated {
		res.NextKeyMarker, res.NextUploadIDMarker = "", ""
	}
	return writeXML(q, res)
}

// completeMultipartUpload is the document a CompleteMultipartUpload
// request carries. Part checksums are accepted and ignored: each part's
// was checked when it arrived.
type completeMultipartUpload struct {
	XMLName xml.Name `xml:"CompleteMultipartUpload"`
	Parts   []struct {
		PartNumber int
		ETag       string
	} `xml:"Part"`
}

type completeMultipartUploadResult struct {
	XMLName  xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CompleteMultipartUploadResult"`
	Location string
	Bucket   string
	Key      string
	ETag     string
}

func (h *Handler) completeMultipartUpload(q *request) error {
	up, err := uploadOf(q)
	if err != nil {
		return err
	}
	var doc completeMultipartUpload
	if err := readXMLBody(q, maxCompleteBody, &doc); err != nil {
		return err
	}
	if len(doc.Parts) == 0 {
		return malformedXML(errors.New("a CompleteMultipartUpload lists at least one part"))
	}
	inm := q.r.Header.Get("If-None-Match")
	if inm != "" && inm != "*" {
		return notImplemented("If-None-Match other than \"*\" on CompleteMultipartUpload")
	}
	ctx := q.r.Context()
	stored, err := q.ns.Parts(ctx, up.ID)
	if err != nil {
		return missing(q, err, noSuchUpload(up.ID))
	}
	byNumber := make(map[int]storage.Part, len(stored))
	for _, p := range stored {
		byNumber[p.Number] = p
	}
	for i, p := range doc.Parts {
		if i > 0 && p.PartNumber <= doc.Parts[i-1].PartNumber {
			return errorf("InvalidPartOrder", http.StatusBadRequest, "the list of parts was not in ascending order: part %d follows part %d; list each part once, in order of part number", p.PartNumber, doc.Parts[i-1].PartNumber)
		}
	}
	parts := make([]storage.Part, len(doc.Parts))
	for i, p := range doc.Parts {
		sp, ok := byNumber[p.PartNumber]
		if !ok {
			return invalidPart("part %d was not uploaded", p.PartNumber)
		}
		sum, err := hex.DecodeString(strings.Trim(strings.TrimSpace(p.ETag), `"`))
		if err != nil || len(sum) != len(sp.MD5) || string(sum) != string(sp.MD5[:]) {
			return invalidPart("part %d has the ETag %s, not %q", p.PartNumber, partETag(sp), p.ETag)
		}
		if i < len(doc.Parts)-1 && sp.Size < minPartSize {
			return errorf("EntityTooSmall", http.StatusBadRequest, "your proposed upload is smaller than the minimum allowed size: part %d has %d bytes, and every part but the last needs at least %d", p.PartNumber, sp.Size, minPartSize)
		}
		parts[i] = sp
	}
	info, err := q.ns.CompleteUpload(ctx, up.ID, parts, storage.PutOptions{IfMatch: q.r.Header.Get("If-Match"), IfNoneMatch: inm})
	switch {
	case storage.Is(storage.Invalid, err): // a part replaced since the check
		return invalidPart("%v", err)
	case err != nil:
		return missing(q, err, noSuchUpload(up.ID))
	}
	if b, err := bucketInfo(q); err == nil && versioning(b) == "Enabled" {
		q.w.Header().Set("X-Amz-Version-Id", versionID(info.VersionID))
	}
	scheme := "http"
	if q.r.TLS != nil {
		scheme = "https"
	}
	// The object's URL is the request's, path or virtual-host style.
	loc := url.URL{Scheme: scheme, Host: q.r.Host, Path: q.r.URL.Path}
	return writeXML(q, completeMultipartUploadResult{Location: loc.String(), Bucket: q.bucket, Key: q.key, ETag: info.ETag()})
}

func (h *Handler) abortMultipartUpload(q *request) error {
	up, err := uploadOf(q)
	if err != nil {
		return err
	}
	if err := q.ns.AbortUpload(q.r.Context(), up.ID); err != nil {
		return missing(q, err, noSuchUpload(up.ID))
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}
