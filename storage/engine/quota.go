package engine

import (
	"context"
	"fmt"
	"slices"

	"coffre/storage"
	"coffre/storage/meta"
)

// Usage is kept in counters (meta's Batch.Add), updated in the batch of the
// change that causes it, so that reading it never walks a tree:
//
//	q/f/<folder id>  bytes under the folder: every version, trash excluded
//	q/u/<user id>    bytes of the versions the user wrote, trash included
//	q/p              bytes of every version on the platform, trash included
//
// Limits are checked before content streams when its size is known, and
// again before the commit. Concurrent writes are not serialised against each
// other, so they may overshoot a limit by what they write at the same time.

type limit struct {
	folder storage.NodeID
	quota  int64
}

var keyPlatformUsage = []byte("q/p")

func folderUsageKey(id storage.NodeID) []byte { return appendU64([]byte("q/f/"), uint64(id)) }
func userUsageKey(user string) []byte         { return append([]byte("q/u/"), user...) }

// addFolders adds delta bytes to the usage of each folder of chain.
func addFolders(b *meta.Batch, chain []storage.NodeID, delta int64) {
	for _, id := range chain {
		b.Add(folderUsageKey(id), delta)
	}
}

// addStored adds delta bytes written by user to their usage and the platform's.
func addStored(b *meta.Batch, user string, delta int64) {
	if user != "" {
		b.Add(userUsageKey(user), delta)
	}
	b.Add(keyPlatformUsage, delta)
}

// bytes returns the bytes stored under rec: a folder's counter, a file's versions.
func (e *Engine) bytes(rec *node) (int64, error) {
	if !rec.Dir {
		return rec.Stored, nil
	}
	return e.meta.Counter(folderUsageKey(rec.ID))
}

// room fails with NoSpace if size more bytes under the folders of limits, by
// the caller, would exceed a folder's, the caller's or the platform's quota.
func (n *namespace) room(op, path string, limits []limit, size int64) error {
	if size <= 0 {
		return nil
	}
	e := n.e
	check := func(key []byte, quota int64, whose string) error {
		used, err := e.meta.Counter(key)
		if err != nil {
			return metaErr(op, path, err)
		}
		if used+size > quota {
			return storage.Errorf(op, storage.NoSpace, path, "%s quota of %d bytes would be exceeded (%d used, %d more)", whose, quota, used, size)
		}
		return nil
	}
	for _, l := range limits {
		if err := check(folderUsageKey(l.folder), l.quota, "the folder's"); err != nil {
			return err
		}
	}
	if n.p.Quota > 0 {
		if err := check(userUsageKey(n.p.UserID), n.p.Quota, "your"); err != nil {
			return err
		}
	}
	if e.opts.Quota > 0 {
		if err := check(keyPlatformUsage, e.opts.Quota, "the platform's"); err != nil {
			return err
		}
	}
	return nil
}

// excluding returns the limits of folders not in chain: a move within a
// folder does not add to its usage.
func excluding(limits []limit, chain []storage.NodeID) []limit {
	var out []limit
	for _, l := range limits {
		if !slices.Contains(chain, l.folder) {
			out = append(out, l)
		}
	}
	return out
}

func (n *namespace) Usage(ctx context.Context, path string) (storage.Usage, error) {
	const op = "usage"
	f, err := n.lookup(op, path)
	if err != nil {
		return storage.Usage{}, err
	}
	used, err := n.e.bytes(f.node)
	if err != nil {
		return storage.Usage{}, metaErr(op, path, err)
	}
	return storage.Usage{Bytes: used, Quota: f.node.Quota}, nil
}

func (n *namespace) SetQuota(ctx context.Context, path string, quota int64) error {
	const op = "set quota"
	if quota < -1 {
		return storage.Errorf(op, storage.Invalid, path, "a quota is bytes, 0 (unlimited) or -1 (inherit)")
	}
	check := func(f found) error {
		if !n.p.Admin {
			return storage.Errorf(op, storage.Permission, path, "only administrators set quotas")
		}
		return belowTop(op, f)
	}
	change := func(rec *node, _ *meta.Batch) { rec.Quota = quota }
	return n.updateFolder(op, path, check, change, evQuota, fmt.Sprint("quota ", quota))
}

func (n *namespace) Quotas(ctx context.Context) (storage.Quotas, error) {
	const op = "quotas"
	if err := n.authenticated(op, ""); err != nil {
		return storage.Quotas{}, err
	}
	q := storage.Quotas{UserQuota: n.p.Quota, PlatformQuota: n.e.opts.Quota}
	var err error
	if q.UserBytes, err = n.e.meta.Counter(userUsageKey(n.p.UserID)); err != nil {
		return storage.Quotas{}, metaErr(op, "", err)
	}
	if q.PlatformBytes, err = n.e.meta.Counter(keyPlatformUsage); err != nil {
		return storage.Quotas{}, metaErr(op, "", err)
	}
	return q, nil
}
