package rest_test

import (
	"fmt"
	"net/http"
	"testing"

	"coffre/auth"
	"coffre/storage"
)

// trashList is the answer of GET /api/trashes.
type trashList struct {
	Folders []trashItem
	Files   []trashItem
}

type trashItem struct {
	ID           uint64
	Name         string
	IsFile       bool `json:"is_file"`
	Deletion     string
	Modification *string
	Owner        string
	OwnerID      string `json:"owner_id"`
	Size         int64
	Path         string
	NodeID       int64 `json:"node_id"`
}

func (s *server) trash(t *testing.T, a account, query string) trashList {
	t.Helper()
	var l trashList
	s.Do(t, a.Token, "GET", "/api/trashes"+query, nil).Want(t, http.StatusOK).JSON(t, &l)
	return l
}

func (s *server) remove(t *testing.T, a account, path string) {
	t.Helper()
	if err := s.NS(a).Delete(ctx, path, storage.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestTrashListAndRestore(t *testing.T) {
	s := newServer(t)
	team := s.Mkdir(t, "/team")
	sub := s.Mkdir(t, "/team/sub")
	file := s.Put(t, "/team/a.txt", []byte("hello"))
	s.Grant(t, "/team", s.User, storage.AllRights)
	s.remove(t, s.User, "/team/a.txt")
	s.remove(t, s.User, "/team/sub")

	l := s.trash(t, s.User, "")
	if len(l.Files) != 1 || len(l.Folders) != 1 {
		t.Fatalf("trash = %+v", l)
	}
	f := l.Files[0]
	if f.ID == 0 || f.Name != "a.txt" || !f.IsFile || f.Deletion == "" || f.Modification != nil ||
		f.Owner != "bob" || f.OwnerID != s.User.Principal.UserID || f.Size != 5 ||
		f.Path != "/team/a.txt" || f.NodeID != int64(file.ID) {
		t.Fatalf("trashed file = %+v", f)
	}
	if d := l.Folders[0]; d.IsFile || d.Name != "sub" || d.NodeID != int64(sub.ID) {
		t.Fatalf("trashed folder = %+v", d)
	}
	// One item, by its owner and by an administrator; nobody else sees it.
	var one trashItem
	s.Do(t, s.User.Token, "GET", fmt.Sprintf("/api/trash/%d", f.ID), nil).Want(t, http.StatusOK).JSON(t, &one)
	if one != f {
		t.Fatalf("GET one = %+v, want %+v", one, f)
	}
	s.Do(t, s.Admin.Token, "GET", fmt.Sprintf("/api/trash/%d", f.ID), nil).Want(t, http.StatusOK)
	carol := s.NewAccount(t, "carol", auth.RoleUser)
	s.Do(t, carol.Token, "GET", fmt.Sprintf("/api/trash/%d", f.ID), nil).Want(t, http.StatusNotFound)
	s.Do(t, carol.Token, "PUT", fmt.Sprintf("/api/trash/%d", f.ID), nil).Want(t, http.StatusNotFound)
	s.Do(t, s.User.Token, "GET", "/api/trash/nope", nil).Want(t, http.StatusNotFound)
	if l := s.trash(t, carol, ""); len(l.Files)+len(l.Folders) != 0 {
		t.Fatalf("carol's trash = %+v", l)
	}

	// Restore in place: the File object of the restored file, same ID.
	m := s.Do(t, s.User.Token, "PUT", fmt.Sprintf("/api/trash/%d", f.ID), nil).Want(t, http.StatusOK).Map(t)
	if m["id"] != float64(file.ID) || m["name"] != "a.txt" || m["parent_id"] != float64(team.ID) || m["hash"] == nil {
		t.Fatalf("restored file = %v", m)
	}
	if _, err := s.NS(s.User).Stat(ctx, "/team/a.txt"); err != nil {
		t.Fatal(err)
	}
	// A folder comes back as a Folder.
	m = s.Do(t, s.User.Token, "PUT", fmt.Sprintf("/api/trash/%d", l.Folders[0].ID), nil).Want(t, http.StatusOK).Map(t)
	if m["id"] != float64(sub.ID) || m["name"] != "sub" || m["can_read"] != true {
		t.Fatalf("restored folder = %v", m)
	}

	// Restore into another folder.
	s.remove(t, s.User, "/team/a.txt")
	f = s.trash(t, s.User, "").Files[0]
	m = s.Do(t, s.User.Token, "PUT", fmt.Sprintf("/api/trash/%d", f.ID), map[string]any{"folder_id": sub.ID}).Want(t, http.StatusOK).Map(t)
	if m["parent_id"] != float64(sub.ID) {
		t.Fatalf("restored into sub = %v", m)
	}
	if _, err := s.NS(s.User).Stat(ctx, "/team/sub/a.txt"); err != nil {
		t.Fatal(err)
	}

	// Its folder gone, an item needs folder_id; a bad one is a 422.
	s.remove(t, s.User, "/team/sub/a.txt")
	s.remove(t, s.User, "/team/sub")
	f = s.trash(t, s.User, "").Files[0]
	s.Do(t, s.User.Token, "PUT", fmt.Sprintf("/api/trash/%d", f.ID), nil).Want(t, http.StatusConflict)
	r := s.Do(t, s.User.Token, "PUT", fmt.Sprintf("/api/trash/%d", f.ID), map[string]any{"folder_id": 987654}).Want(t, http.StatusUnprocessableEntity)
	if r.Map(t)["errors"].(map[string]any)["folder_id"] == nil {
		t.Fatalf("no field error: %s", r.Body)
	}
	s.Do(t, s.User.Token, "PUT", fmt.Sprintf("/api/trash/%d", f.ID), `{"folder_id": "x"}`).Want(t, http.StatusUnprocessableEntity)
	s.Do(t, s.User.Token, "PUT", fmt.Sprintf("/api/trash/%d", f.ID), map[string]any{"folder_id": team.ID}).Want(t, http.StatusOK)
	if _, err := s.NS(s.User).Stat(ctx, "/team/a.txt"); err != nil {
		t.Fatal(err)
	}
}

func TestTrashPurge(t *testing.T) {
	s := newServer(t)
	s.Mkdir(t, "/team")
	s.Grant(t, "/team", s.User, storage.AllRights)
	for i := range 3 {
		s.Put(t, fmt.Sprintf("/team/%d.txt", i), []byte("x"))
		s.remove(t, s.User, fmt.Sprintf("/team/%d.txt", i))
	}
	s.Put(t, "/team/admin.txt", []byte("x"))
	s.remove(t, s.Admin, "/team/admin.txt")

	// Destroy one item.
	id := s.trash(t, s.User, "").Files[0].ID
	s.Do(t, s.User.Token, "DELETE", fmt.Sprintf("/api/trash/%d", id), nil).Want(t, http.StatusNoContent)
	s.Do(t, s.User.Token, "GET", fmt.Sprintf("/api/trash/%d", id), nil).Want(t, http.StatusNotFound)
	s.Do(t, s.User.Token, "DELETE", fmt.Sprintf("/api/trash/%d", id), nil).Want(t, http.StatusNotFound)

	// Everyone's trash is for administrators.
	s.Do(t, s.User.Token, "GET", "/api/trashes?all=1", nil).Want(t, http.StatusForbidden)
	s.Do(t, s.User.Token, "DELETE", "/api/trashes?all=1", nil).Want(t, http.StatusForbidden)
	if l := s.trash(t, s.Admin, "?all=1"); len(l.Files) != 3 {
		t.Fatalf("everyone's trash = %+v", l)
	}
	if l := s.trash(t, s.Admin, ""); len(l.Files) != 1 || l.Files[0].Name != "admin.txt" {
		t.Fatalf("the administrator's own trash = %+v", l)
	}

	// Purge one's own, then everyone's.
	var n struct{ Purged int }
	s.Do(t, s.User.Token, "DELETE", "/api/trashes", nil).Want(t, http.StatusOK).JSON(t, &n)
	if n.Purged != 2 || len(s.trash(t, s.User, "").Files) != 0 || len(s.trash(t, s.Admin, "").Files) != 1 {
		t.Fatalf("purged %d; bob's trash %+v", n.Purged, s.trash(t, s.User, ""))
	}
	s.Do(t, s.Admin.Token, "DELETE", "/api/trashes?all=1", nil).Want(t, http.StatusOK).JSON(t, &n)
	if n.Purged != 1 || len(s.trash(t, s.Admin, "?all=1").Files) != 0 {
		t.Fatalf("purged all: %d", n.Purged)
	}
}
