package s3_test

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"coffre/storage"
)

// verPut writes a version of a file behind S3's back and returns its ID.
func verPut(t testing.TB, ns storage.Namespace, path, content string) uint64 {
	t.Helper()
	info, err := ns.Put(ctx, path, strings.NewReader(content), storage.PutOptions{Size: int64(len(content))})
	if err != nil {
		t.Fatal(err)
	}
	return info.VersionID
}

func setVersioning(t testing.TB, c *awss3.Client, bucket string, status types.BucketVersioningStatus) {
	t.Helper()
	_, err := c.PutBucketVersioning(ctx, &awss3.PutBucketVersioningInput{
		Bucket: aws.String(bucket), VersioningConfiguration: &types.VersioningConfiguration{Status: status},
	})
	if err != nil {
		t.Fatalf("PutBucketVersioning %s: %v", status, err)
	}
}

func TestBucketVersioning(t *testing.T) {
	s := newServer(t)
	mpBucket(t, s, "ver")
	c := s.SDK(s.Admin)
	ns := s.As(s.Admin)
	// Another setting of the bucket, which versioning must keep.
	if _, err := ns.SetMeta(ctx, "/ver", 0, map[string]string{"s3:cors": "<CORSConfiguration/>", "other": "x"}); err != nil {
		t.Fatal(err)
	}
	get := func() types.BucketVersioningStatus {
		t.Helper()
		out, err := c.GetBucketVersioning(ctx, &awss3.GetBucketVersioningInput{Bucket: aws.String("ver")})
		if err != nil {
			t.Fatal(err)
		}
		return out.Status
	}
	if st := get(); st != "" {
		t.Fatalf("a new bucket's versioning: %q", st)
	}
	setVersioning(t, c, "ver", types.BucketVersioningStatusEnabled)
	if st := get(); st != types.BucketVersioningStatusEnabled {
		t.Fatalf("after enabling: %q", st)
	}
	setVersioning(t, c, "ver", types.BucketVersioningStatusSuspended)
	if st := get(); st != types.BucketVersioningStatusSuspended {
		t.Fatalf("after suspending: %q", st)
	}
	info, err := ns.Stat(ctx, "/ver")
	if err != nil {
		t.Fatal(err)
	}
	if info.Meta["s3:versioning"] != "Suspended" || info.Meta["s3:cors"] != "<CORSConfiguration/>" || info.Meta["other"] != "x" {
		t.Fatalf("the bucket's metadata: %v", info.Meta)
	}

	for _, tc := range []struct {
		name string
		conf types.VersioningConfiguration
		code string
	}{
		{"an unknown status", types.VersioningConfiguration{Status: "On"}, "IllegalVersioningConfigurationException"},
		{"MFA delete", types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled, MFADelete: types.MFADeleteEnabled}, "NotImplemented"},
	} {
		_, err := c.PutBucketVersioning(ctx, &awss3.PutBucketVersioningInput{Bucket: aws.String("ver"), VersioningConfiguration: &tc.conf})
		if apiCode(err) != tc.code {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
	if st := get(); st != types.BucketVersioningStatusSuspended {
		t.Fatalf("a refused configuration changed the status: %q", st)
	}
	if _, err := c.GetBucketVersioning(ctx, &awss3.GetBucketVersioningInput{Bucket: aws.String("nobucket")}); apiCode(err) != "NoSuchBucket" {
		t.Fatalf("GetBucketVersioning of a missing bucket: %v", err)
	}
	// Bob, who may only read the bucket, cannot change it.
	if err := ns.SetGrant(ctx, "/ver", storage.Subject{ID: s.User.Principal.UserID}, storage.Browse|storage.Read); err != nil {
		t.Fatal(err)
	}
	bob := s.SDK(s.User)
	if _, err := bob.PutBucketVersioning(ctx, &awss3.PutBucketVersioningInput{
		Bucket: aws.String("ver"), VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled},
	}); apiCode(err) != "AccessDenied" {
		t.Fatalf("bob enables versioning: %v", err)
	}
	if st := get(); st != types.BucketVersioningStatusSuspended {
		t.Fatalf("bob changed the status: %q", st)
	}
}

// versionLine is one entry of ListObjectVersions, for comparisons.
func versionLines(out *awss3.ListObjectVersionsOutput) []string {
	var lines []string
	for _, v := range out.Versions {
		latest := ""
		if aws.ToBool(v.IsLatest) {
			latest = " latest"
		}
		lines = append(lines, fmt.Sprintf("%s@%s %d%s", aws.ToString(v.Key), aws.ToString(v.VersionId), aws.ToInt64(v.Size), latest))
	}
	for _, p := range out.CommonPrefixes {
		lines = append(lines, "["+aws.ToString(p.Prefix)+"]")
	}
	return lines
}

func TestListObjectVersions(t *testing.T) {
	s := newServer(t)
	mpBucket(t, s, "ver")
	c := s.SDK(s.Admin)
	ns := s.As(s.Admin)
	setVersioning(t, c, "ver", types.BucketVersioningStatusEnabled)
	if _, err := ns.Mkdir(ctx, "/ver/doc"); err != nil {
		t.Fatal(err)
	}
	a1 := verPut(t, ns, "/ver/doc/a.txt", "one")
	a2 := verPut(t, ns, "/ver/doc/a.txt", "two!")
	a3 := verPut(t, ns, "/ver/doc/a.txt", "three")
	b := verPut(t, ns, "/ver/b", "bb")
	x := verPut(t, ns, "/ver/doc-x", "x")

	list := func(in awss3.ListObjectVersionsInput) *awss3.ListObjectVersionsOutput {
		t.Helper()
		in.Bucket = aws.String("ver")
		out, err := c.ListObjectVersions(ctx, &in)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	want := []string{
		fmt.Sprintf("b@%d 2 latest", b),
		fmt.Sprintf("doc-x@%d 1 latest", x),
		fmt.Sprintf("doc/a.txt@%d 5 latest", a3),
		fmt.Sprintf("doc/a.txt@%d 4", a2),
		fmt.Sprintf("doc/a.txt@%d 3", a1),
	}
	out := list(awss3.ListObjectVersionsInput{})
	if got := versionLines(out); strings.Join(got, ", ") != strings.Join(want, ", ") || aws.ToBool(out.IsTruncated) {
		t.Fatalf("versions:\n got %v\nwant %v", got, want)
	}
	v := out.Versions[3]
	if aws.ToString(v.ETag) != quotedMD5([]byte("two!")) || v.LastModified == nil || v.StorageClass != types.ObjectVersionStorageClassStandard || aws.ToString(v.Owner.DisplayName) != "admin" {
		t.Fatalf("a version: %+v", v)
	}
	if len(out.DeleteMarkers) != 0 {
		t.Fatalf("delete markers: %+v", out.DeleteMarkers)
	}
	// Pages of two entries, one key's versions across pages.
	var paged []string
	in := awss3.ListObjectVersionsInput{MaxKeys: aws.Int32(2)}
	for range 10 {
		out := list(in)
		paged = append(paged, versionLines(out)...)
		if !aws.ToBool(out.IsTruncated) {
			break
		}
		if len(out.Versions) != 2 || out.NextKeyMarker == nil || out.NextVersionIdMarker == nil {
			t.Fatalf("a truncated page: %+v", out)
		}
		in.KeyMarker, in.VersionIdMarker = out.NextKeyMarker, out.NextVersionIdMarker
	}
	if strings.Join(paged, ", ") != strings.Join(want, ", ") {
		t.Fatalf("paged versions:\n got %v\nwant %v", paged, want)
	}
	if got := versionLines(list(awss3.ListObjectVersionsInput{Delimiter: aws.String("/")})); strings.Join(got, ", ") != strings.Join(append(want[:2:2], "[doc/]"), ", ") {
		t.Fatalf("delimiter /: %v", got)
	}
	if got := versionLines(list(awss3.ListObjectVersionsInput{Prefix: aws.String("doc/")})); strings.Join(got, ", ") != strings.Join(want[2:], ", ") {
		t.Fatalf("prefix doc/: %v", got)
	}
	if got := versionLines(list(awss3.ListObjectVersionsInput{KeyMarker: aws.String("doc-x")})); strings.Join(got, ", ") != strings.Join(want[2:], ", ") {
		t.Fatalf("key-marker doc-x: %v", got)
	}

	// GetObject of an older version by its ID.
	got, err := c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("ver"), Key: aws.String("doc/a.txt"), VersionId: aws.String(fmt.Sprint(a2))})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if string(body) != "two!" || aws.ToString(got.VersionId) != fmt.Sprint(a2) {
		t.Fatalf("GetObject of version %d: %q, version %s", a2, body, aws.ToString(got.VersionId))
	}
	// DeleteObject of that version destroys it alone.
	if _, err := c.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String("ver"), Key: aws.String("doc/a.txt"), VersionId: aws.String(fmt.Sprint(a2))}); err != nil {
		t.Fatal(err)
	}
	want = append(want[:3], want[4])
	if got := versionLines(list(awss3.ListObjectVersionsInput{})); strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Fatalf("after deleting version %d:\n got %v\nwant %v", a2, got, want)
	}
	if _, err := c.ListObjectVersions(ctx, &awss3.ListObjectVersionsInput{Bucket: aws.String("ver"), VersionIdMarker: aws.String("1")}); apiCode(err) != "InvalidArgument" {
		t.Fatalf("version-id-marker without key-marker: %v", err)
	}
	if _, err := c.ListObjectVersions(ctx, &awss3.ListObjectVersionsInput{Bucket: aws.String("none")}); apiCode(err) != "NoSuchBucket" {
		t.Fatalf("a missing bucket: %v", err)
	}
}

// TestListObjectVersionsNeverEnabled: where versioning was never enabled,
// each key shows its current version alone, as "null"; empty folders are
// keys too.
func TestListObjectVersionsNeverEnabled(t *testing.T) {
	s := newServer(t)
	mpBucket(t, s, "plain")
	ns := s.As(s.Admin)
	verPut(t, ns, "/plain/sp ace+plus", "old")
	verPut(t, ns, "/plain/sp ace+plus", "newer")
	if _, err := ns.Mkdir(ctx, "/plain/empty"); err != nil {
		t.Fatal(err)
	}
	c := s.SDK(s.Admin)
	out, err := c.ListObjectVersions(ctx, &awss3.ListObjectVersionsInput{Bucket: aws.String("plain")})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(versionLines(out), ", "); got != "empty/@null 0 latest, sp ace+plus@null 5 latest" {
		t.Fatalf("versions: %s", got)
	}
	if aws.ToString(out.Versions[0].ETag) != `"d41d8cd98f00b204e9800998ecf8427e"` || aws.ToString(out.Versions[1].ETag) != quotedMD5([]byte("newer")) {
		t.Fatalf("ETags: %s %s", aws.ToString(out.Versions[0].ETag), aws.ToString(out.Versions[1].ETag))
	}
	out, err = c.ListObjectVersions(ctx, &awss3.ListObjectVersionsInput{Bucket: aws.String("plain"), EncodingType: types.EncodingTypeUrl, Prefix: aws.String("sp ")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Versions) != 1 || aws.ToString(out.Versions[0].Key) != "sp%20ace%2Bplus" || aws.ToString(out.Prefix) != "sp%20" {
		t.Fatalf("encoding-type url: %v prefix %q", versionLines(out), aws.ToString(out.Prefix))
	}
	// Paging through "null" markers.
	out, err = c.ListObjectVersions(ctx, &awss3.ListObjectVersionsInput{Bucket: aws.String("plain"), MaxKeys: aws.Int32(1)})
	if err != nil || !aws.ToBool(out.IsTruncated) || aws.ToString(out.NextKeyMarker) != "empty/" || aws.ToString(out.NextVersionIdMarker) != "null" {
		t.Fatalf("first page: %v %+v", err, out)
	}
	out, err = c.ListObjectVersions(ctx, &awss3.ListObjectVersionsInput{Bucket: aws.String("plain"), MaxKeys: aws.Int32(1), KeyMarker: out.NextKeyMarker, VersionIdMarker: out.NextVersionIdMarker})
	if err != nil || aws.ToBool(out.IsTruncated) || strings.Join(versionLines(out), ", ") != "sp ace+plus@null 5 latest" {
		t.Fatalf("second page: %v %v", err, versionLines(out))
	}
}

// TestDeleteMarkers: in a versioned bucket a delete leaves a delete marker
// over the key's versions (the trash item); old versions still read;
// deleting the marker restores the key.
func TestDeleteMarkers(t *testing.T) {
	s := newServer(t)
	c := s.SDK(s.Admin)
	if _, err := c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("ver")}); err != nil {
		t.Fatal(err)
	}
	setVersioning(t, c, "ver", types.BucketVersioningStatusEnabled)
	var ids []string
	for _, body := range []string{"one", "two!"} {
		out, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("ver"), Key: aws.String("doc/a.txt"), Body: strings.NewReader(body)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, aws.ToString(out.VersionId))
	}
	del, err := c.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String("ver"), Key: aws.String("doc/a.txt")})
	if err != nil || !aws.ToBool(del.DeleteMarker) || !strings.HasPrefix(aws.ToString(del.VersionId), "t") {
		t.Fatalf("DeleteObject: %+v, %v", del, err)
	}
	marker := aws.ToString(del.VersionId)
	if _, err := c.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String("ver"), Key: aws.String("doc/a.txt")}); s3Code(err) != "404" {
		t.Fatalf("HeadObject of a deleted key: %v", err)
	}
	out, err := c.ListObjectVersions(ctx, &awss3.ListObjectVersionsInput{Bucket: aws.String("ver")})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.DeleteMarkers) != 1 || aws.ToString(out.DeleteMarkers[0].VersionId) != marker || !aws.ToBool(out.DeleteMarkers[0].IsLatest) ||
		len(out.Versions) != 2 || aws.ToBool(out.Versions[0].IsLatest) || aws.ToString(out.Versions[1].VersionId) != ids[0] {
		t.Fatalf("ListObjectVersions after a delete: markers %+v versions %+v", out.DeleteMarkers, out.Versions)
	}
	// With a delimiter, the deleted key's prefix is listed.
	out, err = c.ListObjectVersions(ctx, &awss3.ListObjectVersionsInput{Bucket: aws.String("ver"), Delimiter: aws.String("/")})
	if err != nil || len(out.CommonPrefixes) != 1 || aws.ToString(out.CommonPrefixes[0].Prefix) != "doc/" {
		t.Fatalf("delimiter: %+v, %v", out.CommonPrefixes, err)
	}
	got, err := c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("ver"), Key: aws.String("doc/a.txt"), VersionId: aws.String(ids[0])})
	if err != nil {
		t.Fatalf("an old version of a deleted key: %v", err)
	}
	body, _ := io.ReadAll(got.Body)
	got.Body.Close()
	if string(body) != "one" {
		t.Fatalf("old version reads %q", body)
	}
	if _, err := c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("ver"), Key: aws.String("doc/a.txt"), VersionId: aws.String(marker)}); s3Code(err) != "MethodNotAllowed" {
		t.Fatalf("GetObject of a delete marker: %v", err)
	}
	if _, err := c.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: aws.String("ver"), Key: aws.String("doc/a.txt"), VersionId: aws.String(marker)}); err != nil {
		t.Fatalf("deleting the marker: %v", err)
	}
	got, err = c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("ver"), Key: aws.String("doc/a.txt")})
	if err != nil {
		t.Fatalf("after deleting the marker: %v", err)
	}
	body, _ = io.ReadAll(got.Body)
	got.Body.Close()
	if string(body) != "two!" || aws.ToString(got.VersionId) != ids[1] {
		t.Fatalf("restored key reads %q version %s", body, aws.ToString(got.VersionId))
	}
	out, _ = c.ListObjectVersions(ctx, &awss3.ListObjectVersionsInput{Bucket: aws.String("ver")})
	if len(out.DeleteMarkers) != 0 || len(out.Versions) != 2 || !aws.ToBool(out.Versions[0].IsLatest) {
		t.Fatalf("after the restore: markers %+v versions %+v", out.DeleteMarkers, out.Versions)
	}
}
