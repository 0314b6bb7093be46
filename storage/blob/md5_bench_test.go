package blob

import (
	"crypto/md5"
	"hash"
	"strconv"
	"sync"
	"syscall"
	"testing"

	md5simd "github.com/minio/md5-simd"
)

// BenchmarkMD5 compares the standard library's MD5 with the multi-lane
// server, 1 and 4 streams hashing 1 MiB blocks concurrently.
func BenchmarkMD5(b *testing.B) {
	block := randBytes(9, 1<<20)
	for _, streams := range []int{1, 4, 16} {
		run := func(b *testing.B, newHash func() hash.Hash) {
			b.SetBytes(int64(len(block) * streams))
			defer cpuPerByte(b, int64(len(block)*streams))()
			var wg sync.WaitGroup
			for range streams {
				h := newHash()
				wg.Go(func() {
					for range b.N {
						h.Write(block)
					}
					h.Sum(nil)
				})
			}
			wg.Wait()
		}
		b.Run("stdlib/"+strconv.Itoa(streams), func(b *testing.B) { run(b, md5.New) })
		b.Run("simd/"+strconv.Itoa(streams), func(b *testing.B) {
			srv := md5simd.NewServer()
			defer srv.Close()
			run(b, func() hash.Hash { return srv.NewHash() })
		})
	}
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
