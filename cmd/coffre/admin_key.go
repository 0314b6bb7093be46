package main

import (
	"context"
	"fmt"
	"io"
	"time"
)

const keyUsage = `Usage:
  coffre key create LOGIN    prints a new access key and its secret (shown once)
  coffre key list LOGIN
  coffre key revoke LOGIN ACCESSKEY
`

func keyCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return subcommand(ctx, "key", args, map[string]func(context.Context, []string) error{
		"create": func(ctx context.Context, a []string) error { return keyCreate(ctx, a, stdout, stderr) },
		"list":   func(ctx context.Context, a []string) error { return keyList(ctx, a, stdout, stderr) },
		"revoke": func(ctx context.Context, a []string) error { return keyRevoke(ctx, a, stdout, stderr) },
	})
}

type keyOut struct {
	AccessKey string `json:"access_key"`
	SecretKey string `json:"secret_key,omitempty"` // on creation only
	Login     string `json:"login"`
	Created   string `json:"created"`
}

func keyCreate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, af := newAdminFlags("key create", stderr)
	pos, err := parseArgs(fs, args, "login")
	if err != nil {
		return err
	}
	env, err := openAdmin(af, fs, stdout, stderr)
	if err != nil {
		return err
	}
	defer env.close()
	k, secret, err := env.auth.CreateKey(ctx, pos[0])
	if err != nil {
		return err
	}
	if env.json {
		return env.printJSON(keyOut{AccessKey: k.AccessKey, SecretKey: secret, Login: pos[0], Created: k.Created.Format(time.RFC3339)})
	}
	fmt.Fprintf(stdout, "access key  %s\nsecret key  %s\n(the secret is shown once)\n", k.AccessKey, secret)
	return nil
}

func keyList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, af := newAdminFlags("key list", stderr)
	pos, err := parseArgs(fs, args, "login")
	if err != nil {
		return err
	}
	env, err := openAdmin(af, fs, stdout, stderr)
	if err != nil {
		return err
	}
	defer env.close()
	ks, err := env.auth.Keys(ctx, pos[0])
	if err != nil {
		return err
	}
	out := []keyOut{}
	rows := [][]string{}
	for _, k := range ks {
		created := k.Created.UTC().Format(time.RFC3339)
		out = append(out, keyOut{AccessKey: k.AccessKey, Login: pos[0], Created: created})
		rows = append(rows, []string{k.AccessKey, created})
	}
	if env.json {
		return env.printJSON(out)
	}
	env.table([]string{"ACCESS KEY", "CREATED"}, rows)
	return nil
}

func keyRevoke(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs, af := newAdminFlags("key revoke", stderr)
	pos, err := parseArgs(fs, args, "login", "accesskey")
	if err != nil {
		return err
	}
	env, err := openAdmin(af, fs, stdout, stderr)
	if err != nil {
		return err
	}
	defer env.close()
	if err := env.auth.RevokeKey(ctx, pos[0], pos[1]); err != nil {
		return err
	}
	if env.json {
		return env.printJSON(map[string]string{"revoked": pos[1]})
	}
	fmt.Fprintf(stdout, "revoked access key %s of %s\n", pos[1], pos[0])
	return nil
}
