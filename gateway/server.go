package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Options configures a Server. Zero values take the defaults stated.
type Options struct {
	// Name labels the server in logs, such as "http" or "s3".
	Name string
	// ReadHeaderTimeout bounds reading a request's headers; zero means 10s.
	// There is no whole-request read or write timeout: uploads and downloads
	// of large files take as long as they take.
	ReadHeaderTimeout time.Duration
	// IdleTimeout closes keep-alive connections idle this long; zero means 2m.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds the request line and headers; zero means 64 KiB.
	MaxHeaderBytes int
	// ShutdownTimeout is how long in-flight requests may run once shutdown
	// begins; after it, remaining connections are closed. Zero means 30s.
	ShutdownTimeout time.Duration
	// Logger receives the access log and server errors. Nil discards them.
	Logger *slog.Logger
	// Observe, when set, receives every request answered, as the access log
	// does: the hook of the HTTP metrics.
	Observe ObserveFunc
	// RequestRate limits the requests of each client address (an IPv4
	// address, an IPv6 /64) to this many per second on average, with
	// bursts of RequestBurst (zero: RequestRate); zero means no limit.
	// A request beyond it is answered by Refuse (nil: TooManyRequests),
	// logged and observed like any other.
	RequestRate  float64
	RequestBurst int
	Refuse       RefuseFunc
}

// Server is an HTTP server with Coffre's middleware around its handler.
type Server struct {
	name     string
	srv      *http.Server
	shutdown time.Duration
	log      *slog.Logger
}

// New returns a server for h, wrapped in request IDs, the access log and
// panic recovery (see Wrap), and observed by opts.Observe.
func New(opts Options, h http.Handler) *Server {
	if opts.Name == "" {
		opts.Name = "http"
	}
	if opts.ReadHeaderTimeout <= 0 {
		opts.ReadHeaderTimeout = 10 * time.Second
	}
	if opts.IdleTimeout <= 0 {
		opts.IdleTimeout = 2 * time.Minute
	}
	if opts.MaxHeaderBytes <= 0 {
		opts.MaxHeaderBytes = 64 << 10
	}
	if opts.ShutdownTimeout <= 0 {
		opts.ShutdownTimeout = 30 * time.Second
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log = log.With("server", opts.Name)
	return &Server{
		name:     opts.Name,
		shutdown: opts.ShutdownTimeout,
		log:      log,
		srv: &http.Server{
			Handler:           wrap(limited(h, opts), log, opts.Observe),
			ReadHeaderTimeout: opts.ReadHeaderTimeout,
			IdleTimeout:       opts.IdleTimeout,
			MaxHeaderBytes:    opts.MaxHeaderBytes,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		},
	}
}

// limited is h behind the request rate limit of opts, if any.
func limited(h http.Handler, opts Options) http.Handler {
	if opts.RequestRate <= 0 {
		return h
	}
	return limitRate(h, newLimiter(opts.RequestRate, opts.RequestBurst), opts.Refuse)
}

// Serve accepts connections on ln until ctx ends, then shuts down
// gracefully: it stops accepting, lets in-flight requests finish for up to
// ShutdownTimeout, then closes what remains. It returns nil after a clean
// shutdown, or the error that stopped the server.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.srv.BaseContext = func(net.Listener) context.Context { return context.WithoutCancel(ctx) }
	errc := make(chan error, 1)
	go func() { errc <- s.srv.Serve(ln) }() // owned: Serve waits for it below
	s.log.Info("listening", "addr", ln.Addr().String())

	select {
	case err := <-errc:
		return fmt.Errorf("%s server: %w", s.name, err)
	case <-ctx.Done():
	}

	s.log.Info("shutting down", "timeout", s.shutdown.String())
	sctx, cancel := context.WithTimeout(context.Background(), s.shutdown)
	defer cancel()
	err := s.srv.Shutdown(sctx)
	if errors.Is(err, context.DeadlineExceeded) {
		s.log.Warn("in-flight requests did not finish in time; closing them")
		err = s.srv.Close()
	}
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("%s server shutdown: %w", s.name, err)
	}
	s.log.Info("stopped")
	return nil
}
