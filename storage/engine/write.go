package engine

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/binary"
	"fmt"
	"io"
	"maps"
	"strings"

	"coffre/storage"
	"coffre/storage/blob"
	"coffre/storage/meta"
)

// precheckFrom is the size from which Put checks the target before streaming.
const precheckFrom = 1 << 20

func (n *namespace) Put(ctx context.Context, path string, r io.Reader, opt storage.PutOptions) (storage.Info, error) {
	const op = "put"
	if err := n.authenticated(op, path); err != nil {
		return storage.Info{}, err
	}
	if err := checkMeta(op, path, opt.Meta); err != nil {
		return storage.Info{}, err
	}
	dir, name, err := splitFileParent(op, path)
	if err != nil {
		return storage.Info{}, err
	}
	// Fail before streaming what could be gigabytes: the folder must exist,
	// the conditions hold and no lock stop the write now. They are checked
	// again under lock at commit, so small content of a known size skips this
	// first look.
	if opt.Size < 0 || opt.Size >= precheckFrom {
		if _, err := n.precheck(op, dir, name, opt); err != nil {
			return storage.Info{}, err
		}
	}
	p, err := n.e.blob.Write(ctx, r, opt.Size)
	if err != nil {
		return storage.Info{}, storage.E(op, storage.KindOf(err), path, err)
	}
	if err := checkSums(opt, p); err != nil {
		p.Discard()
		return storage.Info{}, storage.E(op, storage.Invalid, path, err)
	}
	info, err := n.addVersion(op, dir, name, opt, content{pending: p, hash: p.Hash, size: p.Size, md5: p.MD5, meta: opt.Meta})
	if err != nil {
		p.Discard()
	}
	return info, err
}

// checkSums tells why written content is not what opt expects, or nil:
// the SHA-256 is checked first (a signed payload's proof), then the MD5.
// The write is then Invalid. The SHA-256 compares in constant time, as
// the signature checks it stands for do.
func checkSums(opt storage.PutOptions, p *blob.Pending) error {
	if opt.SHA256 != nil && subtle.ConstantTimeCompare(opt.SHA256, p.Hash[:]) != 1 {
		return fmt.Errorf("%w: %x, expected %x", storage.ErrSHA256Mismatch, p.Hash, opt.SHA256)
	}
	if opt.MD5 != nil && !bytes.Equal(opt.MD5, p.MD5[:]) {
		return fmt.Errorf("content MD5 %x does not match the expected %x", p.MD5, opt.MD5)
	}
	return nil
}

func (n *namespace) Copy(ctx context.Context, from, to string, opt storage.CopyOptions) (storage.Info, error) {
	const op = "copy"
	if err := checkMeta(op, to, opt.Meta); err != nil {
		return storage.Info{}, err
	}
	src, err := n.lookup(op, from)
	if err != nil {
		return storage.Info{}, err
	}
	if err := n.need(op, from, src.id(), src.rights, storage.Download); err != nil {
		return storage.Info{}, err
	}
	if src.node.Dir {
		return storage.Info{}, storage.Errorf(op, storage.NotSupported, from, "copying a folder is not supported yet")
	}
	dir, name, err := splitFileParent(op, to)
	if err != nil {
		return storage.Info{}, err
	}
	v := src.node.Cur
	if opt.Version != 0 && opt.Version != v.ID {
		if v, err = n.e.version(src.id(), opt.Version); err != nil {
			return storage.Info{}, storage.E(op, storage.KindOf(err), from, err)
		}
	}
	c := v.content()
	if opt.Meta != nil {
		c.meta = opt.Meta
	}
	return n.addVersion(op, dir, name, storage.PutOptions{IfMatch: opt.IfMatch, IfNoneMatch: opt.IfNoneMatch}, c)
}

// versionEvent names the audit event of an operation that adds a version.
func versionEvent(op string) string {
	switch op {
	case "copy":
		return evCopy
	case "restore version":
		return evVersionRestore
	}
	return evUpload
}

// content is what a new version refers to: freshly written content, or
// existing content that gains a reference; and the metadata stored with it.
type content struct {
	pending *blob.Pending // nil for existing content
	hash    blob.Hash
	parts   []partRef // instead of hash, for assembled content
	whole   bool      // md5 is of the whole assembled content (version.Whole)
	size    int64
	md5     [16]byte
	meta    map[string]string
	// also, when set, adds more to the batch of the new version once every
	// check has passed: parent is the folder the file is in, deltas the
	// content references the batch changes. An error abandons the change.
	also func(b *meta.Batch, parent found, deltas map[blob.Hash]int) error
}

// content is the existing content of v, with its metadata.
func (v *version) content() content {
	return content{hash: v.hash(), parts: v.Parts, whole: v.Whole, size: v.Size, md5: v.md5(), meta: v.Meta}
}

// precheck fails early, before content is streamed, when the folder dir is
// missing, name is a folder, the write conditions do not hold or a lock held
// by someone else stops the write. It returns the folder.
func (n *namespace) precheck(op string, dir []string, name string, opt storage.PutOptions) (found, error) {
	path := storage.JoinPath(append(dir, name)...)
	parent, err := n.folder(op, dir, path)
	if err != nil {
		return found{}, err
	}
	cur, err := n.e.child(parent.id(), name)
	switch {
	case storage.Is(storage.NotFound, err):
		cur = nil
	case err != nil:
		return found{}, storage.E(op, storage.KindOf(err), path, err)
	}
	if err := n.checkWrite(op, path, parent.rights, cur, opt); err != nil {
		return found{}, err
	}
	if err := n.writeUnlocked(op, path, parent, cur); err != nil {
		return found{}, err
	}
	return parent, n.room(op, path, parent.limits, opt.Size)
}

// writeUnlocked fails with Locked when a lock held by someone else stops
// the caller from writing the file cur (nil: a new file) in the folder parent.
func (n *namespace) writeUnlocked(op, path string, parent found, cur *node) error {
	if cur == nil {
		return n.unlocked(op, path, parent.id(), parent.above, false)
	}
	return n.unlocked(op, path, cur.ID, parent.chain(), false)
}

// folder finds the folder dir that is to hold path: NotFound when it is
// missing, hidden, or a file.
func (n *namespace) folder(op string, dir []string, path string) (found, error) {
	f, err := n.lookupNames(op, dir)
	if err == nil && !f.node.Dir {
		err = storage.E(op, storage.NotFound, path, nil)
	}
	return f, err
}

// addVersion records c as the new current version of the file name in the
// folder dir, creating the file if needed.
func (n *namespace) addVersion(op string, dir []string, name string, opt storage.PutOptions, c content) (storage.Info, error) {
	e := n.e
	path := storage.JoinPath(append(dir, name)...)
	e.tree.RLock()
	defer e.tree.RUnlock()
	parent, err := n.folder(op, dir, path)
	if err != nil {
		return storage.Info{}, err
	}
	pid := parent.id()
	defer e.names.lock(entry{pid, name})()

	rec, err := e.child(pid, name)
	if err != nil && !storage.Is(storage.NotFound, err) {
		return storage.Info{}, storage.E(op, storage.KindOf(err), path, err)
	}
	if err := n.checkWrite(op, path, parent.rights, rec, opt); err != nil {
		return storage.Info{}, err
	}
	if err := n.writeUnlocked(op, path, parent, rec); err != nil {
		return storage.Info{}, err
	}
	if err := n.room(op, path, parent.limits, c.size); err != nil {
		return storage.Info{}, err
	}
	now := e.now()
	vid, err := e.ids.id()
	if err != nil {
		return storage.Info{}, metaErr(op, path, err)
	}
	mtime := opt.ModTime
	if mtime.IsZero() {
		mtime = now
	}
	v := &version{ID: vid, Size: c.size, MD5: c.md5[:], ModTime: mtime.UnixNano(), Author: n.p.Login, AuthorID: n.p.UserID, Meta: c.meta, Parts: c.parts, Whole: c.whole}
	if c.parts == nil {
		v.Hash = c.hash[:]
	}

	b := e.meta.NewBatch()
	if rec == nil {
		id, err := e.ids.id()
		if err != nil {
			b.Discard()
			return storage.Info{}, metaErr(op, path, err)
		}
		rec = &node{ID: storage.NodeID(id), GUID: newGUID(), Created: now.UnixNano(), Owner: n.p.UserID}
		b.Set(nodeKey(rec.ID), nodeValue(pid, name))
		b.Set(guidKey(rec.GUID), binary.BigEndian.AppendUint64(nil, id))
	}
	rec.Modified, rec.Cur = now.UnixNano(), v
	rec.NVers++
	rec.Stored += v.Size
	b.Set(versionKey(rec.ID, vid), encode(v))
	addFolders(b, parent.chain(), v.Size)
	addStored(b, v.AuthorID, v.Size)

	var adds []*blob.Pending
	deltas := map[blob.Hash]int{}
	switch {
	case c.pending != nil:
		adds = []*blob.Pending{c.pending}
	default:
		for _, h := range v.hashes() {
			deltas[h]++
		}
	}
	if max := e.opts.MaxVersions; max > 0 && rec.NVers > max {
		if err := e.pruneVersions(b, rec, max, parent.chain(), deltas); err != nil {
			b.Discard()
			return storage.Info{}, metaErr(op, path, err)
		}
	}
	if c.also != nil {
		if err := c.also(b, parent, deltas); err != nil {
			b.Discard()
			return storage.Info{}, err
		}
	}
	b.Set(childKey(pid, name), encode(rec))
	n.log(b, versionEvent(op), rec.ID, false, path, "")
	if err := e.commit(b, adds, deltas); err != nil {
		return storage.Info{}, storage.E(op, storage.KindOf(err), path, err)
	}
	info := rec.info(pid, name, path)
	info.Rights = parent.rights
	return info, nil
}

// commit applies b together with the content reference changes it implies.
func (e *Engine) commit(b *meta.Batch, adds []*blob.Pending, deltas map[blob.Hash]int) error {
	done, err := e.blob.Update(b, adds, deltas)
	if err != nil {
		b.Discard()
		return err
	}
	err = b.Commit()
	done(err == nil)
	return err
}

func (n *namespace) Mkdir(ctx context.Context, path string) (storage.Info, error) {
	return n.mkdir(ctx, path, nil)
}

func (n *namespace) MkdirMeta(ctx context.Context, path string, m map[string]string) (storage.Info, error) {
	return n.mkdir(ctx, path, m)
}

// mkdir creates the folder at path with the metadata m (nil for none).
func (n *namespace) mkdir(ctx context.Context, path string, m map[string]string) (storage.Info, error) {
	const op = "mkdir"
	if err := checkMeta(op, path, m); err != nil {
		return storage.Info{}, err
	}
	if len(m) == 0 {
		m = nil
	}
	if err := n.authenticated(op, path); err != nil {
		return storage.Info{}, err
	}
	dir, name, err := splitParent(op, path)
	if err != nil {
		return storage.Info{}, err
	}
	e := n.e
	e.tree.RLock()
	defer e.tree.RUnlock()
	parent, err := n.folder(op, dir, path)
	if err != nil {
		return storage.Info{}, err
	}
	if err := n.need(op, path, 0, parent.rights, storage.Write); err != nil {
		return storage.Info{}, err
	}
	if err := n.unlocked(op, path, parent.id(), parent.above, false); err != nil {
		return storage.Info{}, err
	}
	pid := parent.id()
	defer e.names.lock(entry{pid, name})()
	if _, err := e.child(pid, name); err == nil {
		return storage.Info{}, storage.E(op, storage.Exists, path, nil)
	} else if !storage.Is(storage.NotFound, err) {
		return storage.Info{}, storage.E(op, storage.KindOf(err), path, err)
	}
	id, err := e.ids.id()
	if err != nil {
		return storage.Info{}, metaErr(op, path, err)
	}
	now := e.now().UnixNano()
	rec := &node{ID: storage.NodeID(id), GUID: newGUID(), Dir: true, Created: now, Modified: now, Owner: n.p.UserID, Meta: maps.Clone(m)}
	b := e.meta.NewBatch()
	b.Set(childKey(pid, name), encode(rec))
	b.Set(nodeKey(rec.ID), nodeValue(pid, name))
	b.Set(guidKey(rec.GUID), binary.BigEndian.AppendUint64(nil, id))
	n.log(b, evMkdir, rec.ID, true, path, "")
	if err := b.Commit(); err != nil {
		return storage.Info{}, metaErr(op, path, err)
	}
	info := rec.info(pid, name, storage.JoinPath(append(dir, name)...))
	info.Rights = n.enter(parent.rights, rec, len(dir)+1)
	return info, nil
}

// checkWrite decides whether the caller, holding r in the folder, may write
// the file cur (nil when new) with the conditions of opt: a new file needs
// Write, a new version Edit.
func (n *namespace) checkWrite(op, path string, r storage.Rights, cur *node, opt storage.PutOptions) error {
	want := storage.Edit
	switch {
	case cur != nil && cur.Dir:
		return storage.Errorf(op, storage.Conflict, path, "a folder has this name")
	case cur == nil:
		want = storage.Write
	}
	var id storage.NodeID
	if cur != nil {
		id = cur.ID
	}
	if err := n.need(op, path, id, r, want); err != nil {
		return err
	}
	return checkConditions(op, path, cur, opt)
}

// splitFileParent is splitParent for files, which live inside a root folder.
func splitFileParent(op, path string) ([]string, string, error) {
	dir, name, err := splitParent(op, path)
	if err == nil && len(dir) == 0 {
		err = storage.Errorf(op, storage.Invalid, path, "files live inside a root folder")
	}
	return dir, name, err
}

// checkConditions applies If-Match and If-None-Match (RFC 9110 §13.1) to the
// file cur, nil when it does not exist.
func checkConditions(op, path string, cur *node, opt storage.PutOptions) error {
	etag := ""
	if cur != nil && cur.Cur != nil {
		etag = cur.Cur.etag()
	}
	fail := func(why string) error { return storage.Errorf(op, storage.Precondition, path, "%s", why) }
	switch m := opt.IfMatch; {
	case m == "":
	case m == "*":
		if cur == nil {
			return fail("the file does not exist")
		}
	case cur == nil || !etagListHas(m, etag):
		return fail("the file's ETag does not match If-Match")
	}
	switch m := opt.IfNoneMatch; {
	case m == "":
	case m == "*":
		if cur != nil {
			return fail("the file already exists")
		}
	case cur != nil && etagListHas(m, etag):
		return fail("the file's ETag matches If-None-Match")
	}
	return nil
}

// etagListHas reports whether a comma-separated list of entity tags names
// etag (bare hex), comparing weakly: W/ and quotes are ignored.
func etagListHas(list, etag string) bool {
	for _, t := range strings.Split(list, ",") {
		t = strings.Trim(strings.TrimPrefix(strings.TrimSpace(t), "W/"), `"`)
		if t == etag {
			return true
		}
	}
	return false
}
