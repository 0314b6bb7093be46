package meta

import (
	"sync"
	"testing"
)

func TestCountersAddUpAcrossWritersAndRestarts(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	key := []byte("q/test")
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				b := s.NewBatch()
				b.Add(key, 3)
				b.Add(key, -1)
				if err := b.Commit(); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n, err := s.Counter(key); err != nil || n != 8*50*2 {
		t.Fatalf("counter = %d, %v; want %d", n, err, 8*50*2)
	}
	b := s.NewBatch()
	b.Add(key, -1000)
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = Open(dir, Options{}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if n, err := s.Counter(key); err != nil || n != -200 {
		t.Fatalf("counter after reopen = %d, %v; want -200", n, err)
	}
	if n, err := s.Counter([]byte("q/absent")); err != nil || n != 0 {
		t.Fatalf("absent counter = %d, %v", n, err)
	}
	b = s.NewBatch()
	b.Set([]byte("q/bad"), []byte("xyz"))
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Counter([]byte("q/bad")); err == nil {
		t.Fatal("a non-counter value read as a counter")
	}
}
