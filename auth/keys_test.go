package auth

import (
	"context"
	"testing"

	"coffre/storage"
)

func TestAccessKeys(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	u := f.user(t, "quinn", "")
	k1, s1, err := f.s.CreateKey(ctx, "quinn")
	if err != nil {
		t.Fatal(err)
	}
	if len(k1.AccessKey) != 20 || len(s1) != 40 || k1.UserID != u.ID {
		t.Fatalf("key %+v secret %d chars", k1, len(s1))
	}
	k2, _, _ := f.s.CreateKey(ctx, "quinn")
	ks, err := f.s.Keys(ctx, "quinn")
	if err != nil || len(ks) != 2 {
		t.Fatalf("Keys = %+v, %v", ks, err)
	}
	p, secret, err := f.s.SecretKey(ctx, k1.AccessKey, local)
	if err != nil || secret != s1 || p.UserID != u.ID || p.Login != "quinn" {
		t.Fatalf("SecretKey = %+v %q %v", p, secret, err)
	}
	// Renaming the owner keeps the key working under the new login.
	nl := "quinn2"
	f.s.UpdateUser(ctx, "quinn", UserChange{Login: &nl})
	if p, _, err := f.s.SecretKey(ctx, k1.AccessKey, local); err != nil || p.Login != "quinn2" {
		t.Fatalf("after rename: %+v %v", p, err)
	}
	f.user(t, "rita", "")
	if err := f.s.RevokeKey(ctx, "rita", k1.AccessKey); !storage.Is(storage.NotFound, err) {
		t.Fatalf("revoking another user's key: %v", err)
	}
	if err := f.s.RevokeKey(ctx, "quinn2", k1.AccessKey); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.s.SecretKey(ctx, k1.AccessKey, local); !storage.Is(storage.Unauthenticated, err) {
		t.Fatalf("revoked key: %v", err)
	}
	if ks, _ := f.s.Keys(ctx, "quinn2"); len(ks) != 1 || ks[0].AccessKey != k2.AccessKey {
		t.Fatalf("left %+v", ks)
	}
	f.s.SetUserOptions(ctx, "quinn2", &ConnOptions{IPs: []string{"10.0.0.0/8"}})
	if _, _, err := f.s.SecretKey(ctx, k2.AccessKey, Origin{IP: "192.0.2.1"}); !storage.Is(storage.Permission, err) {
		t.Fatalf("key from a refused address: %v", err)
	}
	if _, _, err := f.s.SecretKey(ctx, k2.AccessKey, Origin{IP: "10.1.2.3"}); err != nil {
		t.Fatal(err)
	}
}

// A store written before user IDs were indexed (only a/u/ and a/k/ with a
// login) is brought up to date by New.
func TestUpgradeOldLayout(t *testing.T) {
	dir := t.TempDir()
	m := openMeta(t, dir)
	s := newService(t, m, masterKey(1))
	sealed, _ := seal(s.aead, []byte("old-secret-old-secret"), []byte("OLDKEY"))
	b := m.NewBatch()
	b.Set(userKey("admin"), []byte(`{"id":"u-0123","login":"admin","role":1,"password":"","created":"2025-01-01T00:00:00Z"}`))
	setJSON(b, accessKey("OLDKEY"), key{Login: "admin", Secret: sealed})
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	s2 := newService(t, m, masterKey(1))
	ctx := context.Background()
	u, err := s2.UserByID(ctx, "u-0123")
	if err != nil || !u.Active || u.Role != RoleAdmin {
		t.Fatalf("upgraded user %+v %v", u, err)
	}
	if ks, err := s2.Keys(ctx, "admin"); err != nil || len(ks) != 1 {
		t.Fatalf("upgraded keys %+v %v", ks, err)
	}
	if p, secret, err := s2.SecretKey(ctx, "OLDKEY", local); err != nil || secret != "old-secret-old-secret" || p.UserID != "u-0123" {
		t.Fatalf("upgraded SecretKey %+v %q %v", p, secret, err)
	}
}
