package metrics_test

import (
	"testing"
	"time"

	"coffre/metrics"
)

func TestCareReadings(t *testing.T) {
	m := metrics.New(metrics.Options{})
	c := metrics.Care{ScrubContents: 12, ScrubBytes: 4096, ChecksumFailures: 2, ShardsHealed: 3, HealQueue: 1}
	m.WatchCare(func() metrics.Care { return c })
	f := scrape(t, m.Handler())
	for name, want := range map[string]float64{
		"scrub_contents_total": 12, "scrub_bytes_total": 4096, "checksum_failures_total": 2,
		"shards_healed_total": 3, "heal_queue_length": 1,
	} {
		if got := f.value(t, name); got != want || f[name] == nil {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if f["scrub_last_pass_timestamp_seconds"] != nil || f["scrub_last_pass_duration_seconds"] != nil {
		t.Error("a last pass reported before any pass ended")
	}

	c.LastScrubEnd, c.LastScrubDuration = time.Unix(1_700_000_000, 500_000_000), 90*time.Second
	f = scrape(t, m.Handler())
	if got := f.value(t, "scrub_last_pass_timestamp_seconds"); got != 1_700_000_000.5 {
		t.Errorf("scrub_last_pass_timestamp_seconds = %v", got)
	}
	if got := f.value(t, "scrub_last_pass_duration_seconds"); got != 90 {
		t.Errorf("scrub_last_pass_duration_seconds = %v", got)
	}
}
