package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"coffre/storage"
)

func TestCreateUserValidation(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	for _, tc := range []struct {
		in    NewUser
		field string
	}{
		{NewUser{}, "login"},
		{NewUser{Login: "has space"}, "login"},
		{NewUser{Login: ".dot"}, "login"},
		{NewUser{Login: strings.Repeat("a", 65)}, "login"},
		{NewUser{Login: "a/b"}, "login"},
		{NewUser{Login: "ok", Role: 5}, "role"},
		{NewUser{Login: "ok", Language: "pt"}, "language"},
		{NewUser{Login: "ok", Email: "not an address"}, "email"},
		{NewUser{Login: "ok", Email: "a@example.org, Bob <b@example.org>"}, "email"},
		{NewUser{Login: "ok", FirstName: "tab\there"}, "firstname"},
		{NewUser{Login: "ok", Quota: -1}, "quota"},
		{NewUser{Login: "ok", Password: "short"}, "password"},
	} {
		_, err := f.s.CreateUser(ctx, tc.in)
		var fe *FieldError
		if !storage.Is(storage.Invalid, err) || !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("CreateUser(%+v) = %v; want Invalid on %s", tc.in, err, tc.field)
		}
	}
	u, err := f.s.CreateUser(ctx, NewUser{Login: "Jean.Dupont", FirstName: "Jean", LastName: "Dupont",
		Email: "jean@example.org,j.d@example.org", Language: "fr", Role: RoleManager, Quota: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	if u.Login != "jean.dupont" || !strings.HasPrefix(u.ID, "u-") || !u.Active || u.Role != RoleManager ||
		u.Created != f.clock.Now() || u.HasPassword {
		t.Fatalf("created %+v", u)
	}
	if _, err := f.s.CreateUser(ctx, NewUser{Login: "JEAN.DUPONT"}); !storage.Is(storage.Exists, err) {
		t.Fatalf("duplicate login: %v; want Exists", err)
	}
	d, err := f.s.CreateUser(ctx, NewUser{Login: "defaults"})
	if err != nil || d.Role != RoleUser || d.Language != "auto" {
		t.Fatalf("defaults: %+v, %v", d, err)
	}
}

func TestUserLookupsAndRename(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	u := f.user(t, "alice", "alice-password")
	byID, err := f.s.UserByID(ctx, u.ID)
	if err != nil || byID.Login != "alice" {
		t.Fatal(byID, err)
	}
	newLogin := "alice2"
	if _, err := f.s.UpdateUser(ctx, "alice", UserChange{Login: &newLogin}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.GetUser(ctx, "alice"); !storage.Is(storage.NotFound, err) {
		t.Fatalf("old login still found: %v", err)
	}
	got, err := f.s.GetUser(ctx, "alice2")
	if err != nil || got.ID != u.ID {
		t.Fatalf("renamed user %+v, %v; want ID %s", got, err, u.ID)
	}
	if byID, _ := f.s.UserByID(ctx, u.ID); byID.Login != "alice2" {
		t.Fatalf("ID copy not updated: %+v", byID)
	}
	if _, err := f.s.Login(ctx, "alice2", "alice-password", local); err != nil {
		t.Fatal(err)
	}
	f.user(t, "bob", "bob-password")
	taken := "bob"
	if _, err := f.s.UpdateUser(ctx, "alice2", UserChange{Login: &taken}); !storage.Is(storage.Exists, err) {
		t.Fatalf("rename onto a taken login: %v", err)
	}
	if _, err := f.s.UserByID(ctx, "u-nope"); !storage.Is(storage.NotFound, err) {
		t.Fatal(err)
	}
}

func TestUsersPaged(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	for _, l := range []string{"d", "a", "c", "b", "e"} {
		f.user(t, l, "")
	}
	var all []string
	after := ""
	for pages := 0; ; pages++ {
		us, next, err := f.s.Users(ctx, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range us {
			all = append(all, u.Login)
		}
		if next == "" {
			break
		}
		after = next
		if pages > 5 {
			t.Fatal("paging does not end")
		}
	}
	if strings.Join(all, ",") != "a,b,c,d,e" {
		t.Fatalf("listed %v", all)
	}
}

func TestPrincipalAndAccountState(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	u := f.user(t, "carol", "carol-password")
	g, err := f.s.CreateGroup(ctx, "Marketing")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.s.AddGroupMember(ctx, "marketing", "carol"); err != nil {
		t.Fatal(err)
	}
	q := int64(1000)
	if _, err := f.s.UpdateUser(ctx, "carol", UserChange{Quota: &q}); err != nil {
		t.Fatal(err)
	}
	p, err := f.s.Login(ctx, "carol", "carol-password", local)
	if err != nil {
		t.Fatal(err)
	}
	if p.UserID != u.ID || p.Login != "carol" || p.Admin || p.Quota != 1000 || len(p.Groups) != 1 || p.Groups[0] != g.ID {
		t.Fatalf("principal %+v", p)
	}

	off := false
	if _, err := f.s.UpdateUser(ctx, "carol", UserChange{Active: &off}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Login(ctx, "carol", "carol-password", local); !storage.Is(storage.Unauthenticated, err) {
		t.Fatalf("inactive login: %v", err)
	}
	on := true
	exp := f.clock.Now().Add(time.Hour)
	if _, err := f.s.UpdateUser(ctx, "carol", UserChange{Active: &on, Expires: &exp}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Login(ctx, "carol", "carol-password", local); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	if _, err := f.s.Login(ctx, "carol", "carol-password", local); !storage.Is(storage.Unauthenticated, err) {
		t.Fatalf("expired login: %v", err)
	}
	if got, _ := f.s.GetUser(ctx, "carol"); got.Expires.IsZero() {
		t.Fatal("expiry lost")
	}
}

func TestLastAdministratorKept(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	if _, _, err := f.s.Bootstrap(ctx, BootstrapInput{}); err != nil {
		t.Fatal(err)
	}
	if err := f.s.DeleteUser(ctx, "admin"); !storage.Is(storage.Conflict, err) {
		t.Fatalf("deleting the last admin: %v", err)
	}
	r := RoleUser
	if _, err := f.s.UpdateUser(ctx, "admin", UserChange{Role: &r}); !storage.Is(storage.Conflict, err) {
		t.Fatalf("demoting the last admin: %v", err)
	}
	if _, err := f.s.CreateUser(ctx, NewUser{Login: "admin2", Role: RoleAdmin}); err != nil {
		t.Fatal(err)
	}
	if err := f.s.DeleteUser(ctx, "admin"); err != nil {
		t.Fatal(err)
	}
}

func TestDeleteUserRemovesEverything(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	u := f.user(t, "dave", "dave-password")
	if _, err := f.s.CreateGroup(ctx, "g"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.CreateClient(ctx, "acme", "/clients/acme"); err != nil {
		t.Fatal(err)
	}
	f.s.AddGroupMember(ctx, "g", "dave")
	f.s.AddClientMember(ctx, "acme", "dave")
	k, _, err := f.s.CreateKey(ctx, "dave")
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := f.s.IssueToken(ctx, u.ID, APIToken, "ci")
	if err != nil {
		t.Fatal(err)
	}
	f.s.SetUserOptions(ctx, "dave", &ConnOptions{Days: 2})
	if err := f.s.DeleteUser(ctx, "dave"); err != nil {
		t.Fatal(err)
	}
	err = f.s.m.ScanPrefix([]byte("a/"), nil, func(key, v []byte) error {
		if strings.Contains(string(key), u.ID) || strings.Contains(string(v), u.ID) {
			t.Errorf("%q still mentions the deleted user: %s", key, v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.s.SecretKey(ctx, k.AccessKey, local); !storage.Is(storage.Unauthenticated, err) {
		t.Fatalf("key of a deleted user: %v", err)
	}
	if _, err := f.s.Authenticate(ctx, tok, local); !storage.Is(storage.Unauthenticated, err) {
		t.Fatalf("token of a deleted user: %v", err)
	}
	if err := f.s.DeleteUser(ctx, "dave"); !storage.Is(storage.NotFound, err) {
		t.Fatal(err)
	}
}
