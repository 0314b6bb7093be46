package rest_test

import (
	"fmt"
	"net/http"
	"testing"

	"coffre/auth"
	"coffre/storage"
)

type rightAnswer struct {
	ID                                                 uint64
	FolderID                                           int64  `json:"folder_id"`
	TargetID                                           string `json:"target_id"`
	Target                                             string
	TargetIsGroup                                      bool `json:"target_isgroup"`
	Browse, Read, Download, Write, Edit, Delete, Share bool
}

func TestRightRoundTrip(t *testing.T) {
	s := newServer(t)
	proj := s.Mkdir(t, "/proj")
	bob := s.User.Principal.UserID

	var r rightAnswer
	s.Do(t, s.Admin.Token, "POST", "/api/right", map[string]any{"folder_id": proj.ID, "target_id": bob, "browse": true, "read": true}).
		Want(t, http.StatusCreated).JSON(t, &r)
	want := rightAnswer{ID: r.ID, FolderID: int64(proj.ID), TargetID: bob, Target: "bob", Browse: true, Read: true}
	if r != want || r.ID>>21 != uint64(proj.ID) {
		t.Fatalf("created right = %+v", r)
	}
	info, err := s.NS(s.User).Stat(ctx, "/proj")
	if err != nil || info.Rights != storage.Browse|storage.Read {
		t.Fatalf("bob sees /proj: %+v, %v", info.Rights, err)
	}
	var got rightAnswer
	s.Do(t, s.Admin.Token, "GET", fmt.Sprintf("/api/right/%d", r.ID), nil).Want(t, http.StatusOK).JSON(t, &got)
	if got != r {
		t.Fatalf("GET = %+v, want %+v", got, r)
	}
	var all []rightAnswer
	s.Do(t, s.Admin.Token, "GET", fmt.Sprintf("/api/rights/%d", proj.ID), nil).Want(t, http.StatusOK).JSON(t, &all)
	if len(all) != 1 || all[0] != r {
		t.Fatalf("rights of /proj = %+v", all)
	}

	// A partial change keeps the other rights.
	s.Do(t, s.Admin.Token, "PUT", fmt.Sprintf("/api/right/%d", r.ID), map[string]any{"download": true, "share": true, "read": false}).
		Want(t, http.StatusOK).JSON(t, &got)
	if !got.Browse || got.Read || !got.Download || !got.Share || got.Write || got.ID != r.ID {
		t.Fatalf("changed right = %+v", got)
	}
	if info, _ := s.NS(s.User).Stat(ctx, "/proj"); info.Rights != storage.Browse|storage.Download|storage.Share {
		t.Fatalf("bob's rights after PUT: %v", info.Rights)
	}

	// Bob holds Share: he may grant what he holds, no more.
	carol := s.NewAccount(t, "carol", auth.RoleUser)
	s.Do(t, s.User.Token, "POST", "/api/right", map[string]any{"folder_id": proj.ID, "target_id": carol.Principal.UserID, "browse": true, "write": true}).
		Want(t, http.StatusForbidden)
	var rc rightAnswer
	s.Do(t, s.User.Token, "POST", "/api/right", map[string]any{"folder_id": proj.ID, "target_id": carol.Principal.UserID, "browse": true}).
		Want(t, http.StatusCreated).JSON(t, &rc)
	if rc.ID == r.ID || rc.FolderID != int64(proj.ID) {
		t.Fatalf("carol's right = %+v", rc)
	}
	s.Do(t, s.User.Token, "PUT", fmt.Sprintf("/api/right/%d", rc.ID), map[string]any{"edit": true}).Want(t, http.StatusForbidden)
	// Carol, without Share, may not read the entries; unknown IDs are 404.
	s.Do(t, carol.Token, "GET", fmt.Sprintf("/api/rights/%d", proj.ID), nil).Want(t, http.StatusForbidden)
	s.Do(t, carol.Token, "GET", fmt.Sprintf("/api/right/%d", rc.ID), nil).Want(t, http.StatusForbidden)
	s.Do(t, s.Admin.Token, "GET", fmt.Sprintf("/api/right/%d", uint64(proj.ID)<<21|1), nil).Want(t, http.StatusNotFound)
	s.Do(t, s.Admin.Token, "GET", "/api/right/12", nil).Want(t, http.StatusNotFound)
	s.Do(t, s.Admin.Token, "GET", "/api/right/x", nil).Want(t, http.StatusNotFound)
	dave := s.NewAccount(t, "dave", auth.RoleUser)
	s.Do(t, dave.Token, "GET", fmt.Sprintf("/api/rights/%d", proj.ID), nil).Want(t, http.StatusNotFound)

	// Revoke.
	s.Do(t, s.Admin.Token, "DELETE", fmt.Sprintf("/api/right/%d", r.ID), nil).Want(t, http.StatusNoContent)
	s.Do(t, s.Admin.Token, "GET", fmt.Sprintf("/api/right/%d", r.ID), nil).Want(t, http.StatusNotFound)
	if _, err := s.NS(s.User).Stat(ctx, "/proj"); !storage.Is(storage.NotFound, err) {
		t.Fatalf("bob still sees /proj: %v", err)
	}
	// Clearing every right by PUT removes the entry too.
	s.Do(t, s.Admin.Token, "PUT", fmt.Sprintf("/api/right/%d", rc.ID), map[string]any{"browse": false}).Want(t, http.StatusOK)
	s.Do(t, s.Admin.Token, "GET", fmt.Sprintf("/api/rights/%d", proj.ID), nil).Want(t, http.StatusOK).JSON(t, &all)
	if len(all) != 0 {
		t.Fatalf("entries left: %+v", all)
	}
}

func TestRightGroupsAndInput(t *testing.T) {
	s := newServer(t)
	proj := s.Mkdir(t, "/proj")
	g, err := s.Auth.CreateGroup(ctx, "Compta")
	if err != nil {
		t.Fatal(err)
	}
	var r rightAnswer
	s.Do(t, s.Admin.Token, "POST", "/api/right", map[string]any{"folder_id": proj.ID, "target_id": g.ID, "browse": true, "read": true, "download": true, "write": true, "edit": true, "delete": true, "share": true}).
		Want(t, http.StatusCreated).JSON(t, &r)
	if !r.TargetIsGroup || r.Target != "Compta" || r.TargetID != g.ID || !r.Share || !r.Delete {
		t.Fatalf("group right = %+v", r)
	}
	grants, err := s.NS(s.Admin).Grants(ctx, "/proj")
	if err != nil || len(grants) != 1 || !grants[0].Subject.Group || grants[0].Rights != storage.AllRights {
		t.Fatalf("grants = %+v, %v", grants, err)
	}
	// The top of the tree is folder 0.
	s.Do(t, s.Admin.Token, "POST", "/api/right", map[string]any{"folder_id": 0, "target_id": s.User.Principal.UserID, "browse": true}).
		Want(t, http.StatusCreated).JSON(t, &r)
	var top []rightAnswer
	s.Do(t, s.Admin.Token, "GET", "/api/rights/0", nil).Want(t, http.StatusOK).JSON(t, &top)
	if len(top) != 1 || top[0].ID != r.ID || top[0].FolderID != 0 {
		t.Fatalf("rights at the top = %+v (created %+v)", top, r)
	}
	s.Do(t, s.Admin.Token, "GET", fmt.Sprintf("/api/right/%d", r.ID), nil).Want(t, http.StatusOK)
	s.Do(t, s.User.Token, "GET", "/api/rights/0", nil).Want(t, http.StatusForbidden)

	for _, c := range []struct {
		body  any
		field string
	}{
		{map[string]any{"target_id": g.ID, "browse": true}, "folder_id"},
		{map[string]any{"folder_id": proj.ID, "browse": true}, "target_id"},
		{map[string]any{"folder_id": proj.ID, "target_id": "u-nobody", "browse": true}, "target_id"},
		{map[string]any{"folder_id": proj.ID, "target_id": "g-nobody", "browse": true}, "target_id"},
		{map[string]any{"folder_id": proj.ID, "target_id": g.ID}, "rights"},
		{map[string]any{"folder_id": 999999, "target_id": g.ID, "browse": true}, "folder_id"},
		{map[string]any{"folder_id": proj.ID, "target_id": g.ID, "browse": "yes"}, "browse"},
	} {
		r := s.Do(t, s.Admin.Token, "POST", "/api/right", c.body).Want(t, http.StatusUnprocessableEntity)
		if r.Map(t)["errors"].(map[string]any)[c.field] == nil {
			t.Errorf("%v: no error on %s: %s", c.body, c.field, r.Body)
		}
	}
	// An entry keeps its folder and subject.
	s.Do(t, s.Admin.Token, "PUT", fmt.Sprintf("/api/right/%d", r.ID), map[string]any{"target_id": g.ID, "read": true}).Want(t, http.StatusUnprocessableEntity)
	s.Do(t, s.Admin.Token, "PUT", fmt.Sprintf("/api/right/%d", r.ID), map[string]any{"folder_id": 0, "target_id": s.User.Principal.UserID, "read": true}).Want(t, http.StatusOK)
	// Rights are set on folders, not files.
	file := s.Put(t, "/proj/a.txt", []byte("x"))
	s.Do(t, s.Admin.Token, "GET", fmt.Sprintf("/api/rights/%d", file.ID), nil).Want(t, http.StatusNotFound)
	s.Do(t, s.Admin.Token, "POST", "/api/right", map[string]any{"folder_id": file.ID, "target_id": g.ID, "browse": true}).
		Want(t, http.StatusUnprocessableEntity)
}
