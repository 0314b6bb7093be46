package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"coffre/storage/blob"
	"coffre/storage/engine"
)

// fsckCmd checks every content against its checksums and the drive set
// (with --deep, against its SHA-256 and MD5 too), repairs when asked, then
// checks that the namespace's records agree with each other; it prints a
// report and fails with errProblems when problems remain. It refuses to run while coffre serve holds the data
// directory.
func fsckCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("fsck", stderr)
	cf := addCommonFlags(fs)
	repair := fs.Bool("repair", false, "rebuild damaged or missing shards and remove orphan shard files")
	deep := fs.Bool("deep", false, "also decrypt every content and check its size, SHA-256 and MD5 (reads everything)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("fsck: unexpected argument %q", fs.Arg(0))
	}
	cfg, err := cf.config(fs, nil)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.Log)
	if !fileExists(cfg.DataDir) {
		return fmt.Errorf("data directory %s does not exist", cfg.DataDir)
	}
	lock, err := lockDataDir(cfg.DataDir)
	if err != nil {
		return err
	}
	defer lock.release()
	key, err := masterKey(cfg, false, log)
	if err != nil {
		return err
	}
	st, err := openStore(cfg, key, log)
	if err != nil {
		return err
	}
	defer st.close()

	p := newProgress(stdout, isTerminal(stdout))
	report, err := st.blob.FsckWith(ctx, blob.FsckOptions{Repair: *repair, Deep: *deep}, p.update)
	p.done()
	printReport(stdout, report, *repair)
	if err != nil {
		return fmt.Errorf("fsck did not finish: %w", err)
	}
	eng, err := engine.New(st.meta, st.blob, engine.Options{Logger: log})
	if err != nil {
		return err
	}
	ns, err := eng.Verify(ctx)
	if err != nil {
		return fmt.Errorf("namespace check did not finish: %w", err)
	}
	fmt.Fprintf(stdout, "namespace      %d folders, %d files, %d versions, %d in the trash\n", ns.Folders, ns.Files, ns.Versions, ns.TrashItems)
	for _, p := range ns.Problems {
		fmt.Fprintf(stdout, "  - %s\n", p)
	}
	if problemsRemain(report, *repair) || len(ns.Problems) > 0 {
		return errProblems
	}
	return nil
}

// problemsRemain: unrecoverable contents always count; without --repair,
// anything not healthy and any orphan does too.
func problemsRemain(r blob.FsckReport, repaired bool) bool {
	if r.Unrecoverable > 0 {
		return true
	}
	if repaired {
		return false
	}
	return r.Healthy < r.Contents || r.Orphans > 0
}

func printReport(w io.Writer, r blob.FsckReport, repair bool) {
	fmt.Fprintf(w, "contents       %d\n", r.Contents)
	fmt.Fprintf(w, "healthy        %d\n", r.Healthy)
	fmt.Fprintf(w, "repaired       %d\n", r.Repaired)
	fmt.Fprintf(w, "unrecoverable  %d\n", r.Unrecoverable)
	fmt.Fprintf(w, "orphan shards  %d\n", r.Orphans)
	if r.Mismatched > 0 {
		fmt.Fprintf(w, "mismatched     %d (decrypted content differs from its record)\n", r.Mismatched)
	}
	for _, p := range r.Problems {
		fmt.Fprintf(w, "  - %s\n", p)
	}
	switch {
	case problemsRemain(r, repair) && !repair && r.Unrecoverable == 0:
		fmt.Fprintln(w, "problems found; run coffre fsck --repair to fix them")
	case problemsRemain(r, repair):
		fmt.Fprintln(w, "problems remain: some content cannot be recovered from the drives")
	default:
		fmt.Fprintln(w, "ok")
	}
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// progress shows fsck's progress: a bar rewritten in place on a terminal
// (at most 10 times a second), otherwise a plain line every 10% or 5 seconds.
type progress struct {
	w    io.Writer
	tty  bool
	mu   sync.Mutex // Fsck may report from several goroutines
	last time.Time
	pct  int
	any  bool
}

func newProgress(w io.Writer, tty bool) *progress { return &progress{w: w, tty: tty, pct: -1} }

func (p *progress) update(done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	pct := 100
	if total > 0 {
		pct = done * 100 / total
	}
	if p.tty {
		if now.Sub(p.last) < 100*time.Millisecond && done != total {
			return
		}
		line := fmt.Sprintf("checking %d/%d contents (%d%%) [%-20s]", done, total, pct, strings.Repeat("#", pct/5))
		fmt.Fprintf(p.w, "\r%s%s", line, strings.Repeat(" ", max(0, 40-len(line))))
	} else {
		if pct/10 == p.pct/10 && now.Sub(p.last) < 5*time.Second && done != total {
			return
		}
		if done == total && p.pct == 100 {
			return
		}
		fmt.Fprintf(p.w, "checked %d/%d contents (%d%%)\n", done, total, pct)
		p.pct = pct
	}
	p.last = now
	p.any = true
}

// done ends the in-place line on a terminal.
func (p *progress) done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tty && p.any {
		fmt.Fprintln(p.w)
	}
}
