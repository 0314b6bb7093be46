package s3_test

// End-to-end tests with the real clients people use against S3: the aws CLI
// v2, rclone and s3cmd, run as processes against newServer's loopback URL.
// Each test skips when its client is not installed, unless COFFRE_E2E=1
// (set by .ci/run), where a missing client fails it. Files are compared by
// SHA-256. See /shared/CLIENTS.md for the clients' quirks.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"

	"coffre/gateway/s3"
	"coffre/storage"
)

// The clients, by absolute path: an aws-cli v1 may come first on PATH.
const (
	awsPath    = "/usr/bin/aws"
	rclonePath = "/usr/bin/rclone"
	s3cmdPath  = "/usr/bin/s3cmd"
)

// cmdTimeout bounds every client command.
const cmdTimeout = 90 * time.Second

// needClient skips the test when the client at path is missing, or fails it
// when COFFRE_E2E=1 asks that the end-to-end suite really run.
func needClient(t *testing.T, path string) {
	t.Helper()
	if _, err := exec.LookPath(path); err != nil {
		if os.Getenv("COFFRE_E2E") == "1" {
			t.Fatalf("COFFRE_E2E=1 but %s is not installed (apt-get install awscli rclone s3cmd): %v", path, err)
		}
		t.Skipf("%s is not installed (apt-get install awscli rclone s3cmd; COFFRE_E2E=1 makes this a failure)", path)
	}
}

// client runs one client binary with an environment cleaned of anything
// that could point it elsewhere (AWS_*, RCLONE_*, proxies, HOME).
type client struct {
	t    *testing.T
	path string
	env  []string
	dir  string // working directory
}

func newClient(t *testing.T, path string, env ...string) *client {
	t.Helper()
	needClient(t, path)
	home := t.TempDir()
	var clean []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		uk := strings.ToUpper(k)
		if strings.HasPrefix(uk, "AWS_") || strings.HasPrefix(uk, "RCLONE_") || strings.HasSuffix(uk, "_PROXY") ||
			uk == "HOME" || uk == "XDG_CONFIG_HOME" || uk == "XDG_CACHE_HOME" || uk == "S3CMD_CONFIG" {
			continue
		}
		clean = append(clean, kv)
	}
	clean = append(clean, "HOME="+home, "XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_CACHE_HOME="+filepath.Join(home, ".cache"), "LC_ALL=C.UTF-8")
	return &client{t: t, path: path, env: append(clean, env...), dir: home}
}

// try runs the client and returns its standard output and, on failure, an
// error carrying its standard error.
func (c *client) try(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.path, args...)
	cmd.Env, cmd.Dir = c.env, c.dir
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	c.t.Logf("%s %s (%v)", filepath.Base(c.path), strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
	if err != nil {
		return stdout.String(), fmt.Errorf("%s %s: %w\nstdout: %s\nstderr: %s", filepath.Base(c.path),
			strings.Join(args, " "), err, tail(stdout.String()), tail(stderr.String()))
	}
	return stdout.String(), nil
}

// in returns the client for a subtest: failures and skips are t's.
func (c *client) in(t *testing.T) *client {
	d := *c
	d.t = t
	return &d
}

// run is try for a command that must succeed.
func (c *client) run(args ...string) string {
	c.t.Helper()
	out, err := c.try(args...)
	if err != nil {
		c.t.Fatal(err)
	}
	return out
}

// tail keeps the end of a long client output.
func tail(s string) string {
	const max = 4000
	if len(s) > max {
		return "…" + s[len(s)-max:]
	}
	return s
}

// awsCLI is the aws CLI v2 as user c, isolated by its own config and
// credentials files, path style, against the server.
func awsCLI(t *testing.T, s *server, c creds) *client {
	t.Helper()
	dir := t.TempDir()
	config := filepath.Join(dir, "config")
	credentials := filepath.Join(dir, "credentials")
	writeFile(t, config, "[default]\nregion = us-east-1\noutput = json\ns3 =\n"+
		"    addressing_style = path\n    multipart_threshold = 8MB\n    multipart_chunksize = 8MB\n")
	writeFile(t, credentials, fmt.Sprintf("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n", c.Access, c.Secret))
	return newClient(t, awsPath, "AWS_CONFIG_FILE="+config, "AWS_SHARED_CREDENTIALS_FILE="+credentials,
		"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=", "AWS_RETRY_MODE=standard", "AWS_MAX_ATTEMPTS=2")
}

// aws runs an aws CLI command against the server.
func (c *client) aws(s *server, args ...string) string {
	c.t.Helper()
	return c.run(append(args, "--endpoint-url", s.URL)...)
}

func (c *client) tryAWS(s *server, args ...string) (string, error) {
	return c.try(append(args, "--endpoint-url", s.URL)...)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// randomFile writes n pseudo-random bytes from seed to path.
func randomFile(t *testing.T, path string, n int64, seed uint64) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	_, err = io.CopyN(f, rand.NewChaCha8(key), n)
	if err = errors.Join(err, f.Close()); err != nil {
		t.Fatal(err)
	}
}

func fileSHA(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// treeSHA maps each regular file below root (slash-separated relative path)
// to its SHA-256.
func treeSHA(t *testing.T, root string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(root, p)
		m[filepath.ToSlash(rel)] = fileSHA(t, p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// sameTree fails the test unless the trees hold the same files with the
// same SHA-256.
func sameTree(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	for name, sum := range want {
		if g, ok := got[name]; !ok {
			t.Errorf("%s: %q is missing", what, name)
		} else if g != sum {
			t.Errorf("%s: %q has SHA-256 %.12s…, want %.12s…", what, name, g, sum)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("%s: unexpected %q", what, name)
		}
	}
}

// trickyNames are file names that S3 clients and servers get wrong: spaces,
// unicode, signs that URL encodings treat specially, and "a-b" beside the
// folder "a", which S3 orders as "a/" (after "a-b").
var trickyNames = []string{
	"plain.txt",
	"space name.txt",
	"ünïcødé/日本語 ファイル.txt",
	"a-b",
	"a/b",
	"a/c d/e+f=g&h.txt",
	"a%2Fb",
	"100%.txt",
	"tilde~/semi;colon,comma@at.txt",
	"deep/er/est/one MiB.bin",
	"empty",
}

// makeTree writes trickyNames below root with distinct contents (the .bin
// one of 1 MiB, "empty" empty) and returns their SHA-256.
func makeTree(t *testing.T, root string, seed uint64) map[string]string {
	t.Helper()
	for i, name := range trickyNames {
		n := int64(100 + i)
		switch {
		case strings.HasSuffix(name, ".bin"):
			n = 1 << 20
		case name == "empty":
			n = 0
		}
		randomFile(t, filepath.Join(root, filepath.FromSlash(name)), n, seed+uint64(i))
	}
	return treeSHA(t, root)
}

// keysUnder lists every key below prefix through the SDK as admin.
func keysUnder(t *testing.T, s *server, bucket, prefix string) []string {
	t.Helper()
	var keys []string
	p := awss3.NewListObjectsV2Paginator(s.SDK(s.Admin), &awss3.ListObjectsV2Input{Bucket: &bucket, Prefix: &prefix})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatalf("list %s/%s: %v", bucket, prefix, err)
		}
		for _, o := range page.Contents {
			keys = append(keys, *o.Key)
		}
	}
	return keys
}

// lsLine is one object line of `aws s3 ls`: date, time, size, key.
var lsLine = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d +(\d+) (.+)$`)

// TestAWSCLI copies, syncs, lists and removes through `aws s3`: a 70 MiB
// file as a multipart upload of 8 MiB parts and back, a tree of tricky names
// both ways.
func TestAWSCLI(t *testing.T) {
	needClient(t, awsPath)
	t.Parallel() // the clients' start-up is CPU-bound and single-threaded
	s := newServer(t)
	aws := awsCLI(t, s, s.Admin)
	local := t.TempDir()

	aws.aws(s, "s3", "mb", "s3://e2e")
	if info, err := s.As(s.Admin).Stat(ctx, "/e2e"); err != nil || !info.Dir {
		t.Fatalf("after aws s3 mb, /e2e: %+v, %v", info, err)
	}
	out := aws.aws(s, "s3", "ls")
	if !regexp.MustCompile(`(?m)^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d e2e$`).MatchString(out) {
		t.Errorf("aws s3 ls does not list the bucket e2e:\n%s", out)
	}

	t.Run("cp multipart", func(t *testing.T) {
		aws := aws.in(t)
		const size = 70 << 20
		big := filepath.Join(local, "big.bin")
		randomFile(t, big, size, 70)
		aws.aws(s, "s3", "cp", "--no-progress", big, "s3://e2e/dir/big file.bin")
		head, err := s.SDK(s.Admin).HeadObject(ctx, &awss3.HeadObjectInput{Bucket: awsString("e2e"), Key: awsString("dir/big file.bin")})
		if err != nil {
			t.Fatal(err)
		}
		// 70 MiB in parts of 8 MiB: 9 parts, and the multipart ETag says so.
		if *head.ContentLength != size || !strings.HasSuffix(*head.ETag, `-9"`) {
			t.Errorf("uploaded object: %d bytes, ETag %s; want %d bytes in 9 parts", *head.ContentLength, *head.ETag, size)
		}
		down := filepath.Join(local, "big.down")
		aws.aws(s, "s3", "cp", "--no-progress", "s3://e2e/dir/big file.bin", down)
		if got, want := fileSHA(t, down), fileSHA(t, big); got != want {
			t.Errorf("downloaded SHA-256 %s, uploaded %s", got, want)
		}
		// A single PUT below the threshold: its ETag is the MD5.
		small := filepath.Join(local, "small.bin")
		randomFile(t, small, 3<<20, 3)
		aws.aws(s, "s3", "cp", "--no-progress", small, "s3://e2e/dir/small.bin")
		aws.aws(s, "s3", "cp", "--no-progress", "s3://e2e/dir/small.bin", small+".down")
		if got, want := fileSHA(t, small+".down"), fileSHA(t, small); got != want {
			t.Errorf("small file: downloaded SHA-256 %s, uploaded %s", got, want)
		}
	})

	t.Run("sync", func(t *testing.T) {
		aws := aws.in(t)
		src := filepath.Join(local, "src")
		want := makeTree(t, src, 100)
		aws.aws(s, "s3", "sync", "--no-progress", src, "s3://e2e/tree/")

		// ls --recursive shows every key with its size, in S3 order.
		out := aws.aws(s, "s3", "ls", "--recursive", "s3://e2e/tree/")
		var listed []string
		for line := range strings.Lines(out) {
			m := lsLine.FindStringSubmatch(strings.TrimRight(line, "\n"))
			if m == nil {
				t.Errorf("aws s3 ls: unexpected line %q", line)
				continue
			}
			listed = append(listed, m[2])
		}
		var wantKeys []string
		for name := range want {
			wantKeys = append(wantKeys, "tree/"+name)
		}
		slices.Sort(wantKeys) // byte order, as S3 lists
		if !slices.Equal(listed, wantKeys) {
			t.Errorf("aws s3 ls --recursive:\n got %q\nwant %q", listed, wantKeys)
		}

		down := filepath.Join(local, "down")
		aws.aws(s, "s3", "sync", "--no-progress", "s3://e2e/tree/", down)
		sameTree(t, "synced down", treeSHA(t, down), want)

		// Change the source: one file rewritten, one removed, one added;
		// sync --delete both ways makes the copy equal again.
		randomFile(t, filepath.Join(src, "plain.txt"), 5000, 999)
		if err := os.Remove(filepath.Join(src, "a", "b")); err != nil {
			t.Fatal(err)
		}
		randomFile(t, filepath.Join(src, "new dir", "new.txt"), 77, 998)
		want = treeSHA(t, src)
		aws.aws(s, "s3", "sync", "--no-progress", "--delete", src, "s3://e2e/tree/")
		aws.aws(s, "s3", "sync", "--no-progress", "--delete", "s3://e2e/tree/", down)
		sameTree(t, "synced down after changes", treeSHA(t, down), want)
	})

	t.Run("rm recursive", func(t *testing.T) {
		aws := aws.in(t)
		var others []string // the keys outside tree/, which must stay
		for _, k := range keysUnder(t, s, "e2e", "") {
			if !strings.HasPrefix(k, "tree/") {
				others = append(others, k)
			}
		}
		if len(keysUnder(t, s, "e2e", "tree/")) == 0 {
			t.Skip("needs the tree that the sync subtest uploads")
		}
		aws.aws(s, "s3", "rm", "--recursive", "--only-show-errors", "s3://e2e/tree/")
		if keys := keysUnder(t, s, "e2e", "tree/"); len(keys) != 0 {
			t.Errorf("after aws s3 rm --recursive, keys under tree/: %q", keys)
		}
		if keys := keysUnder(t, s, "e2e", ""); !slices.Equal(keys, others) {
			t.Errorf("aws s3 rm --recursive s3://e2e/tree/ left %q in the bucket, want %q", keys, others)
		}
	})
}

// TestAWSCLIVersions turns versioning on with `aws s3api` and reads the
// versions back.
func TestAWSCLIVersions(t *testing.T) {
	needClient(t, awsPath)
	t.Parallel() // the clients' start-up is CPU-bound and single-threaded
	s := newServer(t)
	aws := awsCLI(t, s, s.Admin)
	local := t.TempDir()
	aws.aws(s, "s3api", "create-bucket", "--bucket", "ver")
	aws.aws(s, "s3api", "put-bucket-versioning", "--bucket", "ver", "--versioning-configuration", "Status=Enabled")
	var status struct{ Status string }
	decodeJSON(t, aws.aws(s, "s3api", "get-bucket-versioning", "--bucket", "ver"), &status)
	if status.Status != "Enabled" {
		t.Fatalf("get-bucket-versioning: %+v", status)
	}

	var ids []string
	for i := range 3 {
		f := filepath.Join(local, fmt.Sprintf("v%d", i))
		randomFile(t, f, int64(1000+i), uint64(i))
		var put struct{ VersionId, ETag string }
		decodeJSON(t, aws.aws(s, "s3api", "put-object", "--bucket", "ver", "--key", "doc/v.txt", "--body", f), &put)
		if put.VersionId == "" || put.VersionId == "null" {
			t.Fatalf("put-object in a versioned bucket answered version %q", put.VersionId)
		}
		ids = append(ids, put.VersionId)
	}
	var list struct {
		Versions []struct {
			Key, VersionId string
			IsLatest       bool
			Size           int64
		}
		DeleteMarkers []struct {
			Key, VersionId string
			IsLatest       bool
		}
	}
	decodeJSON(t, aws.aws(s, "s3api", "list-object-versions", "--bucket", "ver"), &list)
	if len(list.Versions) != 3 {
		t.Fatalf("list-object-versions: %+v", list)
	}
	for i, v := range list.Versions { // newest first
		want := ids[2-i]
		if v.Key != "doc/v.txt" || v.VersionId != want || v.IsLatest != (i == 0) || v.Size != int64(1002-i) {
			t.Errorf("version %d: %+v, want id %s", i, v, want)
		}
	}
	// The oldest version reads back as it was written.
	out := filepath.Join(local, "old")
	aws.aws(s, "s3api", "get-object", "--bucket", "ver", "--key", "doc/v.txt", "--version-id", ids[0], out)
	if got, want := fileSHA(t, out), fileSHA(t, filepath.Join(local, "v0")); got != want {
		t.Errorf("get-object --version-id %s: SHA-256 %s, want %s", ids[0], got, want)
	}
	// A delete hides the key; on S3 it leaves a delete marker on top of the
	// versions.
	aws.aws(s, "s3api", "delete-object", "--bucket", "ver", "--key", "doc/v.txt")
	if _, err := s.SDK(s.Admin).HeadObject(ctx, &awss3.HeadObjectInput{Bucket: awsString("ver"), Key: awsString("doc/v.txt")}); s3Code(err) != "404" {
		t.Fatalf("HeadObject after delete-object: %v, want 404", err)
	}
	list.Versions, list.DeleteMarkers = nil, nil
	decodeJSON(t, orEmptyJSON(aws.aws(s, "s3api", "list-object-versions", "--bucket", "ver")), &list)
	if len(list.Versions) != 3 || len(list.DeleteMarkers) != 1 || !list.DeleteMarkers[0].IsLatest || list.DeleteMarkers[0].Key != "doc/v.txt" {
		t.Fatalf("list-object-versions after a delete: %+v", list)
	}
	for _, v := range list.Versions {
		if v.IsLatest {
			t.Errorf("after a delete, version %s is still the latest", v.VersionId)
		}
	}
	// An old version of the deleted key still reads; deleting the marker
	// brings the key back with its newest version.
	aws.aws(s, "s3api", "get-object", "--bucket", "ver", "--key", "doc/v.txt", "--version-id", ids[1], out)
	if got, want := fileSHA(t, out), fileSHA(t, filepath.Join(local, "v1")); got != want {
		t.Errorf("get-object --version-id %s of a deleted key: SHA-256 %s, want %s", ids[1], got, want)
	}
	aws.aws(s, "s3api", "delete-object", "--bucket", "ver", "--key", "doc/v.txt", "--version-id", list.DeleteMarkers[0].VersionId)
	aws.aws(s, "s3api", "get-object", "--bucket", "ver", "--key", "doc/v.txt", out)
	if got, want := fileSHA(t, out), fileSHA(t, filepath.Join(local, "v2")); got != want {
		t.Errorf("after deleting the delete marker: SHA-256 %s, want %s", got, want)
	}
}

// TestAWSCLIMultipart drives a multipart upload step by step with
// `aws s3api`.
func TestAWSCLIMultipart(t *testing.T) {
	needClient(t, awsPath)
	t.Parallel() // the clients' start-up is CPU-bound and single-threaded
	s := newServer(t)
	aws := awsCLI(t, s, s.Admin)
	local := t.TempDir()
	aws.aws(s, "s3", "mb", "s3://mpu")

	var created struct{ UploadId, Key string }
	decodeJSON(t, aws.aws(s, "s3api", "create-multipart-upload", "--bucket", "mpu", "--key", "big/ü file.bin"), &created)
	if created.UploadId == "" {
		t.Fatal("create-multipart-upload answered no UploadId")
	}
	sizes := []int64{5 << 20, 5 << 20, 1234567} // every part but the last at least 5 MiB
	type part struct {
		PartNumber int
		ETag       string
	}
	var parts []part
	whole := sha256.New()
	for i, n := range sizes {
		f := filepath.Join(local, fmt.Sprintf("part%d", i+1))
		randomFile(t, f, n, uint64(50+i))
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		whole.Write(data)
		var up struct{ ETag string }
		decodeJSON(t, aws.aws(s, "s3api", "upload-part", "--bucket", "mpu", "--key", "big/ü file.bin",
			"--upload-id", created.UploadId, "--part-number", fmt.Sprint(i+1), "--body", f), &up)
		parts = append(parts, part{i + 1, up.ETag})
	}
	var listed struct{ Parts []part }
	decodeJSON(t, aws.aws(s, "s3api", "list-parts", "--bucket", "mpu", "--key", "big/ü file.bin", "--upload-id", created.UploadId), &listed)
	if !slices.Equal(listed.Parts, parts) {
		t.Errorf("list-parts: %+v, uploaded %+v", listed.Parts, parts)
	}
	doc, err := json.Marshal(map[string]any{"Parts": parts})
	if err != nil {
		t.Fatal(err)
	}
	partsFile := filepath.Join(local, "parts.json")
	writeFile(t, partsFile, string(doc))
	var done struct{ ETag, Key string }
	decodeJSON(t, aws.aws(s, "s3api", "complete-multipart-upload", "--bucket", "mpu", "--key", "big/ü file.bin",
		"--upload-id", created.UploadId, "--multipart-upload", "file://"+partsFile), &done)
	if !strings.HasSuffix(done.ETag, `-3"`) {
		t.Errorf("complete-multipart-upload: ETag %s, want a 3-part ETag", done.ETag)
	}
	out := filepath.Join(local, "down")
	aws.aws(s, "s3api", "get-object", "--bucket", "mpu", "--key", "big/ü file.bin", out)
	if got, want := fileSHA(t, out), hex.EncodeToString(whole.Sum(nil)); got != want {
		t.Errorf("the completed object has SHA-256 %s, the parts %s", got, want)
	}
	var uploads struct{ Uploads []struct{ UploadId string } }
	decodeJSON(t, orEmptyJSON(aws.aws(s, "s3api", "list-multipart-uploads", "--bucket", "mpu")), &uploads)
	if len(uploads.Uploads) != 0 {
		t.Errorf("after completion, uploads in progress: %+v", uploads.Uploads)
	}
}

// TestAWSCLIPresign fetches a URL made by `aws s3 presign` with Go's HTTP
// client, then again once it has expired.
func TestAWSCLIPresign(t *testing.T) {
	needClient(t, awsPath)
	t.Parallel()          // the clients' start-up is CPU-bound and single-threaded
	var skew atomic.Int64 // the server's clock runs this far ahead
	s := newServerWith(t, func(o *s3.Options) {
		o.Now = func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	})
	aws := awsCLI(t, s, s.Admin)
	local := t.TempDir()
	aws.aws(s, "s3", "mb", "s3://pre")
	f := filepath.Join(local, "f")
	randomFile(t, f, 100_000, 1)
	aws.aws(s, "s3", "cp", "--no-progress", f, "s3://pre/shared file.bin")
	url := strings.TrimSpace(aws.aws(s, "s3", "presign", "s3://pre/shared file.bin", "--expires-in", "60"))
	if !strings.HasPrefix(url, s.URL+"/pre/") || !strings.Contains(url, "X-Amz-Signature=") {
		t.Fatalf("aws s3 presign printed %q", url)
	}
	get := func() (int, []byte) {
		t.Helper()
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, body
	}
	code, body := get()
	sum := sha256.Sum256(body)
	if code != http.StatusOK || hex.EncodeToString(sum[:]) != fileSHA(t, f) {
		t.Fatalf("GET of the presigned URL: %d, %d bytes, SHA-256 %x", code, len(body), sum)
	}
	skew.Store(int64(2 * time.Minute))
	code, body = get()
	if code != http.StatusForbidden || !bytes.Contains(body, []byte("<Code>AccessDenied</Code>")) {
		t.Errorf("GET of the presigned URL after it expired: %d %s", code, body)
	}
}

// TestAWSCLILocked: a key another user locked refuses an upload with an
// error the aws CLI prints, naming the lock's holder.
func TestAWSCLILocked(t *testing.T) {
	needClient(t, awsPath)
	t.Parallel() // the clients' start-up is CPU-bound and single-threaded
	s := newServer(t)
	admin := s.As(s.Admin)
	if _, err := admin.Mkdir(ctx, "/team"); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Put(ctx, "/team/doc.txt", strings.NewReader("v1"), storage.PutOptions{Size: 2}); err != nil {
		t.Fatal(err)
	}
	if err := admin.SetGrant(ctx, "/team", storage.Subject{ID: s.User.Principal.UserID}, storage.AllRights); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Lock(ctx, "/team/doc.txt", storage.LockOptions{Timeout: time.Hour}); err != nil {
		t.Fatal(err)
	}
	bob := awsCLI(t, s, s.User)
	f := filepath.Join(t.TempDir(), "doc.txt")
	writeFile(t, f, "bob's version")
	_, err := bob.tryAWS(s, "s3", "cp", "--no-progress", f, "s3://team/doc.txt")
	if err == nil {
		t.Fatal("aws s3 cp over a key locked by admin succeeded")
	}
	if msg := err.Error(); !strings.Contains(msg, "(Locked)") || !strings.Contains(msg, "admin") {
		t.Errorf("aws s3 cp over a locked key: the CLI's message does not say it is locked by admin:\n%v", err)
	}
	o, err := admin.Open(ctx, "/team/doc.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if o.Info().Size != 2 {
		t.Errorf("the locked file changed: %d bytes", o.Info().Size)
	}
	// Once unlocked, the same command works.
	locks, err := admin.Locks(ctx, "/team/doc.txt")
	if err != nil || len(locks) != 1 {
		t.Fatalf("locks: %v, %v", locks, err)
	}
	if err := admin.Unlock(ctx, locks[0].Token); err != nil {
		t.Fatal(err)
	}
	bob.aws(s, "s3", "cp", "--no-progress", f, "s3://team/doc.txt")
}

func decodeJSON(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("decoding the client's JSON: %v\n%s", err, s)
	}
}

// orEmptyJSON: the aws CLI prints nothing for an answer with no fields.
func orEmptyJSON(s string) string {
	if strings.TrimSpace(s) == "" {
		return "{}"
	}
	return s
}

// rcloneCLI is rclone with the remote "x:" on the server as user c,
// configured by environment variables only.
func rcloneCLI(t *testing.T, s *server, c creds) *client {
	t.Helper()
	home := t.TempDir()
	return newClient(t, rclonePath,
		"RCLONE_CONFIG="+filepath.Join(home, "rclone.conf"), // absent: no config but the environment
		"RCLONE_CONFIG_X_TYPE=s3", "RCLONE_CONFIG_X_PROVIDER=Other", "RCLONE_CONFIG_X_ENDPOINT="+s.URL,
		"RCLONE_CONFIG_X_ACCESS_KEY_ID="+c.Access, "RCLONE_CONFIG_X_SECRET_ACCESS_KEY="+c.Secret,
		"RCLONE_CONFIG_X_REGION=us-east-1", "RCLONE_CONFIG_X_FORCE_PATH_STYLE=true")
}

// rclone runs an rclone command, failing fast rather than retrying.
func (c *client) rclone(args ...string) string {
	c.t.Helper()
	return c.run(append(args, "--retries", "1", "--low-level-retries", "2", "-q")...)
}

// TestRclone copies, checks, syncs and deletes a tree of tricky names with
// rclone's s3 backend.
func TestRclone(t *testing.T) {
	needClient(t, rclonePath)
	t.Parallel() // the clients' start-up is CPU-bound and single-threaded
	s := newServer(t)
	rc := rcloneCLI(t, s, s.Admin)
	local := t.TempDir()
	src := filepath.Join(local, "src")
	want := makeTree(t, src, 200)

	rc.rclone("mkdir", "x:rcl")
	rc.rclone("copy", src, "x:rcl/tree")
	rc.rclone("check", "--download", src, "x:rcl/tree")
	down := filepath.Join(local, "down")
	rc.rclone("copy", "x:rcl/tree", down)
	sameTree(t, "copied back", treeSHA(t, down), want)

	// check --download compares bytes: a changed file is a difference.
	randomFile(t, filepath.Join(src, "space name.txt"), 101, 12345)
	if _, err := rc.try("check", "--download", src, "x:rcl/tree", "--retries", "1", "-q"); err == nil {
		t.Error("rclone check --download found no difference after a file changed")
	}

	// sync makes the remote equal to the source: one file changed (above),
	// one removed, one added.
	if err := os.Remove(filepath.Join(src, "a-b")); err != nil {
		t.Fatal(err)
	}
	randomFile(t, filepath.Join(src, "ünïcødé", "more.bin"), 4096, 7)
	want = treeSHA(t, src)
	rc.rclone("sync", src, "x:rcl/tree")
	rc.rclone("check", "--download", src, "x:rcl/tree")
	down2 := filepath.Join(local, "down2")
	rc.rclone("copy", "x:rcl/tree", down2)
	sameTree(t, "synced and copied back", treeSHA(t, down2), want)
	keys := keysUnder(t, s, "rcl", "tree/")
	if len(keys) != len(want) || slices.Contains(keys, "tree/a-b") {
		t.Errorf("after rclone sync, keys %q, want the %d files of the source", keys, len(want))
	}

	rc.rclone("delete", "x:rcl/tree")
	if keys := keysUnder(t, s, "rcl", ""); len(keys) != 0 {
		t.Errorf("after rclone delete, keys left: %q", keys)
	}
	if out := rc.rclone("lsf", "-R", "--files-only", "x:rcl"); strings.TrimSpace(out) != "" {
		t.Errorf("after rclone delete, rclone lsf lists:\n%s", out)
	}
}

// s3cmdCLI is s3cmd with a generated configuration: path style (host_bucket
// without %(bucket)s), plain HTTP, SigV4.
func s3cmdCLI(t *testing.T, s *server, c creds) (*client, string) {
	t.Helper()
	host := strings.TrimPrefix(s.URL, "http://")
	cfg := filepath.Join(t.TempDir(), "s3cfg")
	writeFile(t, cfg, fmt.Sprintf(`[default]
access_key = %s
secret_key = %s
host_base = %s
host_bucket = %s
bucket_location = us-east-1
use_https = False
signature_v2 = False
check_ssl_certificate = False
multipart_chunk_size_mb = 5
progress_meter = False
max_retries = 1
`, c.Access, c.Secret, host, host))
	return newClient(t, s3cmdPath), cfg
}

// TestS3cmd makes a bucket, puts (once as a multipart upload), gets, lists
// and deletes with s3cmd.
func TestS3cmd(t *testing.T) {
	needClient(t, s3cmdPath)
	t.Parallel() // the clients' start-up is CPU-bound and single-threaded
	s := newServer(t)
	c, cfg := s3cmdCLI(t, s, s.Admin)
	run := func(args ...string) string {
		t.Helper()
		return c.run(append([]string{"-c", cfg, "--no-progress"}, args...)...)
	}
	local := t.TempDir()
	small := filepath.Join(local, "small file.txt")
	randomFile(t, small, 5000, 1)
	big := filepath.Join(local, "big.bin")
	randomFile(t, big, 12<<20, 2) // 3 parts of 5 MiB at most

	run("mb", "s3://s3c")
	run("put", small, "s3://s3c/small file.txt")
	run("put", big, "s3://s3c/dir/ünï big.bin")
	if head, err := s.SDK(s.Admin).HeadObject(ctx, &awss3.HeadObjectInput{Bucket: awsString("s3c"), Key: awsString("dir/ünï big.bin")}); err != nil {
		t.Fatal(err)
	} else if !strings.HasSuffix(*head.ETag, `-3"`) {
		t.Errorf("s3cmd put of 12 MiB in 5 MiB chunks: ETag %s, want 3 parts", *head.ETag)
	}

	out := run("ls", "--recursive", "s3://s3c")
	for _, key := range []string{"s3://s3c/small file.txt", "s3://s3c/dir/ünï big.bin"} {
		if !strings.Contains(out, key) {
			t.Errorf("s3cmd ls --recursive lacks %s:\n%s", key, out)
		}
	}
	out = run("ls", "s3://s3c/")
	if !regexp.MustCompile(`(?m)^\s+DIR\s+s3://s3c/dir/$`).MatchString(out) || !strings.Contains(out, "s3://s3c/small file.txt") {
		t.Errorf("s3cmd ls s3://s3c/ (one level):\n%s", out)
	}

	for name, key := range map[string]string{small: "small file.txt", big: "dir/ünï big.bin"} {
		got := name + ".down"
		run("get", "s3://s3c/"+key, got)
		if g, w := fileSHA(t, got), fileSHA(t, name); g != w {
			t.Errorf("s3cmd get %s: SHA-256 %s, put %s", key, g, w)
		}
	}

	run("del", "s3://s3c/small file.txt")
	run("del", "s3://s3c/dir/ünï big.bin")
	if keys := keysUnder(t, s, "s3c", ""); len(keys) != 0 {
		t.Errorf("after s3cmd del, keys left: %q", keys)
	}
	run("rb", "s3://s3c")
	if _, err := s.As(s.Admin).Stat(ctx, "/s3c"); !storage.Is(storage.NotFound, err) {
		t.Errorf("after s3cmd rb, /s3c: %v", err)
	}
}

// TestExpectContinueEmptyBody: the aws CLI (botocore) sends "Expect:
// 100-continue" with every file body, even an empty one. When the answer
// comes without a 100 Continue first, botocore keeps that answer's status
// line for the next request on the connection, whose real answer it then
// misreads and waits on until its read timeout: `aws s3 sync` of a tree
// holding an empty file stalled for 60 s. S3 answers 100 Continue to every
// such request; so must we, on the same connection, empty body or not.
func TestExpectContinueEmptyBody(t *testing.T) {
	s := newServer(t)
	if _, err := s.SDK(s.Admin).CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: awsString("cont")}); err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(s.URL, "http://")
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	br := bufio.NewReader(conn)
	for i, body := range []string{"", "not empty", ""} {
		req, err := http.NewRequest(http.MethodPut, fmt.Sprintf("%s/cont/k%d", s.URL, i), nil)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(body))
		req.Header.Set("X-Amz-Content-Sha256", hex.EncodeToString(sum[:]))
		req.Header.Set("Content-Length", fmt.Sprint(len(body)))
		if err := v4.NewSigner().SignHTTP(ctx, aws.Credentials{AccessKeyID: s.Admin.Access, SecretAccessKey: s.Admin.Secret},
			req, hex.EncodeToString(sum[:]), "s3", "us-east-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Expect", "100-continue") // unsigned, as botocore sends it
		var head bytes.Buffer
		fmt.Fprintf(&head, "PUT %s HTTP/1.1\r\nHost: %s\r\n", req.URL.RequestURI(), host)
		req.Header.Write(&head)
		head.WriteString("\r\n")
		if _, err := conn.Write(head.Bytes()); err != nil {
			t.Fatal(err)
		}
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("request %d (%d bytes): reading the interim answer: %v", i, len(body), err)
		}
		if strings.TrimSpace(line) != "HTTP/1.1 100 Continue" {
			t.Fatalf("request %d (%d bytes) with Expect: 100-continue: the first answer is %q, not 100 Continue", i, len(body), line)
		}
		for line != "\r\n" { // headers of the interim answer, if any
			if line, err = br.ReadString('\n'); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := io.WriteString(conn, body); err != nil {
			t.Fatal(err)
		}
		resp, err := http.ReadResponse(br, req)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d: %s %s", i, resp.Status, b)
		}
	}
}
