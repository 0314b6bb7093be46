package gateway

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"coffre/internal/teststack"
)

func TestLimiterPerClient(t *testing.T) {
	clock := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	l := newLimiter(2, 3) // 2 per second, bursts of 3
	l.now = func() time.Time { return clock }
	take := func(remote string) (bool, time.Duration) { return l.allow(remote) }

	for i := range 3 {
		if ok, _ := take("192.0.2.1:1000"); !ok {
			t.Fatalf("request %d of a burst of 3 refused", i+1)
		}
	}
	ok, retry := take("192.0.2.1:1001") // another connection, same client
	if ok || retry != 500*time.Millisecond {
		t.Fatalf("4th request: ok=%v retry=%v, want refused with 500ms", ok, retry)
	}
	if ok, _ := take("192.0.2.2:1000"); !ok {
		t.Fatal("another client is limited by the first one's requests")
	}
	clock = clock.Add(500 * time.Millisecond)
	if ok, _ := take("192.0.2.1:1000"); !ok {
		t.Fatal("a token earned back after 500ms was refused")
	}

	// An IPv6 host is its /64; a mapped IPv4 address is that address.
	for i := range 3 {
		if ok, _ := take("[2001:db8:1:2::" + string(rune('a'+i)) + "]:80"); !ok {
			t.Fatalf("IPv6 request %d refused", i+1)
		}
	}
	if ok, _ := take("[2001:db8:1:2:ffff::1]:80"); ok {
		t.Fatal("a new address in the same /64 got a fresh bucket")
	}
	if ok, _ := take("[::ffff:192.0.2.1]:80"); ok {
		t.Fatal("192.0.2.1 mapped into IPv6 got a fresh bucket")
	}

	clock = clock.Add(time.Minute)
	take("192.0.2.9:1")
	if n := len(l.buckets); n != 1 {
		t.Fatalf("%d buckets kept after a minute of silence, want only the new client's", n)
	}
}

// Through a real server: the request beyond the burst gets 429 with
// Retry-After, is logged, and the next client is served.
func TestServerRequestRate(t *testing.T) {
	var logs teststack.Buffer
	srv := New(Options{RequestRate: 0.001, RequestBurst: 2, Logger: slog.New(slog.NewJSONHandler(&logs, nil))},
		http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") }))
	ln := listen(t)
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	defer func() { cancel(); <-served }()

	get := func() *http.Response {
		resp, err := http.Get("http://" + ln.Addr().String() + "/x")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	for range 2 {
		if resp := get(); resp.StatusCode != http.StatusOK {
			t.Fatalf("within the burst: %s", resp.Status)
		}
	}
	resp := get()
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("beyond the burst: %s, Retry-After %q", resp.Status, resp.Header.Get("Retry-After"))
	}
	if !strings.Contains(logs.String(), `"status":429`) {
		t.Fatalf("the refusal is not in the access log:\n%s", logs.String())
	}
}
