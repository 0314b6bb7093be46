package engine

import (
	"context"
	"slices"
	"time"

	"coffre/storage"
	"coffre/storage/lock"
)

// Locks come from every protocol and stop every protocol. A lock held by
// someone else on a node refuses changes to it; a deep lock on a folder
// refuses changes to anything below it; any lock on a folder refuses adding
// or removing its entries (RFC 4918 §7: a lock on a collection protects its
// membership). The holder changes the node freely: a WebDAV client presents
// its token, which the WebDAV front end checks.

// unlocked fails with Locked when a lock held by someone else stops the
// caller from changing node id, located below the folders above (top first);
// with below, locks on anything under a folder count too.
func (n *namespace) unlocked(op, path string, id storage.NodeID, above []storage.NodeID, below bool) error {
	for _, l := range n.e.locks.Live() {
		if l.UserID == n.p.UserID {
			continue
		}
		if n.e.lockCovers(l, id, above, below) {
			err := storage.Errorf(op, storage.Locked, path, "locked by %s until %s", l.Login, l.Expires.UTC().Format(time.RFC3339))
			n.record(evDenied, false, id, false, path, err.Error())
			return err
		}
	}
	return nil
}

// changeable is unlocked for changing the node f itself and its place in its
// folder (a delete or a move away).
func (n *namespace) changeable(op string, f found) error {
	if err := n.unlocked(op, f.path(), f.id(), f.above, f.node.Dir); err != nil {
		return err
	}
	return n.unlocked(op, f.path(), f.parent, f.above[:len(f.above)-1], false)
}

// lockCovers reports whether lock l applies to node id, below the folders
// above; with below, a lock under id counts too.
func (e *Engine) lockCovers(l storage.Lock, id storage.NodeID, above []storage.NodeID, below bool) bool {
	switch {
	case l.Node == id:
		return true
	case l.Deep && slices.Contains(above, l.Node):
		return true
	case below:
		return e.isBelow(l.Node, id)
	}
	return false
}

// dropLocks removes the live locks on node id and below it. A failure to
// remove one is logged: the lock expires in its time.
func (n *namespace) dropLocks(id storage.NodeID) {
	e := n.e
	for _, l := range e.locks.Live() {
		if l.Node != id && !e.isBelow(l.Node, id) {
			continue
		}
		if err := e.locks.Remove(l.Token); err != nil {
			n.logError("dropping the lock of a deleted node", "node", uint64(id), "err", err)
		}
	}
}

// isBelow reports whether node id lies under folder ancestor.
func (e *Engine) isBelow(id, ancestor storage.NodeID) bool {
	for steps := 0; id != rootID && id != 0 && steps < storage.MaxPathLen; steps++ {
		parent, _, err := e.pointer(id)
		if err != nil {
			return false
		}
		if parent == ancestor {
			return true
		}
		id = parent
	}
	return false
}

func (n *namespace) Lock(ctx context.Context, path string, opt storage.LockOptions) (storage.Lock, error) {
	const op = "lock"
	f, err := n.lookup(op, path)
	if err != nil {
		return storage.Lock{}, err
	}
	if f.isTop() {
		return storage.Lock{}, storage.Errorf(op, storage.Invalid, path, "the top of the tree cannot be locked")
	}
	if err := n.need(op, path, f.id(), f.rights, storage.Edit); err != nil {
		return storage.Lock{}, err
	}
	if opt.Deep && !f.node.Dir {
		opt.Deep = false
	}
	e := n.e
	e.lockMu.Lock()
	defer e.lockMu.Unlock()
	for _, l := range e.locks.Live() {
		if e.lockCovers(l, f.id(), f.above, opt.Deep) && !(l.Shared && opt.Shared) {
			return storage.Lock{}, storage.Errorf(op, storage.Locked, path, "already locked by %s", l.Login)
		}
	}
	now := e.now()
	l := storage.Lock{
		Token: lock.NewToken(), Node: f.id(), Path: f.path(), UserID: n.p.UserID, Login: n.p.Login,
		Owner: opt.Owner, Deep: opt.Deep, Shared: opt.Shared, Unreadable: opt.Unreadable && e.opts.LockRead,
		Created: now, Expires: now.Add(e.lockTimeout(opt.Timeout)),
	}
	if err := e.locks.Put(l); err != nil {
		return storage.Lock{}, metaErr(op, path, err)
	}
	n.record(evLock, true, f.id(), f.node.Dir, path, "")
	return l, nil
}

func (e *Engine) lockTimeout(d time.Duration) time.Duration {
	if d <= 0 {
		d = e.opts.LockTimeout
	}
	return min(d, e.opts.MaxLockTimeout)
}

// held returns the lock with this token if the caller may change it: its
// holder or an administrator.
func (n *namespace) held(op, token string) (storage.Lock, error) {
	if err := n.authenticated(op, ""); err != nil {
		return storage.Lock{}, err
	}
	l, ok := n.e.locks.Get(token)
	if !ok {
		return storage.Lock{}, storage.Errorf(op, storage.NotFound, "", "no such lock (expired?)")
	}
	if l.UserID != n.p.UserID && !n.p.Admin {
		return storage.Lock{}, storage.Errorf(op, storage.Permission, "", "the lock is held by %s", l.Login)
	}
	return l, nil
}

func (n *namespace) RefreshLock(ctx context.Context, token string, timeout time.Duration) (storage.Lock, error) {
	const op = "refresh lock"
	e := n.e
	e.lockMu.Lock()
	defer e.lockMu.Unlock()
	l, err := n.held(op, token)
	if err != nil {
		return storage.Lock{}, err
	}
	l.Expires = e.now().Add(e.lockTimeout(timeout))
	if err := e.locks.Put(l); err != nil {
		return storage.Lock{}, metaErr(op, "", err)
	}
	return n.withPath(l), nil
}

func (n *namespace) Unlock(ctx context.Context, token string) error {
	const op = "unlock"
	e := n.e
	e.lockMu.Lock()
	defer e.lockMu.Unlock()
	l, err := n.held(op, token)
	if err != nil {
		return err
	}
	if err := e.locks.Remove(token); err != nil {
		return metaErr(op, "", err)
	}
	l = n.withPath(l)
	n.record(evUnlock, true, l.Node, false, l.Path, "")
	return nil
}

func (n *namespace) Locks(ctx context.Context, path string) ([]storage.Lock, error) {
	const op = "locks"
	f, err := n.lookup(op, path)
	if err != nil {
		return nil, err
	}
	var out []storage.Lock
	for _, l := range n.e.locks.Live() {
		if n.e.lockCovers(l, f.id(), f.above, f.node.Dir) {
			out = append(out, n.withPath(l))
		}
	}
	return out, nil
}

// withPath sets the lock's path to where its node is now.
func (n *namespace) withPath(l storage.Lock) storage.Lock {
	if names, err := n.e.pathOf(l.Node); err == nil {
		l.Path = storage.JoinPath(names...)
	}
	return l
}

// readable fails with Locked when someone else's read lock covers the file f.
func (n *namespace) readable(op string, f found) error {
	for _, l := range n.e.locks.Live() {
		if l.Unreadable && l.UserID != n.p.UserID && n.e.lockCovers(l, f.id(), f.above, false) {
			return storage.Errorf(op, storage.Locked, f.path(), "locked against reading by %s", l.Login)
		}
	}
	return nil
}
