package metrics_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"coffre/auth"
	"coffre/metrics"
	"coffre/storage/audit"
	"coffre/storage/blob"
	"coffre/storage/meta"
)

// families is one scrape of /metrics, parsed.
type families map[string]*dto.MetricFamily

// scrape asks h for the exposition text and parses it.
func scrape(t *testing.T, h http.Handler) families {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics = %d: %s", rec.Code, rec.Body)
	}
	return parse(t, rec.Body)
}

func parse(t *testing.T, r io.Reader) families {
	t.Helper()
	var p expfmt.TextParser
	fams, err := p.TextToMetricFamilies(r)
	if err != nil {
		t.Fatalf("parse exposition: %v", err)
	}
	return fams
}

// value is the value of the series of name whose labels are exactly
// labels ("k=v" pairs): a counter's or gauge's value, a histogram's count.
// 0 when there is no such series (a counter never incremented).
func (f families) value(t *testing.T, name string, labels ...string) float64 {
	t.Helper()
	fam := f[name]
	if fam == nil {
		return 0
	}
	want := strings.Join(labels, ",")
	for _, m := range fam.Metric {
		if labelString(m) != want {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
		t.Fatalf("%s{%s}: unexpected type", name, want)
	}
	return 0
}

// labels lists the label sets of name's series, sorted.
func (f families) labels(name string) []string {
	var out []string
	if fam := f[name]; fam != nil {
		for _, m := range fam.Metric {
			out = append(out, labelString(m))
		}
	}
	sort.Strings(out)
	return out
}

// labelString is "k=v,..." in the exposition's order (sorted by name).
func labelString(m *dto.Metric) string {
	var parts []string
	for _, l := range m.Label {
		parts = append(parts, l.GetName()+"="+l.GetValue())
	}
	return strings.Join(parts, ",")
}

func TestObserveHTTP(t *testing.T) {
	m := metrics.New(metrics.Options{})
	m.ObserveHTTP("GET", "GET /api/folder/{id}", 200, 3*time.Millisecond)
	m.ObserveHTTP("GET", "GET /api/folder/{id}", 200, 2*time.Second)
	m.ObserveHTTP("GET", "GET /api/folder/{id}", 404, time.Millisecond)
	m.ObserveHTTP("BREW", "unmatched", 405, time.Millisecond) // a method of the client's own

	f := scrape(t, m.Handler())
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"http_requests_total", []string{"method=GET", "route=GET /api/folder/{id}", "status=200"}, 2},
		{"http_requests_total", []string{"method=GET", "route=GET /api/folder/{id}", "status=404"}, 1},
		{"http_requests_total", []string{"method=OTHER", "route=unmatched", "status=405"}, 1},
		{"http_request_duration_seconds", []string{"method=GET", "route=GET /api/folder/{id}"}, 3},
		{"http_request_duration_seconds", []string{"method=OTHER", "route=unmatched"}, 1},
	} {
		if got := f.value(t, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
	h := f["http_request_duration_seconds"].Metric[0].Histogram
	if h.GetSampleSum() < 2 {
		t.Errorf("duration sum %v, want at least the 2 s observed", h.GetSampleSum())
	}
	if got := f.value(t, "active_goroutines"); got < 1 {
		t.Errorf("active_goroutines = %v", got)
	}
	if f["go_goroutines"] == nil || f["process_open_fds"] == nil {
		t.Error("the Go runtime's and the process's series are missing")
	}
}

func TestObserveS3CountsUploads(t *testing.T) {
	m := metrics.New(metrics.Options{})
	m.ObserveS3("PutObject", 200, time.Millisecond)
	m.ObserveS3("PutObject", 403, time.Millisecond) // refused: no upload
	m.ObserveS3("CompleteMultipartUpload", 200, time.Millisecond)
	m.ObserveS3("UploadPart", 200, time.Millisecond) // a part is not a file
	m.ObserveS3("GetObject", 206, time.Millisecond)
	m.Upload("webdav")

	f := scrape(t, m.Handler())
	for _, c := range []struct {
		name   string
		labels []string
		want   float64
	}{
		{"s3_operations_total", []string{"operation=PutObject", "status=200"}, 1},
		{"s3_operations_total", []string{"operation=PutObject", "status=403"}, 1},
		{"s3_operations_total", []string{"operation=GetObject", "status=206"}, 1},
		{"s3_operation_duration_seconds", []string{"operation=PutObject"}, 2},
		{"file_uploads_total", []string{"protocol=s3"}, 2},
		{"file_uploads_total", []string{"protocol=webdav"}, 1},
	} {
		if got := f.value(t, c.name, c.labels...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, got, c.want)
		}
	}
}

func TestStoreReadings(t *testing.T) {
	d, err := blob.LocalDrive(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	metaErr := error(nil)
	m := metrics.New(metrics.Options{
		Drives: func() []metrics.Drive {
			used, free, err := d.Usage()
			return []metrics.Drive{
				{Name: "d1", Used: used, Free: free, Err: err},
				{Name: "d2", Err: errors.New("drive offline"), Errors: 7},
			}
		},
		Meta: func() error { return metaErr },
	})
	f := scrape(t, m.Handler())
	if f.value(t, "drive_up", "drive=d1") != 1 || f.value(t, "drive_up", "drive=d2") != 0 {
		t.Errorf("drive_up %v", f.labels("drive_up"))
	}
	if f.value(t, "drive_used_bytes", "drive=d1") <= 0 || f.value(t, "drive_free_bytes", "drive=d1") <= 0 {
		t.Errorf("drive d1: used %v, free %v", f.value(t, "drive_used_bytes", "drive=d1"), f.value(t, "drive_free_bytes", "drive=d1"))
	}
	if got := f.labels("drive_used_bytes"); len(got) != 1 {
		t.Errorf("an unreadable drive reports a usage: %v", got)
	}
	if f.value(t, "drive_errors_total", "drive=d2") != 7 || len(f.labels("drive_errors_total")) != 2 {
		t.Errorf("drive_errors_total %v", f.labels("drive_errors_total"))
	}
	if f.value(t, "pebble_up") != 1 {
		t.Error("pebble_up is not 1 while the store answers")
	}
	metaErr = errors.New("disk full")
	if f := scrape(t, m.Handler()); f.value(t, "pebble_up") != 0 || f["pebble_up"] == nil {
		t.Error("pebble_up is not 0 once the store fails")
	}
}

func TestNoStoreReadingsWithoutHooks(t *testing.T) {
	f := scrape(t, metrics.New(metrics.Options{}).Handler())
	for _, name := range []string{"drive_up", "drive_used_bytes", "pebble_up"} {
		if f[name] != nil {
			t.Errorf("%s reported without its hook", name)
		}
	}
}

// TestLogins runs real logins through auth, whose audit entries reach the
// audit log through the counting Recorder.
func TestLogins(t *testing.T) {
	store, err := meta.Open(filepath.Join(t.TempDir(), "meta"), meta.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	log, err := audit.New(store, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := metrics.New(metrics.Options{})
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	users, err := auth.New(store, bytes.Repeat([]byte{9}, 32), auth.Options{
		Argon2:  auth.Argon2Params{Memory: 64, Time: 1, Threads: 1},
		Audit:   m.Logins(log),
		Now:     func() time.Time { return now },
		Backoff: auth.BackoffOptions{AccountFree: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := users.CreateUser(ctx, auth.NewUser{Login: "alice", Role: auth.RoleUser, Password: "alice-secret-password"}); err != nil {
		t.Fatal(err)
	}
	o := auth.Origin{IP: "192.0.2.7", Protocol: "rest"}
	if _, err := users.Login(ctx, "alice", "alice-secret-password", o); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second failure passes the allowance of one
		if _, err := users.Login(ctx, "alice", "wrong", o); err == nil {
			t.Fatal("a wrong password logged in")
		}
	}
	if _, err := users.Login(ctx, "alice", "alice-secret-password", o); err == nil {
		t.Fatal("a login during the back-off succeeded")
	} else if _, ok := auth.RetryAfter(err); !ok {
		t.Fatalf("login during the back-off: %v", err)
	}

	f := scrape(t, m.Handler())
	for status, want := range map[string]float64{"success": 1, "failure": 2, "refused": 1} {
		if got := f.value(t, "login_attempts_total", "status="+status); got != want {
			t.Errorf("login_attempts_total{status=%q} = %v, want %v", status, got, want)
		}
	}
	// Every entry still reached the audit log.
	page, err := log.Query(ctx, audit.Query{Types: []string{"login"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Entries) != 4 {
		t.Errorf("audit log holds %d login entries, want 4", len(page.Entries))
	}
}
