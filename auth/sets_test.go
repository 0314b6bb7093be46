package auth

import (
	"context"
	"slices"
	"testing"

	"coffre/storage"
)

func TestGroups(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	u := f.user(t, "erin", "")
	g, err := f.s.CreateGroup(ctx, "Top Secret")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.CreateGroup(ctx, "top secret"); !storage.Is(storage.Exists, err) {
		t.Fatalf("duplicate name: %v", err)
	}
	if _, err := f.s.CreateGroup(ctx, ""); !storage.Is(storage.Invalid, err) {
		t.Fatalf("empty name: %v", err)
	}
	for range 2 { // twice: idempotent
		if err := f.s.AddGroupMember(ctx, "TOP SECRET", "erin"); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := f.s.GetGroup(ctx, "top secret")
	if !slices.Equal(got.Members, []string{u.ID}) {
		t.Fatalf("members %v", got.Members)
	}
	if eu, _ := f.s.GetUser(ctx, "erin"); !slices.Equal(eu.Groups, []string{g.ID}) {
		t.Fatalf("user groups %v", eu.Groups)
	}
	if err := f.s.AddGroupMember(ctx, "nope", "erin"); !storage.Is(storage.NotFound, err) {
		t.Fatal(err)
	}
	if err := f.s.AddGroupMember(ctx, "top secret", "nobody"); !storage.Is(storage.NotFound, err) {
		t.Fatal(err)
	}
	if _, err := f.s.RenameGroup(ctx, "top secret", "Confidential"); err != nil {
		t.Fatal(err)
	}
	if byID, _ := f.s.GroupByID(ctx, g.ID); byID.Name != "Confidential" {
		t.Fatalf("renamed: %+v", byID)
	}
	if _, err := f.s.GetGroup(ctx, "top secret"); !storage.Is(storage.NotFound, err) {
		t.Fatal(err)
	}
	f.s.CreateGroup(ctx, "another")
	gs, _, err := f.s.Groups(ctx, "", 0)
	if err != nil || len(gs) != 2 || gs[0].Name != "another" {
		t.Fatalf("list %+v %v", gs, err)
	}
	if err := f.s.RemoveGroupMember(ctx, "confidential", "erin"); err != nil {
		t.Fatal(err)
	}
	if eu, _ := f.s.GetUser(ctx, "erin"); len(eu.Groups) != 0 {
		t.Fatalf("still in %v", eu.Groups)
	}
	f.s.AddGroupMember(ctx, "confidential", "erin")
	if err := f.s.DeleteGroup(ctx, "confidential"); err != nil {
		t.Fatal(err)
	}
	if eu, _ := f.s.GetUser(ctx, "erin"); len(eu.Groups) != 0 {
		t.Fatalf("deleted group still on the user: %v", eu.Groups)
	}
	if p, _ := f.s.Principal(ctx, "erin"); len(p.Groups) != 0 {
		t.Fatalf("principal groups %v", p.Groups)
	}
}

func TestClients(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	u := f.user(t, "frank", "")
	for _, root := range []string{"", "relative", "/a/../b", "/a//b", "/a/"} {
		if _, err := f.s.CreateClient(ctx, "x", root); !storage.Is(storage.Invalid, err) {
			t.Errorf("root %q: %v; want Invalid", root, err)
		}
	}
	c, err := f.s.CreateClient(ctx, "ACME", "/clients/acme")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.s.AddClientMember(ctx, "acme", "frank"); err != nil {
		t.Fatal(err)
	}
	root := "/clients/acme-corp"
	name := "ACME Corp"
	if _, err := f.s.UpdateClient(ctx, "acme", &name, &root); err != nil {
		t.Fatal(err)
	}
	got, err := f.s.ClientByID(ctx, c.ID)
	if err != nil || got.Name != name || got.Root != root || !slices.Equal(got.Members, []string{u.ID}) {
		t.Fatalf("client %+v %v", got, err)
	}
	cs, _, _ := f.s.Clients(ctx, "", 0)
	if len(cs) != 1 {
		t.Fatalf("clients %+v", cs)
	}
	if err := f.s.DeleteClient(ctx, "acme corp"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.GetClient(ctx, "acme corp"); !storage.Is(storage.NotFound, err) {
		t.Fatal(err)
	}
}
