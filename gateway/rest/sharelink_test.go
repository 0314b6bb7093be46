package rest_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"coffre/auth"
	"coffre/storage"
	"coffre/storage/audit"
)

func sharelinkURL(id uint64, suffix string) string {
	return fmt.Sprintf("/api/sharelink/%d%s", id, suffix)
}

func TestSharelinkLifecycle(t *testing.T) {
	s := newServer(t)
	docs, a, _ := linkTree(t, s)
	b, _ := s.NS(s.Admin).Stat(ctx, "/team/docs/b.txt")
	l := s.newLink(t, s.Admin.Token, "/api/sharelink", map[string]any{"file_id": a.ID, "max_downloads": 3, "notify": true, "force_dl": true})
	m := s.Do(t, s.Admin.Token, "GET", sharelinkURL(l.ID, ""), nil).Want(t, http.StatusOK).Map(t)
	wantTypes(t, m, map[string]string{"id": "number", "key": "string", "files": "array", "is_valid": "bool", "expiration_date": "null",
		"password_protected": "null", "remaining_downloads": "number", "owner": "string", "owner_id": "string", "nb_downloads": "number",
		"max_downloads": "number", "notify": "bool", "autoupdate": "bool", "only_preview": "bool", "force_dl": "bool", "stats": "object",
		"file_id": "number", "file": "string", "file_size": "number"})
	if m["key"] != l.Key[:6] || m["file"] != "a.txt" || m["notify"] != true || m["force_dl"] != true || m["autoupdate"] != false || m["remaining_downloads"] != 3.0 {
		t.Fatalf("sharelink %v", m)
	}
	if f := m["files"].([]any)[0].(map[string]any); f["id"] != float64(a.ID) || f["hash"] != md5hex([]byte("alpha")) {
		t.Fatalf("files %v", m["files"])
	}
	// Files and folders come and go; the link keeps at least one.
	s.Do(t, s.Admin.Token, "POST", sharelinkURL(l.ID, "/file"), map[string]any{"file_id": b.ID}).Want(t, http.StatusOK)
	fieldError(t, s.Do(t, s.Admin.Token, "POST", sharelinkURL(l.ID, "/file"), map[string]any{"file_id": docs.ID}), "file_id")
	fieldError(t, s.Do(t, s.Admin.Token, "POST", sharelinkURL(l.ID, "/folder"), map[string]any{"folder_id": a.ID}), "folder_id")
	fieldError(t, s.Do(t, s.Admin.Token, "POST", sharelinkURL(l.ID, "/folder"), map[string]any{}), "folder_id")
	m = s.Do(t, s.Admin.Token, "POST", sharelinkURL(l.ID, "/folder"), map[string]any{"id": docs.ID}).Want(t, http.StatusOK).Map(t)
	if len(m["files"].([]any)) != 2 || len(m["folders"].([]any)) != 1 || m["file_id"] != nil {
		t.Fatalf("after adding: %v", m)
	}
	s.Do(t, s.Admin.Token, "DELETE", sharelinkURL(l.ID, fmt.Sprintf("/file/%d", b.ID)), nil).Want(t, http.StatusOK)
	s.Do(t, s.Admin.Token, "DELETE", sharelinkURL(l.ID, fmt.Sprintf("/file/%d", b.ID)), nil).Want(t, http.StatusNotFound)
	s.Do(t, s.Admin.Token, "DELETE", sharelinkURL(l.ID, fmt.Sprintf("/file/%d", docs.ID)), nil).Want(t, http.StatusOK)
	fieldError(t, s.Do(t, s.Admin.Token, "DELETE", sharelinkURL(l.ID, fmt.Sprintf("/file/%d", a.ID)), nil), "files")

	// Public side: a link of one file downloads that file, in the version
	// shared (autoupdate false).
	s.Put(t, "/team/docs/a.txt", []byte("alpha, second version"))
	m = s.Do(t, "", "GET", "/api/sharelink/key/"+l.Key, nil).Want(t, http.StatusOK).Map(t)
	if m["is_valid"] != true || m["remaining_downloads"] != 3.0 || len(m["files"].([]any)) != 1 || m["stats"] != nil || m["nb_downloads"] != nil {
		t.Fatalf("public sharelink %v", m)
	}
	r := s.Do(t, "", "GET", "/api/sharelink/download/"+l.Key, nil, "User-Agent", "Mozilla/5.0 (Windows NT 10.0) Firefox/128.0").Want(t, http.StatusOK)
	if string(r.Body) != "alpha" || !strings.Contains(r.Header.Get("Content-Disposition"), `filename="a.txt"`) {
		t.Fatalf("download %q, %v", r.Body, r.Header)
	}
	s.Do(t, "", "GET", fmt.Sprintf("/api/sharelink/download/%s?id=%d", l.Key, a.ID), nil, "User-Agent", "curl/8.0").Want(t, http.StatusOK)
	m = s.Do(t, s.Admin.Token, "GET", sharelinkURL(l.ID, ""), nil).Want(t, http.StatusOK).Map(t)
	stats := m["stats"].(map[string]any)
	downloads := stats["downloads"].([]any)
	if m["nb_downloads"] != 2.0 || m["remaining_downloads"] != 1.0 || stats["users"] != 2.0 || len(downloads) != 2 {
		t.Fatalf("stats %v", m)
	}
	d := downloads[0].(map[string]any)
	wantTypes(t, d, map[string]string{"id": "number", "date": "string", "user": "null", "user_id": "null", "geo": "null", "env": "object"})
	if env := d["env"].(map[string]any); env["os"] != "Windows" || env["os_type"] != 1.0 || !strings.Contains(env["browser"].(string), "Firefox") {
		t.Fatalf("env %v", env)
	}
	s.Do(t, "", "GET", "/api/sharelink/download/"+l.Key, nil).Want(t, http.StatusOK)
	s.Do(t, "", "GET", "/api/sharelink/download/"+l.Key, nil).Want(t, http.StatusGone)
	s.Do(t, "", "GET", "/api/sharelink/key/"+l.Key, nil).Want(t, http.StatusGone)
	if m := s.Do(t, s.Admin.Token, "GET", sharelinkURL(l.ID, ""), nil).Map(t); m["is_valid"] != false {
		t.Fatalf("used up sharelink %v", m)
	}

	// The link shows in both views; deleting it ends it.
	if list := s.Do(t, s.Admin.Token, "GET", "/api/sharelinks", nil).Want(t, http.StatusOK).Map(t); list["nb_total_objects"] != 1.0 {
		t.Fatalf("sharelinks %v", list)
	}
	s.Do(t, s.Admin.Token, "GET", shareURL(l.ID, ""), nil).Want(t, http.StatusOK)
	s.Do(t, s.Admin.Token, "DELETE", sharelinkURL(l.ID, ""), nil).Want(t, http.StatusNoContent)
	s.Do(t, s.Admin.Token, "GET", sharelinkURL(l.ID, ""), nil).Want(t, http.StatusNotFound)
}

func TestSharelinkPasswordAndZip(t *testing.T) {
	s := newServer(t)
	docs, a, _ := linkTree(t, s)
	l := s.newLink(t, s.Admin.Token, "/api/sharelink", map[string]any{"files": []any{a.ID}, "folders": []any{docs.ID}, "password": "pw"})
	m := s.Do(t, "", "GET", "/api/sharelink/key/"+l.Key, nil).Want(t, http.StatusOK).Map(t)
	if m["password_protected"] == nil || len(m["files"].([]any)) != 0 {
		t.Fatalf("locked sharelink %v", m)
	}
	s.Do(t, "", "GET", "/api/sharelink/download/"+l.Key, nil).Want(t, http.StatusUnauthorized)
	s.Do(t, "", "POST", "/api/sharelink/key/"+l.Key+"/passcheck", map[string]string{"password": "nope"}).Want(t, http.StatusUnauthorized)
	var pc struct {
		AccessToken string `json:"access_token"`
	}
	s.Do(t, "", "POST", "/api/sharelink/key/"+l.Key+"/passcheck", map[string]string{"password": "pw"}).Want(t, http.StatusOK).JSON(t, &pc)
	m = s.Do(t, "", "GET", "/api/sharelink/key/"+l.Key, nil, "X-Share-Token", pc.AccessToken).Want(t, http.StatusOK).Map(t)
	files, folders := m["files"].([]any), m["folders"].([]any)
	if len(files) != 1 || len(folders) != 1 || files[0].(map[string]any)["parent_id"] != 0.0 || files[0].(map[string]any)["owner"] != nil {
		t.Fatalf("unlocked sharelink %v", m)
	}
	// Several targets download as one archive, by token.
	var tok struct{ Token string }
	s.Do(t, "", "POST", "/api/token/sharelink/"+l.Key+"/download", map[string]string{"access_token": pc.AccessToken}).Want(t, http.StatusOK).JSON(t, &tok)
	r := s.Do(t, "", "GET", "/api/sharelink/download/"+l.Key+"?token="+tok.Token, nil).Want(t, http.StatusOK)
	if c, _ := zipContents(t, r.Body); c["a.txt"] != "alpha" || c["docs/sub/c.txt"] != "gamma" {
		t.Fatalf("zip %v", c)
	}
	s.Do(t, "", "POST", "/api/token/sharelink/"+l.Key+"/download", nil).Want(t, http.StatusUnauthorized)
	// By ID there is no key to check a password against.
	s.Do(t, s.Admin.Token, "POST", sharelinkURL(l.ID, "/passcheck"), map[string]string{"password": "pw"}).Want(t, http.StatusNotImplemented)
	s.Do(t, s.User.Token, "POST", sharelinkURL(l.ID, "/passcheck"), map[string]string{"password": "pw"}).Want(t, http.StatusNotFound)
	// PUT changes the settings, and can remove the password.
	m = s.Do(t, s.Admin.Token, "PUT", sharelinkURL(l.ID, ""), map[string]any{"password": "", "only_preview": true, "expiration_date": "2999-01-01"}).Want(t, http.StatusOK).Map(t)
	if m["password_protected"] != nil || m["only_preview"] != true || m["expiration_date"] == nil {
		t.Fatalf("after PUT %v", m)
	}
	s.Do(t, "", "GET", "/api/sharelink/download/"+l.Key, nil).Want(t, http.StatusForbidden)
	fieldError(t, s.Do(t, s.Admin.Token, "PUT", sharelinkURL(l.ID, ""), map[string]any{"max_downloads": -2}), "max_downloads")
}

func TestSharelinkRightsAndBadInput(t *testing.T) {
	s := newServer(t)
	docs, a, _ := linkTree(t, s)
	fieldError(t, s.Do(t, s.Admin.Token, "POST", "/api/sharelink", map[string]any{}), "files")
	fieldError(t, s.Do(t, s.Admin.Token, "POST", "/api/sharelink", map[string]any{"files": []any{docs.ID}}), "files")
	fieldError(t, s.Do(t, s.Admin.Token, "POST", "/api/sharelink", map[string]any{"folders": []any{a.ID}}), "folders")
	fieldError(t, s.Do(t, s.Admin.Token, "POST", "/api/sharelink", map[string]any{"file_id": a.ID, "expiration_date": 12}), "expiration_date")
	s.Grant(t, "/team/docs", s.User, storage.Browse|storage.Read|storage.Download)
	s.Do(t, s.User.Token, "POST", "/api/sharelink", map[string]any{"file_id": a.ID}).Want(t, http.StatusForbidden)
	s.Grant(t, "/team/docs", s.User, storage.Browse|storage.Read|storage.Download|storage.Share)
	bobs := s.newLink(t, s.User.Token, "/api/sharelink", map[string]any{"file_id": a.ID})
	carol := s.NewAccount(t, "carol", auth.RoleUser)
	s.Do(t, carol.Token, "GET", sharelinkURL(bobs.ID, ""), nil).Want(t, http.StatusNotFound)
	s.Do(t, carol.Token, "PUT", sharelinkURL(bobs.ID, ""), map[string]any{"notify": true}).Want(t, http.StatusNotFound)
	s.Do(t, carol.Token, "POST", sharelinkURL(bobs.ID, "/file"), map[string]any{"file_id": a.ID}).Want(t, http.StatusNotFound)
	s.Do(t, carol.Token, "DELETE", sharelinkURL(bobs.ID, fmt.Sprintf("/file/%d", a.ID)), nil).Want(t, http.StatusNotFound)
	s.Do(t, carol.Token, "DELETE", sharelinkURL(bobs.ID, ""), nil).Want(t, http.StatusNotFound)
	if list := s.Do(t, carol.Token, "GET", "/api/sharelinks", nil).Map(t); list["nb_total_objects"] != 0.0 {
		t.Fatalf("carol lists %v", list)
	}
	s.Do(t, s.Admin.Token, "PUT", sharelinkURL(bobs.ID, ""), map[string]any{"notify": true}).Want(t, http.StatusOK)
	// A deposit link is no sharelink, and its key opens nothing here.
	inbox, _ := s.NS(s.Admin).Stat(ctx, "/team/inbox")
	u := s.newLink(t, s.Admin.Token, "/api/ulink", map[string]any{"folder_id": inbox.ID})
	s.Do(t, s.Admin.Token, "GET", sharelinkURL(u.ID, ""), nil).Want(t, http.StatusNotFound)
	s.Do(t, "", "GET", "/api/sharelink/key/"+u.Key, nil).Want(t, http.StatusNotFound)
	s.Do(t, "", "GET", "/api/sharelink/download/"+u.Key, nil).Want(t, http.StatusNotFound)
}

// A download through a REST link route is one audit entry, the file's
// share_link_download, as through the link's page (issue 8).
func TestSharelinkDownloadIsOneAuditEntry(t *testing.T) {
	s := newServer(t)
	s.Mkdir(t, "/team")
	a := s.Put(t, "/team/a.txt", []byte("alpha"))
	l := s.Do(t, s.Admin.Token, "POST", "/api/sharelink", map[string]any{"file_id": a.ID}).Want(t, http.StatusCreated).Map(t)
	before, err := s.Audit.Query(context.Background(), audit.Query{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	s.Do(t, "", "GET", "/api/sharelink/download/"+l["key"].(string), nil).Want(t, http.StatusOK)
	after, err := s.Audit.Query(context.Background(), audit.Query{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	added := after.Entries[len(before.Entries):]
	if len(added) != 1 || added[0].Type != "share_link_download" || added[0].ObjectID != uint64(a.ID) {
		t.Fatalf("entries of one download: %+v", added)
	}
}
