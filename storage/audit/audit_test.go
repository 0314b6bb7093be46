package audit

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"coffre/storage"
	"coffre/storage/meta"
)

// clock is an injected clock that tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func openStore(t testing.TB, dir string) *meta.Store {
	t.Helper()
	m, err := meta.Open(dir, meta.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

func newLog(t testing.TB, opts Options) (*Log, *meta.Store) {
	t.Helper()
	m := openStore(t, t.TempDir())
	l, err := New(m, opts)
	if err != nil {
		t.Fatal(err)
	}
	return l, m
}

// addAll stores es in batches of 200 and returns them as stored.
func addAll(t testing.TB, l *Log, m *meta.Store, es []Entry) []Entry {
	t.Helper()
	out := make([]Entry, 0, len(es))
	for i := 0; i < len(es); i += 200 {
		b := m.NewBatch()
		for _, e := range es[i:min(i+200, len(es))] {
			out = append(out, l.Add(b, e))
		}
		if err := b.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// eKeys returns every key under e/.
func eKeys(t testing.TB, m *meta.Store) []string {
	t.Helper()
	var keys []string
	err := m.ScanPrefix([]byte("e/"), nil, func(k, _ []byte) error {
		keys = append(keys, string(k))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys
}

func wantKind(t testing.TB, err error, kind storage.Kind) {
	t.Helper()
	var se *storage.Error
	if !errors.As(err, &se) || storage.KindOf(err) != kind {
		t.Fatalf("error %v (%T), want *storage.Error of kind %v", err, err, kind)
	}
}

func TestRecordAndGet(t *testing.T) {
	c := newClock()
	l, _ := newLog(t, Options{Now: c.Now})
	in := Entry{
		UserID: "u1", Login: "alice", IP: "192.0.2.7", UserAgent: "aws-cli/2", Protocol: "s3",
		Type: "upload", OK: true, ObjectID: 42, ObjectType: "file", ObjectName: "/team/é.txt", Detail: "v3",
	}
	got, err := l.Record(in)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != uint64(c.Now().UnixMicro()) || !got.Time.Equal(c.Now()) || got.Time.Location() != time.UTC {
		t.Fatalf("ID %d time %v, want the clock's microseconds and time", got.ID, got.Time)
	}
	want := in
	want.ID, want.Time = got.ID, got.Time
	if got != want {
		t.Fatalf("Record returned %+v, want %+v", got, want)
	}
	back, err := l.Get(got.ID)
	if err != nil || back != got {
		t.Fatalf("Get = %+v, %v; want %+v", back, err, got)
	}

	// A given time is kept (in UTC); the ID still comes from the clock and grows.
	old := time.Date(2001, 1, 2, 3, 4, 5, 6, time.FixedZone("x", 3600))
	e2, err := l.Record(Entry{Time: old, Type: "login"})
	if err != nil {
		t.Fatal(err)
	}
	if !e2.Time.Equal(old) || e2.Time.Location() != time.UTC || e2.ID != got.ID+1 {
		t.Fatalf("second entry %d at %v", e2.ID, e2.Time)
	}
	if back, _ := l.Get(e2.ID); back != e2 {
		t.Fatalf("Get = %+v, want %+v", back, e2)
	}

	_, err = l.Get(12345)
	wantKind(t, err, storage.NotFound)
}

func TestFieldsCut(t *testing.T) {
	l, _ := newLog(t, Options{})
	long := strings.Repeat("é", 3000) // 6000 bytes
	e, err := l.Record(Entry{UserAgent: long, ObjectName: long, Detail: "x" + long})
	if err != nil {
		t.Fatal(err)
	}
	if len(e.UserAgent) != maxField || len(e.ObjectName) != maxObjectName || len(e.Detail) != maxField-1 {
		t.Fatalf("lengths %d %d %d", len(e.UserAgent), len(e.ObjectName), len(e.Detail))
	}
	if back, _ := l.Get(e.ID); back != e {
		t.Fatal("stored entry differs from the returned one")
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	e := Entry{ID: 1<<53 - 1, Time: time.Unix(-5, 7).UTC(), UserID: "share:9", Type: "x", OK: true, ObjectID: 1<<64 - 1, Detail: "d"}
	got, err := decode(encode(nil, &e))
	if err != nil || got != e {
		t.Fatalf("decode = %+v, %v", got, err)
	}
	b := encode(nil, &e)
	for i := range b {
		if _, err := decode(b[:i]); err == nil {
			t.Fatalf("decode of %d of %d bytes succeeded", i, len(b))
		}
	}
	if _, err := decode(append(b, 1, 2, 3)); err != nil {
		t.Fatalf("decode with trailing fields: %v", err)
	}
	// Time order is byte order, also before 1970.
	ts := []time.Time{minTime, time.Unix(-1, 0), time.Unix(0, 0), time.Unix(0, 1), maxTime}
	for i := 1; i < len(ts); i++ {
		if encTime(ts[i-1]) >= encTime(ts[i]) {
			t.Fatalf("encTime(%v) >= encTime(%v)", ts[i-1], ts[i])
		}
		if !decTime(encTime(ts[i])).Equal(ts[i]) {
			t.Fatalf("decTime(encTime(%v))", ts[i])
		}
	}
}

func TestAddCommitsWithTheBatch(t *testing.T) {
	c := newClock()
	l, m := newLog(t, Options{Now: c.Now})

	b := m.NewBatch()
	b.Set([]byte("x/change"), []byte("1"))
	kept := l.Add(b, Entry{UserID: "u1", Type: "delete", ObjectID: 7})
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}

	b = m.NewBatch()
	b.Set([]byte("x/change2"), []byte("1"))
	lost := l.Add(b, Entry{UserID: "u2", Type: "upload", ObjectID: 8})
	b.Discard()

	after := l.Add(m.NewBatch(), Entry{}) // discarded by never committing
	if !(kept.ID < lost.ID && lost.ID < after.ID) {
		t.Fatalf("IDs %d %d %d not increasing", kept.ID, lost.ID, after.ID)
	}
	if _, err := l.Get(kept.ID); err != nil {
		t.Fatal(err)
	}
	for _, id := range []uint64{lost.ID, after.ID} {
		_, err := l.Get(id)
		wantKind(t, err, storage.NotFound)
	}
	for _, q := range []Query{{}, {Newest: true}, {UserID: "u2"}, {Types: []string{"upload"}}, {ObjectID: 8}} {
		p, err := l.Query(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range p.Entries {
			if e.ID != kept.ID {
				t.Fatalf("query %+v returned %+v", q, e)
			}
		}
	}
	// Exactly the five keys of the kept entry.
	if keys := eKeys(t, m); len(keys) != 5 {
		t.Fatalf("e/ keys: %q", keys)
	}
}

func TestIDsIncreaseAcrossReopen(t *testing.T) {
	dir := t.TempDir()
	c := newClock()
	m, err := meta.Open(dir, meta.Options{})
	if err != nil {
		t.Fatal(err)
	}
	l, err := New(m, Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	var last uint64
	for range 3 {
		e, err := l.Record(Entry{Type: "login"})
		if err != nil {
			t.Fatal(err)
		}
		if e.ID <= last {
			t.Fatalf("ID %d after %d", e.ID, last)
		}
		last = e.ID
	}

	reopen := func() {
		t.Helper()
		if err := m.Close(); err != nil {
			t.Fatal(err)
		}
		if m, err = meta.Open(dir, meta.Options{}); err != nil {
			t.Fatal(err)
		}
		if l, err = New(m, Options{Now: c.Now}); err != nil {
			t.Fatal(err)
		}
	}
	// The clock went back an hour: IDs still grow.
	c.set(c.Now().Add(-time.Hour))
	reopen()
	e, err := l.Record(Entry{Type: "login"})
	if err != nil {
		t.Fatal(err)
	}
	if e.ID != last+1 {
		t.Fatalf("ID after reopen %d, want %d", e.ID, last+1)
	}
	last = e.ID

	// Everything pruned: the floor keeps IDs growing.
	if n, err := l.Prune(context.Background(), c.Now().Add(24*time.Hour)); err != nil || n != 4 {
		t.Fatalf("Prune = %d, %v", n, err)
	}
	reopen()
	e, err = l.Record(Entry{Type: "login"})
	if err != nil {
		t.Fatal(err)
	}
	if e.ID != last+1 {
		t.Fatalf("ID after prune and reopen %d, want %d", e.ID, last+1)
	}
	m.Close()
}

func TestMaxIDSearch(t *testing.T) {
	l, m := newLog(t, Options{})
	for _, id := range []uint64{1, 5, 1 << 40, 1<<40 + 3, 1<<63 + 9} {
		b := m.NewBatch()
		b.Set(binary.BigEndian.AppendUint64([]byte(prefixID), id), []byte("12345678"))
		if err := b.Commit(); err != nil {
			t.Fatal(err)
		}
		if got, err := l.maxID(); err != nil || got != id {
			t.Fatalf("maxID = %d, %v; want %d", got, err, id)
		}
	}
}

func TestClosedStore(t *testing.T) {
	l, m := newLog(t, Options{})
	e, err := l.Record(Entry{Type: "login"})
	if err != nil {
		t.Fatal(err)
	}
	m.Close()
	_, err = l.Record(Entry{Type: "login"})
	wantKind(t, err, storage.Unavailable)
	_, err = l.Get(e.ID)
	wantKind(t, err, storage.Unavailable)
	_, err = l.Query(context.Background(), Query{})
	wantKind(t, err, storage.Unavailable)
	_, err = l.Query(context.Background(), Query{Newest: true, UserID: "x"})
	wantKind(t, err, storage.Unavailable)
	_, err = l.Prune(context.Background(), time.Now())
	wantKind(t, err, storage.Unavailable)
	_, err = New(m, Options{})
	wantKind(t, err, storage.Unavailable)
}

func TestConcurrentAdd(t *testing.T) {
	l, m := newLog(t, Options{})
	const workers, each = 16, 100
	var wg sync.WaitGroup
	ids := make([][]uint64, workers)
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				e := Entry{UserID: fmt.Sprintf("u%d", w), Type: "upload", ObjectID: uint64(i%3 + 1)}
				if i%2 == 0 {
					r, err := l.Record(e)
					if err != nil {
						t.Error(err)
						return
					}
					ids[w] = append(ids[w], r.ID)
					continue
				}
				b := m.NewBatch()
				r := l.Add(b, e)
				if err := b.Commit(); err != nil {
					t.Error(err)
					return
				}
				ids[w] = append(ids[w], r.ID)
			}
		})
	}
	// Readers page at the same time.
	ctx, cancel := context.WithCancel(context.Background())
	var rg sync.WaitGroup
	for _, newest := range []bool{false, true} {
		rg.Go(func() {
			for ctx.Err() == nil {
				if _, err := l.Query(ctx, Query{Newest: newest, Limit: 50, Types: []string{"upload"}}); err != nil && ctx.Err() == nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	cancel()
	rg.Wait()

	seen := map[uint64]bool{}
	for w := range workers {
		if !slices.IsSorted(ids[w]) {
			t.Fatalf("worker %d got IDs out of order", w)
		}
		for _, id := range ids[w] {
			if seen[id] {
				t.Fatalf("ID %d handed out twice", id)
			}
			seen[id] = true
		}
	}
	all := pageAll(t, l, Query{Limit: 1000})
	if len(all) != workers*each {
		t.Fatalf("%d entries stored, want %d", len(all), workers*each)
	}
	for _, e := range all {
		if !seen[e.ID] {
			t.Fatalf("unknown entry %d", e.ID)
		}
	}
	if n := len(eKeys(t, m)); n != workers*each*5 {
		t.Fatalf("%d e/ keys, want %d", n, workers*each*5)
	}
}

func TestPruneRemovesExactlyTheOld(t *testing.T) {
	c := newClock()
	l, m := newLog(t, Options{Now: c.Now})
	base := c.Now()
	var in []Entry
	for i := range 2500 {
		e := Entry{Time: base.Add(time.Duration(i) * time.Minute), Type: []string{"login", "upload"}[i%2], ObjectID: uint64(i % 4)}
		if i%3 != 0 {
			e.UserID = fmt.Sprintf("u%d", i%5)
		}
		in = append(in, e)
	}
	stored := addAll(t, l, m, in)
	cut := base.Add(1234 * time.Minute) // entry 1234 stays
	n, err := l.Prune(context.Background(), cut)
	if err != nil || n != 1234 {
		t.Fatalf("Prune = %d, %v; want 1234", n, err)
	}
	want := map[string]bool{keyFloor: true}
	for _, e := range stored[1234:] {
		p := e.pos()
		want[string(p.append([]byte(prefixTime)))] = true
		want[string(binary.BigEndian.AppendUint64([]byte(prefixID), e.ID))] = true
		if e.UserID != "" {
			want[string(indexKey(nil, prefixUser, e.UserID, p))] = true
		}
		want[string(indexKey(nil, prefixType, e.Type, p))] = true
		if e.ObjectID != 0 {
			want[string(objectKey(nil, e.ObjectID, p))] = true
		}
	}
	keys := eKeys(t, m)
	for _, k := range keys {
		if !want[k] {
			t.Errorf("key %q left after prune", k)
		}
		delete(want, k)
	}
	for k := range want {
		t.Errorf("key %q removed by prune", k)
	}
	if _, err := l.Get(stored[1233].ID); storage.KindOf(err) != storage.NotFound {
		t.Fatalf("pruned entry: %v", err)
	}
	if e, err := l.Get(stored[1234].ID); err != nil || e != stored[1234] {
		t.Fatalf("kept entry: %+v, %v", e, err)
	}
	got := pageAll(t, l, Query{Newest: true, UserID: "u1"})
	if len(got) == 0 || got[len(got)-1].Time.Before(cut) {
		t.Fatalf("query after prune: %d entries", len(got))
	}
	// A second prune with the same cut removes nothing.
	if n, err := l.Prune(context.Background(), cut); err != nil || n != 0 {
		t.Fatalf("second Prune = %d, %v", n, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Prune(ctx, c.Now().Add(time.Hour)); !errors.Is(err, context.Canceled) {
		t.Fatalf("Prune with a cancelled context: %v", err)
	}
}

// logSink collects log records for TestRun.
func TestPruneExpired(t *testing.T) {
	c := newClock()
	l, m := newLog(t, Options{Now: c.Now, Retention: 48 * time.Hour})
	now := c.Now()
	addAll(t, l, m, []Entry{
		{Time: now.Add(-72 * time.Hour), Type: "old"},
		{Time: now.Add(-49 * time.Hour), Type: "old"},
		{Time: now.Add(-47 * time.Hour), Type: "new"},
		{Type: "new"},
	})
	if n, err := l.PruneExpired(context.Background()); n != 2 || err != nil {
		t.Fatalf("PruneExpired = %d, %v", n, err)
	}
	got := pageAll(t, l, Query{})
	if len(got) != 2 || got[0].Type != "new" || got[1].Type != "new" {
		t.Fatalf("after PruneExpired: %+v", got)
	}
}
