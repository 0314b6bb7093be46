package metrics_test

import (
	"errors"
	"testing"
	"time"

	"coffre/metrics"
)

func TestBackgroundPasses(t *testing.T) {
	m := metrics.New(metrics.Options{})
	before := float64(time.Now().Unix())
	m.Pass("collector", 3, 2*time.Second, false)
	m.Pass("collector", 4, time.Second, false)
	m.Pass("engine maintenance", 0, time.Millisecond, true)
	f := scrape(t, m.Handler())
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"background_passes_total", []string{"loop=collector", "outcome=ok"}, 2},
		{"background_passes_total", []string{"loop=engine maintenance", "outcome=error"}, 1},
		{"background_items_total", []string{"loop=collector"}, 7},
		{"background_last_pass_duration_seconds", []string{"loop=collector"}, 1},
	} {
		if got := f.value(t, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	if end := f.value(t, "background_last_pass_timestamp_seconds", "loop=collector"); end < before {
		t.Errorf("last pass ended at %v, before the test began (%v)", end, before)
	}
}

func TestNamespaceReadings(t *testing.T) {
	var err error
	m := metrics.New(metrics.Options{Namespace: func() (metrics.Namespace, error) {
		return metrics.Namespace{LocksHeld: 2, Uploads: 1, TrashItems: 5, TrashBytes: 1 << 20}, err
	}})
	f := scrape(t, m.Handler())
	for name, want := range map[string]float64{"locks_held": 2, "uploads_in_progress": 1, "trash_items": 5, "trash_bytes": 1 << 20} {
		if got := f.value(t, name); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	err = errors.New("metadata store closed")
	f = scrape(t, m.Handler())
	if f["locks_held"] != nil || f["active_goroutines"] == nil {
		t.Error("a failed reading must leave its series out and the scrape whole")
	}
}
