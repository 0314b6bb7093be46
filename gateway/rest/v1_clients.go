package rest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"coffre/auth"
	"coffre/storage"
)

// Clients (tenants), ConformVault-style (seed 000_…txt, issue 7):
//
//	GET    /api/v1/clients               paged; administrators see every client, managers those they are a member of
//	POST   /api/v1/clients               {name, root_folder?, members?} → 201 the client
//	GET    /api/v1/clients/{client_id}   the client
//	PUT    /api/v1/clients/{client_id}   {name?, members?} → the client
//	DELETE /api/v1/clients/{client_id}   the client record; ?delete_folder=1 also moves its root folder to the caller's trash
//
// A client is {id, name, root_folder_id, root_folder_guid, root_folder_path,
// members: [{id, login}], created_at}; the root folder fields are null when
// the folder is gone or out of the caller's sight.
//
// root_folder names an existing folder by node ID (a number), GUID or
// absolute path; without it, the folder "/<name>" is created through the
// caller's namespace (who may create root folders is the namespace's rule).
// members are user IDs; PUT replaces the whole list. A manager who creates a
// client becomes its member, and may add or remove only users and guests
// (roles 3 and 4), as for accounts. Membership gives no rights in the folder:
// those are granted on it like on any folder.
//
// Creations, changes and deletions are audited as client_create,
// client_update and client_delete (the client's ID in the detail).

func (h *Handler) v1ClientRoutes() {
	h.v1("GET /api/v1/clients", h.v1ClientList)
	h.v1("POST /api/v1/clients", h.v1ClientCreate)
	h.v1("GET /api/v1/clients/{client_id}", h.v1ClientGet)
	h.v1("PUT /api/v1/clients/{client_id}", h.v1ClientUpdate)
	h.v1("DELETE /api/v1/clients/{client_id}", h.v1ClientDelete)
}

var (
	msgNoClient      = text{"Ce client n'existe pas.", "No such client."}
	msgClientCreated = text{"Client créé avec succès.", "Client created."}
	msgClientUpdated = text{"Client modifié avec succès.", "Client updated."}
	msgClientDeleted = text{"Client supprimé avec succès.", "Client deleted."}
	msgNoRootFolder  = text{
		"Dossier introuvable : un identifiant, un GUID ou un chemin absolu de dossier est attendu.",
		"No such folder: a folder's ID, GUID or absolute path is expected.",
	}
	msgTopNotRoot   = text{"Le haut de l'arborescence ne peut pas être la racine d'un client.", "The top of the tree cannot be a client's root."}
	msgUnknownUsers = text{"Utilisateurs inconnus : %s.", "Unknown users: %s."}
)

// v1ClientObject is a client as the v1 API shows it.
type v1ClientObject struct {
	ID             string     `json:"id"`
	Name           string     `json:"name"`
	RootFolderID   *int64     `json:"root_folder_id"`
	RootFolderGUID *string    `json:"root_folder_guid"`
	RootFolderPath *string    `json:"root_folder_path"`
	Members        []v1Member `json:"members"`
	CreatedAt      string     `json:"created_at"`
}

type v1Member struct {
	ID    string `json:"id"`
	Login string `json:"login"`
}

func (c *call) v1ClientObject(cl auth.Client) (v1ClientObject, error) {
	o := v1ClientObject{ID: cl.ID, Name: cl.Name, Members: []v1Member{}, CreatedAt: v1Date(cl.Created)}
	info, err := c.ns.Stat(c.ctx, cl.Root)
	switch {
	case err == nil:
		o.RootFolderID, o.RootFolderGUID, o.RootFolderPath = ptr(apiID(info.ID)), ptr(info.GUID), ptr(info.Path)
	case !storage.Is(storage.NotFound, err):
		return v1ClientObject{}, err
	}
	for _, id := range cl.Members {
		m := v1Member{ID: id}
		if u := c.user(id); u != nil {
			m.Login = u.Login
		}
		o.Members = append(o.Members, m)
	}
	return o, nil
}

// seesClient reports whether the caller may see and manage cl.
func (c *call) seesClient(cl auth.Client) bool {
	return c.p.Admin || slices.Contains(cl.Members, c.p.UserID)
}

// visibleClients lists, in name order, the clients the caller sees.
func (c *call) visibleClients() ([]auth.Client, error) {
	var out []auth.Client
	after := ""
	for {
		page, next, err := c.h.opts.Auth.Clients(c.ctx, after, 1000)
		if err != nil {
			return nil, err
		}
		for _, cl := range page {
			if c.seesClient(cl) {
				out = append(out, cl)
			}
		}
		if next == "" {
			return out, nil
		}
		after = next
	}
}

// client is the client of the path value client_id, if the caller sees it.
func (c *call) client() (auth.Client, error) {
	if err := c.v1Staff(); err != nil {
		return auth.Client{}, err
	}
	cl, err := c.h.opts.Auth.ClientByID(c.ctx, c.r.PathValue("client_id"))
	if storage.Is(storage.NotFound, err) || err == nil && !c.seesClient(cl) {
		return auth.Client{}, fail(http.StatusNotFound, msgNoClient)
	}
	return cl, err
}

func (h *Handler) v1ClientList(c *call) error {
	if err := c.v1Staff(); err != nil {
		return err
	}
	page, perPage, err := c.v1Paging()
	if err != nil {
		return err
	}
	all, err := c.visibleClients()
	if err != nil {
		return err
	}
	clients, p := v1Slice(all, page, perPage)
	out := make([]v1ClientObject, 0, len(clients))
	for _, cl := range clients {
		o, err := c.v1ClientObject(cl)
		if err != nil {
			return err
		}
		out = append(out, o)
	}
	return c.v1List(out, p)
}

func (h *Handler) v1ClientGet(c *call) error {
	cl, err := c.client()
	if err != nil {
		return err
	}
	o, err := c.v1ClientObject(cl)
	if err != nil {
		return err
	}
	return c.v1OK(http.StatusOK, text{}, o)
}

// clientInput is the body of POST and PUT.
type clientInput struct {
	Name       *string         `json:"name"`
	RootFolder json.RawMessage `json:"root_folder"`
	Members    *[]string       `json:"members"`
}

func (h *Handler) v1ClientCreate(c *call) error {
	if err := c.v1Staff(); err != nil {
		return err
	}
	var in clientInput
	if err := c.decode(&in); err != nil {
		return err
	}
	f := fields{}
	if in.Name == nil || *in.Name == "" {
		f.add("name", fieldRequired)
	} else {
		checkName(f, "name", *in.Name)
	}
	var root storage.Info
	if len(in.RootFolder) > 0 && string(in.RootFolder) != "null" {
		var err error
		if root, err = c.rootFolder(in.RootFolder); err != nil {
			return err
		}
	}
	members, err := c.memberChange(f, nil, in.Members)
	if err != nil {
		return err
	}
	if err := f.err(); err != nil {
		return err
	}
	if _, err := h.opts.Auth.GetClient(c.ctx, *in.Name); err == nil {
		return fail(http.StatusConflict, text{"Un client porte déjà ce nom.", "A client with this name exists already."})
	} else if !storage.Is(storage.NotFound, err) {
		return err
	}
	made := root.Path == ""
	if made {
		if root, err = c.ns.Mkdir(c.ctx, "/"+*in.Name); err != nil {
			return err
		}
	}
	cl, err := h.opts.Auth.CreateClient(c.ctx, *in.Name, root.Path)
	if err != nil {
		if made {
			// Nothing is in the folder yet: remove it, so that a refused
			// client leaves nothing behind.
			if derr := c.ns.Delete(c.ctx, root.Path, storage.DeleteOptions{Permanent: true, IfEmpty: true}); derr != nil {
				h.log.WarnContext(c.r.Context(), "folder of a refused client left", "path", root.Path, "err", derr)
			}
		}
		return err
	}
	if !c.p.Admin && !slices.Contains(members, c.p.UserID) {
		members = append(members, c.p.UserID)
	}
	if err := c.applyMembers(cl.Name, members, nil); err != nil {
		return err
	}
	c.record("client_create", "client", cl.Name, cl.ID+" at "+root.Path)
	return c.answerClient(http.StatusCreated, msgClientCreated, cl.ID)
}

// rootFolder finds the folder root_folder names: a node ID (a number), an
// absolute path or a GUID (a string).
func (c *call) rootFolder(raw json.RawMessage) (storage.Info, error) {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return storage.Info{}, invalid("root_folder", msgNoRootFolder)
	}
	var info storage.Info
	var err error
	switch v := v.(type) {
	case float64:
		if v < 1 || v != float64(int64(v)) {
			return storage.Info{}, invalid("root_folder", msgNoRootFolder)
		}
		info, err = c.ns.StatID(c.ctx, storage.NodeID(v))
	case string:
		switch {
		case v == "/":
			return storage.Info{}, invalid("root_folder", msgTopNotRoot)
		case strings.HasPrefix(v, "/"):
			info, err = c.ns.Stat(c.ctx, v)
		default:
			info, err = c.ns.StatGUID(c.ctx, v)
		}
	default:
		return storage.Info{}, invalid("root_folder", msgNoRootFolder)
	}
	if storage.Is(storage.NotFound, err) || storage.Is(storage.Invalid, err) || err == nil && !info.Dir {
		return storage.Info{}, invalid("root_folder", msgNoRootFolder)
	}
	return info, err
}

// memberChange checks the member list of a request against the current
// one: every ID must be a user's, and the caller must be allowed to manage
// each user added or removed. It returns the new list (current when want is
// nil); unknown users are added to f.
func (c *call) memberChange(f fields, current []string, want *[]string) ([]string, error) {
	if want == nil {
		return current, nil
	}
	var unknown []string
	for _, id := range *want {
		if c.user(id) == nil {
			unknown = append(unknown, strconv.Quote(id))
		}
	}
	if len(unknown) > 0 {
		f.add("members", msgUnknownUsers, strings.Join(unknown, ", "))
		return nil, nil
	}
	next := slices.Compact(slices.Sorted(slices.Values(*want)))
	for _, id := range symmetricDiff(current, next) {
		u := c.user(id)
		if u == nil || id == c.p.UserID && slices.Contains(next, id) {
			continue // gone meanwhile, or the caller joining: harmless
		}
		if err := c.mayManage(u.Role); err != nil {
			return nil, err
		}
	}
	return next, nil
}

// symmetricDiff lists the IDs in one of a and b but not both.
func symmetricDiff(a, b []string) []string {
	var out []string
	for _, id := range a {
		if !slices.Contains(b, id) {
			out = append(out, id)
		}
	}
	for _, id := range b {
		if !slices.Contains(a, id) {
			out = append(out, id)
		}
	}
	return out
}

// applyMembers makes the client's members want, from current.
func (c *call) applyMembers(name string, want, current []string) error {
	for _, id := range symmetricDiff(current, want) {
		u := c.user(id)
		if u == nil {
			continue
		}
		var err error
		if slices.Contains(want, id) {
			err = c.h.opts.Auth.AddClientMember(c.ctx, name, u.Login)
		} else {
			err = c.h.opts.Auth.RemoveClientMember(c.ctx, name, u.Login)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// answerClient answers the client with this ID as it is now.
func (c *call) answerClient(status int, msg text, id string) error {
	cl, err := c.h.opts.Auth.ClientByID(c.ctx, id)
	if err != nil {
		return err
	}
	o, err := c.v1ClientObject(cl)
	if err != nil {
		return err
	}
	return c.v1OK(status, msg, o)
}

func (h *Handler) v1ClientUpdate(c *call) error {
	cl, err := c.client()
	if err != nil {
		return err
	}
	var in clientInput
	if err := c.decode(&in); err != nil {
		return err
	}
	f := fields{}
	if in.Name != nil {
		checkName(f, "name", *in.Name)
	}
	if len(in.RootFolder) > 0 {
		f.add("root_folder", text{"Le dossier racine d'un client ne change pas.", "A client's root folder does not change."})
	}
	members, err := c.memberChange(f, cl.Members, in.Members)
	if err != nil {
		return err
	}
	if err := f.err(); err != nil {
		return err
	}
	var changed []string
	name := cl.Name
	if in.Name != nil && *in.Name != cl.Name {
		if _, err := h.opts.Auth.UpdateClient(c.ctx, cl.Name, in.Name, nil); err != nil {
			return err
		}
		name = *in.Name
		changed = append(changed, "name")
	}
	if in.Members != nil {
		if err := c.applyMembers(name, members, cl.Members); err != nil {
			return err
		}
		changed = append(changed, "members")
	}
	if len(changed) > 0 {
		c.record("client_update", "client", name, cl.ID+": "+strings.Join(changed, ", "))
	}
	return c.answerClient(http.StatusOK, msgClientUpdated, cl.ID)
}

func (h *Handler) v1ClientDelete(c *call) error {
	cl, err := c.client()
	if err != nil {
		return err
	}
	detail := cl.ID
	if c.flag("delete_folder") {
		// The folder first: if the namespace refuses (rights, a lock),
		// nothing has changed. One already gone, or out of the caller's
		// sight, is left to whoever sees it.
		err := c.ns.Delete(c.ctx, cl.Root, storage.DeleteOptions{})
		if err != nil && !storage.Is(storage.NotFound, err) {
			return err
		}
		if err == nil {
			detail += ", folder " + cl.Root + " to the trash"
		}
	}
	if err := h.opts.Auth.DeleteClient(c.ctx, cl.Name); err != nil {
		return err
	}
	c.record("client_delete", "client", cl.Name, detail)
	return c.v1OK(http.StatusOK, msgClientDeleted, nil)
}
