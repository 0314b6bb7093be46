package gateway

import (
	"context"
	"log/slog"
)

// LogHandler returns h adding the request ID (attribute "request_id") to
// every record logged with the context of a request, so that the lines a
// request causes, in any package, can be found from its access log line
// or from the X-Request-Id its client received. Packages log with the
// *Context methods of slog.Logger (ErrorContext, WarnContext, ...) to pass
// the request's context down; they need not know about request IDs.
func LogHandler(h slog.Handler) slog.Handler { return requestIDHandler{h} }

type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(as)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}
