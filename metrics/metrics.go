package metrics

import (
	"net/http"
	"runtime"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Options gives the readings taken at scrape time. Each is a function main
// fills from the stores; a nil one leaves its series out.
type Options struct {
	// Drives reports every drive: drive_used_bytes, drive_free_bytes,
	// drive_up and drive_errors_total, labelled by drive.
	Drives func() []Drive
	// Meta checks the metadata store (Pebble): pebble_up.
	Meta func() error
	// Namespace reads the namespace's tables: locks_held,
	// uploads_in_progress, trash_items and trash_bytes.
	Namespace func() (Namespace, error)
}

// Drive is one drive's reading.
type Drive struct {
	Name       string // the drive label: stable, one per drive
	Used, Free int64  // bytes; ignored when Err is set
	Err        error  // why the drive could not be read; nil when it is up
	Errors     int64  // I/O errors of the drive's operations since the start
}

// Metrics owns a registry and Coffre's collectors. Its methods are safe for
// concurrent use.
type Metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	s3ops     *prometheus.CounterVec
	s3latency *prometheus.HistogramVec
	logins    *prometheus.CounterVec
	uploads   *prometheus.CounterVec
	loops     loops
}

// buckets are the latency histograms' bounds in seconds: Prometheus's
// defaults, stretched to the minutes a large transfer takes.
var buckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300}

// New returns Metrics with its own registry, so that several can live in
// one process (tests).
func New(opts Options) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total", Help: "HTTP requests answered, by method, route pattern and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "http_request_duration_seconds", Help: "Time to answer an HTTP request, by method and route pattern.", Buckets: buckets,
		}, []string{"method", "route"}),
		s3ops: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "s3_operations_total", Help: "S3 requests answered, by operation and status.",
		}, []string{"operation", "status"}),
		s3latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "s3_operation_duration_seconds", Help: "Time to answer an S3 request, by operation.", Buckets: buckets,
		}, []string{"operation"}),
		logins: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "login_attempts_total", Help: "Logins with a password, by outcome: success, failure, or refused during a back-off.",
		}, []string{"status"}),
		uploads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "file_uploads_total", Help: "Files stored by an upload, by protocol.",
		}, []string{"protocol"}),
		loops: newLoops(),
	}
	m.reg.MustRegister(m.loops.collectors()...)
	m.reg.MustRegister(m.requests, m.latency, m.s3ops, m.s3latency, m.logins, m.uploads,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "active_goroutines", Help: "Goroutines running now."},
			func() float64 { return float64(runtime.NumGoroutine()) }),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	if opts.Drives != nil {
		m.reg.MustRegister(drives(opts.Drives))
	}
	if opts.Namespace != nil {
		m.reg.MustRegister(namespace(opts.Namespace))
	}
	if opts.Meta != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "pebble_up", Help: "1 when the metadata store (Pebble) accepts a synced write, 0 otherwise.",
		}, func() float64 { return up(opts.Meta() == nil) }))
	}
	return m
}

// Handler serves the registry in the Prometheus exposition formats.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// ObserveHTTP counts one HTTP request answered; it is a
// gateway.ObserveFunc. Route must be a pattern, never a raw path.
func (m *Metrics) ObserveHTTP(method, route string, status int, d time.Duration) {
	method = knownMethod(method)
	m.requests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(method, route).Observe(d.Seconds())
}

// ObserveS3 counts one S3 request answered; it is s3.Options.Observe. A
// PutObject or CompleteMultipartUpload that succeeds is also an upload.
func (m *Metrics) ObserveS3(op string, status int, d time.Duration) {
	m.s3ops.WithLabelValues(op, strconv.Itoa(status)).Inc()
	m.s3latency.WithLabelValues(op).Observe(d.Seconds())
	if status < 300 && (op == "PutObject" || op == "CompleteMultipartUpload") {
		m.Upload("s3")
	}
}

// Upload counts one file stored by protocol ("s3", "webdav", "rest").
func (m *Metrics) Upload(protocol string) {
	m.uploads.WithLabelValues(protocol).Inc()
}

// methods are the request methods Coffre serves; any other is counted as
// "OTHER", so that a client cannot make series of its own.
var methods = map[string]bool{
	"GET": true, "HEAD": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true, "OPTIONS": true,
	"PROPFIND": true, "PROPPATCH": true, "MKCOL": true, "COPY": true, "MOVE": true, "LOCK": true, "UNLOCK": true,
}

func knownMethod(m string) string {
	if methods[m] {
		return m
	}
	return "OTHER"
}

func up(ok bool) float64 {
	if ok {
		return 1
	}
	return 0
}
