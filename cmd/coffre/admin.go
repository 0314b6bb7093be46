package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"

	"coffre/auth"
	"coffre/storage"
	"coffre/storage/engine"
)

// The admin subcommands (user, group, key, right) work on the data
// directory while the server is stopped, through the same auth and engine
// code the server runs. They take the data-directory lock like fsck.

// adminEnv is an opened data directory for an admin subcommand.
type adminEnv struct {
	auth   *auth.Service
	st     *store
	lock   *dataLock
	json   bool
	stdout io.Writer
}

// adminFlags are the flags every admin subcommand takes.
type adminFlags struct {
	common commonFlags
	json   *bool
}

func newAdminFlags(name string, stderr io.Writer) (*flag.FlagSet, adminFlags) {
	fs := newFlagSet(name, stderr)
	return fs, adminFlags{common: addCommonFlags(fs), json: fs.Bool("json", false, "print JSON for scripts instead of a table")}
}

// parseArgs parses flags placed before, between or after the positional
// arguments, and checks that there are exactly want of those (names are for
// the message).
func parseArgs(fs *flag.FlagSet, args []string, names ...string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		if args[0] == "--" {
			pos = append(pos, args[1:]...)
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	if len(pos) != len(names) {
		if len(pos) < len(names) {
			return nil, usageErrorf("%s: missing %s", fs.Name(), strings.ToUpper(names[len(pos)]))
		}
		return nil, usageErrorf("%s: unexpected argument %q", fs.Name(), pos[len(names)])
	}
	return pos, nil
}

// openAdmin loads the config, takes the data-directory lock and opens the
// store and the auth service. When the server holds the lock, it says so.
func openAdmin(af adminFlags, fs *flag.FlagSet, stdout, stderr io.Writer) (*adminEnv, error) {
	cfg, err := af.common.config(fs, nil)
	if err != nil {
		return nil, err
	}
	if cfg.Log.Level == "info" {
		cfg.Log.Level = "warn" // the command prints what it did
	}
	log := newLogger(stderr, cfg.Log)
	if !fileExists(cfg.DataDir) {
		return nil, fmt.Errorf("data directory %s does not exist (run coffre serve once to create it)", cfg.DataDir)
	}
	lock, err := lockDataDir(cfg.DataDir)
	if errors.Is(err, errLocked) {
		if pid := lockHolder(cfg.DataDir); pid > 0 {
			return nil, fmt.Errorf("coffre is running (pid %d); stop it or use the admin API", pid)
		}
		return nil, errors.New("coffre is running; stop it or use the admin API")
	}
	if err != nil {
		return nil, err
	}
	key, err := masterKey(cfg, false, log)
	if err != nil {
		lock.release()
		return nil, err
	}
	st, err := openStore(cfg, key, log)
	if err != nil {
		lock.release()
		return nil, err
	}
	a, err := auth.New(st.meta, key, auth.Options{Logger: log.With("component", "auth")})
	if err != nil {
		st.close()
		lock.release()
		return nil, err
	}
	return &adminEnv{auth: a, st: st, lock: lock, json: *af.json, stdout: stdout}, nil
}

// lockHolder returns the pid written in the lock file, or 0.
func lockHolder(dir string) int {
	b, err := os.ReadFile(filepath.Join(dir, lockName))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid
}

func (e *adminEnv) close() {
	e.st.close()
	e.lock.release()
}

// namespace returns the tree as seen by an administrator acting from the CLI.
func (e *adminEnv) namespace() (storage.Namespace, error) {
	eng, err := engine.New(e.st.meta, e.st.blob, engine.Options{})
	if err != nil {
		return nil, err
	}
	return eng.As(storage.Principal{UserID: "cli", Login: "cli", Admin: true}), nil
}

// printJSON writes v indented.
func (e *adminEnv) printJSON(v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// table writes rows under a header, aligned.
func (e *adminEnv) table(header []string, rows [][]string) {
	w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(w, strings.Join(r, "\t"))
	}
	w.Flush()
}

// readSecret reads a password from r: the first line, without its end.
func readSecret(r io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, 4096))
	if err != nil {
		return "", err
	}
	s, _, _ := strings.Cut(string(b), "\n")
	s = strings.TrimSuffix(s, "\r")
	if s == "" {
		return "", errors.New("no password on standard input")
	}
	return s, nil
}

// adminCommand is one admin subcommand: what it takes and what it does on
// the opened data directory.
type adminCommand struct {
	args []string // names of the positional arguments, for the usage message
	// flags, if set, declares the command's own flags. The function it
	// returns, if not nil, checks them once parsed, before the data
	// directory is opened.
	flags func(fs *flag.FlagSet) (check func() error)
	run   func(ctx context.Context, env *adminEnv, pos []string) error
}

// adminSubcommand dispatches args[0] among the commands of group, then
// parses the rest, opens the data directory and runs the command.
func adminSubcommand(ctx context.Context, group string, args []string, stdout, stderr io.Writer, cmds map[string]adminCommand) error {
	if len(args) == 0 {
		return usageErrorf("%s: missing subcommand; run coffre help %s", group, group)
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		return usageErrorf("%s: unknown subcommand %q; run coffre help %s", group, args[0], group)
	}
	fs, af := newAdminFlags(group+" "+args[0], stderr)
	var check func() error
	if cmd.flags != nil {
		check = cmd.flags(fs)
	}
	pos, err := parseArgs(fs, args[1:], cmd.args...)
	if err != nil {
		return err
	}
	if check != nil {
		if err := check(); err != nil {
			return err
		}
	}
	env, err := openAdmin(af, fs, stdout, stderr)
	if err != nil {
		return err
	}
	defer env.close()
	return cmd.run(ctx, env, pos)
}

// answer prints v as JSON for scripts, or else the sentence format+"\n".
func (e *adminEnv) answer(v any, format string, args ...any) error {
	if e.json {
		return e.printJSON(v)
	}
	fmt.Fprintf(e.stdout, format+"\n", args...)
	return nil
}

// answerTable prints v as JSON for scripts, or else rows under header.
func (e *adminEnv) answerTable(v any, header []string, rows [][]string) error {
	if e.json {
		return e.printJSON(v)
	}
	e.table(header, rows)
	return nil
}

// allPages walks a paged listing to its end and returns every item through
// conv (an empty slice, not nil, when there are none).
func allPages[T, O any](ctx context.Context, page func(ctx context.Context, after string, limit int) ([]T, string, error), conv func(T) O) ([]O, error) {
	all := []O{}
	after := ""
	for {
		items, next, err := page(ctx, after, 1000)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			all = append(all, conv(it))
		}
		if next == "" {
			return all, nil
		}
		after = next
	}
}
