package rest_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"coffre/auth"
	"coffre/gateway/rest"
	"coffre/storage"
	"coffre/storage/engine"
)

// folderURL is the address of a folder, with query parameters.
func folderURL(id storage.NodeID, query string) string {
	u := fmt.Sprintf("/api/folder/%d", id)
	if query != "" {
		u += "?" + query
	}
	return u
}

// folderJSONKind names the JSON type of a decoded value.
func folderJSONKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case float64:
		return "number"
	case string:
		return "string"
	case bool:
		return "boolean"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// wantFolderFields checks that m has each field with its JSON type ("absent"
// for a field that must not be there).
func wantFolderFields(t *testing.T, what string, m map[string]any, kinds map[string]string) {
	t.Helper()
	for f, kind := range kinds {
		v, ok := m[f]
		switch {
		case kind == "absent" && ok:
			t.Errorf("%s: %s should be absent, is %v", what, f, v)
		case kind != "absent" && !ok:
			t.Errorf("%s: %s is missing", what, f)
		case kind != "absent" && folderJSONKind(v) != kind:
			t.Errorf("%s: %s is %s (%v), want %s", what, f, folderJSONKind(v), v, kind)
		}
	}
}

// names returns the "name" of each object of a JSON array, sorted.
func folderNames(list any) []string {
	var out []string
	for _, o := range list.([]any) {
		out = append(out, o.(map[string]any)["name"].(string))
	}
	sort.Strings(out)
	return out
}

func wantFolderNames(t *testing.T, what string, list any, want ...string) {
	t.Helper()
	got := folderNames(list)
	sort.Strings(want)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

func folderContentOf(t *testing.T, m map[string]any) (folders, files []any) {
	t.Helper()
	ct, ok := m["content"].(map[string]any)
	if !ok {
		t.Fatalf("no content in %v", m)
	}
	return ct["folders"].([]any), ct["files"].([]any)
}

func folderErrors(t *testing.T, r response) map[string]any {
	t.Helper()
	errs, _ := r.Map(t)["errors"].(map[string]any)
	return errs
}

var (
	folderBase = map[string]string{
		"id": "number", "guid": "string", "name": "string", "parent_id": "number",
		"can_read": "boolean", "can_download": "boolean", "can_write": "boolean",
		"can_edit": "boolean", "can_delete": "boolean", "can_share": "boolean",
	}
	folderOwner = map[string]string{"creation": "string", "modification": "string", "owner": "string", "owner_id": "string"}
	folderFull  = map[string]string{
		"can_dlink": "boolean", "can_ulink": "boolean", "can_admin_rights": "boolean", "can_admin_alerts": "boolean",
		"shared": "boolean", "size": "number", "nb_d_folders": "number", "nb_d_files": "number",
		"nb_folders": "number", "nb_files": "number", "quota": "number", "purge_frequency": "number",
		"path": "string", "path_name": "string",
	}
	fileBase = map[string]string{
		"id": "number", "guid": "string", "name": "string", "parent_id": "number", "modification": "string",
		"can_download": "boolean", "can_write": "boolean", "can_edit": "boolean", "can_delete": "boolean",
		"can_share": "boolean", "hash": "string", "lock": "null", "size": "number", "version_id": "number",
	}
	fileOwner = map[string]string{"creation": "string", "owner": "string", "owner_id": "string"}
)

func absentFields(kinds map[string]string) map[string]string {
	out := map[string]string{}
	for f := range kinds {
		out[f] = "absent"
	}
	return out
}

// The fields of the seed's Folder and File, with their JSON types, in the
// three modes; and some full-mode values.
func TestFolderObjectModes(t *testing.T) {
	s := newServer(t)
	root := s.Mkdir(t, "/docs")
	sub := s.Mkdir(t, "/docs/sub")
	s.Mkdir(t, "/docs/sub/deeper")
	s.Put(t, "/docs/a.txt", []byte("hello"))
	s.Put(t, "/docs/sub/b.txt", []byte("0123456789"))
	s.Put(t, "/docs/sub/deeper/c.txt", []byte("abc"))

	// Default mode.
	m := s.Do(t, s.Admin.Token, "GET", folderURL(root.ID, "depth=1"), nil).Want(t, http.StatusOK).Map(t)
	wantFolderFields(t, "default folder", m, folderBase)
	wantFolderFields(t, "default folder", m, folderOwner)
	wantFolderFields(t, "default folder", m, absentFields(folderFull))
	if m["name"] != "docs" || m["parent_id"] != 0.0 || m["id"] != float64(root.ID) || m["guid"] != root.GUID {
		t.Errorf("folder: %v", m)
	}
	if m["owner_id"] != s.Admin.Principal.UserID || m["owner"] != "admin" {
		t.Errorf("owner: %v %v", m["owner"], m["owner_id"])
	}
	folders, files := folderContentOf(t, m)
	wantFolderNames(t, "content folders", folders, "sub")
	wantFolderNames(t, "content files", files, "a.txt")
	f := files[0].(map[string]any)
	wantFolderFields(t, "default file", f, fileBase)
	wantFolderFields(t, "default file", f, fileOwner)
	wantFolderFields(t, "default file", f, map[string]string{"path": "absent"})
	if f["hash"] != "5d41402abc4b2a76b9719d911017c592" || f["size"] != 5.0 || f["parent_id"] != float64(root.ID) {
		t.Errorf("file: %v", f)
	}

	// Light mode.
	m = s.Do(t, s.Admin.Token, "GET", folderURL(root.ID, "depth=1&light=1"), nil).Want(t, http.StatusOK).Map(t)
	wantFolderFields(t, "light folder", m, folderBase)
	wantFolderFields(t, "light folder", m, absentFields(folderOwner))
	_, files = folderContentOf(t, m)
	wantFolderFields(t, "light file", files[0].(map[string]any), absentFields(fileOwner))
	wantFolderFields(t, "light file", files[0].(map[string]any), map[string]string{"modification": "string"})

	// Full mode, on the subfolder: its counts, size and path of IDs.
	m = s.Do(t, s.Admin.Token, "GET", folderURL(sub.ID, "full=1&depth=1"), nil).Want(t, http.StatusOK).Map(t)
	wantFolderFields(t, "full folder", m, folderBase)
	wantFolderFields(t, "full folder", m, folderOwner)
	wantFolderFields(t, "full folder", m, folderFull)
	for field, want := range map[string]any{
		"size": 13.0, "nb_d_folders": 1.0, "nb_d_files": 1.0, "nb_folders": 1.0, "nb_files": 2.0,
		"path": fmt.Sprintf("/%d/", root.ID), "parent_id": float64(root.ID), "quota": 0.0, "purge_frequency": 0.0,
	} {
		if m[field] != want {
			t.Errorf("full folder %s = %v, want %v", field, m[field], want)
		}
	}
	folders, files = folderContentOf(t, m)
	wantFolderFields(t, "full subfolder", folders[0].(map[string]any), folderFull)
	if p := files[0].(map[string]any)["path"]; p != fmt.Sprintf("/%d/%d/", root.ID, sub.ID) {
		t.Errorf("full file path %v", p)
	}
	// The root folder's counts cover the whole tree.
	m = s.Do(t, s.Admin.Token, "GET", folderURL(root.ID, "full=1"), nil).Want(t, http.StatusOK).Map(t)
	if m["nb_files"] != 3.0 || m["nb_d_files"] != 1.0 || m["nb_folders"] != 2.0 || m["size"] != 18.0 || m["path"] != "/" {
		t.Errorf("full root: %v", m)
	}
	if _, ok := m["content"]; ok {
		t.Errorf("depth 0 (the default) has content: %v", m["content"])
	}
}

// depth 0, 1, 2, -1 and filter 1, 2, 3.
func TestFolderDepthAndFilter(t *testing.T) {
	s := newServer(t)
	root := s.Mkdir(t, "/t")
	s.Mkdir(t, "/t/a")
	s.Mkdir(t, "/t/a/b")
	s.Mkdir(t, "/t/a/b/c")
	s.Put(t, "/t/f1", []byte("1"))
	s.Put(t, "/t/a/f2", []byte("2"))
	s.Put(t, "/t/a/b/f3", []byte("3"))
	s.Put(t, "/t/a/b/c/f4", []byte("4"))
	get := func(query string) map[string]any {
		return s.Do(t, s.Admin.Token, "GET", folderURL(root.ID, query), nil).Want(t, http.StatusOK).Map(t)
	}
	// levels walks the first folder of each level and returns what it found.
	levels := func(m map[string]any) []string {
		var out []string
		for {
			ct, ok := m["content"].(map[string]any)
			if !ok {
				return out
			}
			out = append(out, strings.Join(folderNames(ct["folders"]), "+")+"|"+strings.Join(folderNames(ct["files"]), "+"))
			subs := ct["folders"].([]any)
			if len(subs) == 0 {
				return out
			}
			m = subs[0].(map[string]any)
		}
	}
	for _, tc := range []struct {
		query string
		want  string
	}{
		{"depth=0", ""},
		{"depth=1", "a|f1"},
		{"depth=2", "a|f1 b|f2"},
		{"depth=-1", "a|f1 b|f2 c|f3 |f4"},
		{"depth=-1&filter=3", "a|f1 b|f2 c|f3 |f4"},
		{"depth=-1&filter=1", "a| b| c| |"},
		{"depth=-1&filter=2", "|f1"},
		{"depth=2&filter=1", "a| b|"},
	} {
		if got := strings.Join(levels(get(tc.query)), " "); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.query, got, tc.want)
		}
	}
	for _, q := range []string{"depth=-2", "depth=x", "filter=0", "filter=4", "filter=x"} {
		r := s.Do(t, s.Admin.Token, "GET", folderURL(root.ID, q), nil).Want(t, http.StatusUnprocessableEntity)
		field, _, _ := strings.Cut(q, "=")
		if folderErrors(t, r)[field] == nil {
			t.Errorf("%s: no error for %s: %s", q, field, r.Body)
		}
	}
	// A file's ID, an unknown ID, a non-number are no folder.
	f, _ := s.NS(s.Admin).Stat(ctx, "/t/f1")
	s.Do(t, s.Admin.Token, "GET", folderURL(f.ID, ""), nil).Want(t, http.StatusNotFound)
	s.Do(t, s.Admin.Token, "GET", "/api/folder/999999", nil).Want(t, http.StatusNotFound)
	s.Do(t, s.Admin.Token, "GET", "/api/folder/abc", nil).Want(t, http.StatusNotFound)
	s.Do(t, "", "GET", folderURL(root.ID, ""), nil).Want(t, http.StatusUnauthorized)
}

// The caller's root folders: /api/folders, /api/roots, /api/root/{type}.
func TestFolderRoots(t *testing.T) {
	s := newServer(t)
	team := s.Mkdir(t, "/team")
	s.Mkdir(t, "/hidden")
	s.Put(t, "/team/plan.txt", []byte("plan"))
	s.Grant(t, "/team", s.User, storage.Browse|storage.Read)

	// Bob may not create a root folder until he may write at "/".
	s.Do(t, s.User.Token, "POST", "/api/folder", map[string]any{"name": "mine", "parent_id": 0}).Want(t, http.StatusForbidden)
	s.Grant(t, "/", s.User, storage.Write)
	r := s.Do(t, s.User.Token, "POST", "/api/folder", map[string]any{"name": "mine", "parent_id": 0}).Want(t, http.StatusCreated)
	mine := r.Map(t)
	if mine["parent_id"] != 0.0 || mine["owner_id"] != s.User.Principal.UserID || mine["can_delete"] != true {
		t.Errorf("bob's root: %s", r.Body)
	}

	var folders []map[string]any
	s.Do(t, s.User.Token, "GET", "/api/folders", nil).Want(t, http.StatusOK).JSON(t, &folders)
	types := map[string]string{}
	for _, f := range folders {
		wantFolderFields(t, "root folder", f, folderBase)
		wantFolderFields(t, "root folder", f, map[string]string{"type": "string", "content": "absent"})
		types[f["name"].(string)] = f["type"].(string)
	}
	if len(types) != 2 || types["mine"] != "personal" || types["team"] != "shared" {
		t.Errorf("bob's roots: %v", types)
	}
	s.Do(t, s.User.Token, "GET", "/api/folders?depth=1", nil).Want(t, http.StatusOK).JSON(t, &folders)
	for _, f := range folders {
		if f["name"] == "team" {
			_, files := folderContentOf(t, f)
			wantFolderNames(t, "team content", files, "plan.txt")
		}
	}

	var roots []map[string]any
	s.Do(t, s.User.Token, "GET", "/api/roots", nil).Want(t, http.StatusOK).JSON(t, &roots)
	if len(roots) != 2 {
		t.Fatalf("roots: %v", roots)
	}
	for _, root := range roots {
		wantFolderFields(t, "root", root, map[string]string{"id": "number", "guid": "string", "type": "string", "name": "string", "content": "absent"})
	}
	s.Do(t, s.User.Token, "GET", "/api/root/shared?depth=1", nil).Want(t, http.StatusOK).JSON(t, &roots)
	if len(roots) != 1 || roots[0]["id"] != float64(team.ID) || roots[0]["type"] != "shared" {
		t.Fatalf("shared roots: %v", roots)
	}
	_, files := folderContentOf(t, roots[0])
	wantFolderNames(t, "shared root content", files, "plan.txt")
	s.Do(t, s.User.Token, "GET", "/api/root/personal", nil).Want(t, http.StatusOK).JSON(t, &roots)
	if len(roots) != 1 || roots[0]["name"] != "mine" || roots[0]["type"] != "personal" {
		t.Fatalf("personal roots: %v", roots)
	}
	r = s.Do(t, s.User.Token, "GET", "/api/root/everything", nil).Want(t, http.StatusUnprocessableEntity)
	if folderErrors(t, r)["type"] == nil {
		t.Errorf("no error for type: %s", r.Body)
	}

	// The administrator sees every root; those they did not create are shared.
	s.Do(t, s.Admin.Token, "GET", "/api/folders", nil).Want(t, http.StatusOK).JSON(t, &folders)
	types = map[string]string{}
	for _, f := range folders {
		types[f["name"].(string)] = f["type"].(string)
	}
	if len(types) != 3 || types["hidden"] != "personal" || types["mine"] != "shared" {
		t.Errorf("admin's roots: %v", types)
	}
}

// Rights decide what the API shows: nothing without browse, folders but no
// files with browse alone.
func TestFolderRights(t *testing.T) {
	s := newServer(t)
	root := s.Mkdir(t, "/r")
	s.Mkdir(t, "/r/sub")
	s.Put(t, "/r/secret.txt", []byte("s"))

	s.Do(t, s.User.Token, "GET", folderURL(root.ID, ""), nil).Want(t, http.StatusNotFound)
	s.Do(t, s.User.Token, "PUT", folderURL(root.ID, ""), map[string]any{"name": "x"}).Want(t, http.StatusNotFound)
	s.Do(t, s.User.Token, "DELETE", folderURL(root.ID, ""), nil).Want(t, http.StatusNotFound)

	s.Grant(t, "/r", s.User, storage.Browse)
	m := s.Do(t, s.User.Token, "GET", folderURL(root.ID, "depth=1"), nil).Want(t, http.StatusOK).Map(t)
	folders, files := folderContentOf(t, m)
	wantFolderNames(t, "browse-only folders", folders, "sub")
	wantFolderNames(t, "browse-only files", files)
	if m["can_read"] != false || m["can_write"] != false {
		t.Errorf("browse-only rights: %v", m)
	}
	// Seeing is not changing.
	s.Do(t, s.User.Token, "PUT", folderURL(root.ID, ""), map[string]any{"name": "x"}).Want(t, http.StatusForbidden)
	s.Do(t, s.User.Token, "POST", "/api/folder", map[string]any{"name": "new", "parent_id": root.ID}).Want(t, http.StatusForbidden)

	s.Grant(t, "/r", s.User, storage.Browse|storage.Read)
	m = s.Do(t, s.User.Token, "GET", folderURL(root.ID, "depth=1"), nil).Want(t, http.StatusOK).Map(t)
	_, files = folderContentOf(t, m)
	wantFolderNames(t, "browse+read files", files, "secret.txt")
	if m["can_read"] != true || m["can_download"] != false {
		t.Errorf("browse+read rights: %v", m)
	}
}

// Create, rename, move, delete to the trash and for good, with their
// validation.
func TestFolderCreateUpdateDelete(t *testing.T) {
	s := newServer(t)
	root := s.Mkdir(t, "/w")
	other := s.Mkdir(t, "/w/other")
	tok := s.Admin.Token

	r := s.Do(t, tok, "POST", "/api/folder?full=1", map[string]any{"name": "Projets 2024", "parent_id": root.ID}).Want(t, http.StatusCreated)
	created := r.Map(t)
	wantFolderFields(t, "created", created, folderBase)
	wantFolderFields(t, "created", created, folderFull)
	if created["name"] != "Projets 2024" || created["parent_id"] != float64(root.ID) {
		t.Fatalf("created: %s", r.Body)
	}
	id := storage.NodeID(created["id"].(float64))
	if info, err := s.NS(s.Admin).Stat(ctx, "/w/Projets 2024"); err != nil || info.ID != id {
		t.Fatalf("not in the namespace: %v %v", info, err)
	}

	// Validation: names, types, required fields, unknown parents, bodies.
	for _, tc := range []struct {
		body  any
		field string
	}{
		{map[string]any{"name": "a/b", "parent_id": root.ID}, "name"},
		{map[string]any{"name": " lead", "parent_id": root.ID}, "name"},
		{map[string]any{"name": strings.Repeat("x", 201), "parent_id": root.ID}, "name"},
		{map[string]any{"parent_id": root.ID}, "name"},
		{map[string]any{"name": "ok"}, "parent_id"},
		{map[string]any{"name": "ok", "parent_id": 999999}, "parent_id"},
		{map[string]any{"name": 12, "parent_id": root.ID}, "name"},
		{map[string]any{"name": "ok", "parent_id": "x"}, "parent_id"},
		{map[string]any{"name": "ok", "parent_id": root.ID, "quota": -5}, "quota"},
		{map[string]any{"name": "ok", "parent_id": root.ID, "purge_frequency": -1}, "purge_frequency"},
	} {
		r := s.Do(t, tok, "POST", "/api/folder", tc.body).Want(t, http.StatusUnprocessableEntity)
		if folderErrors(t, r)[tc.field] == nil {
			t.Errorf("%v: no error for %s: %s", tc.body, tc.field, r.Body)
		}
	}
	s.Do(t, tok, "POST", "/api/folder", `{"name": "x", "parent_id": `).Want(t, http.StatusBadRequest)
	s.Do(t, tok, "PUT", folderURL(id, ""), `{"name": `).Want(t, http.StatusBadRequest)
	s.Do(t, tok, "POST", "/api/folder", map[string]any{"name": "Projets 2024", "parent_id": root.ID}).Want(t, http.StatusConflict)
	if _, err := s.NS(s.Admin).Stat(ctx, "/w/ok"); !storage.Is(storage.NotFound, err) {
		t.Errorf("a refused create left a folder: %v", err)
	}

	// Rename, then move, then both; an empty body changes nothing.
	m := s.Do(t, tok, "PUT", folderURL(id, ""), map[string]any{"name": "Projets"}).Want(t, http.StatusOK).Map(t)
	if m["name"] != "Projets" || m["id"] != float64(id) {
		t.Errorf("renamed: %v", m)
	}
	m = s.Do(t, tok, "PUT", folderURL(id, ""), map[string]any{"parent_id": other.ID}).Want(t, http.StatusOK).Map(t)
	if m["parent_id"] != float64(other.ID) {
		t.Errorf("moved: %v", m)
	}
	s.Do(t, tok, "PUT", folderURL(id, ""), nil).Want(t, http.StatusOK)
	if info, err := s.NS(s.Admin).StatID(ctx, id); err != nil || info.Path != "/w/other/Projets" {
		t.Fatalf("after the moves: %v %v", info.Path, err)
	}
	for _, tc := range []struct {
		body   any
		status int
		field  string
	}{
		{map[string]any{"name": "bad:name"}, http.StatusUnprocessableEntity, "name"},
		{map[string]any{"name": ""}, http.StatusUnprocessableEntity, "name"},
		{map[string]any{"parent_id": 999999}, http.StatusUnprocessableEntity, "parent_id"},
		{map[string]any{"name": "other", "parent_id": root.ID}, http.StatusConflict, ""}, // taken
		{map[string]any{"parent_id": id}, http.StatusConflict, ""},                       // into itself
	} {
		r := s.Do(t, tok, "PUT", folderURL(id, ""), tc.body).Want(t, tc.status)
		if tc.field != "" && folderErrors(t, r)[tc.field] == nil {
			t.Errorf("%v: no error for %s: %s", tc.body, tc.field, r.Body)
		}
	}
	// Moved to the top: a root folder.
	m = s.Do(t, tok, "PUT", folderURL(id, ""), map[string]any{"parent_id": 0}).Want(t, http.StatusOK).Map(t)
	if m["parent_id"] != 0.0 {
		t.Errorf("moved to the top: %v", m)
	}
	s.Do(t, tok, "PUT", folderURL(id, ""), map[string]any{"parent_id": root.ID}).Want(t, http.StatusOK)

	// Delete to the trash (the default), then for good.
	s.Put(t, "/w/Projets/keep.txt", []byte("k"))
	s.Do(t, tok, "DELETE", folderURL(id, "trash=maybe"), nil).Want(t, http.StatusUnprocessableEntity)
	s.Do(t, tok, "DELETE", folderURL(id, ""), nil).Want(t, http.StatusNoContent)
	s.Do(t, tok, "GET", folderURL(id, ""), nil).Want(t, http.StatusNotFound)
	s.Do(t, tok, "DELETE", folderURL(id, ""), nil).Want(t, http.StatusNotFound)
	trash, err := s.NS(s.Admin).Trash(ctx, false)
	if err != nil || len(trash) != 1 || trash[0].Node != id {
		t.Fatalf("trash: %v %v", trash, err)
	}
	gone := s.Mkdir(t, "/w/gone")
	s.Put(t, "/w/gone/x.txt", []byte("x"))
	s.Do(t, tok, "DELETE", folderURL(gone.ID, "trash=0"), nil).Want(t, http.StatusNoContent)
	if trash, _ := s.NS(s.Admin).Trash(ctx, false); len(trash) != 1 {
		t.Errorf("a permanent delete went to the trash: %v", trash)
	}
	if _, err := s.NS(s.Admin).StatID(ctx, gone.ID); !storage.Is(storage.NotFound, err) {
		t.Errorf("permanently deleted folder: %v", err)
	}

	// Bob may delete into his trash, but only an administrator for good.
	s.Mkdir(t, "/w/bob")
	bobs := s.Mkdir(t, "/w/bob/full")
	s.Put(t, "/w/bob/full/f.txt", []byte("f"))
	s.Grant(t, "/w/bob", s.User, storage.AllRights)
	s.Do(t, s.User.Token, "DELETE", folderURL(bobs.ID, "trash=0"), nil).Want(t, http.StatusForbidden)
	s.Do(t, s.User.Token, "DELETE", folderURL(bobs.ID, "trash=1"), nil).Want(t, http.StatusNoContent)
	if trash, _ := s.NS(s.User).Trash(ctx, false); len(trash) != 1 || trash[0].Node != bobs.ID {
		t.Errorf("bob's trash: %v", trash)
	}
}

// A folder locked through the namespace refuses a rename with 423; the
// listing shows the lock on its files.
func TestFolderLocked(t *testing.T) {
	s := newServer(t)
	s.Mkdir(t, "/p")
	sub := s.Mkdir(t, "/p/sub")
	s.Put(t, "/p/sub/doc.txt", []byte("d"))
	s.Grant(t, "/p", s.User, storage.AllRights)
	if _, err := s.NS(s.Admin).Lock(ctx, "/p/sub", storage.LockOptions{Deep: true}); err != nil {
		t.Fatal(err)
	}
	r := s.Do(t, s.User.Token, "PUT", folderURL(sub.ID, ""), map[string]any{"name": "renamed"}).Want(t, http.StatusLocked)
	if r.Map(t)["message"] == "" {
		t.Errorf("no message: %s", r.Body)
	}
	s.Do(t, s.User.Token, "DELETE", folderURL(sub.ID, ""), nil).Want(t, http.StatusLocked)
	if _, err := s.NS(s.Admin).Stat(ctx, "/p/sub"); err != nil {
		t.Fatalf("the locked folder changed: %v", err)
	}
	m := s.Do(t, s.User.Token, "GET", folderURL(sub.ID, "depth=1"), nil).Want(t, http.StatusOK).Map(t)
	_, files := folderContentOf(t, m)
	lock, ok := files[0].(map[string]any)["lock"].(map[string]any)
	if !ok || lock["locked"] != true || lock["writeable"] != false || lock["owner_id"] != s.Admin.Principal.UserID {
		t.Errorf("lock in the listing: %v", files[0])
	}
	// The holder renames at will.
	s.Do(t, s.Admin.Token, "PUT", folderURL(sub.ID, ""), map[string]any{"name": "renamed"}).Want(t, http.StatusOK)
}

// Quota and purge frequency round trip through PUT, the full mode and
// /api/quotas.
func TestFolderQuotas(t *testing.T) {
	s := newServerWith(t, engine.Options{Quota: 1 << 30}, func(*rest.Options) {})
	root := s.Mkdir(t, "/q")
	sub := s.Mkdir(t, "/q/sub")
	s.Put(t, "/q/sub/a.bin", make([]byte, 100))
	s.Grant(t, "/q", s.User, storage.AllRights)

	// Only administrators set quotas; bob's refused change changes nothing.
	s.Do(t, s.User.Token, "PUT", folderURL(root.ID, ""), map[string]any{"quota": 1000, "name": "q2"}).Want(t, http.StatusForbidden)
	s.Do(t, s.User.Token, "PUT", folderURL(root.ID, ""), map[string]any{"quota": -3}).Want(t, http.StatusUnprocessableEntity)
	m := s.Do(t, s.Admin.Token, "PUT", folderURL(root.ID, "full=1"), map[string]any{"quota": 1000, "purge_frequency": 30}).Want(t, http.StatusOK).Map(t)
	if m["name"] != "q" || m["quota"] != 1000.0 || m["purge_frequency"] != 30.0 {
		t.Errorf("after PUT: %v", m)
	}
	m = s.Do(t, s.User.Token, "PUT", folderURL(sub.ID, "full=1"), map[string]any{"purge_frequency": 7}).Want(t, http.StatusOK).Map(t)
	if m["purge_frequency"] != 7.0 || m["quota"] != 0.0 {
		t.Errorf("bob's purge frequency: %v", m)
	}
	m = s.Do(t, s.Admin.Token, "POST", "/api/folder?full=1", map[string]any{"name": "capped", "parent_id": root.ID, "quota": 500, "purge_frequency": 2}).Want(t, http.StatusCreated).Map(t)
	if m["quota"] != 500.0 || m["purge_frequency"] != 2.0 {
		t.Errorf("created with settings: %v", m)
	}
	s.Do(t, s.User.Token, "POST", "/api/folder", map[string]any{"name": "mine", "parent_id": root.ID, "quota": 10}).Want(t, http.StatusForbidden)
	if _, err := s.NS(s.Admin).Stat(ctx, "/q/mine"); !storage.Is(storage.NotFound, err) {
		t.Errorf("a refused create left a folder: %v", err)
	}

	var q struct {
		Platform, User struct {
			Quota *int64
			Used  int64
		}
		Folder *struct {
			Quota  *int64
			Used   int64
			Folder int64
		}
	}
	// Inherited: sub has no quota of its own; /q's applies.
	s.Do(t, s.User.Token, "GET", fmt.Sprintf("/api/quotas?folder=%d", sub.ID), nil).Want(t, http.StatusOK).JSON(t, &q)
	if q.Folder == nil || q.Folder.Quota == nil || *q.Folder.Quota != 1000 || q.Folder.Used != 100 || q.Folder.Folder != int64(root.ID) {
		t.Errorf("inherited folder quota: %+v", q.Folder)
	}
	if q.Platform.Quota == nil || *q.Platform.Quota != 1<<30 || q.Platform.Used < 100 {
		t.Errorf("platform: %+v", q.Platform)
	}
	if q.User.Quota != nil || q.User.Used != 0 {
		t.Errorf("bob wrote nothing and has no quota: %+v", q.User)
	}
	// A tighter quota below wins; then no quota at all is null.
	s.Do(t, s.Admin.Token, "PUT", folderURL(sub.ID, ""), map[string]any{"quota": 150}).Want(t, http.StatusOK)
	s.Do(t, s.User.Token, "GET", fmt.Sprintf("/api/quotas?folder=%d", sub.ID), nil).Want(t, http.StatusOK).JSON(t, &q)
	if q.Folder.Quota == nil || *q.Folder.Quota != 150 || q.Folder.Folder != int64(sub.ID) {
		t.Errorf("own folder quota: %+v", q.Folder)
	}
	s.Do(t, s.Admin.Token, "PUT", folderURL(sub.ID, ""), map[string]any{"quota": -1}).Want(t, http.StatusOK)
	s.Do(t, s.Admin.Token, "PUT", folderURL(root.ID, ""), map[string]any{"quota": 0}).Want(t, http.StatusOK)
	r := s.Do(t, s.User.Token, "GET", fmt.Sprintf("/api/quotas?folder=%d", sub.ID), nil).Want(t, http.StatusOK)
	folder := r.Map(t)["folder"].(map[string]any)
	if folder["quota"] != nil || folder["used"] != 100.0 || folder["folder"] != float64(sub.ID) {
		t.Errorf("no folder quota: %s", r.Body)
	}

	// The user's quota and usage; no folder asked.
	limit := int64(5000)
	if _, err := s.Auth.UpdateUser(ctx, "bob", auth.UserChange{Quota: &limit}); err != nil {
		t.Fatal(err)
	}
	if st := s.DAVPut(t, s.User, "/q/sub/bob.txt", []byte("bob's")); st != http.StatusCreated {
		t.Fatalf("DAV PUT: %d", st)
	}
	r = s.Do(t, s.User.Token, "GET", "/api/quotas", nil).Want(t, http.StatusOK)
	r.JSON(t, &q)
	if q.User.Quota == nil || *q.User.Quota != 5000 || q.User.Used != 5 || q.Folder != nil {
		t.Errorf("user quota: %s", r.Body)
	}
	if !strings.Contains(string(r.Body), `"folder":null`) {
		t.Errorf("folder should be null: %s", r.Body)
	}
	s.Do(t, s.User.Token, "GET", "/api/quotas?folder=999999", nil).Want(t, http.StatusUnprocessableEntity)
	s.Do(t, s.User.Token, "GET", "/api/quotas?folder=x", nil).Want(t, http.StatusUnprocessableEntity)
}

// /api/path, /api/objectpath and /api/ischildof.
func TestFolderPaths(t *testing.T) {
	s := newServer(t)
	root := s.Mkdir(t, "/Documents")
	shared := s.Mkdir(t, "/Documents/Partagé")
	file := s.Put(t, "/Documents/Partagé/x.docx", []byte("x"))
	s.Mkdir(t, "/Else")
	tok := s.Admin.Token

	object := func(query string) map[string]any {
		t.Helper()
		return s.Do(t, tok, "GET", "/api/path?"+query, nil).Want(t, http.StatusOK).Map(t)["object"].(map[string]any)
	}
	q := url.Values{"root": {fmt.Sprint(root.ID)}, "path": {"Partagé/x.docx"}}
	if o := object(q.Encode()); o["id"] != float64(file.ID) || o["hash"] == nil {
		t.Errorf("file by path: %v", o)
	}
	q.Set("path", "Partagé/")
	if o := object(q.Encode()); o["id"] != float64(shared.ID) || o["can_read"] != true {
		t.Errorf("folder by path: %v", o)
	}
	q.Set("path", "/")
	if o := object(q.Encode()); o["id"] != float64(root.ID) {
		t.Errorf("the root itself: %v", o)
	}
	if o := object(url.Values{"path": {"/Documents/Partagé/x.docx"}}.Encode()); o["id"] != float64(file.ID) {
		t.Errorf("from the top: %v", o)
	}
	if o := object(url.Values{"root": {"0"}, "path": {"Documents/"}}.Encode()); o["id"] != float64(root.ID) {
		t.Errorf("root 0: %v", o)
	}
	for path, status := range map[string]int{
		"Partagé/x.docx/": http.StatusNotFound, // a file is no folder
		"Partagé":         http.StatusNotFound, // a folder is no file
		"Partagé/y.docx":  http.StatusNotFound,
		"../Else/":        http.StatusUnprocessableEntity,
		"a//b":            http.StatusUnprocessableEntity,
	} {
		q.Set("path", path)
		s.Do(t, tok, "GET", "/api/path?"+q.Encode(), nil).Want(t, status)
	}
	s.Do(t, tok, "GET", "/api/path?root=999999&path=a", nil).Want(t, http.StatusUnprocessableEntity)
	s.Do(t, s.User.Token, "GET", "/api/path?path=Documents/", nil).Want(t, http.StatusNotFound)

	objectPath := func(root storage.NodeID, typ string, id storage.NodeID) response {
		return s.Do(t, tok, "GET", fmt.Sprintf("/api/objectpath?root=%d&object_type=%s&object_id=%d", root, typ, id), nil)
	}
	for _, tc := range []struct {
		root storage.NodeID
		typ  string
		id   storage.NodeID
		want string
	}{
		{root.ID, "file", file.ID, "Partagé/x.docx"},
		{root.ID, "folder", shared.ID, "Partagé/"},
		{0, "file", file.ID, "Documents/Partagé/x.docx"},
		{shared.ID, "file", file.ID, "x.docx"},
	} {
		var got struct{ Object string }
		objectPath(tc.root, tc.typ, tc.id).Want(t, http.StatusOK).JSON(t, &got)
		if got.Object != tc.want {
			t.Errorf("objectpath %v: %q, want %q", tc, got.Object, tc.want)
		}
		// What objectpath answers, path finds.
		o := object(url.Values{"root": {fmt.Sprint(tc.root)}, "path": {got.Object}}.Encode())
		if o["id"] != float64(tc.id) {
			t.Errorf("path of %q: %v", got.Object, o)
		}
	}
	objectPath(root.ID, "folder", file.ID).Want(t, http.StatusNotFound)
	objectPath(shared.ID, "folder", root.ID).Want(t, http.StatusNotFound)
	objectPath(root.ID, "file", 999999).Want(t, http.StatusNotFound)
	objectPath(root.ID, "thing", file.ID).Want(t, http.StatusUnprocessableEntity)
	s.Do(t, tok, "GET", "/api/objectpath?object_type=file", nil).Want(t, http.StatusUnprocessableEntity)

	// ischildof: a descendant, not one, one bob sees only on his way down.
	s.Mkdir(t, "/Documents/Partagé/granted")
	granted, _ := s.NS(s.Admin).Stat(ctx, "/Documents/Partagé/granted")
	s.Grant(t, "/Documents/Partagé/granted", s.User, storage.Browse)
	isChild := func(token string, root, folder storage.NodeID) response {
		return s.Do(t, token, "GET", fmt.Sprintf("/api/ischildof?root=%d&folder=%d", root, folder), nil)
	}
	if r := isChild(tok, root.ID, shared.ID).Want(t, http.StatusOK); string(r.Body) != "OK" {
		t.Errorf("ischildof body %q", r.Body)
	}
	isChild(tok, root.ID, granted.ID).Want(t, http.StatusOK)
	isChild(tok, 0, root.ID).Want(t, http.StatusOK)
	isChild(tok, shared.ID, root.ID).Want(t, http.StatusNotFound)
	isChild(tok, root.ID, root.ID).Want(t, http.StatusNotFound)
	isChild(tok, root.ID, file.ID).Want(t, http.StatusNotFound)
	isChild(tok, root.ID, 999999).Want(t, http.StatusNotFound)
	isChild(s.User.Token, root.ID, granted.ID).Want(t, http.StatusOK)
	isChild(s.User.Token, root.ID, shared.ID).Want(t, http.StatusForbidden) // traversed, not browsed
	isChild(s.User.Token, 0, root.ID).Want(t, http.StatusForbidden)
	s.Do(t, tok, "GET", "/api/ischildof?root=0", nil).Want(t, http.StatusUnprocessableEntity)
}

// Recursive search by name and filters.
func TestFolderSearch(t *testing.T) {
	s := newServer(t)
	root := s.Mkdir(t, "/s")
	s.Mkdir(t, "/s/Rapports")
	s.Mkdir(t, "/s/Rapports/2023")
	s.Put(t, "/s/Rapports/rapport-ventes.pdf", []byte("p"))
	s.Put(t, "/s/Rapports/2023/RAPPORT-annuel.PDF", []byte("pp"))
	notes := s.Put(t, "/s/notes.txt", []byte("n"))
	// A note that names what the file's name does not, and one on a file
	// only the administrator sees.
	s.Do(t, s.Admin.Token, "POST", "/api/annotation", map[string]any{"target_id": notes.ID, "target_type": "file", "text": "Voir le RAPPORT de mars"}).
		Want(t, http.StatusCreated)
	old := time.Date(2020, 1, 15, 12, 0, 0, 0, time.UTC)
	if _, err := s.NS(s.Admin).Put(ctx, "/s/Rapports/vieux-rapport.txt", strings.NewReader("o"), storage.PutOptions{Size: 1, ModTime: old}); err != nil {
		t.Fatal(err)
	}
	s.Mkdir(t, "/elsewhere")
	s.Put(t, "/elsewhere/rapport-caché.pdf", []byte("h"))
	hidden := s.Put(t, "/elsewhere/secret.txt", []byte("s"))
	s.Do(t, s.Admin.Token, "POST", "/api/annotation", map[string]any{"target_id": hidden.ID, "target_type": "file", "text": "rapport"}).
		Want(t, http.StatusCreated)
	s.Grant(t, "/s", s.User, storage.Browse|storage.Read|storage.Write)
	if _, err := s.NS(s.User).Put(ctx, "/s/rapport-bob.txt", strings.NewReader("b"), storage.PutOptions{Size: 1}); err != nil {
		t.Fatal(err)
	}

	search := func(token, base, query string) (folders, files []string) {
		t.Helper()
		var res struct{ Folders, Files []map[string]any }
		s.Do(t, token, "GET", base+"?recursive=1&"+query, nil).Want(t, http.StatusOK).JSON(t, &res)
		if res.Folders == nil || res.Files == nil {
			t.Fatalf("%s: folders and files must be arrays", query)
		}
		for _, f := range res.Folders {
			folders = append(folders, f["name"].(string))
		}
		for _, f := range res.Files {
			files = append(files, f["name"].(string))
		}
		sort.Strings(folders)
		sort.Strings(files)
		return folders, files
	}
	in := folderURL(root.ID, "")
	for _, tc := range []struct {
		query          string
		folders, files string
	}{
		{"q=rapport&search_name=1", "Rapports", "RAPPORT-annuel.PDF,rapport-bob.txt,rapport-ventes.pdf,vieux-rapport.txt"},
		{"q=rapport&search_annotations=1", "Rapports", "RAPPORT-annuel.PDF,notes.txt,rapport-bob.txt,rapport-ventes.pdf,vieux-rapport.txt"},
		{"q=mars&search_annotations=1&filter=2", "", "notes.txt"},
		{"q=mars", "", ""},
		{"q=rapport&filter=1", "Rapports", ""},
		{"q=rapport&filter=2&extension=pdf", "", "RAPPORT-annuel.PDF,rapport-ventes.pdf"},
		{"extension=.txt", "", "notes.txt,rapport-bob.txt,vieux-rapport.txt"},
		{"q=2023", "2023", ""},
		{"modified_before=2021-01-01", "", "vieux-rapport.txt"},
		{"q=rapport&modified_after=2021-01-01T00:00:00Z&filter=2", "", "RAPPORT-annuel.PDF,rapport-bob.txt,rapport-ventes.pdf"},
		{"owner_id=" + s.User.Principal.UserID, "", "rapport-bob.txt"},
		{"q=nothing-like-this", "", ""},
		{"", "2023,Rapports", "RAPPORT-annuel.PDF,notes.txt,rapport-bob.txt,rapport-ventes.pdf,vieux-rapport.txt"},
	} {
		folders, files := search(s.Admin.Token, in, tc.query)
		if strings.Join(folders, ",") != tc.folders || strings.Join(files, ",") != tc.files {
			t.Errorf("%s: folders %v files %v, want %q %q", tc.query, folders, files, tc.folders, tc.files)
		}
	}
	// The result objects are the seed's, in the mode asked.
	var res struct{ Folders, Files []map[string]any }
	s.Do(t, s.Admin.Token, "GET", in+"?recursive=1&q=ventes&light=1", nil).Want(t, http.StatusOK).JSON(t, &res)
	wantFolderFields(t, "search file", res.Files[0], fileBase)
	wantFolderFields(t, "search file", res.Files[0], absentFields(fileOwner))

	// From the caller's roots, and from "/" for administrators.
	if _, files := search(s.Admin.Token, "/api/folders", "q=rapport&extension=pdf"); len(files) != 3 {
		t.Errorf("admin from the roots: %v", files)
	}
	if _, files := search(s.User.Token, "/api/folders", "q=rapport&extension=pdf"); len(files) != 2 {
		t.Errorf("bob sees no hidden file: %v", files)
	}
	// A note finds only what the caller sees.
	if _, files := search(s.User.Token, "/api/folders", "q=rapport&search_annotations=1&filter=2"); slices.Contains(files, "secret.txt") || !slices.Contains(files, "notes.txt") {
		t.Errorf("bob's search of the notes: %v", files)
	}
	if _, files := search(s.Admin.Token, "/api/folders", "q=rapport&search_annotations=1&search_platform=1&filter=2"); !slices.Contains(files, "secret.txt") {
		t.Errorf("the administrator's search of the platform's notes: %v", files)
	}
	if _, files := search(s.Admin.Token, in, "q=caché&search_platform=1"); len(files) != 1 {
		t.Errorf("platform search: %v", files)
	}
	s.Do(t, s.User.Token, "GET", in+"?recursive=1&q=x&search_platform=1", nil).Want(t, http.StatusForbidden)
	for _, q := range []string{"modified_after=yesterday", "modified_before=2020-13-01", "filter=9"} {
		r := s.Do(t, s.Admin.Token, "GET", in+"?recursive=1&"+q, nil).Want(t, http.StatusUnprocessableEntity)
		field, _, _ := strings.Cut(q, "=")
		if folderErrors(t, r)[field] == nil {
			t.Errorf("%s: no error for %s: %s", q, field, r.Body)
		}
	}
}

// A timeline is the folder and its events.
func TestFolderTimeline(t *testing.T) {
	s := newServer(t)
	root := s.Mkdir(t, "/tl")
	s.Do(t, s.Admin.Token, "PUT", folderURL(root.ID, ""), map[string]any{"name": "timeline"}).Want(t, http.StatusOK)
	m := s.Do(t, s.Admin.Token, "GET", folderURL(root.ID, "")+"/timeline", nil).Want(t, http.StatusOK).Map(t)
	wantFolderFields(t, "timeline", m, folderBase)
	events, _ := m["events"].([]any)
	actions := map[string]bool{}
	for _, e := range events {
		ev := e.(map[string]any)
		wantFolderFields(t, "event", ev, map[string]string{"id": "number", "type": "number", "action": "string", "date": "string", "owner_id": "string"})
		actions[ev["action"].(string)] = true
	}
	if m["name"] != "timeline" || !actions["folder_create"] || !actions["move"] {
		t.Errorf("timeline: %v", m)
	}
	m = s.Do(t, s.Admin.Token, "GET", folderURL(root.ID, "")+"/timeline?limit=1", nil).Want(t, http.StatusOK).Map(t)
	if events := m["events"].([]any); len(events) != 1 {
		t.Errorf("limit=1: %v", events)
	}
	s.Do(t, s.Admin.Token, "GET", folderURL(root.ID, "")+"/timeline?limit=0", nil).Want(t, http.StatusUnprocessableEntity)
	s.Do(t, s.User.Token, "GET", folderURL(root.ID, "")+"/timeline", nil).Want(t, http.StatusNotFound)
}

// fill creates n entries in the folder at dir, half folders, half files.
func fillFolder(t *testing.T, s *server, dir string, n int) {
	t.Helper()
	ns := s.NS(s.Admin)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 32)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			var err error
			if i%2 == 0 {
				_, err = ns.Mkdir(ctx, fmt.Sprintf("%s/d%05d", dir, i))
			} else {
				_, err = ns.Put(ctx, fmt.Sprintf("%s/f%05d", dir, i), bytes.NewReader([]byte("x")), storage.PutOptions{Size: 1})
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

// A folder of 1,000 entries, listed at depth 1 in one request (the
// namespace's listing pages are read one after the other).
func TestFolderLargeListing(t *testing.T) {
	s := newServer(t)
	big := s.Mkdir(t, "/big")
	fillFolder(t, s, "/big", 1000)
	m := s.Do(t, s.Admin.Token, "GET", folderURL(big.ID, "depth=1"), nil).Want(t, http.StatusOK).Map(t)
	folders, files := folderContentOf(t, m)
	if len(folders) != 500 || len(files) != 500 {
		t.Fatalf("%d folders and %d files", len(folders), len(files))
	}
	seen := map[string]bool{}
	for _, o := range append(folders, files...) {
		seen[o.(map[string]any)["name"].(string)] = true
	}
	if len(seen) != 1000 || !seen["d00000"] || !seen["f00999"] {
		t.Errorf("%d distinct names", len(seen))
	}
}

// Past maxFolderObjects (10,000) objects, a listing or a search is a 422,
// not an answer that exhausts memory. Creating 10,001 nodes takes seconds.
func TestFolderListingBound(t *testing.T) {
	if testing.Short() {
		t.Skip("creates 10,001 nodes")
	}
	s := newServer(t)
	big := s.Mkdir(t, "/huge")
	fillFolder(t, s, "/huge", 10001)
	r := s.Do(t, s.Admin.Token, "GET", folderURL(big.ID, "depth=1"), nil).Want(t, http.StatusUnprocessableEntity)
	if !strings.Contains(r.Map(t)["message"].(string), "10000") {
		t.Errorf("message: %s", r.Body)
	}
	s.Do(t, s.Admin.Token, "GET", folderURL(big.ID, "depth=1&filter=2"), nil).Want(t, http.StatusOK)
	s.Do(t, s.Admin.Token, "GET", "/api/folders?depth=-1", nil).Want(t, http.StatusUnprocessableEntity)
	s.Do(t, s.Admin.Token, "GET", folderURL(big.ID, "recursive=1&q=0"), nil).Want(t, http.StatusUnprocessableEntity)
	s.Do(t, s.Admin.Token, "GET", folderURL(big.ID, "recursive=1&q=f0"), nil).Want(t, http.StatusOK)
}
