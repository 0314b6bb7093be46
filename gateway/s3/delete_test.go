package s3_test

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/minio/minio-go/v7"

	"coffre/storage"
)

// objTrashed lists the paths of everyone's trashed items.
func objTrashed(t testing.TB, s *server) []string {
	t.Helper()
	items, err := s.As(s.Admin).Trash(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, it := range items {
		paths = append(paths, it.Path)
	}
	return paths
}

func objExists(t testing.TB, s *server, path string) bool {
	t.Helper()
	_, err := s.As(s.Admin).Stat(ctx, path)
	if err != nil && !storage.Is(storage.NotFound, err) {
		t.Fatal(err)
	}
	return err == nil
}

func TestDeleteObject(t *testing.T) {
	s := newServer(t)
	objBucket(t, s, "bkt")
	c := s.SDK(s.Admin)
	objPut(t, c, "bkt", "dir/k", []byte("x"))
	out, err := c.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String("bkt"), Key: aws.String("dir/k")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToBool(out.DeleteMarker) {
		t.Fatal("a delete marker in an unversioned bucket")
	}
	if objExists(t, s, "/bkt/dir/k") {
		t.Fatal("still there")
	}
	if tr := objTrashed(t, s); len(tr) != 1 || tr[0] != "/bkt/dir/k" {
		t.Fatalf("trash %v", tr)
	}
	// Missing keys, and keys that name folders without the slash: 204.
	objPut(t, c, "bkt", "dir/other", []byte("x"))
	for _, key := range []string{"dir/k", "never", "dir"} {
		if _, err := c.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String("bkt"), Key: aws.String(key)}); err != nil {
			t.Fatalf("delete %s: %v", key, err)
		}
	}
	if !objExists(t, s, "/bkt/dir/other") {
		t.Fatal("deleting the key \"dir\" deleted the folder dir")
	}
	if _, err := c.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String("nobucket"), Key: aws.String("k")}); apiCode(err) != "NoSuchBucket" {
		t.Fatalf("delete in a missing bucket: %v", err)
	}
	// Raw: the status is 204.
	objPut(t, c, "bkt", "raw", []byte("x"))
	st, _, body := rawDo(t, rawRequest(t, s, s.Admin, "DELETE", "/bkt/raw", nil, "", nil))
	if st != http.StatusNoContent || body != "" {
		t.Fatalf("DELETE: %d %q", st, body)
	}
}

func TestDeleteFolderKey(t *testing.T) {
	s := newServer(t)
	objBucket(t, s, "bkt")
	c := s.SDK(s.Admin)
	objPut(t, c, "bkt", "full/k", []byte("x"))
	objPut(t, c, "bkt", "empty/", nil)
	objPut(t, c, "bkt", "file", []byte("x"))
	for _, key := range []string{"full/", "empty/", "file/"} {
		if _, err := c.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String("bkt"), Key: aws.String(key)}); err != nil {
			t.Fatalf("delete %s: %v", key, err)
		}
	}
	if !objExists(t, s, "/bkt/full/k") || objExists(t, s, "/bkt/empty") || !objExists(t, s, "/bkt/file") {
		t.Fatalf("after deleting folder keys: full/k %v, empty %v, file %v", objExists(t, s, "/bkt/full/k"), objExists(t, s, "/bkt/empty"), objExists(t, s, "/bkt/file"))
	}
}

// TestDeletePrunesImpliedFolders: the folders a key implied vanish with
// their last key, as S3 prefixes do; directory markers ("a/" keys) stay
// until deleted themselves.
func TestDeletePrunesImpliedFolders(t *testing.T) {
	s := newServer(t)
	objBucket(t, s, "bkt")
	c := s.SDK(s.Admin)
	del := func(key string) {
		t.Helper()
		if _, err := c.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String("bkt"), Key: aws.String(key)}); err != nil {
			t.Fatalf("delete %s: %v", key, err)
		}
	}
	objPut(t, c, "bkt", "imp/a/b/k", []byte("x"))
	objPut(t, c, "bkt", "imp/other", []byte("x"))
	del("imp/a/b/k")
	if objExists(t, s, "/bkt/imp/a") || !objExists(t, s, "/bkt/imp/other") {
		t.Fatalf("after deleting imp/a/b/k: imp/a %v", objExists(t, s, "/bkt/imp/a"))
	}
	// A marker stays when emptied.
	objPut(t, c, "bkt", "mark/", nil)
	objPut(t, c, "bkt", "mark/sub/k", []byte("x"))
	del("mark/sub/k")
	if objExists(t, s, "/bkt/mark/sub") || !objExists(t, s, "/bkt/mark") {
		t.Fatalf("after deleting mark/sub/k: mark/sub %v, mark %v", objExists(t, s, "/bkt/mark/sub"), objExists(t, s, "/bkt/mark"))
	}
	// Deleting a marker whose folder holds keys drops the marker only:
	// the folder then goes with its last key.
	objPut(t, c, "bkt", "mark/k", []byte("x"))
	del("mark/")
	if !objExists(t, s, "/bkt/mark/k") {
		t.Fatal("deleting the marker deleted the keys below")
	}
	del("mark/k")
	if objExists(t, s, "/bkt/mark") {
		t.Fatal("the folder stayed after its marker and its last key")
	}
	// DeleteObjects prunes too.
	objPut(t, c, "bkt", "many/x/1", []byte("x"))
	objPut(t, c, "bkt", "many/x/2", []byte("x"))
	_, err := c.DeleteObjects(ctx, &awss3.DeleteObjectsInput{Bucket: aws.String("bkt"), Delete: &types.Delete{Objects: []types.ObjectIdentifier{{Key: aws.String("many/x/1")}, {Key: aws.String("many/x/2")}}}})
	if err != nil || objExists(t, s, "/bkt/many") {
		t.Fatalf("DeleteObjects: %v, many left: %v", err, objExists(t, s, "/bkt/many"))
	}
	// Nothing is left to list.
	del("imp/other")
	out, err := c.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String("bkt")})
	if err != nil || len(out.Contents) != 0 {
		t.Fatalf("keys left: %v %+v", err, out.Contents)
	}
}

func TestDeleteVersions(t *testing.T) {
	s := newServer(t)
	objBucket(t, s, "bkt")
	objVersioned(t, s, "bkt")
	c := s.SDK(s.Admin)
	var ids []string
	for i := range 3 {
		ids = append(ids, aws.ToString(objPut(t, c, "bkt", "k", []byte(fmt.Sprint("v", i))).VersionId))
	}
	// The middle version goes; the current one stays.
	out, err := c.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), VersionId: &ids[1]})
	if err != nil || aws.ToString(out.VersionId) != ids[1] || aws.ToBool(out.DeleteMarker) {
		t.Fatalf("delete version: %v %+v", err, out)
	}
	if n := objVersions(t, s, "/bkt/k"); n != 2 {
		t.Fatalf("%d versions", n)
	}
	// The current one goes: the previous becomes current.
	if _, err := c.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), VersionId: &ids[2]}); err != nil {
		t.Fatal(err)
	}
	if b, _ := objGet(t, c, &awss3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")}); string(b) != "v0" {
		t.Fatalf("current %q", b)
	}
	// An unknown version: nothing to do.
	if _, err := c.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), VersionId: aws.String("12345")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), VersionId: aws.String("bad")}); apiCode(err) != "InvalidArgument" {
		t.Fatalf("malformed version: %v", err)
	}
	// The last version: the file goes to the trash.
	if _, err := c.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), VersionId: &ids[0]}); err != nil {
		t.Fatal(err)
	}
	if objExists(t, s, "/bkt/k") || len(objTrashed(t, s)) != 1 {
		t.Fatalf("after the last version: exists %v, trash %v", objExists(t, s, "/bkt/k"), objTrashed(t, s))
	}
	// Without a version, a versioned bucket answers with a delete marker.
	objPut(t, c, "bkt", "m", []byte("x"))
	out, err = c.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String("bkt"), Key: aws.String("m")})
	if err != nil || !aws.ToBool(out.DeleteMarker) {
		t.Fatalf("delete in a versioned bucket: %v %+v", err, out)
	}
}

func TestDeleteLockedKey(t *testing.T) {
	s := newServer(t)
	objBucket(t, s, "bkt")
	objGrantBob(t, s, "bkt", storage.AllRights)
	objPut(t, s.SDK(s.Admin), "bkt", "k", []byte("x"))
	if _, err := s.As(s.Admin).Lock(ctx, "/bkt/k", storage.LockOptions{}); err != nil {
		t.Fatal(err)
	}
	bob := s.SDK(s.User)
	_, err := bob.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")})
	if apiCode(err) != "Locked" || objStatus(err) != http.StatusLocked || !strings.Contains(err.Error(), "locked by admin") {
		t.Fatalf("bob deletes a key locked by admin: %v", err)
	}
	out, err := bob.DeleteObjects(ctx, &awss3.DeleteObjectsInput{Bucket: aws.String("bkt"), Delete: &types.Delete{Objects: []types.ObjectIdentifier{{Key: aws.String("k")}}}})
	if err != nil || len(out.Errors) != 1 || aws.ToString(out.Errors[0].Code) != "Locked" || !strings.Contains(aws.ToString(out.Errors[0].Message), "admin") {
		t.Fatalf("bob's DeleteObjects of a locked key: %v %+v", err, out)
	}
	if !objExists(t, s, "/bkt/k") {
		t.Fatal("the locked key was deleted")
	}
	// The holder may.
	if _, err := s.SDK(s.Admin).DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")}); err != nil {
		t.Fatal(err)
	}
}

func TestDeleteObjects(t *testing.T) {
	s := newServer(t)
	objBucket(t, s, "bkt")
	c := s.SDK(s.Admin)
	var ids []types.ObjectIdentifier
	for i := range 5 {
		key := fmt.Sprintf("d/k%d", i)
		objPut(t, c, "bkt", key, []byte("x"))
		ids = append(ids, types.ObjectIdentifier{Key: aws.String(key)})
	}
	ids = append(ids, types.ObjectIdentifier{Key: aws.String("missing")}, types.ObjectIdentifier{Key: aws.String("a//b")})
	out, err := c.DeleteObjects(ctx, &awss3.DeleteObjectsInput{Bucket: aws.String("bkt"), Delete: &types.Delete{Objects: ids}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Deleted) != 6 || len(out.Errors) != 1 || aws.ToString(out.Errors[0].Key) != "a//b" || aws.ToString(out.Errors[0].Code) != "InvalidObjectName" {
		t.Fatalf("deleted %d, errors %+v", len(out.Deleted), out.Errors)
	}
	for i := range 5 {
		if objExists(t, s, fmt.Sprintf("/bkt/d/k%d", i)) {
			t.Fatalf("k%d still there", i)
		}
	}
	// Quiet: only the errors.
	objPut(t, c, "bkt", "q", []byte("x"))
	out, err = c.DeleteObjects(ctx, &awss3.DeleteObjectsInput{Bucket: aws.String("bkt"), Delete: &types.Delete{Quiet: aws.Bool(true),
		Objects: []types.ObjectIdentifier{{Key: aws.String("q")}, {Key: aws.String("./x")}}}})
	if err != nil || len(out.Deleted) != 0 || len(out.Errors) != 1 || objExists(t, s, "/bkt/q") {
		t.Fatalf("quiet: %v %+v", err, out)
	}
	// Too many keys, none: MalformedXML.
	many := make([]types.ObjectIdentifier, 1001)
	for i := range many {
		many[i] = types.ObjectIdentifier{Key: aws.String(fmt.Sprint(i))}
	}
	if _, err := c.DeleteObjects(ctx, &awss3.DeleteObjectsInput{Bucket: aws.String("bkt"), Delete: &types.Delete{Objects: many}}); apiCode(err) != "MalformedXML" {
		t.Fatalf("1001 keys: %v", err)
	}
	if _, err := c.DeleteObjects(ctx, &awss3.DeleteObjectsInput{Bucket: aws.String("bkt"), Delete: &types.Delete{Objects: []types.ObjectIdentifier{}}}); apiCode(err) != "MalformedXML" {
		t.Fatalf("no keys: %v", err)
	}
	if _, err := c.DeleteObjects(ctx, &awss3.DeleteObjectsInput{Bucket: aws.String("nobucket"), Delete: &types.Delete{Objects: ids[:1]}}); apiCode(err) != "NoSuchBucket" {
		t.Fatalf("missing bucket: %v", err)
	}
	// minio-go sends Content-MD5.
	for i := range 3 {
		objPut(t, c, "bkt", fmt.Sprint("m", i), []byte("x"))
	}
	ch := make(chan minio.ObjectInfo, 3)
	for i := range 3 {
		ch <- minio.ObjectInfo{Key: fmt.Sprint("m", i)}
	}
	close(ch)
	for e := range s.Minio(t, s.Admin).RemoveObjects(ctx, "bkt", ch, minio.RemoveObjectsOptions{}) {
		t.Fatalf("minio RemoveObjects: %+v", e)
	}
	if objExists(t, s, "/bkt/m1") {
		t.Fatal("minio RemoveObjects left m1")
	}
}

func TestDeleteObjectsVersions(t *testing.T) {
	s := newServer(t)
	objBucket(t, s, "bkt")
	objVersioned(t, s, "bkt")
	c := s.SDK(s.Admin)
	v1 := objPut(t, c, "bkt", "k", []byte("1")).VersionId
	objPut(t, c, "bkt", "k", []byte("2"))
	out, err := c.DeleteObjects(ctx, &awss3.DeleteObjectsInput{Bucket: aws.String("bkt"), Delete: &types.Delete{Objects: []types.ObjectIdentifier{{Key: aws.String("k"), VersionId: v1}}}})
	if err != nil || len(out.Deleted) != 1 || aws.ToString(out.Deleted[0].VersionId) != *v1 {
		t.Fatalf("%v %+v", err, out)
	}
	if b, _ := objGet(t, c, &awss3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")}); string(b) != "2" || objVersions(t, s, "/bkt/k") != 1 {
		t.Fatalf("current %q", b)
	}
	out, err = c.DeleteObjects(ctx, &awss3.DeleteObjectsInput{Bucket: aws.String("bkt"), Delete: &types.Delete{Objects: []types.ObjectIdentifier{{Key: aws.String("k")}}}})
	if err != nil || len(out.Deleted) != 1 || !aws.ToBool(out.Deleted[0].DeleteMarker) {
		t.Fatalf("%v %+v", err, out)
	}
}

// TestDeleteObjectsBody: the request body's integrity and size are
// checked before anything is deleted.
func TestDeleteObjectsBody(t *testing.T) {
	s := newServer(t)
	objBucket(t, s, "bkt")
	objPut(t, s.SDK(s.Admin), "bkt", "k", []byte("x"))
	body := []byte(`<Delete xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Object><Key>k</Key></Object></Delete>`)
	wrong := md5.Sum([]byte("other"))
	st, _, resp := rawDo(t, rawRequest(t, s, s.Admin, "POST", "/bkt?delete", body, objSHA(body), map[string]string{"Content-MD5": base64.StdEncoding.EncodeToString(wrong[:])}))
	wantS3Error(t, st, resp, http.StatusBadRequest, "BadDigest")
	st, _, resp = rawDo(t, rawRequest(t, s, s.Admin, "POST", "/bkt?delete", body, objSHA(body), map[string]string{"X-Amz-Checksum-Crc32": sdkChecksum("x-amz-checksum-crc32", []byte("other"))}))
	wantS3Error(t, st, resp, http.StatusBadRequest, "BadDigest")
	huge := append([]byte("<Delete>"), bytes.Repeat([]byte("<Object><Key>k</Key></Object>"), 40000)...)
	huge = append(huge, "</Delete>"...)
	st, _, resp = rawDo(t, rawRequest(t, s, s.Admin, "POST", "/bkt?delete", huge, objSHA(huge), nil))
	wantS3Error(t, st, resp, http.StatusBadRequest, "MaxMessageLengthExceeded")
	st, _, resp = rawDo(t, rawRequest(t, s, s.Admin, "POST", "/bkt?delete", []byte("<Delete><Object>"), "", nil))
	wantS3Error(t, st, resp, http.StatusBadRequest, "MalformedXML")
	if !objExists(t, s, "/bkt/k") {
		t.Fatal("a refused DeleteObjects deleted k")
	}
	right := md5.Sum(body)
	st, _, resp = rawDo(t, rawRequest(t, s, s.Admin, "POST", "/bkt?delete", body, objSHA(body), map[string]string{"Content-MD5": base64.StdEncoding.EncodeToString(right[:])}))
	if st != 200 || !strings.Contains(resp, `<DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Deleted><Key>k</Key></Deleted></DeleteResult>`) || objExists(t, s, "/bkt/k") {
		t.Fatalf("DeleteObjects: %d %s", st, resp)
	}
}
