package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
)

const groupUsage = `Usage:
  coffre group add NAME
  coffre group list
  coffre group delete NAME
  coffre group members NAME add|remove LOGIN
`

func groupCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return subcommand(ctx, "group", args, map[string]func(context.Context, []string) error{
		"add":     func(ctx context.Context, a []string) error { return groupAdd(ctx, a, stdout, stderr) },
		"list":    func(ctx context.Context, a []string) error { return groupList(ctx, a, stdout, stderr) },
		"delete":  func(ctx context.Context, a []string) error { return groupDelete(ctx, a, stdout, stderr) },
		"members": func(ctx context.Context, a []string) error { return groupMembers(ctx, a, stdout, stderr) },
	})
}

type groupOut struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Members []string `json:"members"` // logins
}

func groupAdd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, af := newAdminFlags("group add", stderr)
	pos, err := parseArgs(fs, args, "name")
	if err != nil {
		return err
	}
	env, err := openAdmin(af, fs, stdout, stderr)
	if err != nil {
		return err
	}
	defer env.close()
	g, err := env.auth.CreateGroup(ctx, pos[0])
	if err != nil {
		return err
	}
	if env.json {
		return env.printJSON(groupOut{ID: g.ID, Name: g.Name, Members: []string{}})
	}
	fmt.Fprintf(stdout, "created group %s (id %s)\n", g.Name, g.ID)
	return nil
}

func groupList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, af := newAdminFlags("group list", stderr)
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	env, err := openAdmin(af, fs, stdout, stderr)
	if err != nil {
		return err
	}
	defer env.close()
	all := []groupOut{}
	after := ""
	for {
		gs, next, err := env.auth.Groups(ctx, after, 1000)
		if err != nil {
			return err
		}
		for _, g := range gs {
			o := groupOut{ID: g.ID, Name: g.Name, Members: []string{}}
			for _, id := range g.Members {
				if u, err := env.auth.UserByID(ctx, id); err == nil {
					o.Members = append(o.Members, u.Login)
				}
			}
			all = append(all, o)
		}
		if next == "" {
			break
		}
		after = next
	}
	if env.json {
		return env.printJSON(all)
	}
	rows := make([][]string, 0, len(all))
	for _, g := range all {
		rows = append(rows, []string{g.Name, strconv.Itoa(len(g.Members)), strings.Join(g.Members, ","), g.ID})
	}
	env.table([]string{"NAME", "MEMBERS", "LOGINS", "ID"}, rows)
	return nil
}

func groupDelete(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, af := newAdminFlags("group delete", stderr)
	pos, err := parseArgs(fs, args, "name")
	if err != nil {
		return err
	}
	env, err := openAdmin(af, fs, stdout, stderr)
	if err != nil {
		return err
	}
	defer env.close()
	if err := env.auth.DeleteGroup(ctx, pos[0]); err != nil {
		return err
	}
	if env.json {
		return env.printJSON(map[string]string{"deleted": pos[0]})
	}
	fmt.Fprintf(stdout, "deleted group %s\n", pos[0])
	return nil
}

func groupMembers(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, af := newAdminFlags("group members", stderr)
	pos, err := parseArgs(fs, args, "name", "add|remove", "login")
	if err != nil {
		return err
	}
	var change func(context.Context, string, string) error
	env, err := openAdmin(af, fs, stdout, stderr)
	if err != nil {
		return err
	}
	defer env.close()
	switch pos[1] {
	case "add":
		change = env.auth.AddGroupMember
	case "remove":
		change = env.auth.RemoveGroupMember
	default:
		return usageErrorf("group members: want add or remove, not %q", pos[1])
	}
	if err := change(ctx, pos[0], pos[2]); err != nil {
		return err
	}
	if env.json {
		return env.printJSON(map[string]string{"group": pos[0], pos[1]: pos[2]})
	}
	fmt.Fprintf(stdout, "group %s: %s %s\n", pos[0], map[string]string{"add": "added", "remove": "removed"}[pos[1]], pos[2])
	return nil
}
