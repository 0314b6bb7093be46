package blob

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"syscall"
	"testing"
)

func benchEnv(b *testing.B) *env {
	b.Helper()
	return newEnv(b, Options{})
}

// BenchmarkWrite64MiB writes 64 MiB contents on 4 parallel streams
// (b.SetParallelism is not used: RunParallel runs GOMAXPROCS goroutines, so
// this runs 4 explicit streams), with each MD5 implementation.
func BenchmarkWrite64MiB(b *testing.B) { benchWrite(b, 4) }

// BenchmarkWrite64MiB16 is 16 streams: many uploads at once.
func BenchmarkWrite64MiB16(b *testing.B) { benchWrite(b, 16) }

// BenchmarkWrite64MiBOne is one stream.
func BenchmarkWrite64MiBOne(b *testing.B) { benchWrite(b, 1) }

func benchWrite(b *testing.B, streams int) { benchWriteStreams(b, benchEnv(b), streams) }

func benchWriteStreams(b *testing.B, e *env, streams int) {
	const size = 64 << 20
	datas := make([][]byte, streams)
	for i := range datas {
		datas[i] = randBytes(uint64(i), size)
	}
	b.SetBytes(int64(size * streams))
	b.ResetTimer()
	defer cpuPerByte(b, int64(size*streams))()
	for n := 0; n < b.N; n++ {
		errs := make(chan error, streams)
		ps := make(chan *Pending, streams)
		for i := range streams {
			go func() {
				// Make each round's content distinct so nothing dedups.
				datas[i][0] = byte(n)
				datas[i][1] = byte(n >> 8)
				p, err := e.s.Write(context.Background(), bytes.NewReader(datas[i]), size)
				ps <- p
				errs <- err
			}()
		}
		for range streams {
			if err := <-errs; err != nil {
				b.Fatal(err)
			}
		}
		// Removing files is not part of a PUT.
		b.StopTimer()
		for range streams {
			(<-ps).Discard()
		}
		b.StartTimer()
	}
}

func BenchmarkRead64MiB(b *testing.B) {
	e := benchEnv(b)
	const size = 64 << 20
	h := e.put(b, randBytes(2, size), size)
	buf := make([]byte, 256<<10)
	b.SetBytes(size)
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		r, err := e.s.Open(context.Background(), h)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.CopyBuffer(io.Discard, io.NewSectionReader(r, 0, size), buf); err != nil {
			b.Fatal(err)
		}
		r.Close()
	}
}

// BenchmarkWriteSmall writes and commits 4 KiB contents at concurrency 16.
func BenchmarkWriteSmall(b *testing.B) { benchWriteCommit(b, 4096) }

// BenchmarkWrite1MiB writes and commits 1 MiB contents at concurrency 16:
// shard files, not inline content.
func BenchmarkWrite1MiB(b *testing.B) { benchWriteCommit(b, 1<<20) }

// benchWriteCommit writes and commits contents of size bytes at concurrency 16.
func benchWriteCommit(b *testing.B, size int) {
	e := benchEnv(b)
	b.SetParallelism(8) // 8 × GOMAXPROCS(2) = 16 goroutines
	b.SetBytes(int64(size))
	defer cpuPerByte(b, int64(size))()
	b.RunParallel(func(pb *testing.PB) {
		data := randBytes(rand.Uint64(), size)
		i := 0
		for pb.Next() {
			i++
			copy(data, []byte{byte(i), byte(i >> 8), byte(i >> 16), byte(i >> 24)})
			p, err := e.s.Write(context.Background(), bytes.NewReader(data), int64(size))
			if err != nil {
				b.Fatal(err)
			}
			batch := e.meta.NewBatch()
			done, err := e.s.Update(batch, []*Pending{p}, nil)
			if err != nil {
				b.Fatal(err)
			}
			err = batch.Commit()
			done(err == nil)
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}

// cpuPerByte reports, when the returned func runs, the process CPU time
// (user + system) per byte over b.N rounds of perOp bytes: on a shared
// machine a steadier figure than wall-clock throughput.
func cpuPerByte(b *testing.B, perOp int64) func() {
	start := cpuTime()
	return func() {
		b.ReportMetric(float64(cpuTime()-start)/float64(perOp*int64(b.N)), "cpu-ns/B")
	}
}

func cpuTime() int64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return ru.Utime.Nano() + ru.Stime.Nano()
}
