package main

import (
	"io/fs"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// evict drops the page-cache pages of every regular file below dir
// (posix_fadvise DONTNEED), so that the next reads of them come from the
// disk. It needs no privilege and touches no other file. Only clean pages
// can be dropped: the files must have been synced, as the raw files and the
// engine's shard files are.
func evict(dir string) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		return unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
	})
}
