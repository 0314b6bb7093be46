package s3_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"coffre/gateway/s3"
	"coffre/storage"
)

// signedDo sends a request signed with c's key (SigV4, payload hash
// in the header) and returns the answer with its body read.
func (s *server) signedDo(t *testing.T, c creds, method, path string, header http.Header, body []byte) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, s.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	sum := sha256.Sum256(body)
	hash := hex.EncodeToString(sum[:])
	req.Header.Set("X-Amz-Content-Sha256", hash)
	err = v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: c.Access, SecretAccessKey: c.Secret}, req, hash, "s3", "us-east-1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(data)
}

func bucketNamesOf(out *awss3.ListBucketsOutput) []string {
	var names []string
	for _, b := range out.Buckets {
		names = append(names, aws.ToString(b.Name))
	}
	return names
}

func TestListBuckets(t *testing.T) {
	s := newServer(t)
	admin := s.SDK(s.Admin)
	for _, b := range []string{"zeta", "alpha", "team"} {
		if _, err := admin.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatalf("CreateBucket %s: %v", b, err)
		}
	}
	if _, err := s.As(s.Admin).Mkdir(ctx, "/team/sub"); err != nil {
		t.Fatal(err)
	}
	out, err := admin.ListBuckets(ctx, &awss3.ListBucketsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(bucketNamesOf(out), " "); got != "alpha team zeta" {
		t.Fatalf("admin's buckets: %s", got)
	}
	if aws.ToString(out.Owner.ID) != s.Admin.Principal.UserID || aws.ToString(out.Owner.DisplayName) != "admin" {
		t.Fatalf("owner %+v", out.Owner)
	}
	for _, b := range out.Buckets {
		if time.Since(aws.ToTime(b.CreationDate)) > time.Minute {
			t.Fatalf("bucket %s created %v", aws.ToString(b.Name), b.CreationDate)
		}
	}
	// Paged: two, then the rest.
	page, err := admin.ListBuckets(ctx, &awss3.ListBucketsInput{MaxBuckets: aws.Int32(2)})
	if err != nil || strings.Join(bucketNamesOf(page), " ") != "alpha team" || page.ContinuationToken == nil {
		t.Fatalf("first page of 2: %v %v", bucketNamesOf(page), err)
	}
	page, err = admin.ListBuckets(ctx, &awss3.ListBucketsInput{MaxBuckets: aws.Int32(2), ContinuationToken: page.ContinuationToken})
	if err != nil || strings.Join(bucketNamesOf(page), " ") != "zeta" || page.ContinuationToken != nil {
		t.Fatalf("second page of 2: %v %v", bucketNamesOf(page), err)
	}

	// Bob sees nothing, then the bucket through which he reaches a grant.
	bob := s.SDK(s.User)
	out, err = bob.ListBuckets(ctx, &awss3.ListBucketsInput{})
	if err != nil || len(out.Buckets) != 0 {
		t.Fatalf("bob's buckets before any grant: %v %v", bucketNamesOf(out), err)
	}
	if aws.ToString(out.Owner.DisplayName) != "bob" {
		t.Fatalf("bob's owner %+v", out.Owner)
	}
	grantBob(t, s, "/team/sub", storage.Browse|storage.Read)
	out, err = bob.ListBuckets(ctx, &awss3.ListBucketsInput{})
	if err != nil || strings.Join(bucketNamesOf(out), " ") != "team" {
		t.Fatalf("bob's buckets with a grant on /team/sub: %v %v", bucketNamesOf(out), err)
	}

	// The document's namespace, as clients that check it expect.
	resp, body := s.signedDo(t, s.Admin, "GET", "/", nil, nil)
	if resp.StatusCode != 200 || !strings.Contains(body, `<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`) {
		t.Fatalf("ListBuckets: %d %s", resp.StatusCode, body)
	}
	if resp.Header.Get("X-Amz-Request-Id") == "" {
		t.Fatalf("no x-amz-request-id: %v", resp.Header)
	}
}

func TestCreateBucket(t *testing.T) {
	s := newServer(t)
	admin := s.SDK(s.Admin)
	if _, err := admin.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("photos")}); err != nil {
		t.Fatal(err)
	}
	info, err := s.As(s.Admin).Stat(ctx, "/photos")
	if err != nil || !info.Dir || info.Owner != s.Admin.Principal.UserID {
		t.Fatalf("the bucket's folder: %+v %v", info, err)
	}
	// A new bucket has never had versioning.
	if v := info.Meta["s3:versioning"]; v != "" {
		t.Fatalf("a new bucket's versioning is %q", v)
	}
	_, err = admin.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("photos")})
	if apiCode(err) != "BucketAlreadyOwnedByYou" || statusOf(err) != http.StatusConflict {
		t.Fatalf("CreateBucket again: %v", err)
	}

	// A location constraint is accepted; the answer names the bucket.
	resp, body := s.signedDo(t, s.Admin, "PUT", "/docs", nil,
		[]byte(`<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>`))
	if resp.StatusCode != 200 || resp.Header.Get("Location") != "/docs" {
		t.Fatalf("CreateBucket with a configuration: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	_, err = admin.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("euro"),
		CreateBucketConfiguration: &types.CreateBucketConfiguration{LocationConstraint: types.BucketLocationConstraintEuWest3}})
	if err != nil {
		t.Fatalf("CreateBucket with the SDK's configuration: %v", err)
	}
	for _, bad := range []string{"<CreateBucketConfiguration><Location", "<Other/>", "not xml"} {
		resp, body = s.signedDo(t, s.Admin, "PUT", "/broken", nil, []byte(bad))
		if resp.StatusCode != 400 || !strings.Contains(body, "<Code>MalformedXML</Code>") {
			t.Fatalf("CreateBucket with body %q: %d %s", bad, resp.StatusCode, body)
		}
	}
	if _, err := s.As(s.Admin).Stat(ctx, "/broken"); !storage.Is(storage.NotFound, err) {
		t.Fatalf("a refused CreateBucket made the folder: %v", err)
	}

	// Names S3 refuses.
	for _, name := range []string{"ab", strings.Repeat("a", 64), "Upper", "under_score", "-start", "end-", "two..dots",
		"192.168.5.4", "xn--punycode", "sthree-x", "name-s3alias", "name--ol-s3", "space name"} {
		_, err := admin.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String(name)})
		if apiCode(err) != "InvalidBucketName" {
			t.Errorf("CreateBucket %q: %v", name, err)
		}
	}
	for _, name := range []string{"abc", strings.Repeat("a", 63), "my.bucket-1", "1-2-3"} {
		if _, err := admin.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
			t.Errorf("CreateBucket %q: %v", name, err)
		}
	}

	// ACLs other than private and object lock are not silently dropped.
	_, err = admin.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("public"), ACL: types.BucketCannedACLPublicRead})
	if apiCode(err) != "NotImplemented" {
		t.Fatalf("CreateBucket public-read: %v", err)
	}
	_, err = admin.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("locked"), ObjectLockEnabledForBucket: aws.Bool(true)})
	if apiCode(err) != "NotImplemented" {
		t.Fatalf("CreateBucket with object lock: %v", err)
	}
	if _, err = admin.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("private"), ACL: types.BucketCannedACLPrivate}); err != nil {
		t.Fatalf("CreateBucket private: %v", err)
	}

	// Bob may not create roots; his answer does not say whether a name is taken.
	bob := s.SDK(s.User)
	for _, name := range []string{"bobs", "photos"} {
		_, err = bob.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String(name)})
		if apiCode(err) != "AccessDenied" {
			t.Fatalf("bob's CreateBucket %s without rights: %v", name, err)
		}
	}
	// With Write at the top, he may; a bucket he cannot see is someone else's.
	grantBob(t, s, "/", storage.Write)
	if _, err := bob.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("bobs")}); err != nil {
		t.Fatalf("bob's CreateBucket with Write on /: %v", err)
	}
	if _, err := bob.HeadBucket(ctx, &awss3.HeadBucketInput{Bucket: aws.String("bobs")}); err != nil {
		t.Fatalf("bob cannot see the bucket he created: %v", err)
	}
	_, err = bob.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("photos")})
	if apiCode(err) != "BucketAlreadyExists" || statusOf(err) != http.StatusConflict {
		t.Fatalf("bob's CreateBucket of the admin's bucket: %v", err)
	}
	_, err = bob.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("bobs")})
	if apiCode(err) != "BucketAlreadyOwnedByYou" {
		t.Fatalf("bob's CreateBucket of his bucket: %v", err)
	}
	// Without Write at the top, a bucket he may use is still his.
	grantBob(t, s, "/", 0)
	grantBob(t, s, "/photos", storage.Browse|storage.Read)
	_, err = bob.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("photos")})
	if apiCode(err) != "BucketAlreadyOwnedByYou" {
		t.Fatalf("bob's CreateBucket of a bucket granted to him: %v", err)
	}
}

func TestDeleteBucket(t *testing.T) {
	s := newServer(t)
	admin := s.SDK(s.Admin)
	ns := s.As(s.Admin)
	for _, b := range []string{"full", "empty", "hidden"} {
		if _, err := admin.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			t.Fatal(err)
		}
	}
	nsPut(t, ns, "/full/a.txt", "x")

	_, err := admin.DeleteBucket(ctx, &awss3.DeleteBucketInput{Bucket: aws.String("full")})
	if apiCode(err) != "BucketNotEmpty" || statusOf(err) != http.StatusConflict {
		t.Fatalf("DeleteBucket of a bucket with a key: %v", err)
	}
	// An empty folder is a key too.
	if err := ns.Delete(ctx, "/full/a.txt", storage.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := ns.Mkdir(ctx, "/full/dir"); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.DeleteBucket(ctx, &awss3.DeleteBucketInput{Bucket: aws.String("full")}); apiCode(err) != "BucketNotEmpty" {
		t.Fatalf("DeleteBucket of a bucket with an empty folder: %v", err)
	}

	resp, body := s.signedDo(t, s.Admin, "DELETE", "/empty", nil, nil)
	if resp.StatusCode != http.StatusNoContent || body != "" {
		t.Fatalf("DeleteBucket: %d %s", resp.StatusCode, body)
	}
	if _, err := ns.Stat(ctx, "/empty"); !storage.Is(storage.NotFound, err) {
		t.Fatalf("the deleted bucket: %v", err)
	}
	trash, err := ns.Trash(ctx, false)
	if err != nil || len(trash) != 2 || trash[1].Path != "/empty" && trash[0].Path != "/empty" {
		t.Fatalf("the admin's trash: %+v %v", trash, err)
	}
	_, err = admin.DeleteBucket(ctx, &awss3.DeleteBucketInput{Bucket: aws.String("empty")})
	if apiCode(err) != "NoSuchBucket" {
		t.Fatalf("DeleteBucket of a missing bucket: %v", err)
	}

	// Bob does not see the bucket: it does not exist for him.
	bob := s.SDK(s.User)
	if _, err := bob.DeleteBucket(ctx, &awss3.DeleteBucketInput{Bucket: aws.String("hidden")}); apiCode(err) != "NoSuchBucket" {
		t.Fatalf("bob's DeleteBucket of a bucket he cannot see: %v", err)
	}
	// Seeing it without the right to delete: AccessDenied, nothing moves.
	grantBob(t, s, "/hidden", storage.Browse|storage.Read)
	if _, err := bob.DeleteBucket(ctx, &awss3.DeleteBucketInput{Bucket: aws.String("hidden")}); apiCode(err) != "AccessDenied" {
		t.Fatalf("bob's DeleteBucket without Delete: %v", err)
	}
	// Content he may not list still makes the bucket not empty.
	nsPut(t, ns, "/hidden/secret.txt", "not for bob")
	grantBob(t, s, "/hidden", storage.Browse|storage.Delete)
	if _, err := bob.DeleteBucket(ctx, &awss3.DeleteBucketInput{Bucket: aws.String("hidden")}); apiCode(err) != "BucketNotEmpty" {
		t.Fatalf("bob's DeleteBucket of a bucket with files he cannot list: %v", err)
	}
	if _, err := ns.Stat(ctx, "/hidden/secret.txt"); err != nil {
		t.Fatalf("the file bob could not see: %v", err)
	}
}

func TestHeadBucket(t *testing.T) {
	s := newServer(t)
	admin := s.SDK(s.Admin)
	if _, err := admin.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("here")}); err != nil {
		t.Fatal(err)
	}
	out, err := admin.HeadBucket(ctx, &awss3.HeadBucketInput{Bucket: aws.String("here")})
	if err != nil || aws.ToString(out.BucketRegion) != "us-east-1" {
		t.Fatalf("HeadBucket: %+v %v", out, err)
	}
	for _, tc := range []struct {
		c      creds
		bucket string
	}{{s.Admin, "missing"}, {s.User, "here"}} {
		resp, body := s.signedDo(t, tc.c, "HEAD", "/"+tc.bucket, nil, nil)
		if resp.StatusCode != http.StatusNotFound || body != "" {
			t.Fatalf("HEAD /%s as %s: %d %q", tc.bucket, tc.c.Principal.Login, resp.StatusCode, body)
		}
	}
}

func TestGetBucketLocation(t *testing.T) {
	for _, tc := range []struct{ region, want string }{{"", ""}, {"us-east-1", ""}, {"eu-west-3", "eu-west-3"}} {
		s := newServerWith(t, func(o *s3.Options) { o.Region = tc.region })
		sdkRegion := tc.region
		if sdkRegion == "" {
			sdkRegion = "us-east-1"
		}
		admin := s.SDK(s.Admin, func(o *awss3.Options) { o.Region = sdkRegion })
		if _, err := admin.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("bk1")}); err != nil {
			t.Fatal(err)
		}
		out, err := admin.GetBucketLocation(ctx, &awss3.GetBucketLocationInput{Bucket: aws.String("bk1")})
		if err != nil || string(out.LocationConstraint) != tc.want {
			t.Fatalf("region %q: GetBucketLocation %q %v", tc.region, out.LocationConstraint, err)
		}
		_, err = admin.GetBucketLocation(ctx, &awss3.GetBucketLocationInput{Bucket: aws.String("bk2")})
		if apiCode(err) != "NoSuchBucket" {
			t.Fatalf("GetBucketLocation of a missing bucket: %v", err)
		}
	}
	s := newServer(t)
	resp, body := s.signedDo(t, s.Admin, "PUT", "/bk1", nil, nil)
	if resp.StatusCode != 200 {
		t.Fatal(resp.Status, body)
	}
	_, body = s.signedDo(t, s.Admin, "GET", "/bk1?location", nil, nil)
	if !strings.Contains(body, `<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></LocationConstraint>`) {
		t.Fatalf("GetBucketLocation document: %s", body)
	}
}

// nsPut writes a file through the namespace, creating the folders above it.
func nsPut(t testing.TB, ns storage.Namespace, path, content string) {
	t.Helper()
	names, err := storage.SplitPath(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(names); i++ {
		if _, err := ns.Mkdir(ctx, storage.JoinPath(names[:i]...)); err != nil && !storage.Is(storage.Exists, err) {
			t.Fatal(err)
		}
	}
	if _, err := ns.Put(ctx, path, strings.NewReader(content), storage.PutOptions{Size: int64(len(content))}); err != nil {
		t.Fatal(err)
	}
}

// statusOf is the HTTP status of an SDK error, 0 for none.
func statusOf(err error) int {
	var re interface{ HTTPStatusCode() int }
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// TestVirtualHostStyle: with a domain, "<bucket>.<domain>" addresses the
// bucket; path style keeps working beside it.
func TestVirtualHostStyle(t *testing.T) {
	s := newServerWith(t, func(o *s3.Options) { o.Domain = "s3.test" })
	u, err := url.Parse(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	// Every name resolves to the test server, as a wildcard DNS entry would.
	dialer := &net.Dialer{}
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return dialer.DialContext(ctx, network, u.Host)
	}}}
	vh := s.SDK(s.Admin, func(o *awss3.Options) {
		o.UsePathStyle = false
		o.BaseEndpoint = aws.String("http://s3.test:" + u.Port())
		o.HTTPClient = hc
	})
	if _, err := vh.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("vhost")}); err != nil {
		t.Fatalf("CreateBucket, virtual-host style: %v", err)
	}
	nsPut(t, s.As(s.Admin), "/vhost/dir/k.txt", "x")
	out, err := vh.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String("vhost"), Delimiter: aws.String("/")})
	if err != nil || len(out.CommonPrefixes) != 1 || aws.ToString(out.CommonPrefixes[0].Prefix) != "dir/" || aws.ToString(out.Name) != "vhost" {
		t.Fatalf("ListObjectsV2, virtual-host style: %+v %v", out, err)
	}
	if _, err := vh.HeadBucket(ctx, &awss3.HeadBucketInput{Bucket: aws.String("vhost")}); err != nil {
		t.Fatalf("HeadBucket, virtual-host style: %v", err)
	}
	if _, err := s.SDK(s.Admin).HeadBucket(ctx, &awss3.HeadBucketInput{Bucket: aws.String("vhost")}); err != nil {
		t.Fatalf("HeadBucket, path style beside a domain: %v", err)
	}
}
