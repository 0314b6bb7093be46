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
//	go run ./cmd/coffrebench [--dir DIR] [--quick] [--s3only] [--cpuprofile PREFIX]
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
	s3only := fs.Bool("s3only", false, "measure only the S3 endpoint (with its engine and HTTP figures), no disk baseline or engine table")
	prof := fs.String("cpuprofile", "", "write one CPU profile per engine and S3 measurement to `PREFIX`-<name>.pprof")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
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
	if !*s3only {
		if err := measureBaseline(ctx, cfg, data, &r.base); err != nil {
			return fmt.Errorf("baseline: %w", err)
		}
		fmt.Fprint(out, r.baselineTable())
		if err := measureEngine(ctx, cfg, data, &r.eng); err != nil {
			return fmt.Errorf("engine: %w", err)
		}
		fmt.Fprint(out, r.engineTable())
	}
	if err := measureS3(ctx, cfg, data, &r.s3); err != nil {
		return fmt.Errorf("s3: %w", err)
	}
	fmt.Fprint(out, r.s3Table())
	return nil
}
