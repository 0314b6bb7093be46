package rest

import (
	"encoding/json"
	"net/http"
	"slices"

	"coffre/auth"
	"coffre/storage"
)

// Groups: GET /api/groups, GET/PUT/DELETE /api/group/{id}, POST /api/group.
// Administrators and managers read them; only administrators change them.

// GroupBrief is a group in GET /api/groups.
type GroupBrief struct {
	ID    string `json:"id"`
	Login string `json:"login"` // the group's name, as the seed calls it
}

// Group is the seed's "Groupe".
type Group struct {
	ID      string      `json:"id"`
	Login   string      `json:"login"`
	LDAP    bool        `json:"ldap"`
	Members []UserBrief `json:"members"`
}

// UserBrief is a user as a Group lists it.
type UserBrief struct {
	ID        string `json:"id"`
	FirstName string `json:"firstname"`
	LastName  string `json:"lastname"`
	Login     string `json:"login"`
}

func (h *Handler) listGroups(c *call) error {
	if err := c.staff(); err != nil {
		return err
	}
	offset, limit, err := c.paging()
	if err != nil {
		return err
	}
	var all []GroupBrief
	after := ""
	for {
		gs, next, err := h.opts.Auth.Groups(c.ctx, after, 1000)
		if err != nil {
			return err
		}
		for _, g := range gs {
			all = append(all, GroupBrief{ID: g.ID, Login: g.Name})
		}
		if next == "" {
			break
		}
		after = next
	}
	return c.json(http.StatusOK, paged(all, offset, limit))
}

func (h *Handler) getGroup(c *call) error {
	if err := c.staff(); err != nil {
		return err
	}
	g, err := c.groupByID(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	return c.answerGroup(http.StatusOK, g)
}

// answerGroup answers a group with its members.
func (c *call) answerGroup(status int, g auth.Group) error {
	o := Group{ID: g.ID, Login: g.Name, Members: []UserBrief{}}
	for _, id := range g.Members {
		u, err := c.h.opts.Auth.UserByID(c.ctx, id)
		if storage.Is(storage.NotFound, err) {
			continue
		}
		if err != nil {
			return err
		}
		o.Members = append(o.Members, UserBrief{ID: u.ID, FirstName: u.FirstName, LastName: u.LastName, Login: u.Login})
	}
	return c.json(status, o)
}

// groupInput is the body of POST /api/group and PUT /api/group/{id}.
type groupInput struct {
	Login   *string            `json:"login"`   // the name
	Members *[]json.RawMessage `json:"members"` // replaces the members
}

// members reads the wanted members' IDs, with their logins, nil when the
// input leaves them; every user must exist.
func (in *groupInput) members(c *call) ([]string, map[string]string, error) {
	if in.Members == nil {
		return nil, nil, nil
	}
	ids, err := idList("members", *in.Members)
	if err != nil {
		return nil, nil, err
	}
	logins := map[string]string{}
	for _, id := range ids {
		u, err := c.h.opts.Auth.UserByID(c.ctx, id)
		if storage.Is(storage.NotFound, err) {
			return nil, nil, invalid("members", text{"Utilisateur inconnu : %s.", "Unknown user: %s."}, id)
		}
		if err != nil {
			return nil, nil, err
		}
		logins[id] = u.Login
	}
	return ids, logins, nil
}

func (h *Handler) createGroup(c *call) error {
	if err := c.admin(); err != nil {
		return err
	}
	var in groupInput
	if err := c.decode(&in); err != nil {
		return err
	}
	if in.Login == nil || *in.Login == "" {
		return invalid("login", fieldRequired)
	}
	ids, logins, err := in.members(c)
	if err != nil {
		return err
	}
	g, err := h.opts.Auth.CreateGroup(c.ctx, *in.Login)
	if err != nil {
		return fieldRenamed(err, "name", "login")
	}
	return c.setMembers(http.StatusCreated, g, ids, logins)
}

// updateGroup renames the group ("login") and replaces its members
// ("members"), as sent.
func (h *Handler) updateGroup(c *call) error {
	if err := c.admin(); err != nil {
		return err
	}
	g, err := c.groupByID(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	var in groupInput
	if err := c.decode(&in); err != nil {
		return err
	}
	ids, logins, err := in.members(c)
	if err != nil {
		return err
	}
	if in.Login != nil {
		if g, err = h.opts.Auth.RenameGroup(c.ctx, g.Name, *in.Login); err != nil {
			return fieldRenamed(err, "name", "login")
		}
	}
	if in.Members == nil {
		return c.answerGroup(http.StatusOK, g)
	}
	return c.setMembers(http.StatusOK, g, ids, logins)
}

// setMembers makes the group's members exactly ids (logins maps them to
// their logins) and answers the group.
func (c *call) setMembers(status int, g auth.Group, ids []string, logins map[string]string) error {
	a := c.h.opts.Auth
	for _, id := range ids {
		if !slices.Contains(g.Members, id) {
			if err := a.AddGroupMember(c.ctx, g.Name, logins[id]); err != nil {
				return err
			}
		}
	}
	for _, id := range g.Members {
		if slices.Contains(ids, id) {
			continue
		}
		u, err := a.UserByID(c.ctx, id)
		if storage.Is(storage.NotFound, err) {
			continue
		}
		if err == nil {
			err = a.RemoveGroupMember(c.ctx, g.Name, u.Login)
		}
		if err != nil {
			return err
		}
	}
	g, err := c.groupByID(g.ID)
	if err != nil {
		return err
	}
	return c.answerGroup(status, g)
}

func (h *Handler) deleteGroup(c *call) error {
	if err := c.admin(); err != nil {
		return err
	}
	g, err := c.groupByID(c.r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := h.opts.Auth.DeleteGroup(c.ctx, g.Name); err != nil {
		return err
	}
	return c.noContent()
}
