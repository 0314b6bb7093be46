package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"coffre/storage/blob"
	"coffre/storage/meta"
)

// Metadata checkpoints. While coffre serve runs, a consistent copy of the
// metadata store (a Pebble checkpoint) is written sealed to every drive
// folder, so that losing the disk of the metadata store loses at most what
// changed since the last checkpoint; coffre recover rebuilds the store from
// the newest checkpoint and gets back the contents written since from the
// shard headers (see recover.go).
//
// Layout on each drive:
//
//	<drive>/.coffre-checkpoints/<time>/manifest.json   see manifest
//	<drive>/.coffre-checkpoints/<time>/meta/           the Pebble checkpoint's files, sealed
//
// <time> is the UTC time of the pass (checkpointTimeFormat), so names sort
// in time order. A pass makes one Pebble checkpoint in a staging folder
// beside the metadata store (<meta>.checkpoint, never on a drive), then
// seals it into each drive: under .tmp-<time>, synced, then renamed, so a
// folder without the prefix is complete. The newest checkpointKeep per drive
// are kept. A backup (coffre backup) is the same pair, manifest.json and
// meta/, sealed the same way, in a folder of the operator's choice.
//
// The metadata store holds the tree with its names, the users (password
// hashes), rights, links and the audit log in clear: every file of a
// checkpoint is therefore encrypted under a key derived from the master key,
// and the manifest, readable, carries a MAC (seal.go). The master key itself
// is never written there: recovery takes it from the configuration, as serve
// does.
const (
	checkpointsDir       = ".coffre-checkpoints"
	checkpointKeep       = 2
	checkpointTmp        = ".tmp-"
	checkpointMeta       = "meta"
	manifestFile         = "manifest.json"
	manifestFormat       = 2 // 1: checkpoints in clear, never shipped
	checkpointStage      = ".checkpoint"
	checkpointTimeFormat = "20060102T150405.000000000Z"
)

// RecoveryConfig is the [recovery] section: when serve writes checkpoints.
type RecoveryConfig struct {
	// CheckpointInterval is the longest time between two checkpoints while
	// the metadata changes; 0 turns checkpoints off.
	CheckpointInterval time.Duration `toml:"checkpoint_interval"`
	// CheckpointChanges makes a checkpoint due after this many metadata
	// changes (committed batches) since the last; 0: by time only.
	CheckpointChanges int64 `toml:"checkpoint_changes"`
}

// validate adds the section's problems through bad.
func (r RecoveryConfig) validate(bad func(format string, args ...any)) {
	if r.CheckpointInterval < 0 {
		bad("recovery.checkpoint_interval must be positive, such as \"1h\", or \"0s\" to write no checkpoints")
	}
	if r.CheckpointChanges < 0 {
		bad("recovery.checkpoint_changes %d: a number of changes, or 0 for checkpoints by time only", r.CheckpointChanges)
	}
}

// manifest describes a checkpoint or a backup: when and by what it was
// written, and the drive layout it belongs to, so that recovery can refuse
// one that does not match the configuration.
type manifest struct {
	Format       int       `json:"format"`
	Time         time.Time `json:"time"`
	Version      string    `json:"version"`
	DataShards   int       `json:"data_shards"`
	ParityShards int       `json:"parity_shards"`
	BlockSize    int       `json:"block_size"`
	InlineLimit  int       `json:"inline_limit"`
	Drives       []string  `json:"drives"`
	// Drive is the index of the drive the checkpoint was written to, -1 for
	// a backup.
	Drive int `json:"drive"`
	// MasterKey says where the key was taken from (never the key itself).
	MasterKey string `json:"master_key"`
	// ID, Files and MAC seal the checkpoint (seal.go).
	ID    string       `json:"id"`
	Files []sealedFile `json:"files"`
	MAC   string       `json:"mac"`
}

func newManifest(cfg Config, drive int, now time.Time) manifest {
	s := cfg.Storage
	key := s.MasterKeyFile
	if s.MasterKey != "" {
		key = "storage.master_key in the configuration"
	}
	return manifest{
		Format: manifestFormat, Time: now.UTC(), Version: version,
		DataShards: s.DataShards, ParityShards: s.ParityShards, BlockSize: s.BlockSize, InlineLimit: s.InlineLimit,
		Drives: s.Drives, Drive: drive, MasterKey: key,
	}
}

// check compares the manifest with the configuration. drive is the index of
// the drive the checkpoint was found on, -1 when the operator named it. A
// different shard layout or drive order is an error: content could not be
// read back. Other differences are returned as warnings.
func (m manifest) check(cfg Config, drive int) (warnings []string, err error) {
	s := cfg.Storage
	switch {
	case m.Format != manifestFormat:
		return nil, fmt.Errorf("checkpoint format %d, this coffre reads format %d (written by coffre %s)", m.Format, manifestFormat, m.Version)
	case m.DataShards != s.DataShards || m.ParityShards != s.ParityShards:
		return nil, fmt.Errorf("checkpoint of a %d+%d store, the configuration says data_shards = %d, parity_shards = %d", m.DataShards, m.ParityShards, s.DataShards, s.ParityShards)
	case len(m.Drives) != len(s.Drives):
		return nil, fmt.Errorf("checkpoint of %d drives, the configuration lists %d", len(m.Drives), len(s.Drives))
	case drive >= 0 && m.Drive != drive:
		return nil, fmt.Errorf("checkpoint found on drive %d (%s) was written to drive %d (%s): the order of storage.drives changed, and shard i must stay on drive i",
			drive, s.Drives[drive], m.Drive, m.Drives[max(m.Drive, 0)])
	}
	if m.BlockSize != s.BlockSize {
		warnings = append(warnings, fmt.Sprintf("block size was %d, now %d (stored content keeps its own)", m.BlockSize, s.BlockSize))
	}
	for i, d := range m.Drives {
		if d != s.Drives[i] {
			warnings = append(warnings, fmt.Sprintf("drive %d was %s, now %s", i, d, s.Drives[i]))
		}
	}
	return warnings, nil
}

func readManifest(dir string) (manifest, error) {
	var m manifest
	b, err := os.ReadFile(filepath.Join(dir, manifestFile))
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("%s: %w", filepath.Join(dir, manifestFile), err)
	}
	if m.Time.IsZero() || len(m.Drives) == 0 {
		return m, fmt.Errorf("%s: incomplete manifest", filepath.Join(dir, manifestFile))
	}
	return m, nil
}

// stageMu serialises the use of the staging folder: a pass and a backup
// asked through the control socket may run at once.
var stageMu sync.Mutex

// stageCheckpoint makes a Pebble checkpoint of m in the staging folder
// beside the metadata store, never on a drive: the files there are in clear.
// It returns the checkpoint's folder and release, which removes it; until
// then no other checkpoint is staged.
func stageCheckpoint(m *meta.Store, cfg Config) (dir string, release func(), err error) {
	stage := cfg.Storage.Meta + checkpointStage
	for _, d := range cfg.Storage.Drives {
		if within(stage, d) || within(d, stage) {
			return "", nil, fmt.Errorf("the staging folder of checkpoints %s overlaps drive %s: move storage.meta", stage, d)
		}
	}
	stageMu.Lock()
	release = func() {
		os.RemoveAll(stage)
		stageMu.Unlock()
	}
	err = os.RemoveAll(stage) // left by a crash
	if err == nil {
		err = os.Mkdir(stage, 0o700)
	}
	if err == nil {
		dir = filepath.Join(stage, checkpointMeta)
		err = m.Checkpoint(dir)
	}
	if err != nil {
		release()
		return "", nil, fmt.Errorf("staging the checkpoint in %s: %w", stage, err)
	}
	return dir, release, nil
}

// writeSealed seals the staged checkpoint src under master into dest, which
// must not exist, with its manifest: under a temporary name beside it,
// synced, then renamed, so that dest appears complete or not at all.
func writeSealed(src, dest string, man manifest, master []byte) error {
	if fileExists(dest) {
		return fmt.Errorf("%s: %w", dest, os.ErrExist)
	}
	parent := filepath.Dir(dest)
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return err
	}
	tmp := filepath.Join(parent, checkpointTmp+filepath.Base(dest))
	if err := os.RemoveAll(tmp); err != nil { // left by a crash
		return err
	}
	err := os.Mkdir(tmp, 0o700)
	if err == nil {
		err = sealTree(src, filepath.Join(tmp, checkpointMeta), &man, master)
	}
	if err == nil {
		err = writeManifest(tmp, man)
	}
	if err == nil {
		err = syncDir(tmp)
	}
	if err == nil {
		err = os.Rename(tmp, dest)
	}
	if err != nil {
		os.RemoveAll(tmp)
		return err
	}
	return syncDir(parent)
}

// writeBackup writes a sealed backup of m to dest (coffre backup).
func writeBackup(m *meta.Store, cfg Config, master []byte, dest string) error {
	src, release, err := stageCheckpoint(m, cfg)
	if err != nil {
		return err
	}
	defer release()
	return writeSealed(src, dest, newManifest(cfg, -1, time.Now()), master)
}

func writeManifest(dir string, man manifest) error {
	b, err := json.MarshalIndent(man, "", "  ")
	if err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(dir, manifestFile), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(append(b, '\n'))
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	return errors.Join(d.Sync(), d.Close())
}

// checkpointNames lists the complete checkpoints in dir, newest first.
func checkpointNames(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if _, err := time.Parse(checkpointTimeFormat, e.Name()); err == nil && e.IsDir() {
			names = append(names, e.Name())
		}
	}
	slices.Sort(names)
	slices.Reverse(names)
	return names, nil
}

// rotateCheckpoints removes from dir every checkpoint but the newest keep,
// those an earlier coffre wrote in clear, and temporary folders that a crash
// left.
func rotateCheckpoints(dir string, keep int) error {
	names, err := checkpointNames(dir)
	if err != nil {
		return err
	}
	var errs []error
	kept := 0
	for _, n := range names {
		if m, err := readManifest(filepath.Join(dir, n)); err == nil && m.Format < manifestFormat || kept == keep {
			errs = append(errs, os.RemoveAll(filepath.Join(dir, n)))
		} else {
			kept++
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), checkpointTmp) {
			errs = append(errs, os.RemoveAll(filepath.Join(dir, e.Name())))
		}
	}
	return errors.Join(errs...)
}

// checkpointer writes the checkpoints of a running server. Its pass and due
// are called from one goroutine (run).
type checkpointer struct {
	meta   *meta.Store
	drives []blob.Drive // for Probe: an offline drive is skipped
	cfg    Config
	key    []byte // the master key, to seal
	log    *slog.Logger
	now    func() time.Time

	passed  bool
	last    time.Time // of the last pass
	commits int64     // meta.Commits() at the last pass

	// observe, when set, counts each pass: the drives written, how long
	// it took, whether it failed (metrics.Metrics.Pass).
	observe func(written int, took time.Duration, failed bool)
}

func newCheckpointer(cfg Config, st *store, key []byte, log *slog.Logger) *checkpointer {
	return &checkpointer{meta: st.meta, drives: st.drives, cfg: cfg, key: key, log: log, now: time.Now}
}

// due says whether a checkpoint is to be written now: at start, then once
// the metadata changed and either the interval has passed since the last
// pass or checkpoint_changes changes were made.
func (c *checkpointer) due(now time.Time) bool {
	if !c.passed {
		return true
	}
	changes := c.meta.Commits() - c.commits
	r := c.cfg.Recovery
	return changes > 0 && (now.Sub(c.last) >= r.CheckpointInterval || r.CheckpointChanges > 0 && changes >= r.CheckpointChanges)
}

// pass stages a checkpoint and seals it into every drive that answers,
// keeps the newest checkpointKeep on each, and logs one line. It returns how
// many drives got the checkpoint. Once ctx ends (shutdown), it writes to no
// further drive.
func (c *checkpointer) pass(ctx context.Context) int {
	start := c.now().UTC()
	commits := c.meta.Commits() // changes made during the pass count for the next
	name := start.Format(checkpointTimeFormat)
	written, skipped := 0, 0
	var errs []error
	if src, release, err := stageCheckpoint(c.meta, c.cfg); err != nil {
		errs = append(errs, err)
	} else {
		written, skipped, errs = c.sealAll(ctx, src, name, start)
		release()
	}
	took := c.now().Sub(start)
	attrs := []any{"name", name, "drives", written, "skipped", skipped, "changes", commits - c.commits, "took", took.Round(time.Millisecond)}
	c.passed, c.last, c.commits = true, start, commits
	failed := len(errs) > 0 || written == 0
	switch {
	case failed && ctx.Err() != nil: // a shutdown, not a failure: the next start writes one
		c.log.Info("metadata checkpoint stopped", append(attrs, "reason", "shutdown")...)
		return written
	case failed:
		c.log.Error("metadata checkpoint incomplete", append(attrs, "err", errors.Join(errs...))...)
	default:
		c.log.Info("metadata checkpoint written", attrs...)
	}
	if c.observe != nil {
		c.observe(written, took, failed)
	}
	return written
}

// sealAll seals the staged checkpoint src as name into every drive that
// answers and rotates the checkpoints there.
func (c *checkpointer) sealAll(ctx context.Context, src, name string, start time.Time) (written, skipped int, errs []error) {
	for i, dir := range c.cfg.Storage.Drives {
		if ctx.Err() != nil {
			errs = append(errs, fmt.Errorf("stopped before drive %s: %w", dir, ctx.Err()))
			break
		}
		if err := c.drives[i].Probe(); err != nil {
			c.log.Warn("checkpoint: drive offline, skipped", "drive", dir, "err", err)
			skipped++
			continue
		}
		base := filepath.Join(dir, checkpointsDir)
		if err := writeSealed(src, filepath.Join(base, name), newManifest(c.cfg, i, start), c.key); err != nil {
			errs = append(errs, fmt.Errorf("drive %s: %w", dir, err))
			continue
		}
		written++
		if err := rotateCheckpoints(base, checkpointKeep); err != nil {
			c.log.Warn("checkpoint: removing old checkpoints", "drive", dir, "err", err)
		}
	}
	return written, skipped, errs
}

// checkpointPoll is the longest pause between two looks at the change count.
const checkpointPoll = 10 * time.Second

// run writes checkpoints until ctx ends: at start, then whenever due.
func (c *checkpointer) run(ctx context.Context) error {
	interval := c.cfg.Recovery.CheckpointInterval
	if interval == 0 {
		c.log.Warn("metadata checkpoints are off (recovery.checkpoint_interval = 0): losing the metadata store's disk would lose every name, user and right")
		return nil
	}
	t := time.NewTicker(min(interval, checkpointPoll))
	defer t.Stop()
	for {
		if c.due(c.now()) {
			c.pass(ctx)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
