package rest

import (
	"net/http"
	"strings"
	"time"

	"coffre/annotation"
	"coffre/storage"
)

// Recursive search: recursive=1 on GET /api/folder/{id} (below that folder)
// or on GET /api/folders (below every root folder of the caller). The
// answer is {folders: [Folder…], files: [File…]}, in the order of a walk of
// the tree, at most maxFolderObjects objects in all (422 beyond: narrow the
// search). depth is ignored; filter (1 folders, 2 files, 3 both) and the
// modes apply. Criteria, all of which must match:
//
//	q                     a term found in the name, ignoring case (absent: any name)
//	search_name=1         search names: what q always does
//	search_annotations=1  q also matches a file or folder one of whose notes
//	                      (package annotation) holds it, ignoring case
//	search_platform=1     administrators only: search from "/", whatever the folder
//	modified_after        modified at or after this date (RFC 3339 or YYYY-MM-DD)
//	modified_before       modified strictly before this date
//	owner_id              owned by this user ID
//	extension             files whose name ends with "." and this (case ignored);
//	                      folders never match it
//
// The walk reads the tree one page at a time, as the caller sees it: what
// they may not see is not searched.

// searchQuery is what a search matches.
type searchQuery struct {
	term          string
	after, before time.Time
	owner         string
	ext           string // ".pdf", lower case; "" for any
	filter        int
	noted         map[storage.NodeID]bool // with search_annotations: the nodes a note of which holds term
}

var msgSearchDate = text{"Date invalide : AAAA-MM-JJ ou RFC 3339.", "Invalid date: YYYY-MM-DD or RFC 3339."}

// searchParams reads the criteria.
func (c *call) searchParams() (searchQuery, error) {
	qs := c.r.URL.Query()
	q := searchQuery{term: qs.Get("q"), owner: qs.Get("owner_id")}
	f := fields{}
	for _, d := range []struct {
		name string
		t    *time.Time
	}{{"modified_after", &q.after}, {"modified_before", &q.before}} {
		if v := qs.Get(d.name); v != "" {
			t, ok := parseDate(v)
			if !ok {
				f.add(d.name, msgSearchDate)
			}
			*d.t = t
		}
	}
	if ext := strings.TrimPrefix(qs.Get("extension"), "."); ext != "" {
		q.ext = "." + strings.ToLower(ext)
	}
	var err error
	if q.filter, err = c.intParam("filter", filterBoth); err != nil || q.filter < filterFolders || q.filter > filterBoth {
		f.add("filter", msgFolderFilter)
	}
	if err := f.err(); err != nil {
		return q, err
	}
	if q.term != "" && c.flag("search_annotations") && c.h.opts.Annotations != nil {
		q.noted = map[storage.NodeID]bool{}
		err = c.h.opts.Annotations.All(c.ctx, func(a annotation.Annotation) error {
			if containsFold(a.Text, q.term) {
				q.noted[a.Target] = true
			}
			return nil
		})
	}
	return q, err
}

// matches reports whether the node info meets every criterion.
func (q searchQuery) matches(info storage.Info) bool {
	kind := filterFiles
	if info.Dir {
		kind = filterFolders
	}
	switch {
	case q.filter&kind == 0,
		q.term != "" && !containsFold(info.Name, q.term) && !q.noted[info.ID],
		q.owner != "" && info.Owner != q.owner,
		!q.after.IsZero() && info.ModTime.Before(q.after),
		!q.before.IsZero() && !info.ModTime.Before(q.before),
		q.ext != "" && (info.Dir || !strings.HasSuffix(strings.ToLower(info.Name), q.ext)):
		return false
	}
	return true
}

// SearchResult is the answer of a search.
type SearchResult struct {
	Folders []Folder `json:"folders"`
	Files   []File   `json:"files"`
}

// search answers the nodes below the folder start that match the query.
func (c *call) search(start storage.Info) error {
	q, err := c.searchParams()
	if err != nil {
		return err
	}
	if c.flag("search_platform") {
		if err := c.admin(); err != nil {
			return err
		}
		start = storage.Info{Dir: true, Path: "/"}
	}
	res := &SearchResult{Folders: []Folder{}, Files: []File{}}
	l := &folderListing{m: c.mode()}
	if err := c.searchIn(start.Path, q, l, res); err != nil {
		return err
	}
	return c.json(http.StatusOK, res)
}

// searchIn adds to res what matches q below the folder at dir. The locks
// of a folder's files come from one Locks call, made only if a file there
// matches.
func (c *call) searchIn(dir string, q searchQuery, l *folderListing, res *SearchResult) error {
	var locks []storage.Lock
	return c.eachChild(dir, func(it storage.Info) error {
		if it.Dir {
			if q.matches(it) {
				if err := l.take(); err != nil {
					return err
				}
				f, err := c.folderObject(it, l.m)
				if err != nil {
					return err
				}
				res.Folders = append(res.Folders, f)
			}
			return c.searchIn(it.Path, q, l, res)
		}
		if !q.matches(it) {
			return nil
		}
		if err := l.take(); err != nil {
			return err
		}
		var err error
		if locks, err = c.locksIn(dir, locks); err != nil {
			return err
		}
		f, err := c.fileObject(it, l.m, locks)
		res.Files = append(res.Files, f)
		return err
	})
}
