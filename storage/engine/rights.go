package engine

import (
	"encoding/binary"
	"errors"
	"sync"

	"coffre/storage"
	"coffre/storage/meta"
)

// Rights are granted on folders to users and groups and inherited downwards:
// for a node, the nearest folder walking up that carries entries for the
// caller's user or any of their groups decides (the user's own entry wins,
// otherwise the union of the group entries); nothing above it counts. Walking
// down a path, that is simply the last such folder met, so the effective
// rights are computed during the lookup that every operation makes anyway.
//
// Administrators hold every right, and the owner of a root folder every right
// in it. A principal confined to a subtree (a share link) holds nothing
// outside it, and everything it holds is bounded by its Max.
//
// A folder the caller may not browse does not exist for them (NotFound),
// unless it leads to a folder they may browse: then they may traverse it and
// see in it only what leads there.

// enter returns the rights that apply inside the folder rec, entered at depth
// (1 for a root folder) with the rights cur of its parent.
func (n *namespace) enter(cur storage.Rights, rec *node, depth int) storage.Rights {
	p := n.p
	switch {
	case p.Root != 0:
		if rec.ID == p.Root {
			return p.Max
		}
		if cur == 0 {
			return 0 // still above the link's root
		}
		return cur
	case p.Admin:
		cur = storage.AllRights
	case depth == 1 && rec.Owner != "" && rec.Owner == p.UserID:
		cur = storage.AllRights
	default:
		if r, ok := n.own(rec.ACL); ok {
			cur = r
		}
	}
	if p.Max != 0 {
		cur &= p.Max
	}
	return cur
}

// own returns the rights that the entries acl give the caller, and whether
// any entry is for them.
func (n *namespace) own(acl []ace) (storage.Rights, bool) {
	var groups storage.Rights
	found := false
	for _, a := range acl {
		if !a.Group && a.ID == n.p.UserID {
			return a.Rights, true
		}
		if a.Group && n.inGroup(a.ID) {
			groups |= a.Rights
			found = true
		}
	}
	return groups, found
}

func (n *namespace) inGroup(id string) bool {
	for _, g := range n.p.Groups {
		if g == id {
			return true
		}
	}
	return false
}

// sees reports whether the caller may see the folder rec, in which they hold
// the rights r: they browse it, or it leads to a folder they browse, or it
// is the root a link is confined to (a deposit link writes there without
// browsing it).
func (n *namespace) sees(rec *node, r storage.Rights) bool {
	return r.Has(storage.Browse) || (n.p.Root != 0 && rec.ID == n.p.Root) || n.traversable(rec.ID)
}

// traversal is the set of folders a principal may traverse without browsing
// them: the ancestors of the folders where an entry lets them browse (or of
// a link's root). It is computed once per bound namespace, when first needed.
type traversal struct {
	once sync.Once
	ids  map[storage.NodeID]bool
	err  error
}

func (n *namespace) traversable(id storage.NodeID) bool {
	if n.p.Admin && n.p.Root == 0 {
		return true
	}
	n.trav.once.Do(func() { n.trav.ids, n.trav.err = n.e.traversal(n.p) })
	if n.trav.err != nil {
		n.logError("computing traversable folders", "user", n.p.UserID, "err", n.trav.err)
	}
	return n.trav.ids[id]
}

func (e *Engine) traversal(p storage.Principal) (map[storage.NodeID]bool, error) {
	ids := map[storage.NodeID]bool{}
	var folders []storage.NodeID
	if p.Root != 0 {
		folders = append(folders, p.Root)
	} else {
		probe := &namespace{e: e, p: p}
		subjects := []storage.Subject{{ID: p.UserID}}
		for _, g := range p.Groups {
			subjects = append(subjects, storage.Subject{Group: true, ID: g})
		}
		for _, s := range subjects {
			if s.ID == "" {
				continue
			}
			prefix := grantPrefix(s)
			err := e.meta.ScanPrefix(prefix, nil, func(k, _ []byte) error {
				id := storage.NodeID(binary.BigEndian.Uint64(k[len(prefix):]))
				rec, err := e.nodeByID(id)
				if errors.Is(err, errGone) {
					return nil
				}
				if err != nil {
					return err
				}
				if r, ok := probe.own(rec.ACL); ok && r.Has(storage.Browse) {
					folders = append(folders, id)
				}
				return nil
			})
			if err != nil {
				return nil, err
			}
		}
	}
	for _, f := range folders {
		id := f
		for id != rootID {
			parent, _, err := e.pointer(id)
			if errors.Is(err, errGone) {
				break
			}
			if err != nil {
				return nil, err
			}
			ids[parent] = true
			id = parent
		}
	}
	return ids, nil
}

// errGone reports a node that no longer exists (a stale index entry).
var errGone = errors.New("engine: node gone")

// pointer reads where the node id lives: its folder and name.
func (e *Engine) pointer(id storage.NodeID) (storage.NodeID, string, error) {
	v, err := e.meta.Get(nodeKey(id))
	if errors.Is(err, meta.ErrNotFound) {
		return 0, "", errGone
	}
	if err != nil {
		return 0, "", err
	}
	return parseNodeValue(v)
}

// nodeByID reads the record of node id.
func (e *Engine) nodeByID(id storage.NodeID) (*node, error) {
	if id == rootID {
		return e.top(), nil
	}
	parent, name, err := e.pointer(id)
	if err != nil {
		return nil, err
	}
	rec, err := e.child(parent, name)
	if storage.Is(storage.NotFound, err) {
		return nil, errGone
	}
	return rec, err
}

// grantPrefix is the start of the index keys r/<u|g><subject id>\x00<folder id>
// that list the folders carrying an entry for a subject.
func grantPrefix(s storage.Subject) []byte {
	kind := byte('u')
	if s.Group {
		kind = 'g'
	}
	k := append(append([]byte(nil), prefixGrant...), kind)
	return append(append(k, s.ID...), 0)
}

func grantKey(s storage.Subject, folder storage.NodeID) []byte {
	return appendU64(grantPrefix(s), uint64(folder))
}
