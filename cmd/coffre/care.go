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
	Interval time.Duration `toml:"interval"`
	Rate     int64         `toml:"rate"` // bytes per second; 0: no scrubber
}

func (c ScrubConfig) validate(bad func(string, ...any)) {
	if c.Interval <= 0 {
		bad("scrub.interval must be positive, such as \"24h\"")
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

// maintain returns one pass of the engine's maintenance for every, noting
// when it ran.
func (c *care) maintain(eng *engine.Engine) func(context.Context) (int, error) {
	return func(ctx context.Context) (int, error) {
		start := time.Now()
		eng.Maintain(ctx)
		c.mu.Lock()
		c.maintained, c.maintTook = time.Now(), time.Since(start)
		c.mu.Unlock()
		return 0, nil // Maintain logs what it did
	}
}

// lastMaintenance returns when the engine's maintenance last ended (zero:
// not yet) and how long it took.
func (c *care) lastMaintenance() (time.Time, time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.maintained, c.maintTook
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
