package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"coffre/storage/blob"
)

const driveUsage = `Usage: coffre drive replace N [--config FILE] [--data DIR] [--force]

Rebuilds drive N (1-based, in the order of storage.drives) after its disk
was replaced or its folder emptied: every shard that belongs on it is
rebuilt from the other drives, with the same repair as coffre fsck --repair
(which also mends whatever else it finds damaged). Stop the server first.

The drive's folder must be empty or not exist yet (a lost+found folder is
fine). --force rebuilds onto a folder that holds files, keeping the shards
that are whole: use it to finish an interrupted replacement.
`

// driveCmd runs coffre drive SUBCOMMAND.
func driveCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "replace" {
		return usageErrorf("drive: the subcommand is replace (coffre drive replace N); see coffre help drive")
	}
	return driveReplaceCmd(ctx, args[1:], stdout, stderr)
}

// driveReplaceCmd rebuilds every shard of drive N from the others, offline.
func driveReplaceCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("drive replace", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, driveUsage); fs.PrintDefaults() }
	cf := addCommonFlags(fs)
	force := fs.Bool("force", false, "rebuild even when the drive's folder holds files")
	pos, err := parseArgs(fs, args, "N")
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(pos[0])
	if err != nil || n < 1 {
		return usageErrorf("drive replace: N is a drive number from 1, in the order of storage.drives; got %q", pos[0])
	}
	cfg, err := cf.config(fs, nil)
	if err != nil {
		return err
	}
	drives := cfg.Storage.Drives
	if n > len(drives) {
		return usageErrorf("drive replace: there is no drive %d; the config lists %d drives:\n%s", n, len(drives), driveList(drives))
	}
	dir := drives[n-1]
	log := newLogger(stderr, cfg.Log)
	if !fileExists(cfg.DataDir) {
		return fmt.Errorf("data directory %s does not exist", cfg.DataDir)
	}
	lock, err := lockDataDir(cfg.DataDir)
	if err != nil {
		return err
	}
	defer lock.release()
	if err := checkReplaceable(dir, *force); err != nil {
		return fmt.Errorf("drive %d: %w", n, err)
	}
	key, err := masterKey(cfg, false, log)
	if err != nil {
		return err
	}
	st, err := openStore(cfg, key, log)
	if err != nil {
		return err
	}
	defer st.close()

	fmt.Fprintf(stdout, "rebuilding drive %d (%s) from the other %d drives\n", n, dir, len(drives)-1)
	start := time.Now()
	p := newProgress(stdout, isTerminal(stdout))
	checked := false // every content was checked; a later error is about orphan shard files only
	report, err := st.blob.FsckWith(ctx, blob.FsckOptions{Repair: true}, func(done, total int) {
		p.update(done, total)
		checked = done == total
	})
	p.done()
	switch {
	case err != nil && !checked:
		return fmt.Errorf("drive replace did not finish: %w\nrun coffre drive replace %d --force to finish it", err, n)
	case err != nil:
		fmt.Fprintf(stdout, "orphan shard files not collected: %v\n", err)
	}
	files, size, err := shardFiles(st.drives[n-1])
	if err != nil {
		return fmt.Errorf("drive %d: count its shard files: %w", n, err)
	}
	fmt.Fprintf(stdout, "drive %d now holds %d shard files, %s (took %s)\n", n, files, bytesText(size), time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(stdout, "contents       %d\n", report.Contents)
	fmt.Fprintf(stdout, "rebuilt        %d\n", report.Repaired)
	fmt.Fprintf(stdout, "already whole  %d (small contents, kept in the metadata store, included)\n", report.Healthy)
	fmt.Fprintf(stdout, "unrecoverable  %d\n", report.Unrecoverable)
	if report.Orphans > 0 {
		fmt.Fprintf(stdout, "orphan shards  %d removed\n", report.Orphans)
	}
	// Neither whole, rebuilt nor lost: a shard could not be rewritten,
	// such as on another drive that is unusable too.
	if incomplete := report.Contents - report.Healthy - report.Repaired - report.Unrecoverable; incomplete > 0 {
		fmt.Fprintf(stdout, "incomplete     %d (a shard could not be written; is another drive unusable?)\n", incomplete)
		fmt.Fprintln(stdout, "problems remain: run coffre fsck for the list")
		return errProblems
	}
	if report.Unrecoverable > 0 {
		fmt.Fprintln(stdout, "some content could not be rebuilt: fewer good shards than data_shards remain; run coffre fsck for the list")
		return errProblems
	}
	fmt.Fprintln(stdout, "ok")
	return nil
}

// driveList lists drive folders numbered from 1, one a line.
func driveList(drives []string) string {
	var b strings.Builder
	for i, d := range drives {
		fmt.Fprintf(&b, "  %d  %s\n", i+1, d)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// checkReplaceable refuses a drive folder that holds anything but an empty
// lost+found (which a freshly formatted disk has), unless force. A folder
// that does not exist is fine: openStore creates it.
func checkReplaceable(dir string, force bool) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("folder %s: %w", dir, err)
	}
	var held []string
	for _, e := range entries {
		if e.Name() == "lost+found" && e.IsDir() {
			continue
		}
		held = append(held, e.Name())
	}
	if len(held) == 0 || force {
		return nil
	}
	if len(held) > 3 {
		held = append(held[:3], "…")
	}
	return fmt.Errorf("folder %s is not empty (it holds %s): drive replace rebuilds an empty drive; "+
		"to repair a drive in place run coffre fsck --repair, or add --force to rebuild onto it anyway",
		dir, strings.Join(held, ", "))
}

// shardFiles counts the shard files of a drive and their bytes.
func shardFiles(d blob.Drive) (files int, size int64, err error) {
	err = d.Walk(func(_ string, n int64, _ time.Time) error {
		files++
		size += n
		return nil
	})
	return files, size, err
}
