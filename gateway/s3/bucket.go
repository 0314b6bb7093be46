package s3

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"

	"coffre/storage"
)

// Buckets are the root folders of the tree: ListBuckets lists those the
// caller reaches anything through, CreateBucket makes one (the namespace
// decides who may: Write on "/", or an administrator), DeleteBucket moves an
// empty one to the caller's trash.

// s3NS is the XML namespace of S3 result documents.
const s3NS = "http://s3.amazonaws.com/doc/2006-03-01/"

// owner is the Owner element of listings.
type owner struct {
	ID          string
	DisplayName string
}

type bucketEntry struct {
	Name         string
	CreationDate string
}

type listAllMyBucketsResult struct {
	XMLName           xml.Name      `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ListAllMyBucketsResult"`
	Owner             owner         `xml:"Owner"`
	Buckets           []bucketEntry `xml:"Buckets>Bucket"`
	ContinuationToken string        `xml:",omitempty"`
	Prefix            string        `xml:",omitempty"`
}

// listBuckets answers the caller's visible root folders, in name order.
// The optional max-buckets, continuation-token and prefix parameters page
// and filter them as AWS does.
func (h *Handler) listBuckets(q *request) error {
	prefix := q.query.Get("prefix")
	limit := 0 // all of them
	if s, ok := q.query["max-buckets"]; ok {
		n, err := strconv.Atoi(s[0])
		if err != nil || n < 1 || n > 10000 {
			return invalidArgument("max-buckets must be an integer from 1 to 10000")
		}
		limit = n
	}
	after := ""
	if t := q.query.Get("continuation-token"); t != "" {
		b, err := base64.RawURLEncoding.DecodeString(t)
		if err != nil || len(b) == 0 {
			return invalidArgument("the continuation token provided is incorrect")
		}
		after = string(b)
	}
	res := listAllMyBucketsResult{Owner: owner{ID: q.p.UserID, DisplayName: q.p.Login}, Buckets: []bucketEntry{}, Prefix: prefix}
	for {
		want := 1000
		if limit > 0 {
			want = min(want, limit-len(res.Buckets))
		}
		page, err := q.ns.List(q.r.Context(), "/", storage.ListOptions{After: after, Limit: want, Prefix: prefix})
		if err != nil {
			return err
		}
		for _, it := range page.Items {
			if it.Dir {
				res.Buckets = append(res.Buckets, bucketEntry{Name: it.Name, CreationDate: formatXMLTime(it.Created)})
			}
		}
		after = page.Next
		if after == "" {
			break
		}
		if limit > 0 && len(res.Buckets) >= limit {
			res.ContinuationToken = base64.RawURLEncoding.EncodeToString([]byte(after))
			break
		}
	}
	return writeXML(q, res)
}

// createBucketConfiguration is CreateBucket's optional body. The location
// constraint is accepted and ignored: there is one region.
type createBucketConfiguration struct {
	XMLName            xml.Name `xml:"CreateBucketConfiguration"`
	LocationConstraint string   `xml:"LocationConstraint"`
}

// maxBucketConfig bounds CreateBucket's body.
const maxBucketConfig = 64 << 10

func (h *Handler) createBucket(q *request) error {
	if err := checkBucketName(q.bucket); err != nil {
		return err
	}
	if err := checkCreateBucketHeaders(q.r.Header); err != nil {
		return err
	}
	data, err := io.ReadAll(io.LimitReader(q.body, maxBucketConfig+1))
	if err != nil {
		return err
	}
	if len(data) > maxBucketConfig {
		return errorf("MaxMessageLengthExceeded", http.StatusBadRequest, "the XML body is larger than %d bytes", maxBucketConfig)
	}
	if len(bytes.TrimSpace(data)) > 0 {
		var c createBucketConfiguration
		if err := xml.Unmarshal(data, &c); err != nil {
			return malformedXML(err)
		}
	}
	// A bucket the caller sees already is theirs to use: say so before
	// asking for a right they need only to create one.
	if err := h.bucketTaken(q); err != nil {
		return err
	}
	if _, err := q.ns.Mkdir(q.r.Context(), q.bucketPath()); err != nil {
		if storage.Is(storage.Exists, err) {
			if err := h.bucketTaken(q); err != nil {
				return err
			}
			return errorf("BucketAlreadyExists", http.StatusConflict, "the bucket %q exists already and belongs to someone else; choose another name", q.bucket)
		}
		return err
	}
	q.w.Header().Set("Location", q.bucketPath())
	q.w.WriteHeader(http.StatusOK)
	return nil
}

// bucketTaken returns BucketAlreadyOwnedByYou when the caller sees a root
// folder of that name, BucketAlreadyExists when it is a file.
func (h *Handler) bucketTaken(q *request) error {
	info, err := q.ns.Stat(q.r.Context(), q.bucketPath())
	switch {
	case storage.Is(storage.NotFound, err):
		return nil
	case err != nil:
		return err
	case !info.Dir:
		return errorf("BucketAlreadyExists", http.StatusConflict, "the name %q is taken by a file at the top of the tree", q.bucket)
	}
	return errorf("BucketAlreadyOwnedByYou", http.StatusConflict, "the bucket %q exists already and you may use it", q.bucket)
}

// checkCreateBucketHeaders refuses what CreateBucket would otherwise
// silently not do: ACLs other than private, and object lock.
func checkCreateBucketHeaders(hd http.Header) error {
	if acl := hd.Get("X-Amz-Acl"); acl != "" && acl != "private" {
		return notImplemented("the canned ACL " + strconv.Quote(acl) + " (buckets are private; rights are granted to users and groups)")
	}
	for k := range hd {
		if strings.HasPrefix(strings.ToLower(k), "x-amz-grant-") {
			return notImplemented("ACL grants (" + k + ")")
		}
	}
	if strings.EqualFold(hd.Get("X-Amz-Bucket-Object-Lock-Enabled"), "true") {
		return notImplemented("object lock")
	}
	return nil
}

// checkBucketName applies the rules of S3 general purpose bucket names
// (https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html).
// Root folders made through other protocols may have other names; they stay
// reachable in path style.
func checkBucketName(name string) error {
	bad := func(why string) error {
		return errorf("InvalidBucketName", http.StatusBadRequest, "the bucket name %q is not valid: %s", name, why)
	}
	if len(name) < 3 || len(name) > 63 {
		return bad("it must be 3 to 63 characters long")
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return bad("only lowercase letters, digits, dots and hyphens are allowed")
		}
	}
	alnum := func(c byte) bool { return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' }
	if !alnum(name[0]) || !alnum(name[len(name)-1]) {
		return bad("it must begin and end with a letter or a digit")
	}
	if strings.Contains(name, "..") {
		return bad("it must not hold two adjacent dots")
	}
	if ip := net.ParseIP(name); ip != nil && ip.To4() != nil {
		return bad("it must not look like an IP address")
	}
	for _, p := range []string{"xn--", "sthree-", "amzn-s3-demo-"} {
		if strings.HasPrefix(name, p) {
			return bad("it must not begin with " + strconv.Quote(p))
		}
	}
	for _, s := range []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"} {
		if strings.HasSuffix(name, s) {
			return bad("it must not end with " + strconv.Quote(s))
		}
	}
	return nil
}

// deleteBucket moves an empty bucket to the caller's trash.
func (h *Handler) deleteBucket(q *request) error {
	if _, err := bucketInfo(q); err != nil {
		return err
	}
	// What the caller sees, and the bytes below, which count what they may
	// not see.
	page, err := q.ns.List(q.r.Context(), q.bucketPath(), storage.ListOptions{Limit: 1})
	if err != nil {
		return err
	}
	u, err := q.ns.Usage(q.r.Context(), q.bucketPath())
	if err != nil {
		return err
	}
	if len(page.Items) > 0 || u.Bytes > 0 {
		return errorf("BucketNotEmpty", http.StatusConflict, "the bucket %q is not empty: delete what it holds first", q.bucket)
	}
	if err := q.ns.Delete(q.r.Context(), q.bucketPath(), storage.DeleteOptions{}); err != nil {
		if storage.Is(storage.NotFound, err) {
			return noSuchBucket(q.bucket)
		}
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

// headBucket answers 200 for a bucket the caller sees; errors carry no body.
func (h *Handler) headBucket(q *request) error {
	if _, err := bucketInfo(q); err != nil {
		return err
	}
	q.w.Header().Set("X-Amz-Bucket-Region", h.region())
	q.w.WriteHeader(http.StatusOK)
	return nil
}

// region is the region buckets live in.
func (h *Handler) region() string {
	if h.opts.Region == "" {
		return "us-east-1"
	}
	return h.opts.Region
}

type locationConstraint struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ LocationConstraint"`
	Region  string   `xml:",chardata"`
}

// getBucketLocation answers the region, empty for us-east-1 as AWS does.
func (h *Handler) getBucketLocation(q *request) error {
	if _, err := bucketInfo(q); err != nil {
		return err
	}
	r := h.region()
	if r == "us-east-1" {
		r = ""
	}
	return writeXML(q, locationConstraint{Region: r})
}
