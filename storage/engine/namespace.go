package engine

import (
	"errors"

	"coffre/storage"
	"coffre/storage/meta"
)

// namespace is the tree as one principal sees it.
type namespace struct {
	e    *Engine
	p    storage.Principal
	trav traversal
}

// authenticated fails for the anonymous principal, who may do nothing.
func (n *namespace) authenticated(op, path string) error {
	if n.p.UserID == "" && !n.p.Admin {
		return storage.E(op, storage.Unauthenticated, path, nil)
	}
	return nil
}

// found is a node located by path, with the caller's rights on it.
type found struct {
	names  []string
	parent storage.NodeID // the folder holding the node; 0 for "/"
	node   *node
	// above are the folders from the top down to the parent.
	above []storage.NodeID
	// limits are the folders on the path, the node included, with a quota.
	limits []limit
	// rights apply inside the node if it is a folder, and to the node if it
	// is a file (the rights of its folder). prights apply in its folder.
	rights, prights storage.Rights
}

func (f found) name() string {
	if len(f.names) == 0 {
		return ""
	}
	return f.names[len(f.names)-1]
}

func (f found) path() string       { return storage.JoinPath(f.names...) }
func (f found) entry() entry       { return entry{f.parent, f.name()} }
func (f found) isTop() bool        { return len(f.names) == 0 }
func (f found) key() []byte        { return childKey(f.parent, f.name()) }
func (f found) id() storage.NodeID { return f.node.ID }

// chain is the folders from the top down to f, f included.
func (f found) chain() []storage.NodeID { return append(f.above[:len(f.above):len(f.above)], f.id()) }

func (f found) info() storage.Info {
	i := f.node.info(f.parent, f.name(), f.path())
	i.Rights = f.rights
	return i
}

// lookup finds the node at path as the caller sees it: NotFound for what does
// not exist and for what they may not see.
func (n *namespace) lookup(op, path string) (found, error) {
	if err := n.authenticated(op, path); err != nil {
		return found{}, err
	}
	names, err := storage.SplitPath(path)
	if err != nil {
		return found{}, err
	}
	return n.lookupNames(op, names)
}

// lookupNames walks from the top one key per name, computing the caller's
// rights on the way down.
func (n *namespace) lookupNames(op string, names []string) (found, error) {
	top := n.e.top()
	f := found{names: names, node: top, rights: n.enter(0, top, 0)}
	for i, name := range names {
		notFound := storage.E(op, storage.NotFound, storage.JoinPath(names[:i+1]...), nil)
		if !f.node.Dir {
			return found{}, notFound
		}
		rec, err := n.e.child(f.node.ID, name)
		if storage.Is(storage.NotFound, err) {
			return found{}, notFound
		}
		if err != nil {
			return found{}, storage.E(op, storage.KindOf(err), storage.JoinPath(names[:i+1]...), err)
		}
		r := f.rights
		if rec.Dir {
			r = n.enter(r, rec, i+1)
			if !n.sees(rec, r) {
				return found{}, notFound
			}
		} else if !r.Has(storage.Read) {
			return found{}, notFound
		}
		f.above = append(f.above, f.node.ID)
		if rec.Dir && rec.Quota > 0 {
			f.limits = append(f.limits, limit{rec.ID, rec.Quota})
		}
		f.parent, f.node, f.prights, f.rights = f.node.ID, rec, f.rights, r
	}
	return f, nil
}

// child reads the record of the entry name in folder parent.
func (e *Engine) child(parent storage.NodeID, name string) (*node, error) {
	v, err := e.meta.Get(childKey(parent, name))
	if errors.Is(err, meta.ErrNotFound) {
		return nil, storage.E("lookup", storage.NotFound, "", nil)
	}
	if err != nil {
		return nil, storage.E("lookup", storage.Unavailable, "", err)
	}
	return decodeNode(v)
}

// splitParent validates path and splits it into its parent's names and its
// own name. The top of the tree has no parent.
func splitParent(op, path string) ([]string, string, error) {
	names, err := storage.SplitPath(path)
	if err != nil {
		return nil, "", err
	}
	if len(names) == 0 {
		return nil, "", storage.Errorf(op, storage.Invalid, path, "the top of the tree cannot be changed")
	}
	return names[:len(names)-1], names[len(names)-1], nil
}

// metaErr wraps a failure of the metadata store.
func metaErr(op, path string, err error) error {
	if errors.Is(err, meta.ErrClosed) {
		return storage.E(op, storage.Unavailable, path, err)
	}
	return storage.E(op, storage.KindOf(err), path, err)
}
