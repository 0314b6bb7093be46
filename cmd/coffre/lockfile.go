package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// lockName is the lock file in the data directory. coffre serve holds an
// exclusive flock on it for its whole life; offline commands take the same
// lock, so they refuse to run beside a server (and beside each other).
const lockName = "coffre.lock"

// errLocked says another process holds the data directory.
var errLocked = errors.New("data directory is in use")

// dataLock is a held lock on a data directory.
type dataLock struct{ f *os.File }

// lockDataDir takes the lock of dir, creating dir if needed. It fails at once
// with an error wrapping errLocked when another process holds it, naming that
// process when it can.
func lockDataDir(dir string) (*dataLock, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, lockName)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			holder := "another coffre process"
			if b, rerr := os.ReadFile(path); rerr == nil {
				if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); perr == nil {
					holder = fmt.Sprintf("another coffre process (pid %d)", pid)
				}
			}
			return nil, fmt.Errorf("%w: %s holds %s; stop coffre serve before running this command", errLocked, holder, path)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err == nil {
		fmt.Fprintf(f, "%d\n", os.Getpid())
		f.Sync()
	}
	return &dataLock{f: f}, nil
}

// release drops the lock. The file stays; its content is only informative.
func (l *dataLock) release() error {
	if err := syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN); err != nil {
		l.f.Close()
		return err
	}
	return l.f.Close()
}
