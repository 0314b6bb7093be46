package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"coffre/storage/blob"
)

func TestScrubConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		edit func(*ScrubConfig)
		want string
	}{
		{func(c *ScrubConfig) { c.Interval = 0 }, "scrub.interval must be positive"},
		{func(c *ScrubConfig) { c.Rate = -1 }, "scrub.rate -1"},
		{func(c *ScrubConfig) { c.CollectInterval = 0 }, "scrub.collect_interval must be positive"},
	} {
		c := testConfig(t)
		tc.edit(&c.Scrub)
		if err := c.validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("validate = %v; want an error about %q", err, tc.want)
		}
	}
	c := testConfig(t)
	c.Scrub.Rate = 0 // off
	if err := c.validate(); err != nil {
		t.Fatalf("scrub.rate = 0: %v", err)
	}
}

func TestCheckReplaceable(t *testing.T) {
	dir := t.TempDir()
	if err := checkReplaceable(filepath.Join(dir, "new"), false); err != nil {
		t.Fatalf("a folder not made yet: %v", err)
	}
	if err := os.Mkdir(filepath.Join(dir, "lost+found"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := checkReplaceable(dir, false); err != nil {
		t.Fatalf("a fresh file system (lost+found only): %v", err)
	}
	for _, name := range []string{"blobs", "a", "b", "c"} {
		os.WriteFile(filepath.Join(dir, name), nil, 0o600)
	}
	err := checkReplaceable(dir, false)
	if err == nil || !strings.Contains(err.Error(), "is not empty (it holds a, b, blobs, …)") || !strings.Contains(err.Error(), "--force") {
		t.Fatalf("a folder with files: %v", err)
	}
	if err := checkReplaceable(dir, true); err != nil {
		t.Fatalf("--force: %v", err)
	}
	file := filepath.Join(dir, "a")
	if err := checkReplaceable(file, true); err == nil {
		t.Fatal("a file for a drive folder was accepted")
	}
}

func TestDialable(t *testing.T) {
	for in, want := range map[string]string{
		":8080": "127.0.0.1:8080", "0.0.0.0:8080": "127.0.0.1:8080", "[::]:8080": "[::1]:8080",
		"127.0.0.1:9": "127.0.0.1:9", "192.0.2.5:80": "192.0.2.5:80", "localhost:8080": "localhost:8080",
	} {
		if got, err := dialable(in); err != nil || got != want {
			t.Errorf("dialable(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := dialable("8080"); err == nil {
		t.Error("dialable accepted a port alone")
	}
}

func TestBytesText(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB", 50 << 20: "50.0 MiB", 3 << 40: "3.0 TiB"} {
		if got := bytesText(n); got != want {
			t.Errorf("bytesText(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestPrintStatus prints a report with a drive down, the scrubber in the
// middle of a pass, and maintenance not run yet.
func TestPrintStatus(t *testing.T) {
	now := time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)
	r := statusReport{Version: "1.2.3", Started: now.Add(-2 * time.Hour), DataDir: "/srv/coffre",
		Drives: []driveStatus{
			{Number: 1, Path: "/mnt/a", Up: true, Used: 10 << 30, Free: 90 << 30},
			{Number: 2, Path: "/mnt/bb", Error: "drive offline: not a directory"},
		},
		Quorum: quorumStatus{DataShards: 1, ParityShards: 1, DrivesUp: 1, Readable: true, Reason: "drives: 1 of 2 drives usable, need 2"},
		Usage:  usageStatus{PlatformBytes: 3 << 20, PlatformQuota: 1 << 30, TrashItems: 2, TrashBytes: 512},
	}
	r.Jobs.Scrubber = &blob.ScrubStatus{Rate: 50 << 20, Interval: "24h0m0s",
		Current: &blob.ScrubPass{Started: now.Add(-time.Minute), Progress: 0.42, Contents: 10, Bytes: 1 << 20}}
	r.Jobs.Maintenance.Interval = "1h0m0s"
	var b bytes.Buffer
	printStatus(&b, "127.0.0.1:8080", r, now)
	out := b.String()
	for _, want := range []string{
		"Coffre 1.2.3 at 127.0.0.1:8080, serving since 2026-03-04 10:00:00 UTC (2h0m0s ago)\n",
		"   1  up    /mnt/a   used 10.0 GiB, free 90.0 GiB\n",
		"   2  DOWN  /mnt/bb  drive offline: not a directory\n",
		"1 of 2 drives up: readable, NOT writable\n             drives: 1 of 2 drives usable, need 2\n",
		"usage        3.0 MiB stored (quota 1.0 GiB), trash 2 items, 512 B\n",
		"  current    42% done, started 2026-03-04 11:59:00 UTC (1m0s ago): 10 contents, 1.0 MiB, 0 damaged, 0 repaired, 0 lost\n",
		"  last pass  none complete yet\n",
		"maintenance  not run yet; every 1h0m0s\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	r.Jobs.Scrubber = nil
	b.Reset()
	printStatus(&b, "x:1", r, now)
	if !strings.Contains(b.String(), "scrubber     off (scrub.rate = 0)\n") {
		t.Errorf("scrubber off:\n%s", b.String())
	}
}
