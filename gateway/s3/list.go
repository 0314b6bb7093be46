package s3

import (
	"bufio"
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"

	"coffre/storage"
)

// ListObjects (V1) and ListObjectsV2 list a bucket's keys in S3 byte order
// (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html).
//
// The objects of a bucket are its files and its empty folders, the latter
// as keys ending in "/" of size 0. A prefix holding a "/" is a folder to
// descend to (prefix "a/b/x" lists folder a/b with the namespace prefix
// "x"), so a listing reads only the part of the tree it answers. With the
// delimiter "/", one namespace listing in key order (ListOptions.KeyOrder)
// gives the page: a sub-folder is the common prefix "a/b/x…/". Without a
// delimiter, a recursive listing gives the keys below; another delimiter is
// grouped here from the recursive listing. One namespace call per page,
// except where other delimiters group many keys.

// emptyETag is the ETag of empty content, that of a folder's key.
const emptyETag = `"d41d8cd98f00b204e9800998ecf8427e"`

// maxListKeys is the most keys one listing answers.
const maxListKeys = 1000

// listQuery is what a listing asks for.
type listQuery struct {
	prefix, delimiter string
	after             string // keys strictly after this one
	max               int
}

// listEntry is one key or common prefix of a listing.
type listEntry struct {
	key    string
	info   storage.Info
	common bool // a CommonPrefix, not an object
}

// listKeys returns the entries of one page and whether more follow.
func (h *Handler) listKeys(q *request, l listQuery) ([]listEntry, bool, error) {
	// dir is the folder part of the prefix, rest the part matched against
	// names in it.
	dir, rest := "", l.prefix
	if i := strings.LastIndexByte(l.prefix, '/'); i >= 0 {
		dir, rest = l.prefix[:i+1], l.prefix[i+1:]
	}
	folder := q.bucketPath()
	if dir != "" {
		p, _, err := objectPath(q.bucket, dir)
		if err != nil { // no key can start with it
			return nil, false, h.noKeys(q)
		}
		folder = p
	}
	// after, relative to the folder.
	rel := ""
	switch {
	case l.after < dir:
	case strings.HasPrefix(l.after, dir):
		rel = l.after[len(dir):]
	default: // after every key starting with dir
		return nil, false, h.noKeys(q)
	}
	if l.max == 0 {
		return nil, false, h.noKeys(q)
	}
	s := &lister{q: q, l: l, dir: dir, folder: folder, last: l.after}
	var err error
	if l.delimiter == "/" {
		err = s.delimited(rest, rel)
	} else {
		err = s.recursive(rest, rel)
	}
	if storage.Is(storage.NotFound, err) || storage.Is(storage.Conflict, err) {
		// The folder is absent, or a file: no keys, if the bucket exists.
		return nil, false, h.noKeys(q)
	}
	if err != nil {
		return nil, false, err
	}
	// A folder named by the prefix and holding nothing is itself a key.
	if len(s.out) == 0 && dir != "" && rest == "" && l.after < dir {
		info, err := q.ns.Stat(q.r.Context(), folder)
		if err == nil && info.Dir {
			s.out = append(s.out, listEntry{key: dir, info: info})
		}
	}
	return s.out, s.more, nil
}

// noKeys is the answer of a listing that finds nothing: none, or
// NoSuchBucket.
func (h *Handler) noKeys(q *request) error {
	_, err := bucketInfo(q)
	return err
}

// lister collects one page.
type lister struct {
	q      *request
	l      listQuery
	dir    string // the key prefix of the listed folder's children
	folder string // its namespace path
	out    []listEntry
	more   bool
	last   string // the last common prefix answered (or the start key)
}

// full reports whether the page holds all it may.
func (s *lister) full() bool { return len(s.out) >= s.l.max }

// delimited lists the folder's children in key order: files are keys,
// folders common prefixes.
func (s *lister) delimited(prefix, after string) error {
	ctx := s.q.r.Context()
	// A start key inside a sub-folder ("x/y"): the rest of that sub-folder
	// rolls up into its common prefix, which the namespace's listing after
	// "x/y" does not hold.
	if seg, sub, ok := strings.Cut(after, "/"); ok && sub != "" && strings.HasPrefix(seg, prefix) {
		page, err := s.q.ns.List(ctx, s.folder+"/"+seg, storage.ListOptions{Recursive: true, After: sub, Limit: 1})
		switch {
		case err == nil && len(page.Items) > 0:
			s.out = append(s.out, listEntry{key: s.dir + seg + "/", common: true})
		case err != nil && !storage.Is(storage.NotFound, err) && !storage.Is(storage.Invalid, err) && !storage.Is(storage.Conflict, err):
			return err
		}
	}
	opt := storage.ListOptions{KeyOrder: true, Prefix: prefix, After: after}
	for {
		opt.Limit = s.l.max - len(s.out)
		if opt.Limit == 0 { // full already: does anything follow?
			opt.Limit = 1
			page, err := s.q.ns.List(ctx, s.folder, opt)
			s.more = err == nil && len(page.Items) > 0
			return err
		}
		page, err := s.q.ns.List(ctx, s.folder, opt)
		if err != nil {
			return err
		}
		for _, it := range page.Items {
			if it.Dir {
				s.out = append(s.out, listEntry{key: s.dir + it.Name + "/", info: it, common: true})
			} else {
				s.out = append(s.out, listEntry{key: s.dir + it.Name, info: it})
			}
		}
		if page.Next == "" {
			return nil
		}
		if s.full() {
			s.more = true
			return nil
		}
		opt.After = page.Next
	}
}

// recursive lists every key below the folder, grouped by a delimiter
// other than "/".
func (s *lister) recursive(prefix, after string) error {
	ctx := s.q.r.Context()
	d := s.l.delimiter
	opt := storage.ListOptions{Recursive: true, Prefix: prefix, After: after}
	for {
		opt.Limit = maxListKeys
		if d == "" {
			opt.Limit = s.l.max - len(s.out)
		}
		page, err := s.q.ns.List(ctx, s.folder, opt)
		if err != nil {
			return err
		}
		for _, it := range page.Items {
			e := listEntry{key: s.dir + it.Name, info: it}
			if d != "" {
				if i := strings.Index(e.key[len(s.l.prefix):], d); i >= 0 {
					e.key, e.common = e.key[:len(s.l.prefix)+i+len(d)], true
					if e.key == s.last {
						continue // the rest of a common prefix answered
					}
					s.last = e.key
				}
			}
			if s.full() {
				s.more = true
				return nil
			}
			s.out = append(s.out, e)
		}
		if page.Next == "" {
			return nil
		}
		if d == "" && s.full() {
			s.more = true
			return nil
		}
		opt.After = page.Next
	}
}

// listParams reads the max-keys and encoding-type that every key listing takes.
func listParams(q *request) (max int, enc string, err error) {
	if max, err = parseMaxKeys(q); err != nil {
		return 0, "", err
	}
	enc, err = parseEncoding(q)
	return max, enc, err
}

// parseMaxKeys reads max-keys: 1000 by default and at most.
func parseMaxKeys(q *request) (int, error) {
	v, ok := q.query["max-keys"]
	if !ok || v[0] == "" {
		return maxListKeys, nil
	}
	n, err := strconv.Atoi(v[0])
	if err != nil {
		return 0, invalidArgument("max-keys %q is not an integer", v[0])
	}
	if n < 0 {
		return 0, invalidArgument("max-keys must not be negative")
	}
	return min(n, maxListKeys), nil
}

// parseEncoding reads encoding-type: "" or "url".
func parseEncoding(q *request) (string, error) {
	switch e := q.query.Get("encoding-type"); e {
	case "", "url":
		return e, nil
	default:
		return "", invalidArgument("invalid encoding method specified in request: %q (only url is)", e)
	}
}

// encoder encodes keys as the encoding-type asks: "url" escapes all but
// unreserved characters and "/", as AWS does.
type encoder string

func (e encoder) enc(s string) string {
	if e != "url" {
		return s
	}
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.~/", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// commonPrefix is a CommonPrefixes element, for the listings that use
// encoding/xml (uploads, versions).
type commonPrefix struct {
	Prefix string
}

// listWriter writes a listing document. Its shape is fixed here: element
// names are constants and every value goes through xml.EscapeText, so it
// escapes nothing by hand; it replaces xml.Encoder's reflection, which
// took 2.1 ms per 1000 keys against 0.3 ms (a third of the listing target).
type listWriter struct {
	w   *bufio.Writer
	buf []byte
	enc encoder
}

func newListWriter(q *request, enc encoder) *listWriter {
	q.w.Header().Set("Content-Type", "application/xml")
	q.w.WriteHeader(http.StatusOK)
	x := &listWriter{w: bufio.NewWriterSize(q.w, 32<<10), enc: enc}
	x.w.WriteString(xml.Header)
	x.w.WriteString(`<ListBucketResult xmlns="` + s3NS + `">`)
	return x
}

func (x *listWriter) start(name string) {
	x.w.WriteByte('<')
	x.w.WriteString(name)
	x.w.WriteByte('>')
}

func (x *listWriter) end(name string) {
	x.w.WriteString("</")
	x.w.WriteString(name)
	x.w.WriteByte('>')
}

// text writes an element holding v.
func (x *listWriter) text(name, v string) {
	x.start(name)
	x.buf = append(x.buf[:0], v...)
	xml.EscapeText(x.w, x.buf) // a write error stays in x.w until finish
	x.end(name)
}

// key writes an element holding a key, encoded as encoding-type asks.
func (x *listWriter) key(name, k string) { x.text(name, x.enc.enc(k)) }

func (x *listWriter) int(name string, n int64) { x.text(name, strconv.FormatInt(n, 10)) }

func (x *listWriter) bool(name string, b bool) { x.text(name, strconv.FormatBool(b)) }

// entries writes the Contents, then the CommonPrefixes.
func (x *listWriter) entries(entries []listEntry, withOwner bool) {
	for _, en := range entries {
		if en.common {
			continue
		}
		etag, size := en.info.ETag(), en.info.Size
		if en.info.Dir {
			etag, size = emptyETag, 0
		}
		x.start("Contents")
		x.key("Key", en.key)
		x.text("LastModified", formatXMLTime(en.info.ModTime))
		x.text("ETag", etag)
		x.int("Size", size)
		if withOwner {
			x.start("Owner")
			x.text("ID", en.info.Owner)
			x.text("DisplayName", en.info.Author)
			x.end("Owner")
		}
		x.text("StorageClass", "STANDARD")
		x.end("Contents")
	}
	for _, en := range entries {
		if en.common {
			x.start("CommonPrefixes")
			x.key("Prefix", en.key)
			x.end("CommonPrefixes")
		}
	}
}

// finish closes the document and sends what remains.
func (x *listWriter) finish() error {
	x.end("ListBucketResult")
	return x.w.Flush()
}

// listObjects answers ListObjects (V1). NextMarker is answered whenever the
// listing is truncated, with or without a delimiter.
func (h *Handler) listObjects(q *request) error {
	max, enc, err := listParams(q)
	if err != nil {
		return err
	}
	l := listQuery{prefix: q.query.Get("prefix"), delimiter: q.query.Get("delimiter"), after: q.query.Get("marker"), max: max}
	entries, more, err := h.listKeys(q, l)
	if err != nil {
		return err
	}
	x := newListWriter(q, encoder(enc))
	x.text("Name", q.bucket)
	x.key("Prefix", l.prefix)
	x.key("Marker", l.after)
	if more && len(entries) > 0 {
		x.key("NextMarker", entries[len(entries)-1].key)
	}
	x.int("MaxKeys", int64(max))
	if l.delimiter != "" {
		x.key("Delimiter", l.delimiter)
	}
	if enc != "" {
		x.text("EncodingType", enc)
	}
	x.bool("IsTruncated", more)
	x.entries(entries, true)
	return x.finish()
}

// listObjectsV2 answers ListObjectsV2. The continuation token is the last
// key or common prefix answered, base64url-encoded.
func (h *Handler) listObjectsV2(q *request) error {
	max, enc, err := listParams(q)
	if err != nil {
		return err
	}
	startAfter := q.query.Get("start-after")
	l := listQuery{prefix: q.query.Get("prefix"), delimiter: q.query.Get("delimiter"), after: startAfter, max: max}
	token := q.query.Get("continuation-token")
	if token != "" {
		k, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil || len(k) == 0 {
			return invalidArgument("the continuation token provided is incorrect")
		}
		l.after = string(k)
	}
	entries, more, err := h.listKeys(q, l)
	if err != nil {
		return err
	}
	x := newListWriter(q, encoder(enc))
	x.text("Name", q.bucket)
	x.key("Prefix", l.prefix)
	if l.delimiter != "" {
		x.key("Delimiter", l.delimiter)
	}
	x.int("MaxKeys", int64(max))
	if enc != "" {
		x.text("EncodingType", enc)
	}
	x.int("KeyCount", int64(len(entries)))
	x.bool("IsTruncated", more)
	if token != "" {
		x.text("ContinuationToken", token)
	}
	if more && len(entries) > 0 {
		x.text("NextContinuationToken", base64.RawURLEncoding.EncodeToString([]byte(entries[len(entries)-1].key)))
	}
	if startAfter != "" {
		x.key("StartAfter", startAfter)
	}
	x.entries(entries, q.query.Get("fetch-owner") == "true")
	return x.finish()
}
