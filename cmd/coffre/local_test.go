package main

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"coffre/auth"
)

func testConfig(t *testing.T) Config {
	t.Helper()
	c := Default()
	c.DataDir = t.TempDir()
	if err := c.resolve(); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestMasterKeyGeneratedOnce(t *testing.T) {
	c := testConfig(t)
	log := slog.New(slog.DiscardHandler)
	if _, err := masterKey(c, false, log); err == nil {
		t.Fatal("masterKey without create made a key")
	}
	k1, err := masterKey(c, true, log)
	if err != nil || len(k1) != 32 {
		t.Fatal(k1, err)
	}
	fi, err := os.Stat(c.Storage.MasterKeyFile)
	if err != nil || fi.Mode().Perm() != 0o600 || fi.Size() != 32 {
		t.Fatalf("key file %v, %v", fi.Mode(), err)
	}
	k2, err := masterKey(c, true, log)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatal("second call did not return the same key", err)
	}
}

func TestMasterKeyFromConfigAndText(t *testing.T) {
	c := testConfig(t)
	log := slog.New(slog.DiscardHandler)
	if err := os.WriteFile(c.Storage.MasterKeyFile, []byte(strings.Repeat("01", 32)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	k, err := masterKey(c, false, log)
	if err != nil || k[0] != 1 {
		t.Fatal(k, err)
	}
	c.Storage.MasterKey = strings.Repeat("02", 32)
	if k, err := masterKey(c, false, log); err != nil || k[0] != 2 {
		t.Fatal(k, err)
	}
}

func TestMasterKeyNotRegeneratedOverData(t *testing.T) {
	c := testConfig(t)
	if err := os.MkdirAll(c.Storage.Meta, 0o700); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(c.Storage.Meta, "CURRENT"), []byte("MANIFEST-000001\n"), 0o600)
	_, err := masterKey(c, true, slog.New(slog.DiscardHandler))
	if err == nil || !strings.Contains(err.Error(), "restore the key") {
		t.Fatalf("err = %v; want a refusal to make a new key over existing data", err)
	}
	if fileExists(c.Storage.MasterKeyFile) {
		t.Fatal("a key file was written")
	}
}

func TestLockDataDir(t *testing.T) {
	dir := t.TempDir()
	l, err := lockDataDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = lockDataDir(dir) // a second open file description conflicts like another process
	if !errors.Is(err, errLocked) || !strings.Contains(err.Error(), "pid") {
		t.Fatalf("second lock = %v", err)
	}
	if err := l.release(); err != nil {
		t.Fatal(err)
	}
	l, err = lockDataDir(dir)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	l.release()
}

func TestPrintCredentials(t *testing.T) {
	var b bytes.Buffer
	printCredentials(&b, auth.Credentials{Login: "admin", Password: "pw-123456", SecretKey: "sec"})
	out := b.String()
	for _, want := range []string{"admin", "pw-123456", "(as set in COFFRE_ADMIN_ACCESS_KEY)", "sec", "+---"} {
		if !strings.Contains(out, want) {
			t.Errorf("box lacks %q:\n%s", want, out)
		}
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for _, l := range lines {
		if len(l) != len(lines[0]) {
			t.Fatalf("ragged box:\n%s", out)
		}
	}
}

func TestProgressPlain(t *testing.T) {
	var b bytes.Buffer
	p := newProgress(&b, false)
	for i := 0; i <= 1000; i++ {
		p.update(i, 1000)
	}
	p.done()
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 11 || lines[10] != "checked 1000/1000 contents (100%)" {
		t.Fatalf("plain progress:\n%s", b.String())
	}
	b.Reset()
	p = newProgress(&b, true)
	p.update(1, 2)
	p.update(2, 2)
	p.done()
	if !strings.HasPrefix(b.String(), "\rchecking 1/2") || strings.Count(b.String(), "\n") != 1 {
		t.Fatalf("tty progress %q", b.String())
	}
}
