package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"coffre/metrics"
	"coffre/storage/blob"
	"coffre/storage/engine"
)

// ScrubConfig paces the scrubber: see the [scrub] section of
// config.example.toml.
type ScrubConfig struct {
	Interval        time.Duration `toml:"interval"`
	Rate            int64         `toml:"rate"`             // bytes per second; 0: no scrubber
	CollectInterval time.Duration `toml:"collect_interval"` // the collector of unreferenced shard files
}

func (c ScrubConfig) validate(bad func(string, ...any)) {
	if c.Interval <= 0 {
		bad("scrub.interval must be positive, such as \"24h\"")
	}
	if c.CollectInterval <= 0 {
		bad("scrub.collect_interval must be positive, such as \"24h\"")
	}
	if c.Rate < 0 {
		bad("scrub.rate %d: bytes per second, or 0 to turn the scrubber off", c.Rate)
	}
}

// care is the background care of the content store that serve runs beside
// its servers, and what it knows about it for /metrics and coffre status.
type care struct {
	st       *store
	scrubber *blob.Scrubber // nil when scrub.rate is 0
	log      *slog.Logger
	started  time.Time

	mu         sync.Mutex
	maintained time.Time     // end of the last engine maintenance pass
	maintTook  time.Duration // and how long it took
}

func newCare(cfg Config, st *store, log *slog.Logger) *care {
	c := &care{st: st, log: log, started: time.Now()}
	if cfg.Scrub.Rate > 0 {
		c.scrubber = blob.NewScrubber(st.blob, blob.ScrubberOptions{
			Interval: cfg.Scrub.Interval,
			Rate:     cfg.Scrub.Rate,
			Logger:   log.With("component", "scrubber"),
		})
	}
	return c
}

// scrub is the scrubber's loop; with the scrubber off it only says so.
func (c *care) scrub(ctx context.Context) error {
	if c.scrubber == nil {
		c.log.Info("scrubber off (scrub.rate = 0)")
		return nil
	}
	return c.scrubber.Run(ctx)
}

// maintain returns one pass of the engine's maintenance, noting when it
// ran for coffre status.
func (c *care) maintain(eng *engine.Engine) passFunc {
	return func(ctx context.Context) (int, []any, error) {
		start := time.Now()
		m, err := eng.Maintain(ctx)
		c.mu.Lock()
		c.maintained, c.maintTook = time.Now(), time.Since(start)
		c.mu.Unlock()
		return m.Total(), []any{"trash_purged", m.TrashPurged, "files_aged_out", m.FilesAgedOut,
			"locks_expired", m.LocksExpired, "uploads_expired", m.UploadsExpired}, err
	}
}

// collect returns one pass of the collector of shard files that no content
// references: those of writes a crash cut short (its first pass, at start,
// finds them) or whose removal failed.
func collect(st *store) passFunc {
	return func(ctx context.Context) (int, []any, error) {
		files, bytes, err := st.blob.Collect(ctx)
		return files, []any{"bytes", bytes}, err
	}
}

// lastMaintenance returns when the engine's maintenance last ended (zero:
// not yet) and how long it took.
func (c *care) lastMaintenance() (time.Time, time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.maintained, c.maintTook
}

// namespaceReading reads the engine's tables for /metrics.
func namespaceReading(ctx context.Context, eng *engine.Engine) func() (metrics.Namespace, error) {
	return func() (metrics.Namespace, error) {
		g, err := eng.Gauges(ctx)
		return metrics.Namespace{LocksHeld: g.LocksHeld, Uploads: g.Uploads, TrashItems: g.TrashItems, TrashBytes: g.TrashBytes}, err
	}
}

// reading is the care's figures for /metrics.
func (c *care) reading() metrics.Care {
	counts := c.st.blob.Counts()
	r := metrics.Care{ChecksumFailures: counts.ChecksumFailures, ShardsHealed: counts.ShardsHealed, HealQueue: c.st.blob.HealQueue()}
	if c.scrubber != nil {
		r.ScrubContents, r.ScrubBytes = c.scrubber.Counts()
		if last := c.scrubber.Status().Last; last != nil {
			r.LastScrubEnd, r.LastScrubDuration = last.Finished, last.Finished.Sub(last.Started)
		}
	}
	return r
}
