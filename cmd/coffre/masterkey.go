package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
)

// masterKey returns the 32-byte master key: storage.master_key when set,
// otherwise the key file. The file holds 32 raw bytes (as generated) or 64
// hex digits / base64 text (as an operator may write it).
//
// When create is true and the file does not exist, a new key is generated
// with crypto/rand and written with mode 0600 — unless the metadata store
// already holds data, since a new key could not read it: that is an error
// asking for the lost key instead.
func masterKey(cfg Config, create bool, log *slog.Logger) ([]byte, error) {
	s := cfg.Storage
	if s.MasterKey != "" {
		return parseMasterKey(s.MasterKey)
	}
	b, err := os.ReadFile(s.MasterKeyFile)
	switch {
	case err == nil:
		if fi, err := os.Stat(s.MasterKeyFile); err == nil && fi.Mode().Perm()&0o077 != 0 {
			log.Warn("master key file is readable by other users; chmod 600 it", "file", s.MasterKeyFile, "mode", fi.Mode().Perm().String())
		}
		if len(b) == 32 {
			return b, nil
		}
		k, err := parseMasterKey(string(b))
		if err != nil {
			return nil, fmt.Errorf("master key file %s: %v", s.MasterKeyFile, err)
		}
		return k, nil
	case !errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("master key: %w", err)
	case !create:
		return nil, fmt.Errorf("master key file %s does not exist (has coffre serve ever run on this data directory?)", s.MasterKeyFile)
	case storeHasData(s.Meta):
		return nil, fmt.Errorf("master key file %s is missing but the metadata store %s already holds data: "+
			"restore the key file (or set storage.master_key); a new key could not read the stored content", s.MasterKeyFile, s.Meta)
	}

	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := writeKeyFile(s.MasterKeyFile, key); err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	log.Info("generated a new master key; back it up; without it the stored content cannot be read", "file", s.MasterKeyFile)
	return key, nil
}

// writeKeyFile creates path (never overwriting) with mode 0600 and syncs it
// and its folder.
func writeKeyFile(path string, key []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(key)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return err
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// storeHasData reports whether a Pebble store exists in dir.
func storeHasData(dir string) bool {
	matches, _ := filepath.Glob(filepath.Join(dir, "MANIFEST-*"))
	return len(matches) > 0 || fileExists(filepath.Join(dir, "CURRENT"))
}
