// Command coffrebench measures the storage engine against the disk it runs on.
//
// In one run it measures a baseline on the disk of the data directory (raw
// sequential write and read throughput, fsync latency, small-file writes and
// reads), then the same kind of work through the real engine on four drive
// folders (2 data + 2 parity) on that disk, and prints each engine figure
// beside its baseline, the ratio between them and the targets of issue 2.
// Then it serves S3 (engine, auth and gateway/s3 on a loopback listener) and
// measures PUT and GET of 64 MiB, 1 MiB and 4 KiB objects and a full listing
// through aws-sdk-go-v2, each beside the engine's own figure and a plain
// HTTP server's, against the targets of issue 4.
//
// Then it does the same through WebDAV: PUT and GET of 64 MiB files at 4
// streams and of one 256 MiB file, and PROPFIND depth 1 of 10,000 files,
// against the targets of issue 5.
//
//	go run ./cmd/coffrebench [--dir DIR] [--quick] [--only baseline,s3,webdav] [--cpuprofile PREFIX]
//
// The data lives in a temporary folder created under DIR (default: the current
// directory) and removed at the end.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "coffrebench:", err)
		os.Exit(1)
	}
}

// run parses args, measures and prints the report to out.
func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("coffrebench", flag.ContinueOnError)
	fs.SetOutput(out)
	dir := fs.String("dir", ".", "create the temporary data folder under `DIR` (its disk is the one measured)")
	quick := fs.Bool("quick", false, "a smoke run of a few seconds with small sizes (figures are not meaningful)")
	only := fs.String("only", "", "measure only these parts, comma-separated among `baseline,s3,webdav` (baseline includes the engine table); empty: all")
	s3only := fs.Bool("s3only", false, "the same as --only s3")
	prof := fs.String("cpuprofile", "", "write one CPU profile per engine and S3 measurement to `PREFIX`-<name>.pprof")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *s3only {
		*only = "s3"
	}
	parts := map[string]bool{"baseline": true, "s3": true, "webdav": true}
	if *only != "" {
		want := map[string]bool{}
		for _, p := range strings.Split(*only, ",") {
			if !parts[p] {
				return fmt.Errorf("--only: unknown part %q (baseline, s3, webdav)", p)
			}
			want[p] = true
		}
		parts = want
	}
	cfg := fullConfig()
	if *quick {
		cfg = quickConfig()
	}
	cfg.profilePrefix = *prof

	data, err := os.MkdirTemp(*dir, "coffrebench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(data)

	r := &report{dir: data, cfg: cfg}
	r.describe()
	fmt.Fprint(out, r.header())
	if parts["baseline"] {
		if err := measureBaseline(ctx, cfg, data, &r.base); err != nil {
			return fmt.Errorf("baseline: %w", err)
		}
		fmt.Fprint(out, r.baselineTable())
		if err := measureEngine(ctx, cfg, data, &r.eng); err != nil {
			return fmt.Errorf("engine: %w", err)
		}
		fmt.Fprint(out, r.engineTable())
	}
	if parts["s3"] {
		if err := measureS3(ctx, cfg, data, &r.s3); err != nil {
			return fmt.Errorf("s3: %w", err)
		}
		fmt.Fprint(out, r.s3Table())
	}
	if parts["webdav"] {
		if err := measureDAV(ctx, cfg, data, &r.dav); err != nil {
			return fmt.Errorf("webdav: %w", err)
		}
		fmt.Fprint(out, r.davTable())
	}
	return nil
}
