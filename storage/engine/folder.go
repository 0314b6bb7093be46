package engine

import (
	"coffre/storage"
	"coffre/storage/meta"
)

// updateFolder changes the record of the folder at path: under the lock of its
// entry, it finds the folder again, lets check refuse, applies change to a copy
// of the record (change may add more to the batch) and commits the record with
// the audit entry event. "/" is a folder too: its record lives at s/top.
func (n *namespace) updateFolder(op, path string, check func(found) error, change func(*node, *meta.Batch), event, detail string) error {
	f, err := n.lookup(op, path)
	if err != nil {
		return err
	}
	if !f.node.Dir {
		return storage.Errorf(op, storage.Invalid, path, "not a folder")
	}
	e := n.e
	f, unlock, err := n.lockEntry(op, f.names)
	if err != nil {
		return err
	}
	defer unlock()
	if !f.node.Dir { // replaced by a file meanwhile
		return storage.Errorf(op, storage.Invalid, path, "not a folder")
	}
	if err := check(f); err != nil {
		return err
	}
	rec := *f.node
	b := e.meta.NewBatch()
	change(&rec, b)
	key := f.key()
	if f.isTop() {
		key = keyTop
	}
	b.Set(key, encode(&rec))
	n.log(b, event, f.id(), true, f.path(), detail)
	if err := b.Commit(); err != nil {
		return metaErr(op, path, err)
	}
	if f.isTop() {
		e.topRec.Store(&rec)
	}
	return nil
}

// belowTop refuses the top of the tree, for settings that only folders below it have.
func belowTop(op string, f found) error {
	if f.isTop() {
		return storage.Errorf(op, storage.Invalid, "/", "the top of the tree has no such setting")
	}
	return nil
}
