package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"coffre/internal/teststack"
	"coffre/metrics"
)

// A pass that fails is logged at error level and counted as an error; a
// pass that a shutdown cuts short is neither.
func TestEveryLogsAndCountsEachPass(t *testing.T) {
	var logs teststack.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	m := metrics.New(metrics.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	l := every("test loop", time.Millisecond, log, m, func(ctx context.Context) (int, []any, error) {
		calls++
		switch calls {
		case 1:
			return 3, []any{"what", "things"}, nil
		case 2:
			return 0, nil, errors.New("disk on fire")
		default:
			cancel()
			return 0, nil, ctx.Err()
		}
	})
	if err := l.run(ctx); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	for _, want := range []string{
		`level=INFO msg="test loop" items=3 took=`, "what=things",
		`level=ERROR msg="test loop" items=0`, `err="disk on fire"`,
		`level=INFO msg="test loop stopped"`, "reason=shutdown",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{
		`background_passes_total{loop="test loop",outcome="ok"} 1`,
		`background_passes_total{loop="test loop",outcome="error"} 1`,
		`background_items_total{loop="test loop"} 3`,
	} {
		if !strings.Contains(rec.Body.String(), want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
