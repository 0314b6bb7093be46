package rest

import (
	"net/http"
	"strconv"

	"coffre/storage"
)

// The trash (netexplorer-reference.md §6): what the caller deleted, from any
// protocol, until restored or purged.
//
//	GET    /api/trashes          {folders: [Trash], files: [Trash]}; all=1: everyone's (administrators)
//	DELETE /api/trashes          purge the caller's trash; all=1: everyone's (administrators)
//	GET    /api/trash/{id}       one item
//	PUT    /api/trash/{id}       restore, where it was or into {folder_id} → File or Folder
//	DELETE /api/trash/{id}       destroy

func (h *Handler) trashRoutes() {
	h.handle("GET /api/trashes", h.trashList)
	h.handle("DELETE /api/trashes", h.trashEmpty)
	h.handle("GET /api/trash/{id}", h.trashGet)
	h.handle("PUT /api/trash/{id}", h.trashRestore)
	h.handle("DELETE /api/trash/{id}", h.trashPurge)
}

// Trash is the seed's "Corbeille" item. The namespace does not keep a
// trashed node's modification date, so "modification" is null; nb_folders
// and nb_files are left out (counting would mean walking the trashed tree,
// which the namespace does not offer).
type Trash struct {
	ID           uint64  `json:"id"`
	Name         string  `json:"name"`
	IsFile       bool    `json:"is_file"`
	Deletion     string  `json:"deletion"`
	Modification *string `json:"modification"`
	Owner        string  `json:"owner"`    // who deleted it: the trash it is in
	OwnerID      string  `json:"owner_id"` // their user ID
	Size         int64   `json:"size"`     // of a file's current version; 0 for a folder
	// Coffre's additions: where it was, and the node's ID, which it keeps
	// when restored.
	Path   string `json:"path"`
	NodeID int64  `json:"node_id"`
}

func (c *call) trashObject(it storage.TrashItem) Trash {
	return Trash{
		ID: it.ID, Name: it.Name, IsFile: !it.Dir, Deletion: date(it.Deleted),
		Owner: fullName(c.user(it.DeletedBy)), OwnerID: it.DeletedBy, Size: it.Size,
		Path: it.Path, NodeID: apiID(it.Node),
	}
}

// trashAll reads all=1, which administrators alone may send.
func (c *call) trashAll() (bool, error) {
	if !c.flag("all") {
		return false, nil
	}
	return true, c.admin()
}

func (h *Handler) trashList(c *call) error {
	all, err := c.trashAll()
	if err != nil {
		return err
	}
	items, err := c.ns.Trash(c.ctx, all)
	if err != nil {
		return err
	}
	out := struct {
		Folders []Trash `json:"folders"`
		Files   []Trash `json:"files"`
	}{Folders: []Trash{}, Files: []Trash{}}
	for _, it := range items {
		if it.Dir {
			out.Folders = append(out.Folders, c.trashObject(it))
		} else {
			out.Files = append(out.Files, c.trashObject(it))
		}
	}
	return c.json(http.StatusOK, out)
}

func (h *Handler) trashEmpty(c *call) error {
	all, err := c.trashAll()
	if err != nil {
		return err
	}
	n, err := c.ns.EmptyTrash(c.ctx, all)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, map[string]int{"purged": n})
}

// trashItem finds the item whose ID is the path value id among those the
// caller may handle: their own, everyone's for an administrator.
func (c *call) trashItem() (storage.TrashItem, error) {
	id, err := strconv.ParseUint(c.r.PathValue("id"), 10, 64)
	if err != nil {
		return storage.TrashItem{}, fail(http.StatusNotFound, msgNotFound)
	}
	items, err := c.ns.Trash(c.ctx, c.p.Admin)
	if err != nil {
		return storage.TrashItem{}, err
	}
	for _, it := range items {
		if it.ID == id {
			return it, nil
		}
	}
	return storage.TrashItem{}, fail(http.StatusNotFound, msgNotFound)
}

func (h *Handler) trashGet(c *call) error {
	it, err := c.trashItem()
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, c.trashObject(it))
}

var msgRestoreWhere = text{
	"Le dossier d'origine n'existe plus ou ne vous est plus accessible : indiquez folder_id.",
	"The original folder no longer exists or is no longer accessible to you: send folder_id.",
}

func (h *Handler) trashRestore(c *call) error {
	var in struct {
		FolderID *int64 `json:"folder_id"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	it, err := c.trashItem()
	if err != nil {
		return err
	}
	to := ""
	if in.FolderID != nil {
		dir, err := c.folderByID("folder_id", *in.FolderID)
		if err != nil {
			return err
		}
		to = dir.Path
	}
	info, err := c.ns.Restore(c.ctx, it.ID, to)
	if to == "" && storage.Is(storage.NotFound, err) {
		return fail(http.StatusConflict, msgRestoreWhere)
	}
	if err != nil {
		return err
	}
	if info.Dir {
		f, err := c.folderObject(info, c.mode())
		if err != nil {
			return err
		}
		return c.json(http.StatusOK, f)
	}
	f, err := c.fileObject(info, c.mode(), nil)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, f)
}

func (h *Handler) trashPurge(c *call) error {
	it, err := c.trashItem()
	if err != nil {
		return err
	}
	if err := c.ns.Purge(c.ctx, it.ID); err != nil {
		return err
	}
	return c.noContent()
}
