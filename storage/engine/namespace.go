package engine

import (
	"errors"

	"coffre/storage"
	"coffre/storage/meta"
)

// namespace is the tree as one principal sees it.
type namespace struct {
	e *Engine
	p storage.Principal
}

// authorize decides whether the principal may do op. Until rights arrive
// (granted on folders, inherited), every authenticated principal may do
// everything; an anonymous one nothing.
func (n *namespace) authorize(op, path string) error {
	if n.p.UserID == "" && !n.p.Admin {
		return storage.E(op, storage.Unauthenticated, path, nil)
	}
	return nil
}

// found is a node located by path.
type found struct {
	names  []string
	parent storage.NodeID // the folder holding the node; 0 for "/"
	node   *node
}

func (f found) name() string {
	if len(f.names) == 0 {
		return ""
	}
	return f.names[len(f.names)-1]
}

func (f found) path() string       { return storage.JoinPath(f.names...) }
func (f found) info() storage.Info { return f.node.info(f.parent, f.name(), f.path()) }
func (f found) entry() entry       { return entry{f.parent, f.name()} }
func (f found) isTop() bool        { return len(f.names) == 0 }
func (f found) isRootFolder() bool { return len(f.names) == 1 }
func (f found) key() []byte        { return childKey(f.parent, f.name()) }
func (f found) id() storage.NodeID { return f.node.ID }
func (f found) child(name string) []string {
	return append(append([]string(nil), f.names...), name)
}

var topNode = &node{ID: rootID, Dir: true}

// lookup finds the node at path, walking from the top one key per name.
func (n *namespace) lookup(op, path string) (found, error) {
	names, err := storage.SplitPath(path)
	if err != nil {
		return found{}, err
	}
	return n.lookupNames(op, names)
}

func (n *namespace) lookupNames(op string, names []string) (found, error) {
	f := found{names: names, node: topNode}
	for i, name := range names {
		if !f.node.Dir {
			return found{}, storage.E(op, storage.NotFound, storage.JoinPath(names...), nil)
		}
		rec, err := n.e.child(f.node.ID, name)
		if err != nil {
			return found{}, storage.E(op, storage.KindOf(err), storage.JoinPath(names[:i+1]...), err)
		}
		f.parent, f.node = f.node.ID, rec
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
