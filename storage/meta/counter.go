package meta

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/cockroachdb/pebble/v2"
)

// Counters are int64 values changed by adding deltas: Batch.Add records a
// delta without reading, and Pebble sums the deltas (a merge operator) when
// the key is read or compacted. Concurrent writers of one counter never wait
// for each other, which is what keeps per-user and per-folder usage cheap on
// the write path of every upload.

// counterMerger sums 8-byte little-endian int64 operands. Its name is
// recorded in the store: renaming it makes existing stores unreadable.
var counterMerger = &pebble.Merger{
	Name: "coffre.add.v1",
	Merge: func(_, value []byte) (pebble.ValueMerger, error) {
		m := &sum{}
		return m, m.add(value)
	},
}

type sum struct{ n int64 }

func (s *sum) add(v []byte) error {
	if len(v) != 8 {
		return errors.New("meta: counter operand is not 8 bytes")
	}
	s.n += int64(binary.LittleEndian.Uint64(v))
	return nil
}

func (s *sum) MergeNewer(v []byte) error { return s.add(v) }
func (s *sum) MergeOlder(v []byte) error { return s.add(v) }
func (s *sum) Finish(bool) ([]byte, io.Closer, error) {
	return binary.LittleEndian.AppendUint64(nil, uint64(s.n)), nil, nil
}

// Add records that the counter at key changes by delta.
func (b *Batch) Add(key []byte, delta int64) {
	if delta != 0 {
		_ = b.b.Merge(key, binary.LittleEndian.AppendUint64(nil, uint64(delta)), nil)
	}
}

// Counter returns the value of the counter at key: 0 when absent.
func (s *Store) Counter(key []byte) (int64, error) {
	v, err := s.Get(key)
	if errors.Is(err, ErrNotFound) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if len(v) != 8 {
		return 0, fmt.Errorf("meta: %q is not a counter", key)
	}
	return int64(binary.LittleEndian.Uint64(v)), nil
}
