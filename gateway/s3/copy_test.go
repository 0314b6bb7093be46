package s3_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/minio/minio-go/v7"

	"coffre/storage"
)

func TestCopyObject(t *testing.T) {
	s := newServer(t)
	objBucket(t, s, "src")
	objBucket(t, s, "dst")
	c := s.SDK(s.Admin)
	data := objData(1, 300<<10)
	_, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("src"), Key: aws.String("dir/orig é.bin"), Body: strings.NewReader(string(data)),
		ContentType: aws.String("application/x-test"), Metadata: map[string]string{"color": "red"}, Tagging: aws.String("t1=v1")})
	if err != nil {
		t.Fatal(err)
	}
	source := "src/" + url.PathEscape("dir/orig é.bin")
	// COPY (the default): content, metadata and tags follow.
	out, err := c.CopyObject(ctx, &awss3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("a/copy"), CopySource: aws.String(source)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.CopyObjectResult.ETag) != objETag(data) || out.CopyObjectResult.LastModified == nil || time.Since(*out.CopyObjectResult.LastModified) > time.Minute {
		t.Fatalf("result %+v", out.CopyObjectResult)
	}
	b, get := objGet(t, c, &awss3.GetObjectInput{Bucket: aws.String("dst"), Key: aws.String("a/copy")})
	if objSHA(b) != objSHA(data) || aws.ToString(get.ContentType) != "application/x-test" || get.Metadata["color"] != "red" || aws.ToInt32(get.TagCount) != 1 {
		t.Fatalf("copy: %d bytes, %q %v tags %d", len(b), aws.ToString(get.ContentType), get.Metadata, aws.ToInt32(get.TagCount))
	}
	// REPLACE: the request's metadata; tags kept unless their directive says so.
	_, err = c.CopyObject(ctx, &awss3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("replaced"), CopySource: aws.String("/" + source),
		MetadataDirective: types.MetadataDirectiveReplace, ContentType: aws.String("text/plain"), Metadata: map[string]string{"shape": "round"}})
	if err != nil {
		t.Fatal(err)
	}
	_, get = objGet(t, c, &awss3.GetObjectInput{Bucket: aws.String("dst"), Key: aws.String("replaced")})
	if aws.ToString(get.ContentType) != "text/plain" || get.Metadata["shape"] != "round" || get.Metadata["color"] != "" || aws.ToInt32(get.TagCount) != 1 {
		t.Fatalf("REPLACE: %q %v tags %d", aws.ToString(get.ContentType), get.Metadata, aws.ToInt32(get.TagCount))
	}
	_, err = c.CopyObject(ctx, &awss3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("retagged"), CopySource: aws.String(source),
		TaggingDirective: types.TaggingDirectiveReplace, Tagging: aws.String("a=1&b=2")})
	if err != nil {
		t.Fatal(err)
	}
	tags, err := c.GetObjectTagging(ctx, &awss3.GetObjectTaggingInput{Bucket: aws.String("dst"), Key: aws.String("retagged")})
	if err != nil || len(tags.TagSet) != 2 || aws.ToString(tags.TagSet[0].Key) != "a" {
		t.Fatalf("tagging REPLACE: %v %+v", err, tags)
	}
	_, get = objGet(t, c, &awss3.GetObjectInput{Bucket: aws.String("dst"), Key: aws.String("retagged")})
	if get.Metadata["color"] != "red" {
		t.Fatalf("tagging REPLACE dropped the metadata: %v", get.Metadata)
	}
	// minio-go copies too.
	_, err = s.Minio(t, s.Admin).CopyObject(ctx, minio.CopyDestOptions{Bucket: "dst", Object: "minio-copy"}, minio.CopySrcOptions{Bucket: "src", Object: "dir/orig é.bin"})
	if err != nil {
		t.Fatalf("minio CopyObject: %v", err)
	}
	if got, _ := objStored(t, s, "/dst/minio-copy"); objSHA(got) != objSHA(data) {
		t.Fatal("minio copy differs")
	}
}

func TestCopyObjectErrors(t *testing.T) {
	s, c, etag, mod := conditionalObject(t)
	past, future := mod.Add(-time.Hour), mod.Add(time.Hour)
	cp := func(key string, mod func(*awss3.CopyObjectInput)) error {
		in := &awss3.CopyObjectInput{Bucket: aws.String("bkt"), Key: aws.String(key), CopySource: aws.String("bkt/k")}
		if mod != nil {
			mod(in)
		}
		_, err := c.CopyObject(ctx, in)
		return err
	}
	for _, tc := range []struct {
		name string
		mod  func(*awss3.CopyObjectInput)
		ok   bool
	}{
		{"if-match", func(in *awss3.CopyObjectInput) { in.CopySourceIfMatch = &etag }, true},
		{"if-match wrong", func(in *awss3.CopyObjectInput) { in.CopySourceIfMatch = aws.String(`"0000"`) }, false},
		{"if-none-match", func(in *awss3.CopyObjectInput) { in.CopySourceIfNoneMatch = &etag }, false},
		{"if-none-match other", func(in *awss3.CopyObjectInput) { in.CopySourceIfNoneMatch = aws.String(`"0000"`) }, true},
		{"if-modified-since future", func(in *awss3.CopyObjectInput) { in.CopySourceIfModifiedSince = &future }, false},
		{"if-modified-since past", func(in *awss3.CopyObjectInput) { in.CopySourceIfModifiedSince = &past }, true},
		{"if-unmodified-since past", func(in *awss3.CopyObjectInput) { in.CopySourceIfUnmodifiedSince = &past }, false},
		{"if-match true, if-unmodified-since false", func(in *awss3.CopyObjectInput) {
			in.CopySourceIfMatch, in.CopySourceIfUnmodifiedSince = &etag, &past
		}, true},
		{"if-none-match false, if-modified-since true", func(in *awss3.CopyObjectInput) {
			in.CopySourceIfNoneMatch, in.CopySourceIfModifiedSince = &etag, &past
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := cp("cond", tc.mod)
			if tc.ok && err != nil || !tc.ok && (apiCode(err) != "PreconditionFailed" || objStatus(err) != http.StatusPreconditionFailed) {
				t.Fatalf("copy: %v", err)
			}
		})
	}
	for _, tc := range []struct{ name, source, code string }{
		{"missing key", "bkt/nope", "NoSuchKey"},
		{"missing bucket", "nobucket/k", "NoSuchBucket"},
		{"no key", "bkt", "InvalidArgument"},
		{"bad version", "bkt/k?versionId=zz", "InvalidArgument"},
		{"unknown version", "bkt/k?versionId=424242", "NoSuchVersion"},
		{"bad key", "bkt/a//b", "InvalidObjectName"},
	} {
		if err := cp("x", func(in *awss3.CopyObjectInput) { in.CopySource = aws.String(tc.source) }); apiCode(err) != tc.code {
			t.Fatalf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
	// Onto itself without a change: refused, as S3 does; with REPLACE: a
	// new version with the new metadata.
	if err := cp("k", nil); apiCode(err) != "InvalidRequest" {
		t.Fatalf("self copy: %v", err)
	}
	if err := cp("k", func(in *awss3.CopyObjectInput) {
		in.MetadataDirective, in.Metadata = types.MetadataDirectiveReplace, map[string]string{"new": "yes"}
	}); err != nil {
		t.Fatalf("self copy with REPLACE: %v", err)
	}
	if _, info := objStored(t, s, "/bkt/k"); info.Meta["x-amz-meta-new"] != "yes" || info.Versions != 2 {
		t.Fatalf("after self copy: %v, %d versions", info.Meta, info.Versions)
	}
	if err := cp("x", func(in *awss3.CopyObjectInput) { in.MetadataDirective = "MOVE" }); apiCode(err) != "InvalidArgument" {
		t.Fatalf("unknown directive: %v", err)
	}
	// Onto a folder.
	objPut(t, c, "bkt", "dir/f", []byte("x"))
	if err := cp("dir", nil); apiCode(err) != "KeyConflict" {
		t.Fatalf("copy onto a folder: %v", err)
	}
	if err := cp("newdir/", nil); apiCode(err) != "InvalidRequest" {
		t.Fatalf("copy of a file onto a folder key: %v", err)
	}
	// A folder marker copied onto a folder key is a folder.
	out, err := c.CopyObject(ctx, &awss3.CopyObjectInput{Bucket: aws.String("bkt"), Key: aws.String("copied/dir/"), CopySource: aws.String("bkt/dir/")})
	if err != nil || aws.ToString(out.CopyObjectResult.ETag) != `"d41d8cd98f00b204e9800998ecf8427e"` {
		t.Fatalf("folder copy: %v %+v", err, out)
	}
	if info, err := s.As(s.Admin).Stat(ctx, "/bkt/copied/dir"); err != nil || !info.Dir {
		t.Fatalf("copied folder: %v", err)
	}
	if err := cp("file", func(in *awss3.CopyObjectInput) { in.CopySource = aws.String("bkt/dir/") }); apiCode(err) != "InvalidRequest" {
		t.Fatalf("copy of a folder onto a file key: %v", err)
	}
}

func TestCopyVersion(t *testing.T) {
	s := newServer(t)
	objBucket(t, s, "ver")
	objVersioned(t, s, "ver")
	c := s.SDK(s.Admin)
	v1 := aws.ToString(objPut(t, c, "ver", "k", []byte("one")).VersionId)
	objPut(t, c, "ver", "k", []byte("two"))
	out, err := c.CopyObject(ctx, &awss3.CopyObjectInput{Bucket: aws.String("ver"), Key: aws.String("old"), CopySource: aws.String("ver/k?versionId=" + v1)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.CopySourceVersionId) != v1 || out.VersionId == nil || aws.ToString(out.CopyObjectResult.ETag) != objETag([]byte("one")) {
		t.Fatalf("%+v", out)
	}
	if b, _ := objGet(t, c, &awss3.GetObjectInput{Bucket: aws.String("ver"), Key: aws.String("old")}); string(b) != "one" {
		t.Fatalf("copied %q", b)
	}
	// An old version copied onto its own key restores it, as a new version.
	if _, err := c.CopyObject(ctx, &awss3.CopyObjectInput{Bucket: aws.String("ver"), Key: aws.String("k"), CopySource: aws.String("ver/k?versionId=" + v1)}); err != nil {
		t.Fatal(err)
	}
	if b, _ := objGet(t, c, &awss3.GetObjectInput{Bucket: aws.String("ver"), Key: aws.String("k")}); string(b) != "one" || objVersions(t, s, "/ver/k") != 3 {
		t.Fatalf("restored %q", b)
	}
}

// TestCopyRights: the namespace decides; the source needs Download, the
// target Write.
func TestCopyRights(t *testing.T) {
	s := newServer(t)
	objBucket(t, s, "src")
	objBucket(t, s, "dst")
	objPut(t, s.SDK(s.Admin), "src", "k", []byte("secret"))
	objGrantBob(t, s, "dst", storage.Browse|storage.Read|storage.Write)
	bob := s.SDK(s.User)
	cp := func() error {
		_, err := bob.CopyObject(ctx, &awss3.CopyObjectInput{Bucket: aws.String("dst"), Key: aws.String("k"), CopySource: aws.String("src/k")})
		return err
	}
	if err := cp(); apiCode(err) != "NoSuchBucket" {
		t.Fatalf("copy from a bucket bob cannot see: %v", err)
	}
	objGrantBob(t, s, "src", storage.Browse|storage.Read)
	if err := cp(); apiCode(err) != "AccessDenied" {
		t.Fatalf("copy without download: %v", err)
	}
	objGrantBob(t, s, "src", storage.Browse|storage.Read|storage.Download)
	if err := cp(); err != nil {
		t.Fatalf("copy with download: %v", err)
	}
	// A second copy is an overwrite, which needs Edit.
	if err := cp(); apiCode(err) != "AccessDenied" {
		t.Fatalf("overwrite without edit: %v", err)
	}
}
