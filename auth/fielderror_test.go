package auth

import (
	"context"
	"errors"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"coffre/storage"
)

// Every field error the package returns explains itself in English and in
// French: one bad input per check of validate.go, connopts.go and the
// others, through the public API.
func TestFieldErrorsBilingual(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	u := f.user(t, "alice", "alice-password")
	if _, err := f.s.CreateGroup(ctx, "staff"); err != nil {
		t.Fatal(err)
	}
	user := func(nu NewUser) func() error {
		return func() error {
			if nu.Login == "" {
				nu.Login = "ok"
			}
			_, err := f.s.CreateUser(ctx, nu)
			return err
		}
	}
	options := func(o ConnOptions) func() error {
		return func() error { return f.s.SetUserOptions(ctx, "alice", &o) }
	}
	client := func(name, root string) func() error {
		return func() error { _, err := f.s.CreateClient(ctx, name, root); return err }
	}
	for _, tc := range []struct {
		name  string
		field string
		do    func() error
	}{
		{"no login", "login", func() error { _, err := f.s.CreateUser(ctx, NewUser{}); return err }},
		{"long login", "login", user(NewUser{Login: strings.Repeat("a", maxLogin+1)})},
		{"login with a space", "login", user(NewUser{Login: "has space"})},
		{"login with a dot first", "login", user(NewUser{Login: ".dot"})},
		{"group without a name", "name", func() error { _, err := f.s.CreateGroup(ctx, ""); return err }},
		{"name not UTF-8", "firstname", user(NewUser{FirstName: "\xff"})},
		{"long name", "lastname", user(NewUser{LastName: strings.Repeat("é", maxName+1)})},
		{"control character", "organization", user(NewUser{Organization: "tab\there"})},
		{"spaces around", "phone", user(NewUser{Phone: " 01 02 "})},
		{"long e-mail", "email", user(NewUser{Email: strings.Repeat("a", maxEmail-11) + "@example.org"})},
		{"bad e-mail", "email", user(NewUser{Email: "a@example.org, not an address"})},
		{"bad language", "language", user(NewUser{Language: "pt"})},
		{"bad role", "role", user(NewUser{Role: 5})},
		{"bad quota", "quota", user(NewUser{Quota: -1})},
		{"short password", "password", user(NewUser{Password: "short"})},
		{"long password", "password", user(NewUser{Password: strings.Repeat("p", maxPassword+1)})},
		{"new short password", "password", func() error {
			pw := "short"
			_, err := f.s.UpdateUser(ctx, "alice", UserChange{Password: &pw})
			return err
		}},
		{"empty link password", "password", func() error { _, err := f.s.HashPassword(""); return err }},
		{"no root", "root", client("acme", "")},
		{"root not UTF-8", "root", client("acme", "/\xff")},
		{"relative root", "root", client("acme", "clients/acme")},
		{"root with ..", "root", client("acme", "/clients/../acme")},
		{"bad IP", "ips", options(ConnOptions{IPs: []string{"300.1.1.1"}})},
		{"bad days", "days", options(ConnOptions{Days: AllDays + 1})},
		{"bad start hour", "hour_start", options(ConnOptions{HourStart: "25:00"})},
		{"bad end hour", "hour_end", options(ConnOptions{HourEnd: "8h"})},
		{"empty window", "hour_end", options(ConnOptions{HourStart: "08:00", HourEnd: "08:00:00"})},
		{"bad group options", "days", func() error {
			return f.s.SetGroupOptions(ctx, "staff", &ConnOptions{Days: 255})
		}},
		{"bad picture", "picture", func() error { return f.s.SetPicture(ctx, u.ID, []byte("not an image")) }},
		{"bad token kind", "kind", func() error { _, _, err := f.s.IssueToken(ctx, u.ID, 9, ""); return err }},
		{"bad token name", "name", func() error { _, _, err := f.s.IssueToken(ctx, u.ID, APIToken, "\x00"); return err }},
	} {
		err := tc.do()
		var fe *FieldError
		if !storage.Is(storage.Invalid, err) || !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%s: %v; want Invalid on %s", tc.name, err, tc.field)
			continue
		}
		if fe.Msg == "" || fe.MsgFr == "" || fe.Msg == fe.MsgFr {
			t.Errorf("%s: English %q, French %q; want two different messages", tc.name, fe.Msg, fe.MsgFr)
		}
		if first, _ := utf8.DecodeRuneInString(fe.MsgFr); !unicode.IsUpper(first) && first != '«' || !strings.HasSuffix(fe.MsgFr, ".") {
			t.Errorf("%s: French %q is not a sentence", tc.name, fe.MsgFr)
		}
		if fe.Error() != tc.field+": "+fe.Msg {
			t.Errorf("%s: Error() = %q; want the English message", tc.name, fe.Error())
		}
	}
}

// No call of invalid in the package's code gives the same expression as
// its English and its French message.
func TestInvalidCallsTranslated(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	calls := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if fn, ok := call.Fun.(*ast.Ident); !ok || fn.Name != "invalid" || len(call.Args) != 4 {
				return true
			}
			calls++
			var en, fr strings.Builder
			printer.Fprint(&en, fset, call.Args[2])
			printer.Fprint(&fr, fset, call.Args[3])
			if en.String() == fr.String() || fr.String() == `""` {
				t.Errorf("%s: invalid(…, %s, %s) has no French of its own", fset.Position(call.Pos()), en.String(), fr.String())
			}
			return true
		})
	}
	if calls < 25 {
		t.Errorf("%d calls of invalid found; the check does not see them", calls)
	}
}
