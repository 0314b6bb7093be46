package meta

import "testing"

// TestCommitsCountsCommittedBatches: each committed batch counts once; a
// discarded batch, a failed commit and the readiness probe do not.
func TestCommitsCountsCommittedBatches(t *testing.T) {
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		b := s.NewBatch()
		b.Set([]byte("t/k"), []byte{byte(i)})
		if err := b.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	b := s.NewBatch()
	b.Set([]byte("t/x"), nil)
	b.Discard()
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	if n := s.Commits(); n != 3 {
		t.Fatalf("Commits = %d, want 3", n)
	}
	s.Close()
	b = s.NewBatch()
	if err := b.Commit(); err == nil || s.Commits() != 3 {
		t.Fatalf("commit on a closed store: %v, Commits = %d", err, s.Commits())
	}
}
