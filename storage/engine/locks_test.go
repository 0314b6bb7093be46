package engine_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"coffre/storage"
	"coffre/storage/engine"
)

// clock is an injected clock that tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestLocksExpireAndSurviveRestarts(t *testing.T) {
	dir := t.TempDir()
	// openStack also starts an engine on the real clock over the same store,
	// which drops the locks it sees as expired: start from the real time.
	clk := &clock{t: time.Now().UTC().Truncate(time.Second)}
	open := func(opts engine.Options) (*stack, storage.Namespace, storage.Namespace) {
		s := openStack(t, dir)
		opts.Now = clk.now
		e, err := engine.New(s.meta, s.blob, opts)
		if err != nil {
			t.Fatal(err)
		}
		return s, e.As(storage.Principal{UserID: "u-1", Login: "one", Admin: true}), e.As(storage.Principal{UserID: "u-2", Login: "two", Admin: true})
	}
	s, one, two := open(engine.Options{LockTimeout: time.Hour})
	if _, err := one.Mkdir(ctx, "/r"); err != nil {
		t.Fatal(err)
	}
	put := func(ns storage.Namespace) error {
		_, err := ns.Put(ctx, "/r/f", strings.NewReader("x"), storage.PutOptions{Size: 1})
		return err
	}
	if err := put(one); err != nil {
		t.Fatal(err)
	}
	l, err := one.Lock(ctx, "/r/f", storage.LockOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := l.Expires.Sub(l.Created); got != time.Hour {
		t.Fatalf("default lock life %v, want 1h", got)
	}
	s.close(t)

	// After a restart the lock still holds.
	s, one, two = open(engine.Options{LockTimeout: time.Hour})
	if err := put(two); !storage.Is(storage.Locked, err) {
		t.Fatalf("put over a lock after restart: %v", err)
	}
	clk.add(59 * time.Minute)
	if _, err := one.RefreshLock(ctx, l.Token, 0); err != nil {
		t.Fatal(err)
	}
	clk.add(59 * time.Minute)
	if err := put(two); !storage.Is(storage.Locked, err) {
		t.Fatalf("put over a refreshed lock: %v", err)
	}
	clk.add(2 * time.Minute)
	if err := put(two); err != nil {
		t.Fatalf("put after the lock expired: %v", err)
	}
	s.close(t)

	// An expired lock is gone after a restart too; a huge timeout is capped.
	s, one, _ = open(engine.Options{MaxLockTimeout: 2 * time.Hour})
	defer s.close(t)
	if ls, err := one.Locks(ctx, "/r/f"); err != nil || len(ls) != 0 {
		t.Fatalf("locks after expiry and restart: %v, %v", ls, err)
	}
	l, err = one.Lock(ctx, "/r/f", storage.LockOptions{Timeout: 1000 * time.Hour})
	if err != nil || l.Expires.Sub(l.Created) != 2*time.Hour {
		t.Fatalf("capped lock: %+v, %v", l, err)
	}
}

func TestReadLocks(t *testing.T) {
	for _, lockRead := range []bool{false, true} {
		s := newStack(t)
		e, err := engine.New(s.meta, s.blob, engine.Options{LockRead: lockRead})
		if err != nil {
			t.Fatal(err)
		}
		one := e.As(storage.Principal{UserID: "u-1", Login: "one", Admin: true})
		two := e.As(storage.Principal{UserID: "u-2", Login: "two", Admin: true})
		if _, err := one.Mkdir(ctx, "/r"); err != nil {
			t.Fatal(err)
		}
		if _, err := one.Put(ctx, "/r/f", strings.NewReader("x"), storage.PutOptions{Size: 1}); err != nil {
			t.Fatal(err)
		}
		if _, err := one.Lock(ctx, "/r/f", storage.LockOptions{Unreadable: true}); err != nil {
			t.Fatal(err)
		}
		obj, err := two.Open(ctx, "/r/f")
		if lockRead && !storage.Is(storage.Locked, err) {
			t.Errorf("with lock_read, another user opened a read-locked file: %v", err)
		}
		if !lockRead && err != nil {
			t.Errorf("without lock_read, a lock stopped a read: %v", err)
		}
		if err == nil {
			obj.Close()
		}
		if obj, err := one.Open(ctx, "/r/f"); err != nil {
			t.Errorf("the holder cannot read: %v", err)
		} else {
			obj.Close()
		}
	}
}

// Deleting a node ends the locks on it and below it, whatever the protocol
// (an S3 or REST delete by the holder): a restore brings back the content,
// not the locks. Locks elsewhere stay.
func TestDeleteEndsLocks(t *testing.T) {
	s := newStack(t)
	e := upOK(engine.New(s.meta, s.blob, engine.Options{}))(t)
	ns := e.As(admin)
	for _, d := range []string{"/r", "/r/d", "/r/d/sub"} {
		upOK(ns.Mkdir(ctx, d))(t)
	}
	for _, f := range []string{"/r/f", "/r/d/sub/g", "/r/kept"} {
		upOK(ns.Put(ctx, f, strings.NewReader(f), storage.PutOptions{Size: int64(len(f))}))(t)
	}
	for _, p := range []string{"/r/f", "/r/d", "/r/d/sub/g", "/r/kept"} {
		upOK(ns.Lock(ctx, p, storage.LockOptions{}))(t)
	}
	for _, p := range []string{"/r/f", "/r/d"} {
		if err := ns.Delete(ctx, p, storage.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	items := upOK(ns.Trash(ctx, false))(t)
	for _, it := range items {
		upOK(ns.Restore(ctx, it.ID, ""))(t)
	}
	for p, want := range map[string]int{"/r/f": 0, "/r/d": 0, "/r/d/sub/g": 0, "/r/kept": 1} {
		if ls := upOK(ns.Locks(ctx, p))(t); len(ls) != want {
			t.Errorf("%s after delete and restore: %d locks, want %d", p, len(ls), want)
		}
	}
}
