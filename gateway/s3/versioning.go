package s3

import (
	"encoding/xml"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strings"

	"coffre/storage"
)

// Bucket versioning (https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html).
// Every overwrite is a version in the namespace, whatever the bucket's S3
// status; the status, kept in the bucket root folder's metadata
// (metaVersioning), decides what S3 shows: where versioning was never
// enabled, an object has one version, "null" (the current one); once it
// was (Enabled or Suspended), its versions with their IDs. A DeleteObject
// moves the file to the deleter's trash, which S3 shows as a delete marker
// over the versions it holds (markers.go).

type versioningConfiguration struct {
	XMLName   xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ VersioningConfiguration"`
	Status    string   `xml:",omitempty"`
	MfaDelete string   `xml:"MfaDelete,omitempty"`
}

// versioningRequest is the document PutBucketVersioning reads, in any
// namespace.
type versioningRequest struct {
	XMLName   xml.Name `xml:"VersioningConfiguration"`
	Status    string
	MfaDelete string
}

const maxVersioningBody = 4 << 10

func (h *Handler) getBucketVersioning(q *request) error {
	b, err := bucketInfo(q)
	if err != nil {
		return err
	}
	return writeXML(q, versioningConfiguration{Status: versioning(b)})
}

func (h *Handler) putBucketVersioning(q *request) error {
	if _, err := bucketInfo(q); err != nil {
		return err
	}
	var c versioningRequest
	if err := readXMLBody(q, maxVersioningBody, &c); err != nil {
		return err
	}
	switch c.MfaDelete {
	case "", "Disabled":
	case "Enabled":
		return notImplemented("MFA delete")
	default:
		return malformedXML(errors.New("MfaDelete must be Enabled or Disabled"))
	}
	switch c.Status {
	case "": // no change
	case "Enabled", "Suspended":
		if err := setBucketMeta(q, metaVersioning, c.Status); err != nil {
			return err
		}
	default:
		return errorf("IllegalVersioningConfigurationException", http.StatusBadRequest, "the versioning status must be Enabled or Suspended, not %q", c.Status)
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}

type listVersionsResult struct {
	XMLName             xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListVersionsResult"`
	Name                string
	Prefix              string
	KeyMarker           string
	VersionIDMarker     string `xml:"VersionIdMarker"`
	NextKeyMarker       string `xml:",omitempty"`
	NextVersionIDMarker string `xml:"NextVersionIdMarker,omitempty"`
	MaxKeys             int
	Delimiter           string `xml:",omitempty"`
	EncodingType        string `xml:",omitempty"`
	IsTruncated         bool
	Versions            []objectVersion `xml:"Version"`
	DeleteMarkers       []deleteMarker  `xml:"DeleteMarker"`
	CommonPrefixes      []commonPrefix
}

type deleteMarker struct {
	Key          string
	VersionID    string `xml:"VersionId"`
	IsLatest     bool
	LastModified string
	Owner        owner
}

type objectVersion struct {
	Key          string
	VersionID    string `xml:"VersionId"`
	IsLatest     bool
	LastModified string
	ETag         string
	Size         int64
	Owner        owner
	StorageClass string
}

// versionLister collects one page of ListObjectVersions.
type versionLister struct {
	q       *request
	enc     encoder
	all     bool // the bucket's versions, not only the current ones as "null"
	max     int
	res     *listVersionsResult
	n       int // entries answered
	lastKey string
	lastVID string
}

// add answers the versions of one key, newest first, those after skip
// (a version ID, 0 for all); false when the page is full.
func (l *versionLister) add(key string, info storage.Info, skip uint64) (bool, error) {
	if info.Dir || !l.all {
		if skip != 0 {
			return true, nil
		}
		v := storage.Version{ID: 0, Size: info.Size, MD5: info.MD5, ModTime: info.ModTime, Author: info.Author, Parts: info.Parts}
		return l.put(key, info, v, true), nil
	}
	path, _, err := objectPath(l.q.bucket, key)
	if err != nil {
		return false, err
	}
	versions, err := l.q.ns.Versions(l.q.r.Context(), path)
	if storage.Is(storage.NotFound, err) { // deleted meanwhile
		return true, nil
	}
	if err != nil {
		return false, err
	}
	skipping := skip != 0
	for i, v := range versions {
		if skipping {
			skipping = v.ID != skip
			continue
		}
		if !l.put(key, info, v, i == 0) {
			return false, nil
		}
	}
	return true, nil
}

// put answers one version; false when the page is full.
func (l *versionLister) put(key string, info storage.Info, v storage.Version, latest bool) bool {
	if l.n == l.max {
		l.res.IsTruncated = true
		return false
	}
	l.n++
	vid := "null"
	if l.all && !info.Dir {
		vid = versionID(v.ID)
	}
	ov := objectVersion{
		Key: l.enc.enc(key), VersionID: vid, IsLatest: latest,
		LastModified: formatXMLTime(v.ModTime), ETag: v.ETag(), Size: v.Size,
		Owner: owner{ID: info.Owner, DisplayName: v.Author}, StorageClass: "STANDARD",
	}
	if info.Dir {
		ov.ETag, ov.Size = emptyETag, 0
	}
	l.res.Versions = append(l.res.Versions, ov)
	l.lastKey, l.lastVID = key, vid
	return true
}

// listObjectVersions lists keys as ListObjects does (listKeys: prefix,
// delimiter, S3 key order), each with its versions newest first. A page
// of max-keys entries may end inside a key's versions: the next resumes
// from key-marker and version-id-marker.
func (h *Handler) listObjectVersions(q *request) error {
	max, enc, err := listParams(q)
	if err != nil {
		return err
	}
	b, err := bucketInfo(q)
	if err != nil {
		return err
	}
	prefix, delimiter := q.query.Get("prefix"), q.query.Get("delimiter")
	keyMarker, vidMarker := q.query.Get("key-marker"), q.query.Get("version-id-marker")
	if vidMarker != "" && keyMarker == "" {
		return invalidArgument("a version-id-marker cannot be specified without a key-marker")
	}
	skip, err := parseVersionID(vidMarker)
	if err != nil {
		return err
	}
	e := encoder(enc)
	res := &listVersionsResult{
		Name: q.bucket, Prefix: e.enc(prefix), KeyMarker: e.enc(keyMarker), VersionIDMarker: vidMarker,
		MaxKeys: max, Delimiter: e.enc(delimiter), EncodingType: enc,
	}
	l := &versionLister{q: q, enc: e, all: versioning(b) != "", max: max, res: res}
	ctx := q.r.Context()
	after := keyMarker
	if skip != 0 { // the rest of key-marker's versions first
		if path, dir, err := objectPath(q.bucket, keyMarker); err == nil && !dir {
			info, err := q.ns.Stat(ctx, path)
			if err == nil && !info.Dir {
				if _, err := l.add(keyMarker, info, skip); err != nil {
					return err
				}
			} else if err != nil && !storage.Is(storage.NotFound, err) {
				return err
			}
		}
	}
	for !res.IsTruncated {
		// Each key answers at least one entry: ask for no more keys than
		// the page has room for, plus one to learn whether more follow.
		entries, more, err := h.listKeys(q, listQuery{prefix: prefix, delimiter: delimiter, after: after, max: max - l.n + 1})
		if err != nil {
			return err
		}
		for _, en := range entries {
			if en.common {
				if l.n == max {
					res.IsTruncated = true
					break
				}
				l.n++
				res.CommonPrefixes = append(res.CommonPrefixes, commonPrefix{Prefix: e.enc(en.key)})
				l.lastKey, l.lastVID = en.key, ""
			} else if ok, err := l.add(en.key, en.info, 0); err != nil {
				return err
			} else if !ok {
				break
			}
			after = en.key
		}
		if !more || len(entries) == 0 {
			break
		}
	}
	if res.IsTruncated {
		res.NextKeyMarker, res.NextVersionIDMarker = e.enc(l.lastKey), l.lastVID
	}
	if l.all {
		upper := ""
		if res.IsTruncated {
			upper = l.lastKey
		}
		if err := l.addDeleted(prefix, delimiter, keyMarker, upper); err != nil {
			return err
		}
	}
	return writeXML(q, res)
}

// addDeleted answers the deleted keys of the page's key range (after,
// upper] (upper "" for no bound): each delete marker, newest first, with
// the versions under it; with a delimiter, a deleted key below a prefix
// answers that prefix. They come on top of max-keys, in the page whose
// range holds their key.
func (l *versionLister) addDeleted(prefix, delimiter, after, upper string) error {
	deleted, err := deletedKeys(l.q)
	if err != nil {
		return err
	}
	keys := make([]string, 0, len(deleted))
	for k := range deleted {
		if strings.HasPrefix(k, prefix) && k > after && (upper == "" || k <= upper) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	prefixes := map[string]bool{}
	for _, cp := range l.res.CommonPrefixes {
		prefixes[cp.Prefix] = true
	}
	ctx := l.q.r.Context()
	for _, key := range keys {
		if delimiter != "" {
			if i := strings.Index(key[len(prefix):], delimiter); i >= 0 {
				cp := l.enc.enc(key[:len(prefix)+i+len(delimiter)])
				if !prefixes[cp] {
					prefixes[cp] = true
					l.res.CommonPrefixes = append(l.res.CommonPrefixes, commonPrefix{Prefix: cp})
				}
				continue
			}
		}
		_, err := l.q.ns.Stat(ctx, "/"+l.q.bucket+"/"+key)
		live := err == nil
		for i, it := range deleted[key] {
			l.res.DeleteMarkers = append(l.res.DeleteMarkers, deleteMarker{
				Key: l.enc.enc(key), VersionID: markerID(it.ID), IsLatest: !live && i == 0,
				LastModified: formatXMLTime(it.Deleted), Owner: owner{ID: it.DeletedBy},
			})
			vs, err := l.q.ns.TrashVersions(ctx, it.ID)
			if storage.Is(storage.NotFound, err) {
				continue // purged meanwhile
			}
			if err != nil {
				return err
			}
			for _, v := range vs {
				l.res.Versions = append(l.res.Versions, objectVersion{
					Key: l.enc.enc(key), VersionID: versionID(v.ID), LastModified: formatXMLTime(v.ModTime),
					ETag: v.ETag(), Size: v.Size, Owner: owner{ID: it.DeletedBy, DisplayName: v.Author}, StorageClass: "STANDARD",
				})
			}
		}
	}
	return nil
}

// setBucketMeta replaces one key of the bucket root folder's metadata
// ("" deletes it), keeping the others (versioning, CORS). The namespace
// offers no compare-and-swap, so two concurrent changes of different
// keys of one bucket may lose one; these are rare administrative calls.
func setBucketMeta(q *request, key, value string) error {
	b, err := bucketInfo(q)
	if err != nil {
		return err
	}
	if b.Meta[key] == value {
		return nil
	}
	m := maps.Clone(b.Meta)
	if m == nil {
		m = map[string]string{}
	}
	if value == "" {
		delete(m, key)
	} else {
		m[key] = value
	}
	size := 0
	for k, v := range m {
		size += len(k) + len(v)
	}
	if size > storage.MaxMeta {
		return entityTooLarge("the bucket's settings would take %d bytes, more than the %d it may store", size, storage.MaxMeta)
	}
	_, err = q.ns.SetMeta(q.r.Context(), q.bucketPath(), 0, m)
	return missing(q, err, noSuchBucket(q.bucket))
}
