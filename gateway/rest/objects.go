package rest

import (
	"encoding/hex"
	"path"
	"strconv"
	"strings"

	"coffre/storage"
)

// The objects of ../shared/seeds/003_…txt, built from the namespace's Info.
// Fields that a mode leaves out are pointers with omitempty.

// Folder is the seed's "Dossier".
type Folder struct {
	ID          int64  `json:"id"`
	GUID        string `json:"guid"`
	Name        string `json:"name"`
	ParentID    int64  `json:"parent_id"`
	CanRead     bool   `json:"can_read"`
	CanDownload bool   `json:"can_download"`
	CanWrite    bool   `json:"can_write"`
	CanEdit     bool   `json:"can_edit"`
	CanDelete   bool   `json:"can_delete"`
	CanShare    bool   `json:"can_share"`

	// Not in light mode.
	Creation     *string `json:"creation,omitempty"`
	Modification *string `json:"modification,omitempty"`
	Owner        *string `json:"owner,omitempty"`
	OwnerID      *string `json:"owner_id,omitempty"`

	// Full mode only.
	CanDlink            *bool   `json:"can_dlink,omitempty"`
	CanUlink            *bool   `json:"can_ulink,omitempty"`
	CanAdminRights      *bool   `json:"can_admin_rights,omitempty"`
	CanAdminAlerts      *bool   `json:"can_admin_alerts,omitempty"`
	Shared              *bool   `json:"shared,omitempty"`
	NbAnnotations       int     `json:"nb_annotations,omitempty"`
	NbUnreadAnnotations int     `json:"nb_unread_annotations,omitempty"`
	Size                *int64  `json:"size,omitempty"`
	NbDFolders          *int    `json:"nb_d_folders,omitempty"`
	NbDFiles            *int    `json:"nb_d_files,omitempty"`
	NbFolders           *int    `json:"nb_folders,omitempty"`
	NbFiles             *int    `json:"nb_files,omitempty"`
	Quota               *int64  `json:"quota,omitempty"`
	PurgeFrequency      *int    `json:"purge_frequency,omitempty"`
	Path                *string `json:"path,omitempty"`
	PathName            *string `json:"path_name,omitempty"`

	// Content, when a listing depth asks for it.
	Content *Content `json:"content,omitempty"`
}

// Content is a folder's children in a listing.
type Content struct {
	Files   []File   `json:"files"`
	Folders []Folder `json:"folders"`
}

// File is the seed's "Fichier".
type File struct {
	ID           int64   `json:"id"`
	GUID         string  `json:"guid"`
	Name         string  `json:"name"`
	ParentID     int64   `json:"parent_id"`
	Creation     *string `json:"creation,omitempty"` // not in light mode
	Modification string  `json:"modification"`
	CanDownload  bool    `json:"can_download"`
	CanWrite     bool    `json:"can_write"`
	CanEdit      bool    `json:"can_edit"`
	CanDelete    bool    `json:"can_delete"`
	CanShare     bool    `json:"can_share"`
	Owner        *string `json:"owner,omitempty"`    // not in light mode
	OwnerID      *string `json:"owner_id,omitempty"` // not in light mode
	Hash         string  `json:"hash"`               // MD5 of the current version
	Lock         *Lock   `json:"lock"`
	// Coffre's additions: clients need the size; versions have IDs.
	Size      int64  `json:"size"`
	VersionID uint64 `json:"version_id"`

	// Full mode only.
	NbVersions          int     `json:"nb_versions,omitempty"` // only when > 1
	NbAnnotations       int     `json:"nb_annotations,omitempty"`
	NbUnreadAnnotations int     `json:"nb_unread_annotations,omitempty"`
	Path                *string `json:"path,omitempty"`
}

// Lock is the seed's "Verrou".
type Lock struct {
	File      string `json:"file"` // the file's GUID
	Owner     string `json:"owner"`
	OwnerID   string `json:"owner_id"`
	Locked    bool   `json:"locked"`
	Writeable bool   `json:"writeable"`
	Readable  bool   `json:"readable"`
	Date      string `json:"date"`
	// Coffre's additions: the lock's token (to release it) and expiry.
	Token   string `json:"token,omitempty"` // only for its holder
	Expires string `json:"expires,omitempty"`
}

// apiID is a node ID as the API shows it.
func apiID(id storage.NodeID) int64 { return int64(id) }

// parentID is the API's parent_id: 0 for a root folder (its parent is the
// top of the tree).
func parentID(info storage.Info) int64 {
	if path.Dir(info.Path) == "/" {
		return 0
	}
	return apiID(info.ParentID)
}

func ptr[T any](v T) *T { return &v }

// ownerFields fills the owner fields outside light mode.
func (c *call) ownerFields(info storage.Info, m mode) (creation, modification, owner, ownerID *string) {
	if m.light {
		return nil, nil, nil, nil
	}
	return ptr(date(info.Created)), ptr(date(info.ModTime)), ptr(fullName(c.user(info.Owner))), ptr(info.Owner)
}

// folderObject describes a folder; full mode costs a walk of the tree below
// it (the counts and the size are of what the caller sees).
func (c *call) folderObject(info storage.Info, m mode) (Folder, error) {
	r := info.Rights
	f := Folder{
		ID: apiID(info.ID), GUID: info.GUID, Name: info.Name, ParentID: parentID(info),
		CanRead: r.Has(storage.Read), CanDownload: r.Has(storage.Download), CanWrite: r.Has(storage.Write),
		CanEdit: r.Has(storage.Edit), CanDelete: r.Has(storage.Delete), CanShare: r.Has(storage.Share),
	}
	f.Creation, f.Modification, f.Owner, f.OwnerID = c.ownerFields(info, m)
	if !m.full {
		return f, nil
	}
	share := r.Has(storage.Share)
	f.CanDlink, f.CanUlink, f.CanAdminRights, f.CanAdminAlerts = ptr(share), ptr(share), ptr(share), ptr(share)
	var err error
	if f.NbAnnotations, err = c.annotationCount(info.ID); err != nil {
		return Folder{}, err
	}
	f.Shared = ptr(false)
	f.Quota, f.PurgeFrequency = ptr(info.Quota), ptr(info.PurgeDays)
	var d counts
	if err := c.count(info.Path, &d, true); err != nil {
		return Folder{}, err
	}
	f.Size = ptr(d.bytes)
	f.NbDFolders, f.NbDFiles, f.NbFolders, f.NbFiles = ptr(d.dFolders), ptr(d.dFiles), ptr(d.folders), ptr(d.files)
	ids, err := c.ancestorIDs(info.Path)
	if err != nil {
		return Folder{}, err
	}
	f.Path, f.PathName = ptr(ids), ptr(path.Dir(info.Path))
	return f, nil
}

// counts are a folder's children (direct) and descendants (all), and the
// bytes of the current versions of the files among them: what the caller
// sees, never what is hidden from them.
type counts struct {
	dFolders, dFiles, folders, files int
	bytes                            int64
}

// count walks the folder at dir, every page.
func (c *call) count(dir string, d *counts, direct bool) error {
	opt := storage.ListOptions{}
	for {
		page, err := c.ns.List(c.ctx, dir, opt)
		if err != nil {
			return err
		}
		for _, it := range page.Items {
			if it.Dir {
				d.folders++
				if direct {
					d.dFolders++
				}
				if err := c.count(it.Path, d, false); err != nil {
					return err
				}
			} else {
				d.files++
				d.bytes += it.Size
				if direct {
					d.dFiles++
				}
			}
		}
		if page.Next == "" {
			return nil
		}
		opt.After = page.Next
	}
}

// ancestorIDs is the seed's "path": the IDs of the folders above the node at
// p, as "/12/34/" ("/" for a root folder).
func (c *call) ancestorIDs(p string) (string, error) {
	var b strings.Builder
	b.WriteByte('/')
	dir := path.Dir(p)
	if dir == "/" {
		return "/", nil
	}
	names := strings.Split(strings.TrimPrefix(dir, "/"), "/")
	cur := ""
	for _, n := range names {
		cur += "/" + n
		info, err := c.ns.Stat(c.ctx, cur)
		if err != nil {
			return "", err
		}
		b.WriteString(strconv.FormatUint(uint64(info.ID), 10))
		b.WriteByte('/')
	}
	return b.String(), nil
}

// fileObject describes a file's current version. locks are the locks that
// apply to the file, when the caller has them (a listing asks once per
// folder: pass a non-nil slice, empty when there are none); nil looks them up.
func (c *call) fileObject(info storage.Info, m mode, locks []storage.Lock) (File, error) {
	r := info.Rights
	f := File{
		ID: apiID(info.ID), GUID: info.GUID, Name: info.Name, ParentID: parentID(info),
		Modification: date(info.ModTime),
		CanDownload:  r.Has(storage.Download), CanWrite: r.Has(storage.Write), CanEdit: r.Has(storage.Edit),
		CanDelete: r.Has(storage.Delete), CanShare: r.Has(storage.Share),
		Hash: hex.EncodeToString(info.MD5[:]), Size: info.Size, VersionID: info.VersionID,
	}
	if !m.light {
		f.Creation, f.Owner, f.OwnerID = ptr(date(info.Created)), ptr(fullName(c.user(info.Owner))), ptr(info.Owner)
	}
	if locks == nil && !r.Has(storage.Read) {
		// Who writes without reading (a deposit) cannot see the file, nor
		// its locks: describe it without.
		locks = []storage.Lock{}
	}
	if locks == nil {
		var err error
		if locks, err = c.ns.Locks(c.ctx, info.Path); err != nil {
			return File{}, err
		}
	}
	f.Lock = c.lockObject(info, locks)
	if m.full {
		if info.Versions > 1 {
			f.NbVersions = info.Versions
		}
		var err error
		if f.NbAnnotations, err = c.annotationCount(info.ID); err != nil {
			return File{}, err
		}
		ids, err := c.ancestorIDs(info.Path)
		if err != nil {
			return File{}, err
		}
		f.Path = &ids
	}
	return f, nil
}

// lockObject is the lock state of a file from the locks that apply to it,
// or nil when there are none.
func (c *call) lockObject(info storage.Info, locks []storage.Lock) *Lock {
	var l *Lock
	for _, k := range locks {
		if k.Node != info.ID && !(k.Deep && strings.HasPrefix(info.Path, strings.TrimSuffix(k.Path, "/")+"/")) {
			continue
		}
		mine := k.UserID == c.p.UserID
		if l == nil {
			l = &Lock{File: info.GUID, Owner: fullName(c.user(k.UserID)), OwnerID: k.UserID, Locked: true,
				Writeable: true, Readable: true, Date: date(k.Created), Expires: date(k.Expires)}
		}
		if mine {
			l.Token = k.Token
		} else {
			l.Writeable = false
			if k.Unreadable {
				l.Readable = false
			}
		}
	}
	return l
}

// annotationCount is the number of notes on a node (0 without a store).
func (c *call) annotationCount(id storage.NodeID) (int, error) {
	if c.h.opts.Annotations == nil {
		return 0, nil
	}
	return c.h.opts.Annotations.Count(c.ctx, id)
}
