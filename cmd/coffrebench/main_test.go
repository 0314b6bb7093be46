package main

import (
	"bytes"
	"context"
	"io"
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
		"PUT " + size(quickConfig().bigSize) + " x 4 streams", "GET 4 KiB at 16", "(quick)",
		"S3:", "PUT " + size(quickConfig().bigSize) + " x 4", "GET 64 KiB x 16", "PUT 4 KiB x 32",
		"list 1500 keys", "S3 cost, GET " + size(quickConfig().bigSize) + " x 4",
		"WEBDAV:", "PUT " + size(quickConfig().bigSize) + " x 4", "GET 8 MiB x 1", "PROPFIND depth 1, 1500 files"}
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

// TestCheckStream: the check of GET bodies finds a wrong byte, a short body
// and a long one.
func TestCheckStream(t *testing.T) {
	base := randomBase(3*checkWindow+17, 5)
	pl := payload{id: 9, base: base}
	var good bytes.Buffer
	good.ReadFrom(pl.reader())
	buf := make([]byte, len(base))
	if n, err := checkStream(bytes.NewReader(good.Bytes()), "good", pl, buf, true); err != nil || n != pl.size() {
		t.Fatalf("the payload itself: %d, %v", n, err)
	}
	bad := bytes.Clone(good.Bytes())
	bad[len(bad)/2] ^= 1
	if _, err := checkStream(bytes.NewReader(bad), "bad", pl, buf, true); err == nil {
		t.Error("a changed byte was not found")
	}
	if _, err := checkStream(bytes.NewReader(good.Bytes()[:len(base)-1]), "short", pl, buf, true); err == nil {
		t.Error("a short body was not found")
	}
	if _, err := checkStream(bytes.NewReader(append(good.Bytes(), 0)), "long", pl, make([]byte, 1024), false); err == nil {
		t.Error("a long body was not found")
	}
}

// TestCeiling: the plain HTTP server takes PUTs and serves payloads that
// the GET check accepts.
func TestCeiling(t *testing.T) {
	cfg := quickConfig()
	base := randomBase(100*kib+3, 6)
	c, err := startCeiling(map[int64][]byte{int64(len(base)): base})
	if err != nil {
		t.Fatal(err)
	}
	defer c.stop()
	p := phase{"t", ceilingPathPrefix + "102403", base, 77, 3, 9, 0}
	st, err := c.put(context.Background(), cfg, p)
	if err != nil || st.ops < 9 || st.bytes != st.ops*int64(len(base)) {
		t.Fatalf("put: %+v, %v", st, err)
	}
	if st, err = c.get(context.Background(), cfg, p, st.ops); err != nil || st.ops < 9 {
		t.Fatalf("get: %+v, %v", st, err)
	}
	wrong := p
	wrong.base = randomBase(int64(len(base)), 7) // not what the server serves
	if _, err := c.get(context.Background(), cfg, wrong, 9); err == nil {
		t.Error("get accepted other bytes")
	}
}

func TestPayloadSeek(t *testing.T) {
	pl := payload{id: 3, base: randomBase(1000, 8)}
	var want bytes.Buffer
	want.ReadFrom(pl.reader())
	r := pl.readSeeker()
	io.CopyN(io.Discard, r, 500)
	if off, err := r.Seek(-10, io.SeekEnd); err != nil || off != 990 {
		t.Fatalf("Seek(-10, end) = %d, %v", off, err)
	}
	rest, _ := io.ReadAll(r)
	if !bytes.Equal(rest, want.Bytes()[990:]) {
		t.Error("bytes after a seek differ")
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	all, _ := io.ReadAll(r)
	if !bytes.Equal(all, want.Bytes()) {
		t.Error("bytes after a rewind differ")
	}
	if _, err := r.Seek(-1, io.SeekStart); err == nil {
		t.Error("a seek before the start was accepted")
	}
}
