package blob

import (
	"context"
	"fmt"
	"time"

	"coffre/storage"
)

// Collect removes shard files that no content record references and that no
// write in flight owns. It returns how many files and bytes it removed.
func (s *Store) Collect(ctx context.Context) (files int, bytes int64, err error) {
	files, bytes, _, err = s.orphans(ctx, true)
	return files, bytes, err
}

// orphans finds (and with remove, removes) the shard files no record and no
// write in flight owns.
func (s *Store) orphans(ctx context.Context, remove bool) (files int, bytes int64, names []string, err error) {
	const op = "blob.collect"
	s.collect.Lock()
	defer s.collect.Unlock()
	// From here on, writes that commit are remembered in s.recent, so that a
	// record created after the scan below still protects its files.
	s.mu.Lock()
	s.recent = make(map[contentID]struct{})
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.recent = nil
		s.mu.Unlock()
	}()
	refd := make(map[contentID]struct{})
	err = s.meta.ScanPrefix([]byte("h/"), nil, func(_, v []byte) error {
		if rec, err := parseRecord(v); err == nil && !rec.inline {
			refd[rec.id] = struct{}{}
		}
		return ctx.Err()
	})
	if err != nil {
		return 0, 0, nil, storage.E(op, storage.Unavailable, "", err)
	}
	for _, d := range s.drives {
		werr := d.Walk(func(name string, size int64, _ time.Time) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			id, ok := parseShardName(name)
			if !ok {
				return nil
			}
			if _, ok := refd[id]; ok {
				return nil
			}
			s.mu.Lock()
			_, inflight := s.inflight[id]
			_, recent := s.recent[id]
			s.mu.Unlock()
			if inflight || recent {
				return nil
			}
			if remove {
				if err := d.Remove(name); err != nil {
					s.log.Warn("blob: remove orphan", "drive", d.Name(), "file", name, "err", err)
					return nil
				}
			}
			files++
			bytes += size
			names = append(names, d.Name()+"/"+name)
			return nil
		})
		if werr != nil {
			if ctx.Err() != nil {
				return files, bytes, names, storage.E(op, storage.Unavailable, "", werr)
			}
			s.log.Warn("blob: walk drive", "drive", d.Name(), "err", werr)
			err = storage.E(op, storage.Unavailable, "", fmt.Errorf("drive %s: %w", d.Name(), werr))
		}
	}
	return files, bytes, names, err
}
