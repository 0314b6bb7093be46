package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Care is a reading of the background care of the content store: what the
// scrubber checked and what every check (reads, healer, scrubber) found
// and healed since the process started.
type Care struct {
	ScrubContents    int64 // contents the scrubber checked
	ScrubBytes       int64 // bytes the scrubber read
	ChecksumFailures int64 // shard blocks found with a bad checksum or short
	ShardsHealed     int64 // shard blocks rebuilt and rewritten
	HealQueue        int   // contents waiting for the healer
	// LastScrub is the scrubber's last complete pass: when it finished
	// (zero: none yet) and how long it took.
	LastScrubEnd      time.Time
	LastScrubDuration time.Duration
}

// WatchCare adds the care series, read from read at each scrape:
// scrub_contents_total, scrub_bytes_total, checksum_failures_total,
// shards_healed_total, heal_queue_length, and once a scrub pass has ended
// scrub_last_pass_timestamp_seconds and scrub_last_pass_duration_seconds.
// Call it once.
func (m *Metrics) WatchCare(read func() Care) {
	m.reg.MustRegister(care(read))
}

type care func() Care

var (
	scrubContents    = prometheus.NewDesc("scrub_contents_total", "Contents the scrubber checked.", nil, nil)
	scrubBytes       = prometheus.NewDesc("scrub_bytes_total", "Bytes the scrubber read and verified.", nil, nil)
	checksumFailures = prometheus.NewDesc("checksum_failures_total", "Shard blocks found with a bad checksum or short, by reads, the healer and the scrubber.", nil, nil)
	shardsHealed     = prometheus.NewDesc("shards_healed_total", "Shard blocks rebuilt from the other drives and rewritten.", nil, nil)
	healQueue        = prometheus.NewDesc("heal_queue_length", "Contents that lost a shard file and wait for the healer.", nil, nil)
	scrubLastEnd     = prometheus.NewDesc("scrub_last_pass_timestamp_seconds", "When the scrubber's last complete pass ended (Unix time).", nil, nil)
	scrubLastTook    = prometheus.NewDesc("scrub_last_pass_duration_seconds", "How long the scrubber's last complete pass took.", nil, nil)
)

func (care) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{scrubContents, scrubBytes, checksumFailures, shardsHealed, healQueue, scrubLastEnd, scrubLastTook} {
		ch <- d
	}
}

func (f care) Collect(ch chan<- prometheus.Metric) {
	c := f()
	ch <- prometheus.MustNewConstMetric(scrubContents, prometheus.CounterValue, float64(c.ScrubContents))
	ch <- prometheus.MustNewConstMetric(scrubBytes, prometheus.CounterValue, float64(c.ScrubBytes))
	ch <- prometheus.MustNewConstMetric(checksumFailures, prometheus.CounterValue, float64(c.ChecksumFailures))
	ch <- prometheus.MustNewConstMetric(shardsHealed, prometheus.CounterValue, float64(c.ShardsHealed))
	ch <- prometheus.MustNewConstMetric(healQueue, prometheus.GaugeValue, float64(c.HealQueue))
	if !c.LastScrubEnd.IsZero() {
		ch <- prometheus.MustNewConstMetric(scrubLastEnd, prometheus.GaugeValue, float64(c.LastScrubEnd.UnixNano())/1e9)
		ch <- prometheus.MustNewConstMetric(scrubLastTook, prometheus.GaugeValue, c.LastScrubDuration.Seconds())
	}
}
