// Command coffre is the Coffre storage gateway: coffre serve runs the server;
// coffre fsck checks the store offline; coffre user, group, key and right
// administer identities and rights offline; coffre version and coffre help say
// what they say. main wires the packages by hand (config -> meta -> drives ->
// blob -> engine -> auth -> HTTP server); it is the only place that reads
// flags and the environment.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"
)

// version is the release of this build.
const version = "0.1.0-dev"

const usage = `Coffre — a storage gateway: WebDAV, S3 and a REST API over one erasure-coded store.

Usage:
  coffre serve [--config FILE] [--data DIR] [--http ADDR] [--s3 ADDR]
  coffre fsck  [--config FILE] [--data DIR] [--repair]
  coffre status [--addr HOST:PORT] [--config FILE] [--json]   (asks the running server)
  coffre drive replace N [--config FILE] [--data DIR] [--force] (server stopped)
  coffre user  add|list|set|delete ...      (server stopped)
  coffre group add|list|delete|members ...  (server stopped)
  coffre key   create|list|revoke LOGIN ... (server stopped)
  coffre right grant|revoke|list PATH ...   (server stopped)
  coffre recover [--config FILE] [--data DIR] [--force] [--from-headers]  (server stopped)
  coffre backup DEST [--config FILE] [--data DIR]   (metadata; server running or not)
  coffre restore SRC [--config FILE] [--data DIR]   (server stopped)
  coffre version
  coffre help [command]

Without --config, the embedded defaults apply (see config.example.toml):
data in ./data, HTTP on 127.0.0.1:8080, S3 on 127.0.0.1:9000 (--s3 off for
none). Flags override the config file.
`

// Exit statuses.
const (
	exitOK       = 0
	exitFailure  = 1 // the command failed, or fsck found problems that remain
	exitUsage    = 2 // bad command line
	exitProblems = 1
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	// Once the first signal has arrived, restore the default handling so that
	// a second one kills at once.
	context.AfterFunc(ctx, stop)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// usageError is a bad command line: the message and exit status 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usageErrorf(format string, args ...any) error {
	return usageError{fmt.Sprintf(format, args...)}
}

// errProblems says fsck found problems that remain; the report is printed.
var errProblems = errors.New("problems remain")

// run executes the command line args and returns the exit status.
func run(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		err = serveCmd(ctx, rest, env, stdout, stderr)
	case "fsck":
		err = fsckCmd(ctx, rest, stdout, stderr)
	case "status":
		err = statusCmd(ctx, rest, stdout, stderr)
	case "drive":
		err = driveCmd(ctx, rest, stdout, stderr)
	case "user":
		err = userCmd(ctx, rest, os.Stdin, stdout, stderr)
	case "group":
		err = groupCmd(ctx, rest, stdout, stderr)
	case "key":
		err = keyCmd(ctx, rest, stdout, stderr)
	case "right":
		err = rightCmd(ctx, rest, stdout, stderr)
	case "recover":
		err = recoverCmd(ctx, rest, stdout, stderr)
	case "backup":
		err = backupCmd(ctx, rest, stdout, stderr)
	case "restore":
		err = restoreCmd(ctx, rest, stdout, stderr)
	case "version", "--version", "-version":
		printVersion(stdout)
	case "help", "-h", "-help", "--help":
		err = helpCmd(rest, stdout, stderr)
	default:
		err = usageErrorf("unknown command %q; run coffre help", cmd)
	}
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errProblems):
		return exitProblems
	case errors.As(err, &ue):
		if ue.msg != "" { // empty: the flag package has said it already
			fmt.Fprintf(stderr, "coffre: %s\n", ue.msg)
		}
		return exitUsage
	default:
		fmt.Fprintf(stderr, "coffre: %v\n", err)
		return exitFailure
	}
}

func helpCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		return nil
	}
	switch args[0] {
	case "serve", "fsck":
		run(context.Background(), []string{args[0], "-h"}, nil, stdout, stdout) // prints its flags
		return nil
	case "recover", "backup", "restore":
		fmt.Fprint(stdout, recoveryUsage)
		return nil
	case "version", "help":
		fmt.Fprint(stdout, usage)
		return nil
	case "status":
		fmt.Fprint(stdout, statusUsage)
		return nil
	case "drive":
		fmt.Fprint(stdout, driveUsage)
		return nil
	case "user":
		fmt.Fprint(stdout, userUsage)
		return nil
	case "group":
		fmt.Fprint(stdout, groupUsage)
		return nil
	case "key":
		fmt.Fprint(stdout, keyUsage)
		return nil
	case "right":
		fmt.Fprint(stdout, rightUsage)
		return nil
	}
	return usageErrorf("help: unknown command %q", args[0])
}

func printVersion(w io.Writer) {
	rev := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				rev = " (" + s.Value[:12] + ")"
			}
		}
	}
	fmt.Fprintf(w, "coffre %s%s %s %s/%s\n", version, rev, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("coffre "+name, flag.ContinueOnError)
	fs.SetOutput(w)
	return fs
}

// parseFlags parses args; a bad flag is a usage error (already printed,
// with the command's flags, by the flag package).
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return err
	}
	return usageError{}
}

// commonFlags are the flags every command that opens the store takes.
type commonFlags struct {
	file *string
	data *string
}

func addCommonFlags(fs *flag.FlagSet) commonFlags {
	return commonFlags{
		file: fs.String("config", "", "TOML config `file` (default: the embedded defaults, see config.example.toml)"),
		data: fs.String("data", "", "data `directory`; relative storage paths are taken from it (default ./data)"),
	}
}

// config loads the config file, applies the flags (common ones, then the
// command's own through set), resolves paths and validates the result.
func (cf commonFlags) config(fs *flag.FlagSet, set func(*Config)) (Config, error) {
	cfg, err := loadConfig(*cf.file)
	if err != nil {
		return Config{}, err
	}
	if *cf.data != "" {
		cfg.DataDir = *cf.data
	}
	if set != nil {
		set(&cfg)
	}
	if err := cfg.resolve(); err != nil {
		return Config{}, err
	}
	if err := cfg.validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}
