package blob

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"coffre/storage"
	"coffre/storage/erasure"
)

// flipByte xors one byte of a file on disk.
func flipByte(t *testing.T, path string, off int64) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := []byte{0}
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x5a
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

// TestScrubFindsAndRepairs damages a block of one content and removes a
// shard file of another: a scrub without repair reports both and changes
// nothing; with repair it rebuilds both byte for byte and counts what it did.
func TestScrubFindsAndRepairs(t *testing.T) {
	e := newEnv(t, Options{BlockSize: 64 << 10, InlineLimit: 4096})
	ctx := context.Background()
	a := e.put(t, randBytes(51, 3*64<<10+10), -1)
	b := e.put(t, randBytes(52, 2*64<<10), -1)
	e.put(t, randBytes(53, 100), -1) // inline
	rec, _ := e.s.getRecord("t", a)
	want := map[string][]byte{}
	for _, h := range []Hash{a, b} {
		for i := range 4 {
			p := e.shardPath(t, h, i)
			want[p], _ = os.ReadFile(p)
		}
	}
	flipByte(t, e.shardPath(t, a, 0), rec.layout().ShardOffset(1)+erasure.SumSize+9)
	if err := os.Remove(e.shardPath(t, b, 3)); err != nil {
		t.Fatal(err)
	}

	rep, err := e.s.Scrub(ctx, ScrubOptions{}, nil)
	if err != nil || rep.Contents != 3 || rep.Damaged != 2 || rep.Repaired != 0 || rep.Lost != 0 || !rep.Done || rep.Bytes <= 100 {
		t.Fatalf("scrub: %+v, %v", rep, err)
	}
	if _, err := os.Stat(e.shardPath(t, b, 3)); err == nil {
		t.Fatal("a scrub without repair recreated a shard file")
	}
	if c := e.s.Counts(); c.ChecksumFailures != 1 || c.ShardsHealed != 0 {
		t.Fatalf("counts after a check: %+v", c)
	}

	rep, err = e.s.Scrub(ctx, ScrubOptions{Repair: true}, nil)
	if err != nil || rep.Contents != 3 || rep.Damaged != 2 || rep.Repaired != 2 || rep.Lost != 0 {
		t.Fatalf("scrub with repair: %+v, %v", rep, err)
	}
	for p, w := range want {
		if got, _ := os.ReadFile(p); !bytes.Equal(got, w) {
			t.Fatalf("%s not rebuilt byte for byte", p)
		}
	}
	// One damaged block found twice; one block rewritten in a, the two
	// blocks of b's lost shard.
	if c := e.s.Counts(); c.ChecksumFailures != 2 || c.ShardsHealed != 3 {
		t.Fatalf("counts after a repair: %+v", c)
	}
	if rep, err := e.s.Scrub(ctx, ScrubOptions{}, nil); err != nil || rep.Damaged != 0 || rep.Contents != 3 {
		t.Fatalf("scrub after repair: %+v, %v", rep, err)
	}
}

// TestScrubLost: with more shards gone than parity, Scrub counts the
// content lost and repairs nothing.
func TestScrubLost(t *testing.T) {
	e := newEnv(t, Options{BlockSize: 64 << 10})
	h := e.put(t, randBytes(54, 200<<10), -1)
	for _, i := range []int{0, 1, 2} {
		os.Remove(e.shardPath(t, h, i))
	}
	rep, err := e.s.Scrub(context.Background(), ScrubOptions{Repair: true}, nil)
	if err != nil || rep.Contents != 1 || rep.Damaged != 1 || rep.Lost != 1 || rep.Repaired != 0 {
		t.Fatalf("scrub: %+v, %v", rep, err)
	}
}

// TestScrubResumes: Scrub visits contents in hash order from From on;
// stopped by its context, it reports where to resume, and the two parts
// together check every content once.
func TestScrubResumes(t *testing.T) {
	e := newEnv(t, Options{BlockSize: 64 << 10, InlineLimit: -1})
	var all []Hash
	for i := range 10 {
		all = append(all, e.put(t, randBytes(uint64(60+i), 1000+i), -1))
	}
	slices.SortFunc(all, func(x, y Hash) int { return bytes.Compare(x[:], y[:]) })

	ctx, cancel := context.WithCancel(context.Background())
	var seen []Hash
	rep, err := e.s.Scrub(ctx, ScrubOptions{}, func(r ScrubReport) {
		if len(seen) == 3 {
			t.Fatal("progress after the context ended")
		}
		seen = append(seen, all[r.Contents-1])
		if r.Contents == 3 {
			cancel()
		}
	})
	if !storage.Is(storage.Unavailable, err) || rep.Contents != 3 || rep.Done {
		t.Fatalf("stopped scrub: %+v, %v", rep, err)
	}
	if next, _ := after(all[2]); rep.Next != next {
		t.Fatalf("next %x, want the hash after the third", rep.Next[:4])
	}
	if f := rep.Fraction(); f <= 0 || f >= 1 {
		t.Fatalf("fraction %v", f)
	}
	rep, err = e.s.Scrub(context.Background(), ScrubOptions{From: rep.Next}, nil)
	if err != nil || rep.Contents != 7 || !rep.Done || rep.Fraction() != 1 {
		t.Fatalf("resumed scrub: %+v, %v", rep, err)
	}
	// From a content's own hash: that content is checked.
	if rep, _ := e.s.Scrub(context.Background(), ScrubOptions{From: all[9]}, nil); rep.Contents != 1 {
		t.Fatalf("from the last hash: %+v", rep)
	}
}

// TestReadCountsChecksumFailures: a read that finds damaged shard blocks
// counts them and the blocks it rewrites.
func TestReadCountsChecksumFailures(t *testing.T) {
	e := newEnv(t, Options{BlockSize: 64 << 10})
	data := randBytes(55, 3*64<<10)
	h := e.put(t, data, -1)
	rec, _ := e.s.getRecord("t", h)
	flipByte(t, e.shardPath(t, h, 1), rec.layout().ShardOffset(2)+erasure.SumSize+1)
	if got, err := e.readAll(t, h); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read: %v", err)
	}
	if c := e.s.Counts(); c.ChecksumFailures != 1 || c.ShardsHealed != 1 {
		t.Fatalf("counts: %+v", c)
	}
}

func TestPacer(t *testing.T) {
	now := time.Unix(1000, 0)
	var slept []time.Duration
	p := &pacer{rate: 1000, start: now, now: func() time.Time { return now },
		sleep: func(_ context.Context, d time.Duration) error { slept = append(slept, d); now = now.Add(d); return nil }}
	ctx := context.Background()
	p.pace(ctx, 5)   // 5 ms due: carried
	p.pace(ctx, 495) // 500 ms due
	now = now.Add(200 * time.Millisecond)
	p.pace(ctx, 300) // 800 ms due, 700 ms passed
	if want := []time.Duration{500 * time.Millisecond, 100 * time.Millisecond}; !slices.Equal(slept, want) {
		t.Fatalf("slept %v, want %v", slept, want)
	}
	free := &pacer{rate: 0, now: func() time.Time { t.Fatal("no limit reads the clock"); return now }}
	free.pace(ctx, 1<<40)
}

// openCanceller is a drive that cancels a context on its nth Open.
type openCanceller struct {
	Drive
	n      atomic.Int64
	at     int64
	cancel func()
}

func (d *openCanceller) Open(name string) (File, error) {
	if d.n.Add(1) == d.at {
		d.cancel()
	}
	return d.Drive.Open(name)
}

// passLogged is a slog handler that signals each "scrub pass" line.
type passLogged struct {
	slog.Handler
	mu    sync.Mutex
	lines []string
	pass  chan struct{}
}

func (h *passLogged) Enabled(context.Context, slog.Level) bool { return true }

func (h *passLogged) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "scrub pass" {
		var b strings.Builder
		r.Attrs(func(a slog.Attr) bool { b.WriteString(a.String() + " "); return true })
		h.mu.Lock()
		h.lines = append(h.lines, b.String())
		h.mu.Unlock()
		h.pass <- struct{}{}
	}
	return nil
}

// TestScrubberResumesAfterRestart stops a Scrubber in the middle of a pass;
// a new one (a restart) resumes from the saved cursor, finishes the pass,
// logs it once with every content counted once, and plans the next.
func TestScrubberResumesAfterRestart(t *testing.T) {
	e := newEnv(t, Options{BlockSize: 64 << 10, InlineLimit: -1})
	for i := range 12 {
		e.put(t, randBytes(uint64(80+i), 2000+i), -1)
	}
	ctx, cancel := context.WithCancel(context.Background())
	oc := &openCanceller{Drive: e.drives[0], at: 5, cancel: cancel}
	drives := append([]Drive{oc}, e.drives[1:]...)
	s, err := New(e.meta, drives, e.opts)
	if err != nil {
		t.Fatal(err)
	}
	log := &passLogged{Handler: slog.DiscardHandler, pass: make(chan struct{}, 1)}
	opts := ScrubberOptions{Interval: time.Hour, Rate: 1 << 30, Logger: slog.New(log)}

	if err := NewScrubber(s, opts).Run(ctx); err != nil {
		t.Fatal(err)
	}
	st := NewScrubber(s, opts).Status()
	if st.Last != nil || st.Current == nil || st.Current.Contents != 4 || st.Current.Next == "" || st.Current.Progress <= 0 {
		t.Fatalf("after a stop: %+v", st.Current)
	}

	sc := NewScrubber(s, opts)
	ctx2, cancel2 := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { sc.Run(ctx2) })
	defer func() { cancel2(); wg.Wait() }()
	select {
	case <-log.pass:
	case <-time.After(30 * time.Second):
		t.Fatal("no pass logged")
	}
	if c, b := sc.Counts(); c != 8 || b <= 0 {
		t.Fatalf("resumed scrubber checked %d contents, %d bytes; want 8", c, b)
	}
	if !strings.Contains(log.lines[0], "contents=12 ") || !strings.Contains(log.lines[0], "damaged=0 ") || !strings.Contains(log.lines[0], "resumed_after=4") {
		t.Fatalf("pass line: %s", log.lines[0])
	}
	// The pass is saved as the last one; a restart waits for the next.
	st = NewScrubber(s, opts).Status()
	if st.Current != nil || st.Last == nil || st.Last.Contents != 12 || st.Last.Progress != 1 || st.Last.Finished.IsZero() {
		t.Fatalf("after the pass: %+v %+v", st.Current, st.Last)
	}
	if got := sc.Status(); got.NextPass.Sub(got.Last.Finished) != time.Hour {
		t.Fatalf("next pass %v, last finished %v", got.NextPass, got.Last.Finished)
	}
	if st.Last.Next != "" {
		t.Fatalf("a finished pass keeps a cursor %q", st.Last.Next)
	}
}
