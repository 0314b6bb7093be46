package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// The administrator's credentials of the recovery tests.
const (
	recPassword  = "recovery-password"
	recAccessKey = "RECOVERYKEY"
	recSecretKey = "recovery-secret-key"
)

// TestRecoverEndToEnd runs the real binary through the loss of the metadata
// store and its recovery, and through a backup and its restore.
func TestRecoverEndToEnd(t *testing.T) {
	bin := buildBinary(t)
	for _, cmd := range []string{"recover", "backup", "restore"} {
		if code, out, _ := runCmd(t, bin, "help", cmd); code != 0 || !strings.Contains(out, "coffre "+cmd+" ") || !strings.Contains(out, "master key") {
			t.Fatalf("coffre help %s: status %d\n%s", cmd, code, out)
		}
	}
	if code, _, errOut := runCmd(t, bin, "backup"); code != 2 || !strings.Contains(errOut, "missing DEST") {
		t.Fatalf("backup without DEST: status %d %s", code, errOut)
	}
	t.Run("recover", func(t *testing.T) { recoverAfterLosingMeta(t, bin) })
	t.Run("backup restore", func(t *testing.T) { backupAndRestore(t, bin) })
}

// recServer is a coffre serve with S3 and the administrator's clients.
type recServer struct {
	*server
	s3 *awss3.Client
}

func startRecServer(t *testing.T, bin, data string) *recServer {
	t.Helper()
	addr, s3Addr := freeAddr(t), freeAddr(t)
	s := startServerArgs(t, bin, addr, []string{"serve", "--data", data, "--http", addr, "--s3", s3Addr},
		"COFFRE_ADMIN_PASSWORD="+recPassword, "COFFRE_ADMIN_ACCESS_KEY="+recAccessKey, "COFFRE_ADMIN_SECRET_KEY="+recSecretKey)
	c := awss3.New(awss3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String("http://" + s3Addr),
		UsePathStyle: true,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: recAccessKey, SecretAccessKey: recSecretKey}, nil
		}),
	})
	return &recServer{server: s, s3: c}
}

// waitLog waits (bounded) until the server's log holds n lines with want.
func (s *recServer) waitLog(t *testing.T, want string, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for strings.Count(s.stderr.String(), want) < n {
		if time.Now().After(deadline) {
			t.Fatalf("no %q in the log within 30s:\n%s", want, s.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *recServer) put(t *testing.T, bucket, key string, data []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := s.s3.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(data)}); err != nil {
		t.Fatalf("PutObject %s/%s: %v\n%s", bucket, key, err, s.stderr)
	}
}

// get reads an object; nil when S3 says NoSuchKey.
func (s *recServer) get(t *testing.T, bucket, key string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := s.s3.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) && apiErr.ErrorCode() == "NoSuchKey" {
		return nil
	}
	if err != nil {
		t.Fatalf("GetObject %s/%s: %v", bucket, key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// davGet reads path through WebDAV as the administrator.
func (s *recServer) davGet(t *testing.T, path string) []byte {
	t.Helper()
	req, _ := http.NewRequest("GET", "http://"+s.addr+"/dav"+path, nil)
	req.SetBasicAuth("admin", recPassword)
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("WebDAV GET %s: %s", path, resp.Status)
	}
	return b
}

func (s *recServer) mkBucket(t *testing.T, name string) {
	t.Helper()
	if _, err := s.s3.CreateBucket(context.Background(), &awss3.CreateBucketInput{Bucket: aws.String(name)}); err != nil {
		t.Fatalf("CreateBucket: %v", err)
	}
}

func randomBytes(seed uint64, n int) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)})
	r.Read(b)
	return b
}

func sha(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// attachedFiles reads the report's unattached contents: SHA-256 -> file.
func attachedFiles(t *testing.T, report string) map[string]string {
	t.Helper()
	out := map[string]string{}
	re := regexp.MustCompile(`sha256=([0-9a-f]{64}) md5=([0-9a-f]{32}) size=(\d+) written=(\S+) file=(\S+)`)
	for _, m := range re.FindAllStringSubmatch(report, -1) {
		if _, err := time.Parse(time.RFC3339, m[4]); err != nil {
			t.Errorf("written=%s: %v", m[4], err)
		}
		out[m[1]] = m[5]
	}
	return out
}

// recoverAfterLosingMeta is the recovery test: data written before
// and after the last checkpoint, the metadata directory of the stopped
// server deleted, coffre recover, and every file read back byte for byte:
// those written before the checkpoint by their path, those after in
// lost+found by their SHA-256, listed in the report.
func recoverAfterLosingMeta(t *testing.T, bin string) {
	data := filepath.Join(t.TempDir(), "data")
	const checkpointLine = "metadata checkpoint written"
	const inline = 128 << 10 // storage.inline_limit by default

	s := startRecServer(t, bin, data)
	s.waitLog(t, checkpointLine, 1) // the pass at start, of an empty store
	s.mkBucket(t, "docs")
	before := map[string][]byte{
		"a.bin":     randomBytes(1, 300<<10),
		"sub/b.bin": randomBytes(2, 2<<20+12345), // several blocks
		"small.txt": randomBytes(3, 1000),        // inline
	}
	for k, v := range before {
		s.put(t, "docs", k, v)
	}
	s.stop()

	// The pass at this start holds the files above; what follows is after it.
	s = startRecServer(t, bin, data)
	s.waitLog(t, checkpointLine, 1)
	after := map[string][]byte{
		"c.bin":           randomBytes(4, 400<<10),
		"sub/d.bin":       randomBytes(5, 1<<20+7),
		"small-after.txt": randomBytes(6, 2000), // inline: lost with the metadata
	}
	for k, v := range after {
		s.put(t, "docs", k, v)
	}
	aV2 := randomBytes(7, 350<<10) // a new version of a file of the checkpoint
	s.put(t, "docs", "a.bin", aV2)
	s.put(t, "docs", "copy-of-b.bin", before["sub/b.bin"]) // known content under a new name
	s.stop()
	for i := range 4 {
		names, _ := checkpointNames(filepath.Join(data, "drives", fmt.Sprintf("d%d", i+1), checkpointsDir))
		if len(names) != checkpointKeep {
			t.Fatalf("drive %d holds checkpoints %v, want %d", i+1, names, checkpointKeep)
		}
	}

	// The disk of the metadata store is lost.
	if err := os.RemoveAll(filepath.Join(data, "meta")); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd(t, bin, "serve", "--data", data, "--http", freeAddr(t), "--s3", "off")
	if code != 1 || !strings.Contains(errOut, "coffre recover") {
		t.Fatalf("serve without its metadata store: status %d\n%s%s", code, out, errOut)
	}
	if !driveHoldsData(filepath.Join(data, "drives", "d1")) {
		t.Fatal("the refused start removed shard files")
	}
	// A wrong master key is refused, and nothing changes.
	cfgFile := writeConfig(t, fmt.Sprintf("data_dir = %q\n[storage]\nmaster_key = %q\n", data, strings.Repeat("ab", 32)))
	code, out, errOut = runCmd(t, bin, "recover", "--config", cfgFile)
	if code != 1 || !strings.Contains(errOut, "master key does not unwrap") {
		t.Fatalf("recover with another master key: status %d\n%s%s", code, out, errOut)
	}
	if fileExists(filepath.Join(data, "meta")) || fileExists(filepath.Join(data, "meta.recovering")) {
		t.Fatal("a refused recovery left a store behind")
	}

	code, report, errOut := runCmd(t, bin, "recover", "--data", data)
	if code != 0 {
		t.Fatalf("recover: status %d\n%s%s", code, report, errOut)
	}
	t.Logf("recover:\n%s", report)
	for _, want := range []string{"checkpoint      " + filepath.Join(data, "drives"), "3 written after it", "inline_limit (131072 bytes)", "\nok\n"} {
		if !strings.Contains(report, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	files := attachedFiles(t, report)
	lost := map[string][]byte{sha(after["c.bin"]): after["c.bin"], sha(after["sub/d.bin"]): after["sub/d.bin"], sha(aV2): aV2}
	if len(files) != len(lost) {
		t.Fatalf("the report lists %d unattached contents, want %d", len(files), len(lost))
	}
	for h, b := range lost {
		m := md5.Sum(b)
		if !strings.Contains(report, fmt.Sprintf("sha256=%s md5=%x size=%d", h, m, len(b))) {
			t.Errorf("the report does not list %s with its MD5 and size", h)
		}
	}
	if code, _, errOut := runCmd(t, bin, "recover", "--data", data); code != 1 || !strings.Contains(errOut, "opens fine") {
		t.Fatalf("recover over a healthy store: status %d %s", code, errOut)
	}

	s = startRecServer(t, bin, data)
	for k, v := range before {
		if got := s.get(t, "docs", k); !bytes.Equal(got, v) {
			t.Errorf("docs/%s: %d bytes read back, want its %d bytes from before the checkpoint", k, len(got), len(v))
		}
	}
	for _, k := range []string{"c.bin", "sub/d.bin", "small-after.txt", "copy-of-b.bin"} {
		if got := s.get(t, "docs", k); got != nil {
			t.Errorf("docs/%s, named after the checkpoint, exists again", k)
		}
	}
	for h, b := range lost {
		path := files[h]
		if !strings.HasPrefix(path, "/lost+found-") || !strings.HasSuffix(path, "/"+h) {
			t.Fatalf("content %s attached as %q", h, path)
		}
		if got := s.davGet(t, path); !bytes.Equal(got, b) {
			t.Errorf("%s: %d bytes read back, want %d", path, len(got), len(b))
		}
	}
	s.stop()
	code, out, errOut = runCmd(t, bin, "fsck", "--data", data)
	if code != 0 {
		t.Fatalf("fsck after recovery: status %d\n%s%s", code, out, errOut)
	}
}

// backupAndRestore: coffre backup while the server runs (through the
// control socket) and while it is stopped; coffre restore while stopped
// puts the backup back, and what was written since comes back in lost+found.
func backupAndRestore(t *testing.T, bin string) {
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	s := startRecServer(t, bin, data)
	s.mkBucket(t, "docs")
	x, y, z := randomBytes(11, 500<<10), randomBytes(12, 3000), randomBytes(13, 600<<10)
	s.put(t, "docs", "x.bin", x)
	s.put(t, "docs", "y.txt", y)

	sock := filepath.Join(data, controlSocket)
	if fi, err := os.Stat(sock); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("control socket: %v %v", fi, err)
	}
	dest := filepath.Join(dir, "backups", "b1")
	code, out, errOut := runCmd(t, bin, "backup", dest, "--data", data)
	if code != 0 || !strings.Contains(out, "from the running server") || !strings.Contains(out, "NOT part of backups") ||
		!strings.Contains(out, filepath.Join(data, "master.key")) {
		t.Fatalf("backup: status %d\n%s%s", code, out, errOut)
	}
	if _, err := readManifest(dest); err != nil || !storeHasData(filepath.Join(dest, checkpointMeta)) {
		t.Fatalf("backup folder: %v", err)
	}
	if code, _, errOut := runCmd(t, bin, "backup", dest, "--data", data); code != 1 || !strings.Contains(errOut, "exists") {
		t.Fatalf("backup to an existing folder: status %d %s", code, errOut)
	}
	s.put(t, "docs", "z.bin", z) // after the backup
	if code, _, errOut := runCmd(t, bin, "restore", dest, "--data", data); code != 1 || !strings.Contains(errOut, "stop coffre serve") {
		t.Fatalf("restore beside the server: status %d %s", code, errOut)
	}
	s.stop()
	if fileExists(sock) {
		t.Fatal("the control socket outlived the server")
	}

	code, report, errOut := runCmd(t, bin, "restore", dest, "--data", data)
	if code != 0 || !strings.Contains(report, "kept as "+filepath.Join(data, "meta.old-")) || !strings.Contains(report, "NOT part of backups") {
		t.Fatalf("restore: status %d\n%s%s", code, report, errOut)
	}
	files := attachedFiles(t, report)
	if len(files) != 1 || files[sha(z)] == "" {
		t.Fatalf("restore attached %v, want z.bin's content", files)
	}
	s = startRecServer(t, bin, data)
	if !bytes.Equal(s.get(t, "docs", "x.bin"), x) || !bytes.Equal(s.get(t, "docs", "y.txt"), y) || s.get(t, "docs", "z.bin") != nil {
		t.Fatal("the restored store does not hold what the backup held")
	}
	if !bytes.Equal(s.davGet(t, files[sha(z)]), z) {
		t.Fatal("z.bin's content is not in lost+found")
	}
	s.stop()

	dest2 := filepath.Join(dir, "backups", "b2")
	if code, out, errOut := runCmd(t, bin, "backup", dest2, "--data", data); code != 0 || !strings.Contains(out, "offline") {
		t.Fatalf("backup with the server stopped: status %d\n%s%s", code, out, errOut)
	}
	if _, err := readManifest(dest2); err != nil {
		t.Fatal(err)
	}
}
