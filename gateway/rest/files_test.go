package rest_test

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"net/http"
	"testing"

	"coffre/storage"
)

// fileURL is the API address of a node, with an optional suffix.
func fileURL(id storage.NodeID, suffix string) string {
	return fmt.Sprintf("/api/file/%d%s", id, suffix)
}

// md5hex is the REST hash of content.
func md5hex(data []byte) string {
	sum := md5.Sum(data)
	return hex.EncodeToString(sum[:])
}

func TestFileModes(t *testing.T) {
	s := newServer(t)
	team := s.Mkdir(t, "/team")
	s.Put(t, "/team/report.pdf", []byte("first"))
	info := s.Put(t, "/team/report.pdf", []byte("second"))

	m := s.Do(t, s.Admin.Token, "GET", fileURL(info.ID, ""), nil).Want(t, http.StatusOK).Map(t)
	wantTypes(t, m, map[string]string{
		"id": "number", "guid": "string", "name": "string", "parent_id": "number",
		"creation": "string", "modification": "string", "owner": "string", "owner_id": "string",
		"can_download": "bool", "can_write": "bool", "can_edit": "bool", "can_delete": "bool", "can_share": "bool",
		"hash": "string", "lock": "null", "size": "number", "version_id": "number",
		"nb_versions": "absent", "path": "absent",
	})
	if m["id"] != float64(info.ID) || m["parent_id"] != float64(team.ID) || m["name"] != "report.pdf" ||
		m["hash"] != md5hex([]byte("second")) || m["size"] != float64(6) || m["version_id"] != float64(info.VersionID) ||
		m["guid"] != info.GUID || m["owner_id"] != s.Admin.Principal.UserID || m["can_download"] != true {
		t.Errorf("file object: %v", m)
	}

	m = s.Do(t, s.Admin.Token, "GET", fileURL(info.ID, "?light=1"), nil).Want(t, http.StatusOK).Map(t)
	wantTypes(t, m, map[string]string{"creation": "absent", "owner": "absent", "owner_id": "absent", "modification": "string", "hash": "string"})

	m = s.Do(t, s.Admin.Token, "GET", fileURL(info.ID, "?full=1"), nil).Want(t, http.StatusOK).Map(t)
	wantTypes(t, m, map[string]string{"nb_versions": "number", "path": "string", "owner": "string"})
	if m["nb_versions"] != float64(2) || m["path"] != fmt.Sprintf("/%d/", team.ID) {
		t.Errorf("full mode: nb_versions %v, path %v", m["nb_versions"], m["path"])
	}

	// Not visible to bob, a folder's ID, an ID that is no number: 404.
	s.Do(t, s.User.Token, "GET", fileURL(info.ID, ""), nil).Want(t, http.StatusNotFound)
	s.Do(t, s.Admin.Token, "GET", fileURL(team.ID, ""), nil).Want(t, http.StatusNotFound)
	s.Do(t, s.Admin.Token, "GET", "/api/file/abc", nil).Want(t, http.StatusNotFound)
	s.Do(t, "", "GET", fileURL(info.ID, ""), nil).Want(t, http.StatusUnauthorized)
}

// fileVersionList is GET /api/file/{id}/versions.
func fileVersionList(t *testing.T, s *server, token string, id storage.NodeID) []map[string]any {
	t.Helper()
	var vs []map[string]any
	s.Do(t, token, "GET", fileURL(id, "/versions"), nil).Want(t, http.StatusOK).JSON(t, &vs)
	return vs
}

func TestFileVersions(t *testing.T) {
	s := newServer(t)
	s.Mkdir(t, "/team")
	s.Grant(t, "/team", s.User, storage.AllRights)
	contents := [][]byte{[]byte("one"), []byte("two two"), []byte("three three three")}
	var info storage.Info
	for _, c := range contents {
		info = s.Put(t, "/team/notes.txt", c)
	}
	// bob writes a fourth version: the author is the owner of that one.
	bobData := []byte("bob's")
	bobInfo, err := s.NS(s.User).Put(ctx, "/team/notes.txt", bytes.NewReader(bobData), storage.PutOptions{Size: int64(len(bobData))})
	if err != nil {
		t.Fatal(err)
	}
	contents = append(contents, bobData)

	want, err := s.NS(s.Admin).Versions(ctx, "/team/notes.txt")
	if err != nil {
		t.Fatal(err)
	}
	vs := fileVersionList(t, s, s.User.Token, info.ID)
	if len(vs) != 4 || len(want) != 4 {
		t.Fatalf("%d versions, want 4: %v", len(vs), vs)
	}
	for i, v := range vs {
		c := contents[len(contents)-1-i] // newest first
		if v["id"] != float64(info.ID) || v["version_id"] != float64(want[i].ID) || v["hash"] != md5hex(c) || v["size"] != float64(len(c)) {
			t.Errorf("version %d: %v", i, v)
		}
		wantTypes(t, v, map[string]string{"creation": "string", "modification": "string", "owner": "string", "owner_id": "string"})
	}
	if vs[0]["version_id"] != float64(bobInfo.VersionID) || vs[0]["owner_id"] != s.User.Principal.UserID || vs[1]["owner_id"] != s.Admin.Principal.UserID {
		t.Errorf("authors: %v / %v", vs[0], vs[1])
	}
	var light []map[string]any
	s.Do(t, s.User.Token, "GET", fileURL(info.ID, "/versions?light=1"), nil).Want(t, http.StatusOK).JSON(t, &light)
	wantTypes(t, light[0], map[string]string{"owner": "absent", "creation": "absent", "version_id": "number"})
}

func TestFileVersionRestoreAndDelete(t *testing.T) {
	s := newServer(t)
	s.Mkdir(t, "/team")
	v1 := s.Put(t, "/team/plan.txt", []byte("version one"))
	v2 := s.Put(t, "/team/plan.txt", []byte("version two"))

	m := s.Do(t, s.Admin.Token, "POST", fileURL(v1.ID, fmt.Sprintf("/versions/%d/restore", v1.VersionID)), nil).Want(t, http.StatusOK).Map(t)
	if m["hash"] != md5hex([]byte("version one")) || m["version_id"] == float64(v1.VersionID) || m["version_id"] == float64(v2.VersionID) {
		t.Fatalf("restored: %v", m)
	}
	body := s.Do(t, s.Admin.Token, "GET", fileURL(v1.ID, "/download"), nil).Want(t, http.StatusOK).Body
	if string(body) != "version one" {
		t.Fatalf("content after restore: %q", body)
	}
	if vs := fileVersionList(t, s, s.Admin.Token, v1.ID); len(vs) != 3 {
		t.Fatalf("%d versions after restore, want 3", len(vs))
	}

	// Delete the middle version; then the oldest; the last one stays.
	r := s.Do(t, s.Admin.Token, "DELETE", fileURL(v1.ID, fmt.Sprintf("/versions/%d", v2.VersionID)), nil).Want(t, http.StatusOK)
	if string(r.Body) != "OK" {
		t.Fatalf("delete version: %q", r.Body)
	}
	s.Do(t, s.Admin.Token, "DELETE", fileURL(v1.ID, fmt.Sprintf("/versions/%d", v1.VersionID)), nil).Want(t, http.StatusOK)
	vs := fileVersionList(t, s, s.Admin.Token, v1.ID)
	if len(vs) != 1 || vs[0]["hash"] != md5hex([]byte("version one")) {
		t.Fatalf("versions left: %v", vs)
	}
	s.Do(t, s.Admin.Token, "DELETE", fileURL(v1.ID, fmt.Sprintf("/versions/%v", vs[0]["version_id"])), nil).Want(t, http.StatusConflict)
	s.Do(t, s.Admin.Token, "DELETE", fileURL(v1.ID, "/versions/999999"), nil).Want(t, http.StatusNotFound)
	s.Do(t, s.Admin.Token, "POST", fileURL(v1.ID, "/versions/x/restore"), nil).Want(t, http.StatusNotFound)

	// bob may read and download but not delete or edit.
	s.Grant(t, "/team", s.User, storage.Browse|storage.Read|storage.Download)
	s.Do(t, s.User.Token, "DELETE", fileURL(v1.ID, fmt.Sprintf("/versions/%v", vs[0]["version_id"])), nil).Want(t, http.StatusForbidden)
	s.Do(t, s.User.Token, "POST", fileURL(v1.ID, fmt.Sprintf("/versions/%v/restore", vs[0]["version_id"])), nil).Want(t, http.StatusForbidden)
}

func TestFileTimeline(t *testing.T) {
	s := newServer(t)
	s.Mkdir(t, "/team")
	v1 := s.Put(t, "/team/deck.pdf", []byte("old deck"))
	v2 := s.Put(t, "/team/deck.pdf", []byte("new deck"))
	s.Do(t, s.Admin.Token, "GET", fileURL(v1.ID, fmt.Sprintf("/download?version=%d", v1.VersionID)), nil).Want(t, http.StatusOK)
	s.Do(t, s.Admin.Token, "GET", fileURL(v1.ID, "/download"), nil).Want(t, http.StatusOK)
	s.Do(t, s.Admin.Token, "GET", fileURL(v1.ID, "/download"), nil).Want(t, http.StatusOK)

	var tl []map[string]any
	s.Do(t, s.Admin.Token, "GET", fileURL(v1.ID, "/timeline"), nil).Want(t, http.StatusOK).JSON(t, &tl)
	if len(tl) != 2 || tl[0]["version_id"] != float64(v2.VersionID) || tl[1]["version_id"] != float64(v1.VersionID) {
		t.Fatalf("timeline versions: %v", tl)
	}
	if tl[0]["total_downloads"] != float64(2) || tl[0]["total_download"] != float64(2) || tl[1]["total_downloads"] != float64(1) {
		t.Errorf("downloads: %v and %v", tl[0]["total_downloads"], tl[1]["total_downloads"])
	}
	uploads := 0
	for _, v := range tl {
		wantTypes(t, v, map[string]string{"total_annotations": "number", "total_dlinks": "number", "total_previews": "number", "hash": "string"})
		for _, e := range v["events"].([]any) {
			ev := e.(map[string]any)
			wantTypes(t, ev, map[string]string{"id": "number", "type": "number", "date": "string", "owner_id": "string"})
			if ev["action"] == "upload" {
				uploads++
			}
			if ev["type"] == float64(3) && ev["owner_id"] != s.Admin.Principal.UserID {
				t.Errorf("download event: %v", ev)
			}
		}
	}
	if uploads != 2 {
		t.Errorf("%d upload events, want 2: %v", uploads, tl)
	}
	s.Do(t, s.User.Token, "GET", fileURL(v1.ID, "/timeline"), nil).Want(t, http.StatusNotFound)
}

func TestFileInfos(t *testing.T) {
	s := newServer(t)
	s.Mkdir(t, "/team")
	info := s.Put(t, "/team/a.pdf", []byte("x"))
	r := s.Do(t, s.Admin.Token, "GET", fileURL(info.ID, "/infos"), nil).Want(t, http.StatusOK)
	if m := r.Map(t); len(m) != 0 {
		t.Fatalf("infos: %s", r.Body)
	}
	s.Do(t, s.User.Token, "GET", fileURL(info.ID, "/infos"), nil).Want(t, http.StatusNotFound)
}

func TestFileActivity(t *testing.T) {
	s := newServer(t)
	s.Mkdir(t, "/team")
	s.Grant(t, "/team", s.User, storage.AllRights)
	bob := s.NS(s.User)
	put := func(p, data string) storage.Info {
		info, err := bob.Put(ctx, p, bytes.NewReader([]byte(data)), storage.PutOptions{Size: int64(len(data))})
		if err != nil {
			t.Fatal(err)
		}
		return info
	}
	a := put("/team/a.txt", "a")
	b := put("/team/b.txt", "b")
	gone := put("/team/gone.txt", "c")
	put("/team/a.txt", "a again")
	if err := bob.Delete(ctx, "/team/gone.txt", storage.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	s.Put(t, "/team/admins.txt", []byte("not bob's")) // someone else's change

	var l struct {
		NbTotal int              `json:"nb_total_objects"`
		Objects []map[string]any `json:"objects"`
	}
	s.Do(t, s.User.Token, "GET", "/api/file/activity", nil).Want(t, http.StatusOK).JSON(t, &l)
	if l.NbTotal != 2 || len(l.Objects) != 2 || l.Objects[0]["id"] != float64(a.ID) || l.Objects[1]["id"] != float64(b.ID) {
		t.Fatalf("activity: %+v (gone is %d)", l, gone.ID)
	}
	s.Do(t, s.User.Token, "GET", "/api/file/activity?offset=1&limit=1", nil).Want(t, http.StatusOK).JSON(t, &l)
	if l.NbTotal != 2 || len(l.Objects) != 1 || l.Objects[0]["id"] != float64(b.ID) {
		t.Fatalf("second page: %+v", l)
	}
	// Out of sight, out of the list.
	s.Grant(t, "/team", s.User, 0)
	s.Do(t, s.User.Token, "GET", "/api/file/activity", nil).Want(t, http.StatusOK).JSON(t, &l)
	if l.NbTotal != 0 || len(l.Objects) != 0 {
		t.Fatalf("activity without rights: %+v", l)
	}
	s.Do(t, s.User.Token, "GET", "/api/file/activity?limit=0", nil).Want(t, http.StatusUnprocessableEntity)
}

func TestFileRenameAndMove(t *testing.T) {
	s := newServer(t)
	s.Mkdir(t, "/team")
	archive := s.Mkdir(t, "/team/archive")
	info := s.Put(t, "/team/draft.txt", []byte("draft"))
	s.Put(t, "/team/taken.txt", []byte("taken"))

	m := s.Do(t, s.Admin.Token, "PUT", fileURL(info.ID, ""), map[string]any{"name": "final.txt"}).Want(t, http.StatusOK).Map(t)
	if m["name"] != "final.txt" || m["id"] != float64(info.ID) {
		t.Fatalf("rename: %v", m)
	}
	m = s.Do(t, s.Admin.Token, "PUT", fileURL(info.ID, ""), map[string]any{"parent_id": archive.ID}).Want(t, http.StatusOK).Map(t)
	if m["parent_id"] != float64(archive.ID) || m["name"] != "final.txt" {
		t.Fatalf("move: %v", m)
	}
	m = s.Do(t, s.Admin.Token, "PUT", fileURL(info.ID, ""), map[string]any{"name": "é t\u00e9.txt", "parent_id": archive.ParentID}).Want(t, http.StatusOK).Map(t)
	if got, err := s.NS(s.Admin).StatID(ctx, info.ID); err != nil || got.Path != "/team/é té.txt" || m["name"] != "é té.txt" {
		t.Fatalf("rename and move: %v %v (%v)", got.Path, err, m)
	}
	s.Do(t, s.Admin.Token, "PUT", fileURL(info.ID, ""), map[string]any{}).Want(t, http.StatusOK)

	r := s.Do(t, s.Admin.Token, "PUT", fileURL(info.ID, ""), map[string]any{"name": "a/b"}).Want(t, http.StatusUnprocessableEntity)
	if r.Map(t)["errors"].(map[string]any)["name"] == nil {
		t.Errorf("no name error: %s", r.Body)
	}
	s.Do(t, s.Admin.Token, "PUT", fileURL(info.ID, ""), map[string]any{"parent_id": 987654}).Want(t, http.StatusUnprocessableEntity)
	s.Do(t, s.Admin.Token, "PUT", fileURL(info.ID, ""), map[string]any{"parent_id": "x"}).Want(t, http.StatusUnprocessableEntity)
	s.Do(t, s.Admin.Token, "PUT", fileURL(info.ID, ""), `{"name":`).Want(t, http.StatusBadRequest)
	s.Do(t, s.Admin.Token, "PUT", fileURL(info.ID, ""), map[string]any{"name": "taken.txt"}).Want(t, http.StatusConflict)

	// bob may see but not change; with every right he may, unless the
	// administrator holds a lock.
	s.Grant(t, "/team", s.User, storage.Browse|storage.Read)
	s.Do(t, s.User.Token, "PUT", fileURL(info.ID, ""), map[string]any{"name": "bob.txt"}).Want(t, http.StatusForbidden)
	s.Grant(t, "/team", s.User, storage.AllRights)
	lock, err := s.NS(s.Admin).Lock(ctx, "/team/é té.txt", storage.LockOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.Do(t, s.User.Token, "PUT", fileURL(info.ID, ""), map[string]any{"name": "bob.txt"}).Want(t, http.StatusLocked)
	if err := s.NS(s.Admin).Unlock(ctx, lock.Token); err != nil {
		t.Fatal(err)
	}
	s.Do(t, s.User.Token, "PUT", fileURL(info.ID, ""), map[string]any{"name": "bob.txt"}).Want(t, http.StatusOK)
}

// fileTrashed reports whether the node is in someone's trash.
func fileTrashed(t *testing.T, s *server, id storage.NodeID) bool {
	t.Helper()
	items, err := s.NS(s.Admin).Trash(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		if it.Node == id {
			return true
		}
	}
	return false
}

func TestFileDelete(t *testing.T) {
	s := newServer(t)
	s.Mkdir(t, "/team")
	s.Grant(t, "/team", s.User, storage.AllRights)
	ok := func(r response) {
		t.Helper()
		if r.Want(t, http.StatusOK); string(r.Body) != "OK" {
			t.Fatalf("answer %q, want OK", r.Body)
		}
	}
	versions := func(p string, n int) []storage.Info {
		t.Helper()
		var out []storage.Info
		for i := range n {
			out = append(out, s.Put(t, p, fmt.Appendf(nil, "%s v%d", p, i+1)))
		}
		return out
	}

	// Default: the whole file, to the trash.
	a := versions("/team/a.txt", 2)
	ok(s.Do(t, s.User.Token, "DELETE", fileURL(a[0].ID, ""), nil))
	if !fileTrashed(t, s, a[0].ID) {
		t.Error("a.txt not in the trash")
	}

	// none: the current version only; the previous one becomes current.
	b := versions("/team/b.txt", 3)
	ok(s.Do(t, s.User.Token, "DELETE", fileURL(b[0].ID, "?versions=none"), nil))
	if vs := fileVersionList(t, s, s.User.Token, b[0].ID); len(vs) != 2 || vs[0]["version_id"] != float64(b[1].VersionID) {
		t.Fatalf("after versions=none: %v", vs)
	}
	// previous with a target: it and the older ones; newer kept.
	b3 := s.Put(t, "/team/b.txt", []byte("b v3 again"))
	ok(s.Do(t, s.User.Token, "DELETE", fileURL(b[0].ID, fmt.Sprintf("?versions=previous&version=%d", b[1].VersionID)), nil))
	if vs := fileVersionList(t, s, s.User.Token, b[0].ID); len(vs) != 1 || vs[0]["version_id"] != float64(b3.VersionID) {
		t.Fatalf("after versions=previous: %v", vs)
	}
	// none on the only version deletes the file, to the trash.
	ok(s.Do(t, s.User.Token, "DELETE", fileURL(b[0].ID, "?versions=none"), nil))
	if !fileTrashed(t, s, b[0].ID) {
		t.Error("b.txt not in the trash")
	}
	// previous on the current version is every version: the file.
	c := versions("/team/c.txt", 2)
	ok(s.Do(t, s.User.Token, "DELETE", fileURL(c[0].ID, "?versions=previous"), nil))
	if !fileTrashed(t, s, c[0].ID) {
		t.Error("c.txt not in the trash")
	}

	// trash=0: administrators only; then nothing is left, not even in the trash.
	d := versions("/team/d.txt", 1)
	s.Do(t, s.User.Token, "DELETE", fileURL(d[0].ID, "?trash=0"), nil).Want(t, http.StatusForbidden)
	ok(s.Do(t, s.Admin.Token, "DELETE", fileURL(d[0].ID, "?trash=0"), nil))
	if fileTrashed(t, s, d[0].ID) {
		t.Error("d.txt in the trash after trash=0")
	}
	s.Do(t, s.Admin.Token, "GET", fileURL(d[0].ID, ""), nil).Want(t, http.StatusNotFound)

	// Bad parameters name their fields; an unknown version is a 404.
	e := versions("/team/e.txt", 2)
	r := s.Do(t, s.User.Token, "DELETE", fileURL(e[0].ID, "?trash=2&versions=some"), nil).Want(t, http.StatusUnprocessableEntity)
	if errs := r.Map(t)["errors"].(map[string]any); errs["trash"] == nil || errs["versions"] == nil {
		t.Errorf("field errors: %s", r.Body)
	}
	s.Do(t, s.User.Token, "DELETE", fileURL(e[0].ID, "?versions=all&version=1"), nil).Want(t, http.StatusUnprocessableEntity)
	s.Do(t, s.User.Token, "DELETE", fileURL(e[0].ID, "?versions=none&version=x"), nil).Want(t, http.StatusUnprocessableEntity)
	s.Do(t, s.User.Token, "DELETE", fileURL(e[0].ID, "?versions=none&version=999999"), nil).Want(t, http.StatusNotFound)
	if vs := fileVersionList(t, s, s.User.Token, e[0].ID); len(vs) != 2 {
		t.Errorf("e.txt lost versions to bad requests: %v", vs)
	}
	// Without Delete: 403; out of sight: 404.
	s.Grant(t, "/team", s.User, storage.Browse|storage.Read|storage.Download)
	s.Do(t, s.User.Token, "DELETE", fileURL(e[0].ID, ""), nil).Want(t, http.StatusForbidden)
	s.Do(t, s.User.Token, "DELETE", fileURL(e[0].ID, "?versions=none"), nil).Want(t, http.StatusForbidden)
	s.Grant(t, "/team", s.User, 0)
	s.Do(t, s.User.Token, "DELETE", fileURL(e[0].ID, ""), nil).Want(t, http.StatusNotFound)
}
