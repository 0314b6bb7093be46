package rest

import (
	"net/http"
	"path"
	"strconv"
	"strings"

	"coffre/storage"
)

// Explore by path, and quotas (../shared/api/netexplorer-reference.md §27):
//
//	GET /api/path?root=&path=                               {object: File or Folder}
//	GET /api/objectpath?root=&object_type=&object_id=       {object: "a/b/c.txt"}
//	GET /api/ischildof?root=&folder=                        "OK"
//	GET /api/quotas?folder=                                 {platform, user, folder}
//
// root is a folder ID; 0 or absent is the top of the tree, "/". An unknown
// root or folder parameter is a 422 naming it (the request names a folder
// that is not there); the object asked about, when absent, is a 404.
//
// Decisions where the documents are silent:
//   - Paths are relative to root; a trailing "/" names a folder, and "/" (or
//     nothing) the root folder itself. /api/objectpath answers folders with
//     that trailing "/" too, so that its answer feeds /api/path back.
//   - /api/ischildof: the namespace hides what the caller may not see, so a
//     folder they may not see is "not a child" (404), like one that does not
//     exist. 403 is for a folder below root that the caller sees without
//     holding browse in it (they only traverse it towards a folder granted
//     further down): a descendant they may not open.
//   - /api/quotas: a null quota is no limit. The folder's entry describes the
//     quota that binds it: of the quotas set on it and on the folders above,
//     the one with the least room left; "used" is what that folder holds and
//     "folder" its ID. Without any, quota is null and used and folder are
//     the folder's own. Without the folder parameter, "folder" is null.

func (h *Handler) folderPathRoutes() {
	h.handle("GET /api/path", h.objectAtPath)
	h.handle("GET /api/objectpath", h.objectPath)
	h.handle("GET /api/ischildof", h.isChildOf)
	h.handle("GET /api/quotas", h.quotas)
}

var (
	msgBadPath      = text{"Chemin invalide : des noms séparés par des « / », sans « . » ni « .. ».", `Invalid path: names separated by "/", without "." or "..".`}
	msgObjectType   = text{`Doit être "file" ou "folder".`, `Must be "file" or "folder".`}
	msgNotInRoot    = text{"Cet élément n'est pas dans le dossier racine indiqué.", "This item is not inside the given root folder."}
	msgNotBrowsed   = text{"Ce dossier est dans le dossier racine, mais vous n'avez pas le droit de le parcourir.", "This folder is inside the root folder, but you may not browse it."}
	msgObjectAbsent = text{"Aucun élément à ce chemin.", "Nothing at this path."}
)

// queryID reads a node ID in the query; absent or empty is 0.
func (c *call) queryID(name string) (int64, error) {
	v := c.r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, invalid(name, fieldType, "integer")
	}
	return n, nil
}

// rootParam is the folder the root parameter names ("/" for 0 or none).
func (c *call) rootParam() (storage.Info, error) {
	id, err := c.queryID("root")
	if err != nil {
		return storage.Info{}, err
	}
	return c.folderByID("root", id)
}

// below returns the path of p relative to the folder at root, and whether
// p is root or below it.
func below(root, p string) (string, bool) {
	switch {
	case p == root:
		return "", true
	case root == "/":
		return p[1:], true
	case strings.HasPrefix(p, root+"/"):
		return p[len(root)+1:], true
	}
	return "", false
}

func (h *Handler) objectAtPath(c *call) error {
	root, err := c.rootParam()
	if err != nil {
		return err
	}
	rel := c.r.URL.Query().Get("path")
	dir := rel == "" || strings.HasSuffix(rel, "/")
	p := root.Path
	if rel = strings.Trim(rel, "/"); rel != "" {
		p = join(root.Path, rel)
	}
	if _, err := storage.SplitPath(p); err != nil {
		return invalid("path", msgBadPath)
	}
	if p == "/" { // the top of the tree is no folder of the API
		return fail(http.StatusNotFound, msgObjectAbsent)
	}
	info, err := c.ns.Stat(c.ctx, p)
	if storage.Is(storage.NotFound, err) || err == nil && info.Dir != dir {
		return fail(http.StatusNotFound, msgObjectAbsent)
	}
	if err != nil {
		return err
	}
	var obj any
	if info.Dir {
		obj, err = c.folderObject(info, c.mode())
	} else {
		obj, err = c.fileObject(info, c.mode(), nil)
	}
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, map[string]any{"object": obj})
}

func (h *Handler) objectPath(c *call) error {
	root, err := c.rootParam()
	if err != nil {
		return err
	}
	typ := c.r.URL.Query().Get("object_type")
	if typ != "file" && typ != "folder" {
		return invalid("object_type", msgObjectType)
	}
	id, err := c.queryID("object_id")
	if err != nil {
		return err
	}
	if id == 0 {
		return invalid("object_id", fieldRequired)
	}
	info, err := c.ns.StatID(c.ctx, storage.NodeID(id))
	if err == nil && info.Dir != (typ == "folder") {
		return fail(http.StatusNotFound, msgNotFound)
	}
	if err != nil {
		return err
	}
	rel, ok := below(root.Path, info.Path)
	if !ok {
		return fail(http.StatusNotFound, msgNotInRoot)
	}
	if info.Dir {
		rel += "/"
	}
	return c.json(http.StatusOK, map[string]string{"object": rel})
}

func (h *Handler) isChildOf(c *call) error {
	root, err := c.rootParam()
	if err != nil {
		return err
	}
	id, err := c.queryID("folder")
	if err != nil {
		return err
	}
	if id == 0 {
		return invalid("folder", fieldRequired)
	}
	info, err := c.ns.StatID(c.ctx, storage.NodeID(id))
	if storage.Is(storage.NotFound, err) || err == nil && !info.Dir {
		return fail(http.StatusNotFound, msgNotInRoot)
	}
	if err != nil {
		return err
	}
	if rel, ok := below(root.Path, info.Path); !ok || rel == "" {
		return fail(http.StatusNotFound, msgNotInRoot)
	}
	if !info.Rights.Has(storage.Browse) {
		return fail(http.StatusForbidden, msgNotBrowsed)
	}
	return c.okText()
}

// QuotaUse is a limit (null: none) and what is used against it.
type QuotaUse struct {
	Quota *int64 `json:"quota"`
	Used  int64  `json:"used"`
}

// FolderQuota is the quota that binds a folder and the folder it is set on.
type FolderQuota struct {
	Quota  *int64 `json:"quota"`
	Used   int64  `json:"used"`
	Folder int64  `json:"folder"`
}

// QuotaReport is the answer of /api/quotas.
type QuotaReport struct {
	Platform QuotaUse     `json:"platform"`
	User     QuotaUse     `json:"user"`
	Folder   *FolderQuota `json:"folder"`
}

// limitOf is a limit as the API shows it: null for none.
func limitOf(n int64) *int64 {
	if n <= 0 {
		return nil
	}
	return &n
}

func (h *Handler) quotas(c *call) error {
	id, err := c.queryID("folder")
	if err != nil {
		return err
	}
	q, err := c.ns.Quotas(c.ctx)
	if err != nil {
		return err
	}
	out := QuotaReport{
		Platform: QuotaUse{Quota: limitOf(q.PlatformQuota), Used: q.PlatformBytes},
		User:     QuotaUse{Quota: limitOf(q.UserQuota), Used: q.UserBytes},
	}
	if id != 0 {
		info, err := c.folderByID("folder", id)
		if err != nil {
			return err
		}
		if out.Folder, err = c.folderQuota(info); err != nil {
			return err
		}
	}
	return c.json(http.StatusOK, out)
}

// folderQuota finds the quota that binds the folder info: of the folders
// from it up to its root folder that have a quota of their own, the one
// with the least room left.
func (c *call) folderQuota(info storage.Info) (*FolderQuota, error) {
	u, err := c.ns.Usage(c.ctx, info.Path)
	if err != nil {
		return nil, err
	}
	out := &FolderQuota{Used: u.Bytes, Folder: apiID(info.ID)}
	var room int64
	for at := info; ; {
		if at.Quota > 0 {
			u, err := c.ns.Usage(c.ctx, at.Path)
			if err != nil {
				return nil, err
			}
			if out.Quota == nil || at.Quota-u.Bytes < room {
				out = &FolderQuota{Quota: ptr(at.Quota), Used: u.Bytes, Folder: apiID(at.ID)}
				room = at.Quota - u.Bytes
			}
		}
		up := path.Dir(at.Path)
		if up == "/" {
			return out, nil
		}
		if at, err = c.ns.Stat(c.ctx, up); err != nil {
			return nil, err
		}
	}
}
