package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"coffre/storage/blob"
	"coffre/storage/engine"
	"coffre/storage/erasure"
	"coffre/storage/meta"
)

// coffre recover rebuilds a lost or unreadable metadata store; coffre
// restore (backup.go) puts a backup back. Both run the same rebuild, offline
// (they take the data-directory lock):
//
//  1. The newest complete checkpoint is unsealed into <meta>.recovering,
//     beside the metadata store (seal.go): its manifest's MAC and every chunk
//     of every file are verified. The checkpoints of all drives are
//     candidates: each is a consistent copy of the whole store, complete once
//     renamed (checkpoint.go), so no quorum is needed and the newest loses
//     least; one that does not authenticate (damaged, or sealed under another
//     master key) or that Pebble cannot open is skipped for the next newest.
//     When none authenticates, the master key is the likely culprit: the
//     rebuild stops and says so. One whose manifest does not match the
//     configuration (shard layout, drive order) stops the rebuild.
//  2. The shard headers of every drive are scanned (blob.ScanHeaders). A
//     content the checkpoint does not know was written after it: its record
//     is restored from its header (blob.Restore), then it is attached as the
//     file /lost+found-<date>/<sha-256> of the administrator, because the
//     names written after the checkpoint are lost. A content the checkpoint
//     knows but whose shard files are gone (deleted after the checkpoint,
//     then written again) gets its record back from the new headers, with
//     the checkpoint's reference count.
//  3. The namespace's records are checked (engine.Verify) and reported.
//  4. The old store, if any, is renamed <meta>.old-<time>; the rebuilt one
//     takes its place.
//
// Attaching uses the namespace's own Put, which re-reads the bytes and
// stores them again (the duplicate is dropped by the content store's
// deduplication): no record is written by hand. Restore takes a reference
// count of at least 1, so each such content holds one reference while it is
// attached, dropped once the file holds its own.

// recoverCmd is coffre recover.
func recoverCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("recover", stderr)
	cf := addCommonFlags(fs)
	force := fs.Bool("force", false, "rebuild even though the metadata store opens fine (it is kept, renamed)")
	fromHeaders := fs.Bool("from-headers", false, "with no usable checkpoint, rebuild from the shard headers alone:\nevery content goes to lost+found; users, rights, links and names are lost")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("recover: unexpected argument %q", fs.Arg(0))
	}
	cfg, err := cf.config(fs, nil)
	if err != nil {
		return err
	}
	rb, release, err := openRebuild(cfg, stdout, stderr)
	if err != nil {
		return err
	}
	defer release()
	if healthy, why := storeState(cfg.Storage.Meta); healthy && !*force {
		return fmt.Errorf("the metadata store %s opens fine: nothing to recover (coffre fsck checks it; coffre recover --force rebuilds it anyway from the newest checkpoint, keeping it renamed)", cfg.Storage.Meta)
	} else if why != "" {
		fmt.Fprintf(stdout, "metadata store  %s: %s\n", cfg.Storage.Meta, why)
	}
	sources, warnings := findCheckpoints(cfg)
	for _, w := range warnings {
		fmt.Fprintf(stdout, "warning: %s\n", w)
	}
	if len(sources) == 0 && !*fromHeaders {
		return fmt.Errorf("no checkpoint found in %s of any drive; coffre recover --from-headers rebuilds from the shard headers alone: "+
			"every content comes back in /lost+found-<date>, named by its SHA-256, but users, rights, links and every name are lost "+
			"(a backup made with coffre backup can be put back with coffre restore)", checkpointsDir)
	}
	return rb.run(ctx, sources, *fromHeaders)
}

// rebuild is one run of recover or restore.
type rebuild struct {
	cfg Config
	key []byte
	log *slog.Logger
	out io.Writer
	tty bool
	now time.Time
}

// openRebuild takes the data-directory lock and the master key.
func openRebuild(cfg Config, stdout, stderr io.Writer) (*rebuild, func(), error) {
	if cfg.Log.Level == "info" {
		cfg.Log.Level = "warn" // the command prints what it does
	}
	log := newLogger(stderr, cfg.Log)
	if !fileExists(cfg.DataDir) {
		return nil, nil, fmt.Errorf("data directory %s does not exist", cfg.DataDir)
	}
	lock, err := lockDataDir(cfg.DataDir)
	if err != nil {
		return nil, nil, err
	}
	key, err := masterKey(cfg, false, log)
	if err != nil {
		lock.release()
		return nil, nil, err
	}
	rb := &rebuild{cfg: cfg, key: key, log: log, out: stdout, tty: isTerminal(stdout), now: time.Now().UTC()}
	return rb, func() { lock.release() }, nil
}

// storeState says whether a metadata store exists in dir and opens; why
// describes one that does not.
func storeState(dir string) (healthy bool, why string) {
	if !storeHasData(dir) {
		return false, "missing"
	}
	m, err := meta.Open(dir, meta.Options{})
	if err != nil {
		return false, fmt.Sprintf("unreadable (%v)", err)
	}
	m.Close()
	return true, ""
}

// checkpointRef is a checkpoint or backup found: the folder holding
// manifest.json and meta/.
type checkpointRef struct {
	dir   string
	drive int // the drive it was found on; -1 for one the operator names
	man   manifest
}

// String names it in messages: "checkpoint <time> on drive <folder>", or
// "backup <folder>".
func (c checkpointRef) String() string {
	if c.drive < 0 {
		return "backup " + c.dir
	}
	return fmt.Sprintf("checkpoint %s on drive %s", filepath.Base(c.dir), filepath.Dir(filepath.Dir(c.dir)))
}

// findCheckpoints lists the complete checkpoints of every drive, newest
// first, with warnings for those that cannot be read.
func findCheckpoints(cfg Config) ([]checkpointRef, []string) {
	var refs []checkpointRef
	var warnings []string
	for i, d := range cfg.Storage.Drives {
		base := filepath.Join(d, checkpointsDir)
		names, err := checkpointNames(base)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				warnings = append(warnings, fmt.Sprintf("drive %s: cannot list its checkpoints: %v", d, err))
			}
			continue
		}
		for _, n := range names {
			dir := filepath.Join(base, n)
			m, err := readManifest(dir)
			if err != nil {
				warnings = append(warnings, fmt.Sprintf("checkpoint %s skipped: %v", dir, err))
				continue
			}
			refs = append(refs, checkpointRef{dir: dir, drive: i, man: m})
		}
	}
	slices.SortStableFunc(refs, func(a, b checkpointRef) int { return b.man.Time.Compare(a.man.Time) })
	return refs, warnings
}

// found is a content found in the shard headers.
type found struct {
	hash   blob.Hash
	hd     erasure.Header // a final header of it
	shards int            // final headers of this content ID
	mod    time.Time      // modification time of a shard file: when the write ended
	path   string         // where it is attached, for unattached contents
	err    error          // why it could not be restored or attached
}

// recovery sums up a rebuild.
type recovery struct {
	source       *checkpointRef // nil: from the headers alone
	files        int            // shard files scanned
	unfinished   int            // headers of writes that never finished
	damaged      []string       // shard files whose header cannot be used
	driveErr     error          // a drive that could not be scanned
	contents     int            // contents found on the drives
	known        int            // of which the checkpoint has, readable
	relinked     []*found       // known but their files were gone; headers give them back
	unattached   []*found       // written after the checkpoint
	namespace    engine.Report
	aside        string // where the old store went
	lostAndFound string
}

// run rebuilds the store from the first usable of sources (newest first),
// or from the headers alone when there is none and fromHeaders allows it.
func (r *rebuild) run(ctx context.Context, sources []checkpointRef, fromHeaders bool) error {
	final := r.cfg.Storage.Meta
	work := final + ".recovering"
	if err := os.RemoveAll(work); err != nil {
		return err
	}
	rep := &recovery{}
	if err := r.prepare(work, sources, fromHeaders, rep); err != nil {
		os.RemoveAll(work)
		return err
	}
	err := r.rebuildIn(ctx, work, rep)
	if err != nil {
		os.RemoveAll(work)
		return err
	}
	if rep.aside, err = swapStore(work, final, r.now); err != nil {
		return err
	}
	return r.report(rep)
}

// prepare unseals the first usable checkpoint of sources into work, or
// makes an empty store there.
func (r *rebuild) prepare(work string, sources []checkpointRef, fromHeaders bool, rep *recovery) error {
	broken := 0 // sources that do not authenticate
	for _, src := range sources {
		var warnings []string
		err := src.man.verify(r.key) // before check: a forged manifest does not stop the rebuild
		if err == nil {
			if warnings, err = src.man.check(r.cfg, src.drive); err != nil {
				return fmt.Errorf("%s does not match the configuration: %w", src, err)
			}
			err = r.unseal(src, work)
		}
		if err == nil {
			for _, w := range warnings {
				fmt.Fprintf(r.out, "warning: checkpoint %s: %s\n", src.dir, w)
			}
			rep.source = &src
			fmt.Fprintf(r.out, "checkpoint      %s\n                written %s by coffre %s\n", src.dir, src.man.Time.Format(time.DateTime+" MST"), src.man.Version)
			return nil
		}
		if errors.Is(err, errSealBroken) {
			broken++
			fmt.Fprintf(r.out, "warning: %s is damaged or was sealed with another master key (%v); trying an older one\n", src, err)
		} else {
			fmt.Fprintf(r.out, "warning: %s cannot be used (%v); trying an older one\n", src, err)
		}
		if err := os.RemoveAll(work); err != nil {
			return err
		}
	}
	if broken > 0 && broken == len(sources) && !fromHeaders {
		what := fmt.Sprintf("any of the %d checkpoints found", broken)
		if broken == 1 {
			what = sources[0].String()
		}
		return fmt.Errorf("the master key does not unwrap %s: is it the key this store was written with? (storage.master_key_file or storage.master_key)", what)
	}
	if !fromHeaders {
		return errors.New("no usable checkpoint; coffre recover --from-headers rebuilds from the shard headers alone")
	}
	fmt.Fprintln(r.out, "checkpoint      none: rebuilding from the shard headers alone")
	return probeStore(work) // creates an empty store
}

// unseal unseals the checkpoint src, whose manifest is verified, into work
// and opens it.
func (r *rebuild) unseal(src checkpointRef, work string) error {
	if err := unsealTree(filepath.Join(src.dir, checkpointMeta), work, src.man, r.key); err != nil {
		return err
	}
	return probeStore(work)
}

// probeStore opens and closes the store in dir (creating an empty one).
func probeStore(dir string) error {
	m, err := meta.Open(dir, meta.Options{})
	if err != nil {
		return err
	}
	return m.Close()
}

// rebuildIn completes the store in work from the shard headers.
func (r *rebuild) rebuildIn(ctx context.Context, work string, rep *recovery) error {
	wcfg := r.cfg
	wcfg.Storage.Meta = work
	st, err := openStore(wcfg, r.key, r.log)
	if err != nil {
		return err
	}
	defer st.close()
	byHash, err := r.scan(ctx, st, rep)
	if err != nil {
		return err
	}
	if err := checkKey(st, byHash); err != nil {
		return err
	}
	if err := restoreRecords(ctx, st, byHash, rep); err != nil {
		return err
	}
	eng, err := r.attach(ctx, st, rep)
	if err != nil {
		return err
	}
	if rep.namespace, err = eng.Verify(ctx); err != nil {
		return fmt.Errorf("namespace check did not finish: %w", err)
	}
	return nil
}

// maxListed bounds the damaged headers listed one by one.
const maxListed = 20

// report prints what the rebuild did and returns errProblems when
// something could not be brought back.
func (r *rebuild) report(rep *recovery) error {
	w := r.out
	problems := 0
	fmt.Fprintf(w, "shard headers   %d files: %d contents; %d files of unfinished writes (coffre serve removes them), %d damaged\n", rep.files, rep.contents, rep.unfinished, len(rep.damaged))
	for i, d := range rep.damaged {
		if i == maxListed {
			fmt.Fprintf(w, "  - and %d more damaged headers\n", len(rep.damaged)-i)
			break
		}
		fmt.Fprintf(w, "  - damaged header: %s\n", d)
	}
	if rep.driveErr != nil {
		problems++
		fmt.Fprintf(w, "  - %v\n    contents written since the checkpoint with shards there may be missing: run coffre recover --force once the drive is back\n", rep.driveErr)
	}
	if rep.source != nil {
		fmt.Fprintf(w, "contents        %d in the checkpoint, %d relinked, %d written after it\n", rep.known, len(rep.relinked), len(rep.unattached))
	} else {
		fmt.Fprintf(w, "contents        %d found on the drives\n", len(rep.unattached))
	}
	for _, f := range rep.relinked {
		if f.err != nil {
			problems++
			fmt.Fprintf(w, "  - content %s: its shard files are gone and its headers cannot restore it: %v\n", f.hash, f.err)
		}
	}
	if len(rep.unattached) > 0 {
		fmt.Fprintf(w, "unattached      %d contents whose names are lost, each attached as %s/<sha-256>:\n", len(rep.unattached), rep.lostAndFound)
		for _, f := range rep.unattached {
			fmt.Fprintf(w, "  sha256=%s md5=%s size=%d written=%s", f.hash, hex.EncodeToString(f.hd.MD5[:]), f.hd.Size, f.mod.Format(time.RFC3339))
			if f.err != nil {
				problems++
				fmt.Fprintf(w, " NOT ATTACHED: %v\n", f.err)
			} else {
				fmt.Fprintf(w, " file=%s\n", f.path)
			}
		}
	}
	ns := rep.namespace
	fmt.Fprintf(w, "namespace       %d folders, %d files, %d versions, %d in the trash\n", ns.Folders, ns.Files, ns.Versions, ns.TrashItems)
	for _, p := range ns.Problems {
		problems++
		fmt.Fprintf(w, "  - %s\n", p)
	}
	if rep.source != nil {
		fmt.Fprintln(w, "lost            what changed after the checkpoint in the metadata alone: names, folders, versions, users, rights, links;")
		fmt.Fprintf(w, "                and content smaller than storage.inline_limit (%d bytes), which lives only in the metadata store\n", r.cfg.Storage.InlineLimit)
	} else {
		fmt.Fprintln(w, "lost            every name, folder, user, right and link, and all content smaller than storage.inline_limit")
	}
	if rep.aside != "" {
		fmt.Fprintf(w, "old store       kept as %s\n", rep.aside)
	}
	fmt.Fprintf(w, "metadata store  %s rebuilt; coffre fsck checks every content's shards (it reads everything)\n", r.cfg.Storage.Meta)
	if problems > 0 {
		fmt.Fprintln(w, "problems remain: see above")
		return errProblems
	}
	fmt.Fprintln(w, "ok")
	return nil
}
