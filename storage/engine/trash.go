package engine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"coffre/storage"
	"coffre/storage/blob"
	"coffre/storage/meta"
)

// The trash. Deleting moves a node out of the tree in one batch: its c/ entry
// goes, its n/ pointer says "in the trash" (folder 0), and a trash record
// keeps the node record with where it was. Everything below it stays keyed
// under its ID, untouched, so a folder of any size is trashed and restored in
// one write. Keys:
//
//	t/i/<item id>               the user ID whose trash holds the item
//	t/u/<user id>\x00<item id>  the trash record (JSON)

var (
	prefixTrashIndex = []byte("t/i/")
	prefixTrashUser  = []byte("t/u/")
)

func trashIndexKey(id uint64) []byte { return appendU64(append([]byte(nil), prefixTrashIndex...), id) }

func trashUserPrefix(user string) []byte {
	return append(append(append([]byte(nil), prefixTrashUser...), user...), 0)
}

func trashKey(user string, id uint64) []byte { return appendU64(trashUserPrefix(user), id) }

// trashed is the record of a trash item.
type trashed struct {
	ID      uint64         `json:"id"`
	User    string         `json:"user"`
	Parent  storage.NodeID `json:"parent"` // the folder it was in
	Name    string         `json:"name"`
	Path    string         `json:"path"`
	Deleted int64          `json:"deleted"` // Unix nanoseconds
	Node    *node          `json:"node"`
}

func (t *trashed) public() storage.TrashItem {
	it := storage.TrashItem{
		ID: t.ID, Node: t.Node.ID, Name: t.Name, Path: t.Path, Dir: t.Node.Dir,
		Deleted: time.Unix(0, t.Deleted).UTC(), DeletedBy: t.User,
	}
	if t.Node.Cur != nil {
		it.Size = t.Node.Cur.Size
	}
	return it
}

// trash moves f to the caller's trash, and ends the locks on it and below
// it, whichever protocol took them: a lock protects a resource where it is
// (RFC 4918 §6.1), and one that stayed on a trashed node would come back
// with a restore. They are the caller's own (changeable let no one else's
// stand). The caller holds the tree's stripe locks.
func (n *namespace) trash(op string, f found) error {
	e := n.e
	id, err := e.ids.id()
	if err != nil {
		return metaErr(op, f.path(), err)
	}
	rec := &trashed{ID: id, User: n.p.UserID, Parent: f.parent, Name: f.name(), Path: f.path(), Deleted: e.now().UnixNano(), Node: f.node}
	size, err := e.bytes(f.node)
	if err != nil {
		return metaErr(op, f.path(), err)
	}
	b := e.meta.NewBatch()
	addFolders(b, f.above, -size)
	b.Delete(f.key())
	b.Set(nodeKey(f.id()), nodeValue(0, ""))
	b.Set(trashIndexKey(id), []byte(rec.User))
	b.Set(trashKey(rec.User, id), encode(rec))
	n.log(b, evDelete, f.id(), f.node.Dir, f.path(), "to the trash")
	if err := b.Commit(); err != nil {
		return metaErr(op, f.path(), err)
	}
	n.dropLocks(f.id())
	return nil
}

func (n *namespace) Trash(ctx context.Context, all bool) ([]storage.TrashItem, error) {
	const op = "trash"
	if err := n.authenticated(op, ""); err != nil {
		return nil, err
	}
	if all && !n.p.Admin {
		return nil, storage.Errorf(op, storage.Permission, "", "only administrators see everyone's trash")
	}
	prefix := trashUserPrefix(n.p.UserID)
	if all {
		prefix = prefixTrashUser
	}
	var out []storage.TrashItem
	err := n.e.meta.ScanPrefix(prefix, nil, func(_, v []byte) error {
		t, err := decodeTrashed(v)
		if err != nil {
			return err
		}
		out = append(out, t.public())
		return ctx.Err()
	})
	if err != nil {
		return nil, metaErr(op, "", err)
	}
	return out, nil
}

// item reads the trash item id as the caller may see it: their own, or any
// for an administrator.
func (n *namespace) item(op string, id uint64) (*trashed, error) {
	if err := n.authenticated(op, ""); err != nil {
		return nil, err
	}
	notFound := storage.Errorf(op, storage.NotFound, "", "no trash item %d", id)
	user, err := n.e.meta.Get(trashIndexKey(id))
	if errors.Is(err, meta.ErrNotFound) {
		return nil, notFound
	}
	if err != nil {
		return nil, metaErr(op, "", err)
	}
	if string(user) != n.p.UserID && !n.p.Admin {
		return nil, notFound
	}
	v, err := n.e.meta.Get(trashKey(string(user), id))
	if err != nil {
		return nil, metaErr(op, "", err)
	}
	return decodeTrashed(v)
}

func (n *namespace) Restore(ctx context.Context, id uint64, to string) (storage.Info, error) {
	const op = "restore"
	e := n.e
	e.tree.Lock() // the subtree comes back under a folder: ancestry changes
	defer e.tree.Unlock()
	t, err := n.item(op, id)
	if err != nil {
		return storage.Info{}, err
	}
	var dir found
	if to != "" {
		dir, err = n.lookup(op, to)
	} else {
		dir, err = n.lookupID(op, t.Parent)
	}
	if err != nil {
		return storage.Info{}, err
	}
	if !dir.node.Dir {
		return storage.Info{}, storage.Errorf(op, storage.Conflict, dir.path(), "not a folder")
	}
	if len(dir.names) == 0 && !t.Node.Dir {
		return storage.Info{}, storage.Errorf(op, storage.Invalid, t.Path, "files live inside a root folder")
	}
	if err := n.need(op, dir.path(), t.Node.ID, dir.rights, storage.Write); err != nil {
		return storage.Info{}, err
	}
	if err := n.unlocked(op, dir.path(), dir.id(), dir.above, false); err != nil {
		return storage.Info{}, err
	}
	name, err := e.freeName(dir.id(), t.Name)
	if err != nil {
		return storage.Info{}, metaErr(op, dir.path(), err)
	}
	size, err := e.bytes(t.Node)
	if err != nil {
		return storage.Info{}, metaErr(op, dir.path(), err)
	}
	if err := n.room(op, dir.path(), dir.limits, size); err != nil {
		return storage.Info{}, err
	}
	b := e.meta.NewBatch()
	addFolders(b, dir.chain(), size)
	b.Set(childKey(dir.id(), name), encode(t.Node))
	b.Set(nodeKey(t.Node.ID), nodeValue(dir.id(), name))
	b.Delete(trashIndexKey(id))
	b.Delete(trashKey(t.User, id))
	n.log(b, evRestore, t.Node.ID, t.Node.Dir, storage.JoinPath(append(dir.names, name)...), "from the trash, was "+t.Path)
	if err := b.Commit(); err != nil {
		return storage.Info{}, metaErr(op, dir.path(), err)
	}
	f := found{names: append(dir.names[:len(dir.names):len(dir.names)], name), parent: dir.id(), node: t.Node, prights: dir.rights, rights: dir.rights}
	if t.Node.Dir {
		f.rights = n.enter(dir.rights, t.Node, len(f.names))
	}
	return f.info(), nil
}

// freeName returns name, or name with a " (restored)" suffix, that is free in
// the folder parent.
func (e *Engine) freeName(parent storage.NodeID, name string) (string, error) {
	for i := 1; i < 1000; i++ {
		candidate := name
		switch {
		case i == 2:
			candidate = name + " (restored)"
		case i > 2:
			candidate = fmt.Sprintf("%s (restored %d)", name, i-1)
		}
		_, err := e.meta.Get(childKey(parent, candidate))
		if errors.Is(err, meta.ErrNotFound) {
			return candidate, nil
		}
		if err != nil {
			return "", err
		}
	}
	return "", storage.Errorf("restore", storage.Exists, name, "no free name")
}

func (n *namespace) Purge(ctx context.Context, id uint64) error {
	const op = "purge"
	e := n.e
	e.tree.RLock()
	defer e.tree.RUnlock()
	defer e.names.lock(itemEntry(id))()
	t, err := n.item(op, id) // under the item's lock: only one purge destroys it
	if err != nil {
		return err
	}
	return e.purge(ctx, t, func(b *meta.Batch) { n.log(b, evPurge, t.Node.ID, t.Node.Dir, t.Path, "") })
}

// itemEntry is the stripe that serialises the purges of trash item id (a
// restore holds the tree exclusively). No entry of the tree has folder 0.
func itemEntry(id uint64) entry { return entry{0, fmt.Sprint("trash item ", id)} }

// purge destroys a trash item and everything below it; log adds the audit
// entry to the batch. The caller holds the tree shared and the item's stripe,
// and read t under them.
func (e *Engine) purge(ctx context.Context, t *trashed, log func(*meta.Batch)) error {
	b := e.meta.NewBatch()
	deltas := map[blob.Hash]int{}
	if err := e.remove(ctx, b, 0, "", t.Node, deltas); err != nil {
		b.Discard()
		return metaErr("purge", t.Path, err)
	}
	b.Delete(trashIndexKey(t.ID))
	b.Delete(trashKey(t.User, t.ID))
	log(b)
	if err := e.commit(b, nil, deltas); err != nil {
		return storage.E("purge", storage.KindOf(err), t.Path, err)
	}
	return nil
}

func (n *namespace) EmptyTrash(ctx context.Context, all bool) (int, error) {
	items, err := n.Trash(ctx, all)
	if err != nil {
		return 0, err
	}
	done := 0
	for _, it := range items {
		if err := n.Purge(ctx, it.ID); err != nil && !storage.Is(storage.NotFound, err) {
			return done, err
		}
		done++
	}
	return done, nil
}

// PurgeTrash destroys the trash items deleted before the given time, for the
// retention loop. It returns how many it destroyed.
func (e *Engine) PurgeTrash(ctx context.Context, before time.Time) (int, error) {
	var old []*trashed
	err := e.meta.ScanPrefix(prefixTrashUser, nil, func(_, v []byte) error {
		t, err := decodeTrashed(v)
		if err != nil {
			return err
		}
		if t.Deleted < before.UnixNano() {
			old = append(old, t)
		}
		return ctx.Err()
	})
	if err != nil {
		return 0, err
	}
	e.tree.RLock()
	defer e.tree.RUnlock()
	system := &namespace{e: e, p: storage.Principal{Login: "system", Protocol: "engine"}}
	done := 0
	for _, t := range old {
		ok, err := e.purgeOld(ctx, t.User, t.ID, system)
		if err != nil {
			return done, err
		}
		if ok {
			done++
		}
	}
	return done, nil
}

// purgeOld destroys trash item id of user if it is still there, for
// PurgeTrash, which holds the tree shared.
func (e *Engine) purgeOld(ctx context.Context, user string, id uint64, system *namespace) (bool, error) {
	defer e.names.lock(itemEntry(id))()
	v, err := e.meta.Get(trashKey(user, id)) // again, under the item's lock
	if errors.Is(err, meta.ErrNotFound) {
		return false, nil // purged or restored meanwhile
	}
	if err != nil {
		return false, err
	}
	t, err := decodeTrashed(v)
	if err != nil {
		return false, err
	}
	log := func(b *meta.Batch) {
		system.log(b, evPurge, t.Node.ID, t.Node.Dir, t.Path, "trash retention")
	}
	if err := e.purge(ctx, t, log); err != nil {
		return false, err
	}
	return true, nil
}

func decodeTrashed(v []byte) (*trashed, error) {
	t := new(trashed)
	if err := json.Unmarshal(v, t); err != nil || t.Node == nil {
		return nil, fmt.Errorf("engine: bad trash record: %v", err)
	}
	return t, nil
}
