package s3

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"unicode/utf8"

	"coffre/storage"
)

// Object tags are metadata "tag:<key>" of a version (see meta.go), written
// with ns.SetMeta so that tagging makes no new version; PutObject and
// CopyObject set them from the x-amz-tagging header.

// S3's limits on object tags.
const (
	maxTags        = 10
	maxTagKey      = 128 // Unicode characters
	maxTagValue    = 256
	maxTaggingBody = 64 << 10
)

type tag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

// taggingIn is a PutObjectTagging body, with or without the S3 namespace.
type taggingIn struct {
	XMLName xml.Name `xml:"Tagging"`
	TagSet  []tag    `xml:"TagSet>Tag"`
}

type taggingOut struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ Tagging"`
	TagSet  []tag    `xml:"TagSet>Tag"`
}

func invalidTag(format string, args ...any) *Error {
	return errorf("InvalidTag", http.StatusBadRequest, format, args...)
}

// checkTags validates a tag set against S3's limits and returns it as a
// map.
func checkTags(tags []tag) (map[string]string, error) {
	if len(tags) > maxTags {
		return nil, invalidTag("object tags cannot be more than %d", maxTags)
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		switch n := utf8.RuneCountInString(t.Key); {
		case !utf8.ValidString(t.Key) || !utf8.ValidString(t.Value):
			return nil, invalidTag("tag keys and values must be valid UTF-8")
		case n == 0 || n > maxTagKey:
			return nil, invalidTag("the tag key %q must have from 1 to %d characters", t.Key, maxTagKey)
		case utf8.RuneCountInString(t.Value) > maxTagValue:
			return nil, invalidTag("the value of the tag %q is longer than %d characters", t.Key, maxTagValue)
		case strings.HasPrefix(strings.ToLower(t.Key), "aws:"):
			return nil, invalidTag("the tag key %q cannot start with aws:, which is reserved", t.Key)
		}
		if _, dup := m[t.Key]; dup {
			return nil, invalidTag("cannot provide multiple tags with the same key %q", t.Key)
		}
		m[t.Key] = t.Value
	}
	return m, nil
}

// tagsFromHeader reads the x-amz-tagging header of PutObject and
// CopyObject, a URL query such as "k1=v1&k2=v2".
func tagsFromHeader(h http.Header) (map[string]string, error) {
	v := h.Get("X-Amz-Tagging")
	if v == "" {
		return nil, nil
	}
	vals, err := url.ParseQuery(v)
	if err != nil {
		return nil, invalidArgument("the x-amz-tagging header must be URL query encoded (k1=v1&k2=v2)")
	}
	var tags []tag
	for k, vs := range vals {
		for _, v := range vs {
			tags = append(tags, tag{k, v})
		}
	}
	return checkTags(tags)
}

// tagTarget is the version whose tags a tagging operation reads or sets.
type tagTarget struct {
	path    string
	info    storage.Info // the file's or folder's, with the version's metadata
	version uint64       // for SetMeta: the version described, 0 for a folder
}

// tagTargetOf finds the version a tagging request names.
func tagTargetOf(q *request) (tagTarget, error) {
	path, dir, err := q.objectPath()
	if err != nil {
		return tagTarget{}, err
	}
	vid, _, err := versionQuery(q)
	if err != nil {
		return tagTarget{}, err
	}
	notFound := noSuchKey(q.key)
	if vid != 0 {
		notFound = noSuchVersion(q.key, q.query.Get("versionId"))
	}
	info, err := statVersion(q, path, vid)
	if err != nil {
		return tagTarget{}, missing(q, err, notFound)
	}
	if info.Dir != dir || dir && vid != 0 {
		if _, err := bucketInfo(q); err != nil {
			return tagTarget{}, err
		}
		return tagTarget{}, notFound
	}
	t := tagTarget{path: path, info: info}
	if !dir {
		t.version = info.VersionID
	}
	return t, nil
}

// versionHeader answers the version a tagging request concerned, where
// version IDs are shown.
func versionHeader(q *request, t tagTarget) error {
	bucket, err := bucketInfo(q)
	if err != nil {
		return err
	}
	if !t.info.Dir && (versioning(bucket) != "" || q.query.Get("versionId") != "" && q.query.Get("versionId") != "null") {
		q.w.Header().Set("X-Amz-Version-Id", versionID(t.version))
	}
	return nil
}

func (h *Handler) getObjectTagging(q *request) error {
	t, err := tagTargetOf(q)
	if err != nil {
		return err
	}
	if err := versionHeader(q, t); err != nil {
		return err
	}
	tags := metaWith(t.info.Meta, metaTag)
	out := taggingOut{TagSet: []tag{}}
	for k, v := range tags {
		out.TagSet = append(out.TagSet, tag{k, v})
	}
	sort.Slice(out.TagSet, func(i, j int) bool { return out.TagSet[i].Key < out.TagSet[j].Key })
	return writeXML(q, out)
}

func (h *Handler) putObjectTagging(q *request) error {
	var in taggingIn
	if err := readXMLBody(q, maxTaggingBody, &in); err != nil {
		return err
	}
	tags, err := checkTags(in.TagSet)
	if err != nil {
		return err
	}
	return h.setTags(q, tags, http.StatusOK)
}

func (h *Handler) deleteObjectTagging(q *request) error {
	return h.setTags(q, nil, http.StatusNoContent)
}

// setTags replaces the tags of the version the request names.
func (h *Handler) setTags(q *request, tags map[string]string, status int) error {
	t, err := tagTargetOf(q)
	if err != nil {
		return err
	}
	if _, err := q.ns.SetMeta(q.r.Context(), t.path, t.version, withMeta(t.info.Meta, metaTag, tags)); err != nil {
		return missing(q, err, noSuchKey(q.key))
	}
	if err := versionHeader(q, t); err != nil {
		return err
	}
	q.w.WriteHeader(status)
	return nil
}
