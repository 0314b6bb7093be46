package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"
)

// RequestIDHeader carries the request ID on requests and responses.
const RequestIDHeader = "X-Request-Id"

type ctxKey struct{}

// RequestID returns the ID of the request ctx belongs to, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

// WithRequestID returns ctx carrying id.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// Wrap returns h behind Coffre's middleware, outermost first: a request ID
// (the client's X-Request-Id when it is short and printable, a fresh one
// otherwise, echoed on the response), the access log, and panic recovery
// (a 500 to the client, the stack to the log).
func Wrap(h http.Handler, log *slog.Logger) http.Handler {
	return wrap(h, log, nil)
}

// ObserveFunc receives each request once answered: its method, its route
// (see Route), the status answered and how long it took.
type ObserveFunc func(method, route string, status int, d time.Duration)

// wrap is Wrap with an observer of every request, if observe is not nil.
func wrap(h http.Handler, log *slog.Logger, observe ObserveFunc) http.Handler {
	return withRequestID(accessLog(recoverPanics(h, log), log, observe))
}

func withRequestID(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(RequestIDHeader)
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set(RequestIDHeader, id)
		h.ServeHTTP(w, r.WithContext(WithRequestID(r.Context(), id)))
	})
}

// validRequestID accepts 1 to 128 visible ASCII characters, so that a client's
// ID cannot forge log lines or headers.
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] <= ' ' || id[i] > '~' {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [12]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

// WriteHeader records the first final status; an informational one (100
// Continue) is followed by the real answer.
func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && code >= 200 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += int64(n)
	return n, err
}

// Flush sends buffered data to the client, for handlers that assert
// http.Flusher.
func (w *statusWriter) Flush() {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach Flush, Hijack and deadlines.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// accessLog logs every request answered and hands it to observe, if set.
func accessLog(h http.Handler, log *slog.Logger, observe ObserveFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		r, label := withRoute(r)
		h.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		d := time.Since(start)
		route := routeOf(r, *label)
		log.LogAttrs(r.Context(), slog.LevelInfo, "request", // LogHandler adds the request ID
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.String("route", route),
			slog.Int("status", sw.status),
			slog.Int64("bytes", sw.bytes),
			slog.Duration("duration", d),
			slog.String("remote", r.RemoteAddr),
		)
		if observe != nil {
			observe(r.Method, route, sw.status, d)
		}
	})
}

func recoverPanics(h http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler { // the handler's way to abort quietly
				panic(v)
			}
			log.ErrorContext(r.Context(), "panic serving request", "panic", v, "stack", string(debug.Stack()))
			if sw, ok := w.(*statusWriter); ok && sw.status != 0 {
				// The response has begun: cut the connection rather than let
				// a truncated body pass for a complete one.
				panic(http.ErrAbortHandler)
			}
			http.Error(w, "internal server error", http.StatusInternalServerError)
		}()
		h.ServeHTTP(w, r)
	})
}
