package auth

import (
	"context"
	"slices"
	"time"
)

// Client is a tenant (the ConformVault "client"): a name, a root folder and
// the users assigned to it, whom managers administer.
type Client struct {
	ID      string
	Name    string
	Root    string // absolute path of the client's root folder
	Members []string
	Created time.Time
}

func (r *setRecord) client() Client {
	return Client{ID: r.ID, Name: r.Name, Root: r.Root, Members: slices.Clone(r.Members), Created: r.Created}
}

// CreateClient creates a client. Errors: Invalid (fields "name", "root"),
// Exists when the name is taken (names are compared without case). The root
// folder itself is the engine's business.
func (s *Service) CreateClient(ctx context.Context, name, root string) (Client, error) {
	r, err := s.createSet(ctx, "create client", clientKind(), name, root)
	if err != nil {
		return Client{}, err
	}
	return r.client(), nil
}

// GetClient returns the client with this name, or kind NotFound.
func (s *Service) GetClient(ctx context.Context, name string) (Client, error) {
	r, err := s.setByName("get client", clientKind(), name)
	if err != nil {
		return Client{}, err
	}
	return r.client(), nil
}

// ClientByID returns the client with this ID, or kind NotFound.
func (s *Service) ClientByID(ctx context.Context, id string) (Client, error) {
	r, err := s.setByID("get client", clientKind(), id)
	if err != nil {
		return Client{}, err
	}
	return r.client(), nil
}

// Clients lists clients in name order, paged like Users.
func (s *Service) Clients(ctx context.Context, after string, limit int) ([]Client, string, error) {
	rs, next, err := s.listSets(ctx, "list clients", clientKind(), after, limit)
	if err != nil {
		return nil, "", err
	}
	out := make([]Client, len(rs))
	for i, r := range rs {
		out[i] = r.client()
	}
	return out, next, nil
}

// UpdateClient renames a client or changes its root; nil fields stay.
func (s *Service) UpdateClient(ctx context.Context, name string, newName, root *string) (Client, error) {
	r, err := s.updateSet(ctx, "update client", clientKind(), name, newName, root)
	if err != nil {
		return Client{}, err
	}
	return r.client(), nil
}

// DeleteClient removes a client; its members and folder stay.
func (s *Service) DeleteClient(ctx context.Context, name string) error {
	return s.deleteSet(ctx, "delete client", clientKind(), name)
}

// AddClientMember assigns the user login to the client.
func (s *Service) AddClientMember(ctx context.Context, client, login string) error {
	return s.member(ctx, "add client member", clientKind(), client, login, true)
}

// RemoveClientMember unassigns the user login from the client.
func (s *Service) RemoveClientMember(ctx context.Context, client, login string) error {
	return s.member(ctx, "remove client member", clientKind(), client, login, false)
}
