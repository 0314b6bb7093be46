package main

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// stats is the outcome of one timed loop.
type stats struct {
	ops     int64
	bytes   int64
	elapsed time.Duration
	cpu     time.Duration // user + system CPU time of the whole process meanwhile
}

// cores is the average number of CPUs the process kept busy.
func (s stats) cores() float64 { return s.cpu.Seconds() / s.elapsed.Seconds() }

// cpuTime returns the user + system CPU time the process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func (s stats) opsPerSec() float64 { return float64(s.ops) / s.elapsed.Seconds() }
func (s stats) mibPerSec() float64 { return mibPerSec(s.bytes, s.elapsed) }

func mibPerSec(n int64, d time.Duration) float64 { return float64(n) / mib / d.Seconds() }

// loop runs op(0), op(1), … on workers goroutines until at least minN
// operations have started and minDur has passed, or maxDur has passed, then
// waits for the operations under way. op returns the bytes it moved. The first
// error stops the loop and is returned.
func loop(ctx context.Context, workers, minN int, minDur, maxDur time.Duration, op func(i int64) (int64, error)) (stats, error) {
	var (
		next, ops, bytes atomic.Int64
		mu               sync.Mutex
		first            error
		stop             atomic.Bool
		wg               sync.WaitGroup
	)
	start, cpu0 := time.Now(), cpuTime()
	for range workers {
		wg.Go(func() {
			for !stop.Load() {
				since := time.Since(start)
				i := next.Add(1) - 1
				if (i >= int64(minN) && since >= minDur) || since >= maxDur || ctx.Err() != nil {
					return
				}
				n, err := op(i)
				if err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					stop.Store(true)
					return
				}
				ops.Add(1)
				bytes.Add(n)
			}
		})
	}
	wg.Wait()
	s := stats{ops: ops.Load(), bytes: bytes.Load(), elapsed: time.Since(start), cpu: cpuTime() - cpu0}
	if first == nil && ctx.Err() != nil {
		first = ctx.Err()
	}
	if first == nil && s.ops == 0 {
		first = errors.New("no operation completed")
	}
	return s, first
}

// parallel runs fn(0) … fn(n-1) concurrently and returns the first error.
func parallel(n int, fn func(i int) error) error {
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = fn(i) })
	}
	wg.Wait()
	return errors.Join(errs...)
}
