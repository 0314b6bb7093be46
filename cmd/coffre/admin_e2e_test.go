package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestAdminEndToEnd runs the admin subcommands of the real binary on a data
// directory that coffre serve created: refused while the server runs, then
// user add -> key create -> group -> right grant -> lists show it all.
func TestAdminEndToEnd(t *testing.T) {
	bin := buildBinary(t)
	data := t.TempDir()
	srv := startServer(t, bin, data)

	code, _, stderr := runCmd(t, bin, "user", "list", "--data", data)
	want := fmt.Sprintf("coffre is running (pid %d); stop it or use the admin API", srv.cmd.Process.Pid)
	if code != exitFailure || !strings.Contains(stderr, want) {
		t.Fatalf("user list beside the server: exit %d, stderr %q; want %q", code, stderr, want)
	}
	srv.stop()

	// A password from standard input; flags after the login.
	code, out, stderr := runStdin(t, bin, "s3cret-pass-word\n", "user", "add", "alice", "--role", "2",
		"--email", "alice@example.org", "--password-stdin", "--json", "--data", data)
	if code != 0 {
		t.Fatalf("user add: exit %d\n%s", code, stderr)
	}
	var u struct {
		ID, Login, Password string
		Role                int
	}
	if err := json.Unmarshal([]byte(out), &u); err != nil || u.Login != "alice" || u.Role != 2 || u.Password != "" {
		t.Fatalf("user add printed %s (%v)", out, err)
	}
	// A generated password is printed once.
	code, out, _ = runCmd(t, bin, "user", "add", "bob", "--data", data)
	if code != 0 || !strings.Contains(out, "password: ") {
		t.Fatalf("user add bob: %d %s", code, out)
	}
	code, _, stderr = runCmd(t, bin, "user", "add", "alice", "--data", data)
	if code != exitFailure || !strings.Contains(stderr, "taken") {
		t.Fatalf("duplicate user add: %d %s", code, stderr)
	}
	code, _, stderr = runCmd(t, bin, "user", "add", "bad login", "--data", data)
	if code != exitFailure || !strings.Contains(stderr, "login") {
		t.Fatalf("invalid login: %d %s", code, stderr)
	}

	code, out, stderr = runCmd(t, bin, "key", "create", "alice", "--json", "--data", data)
	var k struct {
		AccessKey string `json:"access_key"`
		SecretKey string `json:"secret_key"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &k) != nil || len(k.AccessKey) != 20 || len(k.SecretKey) != 40 {
		t.Fatalf("key create: %d %s %s", code, out, stderr)
	}
	code, out, _ = runCmd(t, bin, "key", "list", "alice", "--data", data)
	if code != 0 || !strings.Contains(out, k.AccessKey) || strings.Contains(out, k.SecretKey) {
		t.Fatalf("key list: %d %s", code, out)
	}

	for _, args := range [][]string{
		{"group", "add", "Team"},
		{"group", "members", "team", "add", "bob"},
		{"right", "grant", "/", "--user", "alice", "--rights", "browse,read,download"},
		{"right", "grant", "/", "--group", "Team", "--rights", "all"},
	} {
		if code, out, stderr := runCmd(t, bin, append(args, "--data", data)...); code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out, stderr)
		}
	}
	code, out, _ = runCmd(t, bin, "right", "list", "/", "--data", data)
	if code != 0 || !regexpLine(out, "alice", "browse,read,download") || !regexpLine(out, "Team", "share") {
		t.Fatalf("right list:\n%s", out)
	}
	code, out, _ = runCmd(t, bin, "right", "list", "/", "--json", "--data", data)
	var grants []struct{ Kind, Name string }
	if code != 0 || json.Unmarshal([]byte(out), &grants) != nil || len(grants) != 2 {
		t.Fatalf("right list --json: %s", out)
	}
	code, out, _ = runCmd(t, bin, "user", "list", "--json", "--data", data)
	var users []struct {
		Login  string
		Groups []string
	}
	if code != 0 || json.Unmarshal([]byte(out), &users) != nil || len(users) != 3 {
		t.Fatalf("user list --json: %s", out)
	}
	if users[2].Login != "bob" || len(users[2].Groups) != 1 || users[2].Groups[0] != "Team" {
		t.Fatalf("bob listed as %+v", users[2])
	}

	if code, _, stderr := runCmd(t, bin, "right", "revoke", "/", "--user", "alice", "--data", data); code != 0 {
		t.Fatal(stderr)
	}
	if code, _, stderr := runCmd(t, bin, "key", "revoke", "alice", k.AccessKey, "--data", data); code != 0 {
		t.Fatal(stderr)
	}
	code, out, _ = runCmd(t, bin, "right", "list", "/", "--data", data)
	if strings.Contains(out, "alice") {
		t.Fatalf("revoked right listed:\n%s", out)
	}
	if code, _, _ := runCmd(t, bin, "user", "delete", "alice", "--data", data); code != 0 {
		t.Fatal("user delete failed")
	}
	if code, _, _ := runCmd(t, bin, "right", "grant", "/", "--rights", "read", "--data", data); code != exitUsage {
		t.Fatalf("grant without subject: exit %d; want %d", code, exitUsage)
	}

	// The server starts again on the changed directory.
	srv = startServer(t, bin, data)
	srv.stop()
}

// regexpLine reports whether one line of out holds every word.
func regexpLine(out string, words ...string) bool {
	for _, line := range strings.Split(out, "\n") {
		all := true
		for _, w := range words {
			all = all && strings.Contains(line, w)
		}
		if all {
			return true
		}
	}
	return false
}

// runStdin is runCmd with standard input.
func runStdin(t *testing.T, bin, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String(), errb.String()
	} else if err != nil {
		t.Fatal(err)
	}
	return 0, out.String(), errb.String()
}
