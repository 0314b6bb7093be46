package rest

import (
	"hash/fnv"
	"net/http"
	"strconv"
	"strings"

	"coffre/storage"
)

// Rights entries on folders (netexplorer-reference.md §9). The caller needs
// Share on the folder and grants no right it does not hold; the namespace
// enforces both.
//
//	GET    /api/right/{id}         one entry
//	GET    /api/rights/{folderId}  the entries set on a folder (0: the top of the tree) → [Right]
//	POST   /api/right              {folder_id, target_id, target_isgroup?, browse, read, download, write, edit, delete, share}:
//	                               sets the subject's complete entry (omitted rights false) → 201 Right
//	PUT    /api/right/{id}         changes the rights sent, keeps the others → Right (clearing them all removes the entry)
//	DELETE /api/right/{id}         removes the entry
//
// # Right IDs
//
// The namespace keeps one entry per (folder, subject) and gives it no ID of
// its own, so the ID is derived from both, and decoded without storage: the
// folder's ID shifted left by rightHashBits, plus a hash of the subject in
// [1, 2^rightHashBits). The ID of an entry never changes while it exists
// (and comes back the same if it is removed and set again). IDs stay below
// 2^53, exact in a JavaScript number, while folder IDs stay below 2^32.
// Two subjects of one folder whose hashes collide (about one folder in
// 10,000 with 20 entries) give one ID to two entries: reading or changing it
// by ID then answers 409, and POST /api/right, which names the subject,
// still works.

func (h *Handler) rightRoutes() {
	h.handle("GET /api/right/{id}", h.rightGet)
	h.handle("GET /api/rights/{folderId}", h.rightList)
	h.handle("POST /api/right", h.rightCreate)
	h.handle("PUT /api/right/{id}", h.rightUpdate)
	h.handle("DELETE /api/right/{id}", h.rightDelete)
}

// Right is the seed's "Droit".
type Right struct {
	ID            uint64 `json:"id"`
	FolderID      int64  `json:"folder_id"`
	TargetID      string `json:"target_id"`
	Target        string `json:"target"` // the user's full name or the group's name
	TargetIsGroup bool   `json:"target_isgroup"`
	Browse        bool   `json:"browse"`
	Read          bool   `json:"read"`
	Download      bool   `json:"download"`
	Write         bool   `json:"write"`
	Edit          bool   `json:"edit"`
	Delete        bool   `json:"delete"`
	Share         bool   `json:"share"`
}

const rightHashBits = 21

var (
	msgRightAmbiguous = text{
		"Cet identifiant désigne deux droits de ce dossier : modifiez-les avec POST /api/right (folder_id, target_id).",
		"This ID names two entries of this folder: change them with POST /api/right (folder_id, target_id).",
	}
	msgRightFixed = text{"Un droit ne change ni de dossier ni de cible : créez-en un autre avec POST /api/right.",
		"An entry keeps its folder and target: set another one with POST /api/right."}
	msgNoTarget = text{"Utilisateur ou groupe introuvable.", "No such user or group."}
	msgNoRights = text{"Accordez au moins un droit (pour retirer un droit, utilisez DELETE /api/right/{id}).",
		"Grant at least one right (to remove an entry, use DELETE /api/right/{id})."}
)

// subjectHash is a subject's share of a right's ID, in [1, 2^rightHashBits).
func subjectHash(s storage.Subject) uint64 {
	h := fnv.New64a()
	if s.Group {
		h.Write([]byte("g:"))
	} else {
		h.Write([]byte("u:"))
	}
	h.Write([]byte(s.ID))
	return h.Sum64()%(1<<rightHashBits-1) + 1
}

// folderAPIID is a folder's ID as rights show it: 0 for the top of the tree.
func folderAPIID(dir storage.Info) int64 {
	if dir.Path == "/" {
		return 0
	}
	return apiID(dir.ID)
}

func rightID(dir storage.Info, s storage.Subject) uint64 {
	return uint64(folderAPIID(dir))<<rightHashBits | subjectHash(s)
}

// rightsFolder finds the folder with this API ID (0: the top of the tree).
func (c *call) rightsFolder(id uint64) (storage.Info, error) {
	if id == 0 {
		return storage.Info{Path: "/", Dir: true}, nil
	}
	info, err := c.ns.StatID(c.ctx, storage.NodeID(id))
	if err == nil && !info.Dir {
		return storage.Info{}, fail(http.StatusNotFound, msgNotFound)
	}
	return info, err
}

// rightInput is the body of POST and PUT /api/right: the seven rights, nil
// leaving one as it is, and for POST the entry's folder and subject.
type rightInput struct {
	FolderID      *int64  `json:"folder_id"`
	TargetID      *string `json:"target_id"`
	TargetIsGroup bool    `json:"target_isgroup"`
	Browse        *bool   `json:"browse"`
	Read          *bool   `json:"read"`
	Download      *bool   `json:"download"`
	Write         *bool   `json:"write"`
	Edit          *bool   `json:"edit"`
	Delete        *bool   `json:"delete"`
	Share         *bool   `json:"share"`
}

// apply returns r with the rights sent set or cleared.
func (f rightInput) apply(r storage.Rights) storage.Rights {
	for _, x := range []struct {
		v *bool
		r storage.Rights
	}{
		{f.Browse, storage.Browse}, {f.Read, storage.Read}, {f.Download, storage.Download}, {f.Write, storage.Write},
		{f.Edit, storage.Edit}, {f.Delete, storage.Delete}, {f.Share, storage.Share},
	} {
		switch {
		case x.v == nil:
		case *x.v:
			r |= x.r
		default:
			r &^= x.r
		}
	}
	return r
}

// rightObject describes the entry of s on dir.
func (c *call) rightObject(dir storage.Info, s storage.Subject, r storage.Rights) Right {
	name := ""
	if s.Group {
		if g, err := c.h.opts.Auth.GroupByID(c.ctx, s.ID); err == nil {
			name = g.Name
		}
	} else {
		name = fullName(c.user(s.ID))
	}
	return Right{
		ID: rightID(dir, s), FolderID: folderAPIID(dir), TargetID: s.ID, Target: name, TargetIsGroup: s.Group,
		Browse: r.Has(storage.Browse), Read: r.Has(storage.Read), Download: r.Has(storage.Download),
		Write: r.Has(storage.Write), Edit: r.Has(storage.Edit), Delete: r.Has(storage.Delete), Share: r.Has(storage.Share),
	}
}

// rightByID finds the entry whose ID is the path value id.
func (c *call) rightByID() (storage.Info, storage.Grant, error) {
	id, err := strconv.ParseUint(c.r.PathValue("id"), 10, 64)
	if err != nil || id&(1<<rightHashBits-1) == 0 {
		return storage.Info{}, storage.Grant{}, fail(http.StatusNotFound, msgNotFound)
	}
	dir, err := c.rightsFolder(id >> rightHashBits)
	if err != nil {
		return storage.Info{}, storage.Grant{}, err
	}
	grants, err := c.ns.Grants(c.ctx, dir.Path)
	if err != nil {
		return storage.Info{}, storage.Grant{}, err
	}
	var match []storage.Grant
	for _, g := range grants {
		if subjectHash(g.Subject) == id&(1<<rightHashBits-1) {
			match = append(match, g)
		}
	}
	switch len(match) {
	case 0:
		return storage.Info{}, storage.Grant{}, fail(http.StatusNotFound, msgNotFound)
	case 1:
		return dir, match[0], nil
	}
	return storage.Info{}, storage.Grant{}, fail(http.StatusConflict, msgRightAmbiguous)
}

func (h *Handler) rightGet(c *call) error {
	dir, g, err := c.rightByID()
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, c.rightObject(dir, g.Subject, g.Rights))
}

func (h *Handler) rightList(c *call) error {
	id, err := strconv.ParseUint(c.r.PathValue("folderId"), 10, 64)
	if err != nil {
		return fail(http.StatusNotFound, msgNotFound)
	}
	dir, err := c.rightsFolder(id)
	if err != nil {
		return err
	}
	grants, err := c.ns.Grants(c.ctx, dir.Path)
	if err != nil {
		return err
	}
	out := make([]Right, 0, len(grants))
	for _, g := range grants {
		out = append(out, c.rightObject(dir, g.Subject, g.Rights))
	}
	return c.json(http.StatusOK, out)
}

// rightSubject finds the user or group a request names; a group's ID starts
// with "g-", or target_isgroup says so.
func (c *call) rightSubject(id string, group bool) (storage.Subject, error) {
	s := storage.Subject{ID: id, Group: group || strings.HasPrefix(id, "g-")}
	if s.Group {
		_, err := c.h.opts.Auth.GroupByID(c.ctx, id)
		if storage.Is(storage.NotFound, err) {
			return s, invalid("target_id", msgNoTarget)
		}
		return s, err
	}
	if c.user(id) == nil {
		return s, invalid("target_id", msgNoTarget)
	}
	return s, nil
}

func (h *Handler) rightCreate(c *call) error {
	var in rightInput
	if err := c.decode(&in); err != nil {
		return err
	}
	f := fields{}
	if in.FolderID == nil {
		f.add("folder_id", fieldRequired)
	}
	if in.TargetID == nil || *in.TargetID == "" {
		f.add("target_id", fieldRequired)
	}
	r := in.apply(0)
	if r == 0 {
		f.add("rights", msgNoRights)
	}
	if err := f.err(); err != nil {
		return err
	}
	dir, err := c.folderByID("folder_id", *in.FolderID)
	if err != nil {
		return err
	}
	s, err := c.rightSubject(*in.TargetID, in.TargetIsGroup)
	if err != nil {
		return err
	}
	if err := c.ns.SetGrant(c.ctx, dir.Path, s, r); err != nil {
		return err
	}
	return c.json(http.StatusCreated, c.rightObject(dir, s, r))
}

func (h *Handler) rightUpdate(c *call) error {
	var in rightInput
	if err := c.decode(&in); err != nil {
		return err
	}
	dir, g, err := c.rightByID()
	if err != nil {
		return err
	}
	f := fields{}
	if in.FolderID != nil && *in.FolderID != folderAPIID(dir) {
		f.add("folder_id", msgRightFixed)
	}
	if in.TargetID != nil && *in.TargetID != g.Subject.ID {
		f.add("target_id", msgRightFixed)
	}
	if err := f.err(); err != nil {
		return err
	}
	r := in.apply(g.Rights)
	if err := c.ns.SetGrant(c.ctx, dir.Path, g.Subject, r); err != nil {
		return err
	}
	return c.json(http.StatusOK, c.rightObject(dir, g.Subject, r))
}

func (h *Handler) rightDelete(c *call) error {
	dir, g, err := c.rightByID()
	if err != nil {
		return err
	}
	if err := c.ns.SetGrant(c.ctx, dir.Path, g.Subject, 0); err != nil {
		return err
	}
	return c.noContent()
}
