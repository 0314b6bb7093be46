package engine

import (
	"context"
	"fmt"
	"slices"

	"coffre/storage"
	"coffre/storage/blob"
	"coffre/storage/meta"
)

func (n *namespace) DeleteVersions(ctx context.Context, path string, ids []uint64) error {
	const op = "delete versions"
	f, err := n.lookup(op, path)
	if err != nil {
		return err
	}
	if f.node.Dir {
		return storage.Errorf(op, storage.Conflict, path, "is a folder")
	}
	if err := n.need(op, path, f.id(), f.rights, storage.Delete); err != nil {
		return err
	}
	e := n.e
	f, unlock, err := n.lockEntry(op, f.names)
	if err != nil {
		return err
	}
	defer unlock()
	if f.node.Dir { // replaced by a folder meanwhile
		return storage.Errorf(op, storage.Conflict, path, "is a folder")
	}
	if err := n.need(op, path, f.id(), f.rights, storage.Delete); err != nil { // again, on what is there now
		return err
	}
	if err := n.unlocked(op, path, f.id(), f.above, false); err != nil {
		return err
	}
	all, err := e.versions(f.id())
	if err != nil {
		return metaErr(op, path, err)
	}
	for _, id := range ids {
		if !slices.ContainsFunc(all, func(v *version) bool { return v.ID == id }) {
			return storage.Errorf(op, storage.NotFound, path, "no version %d", id)
		}
	}
	keep := slices.DeleteFunc(slices.Clone(all), func(v *version) bool { return slices.Contains(ids, v.ID) })
	if len(keep) == 0 {
		return storage.Errorf(op, storage.Conflict, path, "a file keeps at least one version; delete the file instead")
	}
	b := e.meta.NewBatch()
	deltas := map[blob.Hash]int{}
	rec := *f.node
	dropVersions(b, &rec, slices.DeleteFunc(all, func(v *version) bool { return !slices.Contains(ids, v.ID) }), f.above, deltas)
	rec.Cur = keep[0]
	b.Set(f.key(), encode(&rec))
	n.log(b, evVersionDelete, f.id(), false, path, fmt.Sprint("versions ", ids))
	if err := e.commit(b, nil, deltas); err != nil {
		return storage.E(op, storage.KindOf(err), path, err)
	}
	return nil
}

// pruneVersions adds to b the destruction of the oldest versions of the file
// rec beyond the newest max, counting in deltas the references they drop. The
// version being added to b is not yet in the store and counts as the newest.
func (e *Engine) pruneVersions(b *meta.Batch, rec *node, max int, chain []storage.NodeID, deltas map[blob.Hash]int) error {
	stored, err := e.versions(rec.ID)
	if err != nil {
		return err
	}
	dropVersions(b, rec, stored[min(max-1, len(stored)):], chain, deltas)
	return nil
}

// dropVersions adds to b the destruction of the versions vs of the file rec,
// below the folders chain: their records, their usage and, in deltas, their
// content references. It updates rec's counts; the caller stores rec.
func dropVersions(b *meta.Batch, rec *node, vs []*version, chain []storage.NodeID, deltas map[blob.Hash]int) {
	for _, v := range vs {
		b.Delete(versionKey(rec.ID, v.ID))
		v.release(deltas)
		addFolders(b, chain, -v.Size)
		addStored(b, v.AuthorID, -v.Size)
		rec.Stored -= v.Size
		rec.NVers--
	}
}

func (n *namespace) RestoreVersion(ctx context.Context, path string, id uint64) (storage.Info, error) {
	const op = "restore version"
	f, err := n.lookup(op, path)
	if err != nil {
		return storage.Info{}, err
	}
	if f.node.Dir {
		return storage.Info{}, storage.Errorf(op, storage.Conflict, path, "is a folder")
	}
	v, err := n.e.version(f.id(), id)
	if err != nil {
		return storage.Info{}, storage.E(op, storage.KindOf(err), path, err)
	}
	return n.addVersion(op, f.names[:len(f.names)-1], f.name(), storage.PutOptions{}, v.content())
}
