package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

// TestQuickRun runs the whole bench in --quick mode so that it cannot rot:
// every measurement and every check of the bytes read back runs once.
func TestQuickRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := t.TempDir()
	var out bytes.Buffer
	start := time.Now()
	if err := run(ctx, []string{"--quick", "--dir", dir}, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	t.Logf("quick run in %v:\n%s", time.Since(start).Round(time.Millisecond), out.String())
	wants := []string{"BASELINE", "sequential write", "fsync latency", "ENGINE",
		"PUT " + size(quickConfig().bigSize) + " x 4 streams", "GET 4 KiB at 16", "(quick)"}
	for _, want := range wants {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
	left, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("the data folder was not removed: %s holds %d entries", dir, len(left))
	}
}

func TestArgs(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"extra"}, &out); err == nil {
		t.Error("an extra argument was accepted")
	}
	if err := run(context.Background(), []string{"--nope"}, &out); err == nil {
		t.Error("an unknown flag was accepted")
	}
}

func TestPayload(t *testing.T) {
	base := randomBase(100, 1)
	p, q := payload{id: 1, base: base}, payload{id: 2, base: base}
	var a, b bytes.Buffer
	a.ReadFrom(p.reader())
	b.ReadFrom(q.reader())
	if a.Len() != 100 || b.Len() != 100 || bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatalf("payloads: %d and %d bytes, equal %v", a.Len(), b.Len(), bytes.Equal(a.Bytes(), b.Bytes()))
	}
	for _, r := range [][2]int{{0, 100}, {0, 3}, {5, 20}, {8, 9}, {99, 100}} {
		if !p.equalAt(a.Bytes()[r[0]:r[1]], int64(r[0])) {
			t.Errorf("equalAt(%v) = false on the payload's own bytes", r)
		}
		if p.equalAt(b.Bytes()[0:r[1]], 0) && r[1] > 0 {
			t.Errorf("equalAt(other payload [0:%d]) = true", r[1])
		}
	}
	if p.equalAt(a.Bytes()[:10], 91) {
		t.Error("equalAt past the end = true")
	}
}
