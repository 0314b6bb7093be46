package engine_test

import (
	"log/slog"
	"strings"
	"testing"

	"coffre/internal/teststack"
	"coffre/storage/engine"
)

// An error the engine logs on a caller's behalf names the request it
// serves, as the gateways' own lines do.
func TestErrorLinesCarryTheRequestID(t *testing.T) {
	s := newStack(t)
	var logs teststack.Buffer
	e := upOK(engine.New(s.meta, s.blob, engine.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))}))(t)
	p := admin
	p.RequestID = "req-42"
	engine.LogError(e, p, "something failed")
	engine.LogError(e, admin, "outside a request")
	out := logs.String()
	if !strings.Contains(out, `msg="something failed" request_id=req-42`) || strings.Count(out, "request_id") != 1 {
		t.Fatalf("log:\n%s", out)
	}
}
