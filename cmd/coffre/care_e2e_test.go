package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// careFiles are the files the care tests write: inline, one block, several
// blocks, an exact block and a ragged tail.
func careFiles() map[string][]byte {
	r := rand.New(rand.NewPCG(8, 8))
	out := map[string][]byte{}
	for name, n := range map[string]int{
		"small.txt": 100, "a.bin": 200 << 10, "b.bin": 3<<20 + 17, "deep/c.bin": 1 << 20, "deep/d.bin": 5<<20 - 3,
	} {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		out[name] = b
	}
	return out
}

// davDo sends one WebDAV request as the administrator.
func davDo(t *testing.T, addr, password, method, path string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+addr+"/dav/"+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.SetBasicAuth("admin", password)
	c := http.Client{Timeout: 60 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("WebDAV %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("WebDAV %s %s: %v", method, path, err)
	}
	return resp.StatusCode, b
}

// putCareFiles stores the files under /care over WebDAV.
func putCareFiles(t *testing.T, addr, password string, files map[string][]byte) {
	t.Helper()
	for _, dir := range []string{"care", "care/deep"} {
		if code, body := davDo(t, addr, password, "MKCOL", dir, nil); code != http.StatusCreated {
			t.Fatalf("MKCOL %s = %d %s", dir, code, body)
		}
	}
	for name, b := range files {
		if code, body := davDo(t, addr, password, "PUT", "care/"+name, b); code != http.StatusCreated {
			t.Fatalf("PUT %s = %d %s", name, code, body)
		}
	}
}

// readCareFiles reads every file back and compares it byte for byte.
func readCareFiles(t *testing.T, s *server, password string, files map[string][]byte) {
	t.Helper()
	for name, want := range files {
		code, got := davDo(t, s.addr, password, "GET", "care/"+name, nil)
		if code != http.StatusOK || !bytes.Equal(got, want) {
			t.Fatalf("GET %s = %d, %d bytes (want %d, equal %v)\nserver log:\n%s", name, code, len(got), len(want), bytes.Equal(got, want), s.stderr)
		}
	}
}

// TestDriveReplace runs coffre drive replace on the real binary.
func TestDriveReplace(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	t.Run("empty folder", func(t *testing.T) { t.Parallel(); driveReplaceEmpty(t, bin) })
	t.Run("force", func(t *testing.T) { t.Parallel(); driveReplaceForce(t, bin) })
}

// driveReplaceEmpty is the drive replacement test: files written,
// the server stopped, one drive folder emptied and rebuilt with coffre
// drive replace, then two other drive folders removed: with 2+2 the two
// left hold everything, byte for byte.
func driveReplaceEmpty(t *testing.T, bin string) {
	data := filepath.Join(t.TempDir(), "data")
	const password = "drive-replace-password"
	env := "COFFRE_ADMIN_PASSWORD=" + password
	files := careFiles()
	s := startServer(t, bin, data, env)
	putCareFiles(t, s.addr, password, files)
	if code, _, errOut := runCmd(t, bin, "drive", "replace", "2", "--data", data); code != 1 || !strings.Contains(errOut, "stop coffre serve") {
		t.Fatalf("drive replace beside a running server: %d %s", code, errOut)
	}
	s.stop()

	drive := func(n int) string { return filepath.Join(data, "drives", fmt.Sprintf("d%d", n)) }
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"drive", "replace", "5"}, 2, "there is no drive 5; the config lists 4 drives:\n  1  " + drive(1)},
		{[]string{"drive", "replace", "0"}, 2, "N is a drive number from 1"},
		{[]string{"drive", "replace", "two"}, 2, "N is a drive number from 1"},
		{[]string{"drive", "replace"}, 2, "missing N"},
		{[]string{"drive", "swap", "2"}, 2, "the subcommand is replace"},
		{[]string{"drive", "replace", "2"}, 1, "drive 2: folder " + drive(2) + " is not empty (it holds "}, // its shards and checkpoints
	} {
		code, out, errOut := runCmd(t, bin, append(c.args, "--data", data)...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("coffre %v: status %d (want %d)\nstdout:\n%s\nstderr:\n%s", c.args, code, c.code, out, errOut)
		}
	}

	// The disk of drive 2 is replaced: a new, empty file system.
	if err := os.RemoveAll(drive(2)); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(drive(2), "lost+found"), 0o700); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCmd(t, bin, "drive", "replace", "2", "--data", data)
	// Four contents live on the drives; small.txt lives in the metadata store.
	if code != 0 || !strings.Contains(out, "drive 2 now holds 4 shard files") || !strings.Contains(out, "rebuilt        4\n") ||
		!strings.Contains(out, "unrecoverable  0\n") || !strings.HasSuffix(out, "ok\n") {
		t.Fatalf("drive replace: status %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	// Two other drives lost: the rebuilt one and the last one must suffice.
	for _, n := range []int{1, 3} {
		if err := os.RemoveAll(drive(n)); err != nil {
			t.Fatal(err)
		}
	}
	s = startServer(t, bin, data, env)
	readCareFiles(t, s, password, files)
	s.stop()
}

// driveReplaceForce: --force rebuilds onto a folder that holds files,
// keeping what is whole (an interrupted replacement).
func driveReplaceForce(t *testing.T, bin string) {
	data := filepath.Join(t.TempDir(), "data")
	const password = "drive-replace-password"
	files := careFiles()
	s := startServer(t, bin, data, "COFFRE_ADMIN_PASSWORD="+password)
	putCareFiles(t, s.addr, password, files)
	s.stop()
	// Half the shard files of drive 4 are gone.
	var shards []string
	filepath.WalkDir(filepath.Join(data, "drives", "d4", "blobs"), func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			shards = append(shards, p)
		}
		return nil
	})
	if len(shards) != 4 {
		t.Fatalf("%d shard files on drive 4, want 4", len(shards))
	}
	for _, p := range shards[:2] {
		os.Remove(p)
	}
	code, out, errOut := runCmd(t, bin, "drive", "replace", "4", "--force", "--data", data)
	if code != 0 || !strings.Contains(out, "drive 4 now holds 4 shard files") || !strings.Contains(out, "rebuilt        2\n") || !strings.Contains(out, "already whole  3 ") {
		t.Fatalf("drive replace --force: status %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if code, out, _ := runCmd(t, bin, "fsck", "--data", data); code != 0 {
		t.Fatalf("fsck after the replacement: %d\n%s", code, out)
	}

	// Drive 2 is replaced while drive 3 is unusable: drive 2 is rebuilt
	// from drives 1 and 4, but the summary says problems remain.
	d2, d3 := filepath.Join(data, "drives", "d2"), filepath.Join(data, "drives", "d3")
	if err := os.RemoveAll(d2); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(d3); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(d3, []byte("not a folder"), 0o400); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runCmd(t, bin, "drive", "replace", "2", "--data", data)
	if code != 1 || !strings.Contains(out, "drive 2 now holds 4 shard files") || !strings.Contains(out, "incomplete     4 ") || !strings.Contains(out, "problems remain") {
		t.Fatalf("drive replace with another drive down: status %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
}

// TestStatus asks a running server with coffre status, in text and JSON,
// as its drives fail; and asks where no server or another one listens.
func TestStatus(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)

	nobody := freeAddr(t)
	code, out, errOut := runCmd(t, bin, "status", "--addr", nobody)
	if want := "coffre: no Coffre server at " + nobody + ": is it running? (coffre serve"; code != 1 || !strings.HasPrefix(errOut, want) || out != "" {
		t.Fatalf("status with no server: %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	other := httptest.NewServer(http.NotFoundHandler())
	defer other.Close()
	code, _, errOut = runCmd(t, bin, "status", "--addr", strings.TrimPrefix(other.URL, "http://"))
	if code != 1 || !strings.Contains(errOut, "does not serve /admin/status") {
		t.Fatalf("status against another server: %d %s", code, errOut)
	}
	if code, _, errOut := runCmd(t, bin, "status", "--addr", "nonsense"); code != 2 || !strings.Contains(errOut, `--addr "nonsense" is not host:port`) {
		t.Fatalf("status --addr nonsense: %d %s", code, errOut)
	}

	data := filepath.Join(t.TempDir(), "data")
	const password = "status-password"
	s := startServer(t, bin, data, "COFFRE_ADMIN_PASSWORD="+password)
	files := careFiles()
	putCareFiles(t, s.addr, password, files)
	if code, _ := davDo(t, s.addr, password, "DELETE", "care/a.bin", nil); code != http.StatusNoContent {
		t.Fatalf("DELETE = %d", code)
	}

	code, out, errOut = runCmd(t, bin, "status", "--addr", s.addr)
	if code != 0 {
		t.Fatalf("status: %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{
		"Coffre 0.", "at " + s.addr + ", serving since ", "data         " + data + "\n",
		"   1  up    " + filepath.Join(data, "drives", "d1"),
		"quorum       2 data + 2 parity shards; 4 of 4 drives up: readable and writable\n",
		"trash 1 items, 200.0 KiB\n",
		"healer       0 contents queued",
		"scrubber     every 24h0m0s at 50.0 MiB/s\n",
		"maintenance  ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("status output lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, " up    ") != 4 {
		t.Errorf("status output does not show 4 drives up:\n%s", out)
	}

	// The same through a config file that names the server's address.
	cfg := writeConfig(t, fmt.Sprintf("[http]\naddr = %q\n", s.addr))
	code, out, errOut = runCmd(t, bin, "status", "--config", cfg, "--json")
	var r statusReport
	if code != 0 || json.Unmarshal([]byte(out), &r) != nil {
		t.Fatalf("status --json: %d\n%s%s", code, out, errOut)
	}
	var stored int64
	for _, b := range files {
		stored += int64(len(b))
	}
	if len(r.Drives) != 4 || !r.Quorum.Writable || r.Quorum.DrivesUp != 4 || r.Usage.PlatformBytes != stored ||
		r.Usage.TrashItems != 1 || r.Jobs.Scrubber == nil || r.Jobs.Scrubber.Rate != 50<<20 || r.Drives[3].Number != 4 || r.Drives[3].Free <= 0 {
		t.Fatalf("status --json: %+v", r)
	}

	checkCareMetrics(t, s, int64(len(files["a.bin"])))

	// Drives fail one after the other.
	breakDrive := func(n int) {
		dir := filepath.Join(data, "drives", fmt.Sprintf("d%d", n))
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dir, []byte("not a folder"), 0o400); err != nil {
			t.Fatal(err)
		}
	}
	breakDrive(2)
	_, out, _ = runCmd(t, bin, "status", "--addr", s.addr)
	if !strings.Contains(out, "   2  DOWN  ") || !strings.Contains(out, "3 of 4 drives up: readable and writable\n") {
		t.Fatalf("status with drive 2 down:\n%s", out)
	}
	// Reads go on from the other drives, and count drive 2's errors.
	kept := maps.Clone(files)
	delete(kept, "a.bin") // in the trash
	readCareFiles(t, s, password, kept)
	errs := map[string]float64{}
	for _, m := range scrapeMetrics(t, "http://"+s.addr+"/metrics")["drive_errors_total"].GetMetric() {
		errs[filepath.Base(m.GetLabel()[0].GetValue())] = m.GetCounter().GetValue()
	}
	if len(errs) != 4 || errs["d2"] == 0 || errs["d1"] != 0 {
		t.Errorf("drive_errors_total after reads with drive 2 gone: %v", errs)
	}
	breakDrive(3)
	_, out, _ = runCmd(t, bin, "status", "--addr", s.addr)
	if !strings.Contains(out, "2 of 4 drives up: readable, NOT writable\n") || !strings.Contains(out, "need 3") {
		t.Fatalf("status with drives 2 and 3 down:\n%s", out)
	}
	s.stop()
}

// checkCareMetrics checks the namespace's gauges (one trashed file of
// trashed bytes, no lock, no upload) and that each periodic care loop has
// made its first pass, counted in /metrics and logged.
func checkCareMetrics(t *testing.T, s *server, trashed int64) {
	t.Helper()
	fams := scrapeMetrics(t, "http://"+s.addr+"/metrics")
	for name, want := range map[string]float64{"trash_items": 1, "trash_bytes": float64(trashed), "locks_held": 0, "uploads_in_progress": 0} {
		if got, ok := gaugeValue(fams, name); !ok || got != want {
			t.Errorf("%s = %v (present %v), want %v", name, got, ok, want)
		}
	}
	loops := []string{"engine maintenance", "collector", "audit retention", "token expiry", "link token expiry", "metadata checkpoints"}
	deadline := time.Now().Add(30 * time.Second)
	for _, name := range loops {
		for passes(fams, name) < 1 {
			if time.Now().After(deadline) {
				t.Fatalf("no pass of %q in /metrics within 30s", name)
			}
			time.Sleep(50 * time.Millisecond)
			fams = scrapeMetrics(t, "http://"+s.addr+"/metrics")
		}
		if name == "metadata checkpoints" {
			continue // logs "metadata checkpoint written" (component=checkpoint)
		}
		if !strings.Contains(s.stderr.String(), fmt.Sprintf("msg=%q component=care items=", name)) &&
			!strings.Contains(s.stderr.String(), fmt.Sprintf("msg=%s component=care items=", name)) {
			t.Errorf("no log line of the %q pass:\n%s", name, s.stderr)
		}
	}
}

// passes is background_passes_total{loop=name,outcome="ok"}.
func passes(fams map[string]*dto.MetricFamily, name string) float64 {
	for _, m := range fams["background_passes_total"].GetMetric() {
		var loop, outcome string
		for _, l := range m.GetLabel() {
			switch l.GetName() {
			case "loop":
				loop = l.GetValue()
			case "outcome":
				outcome = l.GetValue()
			}
		}
		if loop == name && outcome == "ok" {
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

// gaugeValue is the value of an unlabelled gauge or counter; false when the
// series is absent.
func gaugeValue(fams map[string]*dto.MetricFamily, name string) (float64, bool) {
	f, ok := fams[name]
	if !ok || len(f.GetMetric()) == 0 {
		return 0, false
	}
	m := f.GetMetric()[0]
	if m.GetCounter() != nil {
		return m.GetCounter().GetValue(), true
	}
	return m.GetGauge().GetValue(), true
}

// TestScrubHealsCorruption damages a shard block on disk while the server
// is stopped; at the next start the scrubber finds it, rebuilds the shard
// file byte for byte, and /metrics, the log and coffre status count it.
func TestScrubHealsCorruption(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	const password = "scrub-password"
	env := "COFFRE_ADMIN_PASSWORD=" + password
	config := func(rate int64) string {
		return writeConfig(t, fmt.Sprintf("[scrub]\ninterval = \"24h\"\nrate = %d\n", rate))
	}
	serve := func(cfg string) *server {
		addr := freeAddr(t)
		return startServerArgs(t, bin, addr, []string{"serve", "--config", cfg, "--data", data, "--http", addr, "--s3", "off"}, env)
	}

	s := serve(config(0)) // no scrubber: the damage below waits for the next start
	files := careFiles()
	putCareFiles(t, s.addr, password, files)
	s.stop()
	if !strings.Contains(s.stderr.String(), "scrubber off") {
		t.Fatalf("scrub.rate = 0 did not turn the scrubber off:\n%s", s.stderr)
	}

	// Flip a byte in the middle of drive 1's largest shard file.
	var victim string
	var size int64
	filepath.WalkDir(filepath.Join(data, "drives", "d1", "blobs"), func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			if fi, err := e.Info(); err == nil && fi.Size() > size {
				victim, size = p, fi.Size()
			}
		}
		return nil
	})
	want, err := os.ReadFile(victim)
	if err != nil {
		t.Fatal(err)
	}
	damaged := bytes.Clone(want)
	damaged[len(damaged)/2] ^= 0x5a
	if err := os.WriteFile(victim, damaged, 0o600); err != nil {
		t.Fatal(err)
	}

	s = serve(config(1 << 30))
	var fams map[string]*dto.MetricFamily
	for deadline := time.Now().Add(60 * time.Second); ; {
		fams = scrapeMetrics(t, "http://"+s.addr+"/metrics")
		if _, ok := gaugeValue(fams, "scrub_last_pass_timestamp_seconds"); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no scrub pass within 60s\nserver log:\n%s", s.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for name, min := range map[string]float64{
		"scrub_contents_total": 5, "scrub_bytes_total": float64(size), "checksum_failures_total": 1, "shards_healed_total": 1,
	} {
		if v, ok := gaugeValue(fams, name); !ok || v < min {
			t.Errorf("%s = %v (present %v), want at least %v", name, v, ok, min)
		}
	}
	if v, _ := gaugeValue(fams, "checksum_failures_total"); v != 1 {
		t.Errorf("checksum_failures_total = %v, want 1", v)
	}
	if got, _ := os.ReadFile(victim); !bytes.Equal(got, want) {
		t.Fatal("the damaged shard file was not rebuilt byte for byte")
	}
	if !strings.Contains(s.stderr.String(), "scrub pass") || !strings.Contains(s.stderr.String(), "damaged=1 repaired=1 lost=0") {
		t.Errorf("no scrub pass line with the damage in the log:\n%s", s.stderr)
	}
	code, out, errOut := runCmd(t, bin, "status", "--addr", s.addr)
	if code != 0 || !strings.Contains(out, "  last pass  ended ") || !strings.Contains(out, "5 contents, ") ||
		!strings.Contains(out, "1 damaged, 1 repaired, 0 lost") || !strings.Contains(out, "  next pass  ") ||
		!strings.Contains(out, "since start 1 bad shard blocks found, 1 rebuilt") {
		t.Errorf("status after the pass: %d\n%s%s", code, out, errOut)
	}
	readCareFiles(t, s, password, files)
	s.stop()
}
