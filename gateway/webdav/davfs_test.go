package webdav_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDavfs2 mounts /dav/team/ with davfs2 (root and FUSE needed; buf_size
// 64 for kernels 6.16 and later), reads and writes through the mount, and
// checks the files in the namespace.
func TestDavfs2(t *testing.T) {
	const mountDavfs = "/usr/sbin/mount.davfs"
	needClient(t, mountDavfs, "davfs2")
	if os.Getuid() != 0 {
		t.Skip("mount.davfs needs root")
	}
	s := newServer(t)
	dir := t.TempDir()
	os.Chmod(filepath.Dir(dir), 0o755) // the daemon runs as the davfs2 user
	os.Chmod(dir, 0o755)
	mnt := filepath.Join(dir, "mnt")
	cache := filepath.Join(dir, "cache")
	os.Mkdir(mnt, 0o755)
	os.Mkdir(cache, 0o777)
	os.Chmod(cache, 0o777) // past the umask
	conf := filepath.Join(dir, "davfs2.conf")
	os.WriteFile(conf, []byte("buf_size 64\nuse_locks 1\nask_auth 1\ncache_dir "+cache+"\n"), 0o644)
	put(t, s.As(s.Bob), "/team/server.txt", "written over the namespace")
	url := s.URL + "/dav/team/"
	out, err := run(t, dir, s.Bob.Password+"\n", nil, mountDavfs, "-o", "conf="+conf+",username="+s.Bob.Login+",uid=0,gid=0", url, mnt)
	if err != nil {
		t.Fatalf("mount.davfs: %v\n%s", err, out)
	}
	mounted := true
	t.Cleanup(func() {
		if mounted {
			exec.Command("/usr/bin/umount", mnt).Run()
		}
	})
	b, err := os.ReadFile(filepath.Join(mnt, "server.txt"))
	if err != nil || string(b) != "written over the namespace" {
		t.Fatalf("read through the mount: %q %v", b, err)
	}
	if err := os.MkdirAll(filepath.Join(mnt, "from mount", "été"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(mnt, "from mount", "été", "a file.txt"), []byte("through davfs2"), 0o644); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(mnt)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !strings.Contains(strings.Join(names, ","), "server.txt") {
		t.Errorf("listing: %v", names)
	}
	// davfs2 uploads on close or unmount: unmount, then check.
	if out, err := exec.Command("/usr/bin/umount", mnt).CombinedOutput(); err != nil {
		t.Fatalf("umount: %v %s", err, out)
	}
	mounted = false
	if got := content(t, s.As(s.Bob), "/team/from mount/été/a file.txt"); got != "through davfs2" {
		t.Errorf("written through the mount: %q", got)
	}
}
