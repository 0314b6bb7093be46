package engine_test

// Tests that need a real process: killing it in the middle of a write, and
// measuring its peak memory while it streams a 2 GiB file.
//
// The test binary re-runs itself: the parent starts os.Args[0] with
// -test.run selecting the same test and procModeEnv naming the child's part;
// the test function sees the variable and plays the child instead.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"coffre/storage"
	"coffre/storage/blob"
	"coffre/storage/engine"
	"coffre/storage/meta"
)

const (
	procModeEnv = "COFFRE_PROCESS_TEST_MODE" // the child's part; unset in the parent
	procDirEnv  = "COFFRE_PROCESS_TEST_DIR"  // the data directory the child opens

	procV1Size   = 1 << 20   // version 1 of /r/f: above the inline limit, so on the drives
	procBigWrite = 200 << 20 // the write that is killed
	procMidway   = 100 << 20 // ... after this many bytes
	procEOFWrite = 64 << 20  // the write killed once its reader has returned io.EOF

	procMemLimit    = 150 << 20 // peak RSS allowed while streaming procMemSize
	procMemRace     = 300 << 20 // the same under -race: see procPeakLimit
	procMemSize     = 2 << 30   // what the memory test streams in and out
	procMemFree     = 10 << 30  // free space the memory test needs (the file costs 2x on disk)
	procWaitTimeout = 4 * time.Minute
)

// procStack is the engine as the server assembles it on one data directory.
type procStack struct {
	meta   *meta.Store
	blob   *blob.Store
	ns     storage.Namespace
	drives []string
}

// close closes the metadata store.
func (s *procStack) close() { s.meta.Close() }

func procDrives(dir string) []string {
	d := make([]string, 4)
	for i := range d {
		d[i] = filepath.Join(dir, fmt.Sprintf("drive%d", i))
	}
	return d
}

// procOpen opens the stack on dir, collecting orphan shards first, as the
// server does at start. It returns what Collect removed.
func procOpen(ctx context.Context, dir string) (s *procStack, files int, size int64, err error) {
	m, err := meta.Open(filepath.Join(dir, "meta"), meta.Options{})
	if err != nil {
		return nil, 0, 0, err
	}
	st := &procStack{meta: m, drives: procDrives(dir)}
	defer func() {
		if err != nil {
			st.close()
		}
	}()
	s = st
	var drives []blob.Drive
	for _, p := range s.drives {
		d, err := blob.LocalDrive(p)
		if err != nil {
			return nil, 0, 0, err
		}
		drives = append(drives, d)
	}
	// The same key in parent and child: the parent reads what the child wrote.
	key := bytes.Repeat([]byte{0x5c}, 32)
	if s.blob, err = blob.New(m, drives, blob.Options{DataShards: 2, ParityShards: 2, MasterKey: key}); err != nil {
		return nil, 0, 0, err
	}
	if files, size, err = s.blob.Collect(ctx); err != nil {
		return nil, 0, 0, err
	}
	e, err := engine.New(m, s.blob, engine.Options{})
	if err != nil {
		return nil, 0, 0, err
	}
	s.ns = e.As(storage.Principal{UserID: "admin", Login: "admin", Admin: true})
	return s, files, size, nil
}

// procContent returns a reader of n deterministic pseudo-random bytes.
func procContent(seed uint64, n int64) io.Reader {
	var s [32]byte
	binary.LittleEndian.PutUint64(s[:], seed)
	return io.LimitReader(rand.NewChaCha8(s), n)
}

func procBytes(seed uint64, n int64) []byte {
	b, _ := io.ReadAll(procContent(seed, n)) // reading memory cannot fail
	return b
}

// procUsage sums the sizes of the regular files below the drive folders.
func procUsage(t *testing.T, drives []string) int64 {
	t.Helper()
	var n int64
	for _, d := range drives {
		err := filepath.WalkDir(d, func(_ string, e fs.DirEntry, err error) error {
			if err != nil || !e.Type().IsRegular() {
				return err
			}
			fi, err := e.Info()
			if err == nil {
				n += fi.Size()
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// procChild is a running child process and the lines it prints.
type procChild struct {
	cmd    *exec.Cmd
	lines  chan string // closed at the end of its output
	stderr bytes.Buffer
	out    []string // the lines seen so far, for failure messages
}

// procStart re-runs the test binary as test's child in the given mode on dir.
// The child is killed when the test ends.
func procStart(t *testing.T, test, mode, dir string) *procChild {
	t.Helper()
	c := &procChild{lines: make(chan string, 64)}
	c.cmd = exec.Command(os.Args[0], "-test.run=^"+test+"$", "-test.timeout=20m", "-test.v")
	c.cmd.Env = append(os.Environ(), procModeEnv+"="+mode, procDirEnv+"="+dir)
	c.cmd.Stderr = &c.stderr
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(c.lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			c.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() { c.kill(t) })
	return c
}

// await returns the first line that starts with prefix, failing the test
// (after killing the child) if the child ends or d passes first.
func (c *procChild) await(t *testing.T, prefix string, d time.Duration) string {
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	for {
		select {
		case line, ok := <-c.lines:
			if !ok {
				c.kill(t)
				t.Fatalf("the child ended before printing %q:\n%s\nstderr:\n%s", prefix, strings.Join(c.out, "\n"), c.stderr.String())
			}
			c.out = append(c.out, line)
			if strings.HasPrefix(line, prefix) {
				return line
			}
		case <-timer.C:
			c.kill(t)
			t.Fatalf("no %q from the child within %v:\n%s\nstderr:\n%s", prefix, d, strings.Join(c.out, "\n"), c.stderr.String())
		}
	}
}

// kill sends SIGKILL to the child (by its PID) and reaps it. It may be
// called more than once.
func (c *procChild) kill(t *testing.T) {
	if c.cmd.ProcessState != nil {
		return
	}
	if err := c.cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Errorf("kill child %d: %v", c.cmd.Process.Pid, err)
	}
	for range c.lines { // the pipe must be drained before Wait
	}
	_ = c.cmd.Wait() // "signal: killed"
}

// wait waits up to d for the child to exit and fails unless it succeeded.
func (c *procChild) wait(t *testing.T, d time.Duration) {
	t.Helper()
	c.await(t, "PASS", d)
	for line := range c.lines {
		c.out = append(c.out, line)
	}
	if err := c.cmd.Wait(); err != nil {
		t.Fatalf("child: %v:\n%s\nstderr:\n%s", err, strings.Join(c.out, "\n"), c.stderr.String())
	}
}

// procChildWrites is the child of the kill tests: it writes version 1 of
// /r/f, then streams a second version from a reader that stops the process
// where the parent will kill it (stop says when, and blocks).
func procChildWrites(t *testing.T, size int64, stop func(read int64, eof bool)) {
	ctx := context.Background()
	s, _, _, err := procOpen(ctx, os.Getenv(procDirEnv))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.ns.Mkdir(ctx, "/r"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ns.Put(ctx, "/r/f", procContent(1, procV1Size), storage.PutOptions{Size: procV1Size}); err != nil {
		t.Fatal(err)
	}
	fmt.Println("V1DONE")
	r := &procStopReader{r: procContent(2, size), stop: stop}
	_, err = s.ns.Put(ctx, "/r/f", r, storage.PutOptions{Size: -1})
	t.Fatalf("the write the parent should have killed returned: %v", err)
}

// procStopReader calls stop after every read and at the end of its input.
type procStopReader struct {
	r    io.Reader
	n    int64
	stop func(read int64, eof bool)
}

func (r *procStopReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.n += int64(n)
	r.stop(r.n, err == io.EOF)
	return n, err
}

// procBlock prints line and blocks until the parent kills the process.
func procBlock(line string) {
	fmt.Println(line)
	for {
		time.Sleep(time.Hour)
	}
}

// procReopen reopens the data directory after the child was killed and
// checks what must hold whatever the moment of the kill: the file is a whole
// version, every version reads back, and after Collect the drives hold
// nothing beyond the shards of the kept versions. It returns the number of
// versions.
func procReopen(t *testing.T, dir string, v2Size int64) int {
	ctx := context.Background()
	drives := procDrives(dir)
	before := procUsage(t, drives)
	start := time.Now()
	s, files, size, err := procOpen(ctx, dir)
	if err != nil {
		t.Fatalf("reopen after the kill: %v", err)
	}
	defer s.close()
	after := procUsage(t, drives)
	t.Logf("reopened in %v; drive folders held %.1f MiB, Collect removed %d files (%.1f MiB), %.1f MiB left",
		time.Since(start).Round(time.Millisecond), mibs(before), files, mibs(size), mibs(after))

	vs, err := s.ns.Versions(ctx, "/r/f")
	if err != nil {
		t.Fatal(err)
	}
	want := procBytes(1, procV1Size)
	kept := int64(procV1Size)
	switch {
	case len(vs) == 1:
	case len(vs) == 2 && v2Size > 0:
		// The kill came after the commit: version 2 is whole.
		want = procBytes(2, v2Size)
		kept += v2Size
	default:
		t.Fatalf("%d versions after the kill: %+v", len(vs), vs)
	}
	procCheckFile(t, s.ns, "/r/f", want)
	// 2 data + 2 parity shards: twice the bytes, plus headers and checksums.
	if limit := 2*kept + 1<<20; after > limit {
		t.Errorf("after Collect the drive folders hold %.1f MiB; the kept versions need about %.1f MiB", mibs(after), mibs(2*kept))
	}

	// The store is usable: a new version goes in.
	if _, err := s.ns.Put(ctx, "/r/f", bytes.NewReader(want[:300<<10]), storage.PutOptions{Size: 300 << 10}); err != nil {
		t.Fatalf("put after the kill: %v", err)
	}
	if vs2, err := s.ns.Versions(ctx, "/r/f"); err != nil || len(vs2) != len(vs)+1 {
		t.Fatalf("after a new put: %d versions, %v; want %d", len(vs2), err, len(vs)+1)
	}
	return len(vs)
}

// procCheckFile fails unless the file at path holds exactly want.
func procCheckFile(t *testing.T, ns storage.Namespace, path string, want []byte) {
	t.Helper()
	obj, err := ns.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	got, err := io.ReadAll(io.NewSectionReader(obj, 0, obj.Info().Size))
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: %d bytes that differ from the %d expected", path, len(got), len(want))
	}
}

func mibs(n int64) float64 { return float64(n) / (1 << 20) }

// TestProcessKillMidWrite kills a process in the middle of a 200 MiB write:
// the previous version must be intact and the partial shards collected.
func TestProcessKillMidWrite(t *testing.T) {
	if os.Getenv(procModeEnv) == "killmid" {
		procChildWrites(t, procBigWrite, func(n int64, _ bool) {
			if n >= procMidway {
				procBlock("MIDWAY")
			}
		})
		return
	}
	dir := t.TempDir()
	start := time.Now()
	c := procStart(t, t.Name(), "killmid", dir)
	c.await(t, "V1DONE", procWaitTimeout)
	c.await(t, "MIDWAY", procWaitTimeout)
	t.Logf("child at %d MiB of %d after %v; killing it", procMidway>>20, procBigWrite>>20, time.Since(start).Round(time.Millisecond))
	c.kill(t)
	if before := procUsage(t, procDrives(dir)); before < procMidway/2 {
		t.Logf("warning: the drive folders hold only %.1f MiB at the kill: the partial write was not on the drives", mibs(before))
	}
	procReopen(t, dir, 0)
}

// TestProcessKillAtEnd kills a process as soon as the reader of a 64 MiB
// write has returned io.EOF: the engine is then syncing the shards or
// committing the metadata. Without a hook in the engine the exact moment is
// not controlled, so either outcome is accepted as long as it is whole: the
// old version alone, or the new version committed; and no space leaks.
func TestProcessKillAtEnd(t *testing.T) {
	if os.Getenv(procModeEnv) == "killend" {
		procChildWrites(t, procEOFWrite, func(_ int64, eof bool) {
			if eof {
				fmt.Println("EOF") // the engine goes on: the parent kills it now
			}
		})
		return
	}
	dir := t.TempDir()
	c := procStart(t, t.Name(), "killend", dir)
	c.await(t, "V1DONE", procWaitTimeout)
	c.await(t, "EOF", procWaitTimeout)
	c.kill(t)
	if n := procReopen(t, dir, procEOFWrite); n == 1 {
		t.Log("killed before the commit: version 1 alone, partial shards collected")
	} else {
		t.Log("killed after the commit: version 2 is whole (the kill came too late to test the window)")
	}
}

// procRaceEnabled reports whether the binary was built with -race, from its
// build settings (a build-tagged constant would need a second file).
func procRaceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// procPeakLimit is the peak RSS the memory test allows. Under -race the
// child is a race binary: its shadow memory grows with every byte of heap and
// of Pebble's caches it touches, so its RSS is not the server's (measured: 41
// MiB without -race, 142 MiB with it, for the same 2 GiB). The test still
// streams the whole 2 GiB under -race (about 45 s on 2 cores, well under the
// 3 minutes that would call for a non-race child) and keeps a bound that
// buffering even a small fraction of the file would break; the 150 MiB of
// the issue is enforced where it means something, without -race.
func procPeakLimit() int64 {
	if procRaceEnabled() {
		return procMemRace
	}
	return procMemLimit
}

// TestProcessMemory writes a 2 GiB file and reads it back in a child process
// whose peak RSS must stay under 150 MiB.
func TestProcessMemory(t *testing.T) {
	if os.Getenv(procModeEnv) == "memory" {
		procChildMemory(t)
		return
	}
	if testing.Short() {
		t.Skip("streams 2 GiB through the engine; skipped with -short")
	}
	dir := t.TempDir()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	if free := int64(st.Bavail) * int64(st.Bsize); free < procMemFree {
		t.Skipf("needs %d GiB free in %s for a 2 GiB file stored twice over; %.1f GiB free", procMemFree>>30, dir, float64(free)/(1<<30))
	}
	start := time.Now()
	c := procStart(t, t.Name(), "memory", dir)
	line := c.await(t, "PEAKRSS ", 15*time.Minute)
	c.wait(t, time.Minute)
	f := strings.Fields(line) // PEAKRSS <bytes> SIZE <bytes> PUT <d> GET <d> OPENRSS <bytes>
	if len(f) != 10 {
		t.Fatalf("child printed %q", line)
	}
	peak, err1 := strconv.ParseInt(f[1], 10, 64)
	open, err2 := strconv.ParseInt(f[9], 10, 64)
	if err1 != nil || err2 != nil {
		t.Fatalf("child printed %q", line)
	}
	t.Logf("child streamed %s bytes in and out in %v (put %s, get %s); RSS %.1f MiB with the stack open, peak %.1f MiB",
		f[3], time.Since(start).Round(time.Millisecond), f[5], f[7], mibs(open), mibs(peak))
	if limit := procPeakLimit(); peak >= limit {
		t.Errorf("peak RSS %.1f MiB, want under %d MiB (race detector: %v)", mibs(peak), limit>>20, procRaceEnabled())
	}
}

func procChildMemory(t *testing.T) {
	ctx := context.Background()
	s, _, _, err := procOpen(ctx, os.Getenv(procDirEnv))
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	if _, err := s.ns.Mkdir(ctx, "/m"); err != nil {
		t.Fatal(err)
	}
	openRSS := procStatus(t, "VmRSS")
	size := int64(procMemSize)
	h := sha256.New()
	start := time.Now()
	info, err := s.ns.Put(ctx, "/m/big", io.TeeReader(procContent(3, size), h), storage.PutOptions{Size: size})
	if err != nil {
		t.Fatal(err)
	}
	putTime := time.Since(start)
	if info.Size != size {
		t.Fatalf("put %d bytes, engine recorded %d", size, info.Size)
	}
	want := h.Sum(nil)

	start = time.Now()
	obj, err := s.ns.Open(ctx, "/m/big")
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	h.Reset()
	if n, err := io.Copy(h, io.NewSectionReader(obj, 0, obj.Info().Size)); err != nil || n != size {
		t.Fatalf("read back %d bytes: %v", n, err)
	}
	if !bytes.Equal(h.Sum(nil), want) {
		t.Fatal("the content read back differs from what was written")
	}
	getTime := time.Since(start)

	fmt.Printf("PEAKRSS %d SIZE %d PUT %v GET %v OPENRSS %d\n",
		procStatus(t, "VmHWM"), size, putTime.Round(time.Millisecond), getTime.Round(time.Millisecond), openRSS)
}

// procStatus returns a memory figure of this process, in bytes, from
// /proc/self/status.
func procStatus(t *testing.T, field string) int64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for l := range strings.Lines(string(status)) {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("%s: %q", field, v)
			}
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc/self/status", field)
	return 0
}
