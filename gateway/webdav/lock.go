package webdav

import (
	"context"
	"math"
	"net/http"
	"path"
	"strings"
	"time"

	xwebdav "golang.org/x/net/webdav"

	"coffre/storage"
)

// LockSystem is golang.org/x/net/webdav's LockSystem over the namespace's
// one lock table (Namespace.Lock, RefreshLock, Unlock, Locks): a lock taken
// here stops S3 and REST writers, and one taken through them is seen here.
// Tokens are the namespace's "opaquelocktoken:<uuid>" URIs. It is bound to
// one caller and one request: webdav.LockSystem's methods take no context,
// so it holds the request's.
//
// The engine lets a lock's holder change the node freely; it is this front
// end that demands the token (RFC 4918 §7.5), in Confirm and in the
// handler's confirm. Under webdav.Handler (which this package's Handler
// does not use for writes), the temporary locks that handler takes around
// each write of an existing node are real locks of the table for the
// request's duration.
type LockSystem struct {
	ns   storage.Namespace
	ctx  context.Context
	user string // the caller's user ID: tokens count only for their holder
}

var _ xwebdav.LockSystem = (*LockSystem)(nil)

// NewLockSystem returns the lock system of ns, whose principal has the
// user ID user, for one request's ctx.
func NewLockSystem(ctx context.Context, ns storage.Namespace, user string) *LockSystem {
	return &LockSystem{ns: ns, ctx: ctx, user: user}
}

// Confirm succeeds if the conditions hold for name0 and the tokens they
// present are the caller's and cover every lock that would stop a change
// to name0 or name1 (RFC 4918 §10.4), including the locks on their folders
// (membership) and below them. Otherwise ErrConfirmationFailed.
func (s *LockSystem) Confirm(_ time.Time, name0, name1 string, conds ...xwebdav.Condition) (func(), error) {
	c := lockCheck{ls: s, near: map[string][]storage.Lock{}}
	names := []string{}
	for _, n := range []string{name0, name1} {
		if n != "" {
			names = append(names, cleanPath(n))
		}
	}
	if len(names) == 0 {
		return func() {}, nil
	}
	ok, err := c.holds(ifList{conds: conds}, names[0], names)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, xwebdav.ErrConfirmationFailed
	}
	submitted := tokens([]ifList{{conds: conds}})
	for _, n := range names {
		l, err := c.uncovered(target{path: n, membership: true, below: true}, submitted)
		if err != nil {
			return nil, err
		}
		if l != nil {
			return nil, xwebdav.ErrConfirmationFailed
		}
	}
	return func() {}, nil
}

// Create takes an exclusive write lock on an existing node. The namespace
// locks nodes, not names: for a missing name (webdav.Handler takes such a
// lock around each PUT, MKCOL or COPY/MOVE that creates a node, and before
// a LOCK creates an empty file), Create only checks that no lock stops
// creating the node, and returns a token that stands for nothing (Unlock
// accepts it, Confirm does not).
func (s *LockSystem) Create(_ time.Time, d xwebdav.LockDetails) (string, error) {
	root := cleanPath(d.Root)
	if _, err := s.ns.Stat(s.ctx, root); storage.Is(storage.NotFound, err) {
		c := lockCheck{ls: s, near: map[string][]storage.Lock{}}
		l, err := c.uncovered(target{path: root, membership: true}, nil)
		if err != nil {
			return "", err
		}
		if l != nil {
			return "", xwebdav.ErrLocked
		}
		return unmappedToken, nil
	}
	l, err := s.create(d, false)
	return l.Token, err
}

// unmappedToken is what Create returns for a missing name.
const unmappedToken = "coffre:unmapped"

func (s *LockSystem) create(d xwebdav.LockDetails, shared bool) (storage.Lock, error) {
	l, err := s.ns.Lock(s.ctx, cleanPath(d.Root), storage.LockOptions{
		Deep:    !d.ZeroDepth,
		Shared:  shared,
		Timeout: timeout(d.Duration),
		Owner:   d.OwnerXML,
	})
	if storage.Is(storage.Locked, err) {
		return storage.Lock{}, xwebdav.ErrLocked
	}
	return l, err
}

// Refresh extends a lock the caller holds.
func (s *LockSystem) Refresh(_ time.Time, token string, d time.Duration) (xwebdav.LockDetails, error) {
	l, err := s.ns.RefreshLock(s.ctx, token, timeout(d))
	switch {
	case storage.Is(storage.NotFound, err), storage.Is(storage.Permission, err):
		return xwebdav.LockDetails{}, xwebdav.ErrNoSuchLock
	case err != nil:
		return xwebdav.LockDetails{}, err
	}
	return details(l, time.Now()), nil
}

// Unlock releases a lock the caller holds.
func (s *LockSystem) Unlock(_ time.Time, token string) error {
	if token == unmappedToken {
		return nil
	}
	err := s.ns.Unlock(s.ctx, token)
	switch {
	case storage.Is(storage.NotFound, err):
		return xwebdav.ErrNoSuchLock
	case storage.Is(storage.Permission, err):
		return xwebdav.ErrForbidden
	}
	return err
}

// timeout converts a webdav lock duration (negative: infinite) to the
// namespace's (0: the default; the platform caps every lock).
func timeout(d time.Duration) time.Duration {
	if d < 0 {
		return math.MaxInt64
	}
	return d
}

func details(l storage.Lock, now time.Time) xwebdav.LockDetails {
	return xwebdav.LockDetails{Root: l.Path, Duration: l.Expires.Sub(now), OwnerXML: l.Owner, ZeroDepth: !l.Deep}
}

// confirmed is the lock system handed to webdav.Handler for the methods it
// serves: the locks were checked before (see request.confirm), and no
// temporary lock goes to the persistent table.
type confirmed struct{}

func (confirmed) Confirm(time.Time, string, string, ...xwebdav.Condition) (func(), error) {
	return func() {}, nil
}
func (confirmed) Create(time.Time, xwebdav.LockDetails) (string, error) { return "confirmed", nil }
func (confirmed) Refresh(time.Time, string, time.Duration) (xwebdav.LockDetails, error) {
	return xwebdav.LockDetails{}, xwebdav.ErrNoSuchLock
}
func (confirmed) Unlock(time.Time, string) error { return nil }

// target is a node a request changes, and how.
type target struct {
	path string
	// membership: the request adds or removes the node from its folder
	// (create, delete, move), so a lock on the folder counts (RFC 4918
	// §7.4: a lock on a collection protects its membership).
	membership bool
	// below: the request changes everything below the node (delete or
	// move of a folder), so locks below it count.
	below bool
}

// confirm checks the If header and the locks of a request that changes the
// targets (RFC 4918 §10.4, §7.5). Without an If header, any lock on a
// target fails with 423. With one: 400 if malformed, 412 unless one of its
// lists holds, and 423 unless the lock tokens it presents (the caller's
// own) cover every lock on the targets.
func (q *request) confirm(targets ...target) error {
	c := lockCheck{ls: q.ls, near: map[string][]storage.Lock{}}
	var submitted map[string]bool
	if hdr := q.r.Header.Get("If"); hdr != "" {
		lists, ok := parseIf(hdr)
		if !ok {
			return errorf(http.StatusBadRequest, "malformed If header")
		}
		var paths []string
		for _, t := range targets {
			paths = append(paths, t.path)
		}
		held := false
		for _, l := range lists {
			res := q.path
			if l.resource != "" {
				p, ok := q.urlPath(l.resource)
				if !ok {
					continue // about another server
				}
				res = p
			}
			ok, err := c.holds(l, res, append(paths, res))
			if err != nil {
				return err
			}
			if ok {
				held = true
				break
			}
		}
		if !held {
			return errorf(http.StatusPreconditionFailed, "no list of the If header holds")
		}
		submitted = tokens(lists)
	}
	for _, t := range targets {
		l, err := c.uncovered(t, submitted)
		if err != nil {
			return err
		}
		if l != nil {
			return davError(http.StatusLocked,
				"<D:lock-token-submitted><D:href>"+xmlEscape(q.h.href(l.Path, false))+"</D:href></D:lock-token-submitted>",
				"locked: "+l.Path)
		}
	}
	return nil
}

// unmap runs change, which moves the node at p elsewhere, then deletes the
// locks rooted at p or below it: a lock does not move with its resource
// (RFC 4918 §7.6), and a lock whose root becomes unmapped is deleted by the
// request that unmaps it (§6.1). The namespace keeps locks on nodes
// wherever a move takes them (a delete ends them), so this front end
// deletes them. They are the caller's: the namespace lets no one
// change what someone else locked, and confirm demanded their tokens. A
// depth-infinity lock above the new place covers what arrives there.
func (q *request) unmap(p string, change func() error) error {
	locks, err := q.ns.Locks(q.r.Context(), p)
	if err != nil {
		return err
	}
	if err := change(); err != nil {
		return err
	}
	for _, l := range locks {
		if l.Path != p && !under(l.Path, p) {
			continue
		}
		// The change is done: a lock that outlives it is logged, not
		// answered (it expires).
		if err := q.ns.Unlock(q.r.Context(), l.Token); err != nil && !storage.Is(storage.NotFound, err) {
			q.h.log.Error("webdav: deleting a lock whose root is unmapped", "path", l.Path, "err", err)
		}
	}
	return nil
}

// tokens are the lock tokens an If header submits: every one it names,
// outside Not.
func tokens(lists []ifList) map[string]bool {
	out := map[string]bool{}
	for _, l := range lists {
		for _, c := range l.conds {
			if c.Token != "" && !c.Not {
				out[c.Token] = true
			}
		}
	}
	return out
}

// lockCheck evaluates lock conditions for one request, asking the
// namespace once per folder.
type lockCheck struct {
	ls   *LockSystem
	near map[string][]storage.Lock // by folder: the locks on it, above it and below it
}

// around returns the locks that may bear on p: those on its folder, deep
// ones above, and everything below the folder (p itself included).
func (c *lockCheck) around(p string) ([]storage.Lock, error) {
	dir := parentOf(p)
	if ls, ok := c.near[dir]; ok {
		return ls, nil
	}
	ls, err := c.ls.ns.Locks(c.ls.ctx, dir)
	if storage.Is(storage.NotFound, err) {
		ls, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	c.near[dir] = ls
	return ls, nil
}

// relevant are the locks that stop the change t, by anyone.
func (c *lockCheck) relevant(t target) ([]storage.Lock, error) {
	all, err := c.around(t.path)
	if err != nil {
		return nil, err
	}
	parent := parentOf(t.path)
	var out []storage.Lock
	for _, l := range all {
		if l.Path == t.path || l.Deep && under(t.path, l.Path) ||
			t.membership && l.Path == parent || t.below && under(l.Path, t.path) {
			out = append(out, l)
		}
	}
	return out, nil
}

// uncovered returns a lock that stops the change t and that the submitted
// tokens do not cover, or nil. An exclusive lock needs its own token; for
// shared locks, the token of any one of them suffices. A token counts only
// for the lock's holder.
func (c *lockCheck) uncovered(t target, submitted map[string]bool) (*storage.Lock, error) {
	locks, err := c.relevant(t)
	if err != nil {
		return nil, err
	}
	mine := func(l storage.Lock) bool { return submitted[l.Token] && l.UserID == c.ls.user }
	var shared *storage.Lock
	sharedOK := false
	for i, l := range locks {
		switch {
		case !l.Shared && !mine(l):
			return &locks[i], nil
		case l.Shared:
			shared = &locks[i]
			sharedOK = sharedOK || mine(l)
		}
	}
	if shared != nil && !sharedOK {
		return shared, nil
	}
	return nil, nil
}

// holds evaluates one If list on the resource res: a token condition holds
// when the token is a live lock on res (on it, deep above it, or on its
// folder; for a list without a tag, on any of the request's targets), an
// entity-tag condition when res's current entity tag is that one.
func (c *lockCheck) holds(l ifList, res string, targets []string) (bool, error) {
	candidates := []string{res}
	if l.resource == "" {
		candidates = targets
	}
	for _, cond := range l.conds {
		var ok bool
		if cond.Token != "" {
			for _, p := range candidates {
				found, err := c.tokenOn(cond.Token, p)
				if err != nil {
					return false, err
				}
				ok = ok || found
			}
		} else {
			info, err := c.ls.ns.Stat(c.ls.ctx, res)
			if err != nil && !storage.Is(storage.NotFound, err) {
				return false, err
			}
			ok = err == nil && !info.Dir && etagMatch(info.ETag(), cond.ETag)
		}
		if ok == cond.Not {
			return false, nil
		}
	}
	return true, nil
}

// tokenOn reports whether token is a live lock on p, deep above it, or on
// its folder.
func (c *lockCheck) tokenOn(token, p string) (bool, error) {
	if !strings.HasPrefix(token, "opaquelocktoken:") {
		return false, nil // DAV:no-lock, or not one of ours
	}
	locks, err := c.relevant(target{path: p, membership: true})
	if err != nil {
		return false, err
	}
	for _, l := range locks {
		if l.Token == token {
			return true, nil
		}
	}
	return false, nil
}

// etagMatch compares entity tags; weak ones match by their opaque part
// (RFC 4918 §10.4.8 leaves the comparison to the server).
func etagMatch(a, b string) bool {
	return a != "" && strings.TrimPrefix(a, "W/") == strings.TrimPrefix(b, "W/")
}

// parentOf is the folder of p ("/" for a root folder and for "/").
func parentOf(p string) string {
	if p == "/" {
		return "/"
	}
	return path.Dir(p)
}

// under reports whether a lies strictly below the folder b.
func under(a, b string) bool {
	if b == "/" {
		return a != "/"
	}
	return strings.HasPrefix(a, b+"/")
}
