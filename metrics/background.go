package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// loops are the series of the background loops, labelled by loop name
// (a fixed set: the loops serve starts).
type loops struct {
	passes   *prometheus.CounterVec
	items    *prometheus.CounterVec
	lastEnd  *prometheus.GaugeVec
	lastTook *prometheus.GaugeVec
}

func newLoops() loops {
	return loops{
		passes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "background_passes_total", Help: "Passes of each background loop, by outcome: ok or error.",
		}, []string{"loop", "outcome"}),
		items: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "background_items_total", Help: "Items each background loop handled (purged, expired, collected ...).",
		}, []string{"loop"}),
		lastEnd: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "background_last_pass_timestamp_seconds", Help: "When each background loop's last pass ended (Unix time).",
		}, []string{"loop"}),
		lastTook: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "background_last_pass_duration_seconds", Help: "How long each background loop's last pass took.",
		}, []string{"loop"}),
	}
}

func (l loops) collectors() []prometheus.Collector {
	return []prometheus.Collector{l.passes, l.items, l.lastEnd, l.lastTook}
}

// Pass counts one pass of the background loop named loop, which handled
// items and ended now after took; failed says whether it failed.
func (m *Metrics) Pass(loop string, items int, took time.Duration, failed bool) {
	outcome := "ok"
	if failed {
		outcome = "error"
	}
	m.loops.passes.WithLabelValues(loop, outcome).Inc()
	m.loops.items.WithLabelValues(loop).Add(float64(items))
	m.loops.lastEnd.WithLabelValues(loop).Set(float64(time.Now().UnixNano()) / 1e9)
	m.loops.lastTook.WithLabelValues(loop).Set(took.Seconds())
}
