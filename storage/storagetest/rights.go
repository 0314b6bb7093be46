package storagetest

import (
	"sort"
	"strings"
	"testing"

	"coffre/storage"
)

// RightsEnv is what the rights matrix needs: an administrator's namespace
// and a user's, on the same empty tree. The user belongs to groups G1 and G2.
type RightsEnv struct {
	Admin  storage.Namespace
	User   storage.Namespace
	UserID string
	G1, G2 string
	// Other is a second user, in no group, for the lock cases.
	Other   storage.Namespace
	OtherID string
}

// ok marks an operation that must succeed.
const ok = storage.Kind(255)

// matrixOps are the operations of the rights matrix, each on the tree that
// matrixTree builds: /team with files f, r, x and folder sub (holding f).
var matrixOps = []struct {
	name string
	do   func(ns storage.Namespace) error
}{
	{"stat-folder", func(ns storage.Namespace) error { _, err := ns.Stat(ctx, "/team"); return err }},
	{"list", func(ns storage.Namespace) error { _, err := ns.List(ctx, "/team", storage.ListOptions{}); return err }},
	{"stat-file", func(ns storage.Namespace) error { _, err := ns.Stat(ctx, "/team/f"); return err }},
	{"open", func(ns storage.Namespace) error {
		o, err := ns.Open(ctx, "/team/f")
		if err == nil {
			o.Close()
		}
		return err
	}},
	{"versions", func(ns storage.Namespace) error { _, err := ns.Versions(ctx, "/team/f"); return err }},
	{"put-new", func(ns storage.Namespace) error {
		_, err := ns.Put(ctx, "/team/new", strings.NewReader("n"), storage.PutOptions{Size: 1})
		return err
	}},
	{"put-over", func(ns storage.Namespace) error {
		_, err := ns.Put(ctx, "/team/f", strings.NewReader("o"), storage.PutOptions{Size: 1})
		return err
	}},
	{"mkdir", func(ns storage.Namespace) error { _, err := ns.Mkdir(ctx, "/team/d"); return err }},
	{"copy-in", func(ns storage.Namespace) error {
		_, err := ns.Copy(ctx, "/team/f", "/team/copy", storage.CopyOptions{})
		return err
	}},
	{"rename", func(ns storage.Namespace) error { _, err := ns.Move(ctx, "/team/r", "/team/r2"); return err }},
	{"move-out", func(ns storage.Namespace) error { _, err := ns.Move(ctx, "/team/m", "/other/m"); return err }},
	{"delete", func(ns storage.Namespace) error { return ns.Delete(ctx, "/team/x", storage.DeleteOptions{}) }},
	{"grants", func(ns storage.Namespace) error { _, err := ns.Grants(ctx, "/team"); return err }},
}

const (
	B  = storage.Browse
	R  = storage.Read
	D  = storage.Download
	W  = storage.Write
	E  = storage.Edit
	X  = storage.Delete
	S  = storage.Share
	NF = storage.NotFound
	P  = storage.Permission
)

// rightsMatrix: the user's own entry on /team (and Write|Browse on /other,
// the target of move-out) → the expected result of each op, in matrixOps order:
//
//	stat-folder list stat-file open versions put-new put-over mkdir copy-in rename move-out delete grants
var rightsMatrix = []struct {
	rights storage.Rights
	want   []storage.Kind
}{
	{0, []storage.Kind{NF, NF, NF, NF, NF, NF, NF, NF, NF, NF, NF, NF, NF}},
	{B, []storage.Kind{ok, ok, NF, NF, NF, P, P, P, NF, NF, NF, NF, P}},
	{R, []storage.Kind{NF, NF, NF, NF, NF, NF, NF, NF, NF, NF, NF, NF, NF}},
	{B | R, []storage.Kind{ok, ok, ok, P, ok, P, P, P, P, P, P, P, P}},
	{B | R | D, []storage.Kind{ok, ok, ok, ok, ok, P, P, P, P, P, P, P, P}},
	{B | W, []storage.Kind{ok, ok, NF, NF, NF, ok, P, ok, NF, NF, NF, NF, P}},
	{B | R | D | W, []storage.Kind{ok, ok, ok, ok, ok, ok, P, ok, ok, P, P, P, P}},
	{B | R | E, []storage.Kind{ok, ok, ok, P, ok, P, ok, P, P, ok, P, P, P}},
	{B | R | X, []storage.Kind{ok, ok, ok, P, ok, P, P, P, P, P, ok, ok, P}},
	{B | S, []storage.Kind{ok, ok, NF, NF, NF, P, P, P, NF, NF, NF, NF, ok}},
	{R | D | W | E | X | S, []storage.Kind{NF, NF, NF, NF, NF, NF, NF, NF, NF, NF, NF, NF, NF}},
	{storage.AllRights, []storage.Kind{ok, ok, ok, ok, ok, ok, ok, ok, ok, ok, ok, ok, ok}},
}

// opIndex is the column of the op named name in the matrix.
func opIndex(name string) int {
	for i, op := range matrixOps {
		if op.name == name {
			return i
		}
	}
	panic("no matrix op " + name)
}

// matrixTree builds the tree of the matrix as the administrator.
func matrixTree(t *testing.T, env RightsEnv) {
	t.Helper()
	a := env.Admin
	for _, d := range []string{"/team", "/team/sub", "/team/sub/deep", "/other"} {
		must(a.Mkdir(ctx, d))
	}
	for _, f := range []string{"/team/f", "/team/r", "/team/m", "/team/x", "/team/sub/f", "/team/sub/deep/f"} {
		put(t, a, f, []byte(f))
	}
}

func user(env RightsEnv) storage.Subject { return storage.Subject{ID: env.UserID} }
func group(id string) storage.Subject    { return storage.Subject{Group: true, ID: id} }
func grant(env RightsEnv, path string, s storage.Subject, r storage.Rights) {
	must(0, env.Admin.SetGrant(ctx, path, s, r))
}

// RunRights runs the rights matrix and the inheritance cases against
// environments made by newEnv, each on an empty tree.
func RunRights(t *testing.T, newEnv func(t *testing.T) RightsEnv) {
	for _, row := range rightsMatrix {
		t.Run(row.rights.String(), func(t *testing.T) {
			defer reportMust(t)
			env := newEnv(t)
			matrixTree(t, env)
			if row.rights != 0 {
				grant(env, "/team", user(env), row.rights)
			}
			grant(env, "/other", user(env), B|W)
			for i, op := range matrixOps {
				err := op.do(env.User)
				if got := kindOrOK(err); got != row.want[i] {
					t.Errorf("%s with %v: got %v (%v), want %v", op.name, row.rights, kindName(got), err, kindName(row.want[i]))
				}
			}
			// MkdirMeta needs what Mkdir needs.
			_, err := env.User.MkdirMeta(ctx, "/team/dm", map[string]string{"k": "v"})
			expect(t, "mkdir with metadata", err, row.want[opIndex("mkdir")])
			// By ID and GUID, a node is visible exactly when its path is.
			for _, path := range []string{"/team", "/team/f"} {
				info := must(env.Admin.Stat(ctx, path))
				want := kindOrOK(statErr(env.User, path))
				_, err := env.User.StatID(ctx, info.ID)
				expect(t, "StatID "+path, err, want)
				_, err = env.User.StatGUID(ctx, info.GUID)
				expect(t, "StatGUID "+path, err, want)
			}
		})
	}
	for _, c := range inheritanceCases {
		t.Run(c.name, func(t *testing.T) {
			defer reportMust(t)
			env := newEnv(t)
			matrixTree(t, env)
			c.fn(t, env)
		})
	}
}

func kindOrOK(err error) storage.Kind {
	if err == nil {
		return ok
	}
	return storage.KindOf(err)
}

func kindName(k storage.Kind) string {
	if k == ok {
		return "success"
	}
	return k.String()
}

func expect(t *testing.T, what string, err error, want storage.Kind) {
	t.Helper()
	if got := kindOrOK(err); got != want {
		t.Errorf("%s: got %v (%v), want %v", what, kindName(got), err, kindName(want))
	}
}

func names(t *testing.T, ns storage.Namespace, path string) string {
	t.Helper()
	p, err := ns.List(ctx, path, storage.ListOptions{})
	if err != nil {
		t.Fatalf("list %s: %v", path, err)
	}
	var out []string
	for _, it := range p.Items {
		out = append(out, it.Name)
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}

func statErr(ns storage.Namespace, path string) error { _, err := ns.Stat(ctx, path); return err }

func putErr(ns storage.Namespace, path string) error {
	_, err := ns.Put(ctx, path, strings.NewReader("x"), storage.PutOptions{Size: 1})
	return err
}

var inheritanceCases = []struct {
	name string
	fn   func(t *testing.T, env RightsEnv)
}{
	{"InheritedFromAncestor", func(t *testing.T, env RightsEnv) {
		grant(env, "/team", user(env), B|R|D)
		expect(t, "stat deep file", statErr(env.User, "/team/sub/deep/f"), ok)
		expect(t, "put deep", putErr(env.User, "/team/sub/deep/n"), P)
	}},
	{"TrashDoesNotGrantDownload", func(t *testing.T, env RightsEnv) {
		grant(env, "/team", user(env), B|R|storage.Delete)
		expect(t, "delete", env.User.Delete(ctx, "/team/x", storage.DeleteOptions{}), ok)
		items := must(env.User.Trash(ctx, false))
		if len(items) != 1 {
			t.Fatalf("trash: %+v", items)
		}
		_, err := env.User.TrashVersions(ctx, items[0].ID)
		expect(t, "its versions", err, ok)
		_, err = env.User.OpenTrashVersion(ctx, items[0].ID, 0)
		expect(t, "its content, without the download right", err, P)
	}},
	{"PermanentDeleteOfEmptyFoldersOnly", func(t *testing.T, env RightsEnv) {
		grant(env, "/team", user(env), B|R|W|storage.Delete)
		must(env.Admin.Mkdir(ctx, "/team/empty"))
		permanent := storage.DeleteOptions{Permanent: true}
		expect(t, "destroy a file", env.User.Delete(ctx, "/team/f", permanent), P)
		expect(t, "destroy a folder holding files", env.User.Delete(ctx, "/team/sub", permanent), P)
		expect(t, "admin: destroy a full folder if empty", env.Admin.Delete(ctx, "/team/sub", storage.DeleteOptions{Permanent: true, IfEmpty: true}), storage.Conflict)
		expect(t, "admin: trash a file if empty", env.Admin.Delete(ctx, "/team/f", storage.DeleteOptions{IfEmpty: true}), storage.Conflict)
		expect(t, "destroy an empty folder", env.User.Delete(ctx, "/team/empty", permanent), ok)
		expect(t, "stat it", statErr(env.Admin, "/team/empty"), NF)
		if items := must(env.User.Trash(ctx, false)); len(items) != 0 {
			t.Errorf("destroying an empty folder left %d trash items", len(items))
		}
	}},
	{"DeeperEntryTakesAway", func(t *testing.T, env RightsEnv) {
		grant(env, "/team", user(env), storage.AllRights)
		grant(env, "/team/sub", user(env), B|R)
		expect(t, "put in /team", putErr(env.User, "/team/n"), ok)
		expect(t, "put in /team/sub", putErr(env.User, "/team/sub/n"), P)
		expect(t, "put in /team/sub/deep", putErr(env.User, "/team/sub/deep/n"), P)
	}},
	{"DeeperEntryHidesFolder", func(t *testing.T, env RightsEnv) {
		grant(env, "/team", user(env), storage.AllRights)
		grant(env, "/team/sub", user(env), R)
		expect(t, "stat hidden folder", statErr(env.User, "/team/sub"), NF)
		expect(t, "stat below hidden folder", statErr(env.User, "/team/sub/f"), NF)
		if got := names(t, env.User, "/team"); got != "f,m,r,x" {
			t.Errorf("listing /team shows %q", got)
		}
	}},
	{"UserEntryBeatsGroups", func(t *testing.T, env RightsEnv) {
		grant(env, "/team", group(env.G1), B|R|D)
		grant(env, "/team", user(env), B)
		expect(t, "stat file", statErr(env.User, "/team/f"), NF)
	}},
	{"GroupEntriesUnite", func(t *testing.T, env RightsEnv) {
		grant(env, "/team", group(env.G1), B|R)
		grant(env, "/team", group(env.G2), D)
		o, err := env.User.Open(ctx, "/team/f")
		expect(t, "open with the union of two groups", err, ok)
		if err == nil {
			o.Close()
		}
		grant(env, "/team", group("someone-else"), storage.AllRights)
		expect(t, "another group's entry", putErr(env.User, "/team/n"), P)
	}},
	{"NothingAboveTheNearestEntryCounts", func(t *testing.T, env RightsEnv) {
		grant(env, "/team", user(env), storage.AllRights)
		grant(env, "/team/sub", group(env.G1), B|R)
		expect(t, "put under a group-only entry", putErr(env.User, "/team/sub/n"), P)
		expect(t, "stat there", statErr(env.User, "/team/sub/f"), ok)
	}},
	{"TraverseToADeepGrant", func(t *testing.T, env RightsEnv) {
		grant(env, "/team/sub", user(env), B|R|D)
		expect(t, "stat the root on the way", statErr(env.User, "/team"), ok)
		if got := names(t, env.User, "/"); got != "team" {
			t.Errorf("roots %q, want team", got)
		}
		if got := names(t, env.User, "/team"); got != "sub" {
			t.Errorf("listing a traversed folder shows %q, want only sub", got)
		}
		expect(t, "stat a file of a traversed folder", statErr(env.User, "/team/f"), NF)
		expect(t, "put in a traversed folder", putErr(env.User, "/team/n"), P)
		expect(t, "stat below the grant", statErr(env.User, "/team/sub/deep/f"), ok)
		expect(t, "stat the other root", statErr(env.User, "/other"), NF)
	}},
	{"NoEntryNoAccess", func(t *testing.T, env RightsEnv) {
		if got := names(t, env.User, "/"); got != "" {
			t.Errorf("roots %q, want none", got)
		}
		expect(t, "mkdir a root", func() error { _, err := env.User.Mkdir(ctx, "/mine"); return err }(), P)
	}},
	{"OwnerOfARootHoldsEverything", func(t *testing.T, env RightsEnv) {
		grant(env, "/", user(env), W)
		_, err := env.User.Mkdir(ctx, "/mine")
		expect(t, "mkdir a root with only write on /", err, ok)
		expect(t, "put in own root", putErr(env.User, "/mine/f"), ok)
		expect(t, "delete in own root", env.User.Delete(ctx, "/mine/f", storage.DeleteOptions{}), ok)
		expect(t, "grant in own root", env.User.SetGrant(ctx, "/mine", group(env.G1), B|R), ok)
		if got := names(t, env.User, "/"); got != "mine" {
			t.Errorf("roots %q, want mine", got)
		}
	}},
	{"GrantNoMoreThanYouHold", func(t *testing.T, env RightsEnv) {
		grant(env, "/team", user(env), B|R|S)
		expect(t, "grant a subset", env.User.SetGrant(ctx, "/team", group(env.G1), B|R), ok)
		expect(t, "grant more", env.User.SetGrant(ctx, "/team", group(env.G1), B|R|W), P)
		expect(t, "grant on a file", env.User.SetGrant(ctx, "/team/f", group(env.G1), B), storage.Invalid)
	}},
	{"RevokeRemovesAccess", func(t *testing.T, env RightsEnv) {
		grant(env, "/team/sub", user(env), B|R)
		grant(env, "/team/sub", user(env), 0)
		expect(t, "stat after revoke", statErr(env.User, "/team"), NF)
		gs, err := env.Admin.Grants(ctx, "/team/sub")
		if err != nil || len(gs) != 0 {
			t.Errorf("grants after revoke: %v, %v", gs, err)
		}
	}},
	{"AdministratorSeesEverything", func(t *testing.T, env RightsEnv) {
		if got := names(t, env.Admin, "/"); got != "other,team" {
			t.Errorf("admin roots %q", got)
		}
		info, err := env.Admin.Stat(ctx, "/team/sub/f")
		expect(t, "admin stat", err, ok)
		if info.Rights != storage.AllRights {
			t.Errorf("admin rights %v", info.Rights)
		}
	}},
	{"InfoCarriesRights", func(t *testing.T, env RightsEnv) {
		grant(env, "/team", user(env), B|R|D)
		for _, p := range []string{"/team", "/team/f"} {
			info, err := env.User.Stat(ctx, p)
			if err != nil || info.Rights != B|R|D {
				t.Errorf("stat %s: rights %v, %v", p, info.Rights, err)
			}
		}
		page, err := env.User.List(ctx, "/team", storage.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range page.Items {
			if it.Rights != B|R|D {
				t.Errorf("listed %s with rights %v", it.Name, it.Rights)
			}
		}
	}},
}

// reportMust turns a failed must into a test failure.
func reportMust(t *testing.T) {
	if r := recover(); r != nil {
		f, isMust := r.(mustFail)
		if !isMust {
			panic(r)
		}
		t.Fatalf("%s: unexpected error: %v", f.where, f.err)
	}
}
