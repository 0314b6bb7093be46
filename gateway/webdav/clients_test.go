package webdav_test

// End-to-end tests with real WebDAV clients (rclone's webdav backend,
// cadaver), run as processes against the loopback server. Each skips when
// its client is missing, unless COFFRE_E2E=1, where a missing client fails
// it. See /shared/CLIENTS.md for the clients' quirks.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"coffre/internal/teststack"
	"coffre/storage/storagetest"
)

// cmdTimeout bounds every client command.
const cmdTimeout = 90 * time.Second

// needClient skips the test when the client at path is missing, or fails it
// under COFFRE_E2E=1.
func needClient(t *testing.T, path, pkg string) {
	t.Helper()
	if _, err := exec.LookPath(path); err != nil {
		if os.Getenv("COFFRE_E2E") == "1" {
			t.Fatalf("COFFRE_E2E=1 but %s is not installed (apt-get install %s): %v", path, pkg, err)
		}
		t.Skipf("%s is not installed (apt-get install %s; COFFRE_E2E=1 makes this a failure)", path, pkg)
	}
}

// run runs a client with a clean environment plus env, in dir, with stdin.
func run(t *testing.T, dir, stdin string, env []string, name string, args ...string) (string, error) {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(c, name, args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"HOME=" + dir, "PATH=/usr/bin:/bin", "LANG=C.UTF-8"}, env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if c.Err() != nil {
		t.Fatalf("%s %v timed out:\n%s", name, args, out.String())
	}
	return out.String(), err
}

// makeTree writes files of various sizes and names under root and returns
// their SHA-256 by relative path.
func makeTree(t *testing.T, root string, seed uint64) map[string]string {
	t.Helper()
	files := map[string]int{
		"small.txt":                 12,
		"empty":                     0,
		"with space/un fichier.bin": 200 << 10,
		"été/中文 ünïcode.md":         3000,
		"deep/a/b/c/big.bin":        3<<20 + 5,
	}
	want := map[string]string{}
	i := seed
	for rel, n := range files {
		i++
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		b := storagetest.Payload(i, n)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		want[rel] = hex.EncodeToString(sum[:])
	}
	return want
}

func treeSHA(t *testing.T, root string) map[string]string {
	t.Helper()
	got := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		sum := sha256.Sum256(b)
		got[filepath.ToSlash(rel)] = hex.EncodeToString(sum[:])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func sameTree(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d files, want %d: %v", what, len(got), len(want), got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s differs", what, k)
		}
	}
}

func TestRclone(t *testing.T) {
	const rclone = "/usr/bin/rclone"
	needClient(t, rclone, "rclone")
	s := newServer(t)
	dir := t.TempDir()
	obscured, err := run(t, dir, "", nil, rclone, "obscure", s.Bob.Password)
	if err != nil {
		t.Fatalf("rclone obscure: %v %s", err, obscured)
	}
	env := []string{
		"RCLONE_CONFIG_DAV_TYPE=webdav",
		"RCLONE_CONFIG_DAV_URL=" + s.URL + "/dav/",
		"RCLONE_CONFIG_DAV_VENDOR=other",
		"RCLONE_CONFIG_DAV_USER=" + s.Bob.Login,
		"RCLONE_CONFIG_DAV_PASS=" + strings.TrimSpace(obscured),
	}
	rc := func(args ...string) string {
		t.Helper()
		out, err := run(t, dir, "", env, rclone, append([]string{"--config", "/dev/null", "--low-level-retries", "1", "--retries", "1"}, args...)...)
		if err != nil {
			t.Fatalf("rclone %v: %v\n%s", args, err, out)
		}
		return out
	}
	src := filepath.Join(dir, "src")
	want := makeTree(t, src, 10)
	rc("copy", src, "dav:team/rc")
	rc("check", "--download", src, "dav:team/rc")
	for rel, sum := range want {
		b := content(t, s.As(s.Bob), "/team/rc/"+rel)
		got := sha256.Sum256([]byte(b))
		if hex.EncodeToString(got[:]) != sum {
			t.Errorf("%s differs in the namespace", rel)
		}
	}
	back := filepath.Join(dir, "back")
	rc("copy", "dav:team/rc", back)
	sameTree(t, "rclone copy back", treeSHA(t, back), want)

	// sync: a change, an addition, a removal; overwrites are versions.
	os.WriteFile(filepath.Join(src, "small.txt"), []byte("changed!"), 0o644)
	os.WriteFile(filepath.Join(src, "added.txt"), []byte("new"), 0o644)
	os.Remove(filepath.Join(src, "empty"))
	rc("sync", src, "dav:team/rc")
	rc("check", "--download", src, "dav:team/rc")
	if vs, err := s.As(s.Bob).Versions(ctx, "/team/rc/small.txt"); err != nil || len(vs) != 2 {
		t.Errorf("small.txt versions: %d %v", len(vs), err)
	}
	if out := rc("lsf", "-R", "dav:team/rc"); !strings.Contains(out, "été/中文 ünïcode.md") || strings.Contains(out, "empty\n") {
		t.Errorf("lsf:\n%s", out)
	}
	rc("moveto", "dav:team/rc/added.txt", "dav:team/rc/with space/moved.txt")
	rc("purge", "dav:team/rc")
	if _, err := s.As(s.Bob).Stat(ctx, "/team/rc"); err == nil {
		t.Error("purged folder still there")
	}
	if items, _ := s.As(s.Bob).Trash(ctx, false); len(items) == 0 {
		t.Error("the purge did not go to the trash")
	}
}

func TestCadaver(t *testing.T) {
	const cadaver = "/usr/bin/cadaver"
	needClient(t, cadaver, "cadaver")
	s := newServer(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, ".netrc"), []byte(fmt.Sprintf("machine 127.0.0.1 login %s password %s\n", s.Bob.Login, s.Bob.Password)), 0o600)
	os.WriteFile(filepath.Join(dir, "local.txt"), []byte("from cadaver\n"), 0o644)
	script := strings.Join([]string{
		"mkcol sub",
		"cd sub",
		"put local.txt remote.txt",
		"lock remote.txt",
		"put local.txt remote.txt",
		"discover remote.txt",
		"unlock remote.txt",
		"propset remote.txt color blue",
		"propget remote.txt color",
		"copy remote.txt copy.txt",
		"move copy.txt moved.txt",
		"ls",
		"get moved.txt fetched.txt",
		"delete remote.txt",
		"quit",
	}, "\n") + "\n"
	out, err := run(t, dir, script, nil, cadaver, s.URL+"/dav/team/")
	if err != nil {
		t.Fatalf("cadaver: %v\n%s", err, out)
	}
	// Status lines, not bare numbers: a lock token's UUID may hold "423".
	for _, bad := range []string{"failed", "Failed", "403 Forbidden", "423 Locked", "500 Internal"} {
		if strings.Contains(out, bad) {
			t.Errorf("cadaver output has %q:\n%s", bad, out)
			break
		}
	}
	if !strings.Contains(out, "blue") || !strings.Contains(out, "moved.txt") {
		t.Errorf("cadaver output:\n%s", out)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "fetched.txt")); string(b) != "from cadaver\n" {
		t.Errorf("fetched: %q", b)
	}
	if got := content(t, s.As(s.Bob), "/team/sub/moved.txt"); got != "from cadaver\n" {
		t.Errorf("moved.txt: %q", got)
	}
	if testing.Verbose() {
		t.Log(out)
	}
}

// TestRcloneMount mounts /dav/team/ with rclone mount (FUSE), writes a tree
// through the mount, unmounts, and checks it in the namespace.
func TestRcloneMount(t *testing.T) {
	const rclone, fusermount = "/usr/bin/rclone", "/usr/bin/fusermount3"
	needClient(t, rclone, "rclone")
	needClient(t, fusermount, "fuse3")
	if _, err := os.Stat("/dev/fuse"); err != nil {
		t.Skip("no /dev/fuse")
	}
	s := newServer(t)
	dir := t.TempDir()
	obscured, err := run(t, dir, "", nil, rclone, "obscure", s.Bob.Password)
	if err != nil {
		t.Fatalf("rclone obscure: %v %s", err, obscured)
	}
	mnt := filepath.Join(dir, "mnt")
	os.Mkdir(mnt, 0o755)
	c, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(c, rclone, "--config", "/dev/null", "mount", "dav:team", mnt, "--vfs-cache-mode", "writes",
		"--cache-dir", filepath.Join(dir, "cache"), "--dir-cache-time", "1s", "--vfs-write-back", "0s", "-v")
	cmd.Env = []string{
		"HOME=" + dir, "PATH=/usr/bin:/bin",
		"RCLONE_CONFIG_DAV_TYPE=webdav",
		"RCLONE_CONFIG_DAV_URL=" + s.URL + "/dav/",
		"RCLONE_CONFIG_DAV_VENDOR=other",
		"RCLONE_CONFIG_DAV_USER=" + s.Bob.Login,
		"RCLONE_CONFIG_DAV_PASS=" + strings.TrimSpace(obscured),
	}
	var out teststack.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }() // owned: the test waits for it below
	unmounted := false
	unmount := func() {
		unmounted = true
		exec.Command(fusermount, "-u", mnt).Run()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}
	defer func() {
		if !unmounted {
			unmount()
		}
	}()
	// Wait for the mount: the folder shows team's content.
	put(t, s.As(s.Bob), "/team/ready.txt", "ready")
	deadline := time.Now().Add(20 * time.Second)
	for {
		if b, err := os.ReadFile(filepath.Join(mnt, "ready.txt")); err == nil && string(b) == "ready" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the mount did not come up:\n%s", out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
	want := makeTree(t, filepath.Join(mnt, "tree"), 30)
	sameTree(t, "read through the mount", treeSHA(t, filepath.Join(mnt, "tree")), want)
	// rclone 1.60 uploads closed files in the background and does not wait
	// for its queue when unmounted: wait for the namespace to hold them.
	deadline = time.Now().Add(30 * time.Second)
	for rel, sum := range want {
		for {
			if _, err := s.As(s.Bob).Stat(ctx, "/team/tree/"+rel); err == nil {
				got := sha256.Sum256([]byte(content(t, s.As(s.Bob), "/team/tree/"+rel)))
				if hex.EncodeToString(got[:]) == sum {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s did not reach the namespace:\n%s", rel, out.String())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	unmount()
}
