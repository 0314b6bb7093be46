package gateway

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"coffre/internal/teststack"
)

func TestRequestID(t *testing.T) {
	var seen string
	h := Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = RequestID(r.Context())
	}), slog.New(slog.DiscardHandler))

	for _, tc := range []struct {
		in   string
		keep bool
	}{
		{"", false},
		{"client-id-42", true},
		{"bad id", false},
		{"bad\nid", false},
		{strings.Repeat("x", 129), false},
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/", nil)
		if tc.in != "" {
			req.Header.Set(RequestIDHeader, tc.in)
		}
		h.ServeHTTP(rec, req)
		got := rec.Header().Get(RequestIDHeader)
		if got == "" || got != seen {
			t.Fatalf("in %q: response ID %q, context ID %q", tc.in, got, seen)
		}
		if (got == tc.in) != tc.keep {
			t.Errorf("in %q: got %q, keep=%v", tc.in, got, tc.keep)
		}
	}
}

// Every line a request causes, the handler's own included, carries its
// request ID when the logger goes through LogHandler.
func TestAccessLogAndRecovery(t *testing.T) {
	var logs teststack.Buffer
	log := slog.New(LogHandler(slog.NewJSONHandler(&logs, nil)))
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) {
		log.InfoContext(r.Context(), "handler line")
		io.WriteString(w, "hello")
	})
	mux.HandleFunc("/panic", func(w http.ResponseWriter, r *http.Request) { panic("boom") })
	h := Wrap(mux, log)

	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/ok", nil))
	okID := rec.Header().Get(RequestIDHeader)
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/panic", nil))
	panicID := rec.Header().Get(RequestIDHeader)
	if rec.Code != 500 {
		t.Fatalf("panicking handler answered %d", rec.Code)
	}

	var entries []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var e map[string]any
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatal(line, err)
		}
		entries = append(entries, e)
	}
	if len(entries) != 4 {
		t.Fatalf("want 4 log entries (handler, request, panic, request), got %d:\n%s", len(entries), logs.String())
	}
	for i, want := range []string{okID, okID, panicID, panicID} {
		if got := entries[i]["request_id"]; want == "" || got != want {
			t.Errorf("entry %d has request_id %v, want %q: %v", i, got, want, entries[i])
		}
	}
	entries = entries[1:]
	if e := entries[0]; e["msg"] != "request" || e["path"] != "/ok" || e["status"] != 200.0 || e["bytes"] != 5.0 {
		t.Errorf("access log entry %v", e)
	}
	if e := entries[1]; e["msg"] != "panic serving request" || e["panic"] != "boom" || !strings.Contains(e["stack"].(string), "goroutine") {
		t.Errorf("panic entry %v", e)
	}
	if e := entries[2]; e["status"] != 500.0 {
		t.Errorf("access log entry after panic %v", e)
	}
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

func TestGracefulShutdownFinishesInFlight(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		io.WriteString(w, "finished")
	})
	srv := New(Options{ShutdownTimeout: 10 * time.Second}, h)
	ln := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()

	body := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/")
		if err != nil {
			body <- "error: " + err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		body <- string(b)
	}()
	select {
	case <-started:
	case <-time.After(5 * time.Second):
		t.Fatal("request never reached the handler")
	}
	cancel()
	time.Sleep(100 * time.Millisecond) // shutdown has begun
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Error("server still accepts connections during shutdown")
	}
	close(release)
	select {
	case b := <-body:
		if b != "finished" {
			t.Fatalf("in-flight request got %q", b)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("in-flight request did not finish")
	}
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("Serve = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return")
	}
}

func TestShutdownTimeoutClosesStuckRequests(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	started := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
	})
	srv := New(Options{ShutdownTimeout: 100 * time.Millisecond}, h)
	ln := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	go func() {
		if resp, err := http.Get("http://" + ln.Addr().String() + "/"); err == nil {
			resp.Body.Close()
		}
	}()
	<-started
	cancel()
	select {
	case <-served:
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after its shutdown timeout")
	}
}

func TestHeaderLimits(t *testing.T) {
	srv := New(Options{MaxHeaderBytes: 1024}, http.NotFoundHandler())
	ln := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	defer func() { cancel(); <-served }()

	req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/", nil)
	req.Header.Set("X-Big", strings.Repeat("a", 8<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("oversized headers answered %d", resp.StatusCode)
	}
}

func TestPanicAfterHeadersAbortsConnection(t *testing.T) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100")
		io.WriteString(w, "partial")
		w.(http.Flusher).Flush()
		panic("late boom")
	})
	srv := New(Options{}, h)
	ln := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	defer func() { cancel(); <-served }()

	resp, err := http.Get("http://" + ln.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); err == nil {
		t.Fatal("a response cut by a panic read as complete")
	}
}
