package main

import (
	"io"
	"log/slog"

	"coffre/gateway"
)

// newLogger returns the process logger writing to w (stderr) in the
// configured level and format; the config is validated beforehand. Lines
// logged with a request's context carry its request ID.
func newLogger(w io.Writer, c LogConfig) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if c.Format == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(gateway.LogHandler(h))
}
