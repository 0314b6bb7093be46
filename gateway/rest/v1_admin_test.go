package rest_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"coffre/auth"
	"coffre/gateway/rest"
	"coffre/storage"
	"coffre/storage/blob"
	"coffre/storage/engine"
)

type usageObj struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Login string `json:"login"`
	Used  *int64 `json:"used"`
	Quota *int64 `json:"quota"`
}

type statsObj struct {
	Drives []struct {
		Name   string   `json:"name"`
		Online bool     `json:"online"`
		Used   *int64   `json:"used"`
		Free   *int64   `json:"free"`
		Errors []string `json:"errors"`
	} `json:"drives"`
	Platform struct {
		Used  int64  `json:"used"`
		Quota *int64 `json:"quota"`
	} `json:"platform"`
	Clients []usageObj `json:"clients"`
	Users   []usageObj `json:"users"`
	Trash   struct {
		Items int   `json:"items"`
		Bytes int64 `json:"bytes"`
	} `json:"trash"`
	Versions *struct {
		Bytes int64 `json:"bytes"`
	} `json:"versions"`
}

func usageOf(list []usageObj, key string) *usageObj {
	for i, u := range list {
		if u.Name == key || u.Login == key {
			return &list[i]
		}
	}
	return nil
}

func TestV1StorageStats(t *testing.T) {
	// Two drive folders read as main reads them: one up, one whose folder
	// is gone.
	up, err := blob.LocalDrive(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	goneDir := filepath.Join(t.TempDir(), "gone")
	gone, err := blob.LocalDrive(goneDir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(goneDir); err != nil {
		t.Fatal(err)
	}
	s := newServerWith(t, engine.Options{}, func(o *rest.Options) {
		o.DriveStats = func() []rest.DriveStat {
			var out []rest.DriveStat
			for _, d := range []blob.Drive{up, gone} {
				used, free, err := d.Usage()
				out = append(out, rest.DriveStat{Name: d.Name(), Used: used, Free: free, Err: err})
			}
			return out
		}
	})
	mia := s.NewAccount(t, "mia", auth.RoleManager)
	admin := s.Admin.Token

	v1(t, s.Do(t, admin, "POST", "/api/v1/clients", map[string]any{"name": "Acme"}), http.StatusCreated, nil)
	s.Mkdir(t, "/Beta")
	s.Grant(t, "/Beta", mia, storage.AllRights)
	v1(t, s.Do(t, mia.Token, "POST", "/api/v1/clients", map[string]any{"name": "Beta", "root_folder": "/Beta"}), http.StatusCreated, nil)
	s.Grant(t, "/Acme", s.User, storage.AllRights)
	s.Put(t, "/Acme/a.bin", bytes.Repeat([]byte{1}, 100))
	if _, err := s.NS(s.User).Put(ctx, "/Acme/b.bin", bytes.NewReader(make([]byte, 50)), storage.PutOptions{Size: 50}); err != nil {
		t.Fatal(err)
	}
	s.Put(t, "/Acme/a.bin", bytes.Repeat([]byte{2}, 70)) // a second version: the first is an older one
	s.Put(t, "/Beta/gone.bin", make([]byte, 30))
	if err := s.NS(s.Admin).Delete(ctx, "/Beta/gone.bin", storage.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := s.NS(mia).SetQuota(ctx, "/Beta", 1<<20); err == nil {
		t.Fatal("a manager set a quota")
	}
	if err := s.NS(s.Admin).SetQuota(ctx, "/Beta", 1<<20); err != nil {
		t.Fatal(err)
	}

	var st statsObj
	v1(t, s.Do(t, admin, "GET", "/api/v1/admin/storage/stats", nil), http.StatusOK, &st)
	if len(st.Drives) != 2 || !st.Drives[0].Online || st.Drives[0].Used == nil || *st.Drives[0].Free <= 0 || len(st.Drives[0].Errors) != 0 ||
		st.Drives[1].Online || st.Drives[1].Used != nil || len(st.Drives[1].Errors) != 1 || st.Drives[1].Name != goneDir {
		t.Fatalf("drives %+v", st.Drives)
	}
	if st.Platform.Used != 250 || st.Platform.Quota != nil {
		t.Fatalf("platform %+v", st.Platform)
	}
	if a, b := usageOf(st.Clients, "Acme"), usageOf(st.Clients, "Beta"); len(st.Clients) != 2 || *a.Used != 220 || a.Quota != nil ||
		*b.Used != 0 || *b.Quota != 1<<20 {
		t.Fatalf("clients %+v", st.Clients)
	}
	if u := usageOf(st.Users, "admin"); u == nil || *u.Used != 200 {
		t.Fatalf("admin's usage %+v", st.Users)
	}
	if u := usageOf(st.Users, "bob"); u == nil || *u.Used != 50 || u.Quota != nil || len(st.Users) != 3 {
		t.Fatalf("users %+v", st.Users)
	}
	if st.Trash.Items != 1 || st.Trash.Bytes != 30 || st.Versions != nil {
		t.Fatalf("trash %+v, versions %+v", st.Trash, st.Versions)
	}
	v1(t, s.Do(t, admin, "GET", "/api/v1/admin/storage/stats?versions=1", nil), http.StatusOK, &st)
	if st.Versions == nil || st.Versions.Bytes != 100 {
		t.Fatalf("versions %+v", st.Versions)
	}

	// A manager: their client and its members; the drives and the platform.
	var ms statsObj
	v1(t, s.Do(t, mia.Token, "GET", "/api/v1/admin/storage/stats", nil), http.StatusOK, &ms)
	if len(ms.Clients) != 1 || ms.Clients[0].Name != "Beta" || len(ms.Users) != 1 || ms.Users[0].Login != "mia" ||
		len(ms.Drives) != 2 || ms.Platform.Used != 250 || ms.Trash.Items != 0 {
		t.Fatalf("manager's stats %+v", ms)
	}
	v1(t, s.Do(t, s.User.Token, "GET", "/api/v1/admin/storage/stats", nil), http.StatusForbidden, nil)

	// Without a DriveStats hook: no drives, not an error.
	var none statsObj
	n := newServer(t)
	if m := v1(t, n.Do(t, n.Admin.Token, "GET", "/api/v1/admin/storage/stats", nil), http.StatusOK, &none); none.Drives == nil || len(none.Drives) != 0 {
		t.Fatalf("drives without a hook: %s", m.Data)
	}
}

type auditObj struct {
	ID         uint64 `json:"id"`
	CreatedAt  string `json:"created_at"`
	UserID     string `json:"user_id"`
	Login      string `json:"login"`
	Type       string `json:"type"`
	Success    bool   `json:"success"`
	ObjectID   uint64 `json:"object_id"`
	ObjectName string `json:"object_name"`
}

func TestV1AuditLogs(t *testing.T) {
	s := newServer(t)
	mia := s.NewAccount(t, "mia", auth.RoleManager)
	admin := s.Admin.Token
	s.Mkdir(t, "/Beta")
	s.Grant(t, "/Beta", mia, storage.AllRights)
	s.Grant(t, "/Beta", s.User, storage.AllRights)
	v1(t, s.Do(t, mia.Token, "POST", "/api/v1/clients", map[string]any{"name": "Beta", "root_folder": "/Beta"}), http.StatusCreated, nil)
	file := s.Put(t, "/Beta/report.txt", []byte("report"))
	for i := range 3 {
		if _, err := s.NS(s.User).Put(ctx, fmt.Sprintf("/Beta/bob-%d.txt", i), strings.NewReader("x"), storage.PutOptions{Size: 1}); err != nil {
			t.Fatal(err)
		}
	}

	// Everything, then a filter by type, paged.
	var all []auditObj
	env := v1(t, s.Do(t, admin, "GET", "/api/v1/admin/audit-logs?per_page=100", nil), http.StatusOK, &all)
	total := env.Meta.Pagination.Total
	if total != len(all) || total < 8 {
		t.Fatalf("%d entries, total %d", len(all), total)
	}
	for i := 1; i < len(all); i++ {
		if all[i].ID >= all[i-1].ID {
			t.Fatalf("not newest first: %+v", all)
		}
	}
	var logins []auditObj
	env = v1(t, s.Do(t, admin, "GET", "/api/v1/admin/audit-logs?type=login&per_page=2&page=2", nil), http.StatusOK, &logins)
	if p := env.Meta.Pagination; p.Total != 3 || p.TotalPages != 2 || len(logins) != 1 || logins[0].Type != "login" || logins[0].Login != "admin" {
		t.Fatalf("logins page 2: %+v %+v", logins, env.Meta.Pagination)
	}
	var bobs []auditObj
	v1(t, s.Do(t, admin, "GET", "/api/v1/admin/audit-logs?type=upload,login&user_id="+s.User.Principal.UserID, nil), http.StatusOK, &bobs)
	if len(bobs) != 4 {
		t.Fatalf("bob's uploads and login: %+v", bobs)
	}
	var about []auditObj
	v1(t, s.Do(t, admin, "GET", fmt.Sprintf("/api/v1/admin/audit-logs?object_id=%d", file.ID), nil), http.StatusOK, &about)
	if len(about) != 1 || about[0].ObjectID != uint64(file.ID) || about[0].ObjectName != "/Beta/report.txt" {
		t.Fatalf("about the file: %+v", about)
	}
	var none []auditObj
	env = v1(t, s.Do(t, admin, "GET", "/api/v1/admin/audit-logs?to=2001-01-01", nil), http.StatusOK, &none)
	if len(none) != 0 || env.Meta.Pagination.Total != 0 {
		t.Fatalf("before 2001: %+v", none)
	}
	v1(t, s.Do(t, admin, "GET", "/api/v1/admin/audit-logs?from=2001-01-01&to=2100-01-01", nil), http.StatusOK, &none)
	if len(none) != min(total, 20) {
		t.Fatalf("this century: %d", len(none))
	}
	env = v1(t, s.Do(t, admin, "GET", "/api/v1/admin/audit-logs?format=xml", nil), http.StatusUnprocessableEntity, nil)
	if len(env.Errors["format"]) != 1 {
		t.Fatalf("format: %+v", env.Errors)
	}
	env = v1(t, s.Do(t, admin, "GET", "/api/v1/admin/audit-logs?from=yesterday&object_id=x", nil), http.StatusUnprocessableEntity, nil)
	if len(env.Errors["from"]) != 1 || len(env.Errors["object_id"]) != 1 {
		t.Fatalf("filters: %+v", env.Errors)
	}

	// CSV: a header, one row per entry, formulas neutralised.
	r := s.Do(t, admin, "GET", "/api/v1/admin/audit-logs?format=csv", nil).Want(t, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); ct != "text/csv; charset=utf-8" || !strings.Contains(r.Header.Get("Content-Disposition"), "audit-logs.csv") {
		t.Fatalf("CSV headers %v", r.Header)
	}
	rows, err := csv.NewReader(bytes.NewReader(r.Body)).ReadAll()
	if err != nil {
		t.Fatalf("CSV does not parse: %v\n%s", err, r.Body)
	}
	if !slices.Equal(rows[0], []string{"id", "created_at", "user_id", "login", "ip", "user_agent", "protocol", "type",
		"success", "object_id", "object_type", "object_name", "detail"}) || len(rows) != total+1 {
		t.Fatalf("CSV: %d rows for %d entries, header %v", len(rows), total, rows[0])
	}
	if rows[1][0] != fmt.Sprint(all[0].ID) || rows[1][7] != all[0].Type {
		t.Fatalf("first row %v, first entry %+v", rows[1], all[0])
	}
	// A client named like a formula: its name is neutralised in the CSV.
	v1(t, s.Do(t, admin, "POST", "/api/v1/clients", map[string]any{"name": "=SUM(1+2)"}), http.StatusCreated, nil)
	rows, err = csv.NewReader(bytes.NewReader(s.Do(t, admin, "GET", "/api/v1/admin/audit-logs?format=csv&type=client_create", nil).Want(t, http.StatusOK).Body)).ReadAll()
	if err != nil || len(rows) != 3 || rows[1][11] != "'=SUM(1+2)" || rows[2][11] != "Beta" {
		t.Fatalf("client_create rows %q, %v", rows, err)
	}
	rows, err = csv.NewReader(bytes.NewReader(s.Do(t, admin, "GET", "/api/v1/admin/audit-logs?format=csv&type=login", nil).Want(t, http.StatusOK).Body)).ReadAll()
	if err != nil || len(rows) != 4 {
		t.Fatalf("CSV of logins: %d rows, %v", len(rows), err)
	}

	// A manager sees the entries of their clients' members and their own.
	var seen []auditObj
	v1(t, s.Do(t, mia.Token, "GET", "/api/v1/admin/audit-logs?per_page=100", nil), http.StatusOK, &seen)
	for _, e := range seen {
		if e.UserID != mia.Principal.UserID {
			t.Fatalf("mia sees %+v", e)
		}
	}
	if len(seen) == 0 {
		t.Fatal("mia sees nothing of her own")
	}
	v1(t, s.Do(t, admin, "PUT", "/api/v1/clients/"+clientID(t, s, "Beta"), map[string]any{"members": []string{mia.Principal.UserID, s.User.Principal.UserID}}), http.StatusOK, nil)
	v1(t, s.Do(t, mia.Token, "GET", "/api/v1/admin/audit-logs?per_page=100&user_id="+s.User.Principal.UserID, nil), http.StatusOK, &seen)
	if len(seen) != 4 {
		t.Fatalf("mia sees %d of bob's entries, want 4", len(seen))
	}
	v1(t, s.Do(t, mia.Token, "GET", "/api/v1/admin/audit-logs?user_id="+s.Admin.Principal.UserID, nil), http.StatusOK, &seen)
	if len(seen) != 0 {
		t.Fatalf("mia sees the administrator's entries: %+v", seen)
	}
	rows, _ = csv.NewReader(bytes.NewReader(s.Do(t, mia.Token, "GET", "/api/v1/admin/audit-logs?format=csv", nil).Want(t, http.StatusOK).Body)).ReadAll()
	for _, row := range rows[1:] {
		if row[2] == s.Admin.Principal.UserID {
			t.Fatalf("mia's CSV holds the administrator's entry %v", row)
		}
	}
}

func clientID(t *testing.T, s *server, name string) string {
	t.Helper()
	c, err := s.Auth.GetClient(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

func TestV1AdminConfig(t *testing.T) {
	s := newServer(t)
	mia := s.NewAccount(t, "mia", auth.RoleManager)
	var cfg map[string]any
	v1(t, s.Do(t, mia.Token, "GET", "/api/v1/admin/config", nil), http.StatusOK, &cfg)
	if cfg["platform_name"] != "Coffre" || cfg["default_language"] != "fr" || cfg["allow_guest"] != false {
		t.Fatalf("defaults %v", cfg)
	}
	env := v1(t, s.Do(t, s.Admin.Token, "PUT", "/api/v1/admin/config", map[string]any{"platform_name": "Coffre-fort", "allow_guest": true}), http.StatusOK, &cfg)
	if cfg["platform_name"] != "Coffre-fort" || cfg["allow_guest"] != true || env.Message == "" {
		t.Fatalf("after PUT %v", cfg)
	}
	v1(t, s.Do(t, s.Admin.Token, "GET", "/api/v1/admin/config", nil), http.StatusOK, &cfg)
	if cfg["platform_name"] != "Coffre-fort" {
		t.Fatalf("read back %v", cfg)
	}
	// The same settings as /api/config.
	if m := s.Do(t, s.Admin.Token, "GET", "/api/config", nil).Want(t, http.StatusOK).Map(t); m["config"].(map[string]any)["platform_name"] != "Coffre-fort" {
		t.Fatalf("/api/config %v", m)
	}
	env = v1(t, s.Do(t, s.Admin.Token, "PUT", "/api/v1/admin/config", map[string]any{"default_language": "klingon", "colour": "red"}), http.StatusUnprocessableEntity, nil)
	if len(env.Errors["colour"]) != 1 {
		t.Fatalf("unknown setting: %+v", env.Errors)
	}
	env = v1(t, s.Do(t, s.Admin.Token, "PUT", "/api/v1/admin/config", map[string]any{"default_language": "klingon"}), http.StatusUnprocessableEntity, nil)
	if len(env.Errors["default_language"]) != 1 {
		t.Fatalf("bad language: %+v", env.Errors)
	}
	v1(t, s.Do(t, mia.Token, "PUT", "/api/v1/admin/config", map[string]any{"platform_name": "Mine"}), http.StatusForbidden, nil)
	page, err := s.Audit.Query(ctx, auditQuery("config_change"))
	if err != nil || len(page.Entries) != 1 || page.Entries[0].UserID != s.Admin.Principal.UserID {
		t.Fatalf("audit %+v %v", page.Entries, err)
	}
}
