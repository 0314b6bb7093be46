package rest_test

// The rights matrix of the namespace (storage/storagetest/rights.go), as
// gateway/webdav/matrix_test.go and gateway/s3/rights_test.go run it,
// through the REST API: the administrator makes /mx with files f and x and
// a folder sub, gives bob one entry on /mx, and bob lists, reads and
// writes by IDs. What bob may not see does not exist for him: 404 for an
// ID in the path, 422 for a folder ID in the body or form, answered
// exactly as for an ID that names nothing; a 403 only where he sees the
// thing and lacks the right.

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"coffre/storage"
)

const (
	mB = storage.Browse
	mR = storage.Read
	mD = storage.Download
	mW = storage.Write
	mE = storage.Edit
	mX = storage.Delete
	mS = storage.Share
)

// matrixREST: bob's entry on /mx, then the status of each request:
//
//	list:   GET /api/folder/{mx}?depth=1 (200: files, the names of its files; sub is always there)
//	get:    GET /api/file/{f}/download
//	token:  POST /api/token/file/{f}/download
//	upload: POST /api/file/upload, new into /mx
//	over:   PUT /api/file/{f}/upload (a new version)
//	lock:   PUT /api/lock/{f}
//	grants: GET /api/rights/{mx}
//	mkdir:  POST /api/folder {name d, parent_id mx}
//	delete: DELETE /api/file/{x}
//	move:   PUT /api/file/{f} {parent_id sub}
//	rename: PUT /api/file/{f} {name f2}
var matrixREST = []matrixRow{
	{entry: 0, list: 404, get: 404, token: 404, upload: 422, over: 404, lock: 404, grants: 404, mkdir: 422, delete: 404, move: 404, rename: 404},
	{entry: mB, list: 200, get: 404, token: 404, upload: 403, over: 404, lock: 404, grants: 403, mkdir: 403, delete: 404, move: 404, rename: 404},
	{entry: mR, list: 404, get: 404, token: 404, upload: 422, over: 404, lock: 404, grants: 404, mkdir: 422, delete: 404, move: 404, rename: 404},
	{entry: mB | mR, list: 200, files: "f x", get: 403, token: 403, upload: 403, over: 403, lock: 403, grants: 403, mkdir: 403, delete: 403, move: 403, rename: 403},
	{entry: mB | mR | mD, list: 200, files: "f x", get: 200, token: 200, upload: 403, over: 403, lock: 403, grants: 403, mkdir: 403, delete: 403, move: 403, rename: 403},
	{entry: mB | mW, list: 200, get: 404, token: 404, upload: 201, over: 404, lock: 404, grants: 403, mkdir: 201, delete: 404, move: 404, rename: 404},
	{entry: mB | mR | mD | mW, list: 200, files: "f x", get: 200, token: 200, upload: 201, over: 403, lock: 403, grants: 403, mkdir: 201, delete: 403, move: 403, rename: 403},
	{entry: mB | mR | mE, list: 200, files: "f x", get: 403, token: 403, upload: 403, over: 200, lock: 200, grants: 403, mkdir: 403, delete: 403, move: 403, rename: 200},
	{entry: mB | mR | mX, list: 200, files: "f x", get: 403, token: 403, upload: 403, over: 403, lock: 403, grants: 403, mkdir: 403, delete: 200, move: 403, rename: 403},
	{entry: mB | mS, list: 200, get: 404, token: 404, upload: 403, over: 404, lock: 404, grants: 200, mkdir: 403, delete: 404, move: 404, rename: 404},
	{entry: mR | mD | mW | mE | mX | mS, list: 404, get: 404, token: 404, upload: 422, over: 404, lock: 404, grants: 404, mkdir: 422, delete: 404, move: 404, rename: 404},
	{entry: storage.AllRights, list: 200, files: "f x", get: 200, token: 200, upload: 201, over: 200, lock: 200, grants: 200, mkdir: 201, delete: 200, move: 200, rename: 200},
}

// matrixRow is a row of matrixREST.
type matrixRow struct {
	entry                                                               storage.Rights
	list                                                                int
	files                                                               string
	get, token, upload, over, lock, grants, mkdir, delete, move, rename int
}

// ghostID names no node: the answer about it is what an invisible node must
// look like.
const ghostID = storage.NodeID(987654321)

// mxIDs are the IDs of the matrix's tree.
type mxIDs struct{ mx, sub, f, x storage.NodeID }

// ghost is ids with every ID replaced by one that names nothing.
func (ids mxIDs) ghost() mxIDs { return mxIDs{ghostID, ghostID, ghostID, ghostID} }

// mxTree makes /mx with files f and x and folder sub (holding g), as the
// administrator.
func mxTree(t *testing.T, s *server) mxIDs {
	t.Helper()
	ids := mxIDs{mx: s.Mkdir(t, "/mx").ID, sub: s.Mkdir(t, "/mx/sub").ID}
	ids.f = s.Put(t, "/mx/f", []byte("/mx/f")).ID
	ids.x = s.Put(t, "/mx/x", []byte("/mx/x")).ID
	s.Put(t, "/mx/sub/g", []byte("/mx/sub/g"))
	return ids
}

// nodeURL is /api/{kind}/{id}{suffix}.
func nodeURL(kind string, id storage.NodeID, suffix string) string {
	return fmt.Sprintf("/api/%s/%d%s", kind, id, suffix)
}

// uploadInto posts a new file into folder by the multipart form.
func uploadInto(t testing.TB, s *server, token string, folder storage.NodeID, name string, data []byte) response {
	t.Helper()
	return s.uploadForm(t, token, "", name, data, "folderId", fmt.Sprint(folder))
}

// wantUnseen fails unless r, an answer about a node the caller may not see,
// is the answer g about an ID that names nothing.
func wantUnseen(t *testing.T, what string, r, g response) {
	t.Helper()
	if g.Status != r.Status || !bytes.Equal(g.Body, r.Body) {
		t.Errorf("%s: %d %s, but %d %s for an ID that names nothing", what, r.Status, r.Body, g.Status, g.Body)
	}
}

// reportedBugs are the answers of the matrix known to be wrong, by
// "entry/request", with what is wrong: reported, not written into the
// table. The test logs them instead of failing, and fails once one is
// fixed, so that its entry goes.
var reportedBugs = map[string]string{}

// TestRightsMatrixREST runs each row twice: with bob's own entry on /mx,
// and with that entry given to a group bob is in instead.
func TestRightsMatrixREST(t *testing.T) {
	for _, subject := range []string{"user", "group"} {
		for _, row := range matrixREST {
			t.Run(subject+"/"+row.entry.String(), func(t *testing.T) { runMatrixRow(t, row, subject == "group") })
		}
	}
}

func runMatrixRow(t *testing.T, row matrixRow, viaGroup bool) {
	s := newServer(t)
	ids := mxTree(t, s)
	who := storage.Subject{ID: s.User.Principal.UserID}
	if viaGroup {
		who = storage.Subject{Group: true, ID: bobGroup(t, s, "Équipe")}
	}
	if row.entry != 0 {
		if err := s.NS(s.Admin).SetGrant(ctx, "/mx", who, row.entry); err != nil {
			t.Fatal(err)
		}
	}
	bob := s.User.Token
	// check sends a request about the tree ids and wants status; an answer
	// that says a node is missing must be the one about an ID that names
	// nothing.
	check := func(what string, want int, req func(ids mxIDs) response) response {
		t.Helper()
		r := req(ids)
		bug, reported := reportedBugs[row.entry.String()+"/"+what]
		switch {
		case reported && r.Status == want:
			t.Errorf("%s: %d as it should: remove the reported bug %q", what, r.Status, bug)
		case reported:
			t.Logf("%s: %d, want %d: reported bug: %s", what, r.Status, want, bug)
			return r
		case r.Status != want:
			t.Errorf("%s: %d, want %d: %s", what, r.Status, want, r.Body)
		}
		if r.Status == http.StatusNotFound || r.Status == http.StatusUnprocessableEntity {
			wantUnseen(t, what, r, req(ids.ghost()))
		}
		return r
	}

	r := check("list", row.list, func(ids mxIDs) response {
		return s.Do(t, bob, "GET", nodeURL("folder", ids.mx, "?depth=1"), nil)
	})
	if r.Status == http.StatusOK {
		folders, files := folderContentOf(t, r.Map(t))
		if got := strings.Join(folderNames(files), " "); got != row.files {
			t.Errorf("listed files %q, want %q", got, row.files)
		}
		if got := strings.Join(folderNames(folders), " "); got != "sub" {
			t.Errorf("listed folders %q, want sub", got)
		}
	}
	r = check("download", row.get, func(ids mxIDs) response {
		return s.Do(t, bob, "GET", nodeURL("file", ids.f, "/download"), nil)
	})
	if r.Status == http.StatusOK && string(r.Body) != "/mx/f" {
		t.Errorf("downloaded %q", r.Body)
	}
	r = check("token", row.token, func(ids mxIDs) response {
		return s.Do(t, bob, "POST", nodeURL("token/file", ids.f, "/download"), nil)
	})
	if r.Status == http.StatusOK {
		var tk struct{ Token string }
		r.JSON(t, &tk)
		if got := s.Do(t, "", "GET", "/api/file/download?token="+tk.Token, nil).Want(t, http.StatusOK); string(got.Body) != "/mx/f" {
			t.Errorf("redeemed the token for %q", got.Body)
		}
	}
	check("upload", row.upload, func(ids mxIDs) response {
		return uploadInto(t, s, bob, ids.mx, "new", []byte("new"))
	})
	check("new version", row.over, func(ids mxIDs) response {
		return s.Do(t, bob, "PUT", nodeURL("file", ids.f, "/upload"), "over")
	})
	r = check("lock", row.lock, func(ids mxIDs) response {
		return s.Do(t, bob, "PUT", nodeURL("lock", ids.f, ""), map[string]any{})
	})
	if r.Status == http.StatusOK {
		s.Do(t, bob, "DELETE", nodeURL("lock", ids.f, ""), nil).Want(t, http.StatusNoContent)
	}
	r = check("rights", row.grants, func(ids mxIDs) response {
		return s.Do(t, bob, "GET", nodeURL("rights", ids.mx, ""), nil)
	})
	if r.Status == http.StatusOK {
		var rights []struct {
			TargetID      string `json:"target_id"`
			TargetIsGroup bool   `json:"target_isgroup"`
		}
		r.JSON(t, &rights)
		if len(rights) != 1 || rights[0].TargetID != who.ID || rights[0].TargetIsGroup != who.Group {
			t.Errorf("rights of /mx: %s", r.Body)
		}
	}
	check("mkdir", row.mkdir, func(ids mxIDs) response {
		return s.Do(t, bob, "POST", "/api/folder", map[string]any{"name": "d", "parent_id": ids.mx})
	})
	check("delete", row.delete, func(ids mxIDs) response {
		return s.Do(t, bob, "DELETE", nodeURL("file", ids.x, ""), nil)
	})
	check("move", row.move, func(ids mxIDs) response {
		return s.Do(t, bob, "PUT", nodeURL("file", ids.f, ""), map[string]any{"parent_id": ids.sub})
	})
	check("rename", row.rename, func(ids mxIDs) response {
		return s.Do(t, bob, "PUT", nodeURL("file", ids.f, ""), map[string]any{"name": "f2"})
	})

	// What bob was refused did not happen; what he was granted did.
	dir, name, content := "/mx", "f", "/mx/f"
	if row.move == http.StatusOK {
		dir = "/mx/sub"
	}
	if row.rename == http.StatusOK {
		name = "f2"
	}
	if row.over == http.StatusOK {
		content = "over"
	}
	if data, info := s.content(t, dir+"/"+name); string(data) != content || info.ID != ids.f {
		t.Errorf("%s/%s holds %q (ID %d), want f's %q (ID %d)", dir, name, data, info.ID, content, ids.f)
	}
	for p, made := range map[string]bool{
		"/mx/new": row.upload == http.StatusCreated,
		"/mx/d":   row.mkdir == http.StatusCreated,
		"/mx/x":   row.delete != http.StatusOK,
	} {
		if _, err := s.NS(s.Admin).Stat(ctx, p); (err == nil) != made {
			t.Errorf("%s: exists %v, want %v", p, err == nil, made)
		}
	}
}

// bobGroup makes a group holding bob and returns its ID.
func bobGroup(t *testing.T, s *server, name string) string {
	t.Helper()
	g, err := s.Auth.CreateGroup(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Auth.AddGroupMember(ctx, name, s.User.Login); err != nil {
		t.Fatal(err)
	}
	return g.ID
}

// grantREST sets an entry on a folder through POST /api/right, as the
// administrator.
func grantREST(t *testing.T, s *server, folder storage.NodeID, target string, group bool, r storage.Rights) {
	t.Helper()
	s.Do(t, s.Admin.Token, "POST", "/api/right", map[string]any{
		"folder_id": folder, "target_id": target, "target_isgroup": group,
		"browse": r.Has(mB), "read": r.Has(mR), "download": r.Has(mD), "write": r.Has(mW),
		"edit": r.Has(mE), "delete": r.Has(mX), "share": r.Has(mS),
	}).Want(t, http.StatusCreated)
}

// listedNames is what GET /api/folder/{id}?depth=1 shows bob: the names
// of the folders and of the files, each sorted and joined by spaces.
func listedNames(t *testing.T, s *server, id storage.NodeID) (folders, files string) {
	t.Helper()
	fo, fi := folderContentOf(t, s.Do(t, s.User.Token, "GET", nodeURL("folder", id, "?depth=1"), nil).Want(t, http.StatusOK).Map(t))
	return strings.Join(folderNames(fo), " "), strings.Join(folderNames(fi), " ")
}

func TestRightsInheritanceREST(t *testing.T) {
	t.Run("GrantOnSubAlone", func(t *testing.T) {
		s := newServer(t)
		ids := mxTree(t, s)
		s.Grant(t, "/mx/sub", s.User, mB|mR|mD|mW)
		bob := s.User.Token
		var roots []map[string]any
		s.Do(t, bob, "GET", "/api/folders", nil).Want(t, http.StatusOK).JSON(t, &roots)
		if len(roots) != 1 || roots[0]["name"] != "mx" || roots[0]["id"] != float64(ids.mx) {
			t.Fatalf("roots: %v", roots)
		}
		if folders, files := listedNames(t, s, ids.mx); folders != "sub" || files != "" {
			t.Errorf("/mx lists folders %q and files %q, want only sub", folders, files)
		}
		if folders, files := listedNames(t, s, ids.sub); folders != "" || files != "g" {
			t.Errorf("/mx/sub lists folders %q and files %q, want g", folders, files)
		}
		for _, u := range []string{"", "/download"} {
			r := s.Do(t, bob, "GET", nodeURL("file", ids.f, u), nil).Want(t, http.StatusNotFound)
			wantUnseen(t, "f"+u, r, s.Do(t, bob, "GET", nodeURL("file", ghostID, u), nil))
		}
		uploadInto(t, s, bob, ids.sub, "n", []byte("n")).Want(t, http.StatusCreated)
		// /mx is only a way to sub: nothing is written in it.
		uploadInto(t, s, bob, ids.mx, "n", []byte("n")).Want(t, http.StatusForbidden)
		s.Do(t, bob, "POST", "/api/folder", map[string]any{"name": "d", "parent_id": ids.mx}).Want(t, http.StatusForbidden)
		s.Do(t, bob, "PUT", nodeURL("folder", ids.sub, ""), map[string]any{"name": "sub2"}).Want(t, http.StatusForbidden)
		if data, _ := s.content(t, "/mx/sub/n"); string(data) != "n" {
			t.Errorf("uploaded %q", data)
		}
	})
	t.Run("GroupGrant", func(t *testing.T) {
		s := newServer(t)
		ids := mxTree(t, s)
		grantREST(t, s, ids.mx, bobGroup(t, s, "Compta"), true, mB|mR|mD)
		bob := s.User.Token
		if _, files := listedNames(t, s, ids.mx); files != "f x" {
			t.Errorf("/mx lists files %q", files)
		}
		if r := s.Do(t, bob, "GET", nodeURL("file", ids.f, "/download"), nil).Want(t, http.StatusOK); string(r.Body) != "/mx/f" {
			t.Errorf("downloaded %q", r.Body)
		}
		uploadInto(t, s, bob, ids.mx, "new", []byte("new")).Want(t, http.StatusForbidden)
		s.Do(t, bob, "DELETE", nodeURL("file", ids.x, ""), nil).Want(t, http.StatusForbidden)
		// Leaving the group takes the access away at once.
		if err := s.Auth.RemoveGroupMember(ctx, "Compta", s.User.Login); err != nil {
			t.Fatal(err)
		}
		s.Do(t, bob, "GET", nodeURL("folder", ids.mx, ""), nil).Want(t, http.StatusNotFound)
		uploadInto(t, s, bob, ids.mx, "new", []byte("new")).Want(t, http.StatusUnprocessableEntity)
	})
	t.Run("GroupEntriesUnite", func(t *testing.T) {
		s := newServer(t)
		ids := mxTree(t, s)
		grantREST(t, s, ids.mx, bobGroup(t, s, "Lecture"), true, mB|mR)
		grantREST(t, s, ids.mx, bobGroup(t, s, "Export"), true, mD)
		s.Do(t, s.User.Token, "GET", nodeURL("file", ids.f, "/download"), nil).Want(t, http.StatusOK)
	})
	t.Run("UserEntryBeatsGroup", func(t *testing.T) {
		s := newServer(t)
		ids := mxTree(t, s)
		grantREST(t, s, ids.mx, bobGroup(t, s, "Compta"), true, storage.AllRights)
		grantREST(t, s, ids.mx, s.User.Principal.UserID, false, mB)
		bob := s.User.Token
		if folders, files := listedNames(t, s, ids.mx); folders != "sub" || files != "" {
			t.Errorf("/mx lists folders %q and files %q, want only sub", folders, files)
		}
		s.Do(t, bob, "GET", nodeURL("file", ids.f, "/download"), nil).Want(t, http.StatusNotFound)
		uploadInto(t, s, bob, ids.mx, "new", []byte("new")).Want(t, http.StatusForbidden)
		s.Do(t, bob, "GET", nodeURL("rights", ids.mx, ""), nil).Want(t, http.StatusForbidden)
		// The other way round: the user's entry gives more than the group's.
		grantREST(t, s, ids.mx, s.User.Principal.UserID, false, mB|mR|mD)
		grantREST(t, s, ids.mx, bobGroup(t, s, "Rien"), true, mB)
		s.Do(t, bob, "GET", nodeURL("file", ids.f, "/download"), nil).Want(t, http.StatusOK)
	})
	t.Run("DeeperEntryHidesFolder", func(t *testing.T) {
		s := newServer(t)
		ids := mxTree(t, s)
		s.Grant(t, "/mx", s.User, storage.AllRights)
		s.Grant(t, "/mx/sub", s.User, mR)
		bob := s.User.Token
		if folders, files := listedNames(t, s, ids.mx); folders != "" || files != "f x" {
			t.Errorf("/mx lists folders %q and files %q, want f x only", folders, files)
		}
		r := s.Do(t, bob, "GET", nodeURL("folder", ids.sub, ""), nil).Want(t, http.StatusNotFound)
		wantUnseen(t, "sub", r, s.Do(t, bob, "GET", nodeURL("folder", ghostID, ""), nil))
		r = uploadInto(t, s, bob, ids.sub, "n", []byte("n")).Want(t, http.StatusUnprocessableEntity)
		wantUnseen(t, "upload into sub", r, uploadInto(t, s, bob, ghostID, "n", []byte("n")))
		r = s.Do(t, bob, "PUT", nodeURL("file", ids.f, ""), map[string]any{"parent_id": ids.sub}).Want(t, http.StatusUnprocessableEntity)
		wantUnseen(t, "move into sub", r, s.Do(t, bob, "PUT", nodeURL("file", ids.f, ""), map[string]any{"parent_id": ghostID}))
		r = s.Do(t, bob, "POST", "/api/folder", map[string]any{"name": "d", "parent_id": ids.sub}).Want(t, http.StatusUnprocessableEntity)
		wantUnseen(t, "mkdir in sub", r, s.Do(t, bob, "POST", "/api/folder", map[string]any{"name": "d", "parent_id": ghostID}))
		if _, err := s.NS(s.Admin).Stat(ctx, "/mx/f"); err != nil {
			t.Errorf("f moved: %v", err)
		}
	})
}
