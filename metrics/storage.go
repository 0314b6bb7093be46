package metrics

import "github.com/prometheus/client_golang/prometheus"

// drives reads Options.Drives at each scrape.
type drives func() []Drive

var (
	driveUsed = prometheus.NewDesc("drive_used_bytes", "Bytes used on the file system holding the drive.", []string{"drive"}, nil)
	driveFree = prometheus.NewDesc("drive_free_bytes", "Bytes free for Coffre on the file system holding the drive.", []string{"drive"}, nil)
	driveUp   = prometheus.NewDesc("drive_up", "1 when the drive could be read, 0 otherwise.", []string{"drive"}, nil)
	driveErrs = prometheus.NewDesc("drive_errors_total", "I/O errors of the drive's operations (shard files created, opened, read, written, synced; probes; walks) since the start.", []string{"drive"}, nil)
)

func (drives) Describe(ch chan<- *prometheus.Desc) {
	ch <- driveUsed
	ch <- driveFree
	ch <- driveUp
	ch <- driveErrs
}

// Collect reports each drive; a drive that cannot be read reports only
// drive_up 0 and its errors, since its usage is unknown.
func (f drives) Collect(ch chan<- prometheus.Metric) {
	for _, d := range f() {
		ch <- prometheus.MustNewConstMetric(driveUp, prometheus.GaugeValue, up(d.Err == nil), d.Name)
		ch <- prometheus.MustNewConstMetric(driveErrs, prometheus.CounterValue, float64(d.Errors), d.Name)
		if d.Err != nil {
			continue
		}
		ch <- prometheus.MustNewConstMetric(driveUsed, prometheus.GaugeValue, float64(d.Used), d.Name)
		ch <- prometheus.MustNewConstMetric(driveFree, prometheus.GaugeValue, float64(d.Free), d.Name)
	}
}
