package gateway

import (
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"
)

// RefuseFunc answers a request refused for its rate; retry is how long
// the client should wait.
type RefuseFunc func(w http.ResponseWriter, r *http.Request, retry time.Duration)

// TooManyRequests is the default RefuseFunc: 429 with Retry-After.
func TooManyRequests(w http.ResponseWriter, r *http.Request, retry time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(retrySeconds(retry)))
	http.Error(w, "too many requests: slow down and retry later", http.StatusTooManyRequests)
}

// retrySeconds rounds a wait up to whole seconds, at least one.
func retrySeconds(d time.Duration) int { return max(1, int(math.Ceil(d.Seconds()))) }

// limiter is a token bucket per client address: rate requests per second
// on average, burst at once. An IPv6 client is its /64, the block one
// host usually has, so that it cannot dodge the limit by changing address.
type limiter struct {
	rate  float64
	burst float64
	now   func() time.Time

	mu      sync.Mutex
	buckets map[netip.Addr]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(rate float64, burst int) *limiter {
	if burst < 1 {
		burst = max(1, int(rate))
	}
	return &limiter{rate: rate, burst: float64(burst), now: time.Now, buckets: map[netip.Addr]*bucket{}}
}

// allow takes a token for the client at remote ("host:port"); when there is
// none it says how long until there is one.
func (l *limiter) allow(remote string) (bool, time.Duration) {
	addr := clientAddr(remote)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sweep(now)
	b := l.buckets[addr]
	if b == nil {
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[addr] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens < 1 {
		return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	}
	b.tokens--
	return true, 0
}

// sweep forgets, once a minute, the clients whose bucket has filled up
// again: they are as good as new, and the map stays as small as the set of
// clients active in the last minute.
func (l *limiter) sweep(now time.Time) {
	if now.Sub(l.swept) < time.Minute {
		return
	}
	l.swept = now
	full := time.Duration(l.burst / l.rate * float64(time.Second))
	for a, b := range l.buckets {
		if now.Sub(b.last) >= full {
			delete(l.buckets, a)
		}
	}
}

// clientAddr is the address a client is limited by: its IP, or its /64 for
// IPv6. An unparsable remote (not from a TCP listener) shares one bucket.
func clientAddr(remote string) netip.Addr {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	a = a.Unmap()
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.Addr()
	}
	return a
}

// limitRate refuses, with refuse, the requests of a client beyond the
// limiter's rate.
func limitRate(h http.Handler, l *limiter, refuse RefuseFunc) http.Handler {
	if refuse == nil {
		refuse = TooManyRequests
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ok, retry := l.allow(r.RemoteAddr); !ok {
			refuse(w, r, retry)
			return
		}
		h.ServeHTTP(w, r)
	})
}
