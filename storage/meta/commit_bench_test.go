package meta

import (
	"encoding/binary"
	"sync/atomic"
	"testing"
)

// BenchmarkSyncedCommits16 measures the rate of small synced commits from 16
// goroutines: the ceiling of every small write above this package.
func BenchmarkSyncedCommits16(b *testing.B) {
	s, err := Open(b.TempDir(), Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	val := make([]byte, 4200)
	var n atomic.Uint64
	b.SetParallelism(8) // 16 goroutines on 2 CPUs
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			bt := s.NewBatch()
			bt.Set(binary.BigEndian.AppendUint64([]byte("x/"), n.Add(1)), val)
			bt.Add([]byte("q/p"), 1)
			if err := bt.Commit(); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
