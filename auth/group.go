package auth

import (
	"context"
	"slices"
	"time"
)

// Group is a named set of users; rights and connection options can be given
// to it.
type Group struct {
	ID      string
	Name    string
	Members []string // user IDs
	Created time.Time
}

func (r *setRecord) group() Group {
	return Group{ID: r.ID, Name: r.Name, Members: slices.Clone(r.Members), Created: r.Created}
}

// CreateGroup creates an empty group. Errors: Invalid (field "name"),
// Exists when the name is taken (names are compared without case).
func (s *Service) CreateGroup(ctx context.Context, name string) (Group, error) {
	r, err := s.createSet(ctx, "create group", groupKind(), name, "")
	if err != nil {
		return Group{}, err
	}
	return r.group(), nil
}

// GetGroup returns the group with this name, or kind NotFound.
func (s *Service) GetGroup(ctx context.Context, name string) (Group, error) {
	r, err := s.setByName("get group", groupKind(), name)
	if err != nil {
		return Group{}, err
	}
	return r.group(), nil
}

// GroupByID returns the group with this ID, or kind NotFound.
func (s *Service) GroupByID(ctx context.Context, id string) (Group, error) {
	r, err := s.setByID("get group", groupKind(), id)
	if err != nil {
		return Group{}, err
	}
	return r.group(), nil
}

// Groups lists groups in name order, paged like Users.
func (s *Service) Groups(ctx context.Context, after string, limit int) ([]Group, string, error) {
	rs, next, err := s.listSets(ctx, "list groups", groupKind(), after, limit)
	if err != nil {
		return nil, "", err
	}
	out := make([]Group, len(rs))
	for i, r := range rs {
		out[i] = r.group()
	}
	return out, next, nil
}

// RenameGroup renames a group; its ID, members and rights stay.
func (s *Service) RenameGroup(ctx context.Context, name, newName string) (Group, error) {
	r, err := s.updateSet(ctx, "rename group", groupKind(), name, &newName, nil)
	if err != nil {
		return Group{}, err
	}
	return r.group(), nil
}

// DeleteGroup removes a group and its connection options; its members stay.
// Rights entries naming it stay in the tree but match nobody.
func (s *Service) DeleteGroup(ctx context.Context, name string) error {
	return s.deleteSet(ctx, "delete group", groupKind(), name)
}

// AddGroupMember adds the user login to the group; already a member is fine.
func (s *Service) AddGroupMember(ctx context.Context, group, login string) error {
	return s.member(ctx, "add group member", groupKind(), group, login, true)
}

// RemoveGroupMember removes the user login from the group; not a member is
// fine.
func (s *Service) RemoveGroupMember(ctx context.Context, group, login string) error {
	return s.member(ctx, "remove group member", groupKind(), group, login, false)
}
