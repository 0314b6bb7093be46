package blob

import (
	"errors"
	"io"
	"sync/atomic"
	"time"
)

// CountedDrive is a Drive that counts the errors its operations and its
// files' reads, writes and syncs return: the errors of that drive an
// operator watches (/metrics drive_errors_total). A short read at the end
// of a file (io.EOF) is no error; a file missing on Open is one (the shard
// is lost on that drive).
type CountedDrive struct {
	Drive
	errs atomic.Int64
}

// Counted wraps d.
func Counted(d Drive) *CountedDrive { return &CountedDrive{Drive: d} }

// Errors is the number of errors counted since the wrapping.
func (d *CountedDrive) Errors() int64 { return d.errs.Load() }

func (d *CountedDrive) count(err error) error {
	if err != nil && !errors.Is(err, io.EOF) {
		d.errs.Add(1)
	}
	return err
}

func (d *CountedDrive) Create(name string) (File, error) { return d.file(d.Drive.Create(name)) }
func (d *CountedDrive) Open(name string) (File, error)   { return d.file(d.Drive.Open(name)) }
func (d *CountedDrive) Remove(name string) error         { return d.count(d.Drive.Remove(name)) }
func (d *CountedDrive) SyncDir(name string) error        { return d.count(d.Drive.SyncDir(name)) }
func (d *CountedDrive) Probe() error                     { return d.count(d.Drive.Probe()) }

// Walk counts the drive's errors, not those fn returns (a canceled scan).
func (d *CountedDrive) Walk(fn func(name string, size int64, mod time.Time) error) error {
	var fnErr error
	err := d.Drive.Walk(func(name string, size int64, mod time.Time) error {
		fnErr = fn(name, size, mod)
		return fnErr
	})
	if err != nil && (fnErr == nil || !errors.Is(err, fnErr)) {
		d.errs.Add(1)
	}
	return err
}

func (d *CountedDrive) file(f File, err error) (File, error) {
	if d.count(err) != nil {
		return nil, err
	}
	return countedFile{f, d}, nil
}

type countedFile struct {
	File
	d *CountedDrive
}

func (f countedFile) ReadAt(p []byte, off int64) (int, error) {
	n, err := f.File.ReadAt(p, off)
	return n, f.d.count(err)
}

func (f countedFile) WriteAt(p []byte, off int64) (int, error) {
	n, err := f.File.WriteAt(p, off)
	return n, f.d.count(err)
}

func (f countedFile) Write(p []byte) (int, error) {
	n, err := f.File.Write(p)
	return n, f.d.count(err)
}

func (f countedFile) Sync() error  { return f.d.count(f.File.Sync()) }
func (f countedFile) Close() error { return f.d.count(f.File.Close()) }
