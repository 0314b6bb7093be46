package billing_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"coffre/billing"
	"coffre/storage"
	"coffre/storage/audit"
	"coffre/storage/meta"
)

var ctx = context.Background()

const (
	devSecret  = "sk_test_51HdevSECRETvalue0000abcd"
	prodSecret = "sk_live_51HprodSECRETvalue999wxyz"
	hookSecret = "whsec_HOOKsecretVALUEforPROD5678"
)

func open(t *testing.T, dir string) (*meta.Store, *audit.Log) {
	t.Helper()
	m, err := meta.Open(dir, meta.Options{})
	if err != nil {
		t.Fatal(err)
	}
	log, err := audit.New(m, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return m, log
}

func TestBillingRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "meta")
	m, log := open(t, dir)
	key := billing.DeriveKey(bytes.Repeat([]byte{3}, 32))
	s, err := billing.New(m, key, billing.Options{Audit: log})
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Get(ctx)
	if err != nil || c.Mode != billing.Dev || c.Dev != (billing.Keys{}) || c.UpdatedBy != "" {
		t.Fatalf("fresh = %+v, %v", c, err)
	}

	who := audit.Entry{UserID: "u-1", Login: "admin", Protocol: "rest"}
	c, err = s.Update(ctx, billing.Change{
		Dev:  billing.KeysChange{PublishableKey: ptr("pk_test_abc"), SecretKey: ptr(devSecret)},
		Prod: billing.KeysChange{PublishableKey: ptr("pk_live_abc"), SecretKey: ptr(prodSecret), WebhookSecret: ptr(hookSecret)},
	}, who)
	if err != nil {
		t.Fatal(err)
	}
	want := billing.Config{Mode: "dev",
		Dev:  billing.Keys{PublishableKey: "pk_test_abc", SecretKey: "sk_test_…abcd"},
		Prod: billing.Keys{PublishableKey: "pk_live_abc", SecretKey: "sk_live_…wxyz", WebhookSecret: "whsec_…5678"},
	}
	if c.Mode != want.Mode || c.Dev != want.Dev || c.Prod != want.Prod || c.UpdatedBy != "u-1" || c.Updated.IsZero() {
		t.Fatalf("after update = %+v", c)
	}

	// Clearing a key; a change of nothing writes nothing.
	if c, err = s.Update(ctx, billing.Change{Dev: billing.KeysChange{SecretKey: ptr("")}}, who); err != nil || c.Dev.SecretKey != "" {
		t.Fatalf("clear = %+v, %v", c, err)
	}
	if _, err = s.Update(ctx, billing.Change{}, who); err != nil {
		t.Fatal(err)
	}

	// dev has lost its secret key: switching to it is refused; prod works.
	if c, err = s.SwitchMode(ctx, "prod", who); err != nil || c.Mode != "prod" {
		t.Fatalf("switch to prod = %+v, %v", c, err)
	}
	_, err = s.SwitchMode(ctx, "dev", who)
	var fe *billing.FieldError
	if !storage.Is(storage.Invalid, err) || !errors.As(err, &fe) || fe.Field != "mode" || !fe.Unconfigured {
		t.Fatalf("switch to unconfigured dev: %v", err)
	}
	if _, err = s.SwitchMode(ctx, "staging", who); !errors.As(err, &fe) || fe.Field != "mode" || fe.Unconfigured {
		t.Fatalf("unknown mode: %v", err)
	}
	if _, err = s.SwitchMode(ctx, "prod", who); err != nil {
		t.Fatal(err)
	}

	page, err := log.Query(ctx, audit.Query{Types: []string{billing.TypeChange, billing.TypeModeSwitch}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range page.Entries {
		if e.UserID != "u-1" || !e.OK {
			t.Errorf("entry %+v", e)
		}
		got = append(got, e.Type+": "+e.Detail)
	}
	wantLog := []string{
		"stripe_config_change: dev.publishable_key, dev.secret_key, prod.publishable_key, prod.secret_key, prod.webhook_secret",
		"stripe_config_change: dev.secret_key",
		"stripe_mode_switch: dev -> prod",
	}
	if strings.Join(got, "\n") != strings.Join(wantLog, "\n") {
		t.Fatalf("audit:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantLog, "\n"))
	}

	// No secret in clear anywhere in the store.
	err = m.Scan(nil, nil, func(k, v []byte) error {
		for _, secret := range []string{devSecret, prodSecret, hookSecret, "SECRETvalue", "HOOKsecret"} {
			if bytes.Contains(k, []byte(secret)) || bytes.Contains(v, []byte(secret)) {
				t.Errorf("%q in clear under %q", secret, k)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	m.Close()

	// After a restart, the same key opens the secrets; another does not.
	m, _ = open(t, dir)
	defer m.Close()
	s, _ = billing.New(m, key, billing.Options{})
	if c, err = s.Get(ctx); err != nil || c.Mode != "prod" || c.Prod.SecretKey != "sk_live_…wxyz" {
		t.Fatalf("after reopen = %+v, %v", c, err)
	}
	other, _ := billing.New(m, billing.DeriveKey(bytes.Repeat([]byte{4}, 32)), billing.Options{})
	if _, err := other.Get(ctx); !storage.Is(storage.Corrupt, err) || strings.Contains(err.Error(), "wxyz") {
		t.Fatalf("wrong key: %v", err)
	}
}

func TestBillingValidation(t *testing.T) {
	m, _ := open(t, t.TempDir())
	defer m.Close()
	s, err := billing.New(m, billing.DeriveKey(bytes.Repeat([]byte{3}, 32)), billing.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		ch    billing.Change
		field string
	}{
		{billing.Change{Dev: billing.KeysChange{SecretKey: ptr(prodSecret)}}, "dev.secret_key"}, // a live key in dev
		{billing.Change{Prod: billing.KeysChange{PublishableKey: ptr("pk_test_x")}}, "prod.publishable_key"},
		{billing.Change{Prod: billing.KeysChange{WebhookSecret: ptr("whsec_ab cd")}}, "prod.webhook_secret"},
		{billing.Change{Dev: billing.KeysChange{SecretKey: ptr("sk_test_")}}, "dev.secret_key"},
		{billing.Change{Dev: billing.KeysChange{SecretKey: ptr("sk_test_" + strings.Repeat("a", 250))}}, "dev.secret_key"},
	} {
		_, err := s.Update(ctx, tc.ch, audit.Entry{})
		var fe *billing.FieldError
		if !storage.Is(storage.Invalid, err) || !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%+v: %v", tc.ch, err)
			continue
		}
		if strings.Contains(err.Error(), "sk_live_51") || strings.Contains(err.Error(), "ab cd") {
			t.Errorf("the error shows the value: %v", err)
		}
	}
	// A restricted key is a secret key too.
	if c, err := s.Update(ctx, billing.Change{Dev: billing.KeysChange{SecretKey: ptr("rk_test_restricted0000001234")}}, audit.Entry{}); err != nil || c.Dev.SecretKey != "rk_test_…1234" {
		t.Fatalf("restricted key = %+v, %v", c, err)
	}
	if _, err := billing.New(m, []byte("short"), billing.Options{}); err == nil {
		t.Fatal("a 5-byte key is accepted")
	}
}

func TestBillingMaskAndKey(t *testing.T) {
	for in, want := range map[string]string{
		"":                              "",
		"sk_live_0123456789abcdef1234":  "sk_live_…1234",
		"whsec_0123456789abWXYZ":        "whsec_…WXYZ",
		"sk_live_short":                 "sk_live_…",
		"nounderscoreatall0123456789ab": "…89ab",
	} {
		if got := billing.Mask(in); got != want {
			t.Errorf("Mask(%q) = %q, want %q", in, got, want)
		}
	}
	master := bytes.Repeat([]byte{1}, 32)
	k1, k2 := billing.DeriveKey(master), billing.DeriveKey(master)
	if len(k1) != 32 || !bytes.Equal(k1, k2) || bytes.Equal(k1, master) || bytes.Equal(k1, billing.DeriveKey(bytes.Repeat([]byte{2}, 32))) {
		t.Fatalf("DeriveKey: %x %x", k1, k2)
	}
}

func ptr[T any](v T) *T { return &v }
