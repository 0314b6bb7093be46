package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The files side of recover and restore: swapping the rebuilt store in,
// copies, the guard against an empty store over full drives, progress.

// swapStore puts the rebuilt store work in place of dst, renaming an
// existing dst aside. An empty dst that cannot be replaced (a mount point)
// is filled with a copy instead.
func swapStore(work, dst string, now time.Time) (aside string, err error) {
	if fileExists(dst) && !emptyDir(dst) {
		aside = dst + ".old-" + now.Format("20060102T150405Z")
		if err := os.Rename(dst, aside); err != nil {
			return "", fmt.Errorf("cannot move the old metadata store aside (%w); the rebuilt store is in %s: put it in place of %s by hand", err, work, dst)
		}
	}
	if err := os.Rename(work, dst); err != nil {
		if !emptyDir(dst) {
			return aside, fmt.Errorf("cannot put the rebuilt store in place (%w); it is in %s: move it to %s by hand", err, work, dst)
		}
		if err := copyTree(work, dst); err != nil {
			return aside, fmt.Errorf("cannot copy the rebuilt store into %s (%w); it is in %s", dst, err, work)
		}
		os.RemoveAll(work)
	}
	return aside, syncDir(filepath.Dir(dst))
}

func emptyDir(dir string) bool {
	entries, err := os.ReadDir(dir)
	return err == nil && len(entries) == 0
}

// copyTree copies the folder src into dst (created if needed), syncing
// every file and folder.
func copyTree(src, dst string) error {
	var dirs []string
	err := filepath.WalkDir(src, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case e.IsDir():
			dirs = append(dirs, target)
			return os.MkdirAll(target, 0o700)
		case e.Type().IsRegular():
			return copyFile(p, target)
		}
		return fmt.Errorf("%s: not a regular file", p)
	})
	if err != nil {
		return err
	}
	for _, d := range dirs {
		if err := syncDir(d); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if err == nil {
		err = out.Sync()
	}
	return errors.Join(err, out.Close())
}

// refuseLostMeta stops every command from opening (and so creating) an
// empty metadata store over drives that hold data: serve's start would take
// every shard file for the leftover of a crashed write and delete it.
func refuseLostMeta(cfg Config) error {
	if storeHasData(cfg.Storage.Meta) {
		return nil
	}
	for _, d := range cfg.Storage.Drives {
		if driveHoldsData(d) {
			return fmt.Errorf("the metadata store %s is missing or empty, but drive %s holds data: "+
				"run coffre recover to rebuild the store from the checkpoints and shard headers on the drives (see coffre help recover)", cfg.Storage.Meta, d)
		}
	}
	return nil
}

// driveHoldsData says whether the drive folder holds a checkpoint or a
// shard file (blobs/, see storage/blob's doc.go).
func driveHoldsData(dir string) bool {
	if names, _ := checkpointNames(filepath.Join(dir, checkpointsDir)); len(names) > 0 {
		return true
	}
	found := false
	filepath.WalkDir(filepath.Join(dir, "blobs"), func(_ string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			found = true
			return fs.SkipAll
		}
		return nil
	})
	return found
}

// ticker shows a progress line rewritten in place on a terminal (at most 10
// times a second); elsewhere, a line every 5 seconds.
type ticker struct {
	w    io.Writer
	tty  bool
	last time.Time
	any  bool
}

func newTicker(w io.Writer, tty bool) *ticker { return &ticker{w: w, tty: tty, last: time.Now()} }

func (t *ticker) show(format string, args ...any) {
	now := time.Now()
	switch {
	case t.tty && now.Sub(t.last) >= 100*time.Millisecond:
		line := fmt.Sprintf(format, args...)
		fmt.Fprintf(t.w, "\r%s%s", line, strings.Repeat(" ", max(0, 50-len(line))))
	case !t.tty && now.Sub(t.last) >= 5*time.Second:
		fmt.Fprintf(t.w, format+"\n", args...)
	default:
		return
	}
	t.last, t.any = now, true
}

// done ends the in-place line on a terminal.
func (t *ticker) done() {
	if t.tty && t.any {
		fmt.Fprint(t.w, "\r"+strings.Repeat(" ", 50)+"\r")
	}
}

const recoveryUsage = `Metadata recovery: the metadata store (names, folders, versions, users,
rights, links) lives in storage.meta; contents live on the drives.

While coffre serve runs, it writes a checkpoint of the metadata store to
every drive (<drive>/.coffre-checkpoints/, the newest 2 kept), at start and
then per [recovery] checkpoint_interval and checkpoint_changes. Checkpoints
and backups are sealed: encrypted under a key derived from the master key,
so a drive or a backup alone reveals no name, user or right.

  coffre recover [--config FILE] [--data DIR] [--force] [--from-headers]
      Server stopped. Rebuilds a missing or unreadable metadata store from
      the newest checkpoint found on the drives (one that is damaged or
      sealed with another master key is skipped for an older one), then
      scans the shard headers for contents written after it: their names
      are lost, so each comes back as /lost+found-<date>/<sha-256>, owned by
      the administrator, and is listed (SHA-256, MD5, size, time written).
      Content smaller than storage.inline_limit lives only in the metadata
      store: what of it was written after the checkpoint is lost. The old
      store, if any, is kept renamed <meta>.old-<time>.
      --force         rebuild although the store opens fine
      --from-headers  with no usable checkpoint, rebuild from the shard
                      headers alone (users, rights and all names are lost)

  coffre backup DEST [--config FILE] [--data DIR]
      Writes a backup of the metadata store to the new folder DEST: asks the
      running server through its control socket (<data>/coffre.sock, mode
      0600), or, with the server stopped, writes it itself. The backup is
      sealed like the checkpoints: restoring it needs the master key.

  coffre restore SRC [--config FILE] [--data DIR]
      Server stopped. Puts the backup SRC back (the current store is kept,
      renamed), then brings back the contents written since as recover does.

Neither backups nor checkpoints hold the master key: back up the key file
(storage.master_key_file) apart; without it nothing stored can be read,
restored or recovered.
`
