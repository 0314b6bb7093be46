package blob

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"coffre/storage"
	"coffre/storage/meta"
)

// counts are what the Store's checks found and healed since it was created.
type counts struct {
	checksumFailures atomic.Int64
	shardsHealed     atomic.Int64
}

// Counts are what reads, the healer, fsck and the scrubber found and healed
// since the Store was created. Both only grow.
type Counts struct {
	ChecksumFailures int64 // shard blocks found with a bad checksum or short
	ShardsHealed     int64 // shard blocks rebuilt from the others and rewritten
}

// Counts returns the Store's counts.
func (s *Store) Counts() Counts {
	return Counts{ChecksumFailures: s.counts.checksumFailures.Load(), ShardsHealed: s.counts.shardsHealed.Load()}
}

// HealQueue returns how many contents wait for Run to heal them.
func (s *Store) HealQueue() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.healq)
}

// ScrubOptions says what Scrub checks and how fast.
type ScrubOptions struct {
	// From is where to start: the contents whose hash is From or above are
	// checked, in hash order. The zero Hash starts at the first content.
	From Hash
	// Rate bounds the bytes read per second, on average over the call;
	// zero or less reads at full speed.
	Rate int64
	// Repair rebuilds damaged or missing shards.
	Repair bool
}

// ScrubReport sums up a Scrub call.
type ScrubReport struct {
	Contents int   // contents checked
	Bytes    int64 // bytes read: shard blocks with their checksums, inline content
	Damaged  int   // contents found with a damaged or missing shard
	Repaired int   // of those, contents rebuilt completely
	Lost     int   // contents with a block that cannot be recovered
	Next     Hash  // where to resume: the first hash not yet checked
	Done     bool  // every content up to the last hash was checked
}

// Fraction is how far through the hash space the report has gone, from 0
// to 1. Content hashes are SHA-256, spread evenly, so it estimates the share
// of the contents checked without counting them.
func (r ScrubReport) Fraction() float64 {
	if r.Done {
		return 1
	}
	return float64(binary.BigEndian.Uint64(r.Next[:8])) / math.Exp2(64)
}

// scrubPage is how many record keys Scrub reads at a time: it never keeps
// an iterator open while it checks (and sleeps), so that the metadata store
// can compact meanwhile.
const scrubPage = 256

// Scrub checks the contents from opts.From on against their checksums
// and, with repair, rebuilds what is damaged, until the last content or
// until ctx ends. progress (may be nil) is called after each content with
// the report so far. A content is read without its lock, at the given rate;
// only one found damaged is checked again, under its lock, to be counted
// and repaired, so that a slow scrub never holds up writes or deletes.
// It returns the report and, when it stopped early, the error (kind
// Unavailable); Next says where to resume.
func (s *Store) Scrub(ctx context.Context, opts ScrubOptions, progress func(ScrubReport)) (ScrubReport, error) {
	const op = "blob.scrub"
	rep := ScrubReport{Next: opts.From}
	pace := newPacer(opts.Rate).pace
	for {
		hs, err := s.recordHashes(ctx, rep.Next, scrubPage)
		if err != nil {
			return rep, storage.E(op, storage.Unavailable, "", err)
		}
		for _, h := range hs {
			if !s.scrubOne(ctx, h, opts.Repair, pace, &rep) {
				return rep, storage.E(op, storage.Unavailable, "", ctx.Err())
			}
			rep.Next, rep.Done = after(h)
			if progress != nil {
				progress(rep)
			}
			if rep.Done {
				return rep, nil
			}
		}
		if len(hs) < scrubPage {
			rep.Done = true
			return rep, nil
		}
	}
}

// scrubOne checks content h into rep; false when ctx ended first (the
// content is then not counted).
func (s *Store) scrubOne(ctx context.Context, h Hash, repair bool, pace func(context.Context, int64) error, rep *ScrubReport) bool {
	res := s.check(ctx, h, FsckOptions{}, pace)
	rep.Bytes += res.bytes
	if ctx.Err() != nil {
		return false
	}
	if res.gone {
		return true
	}
	if !res.healthy() {
		res = s.scrub(ctx, h, FsckOptions{Repair: repair})
		if ctx.Err() != nil {
			return false
		}
		if res.gone {
			return true
		}
		if !res.healthy() {
			s.log.Warn("blob: scrub found damage", "content", h.String(), "result", res.String())
		}
	}
	rep.Contents++
	if res.missing > 0 || res.damaged > 0 || res.lost {
		rep.Damaged++
	}
	if res.repaired {
		rep.Repaired++
	}
	if res.lost {
		rep.Lost++
	}
	return true
}

// recordHashes returns up to n content hashes from from on, in order.
func (s *Store) recordHashes(ctx context.Context, from Hash, n int) ([]Hash, error) {
	var hs []Hash
	err := s.meta.ScanPrefix([]byte("h/"), recordKey(from), func(k, _ []byte) error {
		var h Hash
		if len(k) != 2+len(h) {
			return nil // fsck reports it
		}
		copy(h[:], k[2:])
		hs = append(hs, h)
		if len(hs) == n {
			return meta.ErrStop
		}
		return ctx.Err()
	})
	return hs, err
}

// after returns the hash that follows h, and true when h is the last one.
func after(h Hash) (Hash, bool) {
	for i := len(h) - 1; i >= 0; i-- {
		h[i]++
		if h[i] != 0 {
			return h, false
		}
	}
	return h, true
}

// pacer holds reads to a rate: after n bytes it sleeps until the time
// those bytes are due at the rate since it started.
type pacer struct {
	rate  int64 // bytes per second; 0 or less: no limit
	start time.Time
	bytes int64
	now   func() time.Time
	sleep func(context.Context, time.Duration) error
}

func newPacer(rate int64) *pacer {
	return &pacer{rate: rate, start: time.Now(), now: time.Now, sleep: sleepCtx}
}

// minPause is the shortest sleep worth taking: shorter debts are carried
// to the next call.
const minPause = 10 * time.Millisecond

func (p *pacer) pace(ctx context.Context, n int64) error {
	if p.rate <= 0 {
		return nil
	}
	p.bytes += n
	due := p.start.Add(time.Duration(float64(p.bytes) / float64(p.rate) * float64(time.Second)))
	if d := due.Sub(p.now()); d >= minPause {
		return p.sleep(ctx, d)
	}
	return nil
}

// sleepCtx sleeps for d or until ctx ends, and then returns its error.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// The scrubber's state lives in the metadata store, so that a restart
// resumes a pass where it stopped and waits for the next one as planned:
//
//	b/scrub/pass  the pass in progress (JSON ScrubPass, with its cursor)
//	b/scrub/last  the last complete pass (JSON ScrubPass)
var (
	scrubPassKey = []byte("b/scrub/pass")
	scrubLastKey = []byte("b/scrub/last")
)

// ScrubPass is one pass of the scrubber over every content.
type ScrubPass struct {
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished,omitzero"` // zero while in progress
	Next     string    `json:"next,omitempty"`    // in progress: hex hash of the next content to check
	Progress float64   `json:"progress"`          // share of the contents checked, 0 to 1 (estimated)
	Contents int       `json:"contents"`
	Bytes    int64     `json:"bytes"`
	Damaged  int       `json:"damaged"`
	Repaired int       `json:"repaired"`
	Lost     int       `json:"lost"`
}

// add counts the part of a pass that rep reports, since prev.
func (p *ScrubPass) add(rep, prev ScrubReport) {
	p.Contents += rep.Contents - prev.Contents
	p.Bytes += rep.Bytes - prev.Bytes
	p.Damaged += rep.Damaged - prev.Damaged
	p.Repaired += rep.Repaired - prev.Repaired
	p.Lost += rep.Lost - prev.Lost
	p.Next = hex.EncodeToString(rep.Next[:])
	p.Progress = rep.Fraction()
}

// from is the hash where the pass resumes.
func (p *ScrubPass) from() Hash {
	var h Hash
	if b, err := hex.DecodeString(p.Next); err == nil && len(b) == len(h) {
		copy(h[:], b)
	}
	return h
}

// ScrubStatus is what the scrubber is doing.
type ScrubStatus struct {
	Current  *ScrubPass `json:"current"`            // nil between passes
	Last     *ScrubPass `json:"last"`               // nil before the first complete pass
	NextPass time.Time  `json:"next_pass,omitzero"` // between passes: when the next starts (zero before the first)
	Rate     int64      `json:"rate"`               // bytes per second
	Interval string     `json:"interval"`           // pause between passes
	Error    string     `json:"error,omitempty"`    // why the last attempt stopped early
}

// ScrubberOptions configures a Scrubber.
type ScrubberOptions struct {
	// Interval is the pause between the end of a pass and the start of the
	// next; default 24 hours.
	Interval time.Duration
	// Rate bounds the bytes read per second; zero or less: full speed.
	Rate   int64
	Logger *slog.Logger
}

// Scrubber checks every content again and again, one pass after another
// at a bounded rate, and repairs what it finds damaged. Its methods are
// safe for concurrent use.
type Scrubber struct {
	s    *Store
	opts ScrubberOptions
	log  *slog.Logger

	contents, bytes atomic.Int64 // checked since the Scrubber was created

	mu     sync.Mutex
	status ScrubStatus
	saved  time.Time // when the pass in progress was last persisted
}

// scrubSaveEvery is how often a pass in progress persists its cursor: a
// restart checks again at most this much.
const scrubSaveEvery = 10 * time.Second

// scrubRetry is the pause after a pass stopped by an error.
const scrubRetry = time.Minute

// NewScrubber returns a Scrubber over s that resumes the state saved by
// the last one. A state that cannot be read is logged and forgotten: the
// next pass then starts from the beginning.
func NewScrubber(s *Store, opts ScrubberOptions) *Scrubber {
	if opts.Interval <= 0 {
		opts.Interval = 24 * time.Hour
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	sc := &Scrubber{s: s, opts: opts, log: opts.Logger}
	sc.status.Rate, sc.status.Interval = opts.Rate, opts.Interval.String()
	for _, p := range []struct {
		key  []byte
		pass **ScrubPass
	}{{scrubPassKey, &sc.status.Current}, {scrubLastKey, &sc.status.Last}} {
		v, err := s.meta.Get(p.key)
		if errors.Is(err, meta.ErrNotFound) {
			continue
		}
		var pass ScrubPass
		if err == nil {
			err = json.Unmarshal(v, &pass)
		}
		if err != nil {
			sc.log.Warn("blob: scrubber state unreadable; starting afresh", "key", string(p.key), "err", err)
			continue
		}
		*p.pass = &pass
	}
	return sc
}

// Counts returns the contents and bytes checked since the Scrubber was
// created.
func (sc *Scrubber) Counts() (contents, bytes int64) { return sc.contents.Load(), sc.bytes.Load() }

// Status returns a copy of the scrubber's status.
func (sc *Scrubber) Status() ScrubStatus {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	st := sc.status
	if st.Current != nil {
		c := *st.Current
		st.Current = &c
	}
	if st.Last != nil {
		l := *st.Last
		st.Last = &l
		if st.Current == nil {
			st.NextPass = l.Finished.Add(sc.opts.Interval)
		}
	}
	return st
}

// Run scrubs until ctx ends: it resumes the pass in progress or waits for
// the next one, runs it, logs one line for it, and starts again after the
// interval. Repairs go through the same code as the healer's.
func (sc *Scrubber) Run(ctx context.Context) error {
	for {
		cur, wait := sc.nextPass()
		if cur == nil {
			if sleepCtx(ctx, wait) != nil {
				return nil
			}
			sc.begin()
			continue
		}
		base := *cur
		var prev ScrubReport
		rep, err := sc.s.Scrub(ctx, ScrubOptions{From: cur.from(), Rate: sc.opts.Rate, Repair: true}, func(rep ScrubReport) {
			sc.progress(rep, prev)
			prev = rep
		})
		sc.progress(rep, prev)
		switch {
		case ctx.Err() != nil:
			sc.save(true)
			return nil
		case err != nil:
			sc.log.Error("scrub pass stopped; retrying", "err", err, "after", scrubRetry)
			sc.mu.Lock()
			sc.status.Error = err.Error()
			sc.mu.Unlock()
			sc.save(true)
			if sleepCtx(ctx, scrubRetry) != nil {
				return nil
			}
		default:
			sc.finish(base)
		}
	}
}

// nextPass returns the pass in progress, or nil and how long to wait for
// the next.
func (sc *Scrubber) nextPass() (*ScrubPass, time.Duration) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.status.Current != nil {
		return sc.status.Current, 0
	}
	if sc.status.Last == nil {
		return nil, 0
	}
	return nil, time.Until(sc.status.Last.Finished.Add(sc.opts.Interval))
}

// begin starts a pass.
func (sc *Scrubber) begin() {
	sc.mu.Lock()
	sc.status.Current = &ScrubPass{Started: time.Now().UTC()}
	sc.mu.Unlock()
	sc.save(true)
}

// progress counts what Scrub reports since prev, and persists the cursor
// now and then.
func (sc *Scrubber) progress(rep, prev ScrubReport) {
	sc.contents.Add(int64(rep.Contents - prev.Contents))
	sc.bytes.Add(rep.Bytes - prev.Bytes)
	sc.mu.Lock()
	sc.status.Current.add(rep, prev)
	sc.status.Error = ""
	due := time.Since(sc.saved) >= scrubSaveEvery
	sc.mu.Unlock()
	if due {
		sc.save(false)
	}
}

// save persists the pass in progress; a failure is logged (a restart then
// checks again what was checked since the last save). Forced saves go
// through even when one just happened.
func (sc *Scrubber) save(force bool) {
	sc.mu.Lock()
	if !force && time.Since(sc.saved) < scrubSaveEvery {
		sc.mu.Unlock()
		return
	}
	sc.saved = time.Now()
	v, err := json.Marshal(sc.status.Current)
	sc.mu.Unlock()
	if err == nil {
		b := sc.s.meta.NewBatch()
		b.Set(scrubPassKey, v)
		err = b.Commit()
	}
	if err != nil {
		sc.log.Warn("blob: save scrub progress", "err", err)
	}
}

// finish ends the pass in progress, persists it as the last pass, then
// logs it. base is the pass as it stood when this run resumed it.
func (sc *Scrubber) finish(base ScrubPass) {
	sc.mu.Lock()
	p := sc.status.Current
	p.Finished, p.Next, p.Progress = time.Now().UTC(), "", 1
	sc.status.Last, sc.status.Current = p, nil
	v, err := json.Marshal(p)
	sc.mu.Unlock()
	if err == nil {
		b := sc.s.meta.NewBatch()
		b.Set(scrubLastKey, v)
		b.Delete(scrubPassKey)
		err = b.Commit()
	}
	if err != nil {
		sc.log.Warn("blob: save scrub pass", "err", err)
	}
	attrs := []any{"contents", p.Contents, "bytes", p.Bytes, "damaged", p.Damaged, "repaired", p.Repaired, "lost", p.Lost,
		"took", p.Finished.Sub(p.Started).Round(time.Millisecond)}
	if base.Contents > 0 {
		attrs = append(attrs, "resumed_after", base.Contents)
	}
	if p.Lost > 0 || p.Damaged > p.Repaired {
		sc.log.Warn("scrub pass", attrs...)
	} else {
		sc.log.Info("scrub pass", attrs...)
	}
}
