package rest_test

import (
	"bytes"
	"image"
	"image/png"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"testing"

	"coffre/auth"
	"coffre/storage"
	"coffre/storage/audit"
)

// fieldError fails unless the answer is a 422 naming field.
func fieldError(t *testing.T, r response, field string) {
	t.Helper()
	r.Want(t, http.StatusUnprocessableEntity)
	errs, _ := r.Map(t)["errors"].(map[string]any)
	if errs[field] == nil {
		t.Fatalf("no error on %s: %s", field, r.Body)
	}
}

// userFields are the User object's fields and their JSON types for an
// account without quota, expiry or groups.
var userFields = map[string]string{
	"id": "string", "firstname": "string", "lastname": "string", "login": "string", "email": "string",
	"roots": "array", "organization": "string", "phone": "string", "active": "bool", "language": "string",
	"quota": "null", "expire": "null", "creation_date": "string", "last_login": "string", "ldap": "bool",
	"can_edit_options": "bool", "can_admin": "bool", "can_admin_users": "bool", "groups": "array",
	"has_mfa_yubikey": "bool", "has_mfa_otp": "bool", "has_mfa_sms": "bool", "can_mfa_yubikey": "bool",
	"can_mfa_otp": "bool", "can_mfa_sms": "bool", "mfa_required": "bool", "role": "number",
}

func TestIdentityAccount(t *testing.T) {
	s := newServer(t)
	shared := s.Mkdir(t, "/Shared")
	s.Mkdir(t, "/Private")
	s.Grant(t, "/Shared", s.User, storage.Browse|storage.Read)

	m := s.Do(t, s.User.Token, "GET", "/api/account", nil).Want(t, http.StatusOK).Map(t)
	wantTypes(t, m, userFields)
	wantTypes(t, m, map[string]string{"current_language": "string"})
	if m["id"] != s.User.Principal.UserID || m["login"] != "bob" || m["role"] != 3.0 || m["can_admin"] != false ||
		m["can_admin_users"] != false || m["can_edit_options"] != true || m["active"] != true ||
		m["language"] != "auto" || m["current_language"] != "fr" || m["ldap"] != false {
		t.Fatalf("account: %v", m)
	}
	if roots := m["roots"].([]any); len(roots) != 1 || roots[0] != float64(shared.ID) {
		t.Fatalf("bob's roots %v; want [%d]", roots, shared.ID)
	}
	m = s.Do(t, s.Admin.Token, "GET", "/api/account", nil, "Accept-Language", "en-US,en;q=0.8").Want(t, http.StatusOK).Map(t)
	if len(m["roots"].([]any)) != 2 || m["can_admin"] != true || m["can_admin_users"] != true || m["current_language"] != "en" {
		t.Fatalf("admin's account: %v", m)
	}

	// Partial updates change only what is sent.
	m = s.Do(t, s.User.Token, "PUT", "/api/account", map[string]any{"firstname": "Robert", "lastname": "Martin"}).Want(t, http.StatusOK).Map(t)
	if m["firstname"] != "Robert" || m["lastname"] != "Martin" {
		t.Fatalf("after PUT: %v", m)
	}
	m = s.Do(t, s.User.Token, "PUT", "/api/account", map[string]any{
		"email": "bob@example.org", "phone": "+33 5 01 02 03 04", "organization": "OSS", "language": "de",
	}).Want(t, http.StatusOK).Map(t)
	if m["firstname"] != "Robert" || m["lastname"] != "Martin" || m["email"] != "bob@example.org" ||
		m["phone"] != "+33 5 01 02 03 04" || m["organization"] != "OSS" || m["language"] != "de" || m["current_language"] != "de" {
		t.Fatalf("after second PUT: %v", m)
	}
	fieldError(t, s.Do(t, s.User.Token, "PUT", "/api/account", map[string]any{"language": "pt"}), "language")
	fieldError(t, s.Do(t, s.User.Token, "PUT", "/api/account", map[string]any{"email": "not an address"}), "email")
	fieldError(t, s.Do(t, s.User.Token, "PUT", "/api/account", `{"firstname": 12}`), "firstname")
	s.Do(t, s.User.Token, "PUT", "/api/account", `{"firstname": `).Want(t, http.StatusBadRequest)
	// Fields of the account that /api/account does not change are ignored.
	m = s.Do(t, s.User.Token, "PUT", "/api/account", map[string]any{"role": 1, "quota": 5}).Want(t, http.StatusOK).Map(t)
	if m["role"] != 3.0 || m["quota"] != nil || m["firstname"] != "Robert" {
		t.Fatalf("read-only fields changed: %v", m)
	}
	s.Do(t, "", "GET", "/api/account", nil).Want(t, http.StatusUnauthorized)
}

func TestIdentityPasswordChange(t *testing.T) {
	s := newServer(t)
	other := s.NewAccount(t, "carol", auth.RoleUser) // whose session must survive bob's change
	second := s.Do(t, "", "POST", "/api/auth", map[string]string{"user": "bob", "password": s.User.Password}).Want(t, http.StatusOK).Map(t)["token"].(string)

	fieldError(t, s.Do(t, s.User.Token, "PUT", "/api/account", map[string]any{"old_password": "wrong-password", "new_password": "brand-new-password"}), "old_password")
	fieldError(t, s.Do(t, s.User.Token, "PUT", "/api/account", map[string]any{"new_password": "brand-new-password"}), "old_password")
	fieldError(t, s.Do(t, s.User.Token, "PUT", "/api/account", map[string]any{"old_password": s.User.Password}), "new_password")
	fieldError(t, s.Do(t, s.User.Token, "PUT", "/api/account", map[string]any{"old_password": s.User.Password, "new_password": "short"}), "new_password")
	// Nothing changed so far.
	s.Do(t, second, "GET", "/api/account", nil).Want(t, http.StatusOK)

	var out struct {
		Login string
		Token string
	}
	s.Do(t, s.User.Token, "PUT", "/api/account", map[string]any{"old_password": s.User.Password, "new_password": "brand-new-password"}).Want(t, http.StatusOK).JSON(t, &out)
	if out.Login != "bob" || out.Token == "" {
		t.Fatalf("answer to a password change: %+v", out)
	}
	// Every session of bob ended; the answer's token is the caller's new one.
	s.Do(t, second, "GET", "/api/account", nil).Want(t, http.StatusUnauthorized)
	s.Do(t, s.User.Token, "GET", "/api/account", nil).Want(t, http.StatusUnauthorized)
	s.Do(t, out.Token, "GET", "/api/account", nil).Want(t, http.StatusOK)
	s.Do(t, other.Token, "GET", "/api/account", nil).Want(t, http.StatusOK)
	s.Do(t, "", "POST", "/api/auth", map[string]string{"user": "bob", "password": s.User.Password}).Want(t, http.StatusUnauthorized)
	s.Do(t, "", "POST", "/api/auth", map[string]string{"user": "bob", "password": "brand-new-password"}).Want(t, http.StatusOK)
}

func TestIdentityResetPassword(t *testing.T) {
	s := newServer(t)
	s.Do(t, s.Admin.Token, "PUT", "/api/user/"+s.User.Principal.UserID, map[string]any{"email": "bob@example.org"}).Want(t, http.StatusOK)
	known := s.Do(t, "", "POST", "/api/reset_password", map[string]any{"login_or_email": "BOB@example.org"}).Want(t, http.StatusAccepted)
	unknown := s.Do(t, "", "POST", "/api/reset_password", map[string]any{"login_or_email": "nobody"}).Want(t, http.StatusAccepted)
	if string(known.Body) != string(unknown.Body) || !strings.Contains(string(known.Body), "administrateur") {
		t.Fatalf("answers differ or say nothing: %s / %s", known.Body, unknown.Body)
	}
	fieldError(t, s.Do(t, "", "POST", "/api/reset_password", map[string]any{}), "login_or_email")
	fieldError(t, s.Do(t, "", "POST", "/api/reset_password", map[string]any{"login_or_email": 3}), "login_or_email")
	s.Do(t, "", "POST", "/api/reset_password", `{"login_or_email"`).Want(t, http.StatusBadRequest)

	page, err := s.Audit.Query(ctx, audit.Query{Types: []string{"password_reset_request"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Entries) != 2 || !strings.Contains(page.Entries[0].Detail, "matches the account bob") ||
		!strings.Contains(page.Entries[1].Detail, "matches no account") || page.Entries[1].ObjectName != "nobody" {
		t.Fatalf("audit entries: %+v", page.Entries)
	}
}

func TestIdentityUsers(t *testing.T) {
	s := newServer(t)
	g, err := s.Auth.CreateGroup(ctx, "Marketing")
	if err != nil {
		t.Fatal(err)
	}
	m := s.Do(t, s.Admin.Token, "GET", "/api/users", nil).Want(t, http.StatusOK).Map(t)
	if m["nb_total_objects"] != 2.0 || m["nb_objects"] != 2.0 || m["nb_objets"] != 2.0 || m["offset_start"] != 0.0 {
		t.Fatalf("users: %v", m)
	}
	wantTypes(t, m["objects"].([]any)[0].(map[string]any), userFields)

	r := s.Do(t, s.Admin.Token, "POST", "/api/user", map[string]any{
		"login": "Carol", "password": "carol-password", "firstname": "Carol", "lastname": "Durand",
		"email": "carol@example.org", "phone": "0601", "organization": "Acme", "language": "en",
		"quota": 1000, "expire": "2030-01-02T03:04:05Z", "role": 4, "active": true, "groups": []any{g.ID},
	}).Want(t, http.StatusCreated)
	m = r.Map(t)
	wantTypes(t, m, map[string]string{"quota": "number", "expire": "string", "groups": "array"})
	carol := m["id"].(string)
	if m["login"] != "carol" || m["lastname"] != "Durand" || m["quota"] != 1000.0 || m["role"] != 4.0 ||
		m["expire"] != "2030-01-02T03:04:05+00:00" || m["last_login"] != nil || m["organization"] != "Acme" {
		t.Fatalf("created: %v", m)
	}
	if gs := m["groups"].([]any); len(gs) != 1 || gs[0].(map[string]any)["id"] != g.ID || gs[0].(map[string]any)["login"] != "Marketing" {
		t.Fatalf("groups: %v", m["groups"])
	}
	s.Do(t, "", "POST", "/api/auth", map[string]string{"user": "carol", "password": "carol-password"}).Want(t, http.StatusOK)
	if m = s.Do(t, s.Admin.Token, "GET", "/api/user/"+carol, nil).Want(t, http.StatusOK).Map(t); m["last_login"] == nil {
		t.Fatalf("no last_login after a login: %v", m)
	}

	// Paging, in login order: admin, bob, carol.
	m = s.Do(t, s.Admin.Token, "GET", "/api/users?offset=1&limit=1", nil).Want(t, http.StatusOK).Map(t)
	if objs := m["objects"].([]any); m["nb_total_objects"] != 3.0 || len(objs) != 1 || objs[0].(map[string]any)["login"] != "bob" || m["offset_start"] != 1.0 {
		t.Fatalf("page: %v", m)
	}
	m = s.Do(t, s.Admin.Token, "GET", "/api/users?offset=5", nil).Want(t, http.StatusOK).Map(t)
	if len(m["objects"].([]any)) != 0 {
		t.Fatalf("page past the end: %v", m)
	}
	fieldError(t, s.Do(t, s.Admin.Token, "GET", "/api/users?limit=0", nil), "limit")

	// Creation errors.
	r = s.Do(t, s.Admin.Token, "POST", "/api/user", map[string]any{"firstname": "x"})
	fieldError(t, r, "login")
	fieldError(t, r, "password")
	s.Do(t, s.Admin.Token, "POST", "/api/user", map[string]any{"login": "CAROL", "password": "whatever-123"}).Want(t, http.StatusConflict)
	fieldError(t, s.Do(t, s.Admin.Token, "POST", "/api/user", map[string]any{"login": "dan", "password": "dan-password", "role": 9}), "role")
	fieldError(t, s.Do(t, s.Admin.Token, "POST", "/api/user", map[string]any{"login": "dan", "password": "dan-password", "expire": "soon"}), "expire")
	fieldError(t, s.Do(t, s.Admin.Token, "POST", "/api/user", map[string]any{"login": "dan", "password": "dan-password", "quota": "big"}), "quota")
	fieldError(t, s.Do(t, s.Admin.Token, "POST", "/api/user", map[string]any{"login": "dan", "password": "dan-password", "quota": -1}), "quota")
	fieldError(t, s.Do(t, s.Admin.Token, "POST", "/api/user", map[string]any{"login": "dan", "password": "dan-password", "groups": []any{"g-none"}}), "groups")
	fieldError(t, s.Do(t, s.Admin.Token, "POST", "/api/user", map[string]any{"login": "dan", "password": "dan-password", "groups": []any{7}}), "groups")
	fieldError(t, s.Do(t, s.Admin.Token, "POST", "/api/user", map[string]any{"login": "no space", "password": "dan-password"}), "login")
	s.Do(t, s.Admin.Token, "POST", "/api/user", `{"login": "dan"`).Want(t, http.StatusBadRequest)
	if _, err := s.Auth.GetUser(ctx, "dan"); !storage.Is(storage.NotFound, err) {
		t.Fatalf("a refused creation left an account: %v", err)
	}

	// Partial updates; groups replace the memberships.
	m = s.Do(t, s.Admin.Token, "PUT", "/api/user/"+carol, map[string]any{"lastname": "Petit"}).Want(t, http.StatusOK).Map(t)
	if m["lastname"] != "Petit" || m["firstname"] != "Carol" || m["quota"] != 1000.0 || len(m["groups"].([]any)) != 1 || m["role"] != 4.0 {
		t.Fatalf("after a partial update: %v", m)
	}
	m = s.Do(t, s.Admin.Token, "PUT", "/api/user/"+carol, map[string]any{"quota": nil, "expire": nil, "groups": []any{}, "active": false, "role": 3}).Want(t, http.StatusOK).Map(t)
	if m["quota"] != nil || m["expire"] != nil || len(m["groups"].([]any)) != 0 || m["active"] != false || m["role"] != 3.0 {
		t.Fatalf("after clearing: %v", m)
	}
	if got, _ := s.Auth.GetGroup(ctx, "Marketing"); len(got.Members) != 0 {
		t.Fatalf("the group still lists carol: %+v", got)
	}
	m = s.Do(t, s.Admin.Token, "PUT", "/api/user/"+carol, map[string]any{"groups": []any{map[string]any{"id": g.ID, "login": "Marketing"}}}).Want(t, http.StatusOK).Map(t)
	if len(m["groups"].([]any)) != 1 {
		t.Fatalf("groups as objects: %v", m)
	}
	// A User read can be sent back as it is.
	s.Do(t, s.Admin.Token, "PUT", "/api/user/"+carol, m).Want(t, http.StatusOK)
	fieldError(t, s.Do(t, s.Admin.Token, "PUT", "/api/user/"+carol, map[string]any{"password": ""}), "password")
	fieldError(t, s.Do(t, s.Admin.Token, "PUT", "/api/user/"+carol, map[string]any{"active": "yes"}), "active")
	s.Do(t, s.Admin.Token, "PUT", "/api/user/"+carol, map[string]any{"login": "bob"}).Want(t, http.StatusConflict)
	s.Do(t, s.Admin.Token, "PUT", "/api/user/"+carol, `[`).Want(t, http.StatusBadRequest)
	s.Do(t, s.Admin.Token, "PUT", "/api/user/"+carol, map[string]any{"password": "carol-new-password", "active": true}).Want(t, http.StatusOK)
	s.Do(t, "", "POST", "/api/auth", map[string]string{"user": "carol", "password": "carol-new-password"}).Want(t, http.StatusOK)

	// The last administrator stays.
	s.Do(t, s.Admin.Token, "DELETE", "/api/user/"+s.Admin.Principal.UserID, nil).Want(t, http.StatusConflict)
	s.Do(t, s.Admin.Token, "PUT", "/api/user/"+s.Admin.Principal.UserID, map[string]any{"role": 3}).Want(t, http.StatusConflict)

	s.Do(t, s.Admin.Token, "DELETE", "/api/user/"+carol, nil).Want(t, http.StatusNoContent)
	s.Do(t, s.Admin.Token, "GET", "/api/user/"+carol, nil).Want(t, http.StatusNotFound)
	s.Do(t, s.Admin.Token, "DELETE", "/api/user/"+carol, nil).Want(t, http.StatusNotFound)
	s.Do(t, "", "POST", "/api/auth", map[string]string{"user": "carol", "password": "carol-new-password"}).Want(t, http.StatusUnauthorized)
}

func TestIdentityUnknownIDs(t *testing.T) {
	s := newServer(t)
	for _, path := range []string{"/api/user/u-none", "/api/user/u-none/quota", "/api/user/u-none/picture", "/api/group/g-none", "/api/option/u-none", "/api/option/g-none"} {
		s.Do(t, s.Admin.Token, "GET", path, nil).Want(t, http.StatusNotFound)
	}
	for _, path := range []string{"/api/user/u-none", "/api/group/g-none", "/api/option/u-none", "/api/option/g-none"} {
		s.Do(t, s.Admin.Token, "PUT", path, map[string]any{}).Want(t, http.StatusNotFound)
		s.Do(t, s.Admin.Token, "DELETE", path, nil).Want(t, http.StatusNotFound)
	}
	s.Do(t, s.Admin.Token, "DELETE", "/api/user/u-none/picture", nil).Want(t, http.StatusNotFound)
}

func TestIdentityUserQuota(t *testing.T) {
	s := newServer(t)
	bob := s.User.Principal.UserID
	s.Do(t, s.Admin.Token, "PUT", "/api/user/"+bob, map[string]any{"quota": 5000}).Want(t, http.StatusOK)
	s.Mkdir(t, "/Shared")
	s.Grant(t, "/Shared", s.User, storage.Browse|storage.Read|storage.Write)
	if _, err := s.NS(s.User).Put(ctx, "/Shared/a.txt", strings.NewReader(strings.Repeat("x", 100)), storage.PutOptions{Size: 100}); err != nil {
		t.Fatal(err)
	}
	m := s.Do(t, s.Admin.Token, "GET", "/api/user/"+bob+"/quota", nil).Want(t, http.StatusOK).Map(t)
	if m["quota"] != 5000.0 || m["user"] != 100.0 {
		t.Fatalf("bob's quota: %v", m)
	}
	if m = s.Do(t, s.User.Token, "GET", "/api/user/"+bob+"/quota", nil).Want(t, http.StatusOK).Map(t); m["user"] != 100.0 {
		t.Fatalf("bob's own quota: %v", m)
	}
	m = s.Do(t, s.Admin.Token, "GET", "/api/user/"+s.Admin.Principal.UserID+"/quota", nil).Want(t, http.StatusOK).Map(t)
	wantTypes(t, m, map[string]string{"quota": "null", "user": "number"})
	s.Do(t, s.User.Token, "GET", "/api/user/"+s.Admin.Principal.UserID+"/quota", nil).Want(t, http.StatusForbidden)
}

// An ordinary user sees and changes only their own account, and cannot
// tell which other accounts exist.
func TestIdentityOwnAccountOnly(t *testing.T) {
	s := newServer(t)
	g, err := s.Auth.CreateGroup(ctx, "g")
	if err != nil {
		t.Fatal(err)
	}
	admin, bob := s.Admin.Principal.UserID, s.User.Principal.UserID
	s.Do(t, s.User.Token, "GET", "/api/user/"+bob, nil).Want(t, http.StatusOK)
	s.Do(t, s.User.Token, "GET", "/api/option/"+bob, nil).Want(t, http.StatusOK)
	for _, c := range []struct{ method, path string }{
		{"GET", "/api/user/" + admin}, {"GET", "/api/user/u-none"}, {"GET", "/api/users"}, {"GET", "/api/groups"},
		{"GET", "/api/group/" + g.ID}, {"GET", "/api/group/g-none"}, {"GET", "/api/user/" + admin + "/quota"},
		{"GET", "/api/user/" + admin + "/picture"}, {"GET", "/api/option/" + admin}, {"GET", "/api/option/" + g.ID},
		{"PUT", "/api/user/" + bob}, {"PUT", "/api/user/" + admin}, {"DELETE", "/api/user/" + bob},
		{"POST", "/api/user"}, {"POST", "/api/group"}, {"PUT", "/api/group/" + g.ID}, {"DELETE", "/api/group/" + g.ID},
		{"PUT", "/api/option/" + bob}, {"DELETE", "/api/option/" + bob}, {"POST", "/api/user/" + bob + "/picture"},
	} {
		r := s.Do(t, s.User.Token, c.method, c.path, map[string]any{"role": 1, "login": "x", "password": "x-password"})
		if r.Status != http.StatusForbidden || r.Map(t)["message"] == "" {
			t.Errorf("%s %s as bob: %d %s; want 403 with a message", c.method, c.path, r.Status, r.Body)
		}
	}
	if u, _ := s.Auth.UserByID(ctx, bob); u.Role != auth.RoleUser {
		t.Fatalf("bob became %v", u.Role)
	}
}

func TestIdentityManagerLimits(t *testing.T) {
	s := newServer(t)
	mia := s.NewAccount(t, "mia", auth.RoleManager)
	boss := s.NewAccount(t, "boss", auth.RoleManager)
	g, err := s.Auth.CreateGroup(ctx, "g")
	if err != nil {
		t.Fatal(err)
	}
	admin, bob := s.Admin.Principal.UserID, s.User.Principal.UserID
	m := s.Do(t, mia.Token, "GET", "/api/account", nil).Want(t, http.StatusOK).Map(t)
	if m["can_admin"] != false || m["can_admin_users"] != true || m["role"] != 2.0 {
		t.Fatalf("manager's account: %v", m)
	}
	s.Do(t, mia.Token, "GET", "/api/users", nil).Want(t, http.StatusOK)
	s.Do(t, mia.Token, "GET", "/api/user/"+admin, nil).Want(t, http.StatusOK)
	s.Do(t, mia.Token, "GET", "/api/groups", nil).Want(t, http.StatusOK)
	s.Do(t, mia.Token, "GET", "/api/group/"+g.ID, nil).Want(t, http.StatusOK)
	s.Do(t, mia.Token, "GET", "/api/option/"+admin, nil).Want(t, http.StatusOK)

	guest := s.Do(t, mia.Token, "POST", "/api/user", map[string]any{"login": "gus", "password": "gus-password", "role": 4}).Want(t, http.StatusCreated).Map(t)["id"].(string)
	s.Do(t, mia.Token, "POST", "/api/user", map[string]any{"login": "ulla", "password": "ulla-password"}).Want(t, http.StatusCreated)
	for _, role := range []int{1, 2} {
		s.Do(t, mia.Token, "POST", "/api/user", map[string]any{"login": "eve", "password": "eve-password", "role": role}).Want(t, http.StatusForbidden)
	}
	s.Do(t, mia.Token, "POST", "/api/user", map[string]any{"login": "eve", "password": "eve-password", "groups": []any{g.ID}}).Want(t, http.StatusForbidden)
	s.Do(t, mia.Token, "PUT", "/api/user/"+bob, map[string]any{"firstname": "Bobby", "role": 4}).Want(t, http.StatusOK)
	s.Do(t, mia.Token, "PUT", "/api/user/"+bob, map[string]any{"role": 2}).Want(t, http.StatusForbidden)
	s.Do(t, mia.Token, "PUT", "/api/user/"+bob, map[string]any{"groups": []any{g.ID}}).Want(t, http.StatusForbidden)
	s.Do(t, mia.Token, "PUT", "/api/user/"+bob, map[string]any{"groups": []any{}}).Want(t, http.StatusOK) // unchanged
	s.Do(t, mia.Token, "PUT", "/api/user/"+admin, map[string]any{"firstname": "x"}).Want(t, http.StatusForbidden)
	s.Do(t, mia.Token, "PUT", "/api/user/"+boss.Principal.UserID, map[string]any{"firstname": "x"}).Want(t, http.StatusForbidden)
	s.Do(t, mia.Token, "PUT", "/api/user/"+mia.Principal.UserID, map[string]any{"role": 1}).Want(t, http.StatusForbidden)
	s.Do(t, mia.Token, "DELETE", "/api/user/"+admin, nil).Want(t, http.StatusForbidden)
	s.Do(t, mia.Token, "DELETE", "/api/user/"+boss.Principal.UserID, nil).Want(t, http.StatusForbidden)
	s.Do(t, mia.Token, "PUT", "/api/option/"+bob, map[string]any{"days": 62}).Want(t, http.StatusOK)
	s.Do(t, mia.Token, "PUT", "/api/option/"+admin, map[string]any{"ips": []any{}}).Want(t, http.StatusForbidden)
	s.Do(t, mia.Token, "PUT", "/api/option/"+g.ID, map[string]any{"ips": []any{}}).Want(t, http.StatusForbidden)
	s.Do(t, mia.Token, "POST", "/api/group", map[string]any{"login": "mine"}).Want(t, http.StatusForbidden)
	s.Do(t, mia.Token, "PUT", "/api/group/"+g.ID, map[string]any{"members": []any{mia.Principal.UserID}}).Want(t, http.StatusForbidden)
	s.Do(t, mia.Token, "DELETE", "/api/group/"+g.ID, nil).Want(t, http.StatusForbidden)
	s.Do(t, mia.Token, "DELETE", "/api/user/"+guest, nil).Want(t, http.StatusNoContent)

	if u, _ := s.Auth.UserByID(ctx, bob); u.FirstName != "Bobby" || u.Role != auth.RoleGuest || len(u.Groups) != 0 {
		t.Fatalf("bob: %+v", u)
	}
	if u, _ := s.Auth.UserByID(ctx, mia.Principal.UserID); u.Role != auth.RoleManager {
		t.Fatalf("mia: %+v", u)
	}
}

func TestIdentityGroups(t *testing.T) {
	s := newServer(t)
	admin, bob := s.Admin.Principal.UserID, s.User.Principal.UserID
	r := s.Do(t, s.Admin.Token, "POST", "/api/group", map[string]any{"login": "Marketing", "members": []any{bob}}).Want(t, http.StatusCreated)
	m := r.Map(t)
	wantTypes(t, m, map[string]string{"id": "string", "login": "string", "ldap": "bool", "members": "array"})
	id := m["id"].(string)
	members := m["members"].([]any)
	if m["login"] != "Marketing" || len(members) != 1 {
		t.Fatalf("created: %v", m)
	}
	wantTypes(t, members[0].(map[string]any), map[string]string{"id": "string", "login": "string", "firstname": "string", "lastname": "string"})
	if members[0].(map[string]any)["id"] != bob {
		t.Fatalf("members: %v", members)
	}
	if gs := s.Do(t, s.User.Token, "GET", "/api/account", nil).Want(t, http.StatusOK).Map(t)["groups"].([]any); len(gs) != 1 || gs[0].(map[string]any)["login"] != "Marketing" {
		t.Fatalf("bob's groups: %v", gs)
	}
	for _, name := range []string{"Alpha", "Zulu"} {
		s.Do(t, s.Admin.Token, "POST", "/api/group", map[string]any{"login": name}).Want(t, http.StatusCreated)
	}
	m = s.Do(t, s.Admin.Token, "GET", "/api/groups?offset=1&limit=1", nil).Want(t, http.StatusOK).Map(t)
	objs := m["objects"].([]any)
	if m["nb_total_objects"] != 3.0 || len(objs) != 1 || objs[0].(map[string]any)["login"] != "Marketing" || objs[0].(map[string]any)["id"] != id {
		t.Fatalf("groups page: %v", m)
	}

	fieldError(t, s.Do(t, s.Admin.Token, "POST", "/api/group", map[string]any{}), "login")
	fieldError(t, s.Do(t, s.Admin.Token, "POST", "/api/group", map[string]any{"login": " padded "}), "login")
	fieldError(t, s.Do(t, s.Admin.Token, "POST", "/api/group", map[string]any{"login": "New", "members": []any{"u-none"}}), "members")
	fieldError(t, s.Do(t, s.Admin.Token, "POST", "/api/group", map[string]any{"login": "New", "members": "bob"}), "members")
	s.Do(t, s.Admin.Token, "POST", "/api/group", map[string]any{"login": "marketing"}).Want(t, http.StatusConflict)
	s.Do(t, s.Admin.Token, "POST", "/api/group", `{"login": }`).Want(t, http.StatusBadRequest)
	if _, err := s.Auth.GetGroup(ctx, "New"); !storage.Is(storage.NotFound, err) {
		t.Fatalf("a refused creation left a group: %v", err)
	}

	m = s.Do(t, s.Admin.Token, "PUT", "/api/group/"+id, map[string]any{"login": "Sales"}).Want(t, http.StatusOK).Map(t)
	if m["login"] != "Sales" || len(m["members"].([]any)) != 1 {
		t.Fatalf("renamed: %v", m)
	}
	m = s.Do(t, s.Admin.Token, "PUT", "/api/group/"+id, map[string]any{"members": []any{map[string]any{"id": admin}, bob}}).Want(t, http.StatusOK).Map(t)
	if len(m["members"].([]any)) != 2 {
		t.Fatalf("two members: %v", m)
	}
	m = s.Do(t, s.Admin.Token, "PUT", "/api/group/"+id, map[string]any{"members": []any{}}).Want(t, http.StatusOK).Map(t)
	if len(m["members"].([]any)) != 0 {
		t.Fatalf("no members: %v", m)
	}
	if u, _ := s.Auth.UserByID(ctx, bob); len(u.Groups) != 0 {
		t.Fatalf("bob still in %v", u.Groups)
	}
	s.Do(t, s.Admin.Token, "PUT", "/api/group/"+id, map[string]any{"login": "alpha"}).Want(t, http.StatusConflict)
	s.Do(t, s.Admin.Token, "PUT", "/api/group/"+id, `{`).Want(t, http.StatusBadRequest)
	m = s.Do(t, s.Admin.Token, "GET", "/api/group/"+id, nil).Want(t, http.StatusOK).Map(t)
	if m["login"] != "Sales" {
		t.Fatalf("after refused changes: %v", m)
	}
	s.Do(t, s.Admin.Token, "DELETE", "/api/group/"+id, nil).Want(t, http.StatusNoContent)
	s.Do(t, s.Admin.Token, "GET", "/api/group/"+id, nil).Want(t, http.StatusNotFound)
}

// pngImage is a real 1×1 PNG.
func pngImage(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 1, 1))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// multipartBody is a form with one file field; it returns the body and
// its content type.
func pictureForm(t *testing.T, field string, data []byte) (*bytes.Buffer, string) {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	w.WriteField("note", "ignored")
	fw, err := w.CreateFormFile(field, "me.png")
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	w.Close()
	return &b, w.FormDataContentType()
}

func TestIdentityPictures(t *testing.T) {
	s := newServer(t)
	img := pngImage(t)
	bob := "/api/user/" + s.User.Principal.UserID + "/picture"
	s.Do(t, s.User.Token, "GET", "/api/account/picture", nil).Want(t, http.StatusNotFound)

	body, ctype := pictureForm(t, "picture", img)
	if r := s.Do(t, s.User.Token, "POST", "/api/account/picture", body, "Content-Type", ctype).Want(t, http.StatusOK); string(r.Body) != "OK" {
		t.Fatalf("upload answer: %s", r.Body)
	}
	for _, token := range []string{s.User.Token, s.Admin.Token} {
		path := "/api/account/picture"
		if token == s.Admin.Token {
			path = bob
		}
		r := s.Do(t, token, "GET", path, nil).Want(t, http.StatusOK)
		if !bytes.Equal(r.Body, img) || r.Header.Get("Content-Type") != "image/png" || r.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("GET %s: %q %v", path, r.Body, r.Header)
		}
	}

	// An image the client calls a PNG but that is none, too big, or sent
	// otherwise, is refused and the picture stays.
	body, ctype = pictureForm(t, "file", []byte("<svg xmlns='http://www.w3.org/2000/svg'/>"))
	fieldError(t, s.Do(t, s.User.Token, "POST", "/api/account/picture", body, "Content-Type", ctype), "picture")
	body, ctype = pictureForm(t, "picture", append(slices.Clone(img), make([]byte, auth.MaxPicture)...))
	s.Do(t, s.User.Token, "POST", "/api/account/picture", body, "Content-Type", ctype).Want(t, http.StatusRequestEntityTooLarge)
	body, ctype = pictureForm(t, "avatar", img)
	fieldError(t, s.Do(t, s.User.Token, "POST", "/api/account/picture", body, "Content-Type", ctype), "picture")
	fieldError(t, s.Do(t, s.User.Token, "POST", "/api/account/picture", img, "Content-Type", "image/png"), "picture")
	s.Do(t, s.User.Token, "POST", "/api/account/picture", "--x\r\nbroken", "Content-Type", "multipart/form-data; boundary=x").Want(t, http.StatusBadRequest)
	if r := s.Do(t, s.User.Token, "GET", "/api/account/picture", nil).Want(t, http.StatusOK); !bytes.Equal(r.Body, img) {
		t.Fatal("a refused upload changed the picture")
	}

	// The "file" field, through /api/user by an administrator.
	gif := []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;")
	body, ctype = pictureForm(t, "file", gif)
	s.Do(t, s.Admin.Token, "POST", bob, body, "Content-Type", ctype).Want(t, http.StatusOK)
	if r := s.Do(t, s.User.Token, "GET", "/api/account/picture", nil).Want(t, http.StatusOK); r.Header.Get("Content-Type") != "image/gif" {
		t.Fatalf("after the administrator's upload: %v", r.Header)
	}
	body, ctype = pictureForm(t, "file", gif)
	s.Do(t, s.User.Token, "POST", "/api/user/"+s.Admin.Principal.UserID+"/picture", body, "Content-Type", ctype).Want(t, http.StatusForbidden)
	s.Do(t, s.User.Token, "DELETE", "/api/user/"+s.Admin.Principal.UserID+"/picture", nil).Want(t, http.StatusForbidden)

	s.Do(t, s.User.Token, "DELETE", "/api/account/picture", nil).Want(t, http.StatusNoContent)
	s.Do(t, s.User.Token, "GET", "/api/account/picture", nil).Want(t, http.StatusNotFound)
	s.Do(t, s.Admin.Token, "POST", bob, bytes.NewReader(nil), "Content-Type", ctype).Want(t, http.StatusUnprocessableEntity)
	body, ctype = pictureForm(t, "picture", img)
	s.Do(t, s.Admin.Token, "POST", bob, body, "Content-Type", ctype).Want(t, http.StatusOK)
	s.Do(t, s.Admin.Token, "DELETE", bob, nil).Want(t, http.StatusNoContent)
	s.Do(t, s.Admin.Token, "GET", bob, nil).Want(t, http.StatusNotFound)
}

func TestIdentityOptions(t *testing.T) {
	s := newServer(t)
	bob := "/api/option/" + s.User.Principal.UserID
	login := func() int {
		return s.Do(t, "", "POST", "/api/auth", map[string]string{"user": "bob", "password": s.User.Password}).Status
	}
	m := s.Do(t, s.Admin.Token, "GET", bob, nil).Want(t, http.StatusOK).Map(t)
	wantTypes(t, m, map[string]string{
		"target_id": "string", "target": "string", "target_isgroup": "bool", "ips": "null", "days": "number",
		"hour_start": "null", "hour_end": "null", "can_netsync": "bool", "oauth_blocked": "number", "inherited": "bool",
	})
	if m["target_id"] != s.User.Principal.UserID || m["target"] != "bob" || m["days"] != 127.0 || m["inherited"] != false || m["can_netsync"] != true {
		t.Fatalf("defaults: %v", m)
	}

	m = s.Do(t, s.Admin.Token, "PUT", bob, map[string]any{
		"ips": []any{"127.0.0.0/8", "192.0.2.7"}, "days": 127, "hour_start": "00:00", "hour_end": "23:59:59",
		"can_netsync": true, "oauth_blocked": 0,
	}).Want(t, http.StatusOK).Map(t)
	wantTypes(t, m, map[string]string{"ips": "array", "hour_start": "string", "hour_end": "string"})
	if m["hour_start"] != "00:00:00" || m["hour_end"] != "23:59:59" || len(m["ips"].([]any)) != 2 {
		t.Fatalf("set: %v", m)
	}
	// A GET gives back what was set, and can be sent back.
	got := s.Do(t, s.Admin.Token, "GET", bob, nil).Want(t, http.StatusOK).Map(t)
	if got["hour_start"] != "00:00:00" || got["ips"].([]any)[1] != "192.0.2.7" {
		t.Fatalf("GET after PUT: %v", got)
	}
	s.Do(t, s.Admin.Token, "PUT", bob, got).Want(t, http.StatusOK)
	if login() != http.StatusOK {
		t.Fatal("127.0.0.1 is allowed")
	}

	for field, v := range map[string]any{
		"ips": []any{"10.0.0.300"}, "days": 128, "hour_start": "25:00", "hour_end": "7h",
		"can_netsync": false, "oauth_blocked": 2,
	} {
		fieldError(t, s.Do(t, s.Admin.Token, "PUT", bob, map[string]any{field: v}), field)
	}
	fieldError(t, s.Do(t, s.Admin.Token, "PUT", bob, map[string]any{"ips": "10.0.0.1"}), "ips")
	fieldError(t, s.Do(t, s.Admin.Token, "PUT", bob, map[string]any{"days": -1}), "days")
	s.Do(t, s.Admin.Token, "PUT", bob, `{"ips": [`).Want(t, http.StatusBadRequest)

	// ips: [] lets no address in; partial updates keep the other fields.
	m = s.Do(t, s.Admin.Token, "PUT", bob, map[string]any{"ips": []any{}}).Want(t, http.StatusOK).Map(t)
	if ips, ok := m["ips"].([]any); !ok || len(ips) != 0 || m["hour_end"] != "23:59:59" {
		t.Fatalf("blocked: %v", m)
	}
	if st := login(); st != http.StatusForbidden {
		t.Fatalf("login with ips []: %d; want 403", st)
	}
	s.Do(t, s.User.Token, "GET", "/api/account", nil).Want(t, http.StatusForbidden)
	m = s.Do(t, s.Admin.Token, "PUT", bob, map[string]any{"ips": nil, "days": 62, "hour_start": nil, "hour_end": nil}).Want(t, http.StatusOK).Map(t)
	if m["ips"] != nil || m["days"] != 62.0 || m["hour_start"] != nil {
		t.Fatalf("unblocked: %v", m)
	}

	// Group options apply to members without options of their own.
	g := s.Do(t, s.Admin.Token, "POST", "/api/group", map[string]any{"login": "Blocked", "members": []any{s.User.Principal.UserID}}).Want(t, http.StatusCreated).Map(t)["id"].(string)
	m = s.Do(t, s.Admin.Token, "PUT", "/api/option/"+g, map[string]any{"ips": []any{}}).Want(t, http.StatusOK).Map(t)
	if m["target_isgroup"] != true || m["target"] != "Blocked" || m["target_id"] != g || m["inherited"] != false {
		t.Fatalf("group options: %v", m)
	}
	s.Do(t, s.Admin.Token, "DELETE", bob, nil).Want(t, http.StatusNoContent)
	m = s.Do(t, s.Admin.Token, "GET", bob, nil).Want(t, http.StatusOK).Map(t)
	if ips, ok := m["ips"].([]any); m["inherited"] != true || !ok || len(ips) != 0 {
		t.Fatalf("inherited: %v", m)
	}
	if st := login(); st != http.StatusForbidden {
		t.Fatalf("login blocked by the group: %d; want 403", st)
	}
	// Own options start from no restriction, not from the group's.
	m = s.Do(t, s.Admin.Token, "PUT", bob, map[string]any{"days": 127}).Want(t, http.StatusOK).Map(t)
	if m["ips"] != nil || m["inherited"] != false {
		t.Fatalf("own options over a group's: %v", m)
	}
	if st := login(); st != http.StatusOK {
		t.Fatalf("login with own options: %d", st)
	}
	s.Do(t, s.Admin.Token, "DELETE", "/api/option/"+g, nil).Want(t, http.StatusNoContent)
	if m = s.Do(t, s.Admin.Token, "GET", "/api/option/"+g, nil).Want(t, http.StatusOK).Map(t); m["ips"] != nil {
		t.Fatalf("group options after DELETE: %v", m)
	}
}
