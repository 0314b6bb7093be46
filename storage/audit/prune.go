package audit

import (
	"bytes"
	"context"
	"encoding/binary"
	"time"

	"coffre/storage"
	"coffre/storage/meta"
)

// pruneChunk is the number of entries removed per batch.
const pruneChunk = 1000

// Prune removes the entries whose Time is before before, with their index
// keys, in batches of 1000 entries, and returns how many it removed. It
// stops between batches when ctx ends (what it removed stays removed). Prune
// calls are serialised. Errors are *storage.Error: Unavailable when the store
// is closed; a cancelled ctx gives an error that wraps ctx.Err().
func (l *Log) Prune(ctx context.Context, before time.Time) (removed int, err error) {
	const op = "audit prune"
	l.pruneMu.Lock()
	defer l.pruneMu.Unlock()
	floor, err := l.floor()
	if err != nil {
		return 0, metaErr(op, err)
	}
	tspan := span{prefix: []byte(prefixTime)}
	start, end := []byte(prefixTime), tspan.key(pos{encTime(clampTime(before)), 0})
	for {
		if err := ctx.Err(); err != nil {
			return removed, storage.E(op, storage.Other, "", err)
		}
		b := l.m.NewBatch()
		n, corrupt := 0, 0
		var last []byte
		err := l.m.Scan(start, end, func(k, v []byte) error {
			b.Delete(k)
			n++
			if n == pruneChunk {
				last = bytes.Clone(k)
			}
			if len(k) != len(prefixTime)+posLen {
				corrupt++
			} else {
				p := posOf(k[len(prefixTime):])
				floor = max(floor, p.id)
				b.Delete(binary.BigEndian.AppendUint64([]byte(prefixID), p.id))
				if e, err := decode(v); err == nil {
					deleteIndexes(b, &e, p)
				} else {
					corrupt++ // its index keys stay; queries skip them
				}
			}
			if n == pruneChunk {
				return meta.ErrStop
			}
			return nil
		})
		if err != nil {
			b.Discard()
			return removed, metaErr(op, err)
		}
		if n == 0 {
			b.Discard()
			return removed, nil
		}
		if corrupt > 0 {
			l.logger.Warn("audit prune: removed undecodable entries", "count", corrupt)
		}
		b.Set([]byte(keyFloor), binary.BigEndian.AppendUint64(nil, floor))
		if err := b.Commit(); err != nil {
			return removed, metaErr(op, err)
		}
		removed += n
		if n < pruneChunk {
			return removed, nil
		}
		start = append(last, 0)
	}
}

func deleteIndexes(b *meta.Batch, e *Entry, p pos) {
	if e.UserID != "" {
		b.Delete(indexKey(nil, prefixUser, e.UserID, p))
	}
	b.Delete(indexKey(nil, prefixType, e.Type, p))
	if e.ObjectID != 0 {
		b.Delete(objectKey(nil, e.ObjectID, p))
	}
}

// PruneExpired removes the entries older than the retention (see Prune);
// the server calls it on a schedule.
func (l *Log) PruneExpired(ctx context.Context) (removed int, err error) {
	return l.Prune(ctx, l.now().Add(-l.retention))
}
