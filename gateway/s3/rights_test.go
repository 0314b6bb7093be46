package s3_test

// The rights matrix of the namespace (storage/storagetest/rights.go), run
// through S3 with a second user's keys: bob (s.User) gets one entry on the
// bucket "team" from the administrator, then lists, reads and writes through
// aws-sdk-go-v2. What bob may not see does not exist for him: NoSuchBucket
// or NoSuchKey, never an AccessDenied that would reveal it.

import (
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"coffre/storage"
)

const (
	rB = storage.Browse
	rR = storage.Read
	rD = storage.Download
	rW = storage.Write
	rE = storage.Edit
	rX = storage.Delete
	rS = storage.Share
)

// The answers of the matrix: success, or an S3 error code.
const (
	okay     = ""
	noBucket = "NoSuchBucket"
	noKey    = "NoSuchKey"
	denied   = "AccessDenied"
)

// rightsTree is the tree of the engine's matrix, made by the administrator:
// bucket team with keys f, m, r, x, sub/f, sub/deep/f, and bucket other.
func rightsTree(t *testing.T, s *server) {
	t.Helper()
	a := s.As(s.Admin)
	for _, d := range []string{"/team", "/team/sub", "/team/sub/deep", "/other"} {
		if _, err := a.Mkdir(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{"/team/f", "/team/r", "/team/m", "/team/x", "/team/sub/f", "/team/sub/deep/f", "/other/f"} {
		if _, err := a.Put(ctx, f, strings.NewReader(f), storage.PutOptions{Size: int64(len(f))}); err != nil {
			t.Fatal(err)
		}
	}
}

// grantBob sets bob's entry on path.
func grantBob(t *testing.T, s *server, path string, r storage.Rights) {
	t.Helper()
	if err := s.As(s.Admin).SetGrant(ctx, path, storage.Subject{ID: s.User.Principal.UserID}, r); err != nil {
		t.Fatal(err)
	}
}

// s3Rows mirror the engine's rightsMatrix: bob's entry on /team, then what
// each S3 operation answers him, in the order they run:
//
//	list:   ListObjectsV2 team with delimiter "/" (and what it shows)
//	get:    GetObject team/f (HeadObject agrees: 200 or 404, 403)
//	new:    PutObject team/new
//	over:   PutObject team/f (a new version)
//	copy:   CopyObject team/f to team/copy
//	delete: DeleteObject team/x
//
// A DeleteObject of a key bob cannot see succeeds and deletes nothing, as S3
// answers for a key that does not exist (the "invisible" rows).
var s3Rows = []struct {
	rights                       storage.Rights
	see                          bool     // ListBuckets shows team, HeadBucket finds it
	list                         string   // ListObjectsV2's answer
	files                        []string // the files it shows (sub/ is always the one folder)
	get, new, over, copy, delete string
	invisibleDelete              bool // delete answers success but x is not bob's to see
}{
	{rights: 0, list: noBucket, get: noBucket, new: noBucket, over: noBucket, copy: noBucket, delete: noBucket},
	{rights: rB, see: true, get: noKey, new: denied, over: denied, copy: noKey, invisibleDelete: true},
	{rights: rR, list: noBucket, get: noBucket, new: noBucket, over: noBucket, copy: noBucket, delete: noBucket},
	{rights: rB | rR, see: true, files: []string{"f", "m", "r", "x"}, get: denied, new: denied, over: denied, copy: denied, delete: denied},
	{rights: rB | rR | rD, see: true, files: []string{"f", "m", "r", "x"}, new: denied, over: denied, copy: denied, delete: denied},
	{rights: rB | rW, see: true, get: noKey, over: denied, copy: noKey, invisibleDelete: true},
	{rights: rB | rR | rD | rW, see: true, files: []string{"f", "m", "r", "x"}, over: denied, delete: denied},
	{rights: rB | rR | rE, see: true, files: []string{"f", "m", "r", "x"}, get: denied, new: denied, copy: denied, delete: denied},
	{rights: rB | rR | rX, see: true, files: []string{"f", "m", "r", "x"}, get: denied, new: denied, over: denied, copy: denied},
	{rights: rB | rS, see: true, get: noKey, new: denied, over: denied, copy: noKey, invisibleDelete: true},
	{rights: rR | rD | rW | rE | rX | rS, list: noBucket, get: noBucket, new: noBucket, over: noBucket, copy: noBucket, delete: noBucket},
	{rights: storage.AllRights, see: true, files: []string{"f", "m", "r", "x"}},
}

// s3Code is the S3 error code of an SDK error ("" for none), or for a HEAD
// answer, which has no body, the code its status stands for.
func s3Code(err error) string {
	if err == nil {
		return okay
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		switch re.HTTPStatusCode() {
		case 403:
			if c := apiCode(err); c == "Forbidden" || c == "" {
				return denied
			}
		case 404:
			if c := apiCode(err); c == "NotFound" || c == "" {
				return "404"
			}
		}
	}
	if c := apiCode(err); c != "" {
		return c
	}
	return err.Error()
}

// headCode is what a HEAD answers for an operation's code: S3 answers HEAD
// without a body, so a missing bucket or key is a bare 404.
func headCode(code string) string {
	if code == noBucket || code == noKey {
		return "404"
	}
	return code
}

func bucketNames(t *testing.T, c *awss3.Client) []string {
	t.Helper()
	out, err := c.ListBuckets(ctx, &awss3.ListBucketsInput{})
	if err != nil {
		t.Fatalf("ListBuckets: %v", err)
	}
	var names []string
	for _, b := range out.Buckets {
		names = append(names, *b.Name)
	}
	return names
}

// listing is one ListObjectsV2 page with delimiter "/": keys and prefixes.
func listing(t *testing.T, c *awss3.Client, bucket, prefix string) (files, prefixes []string, err error) {
	t.Helper()
	out, err := c.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: &bucket, Prefix: &prefix, Delimiter: aws.String("/")})
	if err != nil {
		return nil, nil, err
	}
	for _, o := range out.Contents {
		files = append(files, *o.Key)
	}
	for _, p := range out.CommonPrefixes {
		prefixes = append(prefixes, *p.Prefix)
	}
	return files, prefixes, nil
}

func getObject(t *testing.T, c *awss3.Client, bucket, key string) (string, error) {
	t.Helper()
	out, err := c.GetObject(ctx, &awss3.GetObjectInput{Bucket: &bucket, Key: &key})
	if err != nil {
		return "", err
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	return string(b), err
}

func putObject(t *testing.T, c *awss3.Client, bucket, key, body string) error {
	t.Helper()
	_, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: &bucket, Key: &key, Body: strings.NewReader(body)})
	return err
}

func copyObject(t *testing.T, c *awss3.Client, bucket, from, to string) error {
	t.Helper()
	_, err := c.CopyObject(ctx, &awss3.CopyObjectInput{Bucket: &bucket, Key: &to, CopySource: aws.String(bucket + "/" + from)})
	return err
}

func deleteObject(t *testing.T, c *awss3.Client, bucket, key string) error {
	t.Helper()
	_, err := c.DeleteObject(ctx, &awss3.DeleteObjectInput{Bucket: &bucket, Key: &key})
	return err
}

// adminHas reports whether the file exists, as the administrator sees it,
// and its content.
func adminHas(t *testing.T, s *server, path string) (bool, string) {
	t.Helper()
	o, err := s.As(s.Admin).Open(ctx, path)
	if storage.Is(storage.NotFound, err) {
		return false, ""
	}
	if err != nil {
		t.Fatalf("admin open %s: %v", path, err)
	}
	defer o.Close()
	b, err := io.ReadAll(io.NewSectionReader(o, 0, o.Info().Size))
	if err != nil {
		t.Fatal(err)
	}
	return true, string(b)
}

func TestRightsMatrix(t *testing.T) {
	for _, row := range s3Rows {
		t.Run(row.rights.String(), func(t *testing.T) {
			s := newServer(t)
			rightsTree(t, s)
			if row.rights != 0 {
				grantBob(t, s, "/team", row.rights)
			}
			bob := s.SDK(s.User)
			check := func(what, want string, err error) {
				t.Helper()
				if got := s3Code(err); got != want {
					t.Errorf("%s with %v: got %q (%v), want %q", what, row.rights, got, err, want)
				}
			}

			wantBuckets := []string(nil)
			if row.see {
				wantBuckets = []string{"team"}
			}
			if got := bucketNames(t, bob); !slices.Equal(got, wantBuckets) {
				t.Errorf("ListBuckets shows bob %q, want %q", got, wantBuckets)
			}
			_, err := bob.HeadBucket(ctx, &awss3.HeadBucketInput{Bucket: aws.String("team")})
			check("HeadBucket", map[bool]string{true: okay, false: "404"}[row.see], err)

			files, prefixes, err := listing(t, bob, "team", "")
			check("ListObjectsV2", row.list, err)
			if err == nil {
				if !slices.Equal(files, row.files) || !slices.Equal(prefixes, []string{"sub/"}) {
					t.Errorf("ListObjectsV2 shows files %q and prefixes %q, want %q and [sub/]", files, prefixes, row.files)
				}
			}

			_, err = bob.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String("team"), Key: aws.String("f")})
			wantHead := row.get
			if row.get == denied && len(row.files) > 0 { // HEAD needs to see the file, not to download it
				wantHead = okay
			}
			check("HeadObject team/f", headCode(wantHead), err)
			body, err := getObject(t, bob, "team", "f")
			check("GetObject team/f", row.get, err)
			if err == nil && body != "/team/f" {
				t.Errorf("GetObject team/f = %q", body)
			}

			check("PutObject team/new", row.new, putObject(t, bob, "team", "new", "new"))
			check("PutObject team/f", row.over, putObject(t, bob, "team", "f", "over"))
			check("CopyObject team/f to team/copy", row.copy, copyObject(t, bob, "team", "f", "copy"))
			check("DeleteObject team/x", row.delete, deleteObject(t, bob, "team", "x"))

			// Behind S3's back: exactly the allowed changes happened.
			has := func(path string, want bool, wantBody string) {
				t.Helper()
				got, b := adminHas(t, s, path)
				if got != want || (want && wantBody != "" && b != wantBody) {
					t.Errorf("afterwards %s exists %v (%q), want %v (%q)", path, got, b, want, wantBody)
				}
			}
			has("/team/new", row.new == okay, "new")
			over := "/team/f"
			if row.over == okay {
				over = "over"
			}
			has("/team/f", true, over)
			has("/team/copy", row.copy == okay, over)
			has("/team/x", row.delete != okay || row.invisibleDelete, "/team/x")
			if got := bucketNames(t, bob); slices.Contains(got, "other") {
				t.Errorf("ListBuckets shows bob the bucket other, where he has no entry: %q", got)
			}
		})
	}
}

// TestRightsHiddenFolder: a folder bob may not browse, inside a bucket where
// he holds every right, does not exist for him.
func TestRightsHiddenFolder(t *testing.T) {
	s := newServer(t)
	rightsTree(t, s)
	grantBob(t, s, "/team", storage.AllRights)
	grantBob(t, s, "/team/sub", rR)
	bob := s.SDK(s.User)

	files, prefixes, err := listing(t, bob, "team", "")
	if err != nil || !slices.Equal(files, []string{"f", "m", "r", "x"}) || len(prefixes) != 0 {
		t.Errorf("ListObjectsV2 team: files %q, prefixes %q, %v; want f m r x and no sub/", files, prefixes, err)
	}
	files, prefixes, err = listing(t, bob, "team", "sub/")
	if err != nil || len(files)+len(prefixes) != 0 {
		t.Errorf("ListObjectsV2 team prefix sub/: files %q, prefixes %q, %v; want nothing", files, prefixes, err)
	}
	out, err := bob.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String("team")})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range out.Contents {
		if strings.HasPrefix(*o.Key, "sub/") {
			t.Errorf("a recursive ListObjectsV2 shows %q", *o.Key)
		}
	}

	_, err = getObject(t, bob, "team", "sub/f")
	if got := s3Code(err); got != noKey {
		t.Errorf("GetObject team/sub/f: %q (%v), want NoSuchKey", got, err)
	}
	_, err = bob.HeadObject(ctx, &awss3.HeadObjectInput{Bucket: aws.String("team"), Key: aws.String("sub/deep/f")})
	if got := s3Code(err); got != "404" {
		t.Errorf("HeadObject team/sub/deep/f: %q (%v), want 404", got, err)
	}
	if got := s3Code(copyObject(t, bob, "team", "sub/f", "stolen")); got != noKey {
		t.Errorf("CopyObject from team/sub/f: %q, want NoSuchKey", got)
	}
	if err := putObject(t, bob, "team", "sub/f", "over"); err == nil {
		t.Error("PutObject over team/sub/f, in a folder bob cannot see, succeeded")
	} else if s3Code(err) == denied {
		// Denied would be honest about a name he may not know; the namespace
		// itself answers NotFound here.
		t.Logf("PutObject team/sub/f: %v", err)
	}
	if err := deleteObject(t, bob, "team", "sub/f"); err != nil && s3Code(err) != noKey {
		t.Errorf("DeleteObject team/sub/f: %v", err)
	}
	for _, p := range []string{"/team/sub/f", "/team/sub/deep/f"} {
		if ok, body := adminHas(t, s, p); !ok || body != p {
			t.Errorf("%s after bob's attempts: exists %v, %q", p, ok, body)
		}
	}
	if ok, _ := adminHas(t, s, "/team/stolen"); ok {
		t.Error("a copy of a hidden file was made")
	}
}

// TestRightsTraverse: an entry deep in a bucket lets bob see the bucket and
// the way down, nothing else.
func TestRightsTraverse(t *testing.T) {
	s := newServer(t)
	rightsTree(t, s)
	grantBob(t, s, "/team/sub", rB|rR|rD)
	bob := s.SDK(s.User)

	if got := bucketNames(t, bob); !slices.Equal(got, []string{"team"}) {
		t.Errorf("ListBuckets: %q, want [team]", got)
	}
	files, prefixes, err := listing(t, bob, "team", "")
	if err != nil || len(files) != 0 || !slices.Equal(prefixes, []string{"sub/"}) {
		t.Errorf("ListObjectsV2 team: files %q, prefixes %q, %v; want only sub/", files, prefixes, err)
	}
	files, prefixes, err = listing(t, bob, "team", "sub/")
	if err != nil || !slices.Equal(files, []string{"sub/f"}) || !slices.Equal(prefixes, []string{"sub/deep/"}) {
		t.Errorf("ListObjectsV2 team/sub/: files %q, prefixes %q, %v", files, prefixes, err)
	}
	if _, err := getObject(t, bob, "team", "f"); s3Code(err) != noKey {
		t.Errorf("GetObject team/f in a folder bob only traverses: %v, want NoSuchKey", err)
	}
	if body, err := getObject(t, bob, "team", "sub/deep/f"); err != nil || body != "/team/sub/deep/f" {
		t.Errorf("GetObject team/sub/deep/f: %q, %v", body, err)
	}
	if got := s3Code(putObject(t, bob, "team", "n", "n")); got != denied {
		t.Errorf("PutObject team/n in a traversed folder: %q, want AccessDenied", got)
	}
	if _, err := getObject(t, bob, "other", "f"); s3Code(err) != noBucket {
		t.Errorf("GetObject other/f: %v, want NoSuchBucket", err)
	}
	_, err = bob.HeadBucket(ctx, &awss3.HeadBucketInput{Bucket: aws.String("other")})
	if s3Code(err) != "404" {
		t.Errorf("HeadBucket other: %v, want 404", err)
	}
}

// TestRightsCreateBucket: creating a bucket needs Write at the root; the
// creator of a bucket holds every right in it.
func TestRightsCreateBucket(t *testing.T) {
	s := newServer(t)
	bob := s.SDK(s.User)
	_, err := bob.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("mine")})
	if s3Code(err) != denied {
		t.Fatalf("CreateBucket by bob with no rights: %v, want AccessDenied", err)
	}
	grantBob(t, s, "/", rW)
	if _, err := bob.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("mine")}); err != nil {
		t.Fatalf("CreateBucket with Write at the root: %v", err)
	}
	if err := putObject(t, bob, "mine", "a/b.txt", "b"); err != nil {
		t.Fatalf("PutObject in his own bucket: %v", err)
	}
	if body, err := getObject(t, bob, "mine", "a/b.txt"); err != nil || body != "b" {
		t.Errorf("GetObject in his own bucket: %q, %v", body, err)
	}
	if got := bucketNames(t, bob); !slices.Equal(got, []string{"mine"}) {
		t.Errorf("ListBuckets: %q, want [mine]", got)
	}
	if err := deleteObject(t, bob, "mine", "a/b.txt"); err != nil {
		t.Errorf("DeleteObject in his own bucket: %v", err)
	}
}

// TestRightsLocked: a key the administrator locked refuses bob's writes
// with the error code Locked and a message naming the holder (what the aws
// CLI prints), and changes nothing; reading it still works.
func TestRightsLocked(t *testing.T) {
	s := newServer(t)
	rightsTree(t, s)
	grantBob(t, s, "/team", storage.AllRights)
	if _, err := s.As(s.Admin).Lock(ctx, "/team/f", storage.LockOptions{Timeout: time.Hour}); err != nil {
		t.Fatal(err)
	}
	bob := s.SDK(s.User)
	locked := func(what string, err error) {
		t.Helper()
		if apiCode(err) != "Locked" {
			t.Errorf("%s of a key locked by admin: %v, want Locked", what, err)
			return
		}
		if !strings.Contains(err.Error(), "locked by admin") {
			t.Errorf("%s: the message does not name the lock's holder: %v", what, err)
		}
	}
	locked("PutObject", putObject(t, bob, "team", "f", "over"))
	locked("CopyObject onto it", copyObject(t, bob, "team", "r", "f"))
	locked("DeleteObject", deleteObject(t, bob, "team", "f"))
	if body, err := getObject(t, bob, "team", "f"); err != nil || body != "/team/f" {
		t.Errorf("GetObject of a locked key: %q, %v", body, err)
	}
	if ok, body := adminHas(t, s, "/team/f"); !ok || body != "/team/f" {
		t.Errorf("the locked file changed: exists %v, %q", ok, body)
	}
	// The administrator's own lock does not stop the administrator.
	if err := putObject(t, s.SDK(s.Admin), "team", "f", "admin's"); err != nil {
		t.Errorf("PutObject by the lock's holder: %v", err)
	}
}
