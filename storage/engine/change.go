package engine

import (
	"context"

	"coffre/storage"
	"coffre/storage/blob"
	"coffre/storage/meta"
)

func (n *namespace) Delete(ctx context.Context, path string, opt storage.DeleteOptions) error {
	const op = "delete"
	f, err := n.lookup(op, path)
	if err != nil {
		return err
	}
	if f.isTop() {
		return storage.Errorf(op, storage.Invalid, path, "the top of the tree cannot be deleted")
	}
	if err := n.need(op, path, f.id(), f.rights, storage.Delete); err != nil {
		return err
	}
	e := n.e
	f, unlock, err := n.lockNode(op, f.names, f.node.Dir, nil)
	if err != nil {
		return err
	}
	defer unlock()
	if err := n.need(op, path, f.id(), f.rights, storage.Delete); err != nil { // again, on what is there now
		return err
	}
	if err := n.changeable(op, f); err != nil {
		return err
	}
	if opt.IfMatch != "" {
		if f.node.Dir {
			return storage.Errorf(op, storage.Precondition, path, "a folder has no ETag")
		}
		if err := checkConditions(op, path, f.node, storage.PutOptions{IfMatch: opt.IfMatch}); err != nil {
			return err
		}
	}
	if opt.IfEmpty || opt.Permanent && !n.p.Admin {
		empty, err := e.empty(f)
		switch {
		case err != nil:
			return metaErr(op, path, err)
		case !empty && opt.IfEmpty:
			return storage.Errorf(op, storage.Conflict, path, "not an empty folder")
		case !empty:
			return storage.Errorf(op, storage.Permission, path, "only administrators delete permanently, except empty folders")
		}
	}
	if !opt.Permanent {
		return n.trash(op, f)
	}
	size, err := e.bytes(f.node)
	if err != nil {
		return metaErr(op, path, err)
	}
	b := e.meta.NewBatch()
	addFolders(b, f.above, -size)
	deltas := map[blob.Hash]int{}
	if err := e.remove(ctx, b, f.parent, f.name(), f.node, deltas); err != nil {
		b.Discard()
		return metaErr(op, path, err)
	}
	n.log(b, evDestroy, f.id(), f.node.Dir, path, "")
	if err := e.commit(b, nil, deltas); err != nil {
		return storage.E(op, storage.KindOf(err), path, err)
	}
	return nil
}

// Locking a change to one node. A lookup made before the locks only tells
// which locks to take: until they are held, the node can be trashed, moved,
// given a new version, or replaced by another of the other kind. So a change
// finds the node again under its locks, and uses only what it found there.
//
// A folder's entry cannot change while the tree is held shared (moving or
// deleting a folder holds it exclusively), so the entry of a node found under
// the shared tree lock is where it is for as long as that lock is held; the
// stripe of that entry then keeps the node itself.

// lockEntry holds the tree shared and the stripe of the entry of the node at
// names, and returns that node, found under both, with the function that
// releases them. It is for changes to one node's record that leave the tree's
// shape alone.
func (n *namespace) lockEntry(op string, names []string) (found, func(), error) {
	e := n.e
	e.tree.RLock()
	f, err := n.lookupNames(op, names)
	if err != nil {
		e.tree.RUnlock()
		return found{}, nil, err
	}
	unlockName := e.names.lock(f.entry())
	unlock := func() {
		unlockName()
		e.tree.RUnlock()
	}
	if f, err = n.lookupNames(op, names); err != nil { // again, under the entry's lock
		unlock()
		return found{}, nil, err
	}
	return f, unlock, nil
}

// lockNode takes what a change that takes the node at names out of its place
// needs: the tree exclusively when the node is a folder (everything below it
// changes ancestry), else the tree shared and the stripes of its entry and of
// the entries others(f) names (others may be nil). It returns the node found
// under those locks and the function that releases them. dir is a
// guess from a lookup made without locks; if the node is a folder after all,
// lockNode starts again with the tree held exclusively.
func (n *namespace) lockNode(op string, names []string, dir bool, others func(found) ([]entry, error)) (found, func(), error) {
	e := n.e
	for exclusive := dir; ; exclusive = true {
		if exclusive {
			e.tree.Lock()
		} else {
			e.tree.RLock()
		}
		unlockTree := e.tree.RUnlock
		if exclusive {
			unlockTree = e.tree.Unlock
		}
		f, err := n.lookupNames(op, names)
		if err == nil && f.node.Dir && !exclusive {
			unlockTree()
			continue
		}
		var more []entry
		if err == nil && others != nil {
			more, err = others(f)
		}
		if err != nil {
			unlockTree()
			return found{}, nil, err
		}
		unlockNames := e.names.lock(append(more, f.entry())...)
		unlock := func() {
			unlockNames()
			unlockTree()
		}
		if exclusive {
			return f, unlock, nil
		}
		if f, err = n.lookupNames(op, names); err != nil { // again, under the entry's lock
			unlock()
			return found{}, nil, err
		}
		if f.node.Dir { // replaced by a folder before the entry's lock
			unlock()
			continue
		}
		return f, unlock, nil
	}
}

// empty reports whether f is a folder with nothing in it, seen or not.
func (e *Engine) empty(f found) (bool, error) {
	if !f.node.Dir {
		return false, nil
	}
	empty := true
	err := e.meta.ScanPrefix(childPrefix(f.id()), nil, func(_, _ []byte) error {
		empty = false
		return meta.ErrStop
	})
	return empty, err
}

// remove adds to b the removal of the node rec, named name in parent, with
// everything below it, and counts in deltas the content references it drops.
func (e *Engine) remove(ctx context.Context, b *meta.Batch, parent storage.NodeID, name string, rec *node, deltas map[blob.Hash]int) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b.Delete(childKey(parent, name))
	b.Delete(nodeKey(rec.ID))
	b.Delete(guidKey(rec.GUID))
	for _, a := range rec.ACL {
		b.Delete(grantKey(storage.Subject{Group: a.Group, ID: a.ID}, rec.ID))
	}
	if !rec.Dir {
		vs, err := e.versions(rec.ID)
		if err != nil {
			return err
		}
		for _, v := range vs {
			b.Delete(versionKey(rec.ID, v.ID))
			v.release(deltas)
			addStored(b, v.AuthorID, -v.Size)
		}
		return nil
	}
	b.Delete(folderUsageKey(rec.ID))
	b.Delete(purgeKey(rec.ID))
	type child struct {
		name string
		rec  *node
	}
	var children []child
	prefix := childPrefix(rec.ID)
	err := e.meta.ScanPrefix(prefix, nil, func(k, v []byte) error {
		c, err := decodeNode(v)
		if err != nil {
			return err
		}
		children = append(children, child{string(k[len(prefix):]), c})
		return nil
	})
	if err != nil {
		return err
	}
	for _, c := range children {
		if err := e.remove(ctx, b, rec.ID, c.name, c.rec, deltas); err != nil {
			return err
		}
	}
	return nil
}

func (n *namespace) Move(ctx context.Context, from, to string) (storage.Info, error) {
	const op = "move"
	src, err := n.lookup(op, from)
	if err != nil {
		return storage.Info{}, err
	}
	if src.isTop() {
		return storage.Info{}, storage.Errorf(op, storage.Invalid, from, "the top of the tree cannot be moved")
	}
	dir, name, err := splitParent(op, to)
	if err != nil {
		return storage.Info{}, err
	}
	if !src.node.Dir && len(dir) == 0 {
		return storage.Info{}, storage.Errorf(op, storage.Invalid, to, "files live inside a root folder")
	}
	e := n.e
	var dst found
	src, unlock, err := n.lockNode(op, src.names, src.node.Dir, func(found) ([]entry, error) {
		var err error
		if dst, err = n.lookupNames(op, dir); err != nil {
			return nil, err
		}
		if !dst.node.Dir {
			return nil, storage.E(op, storage.NotFound, to, nil)
		}
		return []entry{{dst.id(), name}}, nil
	})
	if err != nil {
		return storage.Info{}, err
	}
	defer unlock()
	if !src.node.Dir && len(dir) == 0 { // a folder replaced by a file meanwhile
		return storage.Info{}, storage.Errorf(op, storage.Invalid, to, "files live inside a root folder")
	}
	pid := dst.id()
	if pid == src.parent && name == src.name() {
		return src.info(), nil
	}
	if err := n.changeable(op, src); err != nil {
		return storage.Info{}, err
	}
	if err := n.unlocked(op, to, pid, dst.above, false); err != nil {
		return storage.Info{}, err
	}
	if pid == src.parent {
		err = n.need(op, from, src.id(), src.rights, storage.Edit) // a rename in place
	} else if err = n.need(op, from, src.id(), src.rights, storage.Delete); err == nil {
		err = n.need(op, to, src.id(), dst.rights, storage.Write)
	}
	if err != nil {
		return storage.Info{}, err
	}
	if _, err := e.child(pid, name); err == nil {
		return storage.Info{}, storage.E(op, storage.Exists, to, nil)
	} else if !storage.Is(storage.NotFound, err) {
		return storage.Info{}, storage.E(op, storage.KindOf(err), to, err)
	}
	if src.node.Dir {
		if err := e.checkNotBelow(pid, src.id()); err != nil {
			return storage.Info{}, storage.E(op, storage.KindOf(err), to, err)
		}
	}
	size, err := e.bytes(src.node)
	if err != nil {
		return storage.Info{}, metaErr(op, from, err)
	}
	if err := n.room(op, to, excluding(dst.limits, src.above), size); err != nil {
		return storage.Info{}, err
	}
	b := e.meta.NewBatch()
	addFolders(b, src.above, -size)
	addFolders(b, dst.chain(), size)
	b.Delete(src.key())
	b.Set(childKey(pid, name), encode(src.node))
	b.Set(nodeKey(src.id()), nodeValue(pid, name))
	n.log(b, evMove, src.id(), src.node.Dir, to, "from "+from)
	if err := b.Commit(); err != nil {
		return storage.Info{}, metaErr(op, to, err)
	}
	info := src.node.info(pid, name, storage.JoinPath(append(dir, name)...))
	info.Rights = dst.rights
	if src.node.Dir {
		info.Rights = n.enter(dst.rights, src.node, len(dir)+1)
	}
	return info, nil
}

// checkNotBelow fails with Conflict when folder id is ancestor, or is
// ancestor itself: a folder cannot move into its own subtree.
func (e *Engine) checkNotBelow(id, ancestor storage.NodeID) error {
	for id != rootID {
		if id == ancestor {
			return storage.Errorf("move", storage.Conflict, "", "a folder cannot move into itself")
		}
		v, err := e.meta.Get(nodeKey(id))
		if err != nil {
			return err
		}
		if id, _, err = parseNodeValue(v); err != nil {
			return err
		}
	}
	return nil
}
