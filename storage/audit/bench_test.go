package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

func benchEntry(i int) Entry {
	return Entry{
		UserID: fmt.Sprint("u", i%50), Login: "alice@example.org", IP: "192.0.2.17", UserAgent: "aws-cli/2.15.0 Python/3.11",
		Protocol: "s3", Type: "upload", OK: true, ObjectID: uint64(i), ObjectType: "file",
		ObjectName: "/team/projects/2025/report-final.pdf", Detail: "version 3",
	}
}

// BenchmarkAdd measures Add alone: the cost on the write path of an upload,
// before the caller's commit.
func BenchmarkAdd(b *testing.B) {
	l, m := newLog(b, Options{})
	batch := m.NewBatch()
	e := benchEntry(1)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i++; i%100 == 0 { // a batch as large as a big change's
			batch.Discard()
			batch = m.NewBatch()
		}
		l.Add(batch, e)
	}
	batch.Discard()
}

// BenchmarkAddCommit is Record: Add and a synced commit of its own batch,
// from many goroutines at once (commits share a sync), as uploads do.
func BenchmarkAddCommit(b *testing.B) {
	for _, par := range []int{1, 64} {
		b.Run(fmt.Sprint("goroutines=", par), func(b *testing.B) {
			l, m := newLog(b, Options{})
			b.SetParallelism(par) // times GOMAXPROCS
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					batch := m.NewBatch()
					l.Add(batch, benchEntry(i))
					if err := batch.Commit(); err != nil {
						b.Error(err)
						return
					}
					i++
				}
			})
		})
	}
}

// BenchmarkEncode compares the binary value encoding with JSON.
func BenchmarkEncode(b *testing.B) {
	e := benchEntry(1)
	e.ID, e.Time = 1741000000000000, time.Now()
	b.Run("binary", func(b *testing.B) {
		var buf []byte
		b.ReportAllocs()
		for b.Loop() {
			buf = encode(buf[:0], &e)
		}
		b.ReportMetric(float64(len(buf)), "bytes")
	})
	b.Run("json", func(b *testing.B) {
		var buf []byte
		b.ReportAllocs()
		for b.Loop() {
			buf, _ = json.Marshal(&e)
		}
		b.ReportMetric(float64(len(buf)), "bytes")
	})
	b.Run("binary-decode", func(b *testing.B) {
		buf := encode(nil, &e)
		b.ReportAllocs()
		for b.Loop() {
			decode(buf)
		}
	})
	b.Run("json-decode", func(b *testing.B) {
		buf, _ := json.Marshal(&e)
		b.ReportAllocs()
		for b.Loop() {
			var d Entry
			json.Unmarshal(buf, &d)
		}
	})
}

// BenchmarkQuery pages 100 entries out of 100,000 (50 users, 3 types) by
// time, by user and by type, in both directions.
func BenchmarkQuery(b *testing.B) {
	c := newClock()
	l, m := newLog(b, Options{Now: c.Now})
	base := c.Now()
	var in []Entry
	for i := range 100000 {
		e := benchEntry(i)
		e.Type = types[i%3]
		e.Time = base.Add(time.Duration(i) * 300 * time.Microsecond) // 3,333 per second
		in = append(in, e)
	}
	addAll(b, l, m, in)
	for _, q := range []Query{{}, {UserID: "u7"}, {Types: []string{"login"}}, {UserID: "u7", Types: []string{"login"}}} {
		for _, newest := range []bool{false, true} {
			q.Newest = newest
			name := fmt.Sprintf("user=%q/types=%v/newest=%v", q.UserID, q.Types, newest)
			b.Run(name, func(b *testing.B) {
				for b.Loop() {
					p, err := l.Query(context.Background(), q)
					if err != nil || len(p.Entries) != 100 {
						b.Fatal(len(p.Entries), err)
					}
				}
			})
		}
	}
}
