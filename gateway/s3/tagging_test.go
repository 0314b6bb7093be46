package s3_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/tags"
)

func tagSet(kv ...string) []types.Tag {
	var out []types.Tag
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, types.Tag{Key: aws.String(kv[i]), Value: aws.String(kv[i+1])})
	}
	return out
}

func tagMap(ts []types.Tag) map[string]string {
	m := map[string]string{}
	for _, t := range ts {
		m[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return m
}

func TestObjectTagging(t *testing.T) {
	s := newServer(t)
	objBucket(t, s, "bkt")
	c := s.SDK(s.Admin)
	_, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Body: strings.NewReader("x"), Tagging: aws.String("project=coffre&empty=")})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.GetObjectTagging(ctx, &awss3.GetObjectTaggingInput{Bucket: aws.String("bkt"), Key: aws.String("k")})
	if m := tagMap(got.TagSet); err != nil || len(m) != 2 || m["project"] != "coffre" || m["empty"] != "" {
		t.Fatalf("tags from PutObject: %v %v", err, m)
	}
	_, err = c.PutObjectTagging(ctx, &awss3.PutObjectTaggingInput{Bucket: aws.String("bkt"), Key: aws.String("k"),
		Tagging: &types.Tagging{TagSet: tagSet("a", "1", "b", "<&> été")}})
	if err != nil {
		t.Fatal(err)
	}
	got, err = c.GetObjectTagging(ctx, &awss3.GetObjectTaggingInput{Bucket: aws.String("bkt"), Key: aws.String("k")})
	if m := tagMap(got.TagSet); err != nil || len(m) != 2 || m["a"] != "1" || m["b"] != "<&> été" {
		t.Fatalf("tags: %v %v", err, m)
	}
	_, out := objGet(t, c, &awss3.GetObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k")})
	if aws.ToInt32(out.TagCount) != 2 {
		t.Fatalf("x-amz-tagging-count %d", aws.ToInt32(out.TagCount))
	}
	if n := objVersions(t, s, "/bkt/k"); n != 1 {
		t.Fatalf("tagging made a version: %d", n)
	}
	if _, err := c.DeleteObjectTagging(ctx, &awss3.DeleteObjectTaggingInput{Bucket: aws.String("bkt"), Key: aws.String("k")}); err != nil {
		t.Fatal(err)
	}
	got, err = c.GetObjectTagging(ctx, &awss3.GetObjectTaggingInput{Bucket: aws.String("bkt"), Key: aws.String("k")})
	if err != nil || len(got.TagSet) != 0 {
		t.Fatalf("after delete: %v %v", err, got.TagSet)
	}
	// Tags leave the other metadata alone.
	if _, info := objStored(t, s, "/bkt/k"); info.Meta["content-type"] == "" {
		t.Fatalf("meta %v", info.Meta)
	}
	// The answer is a namespaced document.
	st, _, body := rawDo(t, rawRequest(t, s, s.Admin, "GET", "/bkt/k?tagging", nil, "", nil))
	if st != 200 || !strings.Contains(body, `<Tagging xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><TagSet></TagSet></Tagging>`) {
		t.Fatalf("GET ?tagging: %d %s", st, body)
	}
	// minio-go, which sends Content-MD5.
	mn := s.Minio(t, s.Admin)
	tg, _ := tags.NewTags(map[string]string{"m": "n"}, true)
	if err := mn.PutObjectTagging(ctx, "bkt", "k", tg, minio.PutObjectTaggingOptions{}); err != nil {
		t.Fatalf("minio PutObjectTagging: %v", err)
	}
	if back, err := mn.GetObjectTagging(ctx, "bkt", "k", minio.GetObjectTaggingOptions{}); err != nil || back.ToMap()["m"] != "n" {
		t.Fatalf("minio GetObjectTagging: %v %v", err, back)
	}
}

func TestObjectTaggingLimits(t *testing.T) {
	s := newServer(t)
	objBucket(t, s, "bkt")
	c := s.SDK(s.Admin)
	objPut(t, c, "bkt", "k", []byte("x"))
	var eleven []string
	for i := range 11 {
		eleven = append(eleven, fmt.Sprint("k", i), "v")
	}
	for _, tc := range []struct {
		name string
		set  []types.Tag
	}{
		{"eleven tags", tagSet(eleven...)},
		{"long key", tagSet(strings.Repeat("é", 129), "v")},
		{"long value", tagSet("k", strings.Repeat("v", 257))},
		{"empty key", tagSet("", "v")},
		{"duplicate", tagSet("k", "1", "k", "2")},
		{"reserved", tagSet("aws:owner", "me")},
	} {
		_, err := c.PutObjectTagging(ctx, &awss3.PutObjectTaggingInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Tagging: &types.Tagging{TagSet: tc.set}})
		if apiCode(err) != "InvalidTag" {
			t.Fatalf("%s: %v", tc.name, err)
		}
	}
	// At the limits: fine.
	var ten []string
	for i := range 10 {
		ten = append(ten, fmt.Sprint("k", i), strings.Repeat("v", 256))
	}
	ten[0] = strings.Repeat("é", 128)
	if _, err := c.PutObjectTagging(ctx, &awss3.PutObjectTaggingInput{Bucket: aws.String("bkt"), Key: aws.String("k"), Tagging: &types.Tagging{TagSet: tagSet(ten...)}}); err != nil {
		t.Fatalf("ten tags at the limits: %v", err)
	}
	if _, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("bkt"), Key: aws.String("k2"), Body: strings.NewReader("x"), Tagging: aws.String("a=1&a=2")}); apiCode(err) != "InvalidTag" {
		t.Fatalf("PutObject with a duplicate tag: %v", err)
	}
	big := []byte("<Tagging><TagSet>" + strings.Repeat("<Tag><Key>k</Key><Value>v</Value></Tag>", 2000) + "</TagSet></Tagging>")
	st, _, body := rawDo(t, rawRequest(t, s, s.Admin, "PUT", "/bkt/k?tagging", big, objSHA(big), nil))
	wantS3Error(t, st, body, http.StatusBadRequest, "MaxMessageLengthExceeded")
	if _, err := c.GetObjectTagging(ctx, &awss3.GetObjectTaggingInput{Bucket: aws.String("bkt"), Key: aws.String("nope")}); apiCode(err) != "NoSuchKey" {
		t.Fatalf("tags of a missing key: %v", err)
	}
	if _, err := c.PutObjectTagging(ctx, &awss3.PutObjectTaggingInput{Bucket: aws.String("nobucket"), Key: aws.String("k"), Tagging: &types.Tagging{TagSet: tagSet("a", "b")}}); apiCode(err) != "NoSuchBucket" {
		t.Fatalf("tags in a missing bucket: %v", err)
	}
}

func TestObjectTaggingVersions(t *testing.T) {
	s := newServer(t)
	objBucket(t, s, "ver")
	objVersioned(t, s, "ver")
	c := s.SDK(s.Admin)
	v1 := objPut(t, c, "ver", "k", []byte("1")).VersionId
	v2 := objPut(t, c, "ver", "k", []byte("2")).VersionId
	out, err := c.PutObjectTagging(ctx, &awss3.PutObjectTaggingInput{Bucket: aws.String("ver"), Key: aws.String("k"), VersionId: v1, Tagging: &types.Tagging{TagSet: tagSet("old", "yes")}})
	if err != nil || aws.ToString(out.VersionId) != *v1 {
		t.Fatalf("%v %+v", err, out)
	}
	got, err := c.GetObjectTagging(ctx, &awss3.GetObjectTaggingInput{Bucket: aws.String("ver"), Key: aws.String("k"), VersionId: v1})
	if err != nil || tagMap(got.TagSet)["old"] != "yes" || aws.ToString(got.VersionId) != *v1 {
		t.Fatalf("version 1: %v %+v", err, got)
	}
	got, err = c.GetObjectTagging(ctx, &awss3.GetObjectTaggingInput{Bucket: aws.String("ver"), Key: aws.String("k")})
	if err != nil || len(got.TagSet) != 0 || aws.ToString(got.VersionId) != *v2 {
		t.Fatalf("current: %v %+v", err, got)
	}
	if _, err := c.GetObjectTagging(ctx, &awss3.GetObjectTaggingInput{Bucket: aws.String("ver"), Key: aws.String("k"), VersionId: aws.String("987654")}); apiCode(err) != "NoSuchVersion" {
		t.Fatalf("unknown version: %v", err)
	}
}
