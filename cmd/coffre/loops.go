package main

import (
	"context"
	"log/slog"
	"time"

	"coffre/metrics"
)

// loop is a background task that runs until its context ends.
type loop struct {
	name string
	run  func(context.Context) error
}

// passFunc is one pass of a periodic loop: how many items it handled and,
// for its log line, what they were.
type passFunc func(context.Context) (n int, attrs []any, err error)

// counted makes a passFunc of a pass that reports only a count.
func counted(pass func(context.Context) (int, error)) passFunc {
	return func(ctx context.Context) (int, []any, error) {
		n, err := pass(ctx)
		return n, nil, err
	}
}

// every makes the loop name that runs pass at start and then every interval
// until its context ends. Each pass logs one line (the loop's name, the
// items, how long it took; at error level when it failed, at info when a
// shutdown cut it short) and is counted in m's background_* series.
func every(name string, interval time.Duration, log *slog.Logger, m *metrics.Metrics, pass passFunc) loop {
	run := func(ctx context.Context) error {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			start := time.Now()
			n, attrs, err := pass(ctx)
			took := time.Since(start)
			attrs = append([]any{"items", n, "took", took.Round(time.Millisecond)}, attrs...)
			switch {
			case err != nil && ctx.Err() != nil:
				log.Info(name+" stopped", append(attrs, "reason", "shutdown")...)
				return nil
			case err != nil:
				log.Error(name, append(attrs, "err", err)...)
			default:
				log.Info(name, attrs...)
			}
			m.Pass(name, n, took, err != nil)
			select {
			case <-ctx.Done():
				return nil
			case <-t.C:
			}
		}
	}
	return loop{name, run}
}
