package auth

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"coffre/storage"
	"coffre/storage/meta"
)

var cheap = Argon2Params{Memory: 64, Time: 1, Threads: 1}

var local = Origin{IP: "127.0.0.1", Protocol: "rest"}

func openMeta(t *testing.T, dir string) *meta.Store {
	t.Helper()
	m, err := meta.Open(dir, meta.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func masterKey(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func newService(t *testing.T, m *meta.Store, mk []byte) *Service {
	t.Helper()
	s, err := New(m, mk, Options{Argon2: cheap})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestBootstrapGeneratesOnce(t *testing.T) {
	m := openMeta(t, t.TempDir())
	s := newService(t, m, masterKey(1))

	created, gen, err := s.Bootstrap(context.Background(), BootstrapInput{})
	if err != nil || !created {
		t.Fatalf("Bootstrap = %v, %v; want created", created, err)
	}
	if gen.Login != "admin" || len(gen.Password) != 24 || len(gen.AccessKey) != 20 || len(gen.SecretKey) != 40 {
		t.Fatalf("generated credentials %+v", gen)
	}
	p, err := s.Login(context.Background(), "admin", gen.Password, local)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Admin || p.Login != "admin" || !strings.HasPrefix(p.UserID, "u-") {
		t.Fatalf("principal %+v", p)
	}
	kp, secret, err := s.SecretKey(context.Background(), gen.AccessKey, local)
	if err != nil || kp.Login != "admin" || kp.UserID != p.UserID || secret != gen.SecretKey {
		t.Fatalf("SecretKey = %+v, %q, %v", kp, secret, err)
	}

	created, again, err := s.Bootstrap(context.Background(), BootstrapInput{Password: "another-password"})
	if err != nil || created || again != (Credentials{}) {
		t.Fatalf("second Bootstrap = %v, %+v, %v; want nothing", created, again, err)
	}
	if _, err := s.Login(context.Background(), "admin", gen.Password, local); err != nil {
		t.Fatalf("second Bootstrap changed the password: %v", err)
	}
}

func TestBootstrapUsesInput(t *testing.T) {
	m := openMeta(t, t.TempDir())
	s := newService(t, m, masterKey(1))
	in := BootstrapInput{Password: "correct horse", AccessKey: "ADMINKEY", SecretKey: "s3cr3t-s3cr3t"}
	created, gen, err := s.Bootstrap(context.Background(), in)
	if err != nil || !created {
		t.Fatal(created, err)
	}
	if gen.Password != "" || gen.AccessKey != "" || gen.SecretKey != "" {
		t.Fatalf("operator-chosen values reported as generated: %+v", gen)
	}
	if _, err := s.Login(context.Background(), "admin", "correct horse", local); err != nil {
		t.Fatal(err)
	}
	if _, secret, err := s.SecretKey(context.Background(), "ADMINKEY", local); err != nil || secret != in.SecretKey {
		t.Fatal(secret, err)
	}
}

func TestBootstrapRejectsBadInput(t *testing.T) {
	m := openMeta(t, t.TempDir())
	s := newService(t, m, masterKey(1))
	for _, in := range []BootstrapInput{
		{Password: "short"},
		{AccessKey: "ab"},
		{AccessKey: "has space"},
		{SecretKey: "short"},
	} {
		if _, _, err := s.Bootstrap(context.Background(), in); !storage.Is(storage.Invalid, err) {
			t.Errorf("Bootstrap(%+v) = %v; want Invalid", in, err)
		}
	}
	if _, err := s.Principal(context.Background(), "admin"); !storage.Is(storage.NotFound, err) {
		t.Fatalf("a rejected bootstrap created the user: %v", err)
	}
}

func TestVerifyPasswordFailures(t *testing.T) {
	m := openMeta(t, t.TempDir())
	s := newService(t, m, masterKey(1))
	if _, _, err := s.Bootstrap(context.Background(), BootstrapInput{Password: "the-password"}); err != nil {
		t.Fatal(err)
	}
	_, errWrong := s.Login(context.Background(), "admin", "the-passworD", local)
	_, errUnknown := s.Login(context.Background(), "nobody", "the-password", local)
	for _, err := range []error{errWrong, errUnknown} {
		if !storage.Is(storage.Unauthenticated, err) {
			t.Fatalf("got %v; want Unauthenticated", err)
		}
	}
	if errWrong.Error() != errUnknown.Error() {
		t.Fatalf("wrong password %q and unknown login %q are distinguishable", errWrong, errUnknown)
	}
	if _, _, err := s.SecretKey(context.Background(), "NOSUCHKEY", local); !storage.Is(storage.Unauthenticated, err) {
		t.Fatalf("SecretKey(unknown) = %v; want Unauthenticated", err)
	}
}

func TestSecretsAtRest(t *testing.T) {
	dir := t.TempDir()
	m := openMeta(t, dir)
	s := newService(t, m, masterKey(1))
	in := BootstrapInput{Password: "plaintext-password", AccessKey: "AKEY", SecretKey: "plaintext-secret-key"}
	if _, _, err := s.Bootstrap(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	var n int
	err := m.ScanPrefix([]byte("a/"), nil, func(k, v []byte) error {
		n++
		if bytes.Contains(v, []byte(in.Password)) || bytes.Contains(v, []byte(in.SecretKey)) {
			t.Errorf("record %q holds a secret in plaintext: %s", k, v)
		}
		return nil
	})
	if err != nil || n != 4 {
		t.Fatalf("scan: %d records, %v", n, err)
	}

	other := newService(t, m, masterKey(2))
	if _, _, err := other.SecretKey(context.Background(), "AKEY", local); !storage.Is(storage.Corrupt, err) {
		t.Fatalf("SecretKey under the wrong master key = %v; want Corrupt", err)
	}
}

func TestSealedSecretBoundToAccessKey(t *testing.T) {
	m := openMeta(t, t.TempDir())
	s := newService(t, m, masterKey(1))
	if _, _, err := s.Bootstrap(context.Background(), BootstrapInput{AccessKey: "KEYONE"}); err != nil {
		t.Fatal(err)
	}
	v, err := m.Get(accessKey("KEYONE"))
	if err != nil {
		t.Fatal(err)
	}
	b := m.NewBatch()
	b.Set(accessKey("KEYTWO"), v) // move the sealed secret to another key
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.SecretKey(context.Background(), "KEYTWO", local); !storage.Is(storage.Corrupt, err) {
		t.Fatalf("moved secret opened: %v", err)
	}
}

func TestNewRejectsShortMasterKey(t *testing.T) {
	m := openMeta(t, t.TempDir())
	if _, err := New(m, make([]byte, 16), Options{}); err == nil {
		t.Fatal("New accepted a 16-byte master key")
	}
}

func TestReopenKeepsUsers(t *testing.T) {
	dir := t.TempDir()
	m, err := meta.Open(dir, meta.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := newService(t, m, masterKey(1))
	_, gen, err := s.Bootstrap(context.Background(), BootstrapInput{})
	if err != nil {
		t.Fatal(err)
	}
	m.Close()

	m2 := openMeta(t, dir)
	s2 := newService(t, m2, masterKey(1))
	if created, _, err := s2.Bootstrap(context.Background(), BootstrapInput{}); err != nil || created {
		t.Fatalf("Bootstrap after reopen = %v, %v", created, err)
	}
	if _, err := s2.Login(context.Background(), "admin", gen.Password, local); err != nil {
		t.Fatal(err)
	}
}
