package engine

import (
	"context"

	"coffre/storage"
	"coffre/storage/meta"
)

// checkMeta refuses metadata over storage.MaxMeta bytes.
func checkMeta(op, path string, m map[string]string) error {
	n := 0
	for k, v := range m {
		n += len(k) + len(v)
	}
	if n > storage.MaxMeta {
		return storage.Errorf(op, storage.TooLarge, path, "metadata of %d bytes exceeds the limit of %d", n, storage.MaxMeta)
	}
	return nil
}

func (n *namespace) SetMeta(ctx context.Context, path string, version uint64, m map[string]string) (storage.Info, error) {
	const op = "set metadata"
	if err := checkMeta(op, path, m); err != nil {
		return storage.Info{}, err
	}
	if len(m) == 0 {
		m = nil
	}
	f, err := n.lookup(op, path)
	if err != nil {
		return storage.Info{}, err
	}
	if f.node.Dir {
		if version != 0 {
			return storage.Info{}, storage.Errorf(op, storage.Invalid, path, "a folder has no versions")
		}
		err := n.updateFolder(op, path, func(f found) error {
			if err := belowTop(op, f); err != nil {
				return err
			}
			return n.need(op, path, f.id(), f.rights, storage.Edit)
		}, func(rec *node, _ *meta.Batch) { rec.Meta = m }, evMeta, "")
		if err != nil {
			return storage.Info{}, err
		}
		return n.Stat(ctx, path)
	}
	return n.setFileMeta(op, f, version, m)
}

// setFileMeta replaces the metadata of version id (0: current) of the file f.
func (n *namespace) setFileMeta(op string, f found, id uint64, m map[string]string) (storage.Info, error) {
	path := f.path()
	if err := n.need(op, path, f.id(), f.rights, storage.Edit); err != nil {
		return storage.Info{}, err
	}
	e := n.e
	f, unlock, err := n.lockEntry(op, f.names)
	if err != nil {
		return storage.Info{}, err
	}
	defer unlock()
	if f.node.Dir { // replaced by a folder meanwhile
		return storage.Info{}, storage.Errorf(op, storage.Conflict, path, "a folder has this name")
	}
	if err := n.need(op, path, f.id(), f.rights, storage.Edit); err != nil { // again, on what is there now
		return storage.Info{}, err
	}
	if err := n.unlocked(op, path, f.id(), f.above, false); err != nil {
		return storage.Info{}, err
	}
	rec := *f.node
	if id == 0 {
		id = rec.Cur.ID
	}
	v, err := e.version(rec.ID, id)
	if err != nil {
		return storage.Info{}, storage.E(op, storage.KindOf(err), path, err)
	}
	v.Meta = m
	b := e.meta.NewBatch()
	b.Set(versionKey(rec.ID, id), encode(v))
	if id == rec.Cur.ID {
		rec.Cur = v
		b.Set(f.key(), encode(&rec))
	}
	n.log(b, evMeta, rec.ID, false, path, "")
	if err := b.Commit(); err != nil {
		return storage.Info{}, metaErr(op, path, err)
	}
	f.node = &rec
	info := f.info()
	if id != rec.Cur.ID {
		v.describe(&info)
	}
	return info, nil
}
