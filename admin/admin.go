package admin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// Check is one readiness probe, such as "meta" or "drives".
type Check struct {
	Name string
	// Probe returns nil when the component is usable. It must honour ctx.
	Probe func(ctx context.Context) error
}

// Options configures a Handler. The zero value answers /ready with 200.
type Options struct {
	// Checks run in order on every GET /ready; the first failure is the reason.
	Checks []Check
	// Timeout bounds one /ready request; zero means 5 seconds.
	Timeout time.Duration
	// Logger receives failed readiness checks. Nil discards them.
	Logger *slog.Logger
	// Metrics, when set, serves GET /metrics (the Prometheus exposition).
	Metrics http.Handler
}

// Handler serves /health, /ready and /metrics.
type Handler struct {
	checks  []Check
	timeout time.Duration
	log     *slog.Logger
	metrics bool
	mux     *http.ServeMux
}

// New returns a Handler.
func New(opts Options) *Handler {
	h := &Handler{checks: opts.Checks, timeout: opts.Timeout, log: opts.Logger, mux: http.NewServeMux()}
	if h.timeout <= 0 {
		h.timeout = 5 * time.Second
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	h.mux.HandleFunc("GET /health", h.health)
	h.mux.HandleFunc("GET /ready", h.ready)
	if opts.Metrics != nil {
		h.metrics = true
		h.mux.Handle("GET /metrics", opts.Metrics)
	}
	return h
}

// Register adds the handler's routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.Handle("GET /health", h)
	mux.Handle("GET /ready", h)
	if h.metrics {
		mux.Handle("GET /metrics", h)
	}
}

// ServeHTTP serves GET (and HEAD) /health, /ready and /metrics.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }

type status struct {
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
}

// health answers 200 as long as the process serves requests. It does no I/O.
func (h *Handler) health(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, status{Status: "ok"})
}

// ready answers 200 when every check passes, 503 with the first failure otherwise.
func (h *Handler) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), h.timeout)
	defer cancel()
	if err := h.Ready(ctx); err != nil {
		h.log.Warn("not ready", "reason", err.Error())
		w.Header().Set("Retry-After", "5")
		writeJSON(w, http.StatusServiceUnavailable, status{Status: "unavailable", Reason: err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, status{Status: "ready"})
}

// Ready runs the checks in order and returns the first failure, prefixed by
// the check's name.
func (h *Handler) Ready(ctx context.Context) error {
	for _, c := range h.checks {
		err := probe(ctx, c)
		if err == nil {
			err = ctx.Err()
		}
		if err != nil {
			return fmt.Errorf("%s: %w", c.Name, err)
		}
	}
	return nil
}

// probe runs one check, returning when it does or when ctx ends, whichever
// comes first (a probe stuck on a dead disk must not hold the request).
func probe(ctx context.Context, c Check) error {
	done := make(chan error, 1)
	go func() { done <- c.Probe(ctx) }() // owned: the buffered send never blocks
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		if errors.Is(ctx.Err(), context.DeadlineExceeded) {
			return errors.New("check timed out")
		}
		return ctx.Err()
	}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
