package engine

import (
	"errors"

	"coffre/storage"
)

// pathOf returns the names leading from the top to node id, following the n/
// pointers up. NotFound for a node that is gone or in the trash.
func (e *Engine) pathOf(id storage.NodeID) ([]string, error) {
	var names []string
	for id != rootID {
		parent, name, err := e.pointer(id)
		if errors.Is(err, errGone) || (err == nil && parent == 0) {
			return nil, storage.E("lookup", storage.NotFound, "", nil)
		}
		if err != nil {
			return nil, err
		}
		names = append(names, name)
		id = parent
		if len(names) > storage.MaxPathLen/2 {
			return nil, storage.Errorf("lookup", storage.Corrupt, "", "pointer cycle at node %d", id)
		}
	}
	for i, j := 0, len(names)-1; i < j; i, j = i+1, j-1 {
		names[i], names[j] = names[j], names[i]
	}
	return names, nil
}

// lookupID finds node id as the caller sees it.
func (n *namespace) lookupID(op string, id storage.NodeID) (found, error) {
	if err := n.authenticated(op, ""); err != nil {
		return found{}, err
	}
	names, err := n.e.pathOf(id)
	if err != nil {
		return found{}, storage.E(op, storage.KindOf(err), "", err)
	}
	return n.lookupNames(op, names)
}
