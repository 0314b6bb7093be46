package engine

import "context"

// Gauges is the state of the namespace's tables that an operator watches:
// what /metrics reports beside the drives.
type Gauges struct {
	LocksHeld  int   // live locks, every protocol's
	Uploads    int   // multipart (S3), chunked and TUS (REST) uploads in progress
	TrashItems int   // items in everyone's trash
	TrashBytes int64 // bytes they hold, every version counted
}

// Gauges reads them: the lock table from memory, the uploads and the trash
// by one scan of their keys each (both are small next to the tree).
func (e *Engine) Gauges(ctx context.Context) (Gauges, error) {
	g := Gauges{LocksHeld: len(e.locks.Live())}
	err := e.meta.ScanPrefix(prefixUpload, nil, func(_, _ []byte) error {
		g.Uploads++
		return ctx.Err()
	})
	if err != nil {
		return g, err
	}
	err = e.meta.ScanPrefix(prefixTrashUser, nil, func(_, v []byte) error {
		t, err := decodeTrashed(v)
		if err != nil {
			return err
		}
		size, err := e.bytes(t.Node)
		if err != nil {
			return err
		}
		g.TrashItems++
		g.TrashBytes += size
		return ctx.Err()
	})
	return g, err
}
