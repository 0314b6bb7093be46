package settings_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"coffre/settings"
	"coffre/storage"
	"coffre/storage/audit"
	"coffre/storage/meta"
)

var ctx = context.Background()

func TestSettingsUpdate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "meta")
	m, err := meta.Open(dir, meta.Options{})
	if err != nil {
		t.Fatal(err)
	}
	log, err := audit.New(m, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := settings.New(m, settings.Options{Audit: log})
	if got, err := s.Get(ctx); err != nil || got != settings.Defaults() {
		t.Fatalf("fresh settings = %+v, %v", got, err)
	}
	en, yes := "en", true
	got, err := s.Update(ctx, settings.Change{DefaultLanguage: &en, AllowGuest: &yes}, &audit.Entry{UserID: "u-1", Type: "config_change", OK: true})
	if err != nil || got.DefaultLanguage != "en" || !got.AllowGuest || got.PlatformName != "Coffre" {
		t.Fatalf("update = %+v, %v", got, err)
	}
	page, _ := log.Query(ctx, audit.Query{Types: []string{"config_change"}})
	if len(page.Entries) != 1 || page.Entries[0].Detail != "default_language=en, allow_guest=true" {
		t.Fatalf("audit = %+v", page.Entries)
	}

	for _, ch := range []struct {
		change settings.Change
		field  string
	}{
		{settings.Change{DefaultLanguage: ptr("klingon")}, "default_language"},
		{settings.Change{PlatformName: ptr("")}, "platform_name"},
		{settings.Change{PlatformName: ptr(" Coffre")}, "platform_name"},
		{settings.Change{AllowGuest: &yes, PlatformName: ptr(string(make([]byte, settings.MaxName+1)))}, "platform_name"},
	} {
		_, err := s.Update(ctx, ch.change, nil)
		var fe *settings.FieldError
		if !storage.Is(storage.Invalid, err) || !errors.As(err, &fe) || fe.Field != ch.field {
			t.Errorf("change %+v: %v", ch.change, err)
		}
	}
	m.Close()

	// The settings survive a restart, unchanged by the refused changes.
	m, err = meta.Open(dir, meta.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if got, err := settings.New(m, settings.Options{}).Get(ctx); err != nil || got.DefaultLanguage != "en" || !got.AllowGuest {
		t.Fatalf("after reopen = %+v, %v", got, err)
	}
}

func TestSettingsPlatform(t *testing.T) {
	m, err := meta.Open(t.TempDir(), meta.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	log, err := audit.New(m, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s := settings.New(m, settings.Options{Audit: log})
	if got, err := s.Platform(ctx); err != nil || got != settings.DefaultPlatform() || got.Mode != "prod" {
		t.Fatalf("fresh platform = %+v, %v", got, err)
	}
	got, err := s.UpdatePlatform(ctx, settings.PlatformChange{Mode: ptr("dev"), PublicURL: ptr("https://files.example.com/"),
		SupportEmail: ptr("help@example.com")}, &audit.Entry{UserID: "u-1", Type: "platform_config_change", OK: true})
	want := settings.Platform{Mode: "dev", PublicURL: "https://files.example.com", SupportEmail: "help@example.com"}
	if err != nil || got != want {
		t.Fatalf("update = %+v, %v", got, err)
	}
	if got, err := s.Platform(ctx); err != nil || got != want {
		t.Fatalf("read back = %+v, %v", got, err)
	}
	page, _ := log.Query(ctx, audit.Query{Types: []string{"platform_config_change"}})
	if len(page.Entries) != 1 || page.Entries[0].Detail != "mode prod -> dev, public_url, support_email" {
		t.Fatalf("audit = %+v", page.Entries)
	}
	// The runtime settings are another record.
	if st, err := s.Get(ctx); err != nil || st != settings.Defaults() {
		t.Fatalf("settings = %+v, %v", st, err)
	}
	for _, ch := range []struct {
		change settings.PlatformChange
		field  string
	}{
		{settings.PlatformChange{Mode: ptr("staging")}, "mode"},
		{settings.PlatformChange{PublicURL: ptr("ftp://files.example.com")}, "public_url"},
		{settings.PlatformChange{PublicURL: ptr("files.example.com")}, "public_url"},
		{settings.PlatformChange{PublicURL: ptr("https://files.example.com/?a=1")}, "public_url"},
		{settings.PlatformChange{PublicURL: ptr("https://u:p@files.example.com")}, "public_url"},
		{settings.PlatformChange{SupportEmail: ptr("Help <help@example.com>")}, "support_email"},
		{settings.PlatformChange{SupportEmail: ptr("not an address")}, "support_email"},
	} {
		_, err := s.UpdatePlatform(ctx, ch.change, nil)
		var fe *settings.FieldError
		if !storage.Is(storage.Invalid, err) || !errors.As(err, &fe) || fe.Field != ch.field {
			t.Errorf("change %+v: %v", ch.change, err)
		}
	}
	// "" clears.
	if got, err := s.UpdatePlatform(ctx, settings.PlatformChange{PublicURL: ptr(""), SupportEmail: ptr("")}, nil); err != nil || got != (settings.Platform{Mode: "dev"}) {
		t.Fatalf("clear = %+v, %v", got, err)
	}
}

// TestSessionLimits checks the session limits' defaults, their bounds and
// what SessionLimits gives the auth service after a change.
func TestSessionLimits(t *testing.T) {
	m, err := meta.Open(filepath.Join(t.TempDir(), "meta"), meta.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	s := settings.New(m, settings.Options{})
	if idle, limit := s.SessionLimits(); idle != 30*time.Minute || limit != 12*time.Hour {
		t.Fatalf("default limits %v, %v", idle, limit)
	}
	for _, bad := range []settings.Change{
		{SessionIdle: ptr(settings.MinSessionIdle - 1)},
		{SessionIdle: ptr(settings.MaxSessionIdle + 1)},
		{SessionLimit: ptr(settings.MinSessionLimit - 1)},
		{SessionLimit: ptr(settings.MaxSessionLimit + 1)},
	} {
		var fe *settings.FieldError
		if _, err := s.Update(ctx, bad, nil); !storage.Is(storage.Invalid, err) || !errors.As(err, &fe) {
			t.Fatalf("Update(%+v) = %v", bad, err)
		}
	}
	if _, err := s.Update(ctx, settings.Change{SessionIdle: ptr(90), SessionLimit: ptr(3600)}, nil); err != nil {
		t.Fatal(err)
	}
	if idle, limit := s.SessionLimits(); idle != 90*time.Second || limit != time.Hour {
		t.Fatalf("limits after the change %v, %v", idle, limit)
	}
}

func ptr[T any](v T) *T { return &v }
