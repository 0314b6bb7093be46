package rest_test

import (
	"net/http"
	"testing"

	"coffre/auth"
	"coffre/settings"
	"coffre/storage/audit"
)

func auditQuery(types ...string) audit.Query { return audit.Query{Types: types} }

func TestV1PlatformConfig(t *testing.T) {
	s := newServer(t)
	admin := s.Admin.Token
	mia := s.NewAccount(t, "mia", auth.RoleManager)

	var p settings.Platform
	v1(t, s.Do(t, admin, "GET", "/api/v1/platform-config", nil), http.StatusOK, &p)
	if p != (settings.Platform{Mode: "prod"}) {
		t.Fatalf("defaults %+v", p)
	}
	m := s.Do(t, admin, "GET", "/api/v1/platform-config", nil).Map(t)["data"].(map[string]any)
	wantTypes(t, m, map[string]string{"mode": "string", "public_url": "string", "support_email": "string"})

	v1(t, s.Do(t, admin, "PUT", "/api/v1/platform-config", map[string]any{"public_url": "https://files.example.com/", "support_email": "help@example.com"}),
		http.StatusOK, &p)
	want := settings.Platform{Mode: "prod", PublicURL: "https://files.example.com", SupportEmail: "help@example.com"}
	if p != want {
		t.Fatalf("after PUT %+v", p)
	}
	v1(t, s.Do(t, admin, "PUT", "/api/v1/platform-config", map[string]any{}), http.StatusOK, &p) // no change, no entry
	if p != want {
		t.Fatalf("after an empty PUT %+v", p)
	}
	env := v1(t, s.Do(t, admin, "PUT", "/api/v1/platform-config", map[string]any{"public_url": "files.example.com", "mode": "dev", "theme": "dark", "support_email": 3}),
		http.StatusUnprocessableEntity, nil)
	for _, f := range []string{"mode", "theme", "support_email"} {
		if len(env.Errors[f]) != 1 {
			t.Fatalf("errors %+v lack %s", env.Errors, f)
		}
	}
	env = v1(t, s.Do(t, admin, "PUT", "/api/v1/platform-config", map[string]any{"public_url": "files.example.com"}), http.StatusUnprocessableEntity, nil)
	if len(env.Errors["public_url"]) != 1 {
		t.Fatalf("bad URL: %+v", env.Errors)
	}

	// The mode: its own route, audited; the same mode again changes nothing.
	env = v1(t, s.Do(t, admin, "PUT", "/api/v1/platform-config/mode", map[string]any{"mode": "dev"}), http.StatusOK, &p)
	if p.Mode != "dev" || p.PublicURL != want.PublicURL || env.Message != "Mode basculé en dev." {
		t.Fatalf("after mode %+v %q", p, env.Message)
	}
	v1(t, s.Do(t, admin, "PUT", "/api/v1/platform-config/mode", map[string]any{"mode": "dev"}), http.StatusOK, nil)
	v1(t, s.Do(t, admin, "PUT", "/api/v1/platform-config/mode", map[string]any{"mode": "staging"}), http.StatusUnprocessableEntity, nil)
	v1(t, s.Do(t, admin, "PUT", "/api/v1/platform-config/mode", nil), http.StatusUnprocessableEntity, nil)
	v1(t, s.Do(t, admin, "GET", "/api/v1/platform-config", nil), http.StatusOK, &p)
	if p.Mode != "dev" {
		t.Fatalf("read back %+v", p)
	}

	// Administrators only.
	for _, req := range [][2]string{{"GET", "/api/v1/platform-config"}, {"PUT", "/api/v1/platform-config"}, {"PUT", "/api/v1/platform-config/mode"}} {
		v1(t, s.Do(t, mia.Token, req[0], req[1], map[string]any{"mode": "prod"}), http.StatusForbidden, nil)
	}

	for typ, n := range map[string]int{"platform_config_change": 1, "platform_mode_switch": 1} {
		page, err := s.Audit.Query(ctx, auditQuery(typ))
		if err != nil || len(page.Entries) != n || page.Entries[0].UserID != s.Admin.Principal.UserID {
			t.Errorf("%s: %+v %v", typ, page.Entries, err)
		}
	}
}
