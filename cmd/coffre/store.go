package main

import (
	"fmt"
	"log/slog"
	"time"

	"coffre/gateway/rest"
	"coffre/metrics"
	"coffre/storage/blob"
	"coffre/storage/meta"
)

// store is the opened storage stack shared by serve and the offline commands.
type store struct {
	meta   *meta.Store
	blob   *blob.Store
	drives []blob.Drive
}

// openStore opens the metadata store and the drives. A drive folder that
// cannot be opened (removed disk, a file in its place) does not stop the
// start: it is replaced by an offline drive whose every operation fails, so
// that the store serves from the others while a quorum remains, and /ready
// and fsck say which drive is missing.
func openStore(cfg Config, key []byte, log *slog.Logger) (*store, error) {
	if err := refuseLostMeta(cfg); err != nil { // recover.go
		return nil, err
	}
	m, err := meta.Open(cfg.Storage.Meta, meta.Options{Logger: log.With("component", "meta")})
	if err != nil {
		return nil, err
	}
	drives := make([]blob.Drive, len(cfg.Storage.Drives))
	for i, dir := range cfg.Storage.Drives {
		d, err := blob.LocalDrive(dir)
		if err != nil {
			log.Error("drive unusable; continuing without it", "drive", dir, "err", err)
			d = offlineDrive{name: dir, err: err}
		}
		drives[i] = blob.Counted(d) // drive_errors_total
	}
	inline := cfg.Storage.InlineLimit
	if inline == 0 {
		inline = -1 // blob: negative means never inline; zero would mean its default
	}
	b, err := blob.New(m, drives, blob.Options{
		DataShards:   cfg.Storage.DataShards,
		ParityShards: cfg.Storage.ParityShards,
		BlockSize:    cfg.Storage.BlockSize,
		InlineLimit:  inline,
		MasterKey:    key,
		Logger:       log.With("component", "blob"),
	})
	if err != nil {
		m.Close()
		return nil, err
	}
	return &store{meta: m, blob: b, drives: drives}, nil
}

// close stops the content store, then closes the metadata store.
func (s *store) close() error { return s.meta.Close() }

// offlineDrive stands for a drive that could not be opened.
type offlineDrive struct {
	name string
	err  error
}

var _ blob.Drive = offlineDrive{}

func (d offlineDrive) fail() error                          { return fmt.Errorf("drive offline: %w", d.err) }
func (d offlineDrive) Name() string                         { return d.name }
func (d offlineDrive) Create(string) (blob.File, error)     { return nil, d.fail() }
func (d offlineDrive) Open(string) (blob.File, error)       { return nil, d.fail() }
func (d offlineDrive) Remove(string) error                  { return d.fail() }
func (d offlineDrive) SyncDir(string) error                 { return d.fail() }
func (d offlineDrive) Probe() error                         { return d.fail() }
func (d offlineDrive) Usage() (used, free int64, err error) { return 0, 0, d.fail() }
func (d offlineDrive) Walk(func(string, int64, time.Time) error) error {
	return d.fail()
}

// driveReadings are the drives' usage for the metrics, read at scrape time.
func (s *store) driveReadings() []metrics.Drive {
	out := make([]metrics.Drive, len(s.drives))
	for i, d := range s.drives {
		used, free, err := d.Usage()
		out[i] = metrics.Drive{Name: d.Name(), Used: used, Free: free, Err: err}
		if c, ok := d.(*blob.CountedDrive); ok {
			out[i].Errors = c.Errors()
		}
	}
	return out
}

// contentRoom is how many more bytes of content the drives can take (the
// WebDAV quota-available-bytes): every content puts a shard of a k-th of
// its size on each drive, so the fullest drive decides. Drives that do not
// answer are left out; -1 when none answers.
func (s *store) contentRoom(k int) int64 {
	room := int64(-1)
	for _, d := range s.drives {
		if _, free, err := d.Usage(); err == nil && (room < 0 || free*int64(k) < room) {
			room = free * int64(k)
		}
	}
	return room
}

// driveStats are the drives' usage for the admin API's storage statistics.
func (s *store) driveStats() []rest.DriveStat {
	ds := s.driveReadings()
	out := make([]rest.DriveStat, len(ds))
	for i, d := range ds {
		out[i] = rest.DriveStat{Name: d.Name, Used: d.Used, Free: d.Free, Err: d.Err}
	}
	return out
}
