package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"

	"coffre/internal/teststack"
)

// TestEndToEnd builds the real binary once and runs it as a subprocess.
func TestEndToEnd(t *testing.T) {
	bin := buildBinary(t)
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, string)
	}{
		{"lifecycle", serveLifecycle},
		{"env credentials", serveUsesEnvCredentials},
		{"command line", commandLine},
		{"fsck without key", fsckRefusesFreshDataWithoutKey},
		{"fsck orphans", fsckFindsAndRemovesOrphans},
		{"config file", serveWithConfigFile},
		{"port taken", servePortTaken},
		{"request rate", serveRequestRate},
		{"s3", serveS3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, bin)
		})
	}
}

func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := filepath.Join(t.TempDir(), "coffre")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

type server struct {
	t      *testing.T
	cmd    *exec.Cmd
	addr   string
	stdout *teststack.Buffer
	stderr *teststack.Buffer
	done   chan error
}

// startServer runs coffre serve on data and waits (bounded) for /health.
func startServer(t *testing.T, bin, data string, env ...string) *server {
	t.Helper()
	addr := freeAddr(t)
	return startServerArgs(t, bin, addr, []string{"serve", "--data", data, "--http", addr, "--s3", freeAddr(t)}, env...)
}

// startServerArgs runs coffre with args, which make it listen on addr, and
// waits (bounded) for /health.
func startServerArgs(t *testing.T, bin, addr string, args []string, env ...string) *server {
	t.Helper()
	s := &server{t: t, addr: addr, stdout: &teststack.Buffer{}, stderr: &teststack.Buffer{}, done: make(chan error, 1)}
	s.cmd = exec.Command(bin, args...)
	s.cmd.Env = append(os.Environ(), "COFFRE_ADMIN_PASSWORD=", "COFFRE_ADMIN_ACCESS_KEY=", "COFFRE_ADMIN_SECRET_KEY=")
	s.cmd.Env = append(s.cmd.Env, env...)
	s.cmd.Stdout, s.cmd.Stderr = s.stdout, s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			s.cmd.Process.Kill() // by PID: only the process this test started
			<-s.done
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		if code, _ := s.get("/health"); code == http.StatusOK {
			return s
		}
		select {
		case err := <-s.done:
			t.Fatalf("coffre serve exited early: %v\nstderr:\n%s", err, s.stderr)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no /health within 30s\nstderr:\n%s", s.stderr)
		}
	}
}

// waitLog waits (bounded) until the server's log holds text.
func (s *server) waitLog(text string) {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(s.stderr.String(), text) {
		if time.Now().After(deadline) {
			s.t.Fatalf("no %q in the log within 30s\nstderr:\n%s", text, s.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (s *server) get(path string) (int, map[string]string) {
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get("http://" + s.addr + path)
	if err != nil {
		return 0, nil
	}
	defer resp.Body.Close()
	var body map[string]string
	json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&body)
	return resp.StatusCode, body
}

// stop sends SIGTERM and waits (bounded) for a clean exit.
func (s *server) stop() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		s.t.Fatal(err)
	}
	select {
	case err := <-s.done:
		if err != nil {
			s.t.Fatalf("coffre serve exited with %v after SIGTERM\nstderr:\n%s", err, s.stderr)
		}
	case <-time.After(30 * time.Second):
		s.t.Fatalf("coffre serve did not stop within 30s of SIGTERM\nstderr:\n%s", s.stderr)
	}
}

// runCmd runs the binary to completion (bounded) and returns its exit status.
func runCmd(t *testing.T, bin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("coffre %v did not finish within 60s", args)
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String(), errb.String()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, out.String(), errb.String()
}

// credentialBox extracts the printed credentials ("password" -> value).
func credentialBox(out string) map[string]string {
	creds := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		line := strings.Trim(sc.Text(), "| ")
		for _, k := range []string{"login", "password", "access key", "secret key"} {
			if v, ok := strings.CutPrefix(line, k+" "); ok {
				creds[k] = strings.TrimSpace(v)
			}
		}
	}
	return creds
}

func serveLifecycle(t *testing.T, bin string) {
	data := filepath.Join(t.TempDir(), "data")

	// First start: the administrator's credentials are printed once.
	s := startServer(t, bin, data)
	if code, body := s.get("/ready"); code != http.StatusOK || body["status"] != "ready" {
		t.Fatalf("/ready = %d %v\nstderr:\n%s", code, body, s.stderr)
	}
	// While serving, offline commands refuse.
	code, _, errOut := runCmd(t, bin, "fsck", "--data", data)
	if code != 1 || !strings.Contains(errOut, "stop coffre serve") {
		t.Fatalf("fsck beside a running server: status %d, stderr %q", code, errOut)
	}
	// A second server on the same data directory refuses too.
	code, _, errOut = runCmd(t, bin, "serve", "--data", data, "--http", freeAddr(t))
	if code != 1 || !strings.Contains(errOut, "data directory is in use") {
		t.Fatalf("second serve on one data directory: status %d, stderr %q", code, errOut)
	}
	s.stop()
	creds := credentialBox(s.stdout.String())
	if creds["login"] != "admin" || len(creds["password"]) < 16 || len(creds["access key"]) < 16 || len(creds["secret key"]) < 32 {
		t.Fatalf("first start printed %v:\n%s", creds, s.stdout)
	}
	if fi, err := os.Stat(filepath.Join(data, "master.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("master key file: %v", err)
	}
	if !strings.Contains(s.stderr.String(), "metadata store closed") {
		t.Fatalf("no clean close in the log:\n%s", s.stderr)
	}

	// Second start: Pebble reopens, nothing secret is printed.
	s = startServer(t, bin, data)
	if code, _ := s.get("/ready"); code != http.StatusOK {
		t.Fatalf("/ready after restart = %d\nstderr:\n%s", code, s.stderr)
	}
	s.stop()
	for _, secret := range []string{creds["password"], creds["secret key"]} {
		if strings.Contains(s.stdout.String(), secret) || strings.Contains(s.stderr.String(), secret) {
			t.Fatalf("second start printed a secret:\n%s\n%s", s.stdout, s.stderr)
		}
	}
	if out := s.stdout.String(); out != "" {
		t.Fatalf("second start wrote to stdout:\n%s", out)
	}

	// Stopped: fsck runs, deep too, and finds nothing wrong in the content
	// or in the namespace.
	for _, args := range [][]string{{"fsck", "--data", data}, {"fsck", "--deep", "--data", data}} {
		code, out, errOut := runCmd(t, bin, args...)
		if code != 0 || !strings.Contains(out, "contents") || !strings.Contains(out, "ok") || !strings.Contains(out, "namespace ") {
			t.Fatalf("%v on a stopped store: status %d\nstdout:\n%s\nstderr:\n%s", args, code, out, errOut)
		}
	}

	// Lose 3 of 4 drives while running: not ready, with the reason. The
	// start-up checkpoint writes to the drives: let it finish first.
	s = startServer(t, bin, data)
	s.waitLog("metadata checkpoint written")
	breakDrive := func(d string) {
		dir := filepath.Join(data, "drives", d)
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dir, []byte("not a folder"), 0o400); err != nil {
			t.Fatal(err)
		}
	}
	breakDrive("d1") // 3 of 4 left: still a write quorum for 2+2
	if code, body := s.get("/ready"); code != http.StatusOK {
		t.Fatalf("/ready with 1 of 4 drives gone = %d %v", code, body)
	}
	breakDrive("d2")
	breakDrive("d3")
	code, body := s.get("/ready")
	if code != http.StatusServiceUnavailable || body["status"] != "unavailable" || !strings.Contains(body["reason"], "drives") {
		t.Fatalf("/ready with 3 of 4 drives gone = %d %v", code, body)
	}
	if code, _ := s.get("/health"); code != http.StatusOK {
		t.Fatalf("/health with drives gone = %d", code)
	}
	s.stop()

	// Restarting on the broken drive set still serves /health and says why it is not ready.
	s = startServer(t, bin, data)
	if code, body := s.get("/ready"); code != http.StatusServiceUnavailable || body["reason"] == "" {
		t.Fatalf("/ready after restart with 3 drives gone = %d %v", code, body)
	}
	s.stop()
}

func serveUsesEnvCredentials(t *testing.T, bin string) {
	data := filepath.Join(t.TempDir(), "data")
	s := startServer(t, bin, data,
		"COFFRE_ADMIN_PASSWORD=operator-password", "COFFRE_ADMIN_ACCESS_KEY=OPERATORKEY", "COFFRE_ADMIN_SECRET_KEY=operator-secret-key")
	s.stop()
	out := s.stdout.String() + s.stderr.String()
	if strings.Contains(out, "operator-password") || strings.Contains(out, "operator-secret-key") {
		t.Fatalf("operator-chosen secrets were echoed:\n%s", out)
	}
	if creds := credentialBox(s.stdout.String()); !strings.Contains(creds["password"], "COFFRE_ADMIN_PASSWORD") {
		t.Fatalf("box %v", creds)
	}
}

func commandLine(t *testing.T, bin string) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{nil, 2, "Usage:"},
		{[]string{"frobnicate"}, 2, `unknown command "frobnicate"`},
		{[]string{"version"}, 0, "coffre 0."},
		{[]string{"help"}, 0, "coffre serve"},
		{[]string{"help", "fsck"}, 0, "-repair"},
		{[]string{"serve", "--nope"}, 2, "flag provided but not defined"},
		{[]string{"serve", "extra"}, 2, `unexpected argument "extra"`},
		{[]string{"serve", "--config", "/nonexistent/coffre.toml"}, 1, "config /nonexistent/coffre.toml"},
		{[]string{"serve", "--http", "nonsense"}, 1, "http.addr"},
		{[]string{"fsck", "--data", "/nonexistent/data"}, 1, "does not exist"},
	} {
		code, out, errOut := runCmd(t, bin, tc.args...)
		if code != tc.code || !strings.Contains(out+errOut, tc.want) {
			t.Errorf("coffre %v: status %d (want %d), output:\n%s%s", tc.args, code, tc.code, out, errOut)
		}
	}
}

func fsckRefusesFreshDataWithoutKey(t *testing.T, bin string) {
	data := t.TempDir()
	code, _, errOut := runCmd(t, bin, "fsck", "--data", data)
	if code != 1 || !strings.Contains(errOut, "master key") {
		t.Fatalf("fsck on an empty data directory: %d %s", code, errOut)
	}
}

// fsckFindsAndRemovesOrphans plants a shard file no content owns: fsck
// reports it and fails, fsck --repair removes it, and fsck passes again.
func fsckFindsAndRemovesOrphans(t *testing.T, bin string) {
	data := filepath.Join(t.TempDir(), "data")
	s := startServer(t, bin, data)
	s.stop()

	orphan := filepath.Join(data, "drives", "d2", "blobs", "ab", "ab"+strings.Repeat("0", 30))
	if err := os.MkdirAll(filepath.Dir(orphan), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(orphan, []byte("left by a crashed write"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd(t, bin, "fsck", "--data", data)
	if code != 1 || !strings.Contains(out, "orphan shards  1") || !strings.Contains(out, "--repair") {
		t.Fatalf("fsck with an orphan: status %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	code, out, errOut = runCmd(t, bin, "fsck", "--data", data, "--repair")
	if code != 0 {
		t.Fatalf("fsck --repair: status %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if fileExists(orphan) {
		t.Fatal("fsck --repair left the orphan shard file")
	}
	if code, out, _ := runCmd(t, bin, "fsck", "--data", data); code != 0 || !strings.Contains(out, "orphan shards  0") {
		t.Fatalf("fsck after repair: status %d\n%s", code, out)
	}
}

// serveWithConfigFile starts from a config file (JSON logs, its own data
// directory and drive set) and checks that a config with a typo is refused.
func serveWithConfigFile(t *testing.T, bin string) {
	dir := t.TempDir()
	addr := freeAddr(t)
	cfg := filepath.Join(dir, "coffre.toml")
	text := fmt.Sprintf(`data_dir = %q
[http]
addr = %q
[storage]
drives = ["a", "b", "c"]
data_shards = 2
parity_shards = 1
[log]
format = "json"
level = "debug"
`, filepath.Join(dir, "store"), addr)
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServerArgs(t, bin, addr, []string{"serve", "--config", cfg, "--s3", freeAddr(t)})
	if code, _ := s.get("/ready"); code != http.StatusOK {
		t.Fatalf("/ready = %d\nstderr:\n%s", code, s.stderr)
	}
	// A refused login logs two lines, the access log's and auth's: both
	// carry the request ID the client sent.
	req, _ := http.NewRequest("POST", "http://"+addr+"/api/auth", strings.NewReader(`{"user":"admin","password":"wrong"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-Id", "e2e-login-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d", resp.StatusCode)
	}
	s.stop()
	tagged := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(s.stderr.String()), "\n") {
		var v map[string]any
		if err := json.Unmarshal([]byte(line), &v); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if v["request_id"] == "e2e-login-1" {
			tagged[v["msg"].(string)] = true
		}
	}
	if !tagged["login failed"] || !tagged["request"] {
		t.Errorf("lines with the request's ID: %v, want the access log's and auth's\n%s", tagged, s.stderr)
	}
	for _, d := range []string{"a", "b", "c"} {
		if fi, err := os.Stat(filepath.Join(dir, "store", d)); err != nil || !fi.IsDir() {
			t.Fatalf("drive %s not created: %v", d, err)
		}
	}

	if err := os.WriteFile(cfg, []byte("[storage]\ndata_shard = 2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCmd(t, bin, "serve", "--config", cfg)
	if code != 1 || !strings.Contains(errOut, "unknown setting(s) storage.data_shard") {
		t.Fatalf("config with a typo: status %d, stderr %q", code, errOut)
	}
}

// serveRequestRate: with a rate of one request a minute and bursts of 2,
// a client's third request gets 429 from the main listener and 503
// SlowDown from the S3 one.
func serveRequestRate(t *testing.T, bin string) {
	dir := t.TempDir()
	addr, s3Addr := freeAddr(t), freeAddr(t)
	cfg := filepath.Join(dir, "coffre.toml")
	text := fmt.Sprintf("data_dir = %q\n[http]\nrequest_rate = 0.016\nrequest_burst = 2\n", filepath.Join(dir, "store"))
	if err := os.WriteFile(cfg, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServerArgs(t, bin, addr, []string{"serve", "--config", cfg, "--http", addr, "--s3", s3Addr})
	defer s.stop()
	// startServerArgs polled /health until it answered: the burst may be
	// spent already, so count only what follows the first refusal.
	status := func(url string) (int, string) {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for i := 0; ; i++ {
		code, _ := status("http://" + addr + "/health")
		if code == http.StatusTooManyRequests {
			break
		}
		if i == 3 {
			t.Fatalf("no 429 after a burst of 2: %d", code)
		}
	}
	for i := 0; ; i++ {
		code, body := status("http://" + s3Addr + "/")
		if code == http.StatusServiceUnavailable {
			if !strings.Contains(body, "<Code>SlowDown</Code>") {
				t.Fatalf("S3 refusal: %s", body)
			}
			break
		}
		if i == 3 {
			t.Fatalf("no 503 SlowDown from S3 after a burst of 2: %d %s", code, body)
		}
	}
}

// servePortTaken: a first start on a taken port fails before creating the
// administrator, so the next start still creates it and prints its secrets.
func servePortTaken(t *testing.T, bin string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	data := filepath.Join(t.TempDir(), "data")
	code, out, errOut := runCmd(t, bin, "serve", "--data", data, "--http", ln.Addr().String())
	if code != 1 || out != "" || !strings.Contains(errOut, "http listener") {
		t.Fatalf("serve on a taken port: status %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	s := startServer(t, bin, data)
	s.stop()
	if creds := credentialBox(s.stdout.String()); len(creds["password"]) < 16 {
		t.Fatalf("start after a failed one printed no credentials:\n%s", s.stdout)
	}
}

// serveS3: a user and an access key made with the CLI, then a signed
// CreateBucket and listings from aws-sdk-go-v2 against the S3 listener of
// the running binary; --s3 off serves no S3.
func serveS3(t *testing.T, bin string) {
	data := filepath.Join(t.TempDir(), "data")
	// A taken S3 port fails the start before the administrator exists.
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd(t, bin, "serve", "--data", data, "--http", freeAddr(t), "--s3", taken.Addr().String())
	taken.Close()
	if code != 1 || out != "" || !strings.Contains(errOut, "s3 listener") {
		t.Fatalf("serve on a taken S3 port: status %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	s := startServer(t, bin, data)
	s.stop()
	if creds := credentialBox(s.stdout.String()); len(creds["secret key"]) < 32 {
		t.Fatalf("the start after a failed one printed no credentials:\n%s", s.stdout)
	}
	var password string
	for _, args := range [][]string{
		{"user", "add", "alice"},
		{"right", "grant", "/", "--user", "alice", "--rights", "write"},
	} {
		code, out, errOut := runCmd(t, bin, append(args, "--data", data)...)
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, errOut)
		}
		if m := regexp.MustCompile(`password: (\S+)`).FindStringSubmatch(out); m != nil {
			password = m[1]
		}
	}
	code, out, errOut = runCmd(t, bin, "key", "create", "alice", "--json", "--data", data)
	var key struct {
		AccessKey string `json:"access_key"`
		SecretKey string `json:"secret_key"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &key) != nil || key.SecretKey == "" {
		t.Fatalf("key create: exit %d\n%s%s", code, out, errOut)
	}

	addr, s3Addr := freeAddr(t), freeAddr(t)
	s = startServerArgs(t, bin, addr, []string{"serve", "--data", data, "--http", addr, "--s3", s3Addr})
	client := func(secret string) *awss3.Client {
		return awss3.New(awss3.Options{
			Region:       "us-east-1",
			BaseEndpoint: aws.String("http://" + s3Addr),
			UsePathStyle: true,
			Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
				return aws.Credentials{AccessKeyID: key.AccessKey, SecretAccessKey: secret}, nil
			}),
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := client(key.SecretKey)
	if _, err := c.CreateBucket(ctx, &awss3.CreateBucketInput{Bucket: aws.String("alice-photos")}); err != nil {
		t.Fatalf("CreateBucket: %v\nstderr:\n%s", err, s.stderr)
	}
	buckets, err := c.ListBuckets(ctx, &awss3.ListBucketsInput{})
	if err != nil || len(buckets.Buckets) != 1 || aws.ToString(buckets.Buckets[0].Name) != "alice-photos" || aws.ToString(buckets.Owner.DisplayName) != "alice" {
		t.Fatalf("ListBuckets: %+v %v", buckets, err)
	}
	objects, err := c.ListObjectsV2(ctx, &awss3.ListObjectsV2Input{Bucket: aws.String("alice-photos")})
	if err != nil || aws.ToInt32(objects.KeyCount) != 0 || aws.ToString(objects.Name) != "alice-photos" {
		t.Fatalf("ListObjectsV2: %+v %v", objects, err)
	}
	// One namespace: what S3 writes, WebDAV reads, and the other way round.
	if _, err := c.PutObject(ctx, &awss3.PutObjectInput{Bucket: aws.String("alice-photos"), Key: aws.String("trip/day 1.txt"), Body: strings.NewReader("from S3")}); err != nil {
		t.Fatalf("PutObject: %v", err)
	}
	dav := func(method, path, body string) (int, string) {
		req, _ := http.NewRequestWithContext(ctx, method, "http://"+addr+"/dav/alice-photos/"+path, strings.NewReader(body))
		req.SetBasicAuth("alice", password)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("WebDAV %s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := dav("GET", "trip/day%201.txt", ""); code != http.StatusOK || body != "from S3" {
		t.Fatalf("WebDAV GET of an S3 object: %d %q", code, body)
	}
	if code, _ := dav("PUT", "trip/day%202.txt", "from WebDAV"); code != http.StatusCreated {
		t.Fatalf("WebDAV PUT: %d", code)
	}
	got, err := c.GetObject(ctx, &awss3.GetObjectInput{Bucket: aws.String("alice-photos"), Key: aws.String("trip/day 2.txt")})
	if err != nil {
		t.Fatalf("GetObject of a WebDAV file: %v", err)
	}
	if b, _ := io.ReadAll(got.Body); string(b) != "from WebDAV" {
		t.Fatalf("GetObject of a WebDAV file: %q", b)
	}
	got.Body.Close()

	var apiErr smithy.APIError
	if _, err := client("wrong"+key.SecretKey[5:]).ListBuckets(ctx, &awss3.ListBucketsInput{}); !errors.As(err, &apiErr) || apiErr.ErrorCode() != "SignatureDoesNotMatch" {
		t.Fatalf("ListBuckets with a wrong secret: %v", err)
	}
	s.stop()
	if log := s.stderr.String(); !strings.Contains(log, "s3="+s3Addr) || !strings.Contains(log, "ListObjectsV2") && !strings.Contains(log, "/alice-photos") {
		t.Fatalf("the log does not show the S3 listener and its requests:\n%s", log)
	}

	addr = freeAddr(t)
	s = startServerArgs(t, bin, addr, []string{"serve", "--data", data, "--http", addr, "--s3", "off"})
	s.stop()
	if !strings.Contains(s.stderr.String(), "S3 endpoint off") {
		t.Fatalf("--s3 off:\n%s", s.stderr)
	}
}
