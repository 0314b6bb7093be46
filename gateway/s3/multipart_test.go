package s3_test

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/minio/minio-go/v7"

	"coffre/storage"
)

const mib = 1 << 20

// mpBucket makes a bucket (a root folder) behind S3's back, so that these
// tests depend on no other operation.
func mpBucket(t testing.TB, s *server, name string) {
	t.Helper()
	if _, err := s.As(s.Admin).Mkdir(ctx, "/"+name); err != nil {
		t.Fatal(err)
	}
}

// mpData is n deterministic pseudo-random bytes.
func mpData(seed uint64, n int) []byte {
	b := make([]byte, n)
	rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)}).Read(b)
	return b
}

func quotedMD5(b []byte) string {
	sum := md5.Sum(b)
	return `"` + hex.EncodeToString(sum[:]) + `"`
}

// multipartETag is S3's ETag of an object made of parts.
func multipartETag(parts ...[]byte) string {
	var sums []byte
	for _, p := range parts {
		s := md5.Sum(p)
		sums = append(sums, s[:]...)
	}
	all := md5.Sum(sums)
	return fmt.Sprintf(`"%s-%d"`, hex.EncodeToString(all[:]), len(parts))
}

// nsSHA256 is the SHA-256 of a file's content as the namespace reads it,
// and its Info.
func nsSHA256(t testing.TB, ns storage.Namespace, path string) (string, storage.Info) {
	t.Helper()
	obj, err := ns.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(obj, 0, obj.Info().Size)); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil)), obj.Info()
}

func sha256Hex(parts ...[]byte) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func createUpload(t testing.TB, c *awss3.Client, bucket, key string) string {
	t.Helper()
	out, err := c.CreateMultipartUpload(ctx, &awss3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("CreateMultipartUpload %s: %v", key, err)
	}
	return aws.ToString(out.UploadId)
}

func uploadPart(c *awss3.Client, bucket, key, id string, n int32, data []byte) (string, error) {
	out, err := c.UploadPart(ctx, &awss3.UploadPartInput{
		Bucket: aws.String(bucket), Key: aws.String(key), UploadId: aws.String(id),
		PartNumber: aws.Int32(n), Body: bytes.NewReader(data),
	})
	if err != nil {
		return "", err
	}
	return aws.ToString(out.ETag), nil
}

func mustUploadPart(t testing.TB, c *awss3.Client, bucket, key, id string, n int32, data []byte) string {
	t.Helper()
	etag, err := uploadPart(c, bucket, key, id, n, data)
	if err != nil {
		t.Fatalf("UploadPart %d: %v", n, err)
	}
	if etag != quotedMD5(data) {
		t.Fatalf("UploadPart %d: ETag %s, want %s", n, etag, quotedMD5(data))
	}
	return etag
}

func completed(parts ...any) *types.CompletedMultipartUpload {
	out := &types.CompletedMultipartUpload{}
	for i := 0; i < len(parts); i += 2 {
		out.Parts = append(out.Parts, types.CompletedPart{PartNumber: aws.Int32(int32(parts[i].(int))), ETag: aws.String(parts[i+1].(string))})
	}
	return out
}

func complete(c *awss3.Client, bucket, key, id string, parts *types.CompletedMultipartUpload) (*awss3.CompleteMultipartUploadOutput, error) {
	return c.CompleteMultipartUpload(ctx, &awss3.CompleteMultipartUploadInput{
		Bucket: aws.String(bucket), Key: aws.String(key), UploadId: aws.String(id), MultipartUpload: parts,
	})
}

// TestMultipartUpload: parts of 5 MiB, 5 MiB and 1 byte, the last first
// and the others concurrently, one of them replaced; the object is their
// concatenation, with S3's multipart ETag and the upload's metadata.
func TestMultipartUpload(t *testing.T) {
	s := newServer(t)
	mpBucket(t, s, "mp")
	c := s.SDK(s.Admin)
	key := "dir/sub/big file.bin"
	out, err := c.CreateMultipartUpload(ctx, &awss3.CreateMultipartUploadInput{
		Bucket: aws.String("mp"), Key: aws.String(key),
		ContentType: aws.String("application/x-test"), Metadata: map[string]string{"color": "blue"},
		Tagging: aws.String("project=coffre&stage=test"),
	})
	if err != nil {
		t.Fatal(err)
	}
	id := aws.ToString(out.UploadId)
	if aws.ToString(out.Bucket) != "mp" || aws.ToString(out.Key) != key || id == "" {
		t.Fatalf("CreateMultipartUpload answered %+v", out)
	}
	if out.AbortDate == nil || out.AbortDate.Sub(time.Now().Add(7*24*time.Hour)).Abs() > time.Minute {
		t.Fatalf("the abort date is %v, not in 7 days", out.AbortDate)
	}
	p1, p2, p3 := mpData(1, 5*mib), mpData(2, 5*mib), []byte{'!'}
	mustUploadPart(t, c, "mp", key, id, 3, p3)
	mustUploadPart(t, c, "mp", key, id, 2, mpData(99, 5*mib)) // replaced below
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, p := range [][]byte{p1, p2} {
		wg.Go(func() {
			etag, err := uploadPart(c, "mp", key, id, int32(i+1), p)
			if err == nil && etag != quotedMD5(p) {
				err = fmt.Errorf("ETag %s, want %s", etag, quotedMD5(p))
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("concurrent UploadPart %d: %v", i+1, err)
		}
	}
	lp, err := c.ListParts(ctx, &awss3.ListPartsInput{Bucket: aws.String("mp"), Key: aws.String(key), UploadId: aws.String(id)})
	if err != nil {
		t.Fatal(err)
	}
	if len(lp.Parts) != 3 || aws.ToBool(lp.IsTruncated) || lp.StorageClass != types.StorageClassStandard || aws.ToString(lp.Initiator.DisplayName) != "admin" {
		t.Fatalf("ListParts: %+v", lp)
	}
	for i, want := range [][]byte{p1, p2, p3} {
		got := lp.Parts[i]
		if aws.ToInt32(got.PartNumber) != int32(i+1) || aws.ToInt64(got.Size) != int64(len(want)) || aws.ToString(got.ETag) != quotedMD5(want) || got.LastModified == nil {
			t.Errorf("ListParts part %d: number %d size %d ETag %s", i+1, aws.ToInt32(got.PartNumber), aws.ToInt64(got.Size), aws.ToString(got.ETag))
		}
	}
	// Nothing is visible under the key before completion.
	if _, err := s.As(s.Admin).Stat(ctx, "/mp/"+key); !storage.Is(storage.NotFound, err) {
		t.Fatalf("the key exists before completion: %v", err)
	}
	done, err := complete(c, "mp", key, id, completed(1, quotedMD5(p1), 2, quotedMD5(p2), 3, quotedMD5(p3)))
	if err != nil {
		t.Fatal(err)
	}
	want := multipartETag(p1, p2, p3)
	if aws.ToString(done.ETag) != want || !strings.HasSuffix(aws.ToString(done.ETag), `-3"`) {
		t.Fatalf("CompleteMultipartUpload ETag %s, want %s", aws.ToString(done.ETag), want)
	}
	if aws.ToString(done.Key) != key || aws.ToString(done.Bucket) != "mp" || !strings.HasSuffix(aws.ToString(done.Location), "/mp/dir/sub/big%20file.bin") {
		t.Fatalf("CompleteMultipartUpload answered %+v", done)
	}
	sum, info := nsSHA256(t, s.As(s.Admin), "/mp/"+key)
	if sum != sha256Hex(p1, p2, p3) || info.Size != 10*mib+1 || info.ETag() != want {
		t.Fatalf("the object: sha256 %s size %d ETag %s; want %s %d %s", sum, info.Size, info.ETag(), sha256Hex(p1, p2, p3), 10*mib+1, want)
	}
	if info.Meta["content-type"] != "application/x-test" || info.Meta["x-amz-meta-color"] != "blue" || info.Meta["tag:project"] != "coffre" || info.Meta["tag:stage"] != "test" {
		t.Fatalf("the object's metadata: %v", info.Meta)
	}
	// The upload is gone.
	ups, err := c.ListMultipartUploads(ctx, &awss3.ListMultipartUploadsInput{Bucket: aws.String("mp")})
	if err != nil || len(ups.Uploads) != 0 {
		t.Fatalf("ListMultipartUploads after completion: %v %+v", err, ups)
	}
	if _, err := complete(c, "mp", key, id, completed(1, quotedMD5(p1))); apiCode(err) != "NoSuchUpload" {
		t.Fatalf("a second completion: %v", err)
	}
}

// TestMultipartDeclaredLarge: the issue's "5 GiB-declared multipart with
// small parts". S3 forbids non-final parts under 5 MiB, so an upload is
// declared by its parts: two of 5 MiB and a small last one complete; a part
// declaring more than 5 GiB is refused before a byte of it is read.
func TestMultipartDeclaredLarge(t *testing.T) {
	s := newServer(t)
	mpBucket(t, s, "big")
	c := s.SDK(s.Admin)
	id := createUpload(t, c, "big", "k")

	// A part whose Content-Length says 5 GiB + 1.
	body := &countingReader{left: 5<<30 + 1}
	req, err := http.NewRequest(http.MethodPut, s.URL+"/big/k?partNumber=1&uploadId="+id, body)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = 5<<30 + 1
	req.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
	err = v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: s.Admin.Access, SecretAccessKey: s.Admin.Secret}, req, "UNSIGNED-PAYLOAD", "s3", "us-east-1", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("PUT of a 5 GiB + 1 part: %v (after %d bytes)", err, body.read())
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(msg), "<Code>EntityTooLarge</Code>") {
		t.Fatalf("PUT of a 5 GiB + 1 part: %d %s", resp.StatusCode, msg)
	}
	if n := body.read(); n > 64*mib {
		t.Fatalf("the server read %d bytes of a part it refuses", n)
	}

	p1, p2, p3 := mpData(11, 5*mib), mpData(12, 5*mib), mpData(13, 1000)
	mustUploadPart(t, c, "big", "k", id, 1, p1)
	mustUploadPart(t, c, "big", "k", id, 2, p2)
	mustUploadPart(t, c, "big", "k", id, 3, p3)
	lp, err := c.ListParts(ctx, &awss3.ListPartsInput{Bucket: aws.String("big"), Key: aws.String("k"), UploadId: aws.String(id)})
	if err != nil || len(lp.Parts) != 3 || aws.ToInt64(lp.Parts[2].Size) != 1000 {
		t.Fatalf("ListParts: %v %+v", err, lp)
	}
	done, err := complete(c, "big", "k", id, completed(1, quotedMD5(p1), 2, quotedMD5(p2), 3, quotedMD5(p3)))
	if err != nil || aws.ToString(done.ETag) != multipartETag(p1, p2, p3) {
		t.Fatalf("CompleteMultipartUpload: %v %+v", err, done)
	}
	if sum, _ := nsSHA256(t, s.As(s.Admin), "/big/k"); sum != sha256Hex(p1, p2, p3) {
		t.Fatal("the object is not the concatenation of its parts")
	}
}

// countingReader yields zeros and counts what it gave, concurrently
// readable by the test.
type countingReader struct {
	mu   sync.Mutex
	left int64
	n    int64
}

func (r *countingReader) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.left == 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), r.left)]
	clear(p)
	r.left -= int64(len(p))
	r.n += int64(len(p))
	return len(p), nil
}

func (r *countingReader) read() int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

// TestMultipartErrors: each invalid completion is refused with S3's code
// and loses nothing: the upload completes afterwards.
func TestMultipartErrors(t *testing.T) {
	s := newServer(t)
	mpBucket(t, s, "e")
	c := s.SDK(s.Admin)
	id := createUpload(t, c, "e", "obj")
	small, p1, last := mpData(21, 1024), mpData(22, 5*mib), mpData(23, 10)
	mustUploadPart(t, c, "e", "obj", id, 1, p1)
	mustUploadPart(t, c, "e", "obj", id, 2, small)
	mustUploadPart(t, c, "e", "obj", id, 3, last)

	for _, tc := range []struct {
		name  string
		parts *types.CompletedMultipartUpload
		code  string
	}{
		{"a part never uploaded", completed(1, quotedMD5(p1), 4, quotedMD5(last)), "InvalidPart"},
		{"a wrong ETag", completed(1, quotedMD5(p1), 3, quotedMD5(p1)), "InvalidPart"},
		{"a malformed ETag", completed(1, quotedMD5(p1), 3, `"xyz"`), "InvalidPart"},
		{"descending order", completed(3, quotedMD5(last), 1, quotedMD5(p1)), "InvalidPartOrder"},
		{"a part twice", completed(1, quotedMD5(p1), 1, quotedMD5(p1)), "InvalidPartOrder"},
		{"a small part before the last", completed(1, quotedMD5(p1), 2, quotedMD5(small), 3, quotedMD5(last)), "EntityTooSmall"},
		{"no part", &types.CompletedMultipartUpload{}, "MalformedXML"},
	} {
		if _, err := complete(c, "e", "obj", id, tc.parts); apiCode(err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
	for _, n := range []int32{0, 10001} {
		if _, err := uploadPart(c, "e", "obj", id, n, last); apiCode(err) != "InvalidArgument" {
			t.Errorf("UploadPart number %d: %v", n, err)
		}
	}
	// A part whose Content-MD5 does not match is refused, and the part of
	// that number stays as it was.
	_, err := c.UploadPart(ctx, &awss3.UploadPartInput{
		Bucket: aws.String("e"), Key: aws.String("obj"), UploadId: aws.String(id), PartNumber: aws.Int32(3),
		Body: bytes.NewReader([]byte("other content")), ContentMD5: aws.String(base64.StdEncoding.EncodeToString(make([]byte, 16))),
	})
	if apiCode(err) != "BadDigest" {
		t.Errorf("UploadPart with a wrong Content-MD5: %v", err)
	}
	_, err = c.UploadPart(ctx, &awss3.UploadPartInput{
		Bucket: aws.String("e"), Key: aws.String("obj"), UploadId: aws.String(id), PartNumber: aws.Int32(3),
		Body: bytes.NewReader([]byte("other content")), ContentMD5: aws.String("not base64!"),
	})
	if apiCode(err) != "InvalidDigest" {
		t.Errorf("UploadPart with a malformed Content-MD5: %v", err)
	}

	// Unknown uploads, and an upload named under another key.
	for _, tc := range []struct{ key, id string }{{"obj", "0123456789abcdef0123456789abcdef"}, {"obj", "nonsense"}, {"other", id}} {
		if _, err := uploadPart(c, "e", tc.key, tc.id, 1, last); apiCode(err) != "NoSuchUpload" {
			t.Errorf("UploadPart %s %s: %v", tc.key, tc.id, err)
		}
		if _, err := complete(c, "e", tc.key, tc.id, completed(1, quotedMD5(p1))); apiCode(err) != "NoSuchUpload" {
			t.Errorf("CompleteMultipartUpload %s %s: %v", tc.key, tc.id, err)
		}
		if _, err := c.ListParts(ctx, &awss3.ListPartsInput{Bucket: aws.String("e"), Key: aws.String(tc.key), UploadId: aws.String(tc.id)}); apiCode(err) != "NoSuchUpload" {
			t.Errorf("ListParts %s %s: %v", tc.key, tc.id, err)
		}
		if _, err := c.AbortMultipartUpload(ctx, &awss3.AbortMultipartUploadInput{Bucket: aws.String("e"), Key: aws.String(tc.key), UploadId: aws.String(tc.id)}); apiCode(err) != "NoSuchUpload" {
			t.Errorf("AbortMultipartUpload %s %s: %v", tc.key, tc.id, err)
		}
	}
	if _, err := c.CreateMultipartUpload(ctx, &awss3.CreateMultipartUploadInput{Bucket: aws.String("nobucket"), Key: aws.String("k")}); apiCode(err) != "NoSuchBucket" {
		t.Errorf("CreateMultipartUpload in a missing bucket: %v", err)
	}
	if _, err := uploadPart(c, "nobucket", "obj", id, 1, last); apiCode(err) != "NoSuchBucket" {
		t.Errorf("UploadPart in a missing bucket: %v", err)
	}

	// Another user with every right in the bucket does not see the upload.
	if err := s.As(s.Admin).SetGrant(ctx, "/e", storage.Subject{ID: s.User.Principal.UserID}, storage.AllRights); err != nil {
		t.Fatal(err)
	}
	if _, err := uploadPart(s.SDK(s.User), "e", "obj", id, 1, last); apiCode(err) != "NoSuchUpload" {
		t.Errorf("bob's UploadPart to admin's upload: %v", err)
	}

	// Nothing was lost: the upload completes with parts 1 and 3.
	done, err := complete(c, "e", "obj", id, completed(1, quotedMD5(p1), 3, quotedMD5(last)))
	if err != nil || aws.ToString(done.ETag) != multipartETag(p1, last) {
		t.Fatalf("completion after the errors: %v", err)
	}
	if sum, _ := nsSHA256(t, s.As(s.Admin), "/e/obj"); sum != sha256Hex(p1, last) {
		t.Fatal("the object is not parts 1 and 3")
	}
}

// TestMultipartConditionalComplete: If-None-Match "*" refuses to replace
// an existing key; If-Match needs the current ETag.
func TestMultipartConditionalComplete(t *testing.T) {
	s := newServer(t)
	mpBucket(t, s, "c")
	c := s.SDK(s.Admin)
	if _, err := s.As(s.Admin).Put(ctx, "/c/k", strings.NewReader("old"), storage.PutOptions{Size: 3}); err != nil {
		t.Fatal(err)
	}
	id := createUpload(t, c, "c", "k")
	p := []byte("new")
	mustUploadPart(t, c, "c", "k", id, 1, p)
	in := &awss3.CompleteMultipartUploadInput{Bucket: aws.String("c"), Key: aws.String("k"), UploadId: aws.String(id), MultipartUpload: completed(1, quotedMD5(p))}
	in.IfNoneMatch = aws.String("*")
	if _, err := c.CompleteMultipartUpload(ctx, in); apiCode(err) != "PreconditionFailed" {
		t.Fatalf("If-None-Match * on an existing key: %v", err)
	}
	in.IfNoneMatch, in.IfMatch = nil, aws.String(quotedMD5([]byte("other")))
	if _, err := c.CompleteMultipartUpload(ctx, in); apiCode(err) != "PreconditionFailed" {
		t.Fatalf("If-Match with another ETag: %v", err)
	}
	in.IfMatch = aws.String(quotedMD5([]byte("old")))
	if _, err := c.CompleteMultipartUpload(ctx, in); err != nil {
		t.Fatalf("If-Match with the current ETag: %v", err)
	}
	if sum, _ := nsSHA256(t, s.As(s.Admin), "/c/k"); sum != sha256Hex(p) {
		t.Fatal("the object is not the upload's")
	}
}

func TestAbortMultipartUpload(t *testing.T) {
	s := newServer(t)
	mpBucket(t, s, "a")
	c := s.SDK(s.Admin)
	id := createUpload(t, c, "a", "x/y")
	mustUploadPart(t, c, "a", "x/y", id, 1, mpData(31, 1000))
	if _, err := c.AbortMultipartUpload(ctx, &awss3.AbortMultipartUploadInput{Bucket: aws.String("a"), Key: aws.String("x/y"), UploadId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListParts(ctx, &awss3.ListPartsInput{Bucket: aws.String("a"), Key: aws.String("x/y"), UploadId: aws.String(id)}); apiCode(err) != "NoSuchUpload" {
		t.Fatalf("ListParts after abort: %v", err)
	}
	if _, err := c.AbortMultipartUpload(ctx, &awss3.AbortMultipartUploadInput{Bucket: aws.String("a"), Key: aws.String("x/y"), UploadId: aws.String(id)}); apiCode(err) != "NoSuchUpload" {
		t.Fatalf("a second abort: %v", err)
	}
	if _, err := s.As(s.Admin).Stat(ctx, "/a/x/y"); !storage.Is(storage.NotFound, err) {
		t.Fatalf("an aborted upload left a file: %v", err)
	}
	ups, err := s.As(s.Admin).Uploads(ctx, "/a")
	if err != nil || len(ups) != 0 {
		t.Fatalf("uploads after abort: %v %v", ups, err)
	}
}

// TestAbortedUploadStatus checks the raw answer: 204 and no body.
func TestAbortedUploadStatus(t *testing.T) {
	s := newServer(t)
	mpBucket(t, s, "a")
	c := s.SDK(s.Admin)
	id := createUpload(t, c, "a", "k")
	var status int
	_, err := c.AbortMultipartUpload(ctx, &awss3.AbortMultipartUploadInput{Bucket: aws.String("a"), Key: aws.String("k"), UploadId: aws.String(id)},
		func(o *awss3.Options) { o.HTTPClient = statusRecorder{&status} })
	if err != nil || status != http.StatusNoContent {
		t.Fatalf("AbortMultipartUpload: %v, status %d", err, status)
	}
}

// statusRecorder is an HTTP client that records the last status.
type statusRecorder struct{ status *int }

func (r statusRecorder) Do(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultClient.Do(req)
	if err == nil {
		*r.status = resp.StatusCode
	}
	return resp, err
}

func TestListParts(t *testing.T) {
	s := newServer(t)
	mpBucket(t, s, "l")
	c := s.SDK(s.Admin)
	id := createUpload(t, c, "l", "k")
	for _, n := range []int32{5, 1, 3} {
		mustUploadPart(t, c, "l", "k", id, n, mpData(uint64(n), int(n)))
	}
	in := &awss3.ListPartsInput{Bucket: aws.String("l"), Key: aws.String("k"), UploadId: aws.String(id), MaxParts: aws.Int32(2)}
	out, err := c.ListParts(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Parts) != 2 || aws.ToInt32(out.Parts[0].PartNumber) != 1 || aws.ToInt32(out.Parts[1].PartNumber) != 3 ||
		!aws.ToBool(out.IsTruncated) || aws.ToString(out.NextPartNumberMarker) != "3" || aws.ToInt32(out.MaxParts) != 2 {
		t.Fatalf("first page: %+v", out)
	}
	in.PartNumberMarker = out.NextPartNumberMarker
	out, err = c.ListParts(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Parts) != 1 || aws.ToInt32(out.Parts[0].PartNumber) != 5 || aws.ToInt64(out.Parts[0].Size) != 5 || aws.ToBool(out.IsTruncated) {
		t.Fatalf("second page: %+v", out)
	}
	in.MaxParts = aws.Int32(5000) // capped at 1000
	in.PartNumberMarker = nil
	out, err = c.ListParts(ctx, in)
	if err != nil || len(out.Parts) != 3 || aws.ToInt32(out.MaxParts) != 1000 {
		t.Fatalf("max-parts 5000: %v %+v", err, out)
	}
	in.MaxParts = aws.Int32(-1)
	if _, err := c.ListParts(ctx, in); apiCode(err) != "InvalidArgument" {
		t.Fatalf("max-parts -1: %v", err)
	}
}

func TestListMultipartUploads(t *testing.T) {
	s := newServer(t)
	mpBucket(t, s, "u")
	c := s.SDK(s.Admin)
	ids := map[string][]string{}
	for _, k := range []string{"b", "a/2", "c-d", "a/1", "b", "a-b"} {
		ids[k] = append(ids[k], createUpload(t, c, "u", k))
		time.Sleep(2 * time.Millisecond) // distinct initiation times
	}
	list := func(in awss3.ListMultipartUploadsInput) *awss3.ListMultipartUploadsOutput {
		t.Helper()
		in.Bucket = aws.String("u")
		out, err := c.ListMultipartUploads(ctx, &in)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	keys := func(out *awss3.ListMultipartUploadsOutput) string {
		var ks []string
		for _, u := range out.Uploads {
			ks = append(ks, aws.ToString(u.Key))
		}
		for _, p := range out.CommonPrefixes {
			ks = append(ks, "["+aws.ToString(p.Prefix)+"]")
		}
		return strings.Join(ks, " ")
	}
	out := list(awss3.ListMultipartUploadsInput{})
	if got := keys(out); got != "a-b a/1 a/2 b b c-d" {
		t.Fatalf("all uploads: %s", got)
	}
	if aws.ToString(out.Uploads[3].UploadId) != ids["b"][0] || aws.ToString(out.Uploads[4].UploadId) != ids["b"][1] {
		t.Fatal("the uploads of one key are not in initiation order")
	}
	u := out.Uploads[0]
	if aws.ToString(u.Initiator.DisplayName) != "admin" || u.StorageClass != types.StorageClassStandard || u.Initiated == nil || time.Since(*u.Initiated) > time.Minute {
		t.Fatalf("an upload: %+v", u)
	}
	if got := keys(list(awss3.ListMultipartUploadsInput{Delimiter: aws.String("/")})); got != "a-b b b c-d [a/]" {
		t.Fatalf("delimiter /: %s", got)
	}
	if got := keys(list(awss3.ListMultipartUploadsInput{Prefix: aws.String("a/")})); got != "a/1 a/2" {
		t.Fatalf("prefix a/: %s", got)
	}
	// Pages of two, through the markers, delimiter "/".
	var pages []string
	in := awss3.ListMultipartUploadsInput{MaxUploads: aws.Int32(2), Delimiter: aws.String("/")}
	for range 10 {
		out := list(in)
		pages = append(pages, keys(out))
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		in.KeyMarker, in.UploadIdMarker = out.NextKeyMarker, out.NextUploadIdMarker
	}
	if got := strings.Join(pages, " | "); got != "a-b [a/] | b b | c-d" {
		t.Fatalf("pages: %s", got)
	}
	// key-marker alone skips every upload of that key.
	if got := keys(list(awss3.ListMultipartUploadsInput{KeyMarker: aws.String("b")})); got != "c-d" {
		t.Fatalf("key-marker b: %s", got)
	}
	// Bob, with every right in the bucket, sees none of admin's uploads.
	if err := s.As(s.Admin).SetGrant(ctx, "/u", storage.Subject{ID: s.User.Principal.UserID}, storage.AllRights); err != nil {
		t.Fatal(err)
	}
	bob, err := s.SDK(s.User).ListMultipartUploads(ctx, &awss3.ListMultipartUploadsInput{Bucket: aws.String("u")})
	if err != nil || len(bob.Uploads) != 0 {
		t.Fatalf("bob's listing: %v %+v", err, bob)
	}
	if _, err := c.ListMultipartUploads(ctx, &awss3.ListMultipartUploadsInput{Bucket: aws.String("none")}); apiCode(err) != "NoSuchBucket" {
		t.Fatalf("missing bucket: %v", err)
	}
}

func TestUploadPartCopy(t *testing.T) {
	s := newServer(t)
	mpBucket(t, s, "src")
	mpBucket(t, s, "dst")
	ns := s.As(s.Admin)
	if _, err := ns.Mkdir(ctx, "/src/a b"); err != nil {
		t.Fatal(err)
	}
	old, src := mpData(41, 5*mib+17), mpData(42, 7*mib)
	for _, b := range [][]byte{old, src} {
		if _, err := ns.Put(ctx, "/src/a b/obj", bytes.NewReader(b), storage.PutOptions{Size: int64(len(b))}); err != nil {
			t.Fatal(err)
		}
	}
	versions, err := ns.Versions(ctx, "/src/a b/obj")
	if err != nil || len(versions) != 2 {
		t.Fatalf("versions: %v %v", versions, err)
	}
	c := s.SDK(s.Admin)
	id := createUpload(t, c, "dst", "copy")
	copyPart := func(n int32, source, rng string, mod func(*awss3.UploadPartCopyInput)) (*awss3.UploadPartCopyOutput, error) {
		in := &awss3.UploadPartCopyInput{Bucket: aws.String("dst"), Key: aws.String("copy"), UploadId: aws.String(id), PartNumber: aws.Int32(n), CopySource: aws.String(source)}
		if rng != "" {
			in.CopySourceRange = aws.String(rng)
		}
		if mod != nil {
			mod(in)
		}
		return c.UploadPartCopy(ctx, in)
	}
	out, err := copyPart(1, "src/a%20b/obj", "bytes=0-5242879", nil)
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.CopyPartResult.ETag) != quotedMD5(src[:5*mib]) || out.CopyPartResult.LastModified == nil {
		t.Fatalf("UploadPartCopy: %+v", out.CopyPartResult)
	}
	// The old version, by its ID, whole.
	oldID := fmt.Sprint(versions[1].ID)
	out, err = copyPart(2, "/src/a%20b/obj?versionId="+oldID, "", nil)
	if err != nil || aws.ToString(out.CopyPartResult.ETag) != quotedMD5(old) || aws.ToString(out.CopySourceVersionId) != oldID {
		t.Fatalf("UploadPartCopy of the old version: %v %+v", err, out)
	}
	tail := src[5*mib:]
	if _, err := copyPart(3, "src/a%20b/obj", fmt.Sprintf("bytes=%d-%d", 5*mib, len(src)-1), func(in *awss3.UploadPartCopyInput) {
		in.CopySourceIfMatch = aws.String(quotedMD5(src))
	}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, source, rng string
		mod               func(*awss3.UploadPartCopyInput)
		code              string
	}{
		{"range past the end", "src/a%20b/obj", fmt.Sprintf("bytes=0-%d", len(src)), nil, "InvalidArgument"},
		{"malformed range", "src/a%20b/obj", "bytes=5-", nil, "InvalidArgument"},
		{"reversed range", "src/a%20b/obj", "bytes=5-4", nil, "InvalidArgument"},
		{"missing key", "src/none", "", nil, "NoSuchKey"},
		{"missing bucket", "nobucket/k", "", nil, "NoSuchBucket"},
		{"missing version", "src/a%20b/obj?versionId=999999", "", nil, "NoSuchVersion"},
		{"no key", "src", "", nil, "InvalidArgument"},
		{"if-match fails", "src/a%20b/obj", "", func(in *awss3.UploadPartCopyInput) { in.CopySourceIfMatch = aws.String(quotedMD5(old)) }, "PreconditionFailed"},
		{"if-none-match fails", "src/a%20b/obj", "", func(in *awss3.UploadPartCopyInput) { in.CopySourceIfNoneMatch = aws.String(quotedMD5(src)) }, "PreconditionFailed"},
		{"if-modified-since fails", "src/a%20b/obj", "", func(in *awss3.UploadPartCopyInput) {
			in.CopySourceIfModifiedSince = aws.Time(time.Now().Add(time.Hour))
		}, "PreconditionFailed"},
		{"if-unmodified-since fails", "src/a%20b/obj", "", func(in *awss3.UploadPartCopyInput) {
			in.CopySourceIfUnmodifiedSince = aws.Time(time.Now().Add(-time.Hour))
		}, "PreconditionFailed"},
	} {
		if _, err := copyPart(4, tc.source, tc.rng, tc.mod); apiCode(err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
	// Bob may not read the source: no copy, even into his own upload.
	if err := ns.SetGrant(ctx, "/dst", storage.Subject{ID: s.User.Principal.UserID}, storage.AllRights); err != nil {
		t.Fatal(err)
	}
	bob := s.SDK(s.User)
	bid := createUpload(t, bob, "dst", "bobs")
	_, err = bob.UploadPartCopy(ctx, &awss3.UploadPartCopyInput{Bucket: aws.String("dst"), Key: aws.String("bobs"), UploadId: aws.String(bid), PartNumber: aws.Int32(1), CopySource: aws.String("src/a%20b/obj")})
	if code := apiCode(err); code != "NoSuchBucket" && code != "AccessDenied" {
		t.Fatalf("bob copies from a bucket he cannot see: %v", err)
	}

	if _, err := complete(c, "dst", "copy", id, completed(1, quotedMD5(src[:5*mib]), 2, quotedMD5(old), 3, quotedMD5(tail))); err != nil {
		t.Fatal(err)
	}
	if sum, _ := nsSHA256(t, ns, "/dst/copy"); sum != sha256Hex(src[:5*mib], old, tail) {
		t.Fatal("the copy is not the concatenation of the ranges")
	}
}

// TestUploadPartChecksum: a part's x-amz-checksum-* is verified, whether
// the SDK sends it as a header or a trailer.
func TestUploadPartChecksum(t *testing.T) {
	s := newServer(t)
	mpBucket(t, s, "k")
	c := s.SDK(s.Admin)
	id := createUpload(t, c, "k", "obj")
	data := mpData(51, 100_000)
	good := sha256.Sum256(data)
	bad := sha256.Sum256([]byte("something else"))
	in := &awss3.UploadPartInput{
		Bucket: aws.String("k"), Key: aws.String("obj"), UploadId: aws.String(id), PartNumber: aws.Int32(1),
		Body: bytes.NewReader(data), ChecksumSHA256: aws.String(base64.StdEncoding.EncodeToString(bad[:])),
	}
	if _, err := c.UploadPart(ctx, in); apiCode(err) != "BadDigest" {
		t.Fatalf("a wrong SHA-256: %v", err)
	}
	if parts, err := s.As(s.Admin).Parts(ctx, id); err != nil || len(parts) != 0 {
		t.Fatalf("a refused part was kept: %v %v", parts, err)
	}
	in.Body, in.ChecksumSHA256 = bytes.NewReader(data), aws.String(base64.StdEncoding.EncodeToString(good[:]))
	if _, err := c.UploadPart(ctx, in); err != nil {
		t.Fatalf("the right SHA-256: %v", err)
	}
	// As a header, with a signed payload.
	crc := make([]byte, 4)
	binary.BigEndian.PutUint32(crc, crc32.ChecksumIEEE(data))
	path := "/k/obj?partNumber=2&uploadId=" + id
	resp, body := signedRequest(t, s, s.Admin, http.MethodPut, path, http.Header{"X-Amz-Checksum-Crc32": {"AAAAAA=="}}, data)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "<Code>BadDigest</Code>") {
		t.Fatalf("a wrong x-amz-checksum-crc32 header: %d %s", resp.StatusCode, body)
	}
	resp, body = signedRequest(t, s, s.Admin, http.MethodPut, path, http.Header{"X-Amz-Checksum-Crc32": {"AAAA"}}, data)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "<Code>InvalidRequest</Code>") && !strings.Contains(body, "<Code>InvalidDigest</Code>") {
		t.Fatalf("a malformed x-amz-checksum-crc32 header: %d %s", resp.StatusCode, body)
	}
	sum := base64.StdEncoding.EncodeToString(crc)
	resp, body = signedRequest(t, s, s.Admin, http.MethodPut, path, http.Header{"X-Amz-Checksum-Crc32": {sum}}, data)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Amz-Checksum-Crc32") != sum || resp.Header.Get("ETag") != quotedMD5(data) {
		t.Fatalf("the right x-amz-checksum-crc32 header: %d %v %s", resp.StatusCode, resp.Header, body)
	}
	if parts, err := s.As(s.Admin).Parts(ctx, id); err != nil || len(parts) != 2 {
		t.Fatalf("parts: %v %v", parts, err)
	}
}

// TestTamperedPartStoresNothing: a part whose body is not the signed
// payload hash is refused and not kept, small or streamed.
func TestTamperedPartStoresNothing(t *testing.T) {
	s := newServer(t)
	mpBucket(t, s, "k")
	id := createUpload(t, s.SDK(s.Admin), "k", "obj")
	for i, n := range []int{100, 300 << 10} {
		path := fmt.Sprintf("/k/obj?partNumber=%d&uploadId=%s", i+1, id)
		st, _, body := rawDo(t, rawRequest(t, s, s.Admin, "PUT", path, mpData(1, n), objSHA(mpData(2, n)), nil))
		wantS3Error(t, st, body, http.StatusBadRequest, "XAmzContentSHA256Mismatch")
	}
	if parts, err := s.As(s.Admin).Parts(ctx, id); err != nil || len(parts) != 0 {
		t.Fatalf("a tampered part was kept: %v %v", parts, err)
	}
}

// TestMinioMultipart: minio-go's PutObject of a 70 MiB stream of unknown
// length, which it sends as 16 MiB parts.
func TestMinioMultipart(t *testing.T) {
	if testing.Short() {
		t.Skip("70 MiB")
	}
	s := newServer(t)
	mpBucket(t, s, "mmm")
	const size = 70 * mib
	h := sha256.New()
	r := io.TeeReader(io.LimitReader(rand.NewChaCha8([32]byte{7}), size), h)
	info, err := s.Minio(t, s.Admin).PutObject(ctx, "mmm", "seventy", r, -1, minio.PutObjectOptions{PartSize: 16 * mib, ContentType: "application/octet-stream"})
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != size || !strings.HasSuffix(info.ETag, "-5") {
		t.Fatalf("PutObject: size %d ETag %s", info.Size, info.ETag)
	}
	sum, got := nsSHA256(t, s.As(s.Admin), "/mmm/seventy")
	if sum != hex.EncodeToString(h.Sum(nil)) || got.Size != size || got.Parts != 5 {
		t.Fatalf("the object: size %d parts %d, sha256 differs: %v", got.Size, got.Parts, sum != hex.EncodeToString(h.Sum(nil)))
	}
}

// signedRequest sends a request signed with c's keys, body's SHA-256 as
// payload hash.
func signedRequest(t testing.TB, s *server, c creds, method, path string, hd http.Header, body []byte) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range hd {
		req.Header[k] = vs
	}
	sum := sha256.Sum256(body)
	req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
	if err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: c.Access, SecretAccessKey: c.Secret}, req, hex.EncodeToString(sum[:]), "s3", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}
