package engine

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"coffre/storage"
	"coffre/storage/meta"
)

// The engine's own background care: trash retention, folder purge
// frequencies, lock expiry and abandoned multipart uploads, one pass per
// call of Maintain. Folders with a purge frequency are indexed so that a pass does
// not walk the whole tree:
//
//	p/<folder id>  the folder's purge frequency in days (8 bytes)

var prefixPurge = []byte("p/")

func purgeKey(id storage.NodeID) []byte {
	return appendU64(append([]byte(nil), prefixPurge...), uint64(id))
}

func (n *namespace) SetPurgeDays(ctx context.Context, path string, days int) error {
	const op = "set purge frequency"
	if days < 0 {
		return storage.Errorf(op, storage.Invalid, path, "a purge frequency is a number of days, 0 for never")
	}
	check := func(f found) error {
		if err := belowTop(op, f); err != nil {
			return err
		}
		return n.need(op, path, f.id(), f.rights, storage.Delete)
	}
	change := func(rec *node, b *meta.Batch) {
		rec.Purge = days
		if days > 0 {
			b.Set(purgeKey(rec.ID), binary.BigEndian.AppendUint64(nil, uint64(days)))
		} else {
			b.Delete(purgeKey(rec.ID))
		}
	}
	return n.updateFolder(op, path, check, change, evPurgeDays, fmt.Sprint("purge after ", days, " days"))
}

// Maintenance is what one pass of background care did.
type Maintenance struct {
	TrashPurged    int // trash items past the retention, destroyed
	FilesAgedOut   int // files past their folder's purge frequency, trashed
	LocksExpired   int
	UploadsExpired int // multipart uploads started more than Options.UploadExpiry ago, aborted
}

// Total is the number of items the pass handled.
func (m Maintenance) Total() int {
	return m.TrashPurged + m.FilesAgedOut + m.LocksExpired + m.UploadsExpired
}

// Maintain runs one pass of the engine's background care: it purges the
// trash past its retention, trashes files past their folder's purge
// frequency, drops expired locks and aborts abandoned multipart uploads.
// Every step runs even when one fails; the error joins their failures. The
// caller runs it on a schedule (see Options.Interval), logs and counts it.
func (e *Engine) Maintain(ctx context.Context) (Maintenance, error) {
	start := e.now()
	retention := e.opts.TrashRetention
	if retention <= 0 {
		retention = 30 * 24 * time.Hour
	}
	var m Maintenance
	var err1, err2, err3, err4 error
	m.TrashPurged, err1 = e.PurgeTrash(ctx, start.Add(-retention))
	m.FilesAgedOut, err2 = e.purgeOldFiles(ctx, start)
	m.LocksExpired, err3 = e.locks.Expire()
	m.UploadsExpired, err4 = e.expireUploads(ctx, start.Add(-e.opts.UploadExpiry))
	return m, errors.Join(err1, err2, err3, err4)
}

// purgeOldFiles moves to the trash of each purged folder's owner the files
// below it not modified within its purge frequency.
func (e *Engine) purgeOldFiles(ctx context.Context, now time.Time) (int, error) {
	type folder struct {
		id   storage.NodeID
		days int
	}
	var folders []folder
	err := e.meta.ScanPrefix(prefixPurge, nil, func(k, v []byte) error {
		folders = append(folders, folder{storage.NodeID(binary.BigEndian.Uint64(k[len(prefixPurge):])), int(binary.BigEndian.Uint64(v))})
		return nil
	})
	if err != nil {
		return 0, err
	}
	count := 0
	for _, f := range folders {
		rec, err := e.nodeByID(f.id)
		if errors.Is(err, errGone) {
			continue // deleted or in the trash: nothing to age out
		}
		if err != nil {
			return count, err
		}
		owner := &namespace{e: e, p: storage.Principal{UserID: rec.Owner, Login: "system", Admin: true, Protocol: "engine"}}
		base, err := owner.lookupID("purge", f.id)
		if err != nil {
			continue
		}
		before := now.Add(-time.Duration(f.days) * 24 * time.Hour).UnixNano()
		type file struct{ path, etag string }
		var old []file
		if err := e.walkFiles(ctx, base.id(), base.path(), func(path string, r *node) {
			if r.Cur != nil && r.Cur.ModTime < before {
				old = append(old, file{path, r.Cur.etag()})
			}
		}); err != nil {
			return count, err
		}
		for _, f := range old {
			// Only the version found old: a file written since stays.
			err := owner.Delete(ctx, f.path, storage.DeleteOptions{IfMatch: f.etag})
			switch {
			case err == nil:
				count++
			case storage.Is(storage.NotFound, err), storage.Is(storage.Locked, err), storage.Is(storage.Precondition, err):
			default:
				return count, err
			}
		}
	}
	return count, nil
}

// walkFiles calls fn for every file below folder id, whose path is dir.
func (e *Engine) walkFiles(ctx context.Context, id storage.NodeID, dir string, fn func(path string, rec *node)) error {
	prefix := childPrefix(id)
	var sub []struct {
		id   storage.NodeID
		path string
	}
	err := e.meta.ScanPrefix(prefix, nil, func(k, v []byte) error {
		rec, err := decodeNode(v)
		if err != nil {
			return err
		}
		path := dir + "/" + string(k[len(prefix):])
		if rec.Dir {
			sub = append(sub, struct {
				id   storage.NodeID
				path string
			}{rec.ID, path})
		} else {
			fn(path, rec)
		}
		return ctx.Err()
	})
	if err != nil {
		return err
	}
	for _, s := range sub {
		if err := e.walkFiles(ctx, s.id, s.path, fn); err != nil {
			return err
		}
	}
	return nil
}
