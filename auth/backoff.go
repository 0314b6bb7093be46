package auth

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"
)

// BackoffOptions tunes the brute-force protection. The zero value is usable.
//
// Failed logins are counted per account (the login as typed, folded) and per
// address (the IP; an IPv6 address counts for its /64). Once a counter passes
// its free allowance, each further failure blocks that account or address
// for Base, then twice as long, and so on up to Max. While blocked, every
// attempt is refused with kind Unavailable and a RetryError, even with the
// right password, without hashing anything. A success resets the account's
// counter (not the address's). A counter with no failure for Forget is
// dropped.
//
// The counters live in the memory of one process: a restart forgets them,
// and several servers over one store would count separately.
type BackoffOptions struct {
	AccountFree int           // failures per account before back-off; 0: 5
	AddressFree int           // failures per address before back-off; 0: 20
	Base        time.Duration // first back-off; 0: 1 s
	Max         time.Duration // longest back-off; 0: 15 min
	Forget      time.Duration // quiet time that resets a counter; 0: 1 h
	// Disabled turns the protection off (tests of other features).
	Disabled bool
}

// maxCounters bounds each counter table.
const maxCounters = 100000

// RetryError is the cause of an Unavailable error from a login refused
// during a back-off: the caller may retry after After (HTTP Retry-After).
type RetryError struct{ After time.Duration }

func (e *RetryError) Error() string {
	return fmt.Sprintf("too many failed logins; retry in %s", e.After.Round(time.Second))
}

// RetryAfter returns how long to wait when err comes from a back-off.
func RetryAfter(err error) (time.Duration, bool) {
	var r *RetryError
	if errors.As(err, &r) {
		return r.After, true
	}
	return 0, false
}

type throttle struct {
	o        BackoffOptions
	mu       sync.Mutex
	accounts map[string]*counter
	addrs    map[string]*counter
}

type counter struct {
	fails int
	last  time.Time // last failure
	until time.Time // blocked before this
}

func newThrottle(o BackoffOptions) *throttle {
	if o.AccountFree == 0 {
		o.AccountFree = 5
	}
	if o.AddressFree == 0 {
		o.AddressFree = 20
	}
	if o.Base == 0 {
		o.Base = time.Second
	}
	if o.Max == 0 {
		o.Max = 15 * time.Minute
	}
	if o.Forget == 0 {
		o.Forget = time.Hour
	}
	return &throttle{o: o, accounts: map[string]*counter{}, addrs: map[string]*counter{}}
}

// addrKey is the address a failure counts against: the IP, or its /64 for
// IPv6 (one host usually holds a whole /64).
func addrKey(ip string) string {
	a, err := parseIP(ip)
	if err != nil {
		return strings.ToLower(ip)
	}
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// wait returns how long login from ip must still wait; 0 means go ahead.
func (t *throttle) wait(login, ip string, now time.Time) time.Duration {
	if t.o.Disabled {
		return 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var d time.Duration
	for _, c := range []*counter{t.accounts[normLogin(login)], t.addrs[addrKey(ip)]} {
		if c != nil && now.Before(c.until) {
			d = max(d, c.until.Sub(now))
		}
	}
	return d
}

// fail counts a failed login.
func (t *throttle) fail(login, ip string, now time.Time) {
	if t.o.Disabled {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.bump(t.accounts, normLogin(login), t.o.AccountFree, now)
	t.bump(t.addrs, addrKey(ip), t.o.AddressFree, now)
}

func (t *throttle) bump(m map[string]*counter, k string, free int, now time.Time) {
	c := m[k]
	if c != nil && now.Sub(c.last) >= t.o.Forget && !now.Before(c.until) {
		c = nil // quiet long enough: start again
	}
	if c == nil {
		if len(m) >= maxCounters {
			t.sweep(m, now)
		}
		c = &counter{}
		m[k] = c
	}
	c.fails++
	c.last = now
	if over := c.fails - free; over > 0 {
		d := t.o.Max
		if over <= 30 && t.o.Base<<(over-1) < t.o.Max {
			d = t.o.Base << (over - 1)
		}
		c.until = now.Add(d)
	}
}

// sweep drops counters that no longer block and are quiet, then, if the
// table is still full, arbitrary non-blocking ones.
func (t *throttle) sweep(m map[string]*counter, now time.Time) {
	for k, c := range m {
		if !now.Before(c.until) && (now.Sub(c.last) >= t.o.Forget || len(m) >= maxCounters) {
			delete(m, k)
		}
	}
}

// success resets the account's counter.
func (t *throttle) success(login string) {
	if t.o.Disabled {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.accounts, normLogin(login))
}

// parseIP parses a client address: an IP, or IP:port as in
// http.Request.RemoteAddr. Zones are dropped and IPv4-mapped IPv6 addresses
// become IPv4.
func parseIP(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		ap, perr := netip.ParseAddrPort(s)
		if perr != nil {
			return netip.Addr{}, err
		}
		a = ap.Addr()
	}
	return a.WithZone("").Unmap(), nil
}
