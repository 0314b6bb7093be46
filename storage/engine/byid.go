package engine

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"

	"coffre/storage"
	"coffre/storage/meta"
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

func (n *namespace) StatID(ctx context.Context, id storage.NodeID) (storage.Info, error) {
	if id == rootID || id == 0 {
		return storage.Info{}, storage.E("stat", storage.NotFound, "", nil)
	}
	f, err := n.lookupID("stat", id)
	if err != nil {
		return storage.Info{}, err
	}
	return f.info(), nil
}

func (n *namespace) StatGUID(ctx context.Context, guid string) (storage.Info, error) {
	const op = "stat"
	g, ok := parseGUID(guid)
	if !ok {
		return storage.Info{}, storage.E(op, storage.NotFound, "", nil)
	}
	v, err := n.e.meta.Get(guidKey(g))
	if errors.Is(err, meta.ErrNotFound) {
		return storage.Info{}, storage.E(op, storage.NotFound, "", nil)
	}
	if err != nil {
		return storage.Info{}, metaErr(op, "", err)
	}
	if len(v) != 8 {
		return storage.Info{}, storage.Errorf(op, storage.Corrupt, "", "GUID index value of %d bytes", len(v))
	}
	return n.StatID(ctx, storage.NodeID(binary.BigEndian.Uint64(v)))
}

// parseGUID reads the form formatGUID writes (hex digits of either case).
func parseGUID(s string) ([]byte, bool) {
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return nil, false
	}
	g, err := hex.DecodeString(s[0:8] + s[9:13] + s[14:18] + s[19:23] + s[24:36])
	return g, err == nil
}
