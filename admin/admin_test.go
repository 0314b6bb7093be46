package admin

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func get(t *testing.T, h http.Handler, method, path string) (int, status, http.Header) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	var s status
	if method != http.MethodHead && rec.Code != http.StatusMethodNotAllowed {
		if err := json.Unmarshal(rec.Body.Bytes(), &s); err != nil {
			t.Fatalf("%s %s: body %q: %v", method, path, rec.Body, err)
		}
	}
	return rec.Code, s, rec.Header()
}

func TestHealthDoesNotProbe(t *testing.T) {
	h := New(Options{Checks: []Check{{Name: "meta", Probe: func(context.Context) error {
		t.Error("health ran a readiness check")
		return nil
	}}}})
	code, s, _ := get(t, h, "GET", "/health")
	if code != 200 || s.Status != "ok" {
		t.Fatalf("GET /health = %d %+v", code, s)
	}
	if code, _, _ := get(t, h, "HEAD", "/health"); code != 200 {
		t.Fatalf("HEAD /health = %d", code)
	}
}

func TestReady(t *testing.T) {
	var drivesErr error
	h := New(Options{Checks: []Check{
		{Name: "meta", Probe: func(context.Context) error { return nil }},
		{Name: "drives", Probe: func(context.Context) error { return drivesErr }},
	}})
	code, s, _ := get(t, h, "GET", "/ready")
	if code != 200 || s.Status != "ready" {
		t.Fatalf("GET /ready = %d %+v", code, s)
	}
	drivesErr = errors.New("2 of 4 drives usable, need 3")
	code, s, hdr := get(t, h, "GET", "/ready")
	if code != 503 || s.Status != "unavailable" || s.Reason != "drives: 2 of 4 drives usable, need 3" {
		t.Fatalf("GET /ready = %d %+v", code, s)
	}
	if hdr.Get("Retry-After") == "" || hdr.Get("Content-Type") != "application/json" {
		t.Fatalf("headers %v", hdr)
	}
}

func TestReadyTimesOut(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	h := New(Options{Timeout: 50 * time.Millisecond, Checks: []Check{
		{Name: "drives", Probe: func(context.Context) error { <-release; return nil }},
	}})
	start := time.Now()
	code, s, _ := get(t, h, "GET", "/ready")
	if code != 503 || !strings.Contains(s.Reason, "timed out") {
		t.Fatalf("GET /ready = %d %+v", code, s)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("stuck probe held /ready for %v", d)
	}
}

func TestMethodAndRegister(t *testing.T) {
	mux := http.NewServeMux()
	New(Options{}).Register(mux)
	if code, _, _ := get(t, mux, "POST", "/ready"); code != http.StatusMethodNotAllowed {
		t.Fatalf("POST /ready = %d", code)
	}
	if code, _, _ := get(t, mux, "GET", "/ready"); code != 200 {
		t.Fatalf("GET /ready through Register = %d", code)
	}
}

func TestMetricsRoute(t *testing.T) {
	exposition := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "up 1\n") })
	mux := http.NewServeMux()
	New(Options{Metrics: exposition}).Register(mux)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 || rec.Body.String() != "up 1\n" {
		t.Fatalf("GET /metrics through Register = %d %q", rec.Code, rec.Body)
	}

	mux = http.NewServeMux()
	New(Options{}).Register(mux)
	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusNotFound {
		t.Fatalf("GET /metrics without a metrics handler = %d", rec.Code)
	}
}
