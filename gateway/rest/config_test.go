package rest_test

import (
	"net/http"
	"testing"

	"coffre/gateway/rest"
	"coffre/storage"
	"coffre/storage/engine"
)

type configAnswer struct {
	Config struct {
		DefaultLanguage string `json:"default_language"`
		AllowGuest      bool   `json:"allow_guest"`
		PlatformName    string `json:"platform_name"`
		SessionIdle     int    `json:"session_idle"`
		SessionLimit    int    `json:"session_limit"`
	}
	Features  map[string]bool
	Languages []string
}

func TestConfigPublic(t *testing.T) {
	s := newServer(t)
	var pc struct {
		Features        map[string]bool
		Languages       []string
		DefaultLanguage string `json:"default_language"`
		PlatformName    string `json:"platform_name"`
		AllowGuest      *bool  `json:"allow_guest"`
	}
	s.Do(t, "", "GET", "/api/publicconfig", nil).Want(t, http.StatusOK).JSON(t, &pc)
	want := map[string]bool{"lock": true, "lock_read": false, "edit": false, "trash": true, "versioning": true}
	for k, v := range want {
		if got, ok := pc.Features[k]; !ok || got != v {
			t.Errorf("features.%s = %v (present %v), want %v", k, got, ok, v)
		}
	}
	if len(pc.Languages) != 7 || pc.Languages[1] != "fr" || pc.DefaultLanguage != "fr" || pc.PlatformName != "Coffre" || pc.AllowGuest == nil || *pc.AllowGuest {
		t.Fatalf("public config = %+v", pc)
	}
}

func TestConfigEdit(t *testing.T) {
	s := newServer(t)
	s.Do(t, s.User.Token, "GET", "/api/config", nil).Want(t, http.StatusForbidden)
	s.Do(t, s.User.Token, "PUT", "/api/config", map[string]any{"config": map[string]any{"allow_guest": true}}).Want(t, http.StatusForbidden)
	s.Do(t, "", "GET", "/api/config", nil).Want(t, http.StatusUnauthorized)

	var c configAnswer
	s.Do(t, s.Admin.Token, "GET", "/api/config", nil).Want(t, http.StatusOK).JSON(t, &c)
	if c.Config.DefaultLanguage != "fr" || c.Config.AllowGuest || !c.Features["lock"] || len(c.Languages) != 7 ||
		c.Config.SessionIdle != 1800 || c.Config.SessionLimit != 43200 {
		t.Fatalf("config = %+v", c)
	}
	s.Do(t, s.Admin.Token, "PUT", "/api/config", map[string]any{"config": map[string]any{"default_language": "en", "allow_guest": true}}).
		Want(t, http.StatusOK).JSON(t, &c)
	if c.Config.DefaultLanguage != "en" || !c.Config.AllowGuest || c.Config.PlatformName != "Coffre" {
		t.Fatalf("after PUT = %+v", c)
	}
	// The settings at the top level work too; what is not sent stays.
	s.Do(t, s.Admin.Token, "PUT", "/api/config", map[string]any{"platform_name": "Coffre d'Acme"}).Want(t, http.StatusOK).JSON(t, &c)
	if c.Config.PlatformName != "Coffre d'Acme" || c.Config.DefaultLanguage != "en" {
		t.Fatalf("after flat PUT = %+v", c)
	}
	m := s.Do(t, "", "GET", "/api/publicconfig", nil).Want(t, http.StatusOK).Map(t)
	if m["default_language"] != "en" || m["allow_guest"] != true || m["platform_name"] != "Coffre d'Acme" {
		t.Fatalf("public config after PUT = %v", m)
	}

	for _, c := range []struct {
		body  any
		field string
	}{
		{map[string]any{"config": map[string]any{"default_language": "xx"}}, "default_language"},
		{map[string]any{"config": map[string]any{"platform_name": ""}}, "platform_name"},
		{map[string]any{"config": map[string]any{"allow_guest": "yes"}}, "allow_guest"},
		{map[string]any{"config": map[string]any{"allow_guest": nil}}, "allow_guest"},
		{map[string]any{"config": map[string]any{"langue": "fr"}}, "langue"},
		{map[string]any{"config": map[string]any{"session_idle": 59}}, "session_idle"},
		{map[string]any{"config": map[string]any{"session_idle": "600"}}, "session_idle"},
		{map[string]any{"config": map[string]any{"session_limit": 366 * 86400}}, "session_limit"},
		{map[string]any{"config": map[string]any{"session_limit": 1.5}}, "session_limit"},
		{map[string]any{"config": "fr"}, "config"},
	} {
		r := s.Do(t, s.Admin.Token, "PUT", "/api/config", c.body).Want(t, http.StatusUnprocessableEntity)
		if r.Map(t)["errors"].(map[string]any)[c.field] == nil {
			t.Errorf("%v: no error on %s: %s", c.body, c.field, r.Body)
		}
	}
	s.Do(t, s.Admin.Token, "PUT", "/api/config", `{"config": `).Want(t, http.StatusBadRequest)
	s.Do(t, s.Admin.Token, "GET", "/api/config", nil).Want(t, http.StatusOK).JSON(t, &c)
	if c.Config.DefaultLanguage != "en" || c.Config.PlatformName != "Coffre d'Acme" {
		t.Fatalf("refused changes changed something: %+v", c)
	}
	// The session limits (seconds), which the auth service reads at each
	// check (auth.TestSessionLimitsChange).
	s.Do(t, s.Admin.Token, "PUT", "/api/config", map[string]any{"session_idle": 600, "session_limit": 7200}).Want(t, http.StatusOK).JSON(t, &c)
	if c.Config.SessionIdle != 600 || c.Config.SessionLimit != 7200 || c.Config.PlatformName != "Coffre d'Acme" {
		t.Fatalf("after PUT of the session limits = %+v", c)
	}
	// Changes are audited.
	p := s.logs(t, "?type=config_change")
	if p.NbTotal != 3 || p.Objects[2].Message != "default_language=en, allow_guest=true" {
		t.Fatalf("config changes logged: %+v", p)
	}
}

func TestConfigFzen(t *testing.T) {
	s := newServer(t)
	s.Mkdir(t, "/team")
	s.Grant(t, "/team", s.User, storage.AllRights)
	s.Put(t, "/team/a.txt", []byte("12345"))
	s.Put(t, "/team/a.txt", []byte("1234567")) // a second version: 5 bytes of older versions
	s.Put(t, "/team/b.txt", []byte("abc"))
	s.remove(t, s.User, "/team/b.txt")

	s.Do(t, s.User.Token, "GET", "/api/fzen", nil).Want(t, http.StatusForbidden)
	var f struct {
		Expire  *int64
		Storage struct {
			Main struct {
				Used    int64
				Free    *int64
				Quota   *int64
				Percent *int
			}
			Trashes struct {
				Total int64
				Users *[]struct {
					ID, User, Login string
					Size            int64
				}
			}
			Versions *int64
		}
	}
	s.Do(t, s.Admin.Token, "GET", "/api/fzen", nil).Want(t, http.StatusOK).JSON(t, &f)
	if f.Expire != nil || f.Storage.Main.Used < 15 || f.Storage.Main.Quota != nil || f.Storage.Main.Free != nil ||
		f.Storage.Trashes.Total != 3 || f.Storage.Trashes.Users != nil || f.Storage.Versions != nil {
		t.Fatalf("fzen = %+v", f)
	}
	s.Do(t, s.Admin.Token, "GET", "/api/fzen?info=19", nil).Want(t, http.StatusOK).JSON(t, &f)
	users := *f.Storage.Trashes.Users
	if len(users) != 1 || users[0].ID != s.User.Principal.UserID || users[0].Login != "bob" || users[0].Size != 3 {
		t.Fatalf("trashes.users = %+v", users)
	}
	if f.Storage.Versions == nil || *f.Storage.Versions != 5 {
		t.Fatalf("versions = %v", f.Storage.Versions)
	}
	s.Do(t, s.Admin.Token, "GET", "/api/fzen?info=x", nil).Want(t, http.StatusUnprocessableEntity)

	// With a platform quota: free space and percentage.
	q := newServerWith(t, engine.Options{Quota: 1000}, func(*rest.Options) {})
	q.Mkdir(t, "/team")
	q.Put(t, "/team/a.txt", make([]byte, 250))
	q.Do(t, q.Admin.Token, "GET", "/api/fzen?info=1", nil).Want(t, http.StatusOK).JSON(t, &f)
	if m := f.Storage.Main; m.Used != 250 || *m.Quota != 1000 || *m.Free != 750 || *m.Percent != 25 {
		t.Fatalf("main with a quota = used %d, quota %v, free %v, percent %v", m.Used, *m.Quota, *m.Free, *m.Percent)
	}
}
