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
	"time"

	"coffre/storage/blob"
	"coffre/storage/meta"
)

// Metadata checkpoints. While coffre serve runs, a consistent copy of the
// metadata store (a Pebble checkpoint) is written to every drive folder, so
// that losing the disk of the metadata store loses at most what changed
// since the last checkpoint; coffre recover rebuilds the store from the
// newest checkpoint and gets back the contents written since from the shard
// headers (see recover.go).
//
// Layout on each drive:
//
//	<drive>/.coffre-checkpoints/<time>/manifest.json   see manifest
//	<drive>/.coffre-checkpoints/<time>/meta/           the Pebble checkpoint
//
// <time> is the UTC time of the pass (checkpointTimeFormat), so names sort
// in time order. A checkpoint is written under .tmp-<time>, synced, then
// renamed: a folder without the prefix is complete. The newest
// checkpointKeep per drive are kept. A backup (coffre backup) is the same
// pair, manifest.json and meta/, in a folder of the operator's choice.
//
// A checkpoint holds what the metadata store holds: the tree with its names,
// the users (password hashes), rights, links and the audit log in clear, and
// the wrapped data keys, inline content and S3 secrets encrypted under the
// master key. The master key itself is never written there: recovery takes it
// from the configuration, as serve does.
const (
	checkpointsDir       = ".coffre-checkpoints"
	checkpointKeep       = 2
	checkpointTmp        = ".tmp-"
	checkpointMeta       = "meta"
	manifestFile         = "manifest.json"
	manifestFormat       = 1
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

// writeCheckpoint writes a checkpoint of m with its manifest to dest, which
// must not exist: under a temporary name beside it, synced, then renamed, so
// that dest appears complete or not at all.
func writeCheckpoint(m *meta.Store, dest string, man manifest) error {
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
	err := m.Checkpoint(filepath.Join(tmp, checkpointMeta))
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
// and temporary folders that a crash left.
func rotateCheckpoints(dir string, keep int) error {
	names, err := checkpointNames(dir)
	if err != nil {
		return err
	}
	var errs []error
	for _, n := range names[min(keep, len(names)):] {
		errs = append(errs, os.RemoveAll(filepath.Join(dir, n)))
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
	log    *slog.Logger
	now    func() time.Time

	passed  bool
	last    time.Time // of the last pass
	commits int64     // meta.Commits() at the last pass
}

func newCheckpointer(cfg Config, st *store, log *slog.Logger) *checkpointer {
	return &checkpointer{meta: st.meta, drives: st.drives, cfg: cfg, log: log, now: time.Now}
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

// pass writes a checkpoint to every drive that answers, keeps the newest
// checkpointKeep on each, and logs one line. It returns how many drives got
// the checkpoint. Once ctx ends (shutdown), it writes to no further drive.
func (c *checkpointer) pass(ctx context.Context) int {
	start := c.now().UTC()
	commits := c.meta.Commits() // changes made during the pass count for the next
	name := start.Format(checkpointTimeFormat)
	written, skipped := 0, 0
	var errs []error
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
		if err := writeCheckpoint(c.meta, filepath.Join(base, name), newManifest(c.cfg, i, start)); err != nil {
			errs = append(errs, fmt.Errorf("drive %s: %w", dir, err))
			continue
		}
		written++
		if err := rotateCheckpoints(base, checkpointKeep); err != nil {
			c.log.Warn("checkpoint: removing old checkpoints", "drive", dir, "err", err)
		}
	}
	attrs := []any{"name", name, "drives", written, "skipped", skipped, "changes", commits - c.commits, "took", c.now().Sub(start).Round(time.Millisecond)}
	c.passed, c.last, c.commits = true, start, commits
	if len(errs) > 0 || written == 0 {
		c.log.Error("metadata checkpoint incomplete", append(attrs, "err", errors.Join(errs...))...)
	} else {
		c.log.Info("metadata checkpoint written", attrs...)
	}
	return written
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
