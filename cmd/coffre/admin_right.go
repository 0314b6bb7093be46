package main

import (
	"context"
	"flag"
	"io"
	"strings"

	"coffre/storage"
)

const rightUsage = `Usage:
  coffre right grant PATH (--user LOGIN | --group NAME) --rights LIST
  coffre right revoke PATH (--user LOGIN | --group NAME)
  coffre right list PATH

LIST is a comma-separated set of browse, read, download, write, edit, delete,
share, or all. A grant replaces the user's or group's whole entry on the
folder; rights are inherited by the folders below.
`

var rightFlags = []struct {
	name string
	r    storage.Rights
}{
	{"browse", storage.Browse}, {"read", storage.Read}, {"download", storage.Download}, {"write", storage.Write},
	{"edit", storage.Edit}, {"delete", storage.Delete}, {"share", storage.Share},
}

func parseRights(s string) (storage.Rights, error) {
	var r storage.Rights
	for _, n := range strings.Split(s, ",") {
		n = strings.ToLower(strings.TrimSpace(n))
		if n == "all" {
			r |= storage.AllRights
			continue
		}
		found := false
		for _, f := range rightFlags {
			if f.name == n {
				r |= f.r
				found = true
			}
		}
		if !found {
			return 0, usageErrorf("--rights: unknown right %q (want browse, read, download, write, edit, delete, share or all)", n)
		}
	}
	return r, nil
}

func rightNames(r storage.Rights) []string {
	out := []string{}
	for _, f := range rightFlags {
		if r.Has(f.r) {
			out = append(out, f.name)
		}
	}
	return out
}

func rightCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return adminSubcommand(ctx, "right", args, stdout, stderr, map[string]adminCommand{
		"grant":  rightSet("grant"),
		"revoke": rightSet("revoke"),
		"list":   {args: []string{"path"}, run: rightList},
	})
}

// rightSet is right grant or right revoke (verb): a grant with no rights.
func rightSet(verb string) adminCommand {
	var user, group *string
	var rights storage.Rights
	flags := func(fs *flag.FlagSet) func() error {
		user = fs.String("user", "", "the user's `login`")
		group = fs.String("group", "", "the group's `name`")
		var list *string
		if verb == "grant" {
			list = fs.String("rights", "", "rights to grant: `list` of browse,read,download,write,edit,delete,share or all")
		}
		return func() error {
			if (*user == "") == (*group == "") {
				return usageErrorf("right %s: give exactly one of --user and --group", verb)
			}
			if verb == "grant" {
				if *list == "" {
					return usageErrorf("right grant: --rights is required")
				}
				var err error
				if rights, err = parseRights(*list); err != nil {
					return err
				}
			}
			return nil
		}
	}
	run := func(ctx context.Context, env *adminEnv, pos []string) error {
		var subj storage.Subject
		who := ""
		if *user != "" {
			u, err := env.auth.GetUser(ctx, *user)
			if err != nil {
				return err
			}
			subj, who = storage.Subject{ID: u.ID}, "user "+u.Login
		} else {
			g, err := env.auth.GetGroup(ctx, *group)
			if err != nil {
				return err
			}
			subj, who = storage.Subject{Group: true, ID: g.ID}, "group "+g.Name
		}
		ns, err := env.namespace()
		if err != nil {
			return err
		}
		if err := ns.SetGrant(ctx, pos[0], subj, rights); err != nil {
			return err
		}
		out := map[string]any{"path": pos[0], "subject": who, "rights": rightNames(rights)}
		if verb == "grant" {
			return env.answer(out, "%s: %s may %s", pos[0], who, strings.Join(rightNames(rights), ", "))
		}
		return env.answer(out, "%s: entry of %s removed", pos[0], who)
	}
	return adminCommand{args: []string{"path"}, flags: flags, run: run}
}

type grantOut struct {
	Path    string   `json:"path"`
	Kind    string   `json:"kind"` // user or group
	Name    string   `json:"name"` // login or group name
	ID      string   `json:"id"`
	Rights  []string `json:"rights"`
	Missing bool     `json:"missing,omitempty"` // the user or group no longer exists
}

func rightList(ctx context.Context, env *adminEnv, pos []string) error {
	ns, err := env.namespace()
	if err != nil {
		return err
	}
	gs, err := ns.Grants(ctx, pos[0])
	if err != nil {
		return err
	}
	out := []grantOut{}
	rows := [][]string{}
	for _, g := range gs {
		o := grantOut{Path: g.Path, Kind: "user", ID: g.Subject.ID, Rights: rightNames(g.Rights)}
		if g.Subject.Group {
			o.Kind = "group"
			if gr, err := env.auth.GroupByID(ctx, g.Subject.ID); err == nil {
				o.Name = gr.Name
			} else {
				o.Missing = true
			}
		} else if u, err := env.auth.UserByID(ctx, g.Subject.ID); err == nil {
			o.Name = u.Login
		} else {
			o.Missing = true
		}
		out = append(out, o)
		name := o.Name
		if o.Missing {
			name = "(deleted)"
		}
		rows = append(rows, []string{o.Path, o.Kind, name, strings.Join(o.Rights, ","), o.ID})
	}
	return env.answerTable(out, []string{"PATH", "KIND", "NAME", "RIGHTS", "ID"}, rows)
}
