package main

import (
	"context"
	"io"
	"time"
)

const keyUsage = `Usage:
  coffre key create LOGIN    prints a new access key and its secret (shown once)
  coffre key list LOGIN
  coffre key revoke LOGIN ACCESSKEY
`

func keyCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return adminSubcommand(ctx, "key", args, stdout, stderr, map[string]adminCommand{
		"create": {args: []string{"login"}, run: keyCreate},
		"list":   {args: []string{"login"}, run: keyList},
		"revoke": {args: []string{"login", "accesskey"}, run: keyRevoke},
	})
}

type keyOut struct {
	AccessKey string `json:"access_key"`
	SecretKey string `json:"secret_key,omitempty"` // on creation only
	Login     string `json:"login"`
	Created   string `json:"created"`
}

func keyCreate(ctx context.Context, env *adminEnv, pos []string) error {
	k, secret, err := env.auth.CreateKey(ctx, pos[0])
	if err != nil {
		return err
	}
	return env.answer(keyOut{AccessKey: k.AccessKey, SecretKey: secret, Login: pos[0], Created: k.Created.Format(time.RFC3339)},
		"access key  %s\nsecret key  %s\n(the secret is shown once)", k.AccessKey, secret)
}

func keyList(ctx context.Context, env *adminEnv, pos []string) error {
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
	return env.answerTable(out, []string{"ACCESS KEY", "CREATED"}, rows)
}

func keyRevoke(ctx context.Context, env *adminEnv, pos []string) error {
	if err := env.auth.RevokeKey(ctx, pos[0], pos[1]); err != nil {
		return err
	}
	return env.answer(map[string]string{"revoked": pos[1]}, "revoked access key %s of %s", pos[1], pos[0])
}
