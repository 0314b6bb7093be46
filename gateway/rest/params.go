package rest

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"coffre/storage"
)

// flag reads a boolean query parameter: 1, true, yes or on (or present
// without a value) mean true.
func (c *call) flag(name string) bool {
	q := c.r.URL.Query()
	if !q.Has(name) {
		return false
	}
	switch strings.ToLower(q.Get(name)) {
	case "", "1", "true", "yes", "on":
		return true
	}
	return false
}

// intParam reads an integer query parameter, def when absent; a value that
// is not an integer is a 422 naming it.
func (c *call) intParam(name string, def int) (int, error) {
	v := c.r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, invalid(name, fieldType, "integer")
	}
	return n, nil
}

// Paging defaults and bounds (../shared/api/README.md).
const (
	defaultLimit = 30
	maxLimit     = 1000
)

// paging reads offset and limit.
func (c *call) paging() (offset, limit int, err error) {
	f := fields{}
	if offset, err = c.intParam("offset", 0); err != nil || offset < 0 {
		f.add("offset", fieldInvalid)
	}
	if limit, err = c.intParam("limit", defaultLimit); err != nil || limit < 1 || limit > maxLimit {
		f.add("limit", text{"Doit être compris entre 1 et %d.", "Must be between 1 and %d."}, maxLimit)
	}
	return offset, limit, f.err()
}

// list is the envelope of paged lists; the document spells the count both
// ways, so both are sent.
type list struct {
	OffsetStart int `json:"offset_start"`
	NbObjects   int `json:"nb_objects"`
	NbObjets    int `json:"nb_objets"`
	NbTotal     int `json:"nb_total_objects"`
	Objects     any `json:"objects"`
}

// paged cuts one page out of all, a slice of every object.
func paged[T any](all []T, offset, limit int) list {
	page := []T{}
	if offset < len(all) {
		page = all[offset:min(len(all), offset+limit)]
	}
	return list{OffsetStart: offset, NbObjects: len(page), NbObjets: len(page), NbTotal: len(all), Objects: page}
}

// mode is how much of an object to show.
type mode struct {
	full  bool // full=1: the heavy fields too
	light bool // light=1: without creation, modification, owner, owner_id
}

func (c *call) mode() mode { return mode{full: c.flag("full"), light: c.flag("light")} }

// date formats a time as the API does: ISO 8601 with the offset spelled out.
func date(t time.Time) string { return t.Format("2006-01-02T15:04:05-07:00") }

// optDate is date, or null for a zero time.
func optDate(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := date(t)
	return &s
}

// parseDate reads a date a client sends: RFC 3339, or a bare day.
func parseDate(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05-0700", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// id parses the path value name as a node ID; anything else does not exist.
func (c *call) id(name string) (storage.NodeID, error) {
	n, err := strconv.ParseUint(c.r.PathValue(name), 10, 64)
	if err != nil || n == 0 {
		return 0, fail(http.StatusNotFound, msgNotFound)
	}
	return storage.NodeID(n), nil
}

// node finds the node whose ID is the path value name.
func (c *call) node(name string) (storage.Info, error) {
	id, err := c.id(name)
	if err != nil {
		return storage.Info{}, err
	}
	return c.ns.StatID(c.ctx, id)
}

// folder is node for a folder: a file's ID is no folder's.
func (c *call) folder(name string) (storage.Info, error) {
	info, err := c.node(name)
	if err == nil && !info.Dir {
		return storage.Info{}, fail(http.StatusNotFound, msgNotFound)
	}
	return info, err
}

// file is node for a file.
func (c *call) file(name string) (storage.Info, error) {
	info, err := c.node(name)
	if err == nil && info.Dir {
		return storage.Info{}, fail(http.StatusNotFound, msgNotFound)
	}
	return info, err
}

// folderByID finds a folder by an ID sent in a body or query (parent_id,
// folder_id …); 0 is the top of the tree, "/". A missing folder is a 422 on
// field, since the request names it.
func (c *call) folderByID(field string, id int64) (storage.Info, error) {
	if id == 0 {
		return storage.Info{ID: 0, Dir: true, Path: "/"}, nil
	}
	info, err := c.ns.StatID(c.ctx, storage.NodeID(id))
	if err == nil && !info.Dir || storage.Is(storage.NotFound, err) || id < 0 {
		return storage.Info{}, invalid(field, text{"Dossier introuvable.", "No such folder."})
	}
	return info, err
}

// Names (../shared/api/netexplorer-reference.md, naming rules).
const maxName = 200

var msgBadName = text{
	`Nom invalide : 1 à 200 caractères, sans espace au début ni à la fin, sans \ / : * ? " < > |.`,
	`Invalid name: 1 to 200 characters, no leading or trailing blanks, none of \ / : * ? " < > |.`,
}

// validName reports whether a file or folder name is acceptable.
func validName(name string) bool {
	if name == "" || len([]rune(name)) > maxName || strings.TrimSpace(name) != name ||
		name == "." || name == ".." || strings.ContainsAny(name, `\/:*?"<>|`) {
		return false
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// checkName adds a field error when name is not acceptable.
func checkName(f fields, field, name string) {
	if !validName(name) {
		f.add(field, msgBadName)
	}
}

// join is the path of name in the folder at dir.
func join(dir, name string) string {
	if dir == "/" {
		return "/" + name
	}
	return dir + "/" + name
}

// containsFold reports whether s contains sub, ignoring case.
func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
