package blob

import "context"

// Run heals, in the background, the contents found degraded (missing shard
// files noted by writes and reads). It returns when ctx ends.
func (s *Store) Run(ctx context.Context) error {
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
		}
	}
}
