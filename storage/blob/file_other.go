//go:build !linux

package blob

import "os"

func preallocate(*os.File, int64) error { return nil }

func startWriteback(*os.File, int64, int64) {}

func datasync(f *os.File) error { return f.Sync() }

func dropCache(*os.File, int64, int64) {}
