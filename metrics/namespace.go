package metrics

import "github.com/prometheus/client_golang/prometheus"

// Namespace is a reading of the namespace's tables.
type Namespace struct {
	LocksHeld  int
	Uploads    int // uploads in progress: S3 multipart, REST chunked and TUS
	TrashItems int
	TrashBytes int64
}

// namespace reads Options.Namespace at each scrape.
type namespace func() (Namespace, error)

var (
	locksHeld  = prometheus.NewDesc("locks_held", "Live locks, taken through any protocol.", nil, nil)
	uploadsNow = prometheus.NewDesc("uploads_in_progress", "Multipart, chunked and TUS uploads begun and neither completed nor aborted.", nil, nil)
	trashItems = prometheus.NewDesc("trash_items", "Items in everyone's trash.", nil, nil)
	trashBytes = prometheus.NewDesc("trash_bytes", "Bytes held by the trash, every version counted.", nil, nil)
)

func (namespace) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{locksHeld, uploadsNow, trashItems, trashBytes} {
		ch <- d
	}
}

// Collect reports the reading; when it fails (the metadata store is down,
// which pebble_up tells) the series are left out rather than reported as
// zero, and the rest of the scrape goes on.
func (f namespace) Collect(ch chan<- prometheus.Metric) {
	n, err := f()
	if err != nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(locksHeld, prometheus.GaugeValue, float64(n.LocksHeld))
	ch <- prometheus.MustNewConstMetric(uploadsNow, prometheus.GaugeValue, float64(n.Uploads))
	ch <- prometheus.MustNewConstMetric(trashItems, prometheus.GaugeValue, float64(n.TrashItems))
	ch <- prometheus.MustNewConstMetric(trashBytes, prometheus.GaugeValue, float64(n.TrashBytes))
}
