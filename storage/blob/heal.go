package blob

import (
	"context"
	"errors"

	"coffre/storage/meta"
)

// The heal queue lives in memory (s.healq) and, so that a restart does not
// lose it, in the metadata store at b/heal/<hash> (an empty value). A write
// that missed a drive adds its key in the batch that creates the record; a
// read that finds a shard file missing adds it in a batch of its own; Run
// loads every key when it starts and deletes a key once its content is
// healthy again (or gone). A heal that fails keeps its key for the next start.

// healPrefix is the key prefix of the persisted heal queue. The 7-byte
// prefix plus a 32-byte hash never equals an inline key (d/ plus 32 bytes).
const healPrefix = "b/heal/"

func healKey(h Hash) []byte { return append([]byte(healPrefix), h[:]...) }

// queueHeal notes a content found degraded for Run, in memory only: the
// caller has persisted it (or it was loaded from the store).
func (s *Store) queueHeal(h Hash) {
	s.mu.Lock()
	s.healq[h] = struct{}{}
	s.mu.Unlock()
	select {
	case s.healSig <- struct{}{}:
	default:
	}
}

// noteDegraded queues h for Run and persists the entry, once per content
// until Run takes it.
func (s *Store) noteDegraded(h Hash) {
	s.mu.Lock()
	_, queued := s.healq[h]
	s.mu.Unlock()
	if queued {
		return
	}
	s.persistHeal(h, true)
	s.queueHeal(h)
}

// loadHealQueue queues every persisted heal entry.
func (s *Store) loadHealQueue(ctx context.Context) error {
	var hs []Hash
	err := s.meta.ScanPrefix([]byte(healPrefix), nil, func(k, _ []byte) error {
		var h Hash
		if len(k) == len(healPrefix)+len(h) {
			copy(h[:], k[len(healPrefix):])
			hs = append(hs, h)
		}
		return ctx.Err()
	})
	for _, h := range hs {
		s.queueHeal(h)
	}
	return err
}

// Run heals, in the background, the contents found degraded (missing shard
// files noted by writes and reads, including those noted before a restart).
// It returns when ctx ends.
func (s *Store) Run(ctx context.Context) error {
	if err := s.loadHealQueue(ctx); err != nil && ctx.Err() == nil {
		s.log.Warn("blob: load heal queue", "err", err)
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-s.healSig:
		}
		for {
			s.mu.Lock()
			var h Hash
			found := false
			for x := range s.healq {
				h, found = x, true
				delete(s.healq, x)
				break
			}
			s.mu.Unlock()
			if !found || ctx.Err() != nil {
				break
			}
			res := s.scrub(ctx, h, FsckOptions{Repair: true})
			s.log.Info("blob: healed", "content", h.String(), "result", res.String())
			if res.gone || res.healthy() || res.repaired {
				s.dropHealEntry(h)
			}
		}
	}
}

// persistHeal writes (queued) or deletes the persisted heal entry of h. A
// failure is logged: the entry is found again by the next read or fsck.
func (s *Store) persistHeal(h Hash, queued bool) {
	b := s.meta.NewBatch()
	what := "persist"
	if queued {
		b.Set(healKey(h), nil)
	} else {
		b.Delete(healKey(h))
		what = "drop"
	}
	if err := b.Commit(); err != nil && !errors.Is(err, meta.ErrNotFound) {
		s.log.Warn("blob: "+what+" heal entry", "content", h.String(), "err", err)
	}
}

// dropHealEntry deletes the persisted entry of h unless h was queued again.
func (s *Store) dropHealEntry(h Hash) {
	s.mu.Lock()
	_, again := s.healq[h]
	s.mu.Unlock()
	if again {
		return
	}
	s.persistHeal(h, false)
}
