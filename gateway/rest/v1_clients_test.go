package rest_test

import (
	"net/http"
	"slices"
	"testing"

	"coffre/auth"
	"coffre/storage"
	"coffre/storage/audit"
)

// clientObj is a client as /api/v1/clients answers it.
type clientObj struct {
	ID             string  `json:"id"`
	Name           string  `json:"name"`
	RootFolderID   *int64  `json:"root_folder_id"`
	RootFolderGUID *string `json:"root_folder_guid"`
	RootFolderPath *string `json:"root_folder_path"`
	Members        []struct {
		ID    string `json:"id"`
		Login string `json:"login"`
	} `json:"members"`
	CreatedAt string `json:"created_at"`
}

func (c clientObj) memberLogins() []string {
	var out []string
	for _, m := range c.Members {
		out = append(out, m.Login)
	}
	slices.Sort(out)
	return out
}

func TestV1ClientsCRUD(t *testing.T) {
	s := newServer(t)
	admin := s.Admin.Token

	// Created with its root folder /Acme, made through the namespace.
	var acme clientObj
	env := v1(t, s.Do(t, admin, "POST", "/api/v1/clients", map[string]any{"name": "Acme", "members": []string{s.User.Principal.UserID}}),
		http.StatusCreated, &acme)
	if env.Message == "" || acme.ID == "" || acme.Name != "Acme" || acme.CreatedAt == "" || acme.RootFolderPath == nil || *acme.RootFolderPath != "/Acme" {
		t.Fatalf("created %+v (%s)", acme, env.Message)
	}
	info, err := s.NS(s.Admin).Stat(ctx, "/Acme")
	if err != nil || !info.Dir || *acme.RootFolderID != int64(info.ID) || *acme.RootFolderGUID != info.GUID {
		t.Fatalf("root folder %+v %v; client %+v", info, err, acme)
	}
	if got := acme.memberLogins(); !slices.Equal(got, []string{"bob"}) {
		t.Fatalf("members %v", got)
	}
	wantTypes(t, s.Do(t, admin, "GET", "/api/v1/clients/"+acme.ID, nil).Want(t, http.StatusOK).Map(t)["data"].(map[string]any),
		map[string]string{"id": "string", "name": "string", "root_folder_id": "number", "root_folder_guid": "string",
			"members": "array", "created_at": "string"})

	// The same name again: 409, and no second folder is made.
	v1(t, s.Do(t, admin, "POST", "/api/v1/clients", map[string]any{"name": "acme"}), http.StatusConflict, nil)
	// A folder of that name exists already: 409, and no client is left.
	s.Mkdir(t, "/Taken")
	v1(t, s.Do(t, admin, "POST", "/api/v1/clients", map[string]any{"name": "Taken"}), http.StatusConflict, nil)
	if _, err := s.Auth.GetClient(ctx, "Taken"); !storage.Is(storage.NotFound, err) {
		t.Fatalf("client Taken: %v", err)
	}

	// An existing root folder, by ID, GUID or path.
	s.Mkdir(t, "/Tenants")
	byID, byGUID := s.Mkdir(t, "/Tenants/One"), s.Mkdir(t, "/Tenants/Two")
	s.Mkdir(t, "/Tenants/Three")
	for name, root := range map[string]any{"One": int64(byID.ID), "Two": byGUID.GUID, "Three": "/Tenants/Three"} {
		var c clientObj
		v1(t, s.Do(t, admin, "POST", "/api/v1/clients", map[string]any{"name": name, "root_folder": root}), http.StatusCreated, &c)
		if *c.RootFolderPath != "/Tenants/"+name {
			t.Fatalf("%s: %+v", name, c)
		}
	}
	file := s.Put(t, "/Tenants/file.txt", []byte("x"))
	for _, root := range []any{"/Tenants/None", "6f1c1d8e-0000-4000-8000-000000000000", int64(file.ID), "/", -3, true, "not-a-guid"} {
		env := v1(t, s.Do(t, admin, "POST", "/api/v1/clients", map[string]any{"name": "Bad", "root_folder": root}), http.StatusUnprocessableEntity, nil)
		if len(env.Errors["root_folder"]) != 1 {
			t.Fatalf("root %v: %+v", root, env.Errors)
		}
	}
	env = v1(t, s.Do(t, admin, "POST", "/api/v1/clients", map[string]any{"members": []string{"u-nobody"}}), http.StatusUnprocessableEntity, nil)
	if len(env.Errors["name"]) != 1 || len(env.Errors["members"]) != 1 {
		t.Fatalf("missing name and unknown member: %+v", env.Errors)
	}

	// Paged in name order: Acme, One, Three, Two.
	var page []clientObj
	env = v1(t, s.Do(t, admin, "GET", "/api/v1/clients?page=2&per_page=3", nil), http.StatusOK, &page)
	if p := env.Meta.Pagination; p == nil || p.Page != 2 || p.PerPage != 3 || p.Total != 4 || p.TotalPages != 2 || len(page) != 1 || page[0].Name != "Two" {
		t.Fatalf("page 2: %+v %+v", page, env.Meta.Pagination)
	}
	v1(t, s.Do(t, admin, "GET", "/api/v1/clients?page=9", nil), http.StatusOK, &page)
	if len(page) != 0 {
		t.Fatalf("page 9: %+v", page)
	}

	// Update: rename, replace members; the folder stays where it is.
	var upd clientObj
	v1(t, s.Do(t, admin, "PUT", "/api/v1/clients/"+acme.ID, map[string]any{"name": "Acme Corp", "members": []string{s.Admin.Principal.UserID}}),
		http.StatusOK, &upd)
	if upd.Name != "Acme Corp" || !slices.Equal(upd.memberLogins(), []string{"admin"}) || *upd.RootFolderPath != "/Acme" {
		t.Fatalf("updated %+v", upd)
	}
	v1(t, s.Do(t, admin, "PUT", "/api/v1/clients/"+acme.ID, map[string]any{"name": "One"}), http.StatusConflict, nil)
	v1(t, s.Do(t, admin, "PUT", "/api/v1/clients/"+acme.ID, map[string]any{"root_folder": "/Tenants"}), http.StatusUnprocessableEntity, nil)

	// Delete keeps the folder unless asked; then it goes to the caller's trash.
	v1(t, s.Do(t, admin, "DELETE", "/api/v1/clients/"+acme.ID, nil), http.StatusOK, nil)
	v1(t, s.Do(t, admin, "GET", "/api/v1/clients/"+acme.ID, nil), http.StatusNotFound, nil)
	if _, err := s.NS(s.Admin).Stat(ctx, "/Acme"); err != nil {
		t.Fatalf("the folder went with the client: %v", err)
	}
	var three clientObj
	v1(t, s.Do(t, admin, "GET", "/api/v1/clients?per_page=100", nil), http.StatusOK, &page)
	for _, c := range page {
		if c.Name == "Three" {
			three = c
		}
	}
	v1(t, s.Do(t, admin, "DELETE", "/api/v1/clients/"+three.ID+"?delete_folder=1", nil), http.StatusOK, nil)
	if _, err := s.NS(s.Admin).Stat(ctx, "/Tenants/Three"); !storage.Is(storage.NotFound, err) {
		t.Fatalf("folder after delete_folder: %v", err)
	}
	trash, err := s.NS(s.Admin).Trash(ctx, false)
	if err != nil || len(trash) != 1 || trash[0].Path != "/Tenants/Three" {
		t.Fatalf("admin's trash %+v %v", trash, err)
	}

	// Each change left one audit entry.
	for typ, n := range map[string]int{"client_create": 4, "client_update": 1, "client_delete": 2} {
		got, err := s.Audit.Query(ctx, audit.Query{Types: []string{typ}})
		if err != nil || len(got.Entries) != n {
			t.Errorf("%s: %d entries, want %d (%v)", typ, len(got.Entries), n, err)
		}
	}
}

func TestV1ClientsManager(t *testing.T) {
	s := newServer(t)
	mia := s.NewAccount(t, "mia", auth.RoleManager)
	max2 := s.NewAccount(t, "max", auth.RoleManager)

	var acme clientObj
	v1(t, s.Do(t, s.Admin.Token, "POST", "/api/v1/clients", map[string]any{"name": "Acme"}), http.StatusCreated, &acme)
	s.Mkdir(t, "/Beta")
	s.Grant(t, "/Beta", mia, storage.AllRights)

	// Without the right to create root folders, a manager names one.
	v1(t, s.Do(t, mia.Token, "POST", "/api/v1/clients", map[string]any{"name": "Gamma"}), http.StatusForbidden, nil)
	if _, err := s.Auth.GetClient(ctx, "Gamma"); !storage.Is(storage.NotFound, err) {
		t.Fatalf("client Gamma: %v", err)
	}
	// A folder the manager cannot see does not exist for them.
	v1(t, s.Do(t, mia.Token, "POST", "/api/v1/clients", map[string]any{"name": "Sneaky", "root_folder": "/Acme"}), http.StatusUnprocessableEntity, nil)

	var beta clientObj
	v1(t, s.Do(t, mia.Token, "POST", "/api/v1/clients", map[string]any{"name": "Beta", "root_folder": "/Beta"}), http.StatusCreated, &beta)
	if !slices.Equal(beta.memberLogins(), []string{"mia"}) {
		t.Fatalf("the creating manager is not a member: %+v", beta)
	}

	// A manager sees only their clients; others do not exist for them.
	var list []clientObj
	env := v1(t, s.Do(t, mia.Token, "GET", "/api/v1/clients", nil), http.StatusOK, &list)
	if len(list) != 1 || list[0].ID != beta.ID || env.Meta.Pagination.Total != 1 {
		t.Fatalf("mia's clients: %+v", list)
	}
	v1(t, s.Do(t, s.Admin.Token, "GET", "/api/v1/clients", nil), http.StatusOK, &list)
	if len(list) != 2 {
		t.Fatalf("admin's clients: %+v", list)
	}
	for _, m := range []string{"GET", "PUT", "DELETE"} {
		v1(t, s.Do(t, mia.Token, m, "/api/v1/clients/"+acme.ID, map[string]any{"name": "Mine"}), http.StatusNotFound, nil)
		v1(t, s.Do(t, max2.Token, m, "/api/v1/clients/"+beta.ID, map[string]any{"name": "Mine"}), http.StatusNotFound, nil)
	}

	// Members: users and guests only, and not herself out.
	me, bob := mia.Principal.UserID, s.User.Principal.UserID
	var upd clientObj
	v1(t, s.Do(t, mia.Token, "PUT", "/api/v1/clients/"+beta.ID, map[string]any{"members": []string{me, bob}}), http.StatusOK, &upd)
	if !slices.Equal(upd.memberLogins(), []string{"bob", "mia"}) {
		t.Fatalf("members %+v", upd)
	}
	v1(t, s.Do(t, mia.Token, "PUT", "/api/v1/clients/"+beta.ID, map[string]any{"members": []string{me, bob, max2.Principal.UserID}}), http.StatusForbidden, nil)
	v1(t, s.Do(t, mia.Token, "PUT", "/api/v1/clients/"+beta.ID, map[string]any{"members": []string{bob}}), http.StatusForbidden, nil)
	v1(t, s.Do(t, mia.Token, "PUT", "/api/v1/clients/"+beta.ID, map[string]any{"members": []string{me, s.Admin.Principal.UserID}}), http.StatusForbidden, nil)
	if c, _ := s.Auth.ClientByID(ctx, beta.ID); len(c.Members) != 2 {
		t.Fatalf("refused changes changed the members: %+v", c)
	}

	// The plain user member still may not use the API.
	v1(t, s.Do(t, s.User.Token, "GET", "/api/v1/clients/"+beta.ID, nil), http.StatusForbidden, nil)

	// The manager deletes her client and its folder, into her trash.
	v1(t, s.Do(t, mia.Token, "DELETE", "/api/v1/clients/"+beta.ID+"?delete_folder=1", nil), http.StatusOK, nil)
	trash, err := s.NS(mia).Trash(ctx, false)
	if err != nil || len(trash) != 1 || trash[0].Path != "/Beta" {
		t.Fatalf("mia's trash %+v %v", trash, err)
	}

	// With the right to create root folders, the folder is made for her.
	if err := s.NS(s.Admin).SetGrant(ctx, "/", storage.Subject{ID: me}, storage.Browse|storage.Write); err != nil {
		t.Fatal(err)
	}
	var gamma clientObj
	v1(t, s.Do(t, mia.Token, "POST", "/api/v1/clients", map[string]any{"name": "Gamma"}), http.StatusCreated, &gamma)
	if gamma.RootFolderPath == nil || *gamma.RootFolderPath != "/Gamma" {
		t.Fatalf("gamma %+v", gamma)
	}
	if info, err := s.NS(s.Admin).Stat(ctx, "/Gamma"); err != nil || info.Owner != me {
		t.Fatalf("/Gamma %+v %v", info, err)
	}
}
