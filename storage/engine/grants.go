package engine

import (
	"context"
	"fmt"
	"slices"

	"coffre/storage"
	"coffre/storage/meta"
)

func (n *namespace) Grants(ctx context.Context, path string) ([]storage.Grant, error) {
	const op = "grants"
	f, err := n.lookup(op, path)
	if err != nil {
		return nil, err
	}
	if err := n.canManageRights(op, f); err != nil {
		return nil, err
	}
	out := make([]storage.Grant, 0, len(f.node.ACL))
	for _, a := range f.node.ACL {
		out = append(out, storage.Grant{
			Folder:  f.id(),
			Path:    f.path(),
			Subject: storage.Subject{Group: a.Group, ID: a.ID},
			Rights:  a.Rights,
		})
	}
	return out, nil
}

func (n *namespace) SetGrant(ctx context.Context, path string, to storage.Subject, r storage.Rights) error {
	const op = "grant"
	if to.ID == "" {
		return storage.Errorf(op, storage.Invalid, path, "a rights entry needs a user or a group")
	}
	if r&^storage.AllRights != 0 {
		return storage.Errorf(op, storage.Invalid, path, "unknown rights %#x", uint8(r&^storage.AllRights))
	}
	check := func(f found) error {
		if err := n.canManageRights(op, f); err != nil {
			return err
		}
		if !n.p.Admin && r&^f.rights != 0 {
			return storage.Errorf(op, storage.Permission, path, "cannot grant %v, which you do not hold", r&^f.rights)
		}
		return nil
	}
	change := func(rec *node, b *meta.Batch) {
		rec.ACL = slices.DeleteFunc(slices.Clone(rec.ACL), func(a ace) bool { return a.Group == to.Group && a.ID == to.ID })
		if r != 0 {
			rec.ACL = append(rec.ACL, ace{Group: to.Group, ID: to.ID, Rights: r})
			b.Set(grantKey(to, rec.ID), nil)
		} else {
			b.Delete(grantKey(to, rec.ID))
		}
	}
	kind := "user"
	if to.Group {
		kind = "group"
	}
	return n.updateFolder(op, path, check, change, evRights, fmt.Sprintf("%s %s: %v", kind, to.ID, r))
}

// canManageRights fails unless f is a folder on which the caller holds Share.
func (n *namespace) canManageRights(op string, f found) error {
	if !f.node.Dir {
		return storage.Errorf(op, storage.Invalid, f.path(), "rights are set on folders")
	}
	return n.need(op, f.path(), f.id(), f.rights, storage.Share)
}
