package rest

import (
	"net/http"
	"path"

	"coffre/storage"
)

// Folders (../shared/api/netexplorer-reference.md §4 and §27):
//
//	GET    /api/folders               the caller's root folders: Folder objects with "type"
//	GET    /api/roots                 the same as [{id, guid, type, name}], with "content" at depth >= 1
//	GET    /api/root/{type}           the roots of one type, "personal" or "shared"
//	GET    /api/folder/{id}           a folder with its content to a depth, or a search (search.go)
//	GET    /api/folder/{id}/timeline  a folder and its events
//	POST   /api/folder                create {name, parent_id, quota?, purge_frequency?}: 201 Folder
//	PUT    /api/folder/{id}           rename, move, quota, purge frequency (partial)
//	DELETE /api/folder/{id}           to the trash (trash=1, the default) or for good (trash=0): 204
//
// and, in folders_paths.go, /api/path, /api/objectpath, /api/ischildof and
// /api/quotas.
//
// Decisions where the documents are silent:
//   - The roots are the children of "/" the caller sees (the namespace
//     decides). A root is "personal" when the caller owns it (created it),
//     "shared" otherwise, administrators included. /api/root/{type} answers
//     the list of the roots of that type, since there may be several.
//   - depth defaults to 0: the seed returns "content" only when a depth asks
//     for it. depth=N gives N levels of content, -1 the whole tree; filter 1
//     lists folders only, 2 files only (so no level below the first), 3 both
//     (the default). One answer holds at most maxFolderObjects objects:
//     beyond, 422 asks for a smaller depth instead of exhausting memory.
//   - A folder with purge_frequency or quota is set in the order: create (or
//     move), quota, purge. What the caller may not set is refused before
//     anything changes (see settable), so no half-made folder is left.
//   - DELETE answers 204 No Content.

func (h *Handler) folderRoutes() {
	h.handle("GET /api/folders", h.listRootFolders)
	h.handle("GET /api/roots", h.listRoots)
	h.handle("GET /api/root/{type}", h.listRootsOfType)
	h.handle("GET /api/folder/{id}", h.getFolder)
	h.handle("GET /api/folder/{id}/timeline", h.folderTimeline)
	h.handle("POST /api/folder", h.createFolder)
	h.handle("PUT /api/folder/{id}", h.updateFolder)
	h.handle("DELETE /api/folder/{id}", h.deleteFolder)
	h.folderPathRoutes()
}

// maxFolderObjects bounds the folders and files of one listing or search.
const maxFolderObjects = 10000

// folderListPage is the page size of the listings walked here: each page is
// described before the next is read.
const folderListPage = 250

// Filter values (the seed's "filter"): bits of what a listing returns.
const (
	filterFolders = 1
	filterFiles   = 2
	filterBoth    = filterFolders | filterFiles
)

var (
	msgFolderDepth  = text{"Doit être -1 (toute l'arborescence), 0 ou un nombre de niveaux.", "Must be -1 (the whole tree), 0 or a number of levels."}
	msgFolderFilter = text{"Doit être 1 (dossiers), 2 (fichiers) ou 3 (les deux).", "Must be 1 (folders), 2 (files) or 3 (both)."}
	msgFolderTooBig = text{
		"La réponse dépasserait %d éléments : demandez une profondeur (depth) plus petite ou affinez la recherche.",
		"The answer would exceed %d items: ask for a smaller depth or narrow the search.",
	}
	msgRootType = text{`Doit être "personal" ou "shared".`, `Must be "personal" or "shared".`}
	msgBool     = text{"Doit être 0 ou 1.", "Must be 0 or 1."}
)

// folderListing is what a folder listing returns and how much it returned.
type folderListing struct {
	m      mode
	depth  int // levels of content: 0 none, -1 all
	filter int // filterFolders, filterFiles or both
	n      int // objects described so far
}

// listingParams reads depth, filter and the mode.
func (c *call) listingParams() (*folderListing, error) {
	f := fields{}
	depth, err := c.intParam("depth", 0)
	if err != nil || depth < -1 {
		f.add("depth", msgFolderDepth)
	}
	filter, err := c.intParam("filter", filterBoth)
	if err != nil || filter < filterFolders || filter > filterBoth {
		f.add("filter", msgFolderFilter)
	}
	return &folderListing{m: c.mode(), depth: depth, filter: filter}, f.err()
}

// take counts one more object in the answer, refusing past the bound.
func (l *folderListing) take() error {
	l.n++
	if l.n > maxFolderObjects {
		return fail(http.StatusUnprocessableEntity, msgFolderTooBig, maxFolderObjects)
	}
	return nil
}

// folderTree describes the folder info with depth levels of its content.
func (c *call) folderTree(info storage.Info, l *folderListing, depth int) (Folder, error) {
	if err := l.take(); err != nil {
		return Folder{}, err
	}
	f, err := c.folderObject(info, l.m)
	if err != nil || depth == 0 {
		return f, err
	}
	f.Content, err = c.folderContent(info, l, depth)
	return f, err
}

// folderContent describes the children of the folder info and, while depth
// allows, theirs. The locks of its files come from one Locks call.
func (c *call) folderContent(info storage.Info, l *folderListing, depth int) (*Content, error) {
	next := depth - 1
	if depth < 0 {
		next = depth
	}
	ct := &Content{Files: []File{}, Folders: []Folder{}}
	var locks []storage.Lock
	err := c.eachChild(info.Path, func(it storage.Info) error {
		if it.Dir {
			if l.filter&filterFolders == 0 {
				return nil
			}
			sub, err := c.folderTree(it, l, next)
			ct.Folders = append(ct.Folders, sub)
			return err
		}
		if l.filter&filterFiles == 0 {
			return nil
		}
		if err := l.take(); err != nil {
			return err
		}
		var err error
		if locks, err = c.locksIn(info.Path, locks); err != nil {
			return err
		}
		f, err := c.fileObject(it, l.m, locks)
		ct.Files = append(ct.Files, f)
		return err
	})
	return ct, err
}

// locksIn returns the locks that apply in the folder at dir, reading them
// on first use (known is what an earlier call returned); never nil, since
// fileObject reads a nil slice as "look them up".
func (c *call) locksIn(dir string, known []storage.Lock) ([]storage.Lock, error) {
	if known != nil {
		return known, nil
	}
	locks, err := c.ns.Locks(c.ctx, dir)
	if locks == nil {
		locks = []storage.Lock{}
	}
	return locks, err
}

// eachChild calls fn for each child of the folder at dir the caller sees,
// reading the listing page by page.
func (c *call) eachChild(dir string, fn func(storage.Info) error) error {
	opt := storage.ListOptions{Limit: folderListPage}
	for {
		page, err := c.ns.List(c.ctx, dir, opt)
		if err != nil {
			return err
		}
		for _, it := range page.Items {
			if err := fn(it); err != nil {
				return err
			}
		}
		if page.Next == "" {
			return nil
		}
		opt.After = page.Next
	}
}

// Root types.
const (
	rootPersonal = "personal"
	rootShared   = "shared"
)

// rootType says whose root folder info is, for the caller.
func (c *call) rootType(info storage.Info) string {
	if info.Owner != "" && info.Owner == c.p.UserID {
		return rootPersonal
	}
	return rootShared
}

// TypedFolder is a root folder in /api/folders: a Folder and its type.
type TypedFolder struct {
	Folder
	Type string `json:"type"`
}

// Root is a root in /api/roots.
type Root struct {
	ID      int64    `json:"id"`
	GUID    string   `json:"guid"`
	Type    string   `json:"type"`
	Name    string   `json:"name"`
	Content *Content `json:"content,omitempty"`
}

// rootInfos returns the caller's root folders of type typ (any when empty).
// They are one level, and each is described before the next is listed by
// the callers, so collecting them buffers no tree.
func (c *call) rootInfos(typ string) ([]storage.Info, error) {
	var out []storage.Info
	err := c.eachChild("/", func(it storage.Info) error {
		if it.Dir && (typ == "" || c.rootType(it) == typ) {
			out = append(out, it)
		}
		return nil
	})
	return out, err
}

func (h *Handler) listRootFolders(c *call) error {
	if c.flag("recursive") {
		return c.search(storage.Info{Dir: true, Path: "/"})
	}
	l, err := c.listingParams()
	if err != nil {
		return err
	}
	infos, err := c.rootInfos("")
	if err != nil {
		return err
	}
	out := make([]TypedFolder, len(infos))
	for i, info := range infos {
		f, err := c.folderTree(info, l, l.depth)
		if err != nil {
			return err
		}
		out[i] = TypedFolder{Folder: f, Type: c.rootType(info)}
	}
	return c.json(http.StatusOK, out)
}

func (h *Handler) listRoots(c *call) error { return c.roots("") }

func (h *Handler) listRootsOfType(c *call) error {
	typ := c.r.PathValue("type")
	if typ != rootPersonal && typ != rootShared {
		return invalid("type", msgRootType)
	}
	return c.roots(typ)
}

// roots answers the caller's roots of type typ (any when empty), with the
// listing's depth of content.
func (c *call) roots(typ string) error {
	l, err := c.listingParams()
	if err != nil {
		return err
	}
	infos, err := c.rootInfos(typ)
	if err != nil {
		return err
	}
	out := make([]Root, len(infos))
	for i, info := range infos {
		if err := l.take(); err != nil {
			return err
		}
		out[i] = Root{ID: apiID(info.ID), GUID: info.GUID, Type: c.rootType(info), Name: info.Name}
		if l.depth != 0 {
			if out[i].Content, err = c.folderContent(info, l, l.depth); err != nil {
				return err
			}
		}
	}
	return c.json(http.StatusOK, out)
}

func (h *Handler) getFolder(c *call) error {
	info, err := c.folder("id")
	if err != nil {
		return err
	}
	if c.flag("recursive") {
		return c.search(info)
	}
	l, err := c.listingParams()
	if err != nil {
		return err
	}
	f, err := c.folderTree(info, l, l.depth)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, f)
}

// FolderTimeline is a Folder with its events.
type FolderTimeline struct {
	Folder
	Events []Event `json:"events"`
}

var msgEventLimit = text{"Doit être compris entre 1 et %d.", "Must be between 1 and %d."}

func (h *Handler) folderTimeline(c *call) error {
	info, err := c.folder("id")
	if err != nil {
		return err
	}
	l, err := c.listingParams()
	if err != nil {
		return err
	}
	limit, err := c.intParam("limit", defaultLimit)
	if err != nil || limit < 1 || limit > maxLimit {
		return invalid("limit", msgEventLimit, maxLimit)
	}
	f, err := c.folderTree(info, l, l.depth)
	if err != nil {
		return err
	}
	events, err := c.events(info.ID, limit)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, FolderTimeline{Folder: f, Events: events})
}

// folderChange is the body of POST and PUT /api/folder: what is absent stays.
type folderChange struct {
	Name           *string `json:"name"`
	ParentID       *int64  `json:"parent_id"`
	Quota          *int64  `json:"quota"`
	PurgeFrequency *int    `json:"purge_frequency"`
}

var (
	msgFolderQuota = text{"Doit être -1 (hériter), 0 (illimité) ou un nombre d'octets.", "Must be -1 (inherit), 0 (unlimited) or a number of bytes."}
	msgFolderPurge = text{"Doit être 0 (désactivé) ou un nombre de jours.", "Must be 0 (off) or a number of days."}
)

// check adds the errors of the fields present to f.
func (in folderChange) check(f fields) {
	if in.Name != nil {
		checkName(f, "name", *in.Name)
	}
	if in.Quota != nil && *in.Quota < -1 {
		f.add("quota", msgFolderQuota)
	}
	if in.PurgeFrequency != nil && *in.PurgeFrequency < 0 {
		f.add("purge_frequency", msgFolderPurge)
	}
}

// settable refuses, before anything changes, the settings of in that the
// caller may not make on a folder where they hold r: a quota needs an
// administrator (SetQuota), a purge frequency Delete (SetPurgeDays).
func (c *call) settable(in folderChange, r storage.Rights) error {
	if in.Quota != nil && !c.p.Admin {
		return fail(http.StatusForbidden, msgAdminOnly)
	}
	if in.PurgeFrequency != nil && !r.Has(storage.Delete) {
		return fail(http.StatusForbidden, msgPermission)
	}
	return nil
}

// applySettings sets the quota and purge frequency of in on the folder at p.
func (c *call) applySettings(in folderChange, p string) error {
	if in.Quota != nil {
		if err := c.ns.SetQuota(c.ctx, p, *in.Quota); err != nil {
			return err
		}
	}
	if in.PurgeFrequency != nil {
		return c.ns.SetPurgeDays(c.ctx, p, *in.PurgeFrequency)
	}
	return nil
}

// answerFolder describes the folder at p, as it is now, with status.
func (c *call) answerFolder(status int, p string) error {
	info, err := c.ns.Stat(c.ctx, p)
	if err != nil {
		return err
	}
	f, err := c.folderObject(info, c.mode())
	if err != nil {
		return err
	}
	return c.json(status, f)
}

func (h *Handler) createFolder(c *call) error {
	var in folderChange
	if err := c.decode(&in); err != nil {
		return err
	}
	f := fields{}
	if in.Name == nil {
		f.add("name", fieldRequired)
	}
	if in.ParentID == nil {
		f.add("parent_id", fieldRequired)
	}
	if in.check(f); f.err() != nil {
		return f.err()
	}
	parent, err := c.folderByID("parent_id", *in.ParentID)
	if err != nil {
		return err
	}
	// A root folder belongs to its creator, who holds every right in it.
	rights := storage.AllRights
	if parent.Path != "/" {
		rights = parent.Rights
	}
	if err := c.settable(in, rights); err != nil {
		return err
	}
	info, err := c.ns.Mkdir(c.ctx, join(parent.Path, *in.Name))
	if err != nil {
		return err
	}
	if err := c.applySettings(in, info.Path); err != nil {
		return err
	}
	return c.answerFolder(http.StatusCreated, info.Path)
}

func (h *Handler) updateFolder(c *call) error {
	info, err := c.folder("id")
	if err != nil {
		return err
	}
	var in folderChange
	if err := c.decode(&in); err != nil {
		return err
	}
	f := fields{}
	if in.check(f); f.err() != nil {
		return f.err()
	}
	dir, name := path.Dir(info.Path), info.Name
	if in.ParentID != nil {
		parent, err := c.folderByID("parent_id", *in.ParentID)
		if err != nil {
			return err
		}
		dir = parent.Path
	}
	if in.Name != nil {
		name = *in.Name
	}
	if err := c.settable(in, info.Rights); err != nil {
		return err
	}
	p := info.Path
	if to := join(dir, name); to != p {
		moved, err := c.ns.Move(c.ctx, p, to)
		if err != nil {
			return err
		}
		p = moved.Path
	}
	if err := c.applySettings(in, p); err != nil {
		return err
	}
	return c.answerFolder(http.StatusOK, p)
}

func (h *Handler) deleteFolder(c *call) error {
	info, err := c.folder("id")
	if err != nil {
		return err
	}
	trash, err := c.switchParam("trash", true)
	if err != nil {
		return err
	}
	if err := c.ns.Delete(c.ctx, info.Path, storage.DeleteOptions{Permanent: !trash}); err != nil {
		return err
	}
	return c.noContent()
}

// switchParam reads a query parameter that must be 0 or 1 (true, false), def
// when absent: a typo must not turn a delete to the trash into a permanent
// one.
func (c *call) switchParam(name string, def bool) (bool, error) {
	q := c.r.URL.Query()
	if !q.Has(name) {
		return def, nil
	}
	switch q.Get(name) {
	case "1", "true":
		return true, nil
	case "0", "false":
		return false, nil
	}
	return false, invalid(name, msgBool)
}
