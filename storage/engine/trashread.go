package engine

import (
	"context"
	"fmt"

	"coffre/storage"
)

// Reading the history of a trashed file: a trash item keeps its node record
// and its versions stay under its ID, so they read as a live file's do.

func (n *namespace) TrashVersions(ctx context.Context, id uint64) ([]storage.Version, error) {
	const op = "trash versions"
	t, err := n.item(op, id)
	if err != nil {
		return nil, err
	}
	if t.Node.Dir {
		return nil, storage.Errorf(op, storage.Conflict, t.Path, "is a folder")
	}
	vs, err := n.e.versions(t.Node.ID)
	if err != nil {
		return nil, metaErr(op, t.Path, err)
	}
	out := make([]storage.Version, len(vs))
	for i, v := range vs {
		out[i] = v.public()
	}
	return out, nil
}

func (n *namespace) OpenTrashVersion(ctx context.Context, id uint64, version uint64) (storage.Object, error) {
	const op = "open trash version"
	t, err := n.item(op, id)
	if err != nil {
		return nil, err
	}
	if t.Node.Dir {
		return nil, storage.Errorf(op, storage.Conflict, t.Path, "is a folder")
	}
	// The rights of the folder it was deleted from: trashing a file does not
	// give its deleter the right to read it.
	if !n.p.Admin {
		dir, err := n.lookupID(op, t.Parent)
		if err != nil {
			return nil, storage.Errorf(op, storage.NotFound, t.Path, "the folder it was deleted from is gone")
		}
		if err := n.need(op, t.Path, t.Node.ID, dir.rights, storage.Download); err != nil {
			return nil, err
		}
	}
	v := t.Node.Cur
	if version != 0 && version != v.ID {
		if v, err = n.e.version(t.Node.ID, version); err != nil {
			return nil, storage.E(op, storage.KindOf(err), t.Path, err)
		}
	}
	info := t.Node.info(t.Parent, t.Name, t.Path)
	v.describe(&info)
	obj, err := n.e.openVersion(ctx, v, info)
	if err != nil {
		return nil, storage.E(op, storage.KindOf(err), t.Path, err)
	}
	n.record(evDownload, true, t.Node.ID, false, t.Path, fmt.Sprint("trashed version ", v.ID))
	return obj, nil
}
