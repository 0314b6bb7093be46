package auth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"time"

	"coffre/storage"
	"coffre/storage/meta"
)

// Groups and clients are both named sets of users, stored alike: the record
// under a/g/<id> (a/c/<id>) and the name, folded to lower case, under
// a/gn/<name> (a/cn/<name>) holding the ID. A user's groups are also kept in
// the user record, so that a principal is one Get.

// setKind says which kind of set an operation is on.
type setKind struct {
	what   string // "group" or "client"
	prefix string // record prefix, "a/g/"
	names  string // name index prefix, "a/gn/"
	idTag  string // ID prefix, "g-"
}

func groupKind() setKind  { return setKind{"group", "a/g/", "a/gn/", "g-"} }
func clientKind() setKind { return setKind{"client", "a/c/", "a/cn/", "c-"} }

func (k setKind) recKey(id string) []byte    { return []byte(k.prefix + id) }
func (k setKind) nameKey(name string) []byte { return []byte(k.names + strings.ToLower(name)) }

// setRecord is a group or client record.
type setRecord struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Root    string    `json:"root,omitempty"` // clients only
	Members []string  `json:"members,omitempty"`
	Created time.Time `json:"created"`
}

func (s *Service) setByID(op string, k setKind, id string) (*setRecord, error) {
	var r setRecord
	found := false
	var err error
	if id != "" {
		found, err = s.getJSON(k.recKey(id), &r)
	}
	if err != nil {
		return nil, metaErr(op, err)
	}
	if !found {
		return nil, storage.Errorf(op, storage.NotFound, "", "no %s with ID %q", k.what, id)
	}
	return &r, nil
}

func (s *Service) setByName(op string, k setKind, name string) (*setRecord, error) {
	id, err := s.m.Get(k.nameKey(name))
	if errors.Is(err, meta.ErrNotFound) {
		return nil, storage.Errorf(op, storage.NotFound, "", "no %s %q", k.what, name)
	}
	if err != nil {
		return nil, metaErr(op, err)
	}
	return s.setByID(op, k, string(id))
}

func (s *Service) createSet(ctx context.Context, op string, k setKind, name, root string) (*setRecord, error) {
	if err := validName(op, "name", name, true); err != nil {
		return nil, err
	}
	if k.what == "client" {
		if err := validRoot(op, root); err != nil {
			return nil, err
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.nameFree(op, k, name); err != nil {
		return nil, err
	}
	r := &setRecord{Name: name, Root: root, Created: s.now().UTC()}
	for {
		id := make([]byte, 16)
		rand.Read(id) // never fails (crypto/rand)
		r.ID = k.idTag + hex.EncodeToString(id)
		if _, err := s.setByID(op, k, r.ID); storage.Is(storage.NotFound, err) {
			break
		} else if err != nil {
			return nil, err
		}
	}
	b := s.m.NewBatch()
	setJSON(b, k.recKey(r.ID), r)
	b.Set(k.nameKey(r.Name), []byte(r.ID))
	if err := commit(op, b); err != nil {
		return nil, err
	}
	return r, nil
}

// nameFree fails with Exists when name (folded) is taken.
func (s *Service) nameFree(op string, k setKind, name string) error {
	_, err := s.m.Get(k.nameKey(name))
	switch {
	case err == nil:
		return storage.Errorf(op, storage.Exists, "", "%s %q exists", k.what, name)
	case !errors.Is(err, meta.ErrNotFound):
		return metaErr(op, err)
	}
	return nil
}

// updateSet renames a set and (clients) moves its root; nil fields stay.
func (s *Service) updateSet(ctx context.Context, op string, k setKind, name string, newName, root *string) (*setRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.setByName(op, k, name)
	if err != nil {
		return nil, err
	}
	b := s.m.NewBatch()
	if newName != nil && *newName != r.Name {
		if err := validName(op, "name", *newName, true); err != nil {
			b.Discard()
			return nil, err
		}
		if !strings.EqualFold(*newName, r.Name) {
			if err := s.nameFree(op, k, *newName); err != nil {
				b.Discard()
				return nil, err
			}
		}
		b.Delete(k.nameKey(r.Name))
		r.Name = *newName
		b.Set(k.nameKey(r.Name), []byte(r.ID))
	}
	if root != nil && k.what == "client" {
		if err := validRoot(op, *root); err != nil {
			b.Discard()
			return nil, err
		}
		r.Root = *root
	}
	setJSON(b, k.recKey(r.ID), r)
	if err := commit(op, b); err != nil {
		return nil, err
	}
	return r, nil
}

// listSets lists sets in name order (folded), paged like Users.
func (s *Service) listSets(ctx context.Context, op string, k setKind, after string, limit int) (out []*setRecord, next string, err error) {
	limit = pageLimit(limit)
	var start []byte
	if after != "" {
		start = append(k.nameKey(after), 0)
	}
	err = s.m.ScanPrefix([]byte(k.names), start, func(_, v []byte) error {
		if len(out) == limit {
			next = out[len(out)-1].Name
			return meta.ErrStop
		}
		r, err := s.setByID(op, k, string(v))
		if err != nil {
			return err
		}
		out = append(out, r)
		return ctx.Err()
	})
	if err != nil {
		if storage.KindOf(err) != storage.Other {
			return nil, "", err
		}
		return nil, "", metaErr(op, err)
	}
	return out, next, nil
}

// deleteSet removes a set; a group also leaves its members' records and
// loses its connection options.
func (s *Service) deleteSet(ctx context.Context, op string, k setKind, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.setByName(op, k, name)
	if err != nil {
		return err
	}
	b := s.m.NewBatch()
	b.Delete(k.recKey(r.ID))
	b.Delete(k.nameKey(r.Name))
	if k.what == "group" {
		b.Delete(groupOptionsKey(r.ID))
		for _, uid := range r.Members {
			u, err := s.userByID(op, uid)
			if storage.Is(storage.NotFound, err) {
				continue
			} else if err != nil {
				b.Discard()
				return err
			}
			u.Groups = slices.DeleteFunc(u.Groups, func(g string) bool { return g == r.ID })
			putUser(b, u)
		}
	}
	return commit(op, b)
}

// member adds (add) or removes the user login to or from the set name.
// Adding a member twice or removing a non-member changes nothing.
func (s *Service) member(ctx context.Context, op string, k setKind, name, login string, add bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.setByName(op, k, name)
	if err != nil {
		return err
	}
	u, err := s.userByLogin(op, login)
	if err != nil {
		return err
	}
	has := slices.Contains(r.Members, u.ID)
	if has == add {
		return nil
	}
	if add {
		r.Members = append(r.Members, u.ID)
	} else {
		r.Members = slices.DeleteFunc(r.Members, func(id string) bool { return id == u.ID })
	}
	b := s.m.NewBatch()
	setJSON(b, k.recKey(r.ID), r)
	if k.what == "group" {
		if add {
			u.Groups = append(u.Groups, r.ID)
		} else {
			u.Groups = slices.DeleteFunc(u.Groups, func(g string) bool { return g == r.ID })
		}
		putUser(b, u)
	}
	if err := commit(op, b); err != nil {
		return err
	}
	return nil
}

// dropMember adds to b the removal of u from its groups and every client.
func (s *Service) dropMember(b *meta.Batch, u *userRecord) error {
	gk := groupKind()
	for _, gid := range u.Groups {
		r, err := s.setByID("delete user", gk, gid)
		if storage.Is(storage.NotFound, err) {
			continue
		} else if err != nil {
			return err
		}
		r.Members = slices.DeleteFunc(r.Members, func(id string) bool { return id == u.ID })
		setJSON(b, gk.recKey(r.ID), r)
	}
	ck := clientKind()
	return s.m.ScanPrefix([]byte(ck.prefix), nil, func(_, v []byte) error {
		var r setRecord
		if err := unmarshal(v, &r); err != nil {
			return err
		}
		if slices.Contains(r.Members, u.ID) {
			r.Members = slices.DeleteFunc(r.Members, func(id string) bool { return id == u.ID })
			setJSON(b, ck.recKey(r.ID), &r)
		}
		return nil
	})
}
