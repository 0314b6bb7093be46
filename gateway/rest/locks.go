package rest

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"coffre/storage"
)

// Locks (netexplorer-reference.md §8). They live in the namespace's one lock
// table: a lock taken here stops WebDAV and S3 writes by others, and a
// WebDAV lock held by someone else refuses a lock here.
//
//	GET    /api/lock/{fileId}     the file's Lock (locked false when none)
//	PUT    /api/lock/{fileId}     lock it: {"timeout": seconds, "readable": bool}, both optional → Lock
//	DELETE /api/lock/{fileId}     release the caller's lock (administrators: any)
//	GET    /api/locks/{folderId}  paged locks on the folder, above it and below it
//	GET    /api/locks             paged locks on everything the caller sees

func (h *Handler) lockRoutes() {
	h.handle("GET /api/lock/{fileId}", h.lockGet)
	h.handle("PUT /api/lock/{fileId}", h.lockTake)
	h.handle("DELETE /api/lock/{fileId}", h.lockRelease)
	h.handle("GET /api/locks/{folderId}", h.lockList)
	h.handle("GET /api/locks", h.lockList)
}

var (
	msgNoLock       = text{"Ce fichier n'est pas verrouillé.", "This file is not locked."}
	msgLockNotYours = text{"Ce verrou appartient à un autre utilisateur.", "This lock belongs to another user."}
)

// maxLockSeconds keeps a timeout's conversion to a Duration from
// overflowing; the namespace caps lock lives far below it anyway.
const maxLockSeconds = 1 << 32

// fileLocks is the file of the path value "fileId" and the locks on it,
// its folders' included.
func (c *call) fileLocks() (storage.Info, []storage.Lock, error) {
	info, err := c.file("fileId")
	if err != nil {
		return storage.Info{}, nil, err
	}
	locks, err := c.ns.Locks(c.ctx, info.Path)
	return info, locks, err
}

func (h *Handler) lockGet(c *call) error {
	info, locks, err := c.fileLocks()
	if err != nil {
		return err
	}
	l := c.lockObject(info, locks)
	if l == nil {
		l = &Lock{File: info.GUID, Writeable: true, Readable: true}
	}
	return c.json(http.StatusOK, l)
}

func (h *Handler) lockTake(c *call) error {
	if !h.opts.Features.Lock {
		return fail(http.StatusForbidden, msgFeatureOff)
	}
	var in struct {
		Timeout  *int64 `json:"timeout"`
		Readable *bool  `json:"readable"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	var timeout time.Duration
	if in.Timeout != nil {
		if *in.Timeout < 0 {
			return invalid("timeout", text{"Doit être un nombre de secondes positif.", "Must be a positive number of seconds."})
		}
		timeout = time.Duration(min(*in.Timeout, maxLockSeconds)) * time.Second
	}
	unreadable := in.Readable != nil && !*in.Readable
	if unreadable && !h.opts.Features.LockRead {
		return fail(http.StatusForbidden, msgFeatureOff)
	}
	info, locks, err := c.fileLocks()
	if err != nil {
		return err
	}
	// Locking again what one holds extends the lock.
	var l storage.Lock
	if i := slices.IndexFunc(locks, func(l storage.Lock) bool { return l.Node == info.ID && l.UserID == c.p.UserID }); i >= 0 {
		l, err = c.ns.RefreshLock(c.ctx, locks[i].Token, timeout)
	} else {
		l, err = c.ns.Lock(c.ctx, info.Path, storage.LockOptions{Timeout: timeout, Unreadable: unreadable, Owner: c.p.Login})
	}
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, c.lockObject(info, []storage.Lock{l}))
}

func (h *Handler) lockRelease(c *call) error {
	info, locks, err := c.fileLocks()
	if err != nil {
		return err
	}
	held, released := false, 0
	for _, l := range locks {
		if l.Node != info.ID {
			continue // a deep lock on a folder above: released on the folder
		}
		held = true
		if l.UserID != c.p.UserID && !c.p.Admin {
			continue
		}
		if err := c.ns.Unlock(c.ctx, l.Token); err != nil && !storage.Is(storage.NotFound, err) {
			return err
		}
		released++
	}
	switch {
	case !held:
		return fail(http.StatusNotFound, msgNoLock)
	case released == 0:
		return fail(http.StatusForbidden, msgLockNotYours)
	}
	return c.noContent()
}

// lockItem is a Lock in a list, with the ID of the node it is on (a file,
// or a folder locked through WebDAV).
type lockItem struct {
	*Lock
	ID     int64 `json:"id"`
	IsFile bool  `json:"is_file"`
	path   string
}

func (h *Handler) lockList(c *call) error {
	offset, limit, err := c.paging()
	if err != nil {
		return err
	}
	dir := storage.Info{Path: "/", Dir: true}
	if c.r.PathValue("folderId") != "" {
		if dir, err = c.folder("folderId"); err != nil {
			return err
		}
	}
	locks, err := c.ns.Locks(c.ctx, dir.Path)
	if err != nil {
		return err
	}
	items := []lockItem{}
	for _, l := range locks {
		// The table knows every lock; show those on what the caller sees.
		info, err := c.ns.StatID(c.ctx, l.Node)
		if storage.Is(storage.NotFound, err) {
			continue
		}
		if err != nil {
			return err
		}
		items = append(items, lockItem{Lock: c.lockObject(info, []storage.Lock{l}), ID: apiID(info.ID), IsFile: !info.Dir, path: info.Path})
	}
	slices.SortStableFunc(items, func(a, b lockItem) int { return strings.Compare(a.path, b.path) })
	return c.json(http.StatusOK, paged(items, offset, limit))
}
