package auth

import (
	"context"
	"sync"
	"testing"
	"time"

	"coffre/storage/audit"
)

// clock is a settable clock for tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 3, 5, 10, 0, 0, 0, time.UTC)} } // a Wednesday

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// events collects audit events.
type events struct {
	mu sync.Mutex
	e  []audit.Entry
}

func (a *events) Record(e audit.Entry) (audit.Entry, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.e = append(a.e, e)
	return e, nil
}

func (a *events) all() []audit.Entry {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]audit.Entry(nil), a.e...)
}

// fixture is a Service on a fresh store with a clock and an auditor.
type fixture struct {
	s     *Service
	clock *clock
	audit *events
}

func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	f := &fixture{clock: newClock(), audit: &events{}}
	opts.Argon2 = cheap
	opts.Now = f.clock.Now
	opts.Audit = f.audit
	s, err := New(openMeta(t, t.TempDir()), masterKey(1), opts)
	if err != nil {
		t.Fatal(err)
	}
	f.s = s
	return f
}

// user creates a user with a password and returns it.
func (f *fixture) user(t *testing.T, login, password string) User {
	t.Helper()
	u, err := f.s.CreateUser(context.Background(), NewUser{Login: login, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	return u
}
