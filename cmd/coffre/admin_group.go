package main

import (
	"context"
	"io"
	"strconv"
	"strings"

	"coffre/auth"
)

const groupUsage = `Usage:
  coffre group add NAME
  coffre group list
  coffre group delete NAME
  coffre group members NAME add|remove LOGIN
`

func groupCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return adminSubcommand(ctx, "group", args, stdout, stderr, map[string]adminCommand{
		"add":     {args: []string{"name"}, run: groupAdd},
		"list":    {run: groupList},
		"delete":  {args: []string{"name"}, run: groupDelete},
		"members": {args: []string{"name", "add|remove", "login"}, run: groupMembers},
	})
}

type groupOut struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Members []string `json:"members"` // logins
}

func groupAdd(ctx context.Context, env *adminEnv, pos []string) error {
	g, err := env.auth.CreateGroup(ctx, pos[0])
	if err != nil {
		return err
	}
	return env.answer(groupOut{ID: g.ID, Name: g.Name, Members: []string{}}, "created group %s (id %s)", g.Name, g.ID)
}

func groupList(ctx context.Context, env *adminEnv, _ []string) error {
	all, err := allPages(ctx, env.auth.Groups, func(g auth.Group) groupOut {
		o := groupOut{ID: g.ID, Name: g.Name, Members: []string{}}
		for _, id := range g.Members {
			if u, err := env.auth.UserByID(ctx, id); err == nil {
				o.Members = append(o.Members, u.Login)
			}
		}
		return o
	})
	if err != nil {
		return err
	}
	rows := make([][]string, 0, len(all))
	for _, g := range all {
		rows = append(rows, []string{g.Name, strconv.Itoa(len(g.Members)), strings.Join(g.Members, ","), g.ID})
	}
	return env.answerTable(all, []string{"NAME", "MEMBERS", "LOGINS", "ID"}, rows)
}

func groupDelete(ctx context.Context, env *adminEnv, pos []string) error {
	if err := env.auth.DeleteGroup(ctx, pos[0]); err != nil {
		return err
	}
	return env.answer(map[string]string{"deleted": pos[0]}, "deleted group %s", pos[0])
}

func groupMembers(ctx context.Context, env *adminEnv, pos []string) error {
	var change func(context.Context, string, string) error
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
	return env.answer(map[string]string{"group": pos[0], pos[1]: pos[2]},
		"group %s: %s %s", pos[0], map[string]string{"add": "added", "remove": "removed"}[pos[1]], pos[2])
}
