// Command coffrebench measures the storage engine against the disk it runs on.
//
// In one run it measures a baseline on the disk of the data directory (raw
// sequential write and read throughput, fsync latency, small-file writes and
// reads), then the same kind of work through the real engine on four drive
// folders (2 data + 2 parity) on that disk, and prints each engine figure
// beside its baseline, the ratio between them and the targets of issue 2.
//
//	go run ./cmd/coffrebench [--dir DIR] [--quick] [--cpuprofile PREFIX]
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
	prof := fs.String("cpuprofile", "", "write one CPU profile per engine measurement to `PREFIX`-<name>.pprof")
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
	if err := measureBaseline(ctx, cfg, data, &r.base); err != nil {
		return fmt.Errorf("baseline: %w", err)
	}
	fmt.Fprint(out, r.baselineTable())
	if err := measureEngine(ctx, cfg, data, &r.eng); err != nil {
		return fmt.Errorf("engine: %w", err)
	}
	fmt.Fprint(out, r.engineTable())
	return nil
}
