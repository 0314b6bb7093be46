package audit

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"coffre/storage"
)

// pageAll follows q's cursor to the end and returns every entry.
func pageAll(t testing.TB, l *Log, q Query) []Entry {
	t.Helper()
	limit := q.Limit
	if limit == 0 {
		limit = defaultLimit
	}
	var all []Entry
	for pages := 0; ; pages++ {
		if pages > 100000 {
			t.Fatal("paging does not end")
		}
		p, err := l.Query(context.Background(), q)
		if err != nil {
			t.Fatalf("query %+v: %v", q, err)
		}
		if len(p.Entries) > limit || (p.Next != "" && len(p.Entries) != limit) {
			t.Fatalf("page of %d entries (limit %d), next %q", len(p.Entries), limit, p.Next)
		}
		all = append(all, p.Entries...)
		if p.Next == "" {
			return all
		}
		q.Cursor = p.Next
	}
}

// model answers q by filtering every stored entry.
func model(stored []Entry, q Query) []Entry {
	var out []Entry
	for _, e := range stored {
		if !q.From.IsZero() && e.Time.Before(q.From) || !q.To.IsZero() && !e.Time.Before(q.To) {
			continue
		}
		if q.UserID != "" && e.UserID != q.UserID || q.ObjectID != 0 && e.ObjectID != q.ObjectID {
			continue
		}
		if len(q.Types) > 0 && !slices.Contains(q.Types, e.Type) {
			continue
		}
		out = append(out, e)
	}
	slices.SortFunc(out, func(a, b Entry) int { return comparePos(a.pos(), b.pos()) })
	if q.Newest {
		slices.Reverse(out)
	}
	return out
}

func sameEntries(t testing.TB, q Query, got, want []Entry) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("query %+v: %d entries, want %d", q, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("query %+v: entry %d is %d at %v, want %d at %v", q, i, got[i].ID, got[i].Time, want[i].ID, want[i].Time)
		}
	}
}

var (
	users = []string{"u0", "u1", "u2", "u3", "", "u1\x00x", "share:s1"}
	types = []string{"login", "upload", "download", "delete", "lock", "right_change"}
)

// dataset stores n entries: spread in time with ties, a dense burst, and
// entries older than 1970.
func dataset(t testing.TB, l *Log, c *clock, n int) ([]Entry, time.Time) {
	t.Helper()
	base := c.Now()
	var in []Entry
	for i := range n {
		var at time.Time
		switch {
		case i%10 == 9:
			at = base.Add(time.Duration(i/10) * 17 * time.Hour) // sparse, over months
		case i%10 == 8:
			at = time.Date(1960, 1, 1, 0, 0, i, 0, time.UTC)
		default:
			at = base.Add(time.Duration(i/4) * time.Microsecond) // a burst with ties
		}
		in = append(in, Entry{
			Time: at, UserID: users[i%len(users)], Type: types[(i/3)%len(types)],
			ObjectID: uint64(i % 7), OK: i%5 != 0, ObjectName: fmt.Sprint("n", i),
		})
	}
	return addAll(t, l, l.m, in), base
}

func TestQueryMatchesModel(t *testing.T) {
	c := newClock()
	l, _ := newLog(t, Options{Now: c.Now})
	stored, base := dataset(t, l, c, 700)
	ranges := [][2]time.Time{
		{},
		{stored[41].Time, stored[619].Time}, // bounds on existing entries: From kept, To excluded
		{base.Add(30 * time.Microsecond), time.Time{}},
		{time.Time{}, base.Add(40 * 17 * time.Hour)},
		{time.Date(1960, 1, 1, 0, 1, 0, 0, time.UTC), time.Date(1960, 1, 1, 0, 1, 0, 0, time.UTC)}, // empty
		{time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)},
	}
	typeSets := [][]string{nil, {"login"}, {"upload", "download", "upload"}, {"nope"}}
	n := 0
	for _, user := range []string{"", "u1", "share:s1", "nobody"} {
		for _, ts := range typeSets {
			for _, obj := range []uint64{0, 3} {
				for _, r := range ranges {
					for _, newest := range []bool{false, true} {
						for _, limit := range []int{7, 1000} {
							q := Query{From: r[0], To: r[1], UserID: user, Types: ts, ObjectID: obj, Newest: newest, Limit: limit}
							sameEntries(t, q, pageAll(t, l, q), model(stored, q))
							n++
						}
					}
				}
			}
		}
	}
	t.Logf("%d queries", n)
	// Limit 1, and the default limit.
	for _, q := range []Query{{Limit: 1}, {Limit: 1, Newest: true, UserID: "u2"}, {Newest: true}, {Types: []string{"lock", "login"}, Limit: 1, Newest: true}} {
		sameEntries(t, q, pageAll(t, l, q), model(stored, q))
	}
}

func TestPaging2500(t *testing.T) {
	c := newClock()
	l, m := newLog(t, Options{Now: c.Now})
	base := c.Now()
	var in []Entry
	for i := range 2500 {
		e := Entry{Type: types[i%3], UserID: fmt.Sprint("u", i%4)}
		switch {
		case i < 2000: // 2000 entries within 500 µs, four per instant
			e.Time = base.Add(time.Duration(i/4) * time.Microsecond)
		default: // 500 over a year before
			e.Time = base.Add(-time.Duration(i-1999) * 17 * time.Hour)
		}
		if i%50 == 0 {
			e.UserID = "rare"
		}
		in = append(in, e)
	}
	stored := addAll(t, l, m, in)
	for _, q := range []Query{
		{}, {UserID: "rare"}, {UserID: "u1"}, {Types: []string{"login"}}, {Types: []string{"login", "upload"}},
		{From: base}, {To: base}, {From: base.Add(-100 * 17 * time.Hour), To: base.Add(100 * time.Microsecond)},
	} {
		for _, newest := range []bool{false, true} {
			for _, limit := range []int{13, 100, 1000} {
				q.Newest, q.Limit = newest, limit
				got := pageAll(t, l, q)
				seen := map[uint64]bool{}
				for _, e := range got {
					if seen[e.ID] {
						t.Fatalf("query %+v: entry %d twice", q, e.ID)
					}
					seen[e.ID] = true
				}
				sameEntries(t, q, got, model(stored, q))
			}
		}
	}
}

func TestPagingWhileAdding(t *testing.T) {
	c := newClock()
	l, m := newLog(t, Options{Now: c.Now})
	before, _ := dataset(t, l, c, 300)
	for _, newest := range []bool{false, true} {
		q := Query{Limit: 10, Newest: newest}
		var got []Entry
		for {
			p, err := l.Query(context.Background(), q)
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, p.Entries...)
			// New entries arrive between pages, later than everything.
			c.set(c.Now().Add(time.Hour))
			addAll(t, l, m, []Entry{{Type: "login"}})
			if p.Next == "" {
				break
			}
			q.Cursor = p.Next
		}
		seen := map[uint64]bool{}
		for _, e := range got {
			if seen[e.ID] {
				t.Fatalf("entry %d twice", e.ID)
			}
			seen[e.ID] = true
		}
		for _, e := range before {
			if !seen[e.ID] {
				t.Fatalf("newest=%v: entry %d missed", newest, e.ID)
			}
		}
	}
}

func TestBadQueries(t *testing.T) {
	l, _ := newLog(t, Options{})
	if _, err := l.Record(Entry{Type: "login"}); err != nil {
		t.Fatal(err)
	}
	good := formatCursor(pos{1, 2}, true)
	now := time.Now()
	for _, q := range []Query{
		{Cursor: "!!"},
		{Cursor: "AAAA"},
		{Cursor: good}, // a newest-first cursor, oldest first
		{Cursor: formatCursor(pos{}, false), Newest: true},
		{Cursor: good + "A", Newest: true},
		{Limit: -1},
		{From: now, To: now.Add(-time.Second)},
	} {
		_, err := l.Query(context.Background(), q)
		wantKind(t, err, storage.Invalid)
	}
	p, err := l.Query(context.Background(), Query{Cursor: good, Newest: true})
	if err != nil || len(p.Entries) != 0 {
		t.Fatalf("query before 1970 = %+v, %v", p, err)
	}
	p, err = l.Query(context.Background(), Query{Cursor: formatCursor(maxPos, false)})
	if err != nil || len(p.Entries) != 0 || p.Next != "" {
		t.Fatalf("query after the end = %+v, %v", p, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Query(ctx, Query{Newest: true}); err == nil {
		t.Fatal("query with a cancelled context succeeded")
	}
}

func TestLimitCapped(t *testing.T) {
	c := newClock()
	l, _ := newLog(t, Options{Now: c.Now})
	dataset(t, l, c, 1200)
	p, err := l.Query(context.Background(), Query{Limit: 5000})
	if err != nil || len(p.Entries) != maxLimit || p.Next == "" {
		t.Fatalf("limit 5000: %d entries, next %q, %v", len(p.Entries), p.Next, err)
	}
	p, err = l.Query(context.Background(), Query{})
	if err != nil || len(p.Entries) != defaultLimit {
		t.Fatalf("limit 0: %d entries, %v", len(p.Entries), err)
	}
}
