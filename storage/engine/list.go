package engine

import (
	"bytes"
	"context"
	"errors"
	"strings"

	"coffre/storage"
	"coffre/storage/meta"
)

// Listings in S3 key order (storage.ListOptions.KeyOrder and Recursive).
//
// The key of a child is its name, followed by "/" for a folder; below the
// listed folder, the key of a node is its path relative to it, built the
// same way ("a/b/c", "a/e/"). Items come in byte order of their keys, which
// is not the order of the c/ keys: the folder "a" (key "a/") comes after the
// file "a-b", since '-' < '/'. Without Recursive, an item keeps its plain
// name as Info.Name; After, Prefix and Page.Next are keys. With Recursive,
// Info.Name is the key.
//
// One folder is listed by one scan of its children in name order, merged
// with a stack of the folders met but not yet due. A folder n is due once
// the scan reaches a name past n+"/"; a name m that comes before it
// (n < m < n+"/") starts with n followed by a byte below '/', so every
// pending folder is a prefix of the names still to come, the longest (the
// smallest key) on top. A file is the smallest key still to come when the
// scan meets it: it goes out at once. Recursively, a due folder is walked in
// place, by a scan nested in its parent's; it is an item itself only when
// the walk finds nothing the caller sees (an S3 directory marker).
//
// Resuming after a key does not rescan what came before it. The children
// whose keys sort after the key A while their names do not are the folders
// whose name p is a proper prefix of A followed by a byte below '/', or A
// itself; they are looked up one by one. A folder p such that A starts with
// p+"/" holds the resume point: it is walked from A's remainder, the same
// way, one level down. The scan of the folder then starts strictly after A.
//
// Every node met is decoded once, and the walk stops at the first item past
// the page, which tells whether more remain: Page.Next is set only then.

// errFull ends the walk once the page (and the one item that tells whether
// more remain) is collected. It crosses nested scans, which ErrStop would not.
var errFull = errors.New("engine: listing page full")

// listKeys lists the folder f in S3 key order, recursively or not (see
// storage.ListOptions).
func (n *namespace) listKeys(ctx context.Context, f found, opt storage.ListOptions, limit int) (storage.Page, error) {
	const op = "list"
	if err := ctx.Err(); err != nil {
		return storage.Page{}, storage.E(op, storage.KindOf(err), f.path(), err)
	}
	if opt.Recursive && strings.Contains(opt.Prefix, "/") {
		return storage.Page{}, storage.Errorf(op, storage.Invalid, f.path(), "a recursive listing's prefix cannot contain \"/\"")
	}
	l := &keyList{
		n:      n,
		ctx:    ctx,
		deep:   opt.Recursive,
		prefix: opt.Prefix,
		max:    limit + 1,
		items:  make([]storage.Info, 0, min(limit+1, 1024)),
		keys:   make([]string, 0, min(limit+1, 1024)),
	}
	top := keyFolder{
		id:     f.id(),
		rights: f.rights,
		depth:  len(f.names) + 1,
		dir:    strings.TrimSuffix(f.path(), "/"),
	}
	if _, err := l.walk(top, opt.After); err != nil && !errors.Is(err, errFull) {
		return storage.Page{}, metaErr(op, f.path(), err)
	}
	page := storage.Page{Items: l.items}
	if len(l.items) > limit {
		page.Items = l.items[:limit:limit]
		page.Next = l.keys[limit-1]
	}
	return page, nil
}

// keyList collects one page of a key-order listing.
type keyList struct {
	n      *namespace
	ctx    context.Context
	deep   bool   // recursive
	prefix string // the keys of the listed folder's children start with it
	max    int    // items to collect: the page and one more
	items  []storage.Info
	keys   []string // the key of each item
}

// keyFolder is a folder being walked.
type keyFolder struct {
	id     storage.NodeID
	rights storage.Rights // the caller's rights inside it
	depth  int            // of its children (1 for root folders)
	rel    string         // the key prefix of its children: "" for the listed folder, "a/b/" below
	dir    string         // its absolute path, without a trailing slash ("" for "/")
}

// pendingFolder is a visible folder met by the walk whose key is not yet due.
type pendingFolder struct {
	key    string // its name and "/"
	rec    *node
	rights storage.Rights // the caller's rights inside it
	// resume, when set, says that the resume point is inside the folder:
	// walk it from after, and it is no item itself.
	resume bool
	after  string
}

func (d pendingFolder) name() string { return d.key[:len(d.key)-1] }

// walk emits, in key order, the items of folder d whose keys relative to d
// sort after after, and reports whether it emitted any.
func (l *keyList) walk(d keyFolder, after string) (bool, error) {
	start := len(l.items)
	pending, err := l.resumeFolders(d, after)
	if err != nil {
		return false, err
	}
	cp := childPrefix(d.id)
	lower, upper := cp, meta.PrefixEnd(cp)
	if d.rel == "" && l.prefix != "" {
		lower, upper = prefixBounds(cp, l.prefix)
	}
	if after != "" {
		if a := append(childKey(d.id, after), 0); bytes.Compare(a, lower) > 0 {
			lower = a
		}
	}
	if upper == nil || bytes.Compare(lower, upper) < 0 {
		err = l.n.e.meta.Scan(lower, upper, func(k, v []byte) error {
			if err := l.ctx.Err(); err != nil {
				return err
			}
			name := k[len(cp):]
			for len(pending) > 0 && pending[len(pending)-1].key < string(name) {
				top := pending[len(pending)-1]
				pending = pending[:len(pending)-1]
				if err := l.folder(d, top); err != nil {
					return err
				}
			}
			rec, err := decodeNode(v)
			if err != nil {
				return err
			}
			if !rec.Dir {
				if !d.rights.Has(storage.Read) || !l.matches(d, string(name)) {
					return nil
				}
				return l.file(d, string(name), rec)
			}
			key := string(name) + "/"
			if !l.matches(d, key) {
				return nil
			}
			r := l.n.enter(d.rights, rec, d.depth)
			if !l.n.sees(rec, r) {
				return nil
			}
			pending = append(pending, pendingFolder{key: key, rec: rec, rights: r})
			return nil
		})
		if err != nil {
			return false, err
		}
	}
	for len(pending) > 0 {
		top := pending[len(pending)-1]
		pending = pending[:len(pending)-1]
		if err := l.folder(d, top); err != nil {
			return false, err
		}
	}
	return len(l.items) > start, nil
}

// resumeFolders looks up the children of d whose keys sort after after while
// their names do not (see the comment at the top), as a stack of pending
// folders, the smallest key on top.
func (l *keyList) resumeFolders(d keyFolder, after string) ([]pendingFolder, error) {
	seg, rest, inside := strings.Cut(after, "/")
	var pending []pendingFolder
	for i := 1; i <= len(seg); i++ {
		last := i == len(seg)
		if i > storage.MaxNameLen {
			break
		}
		if !last && seg[i] >= '/' || last && inside && !l.deep {
			continue
		}
		name := seg[:i]
		if !l.matches(d, name+"/") {
			continue
		}
		rec, err := l.n.e.child(d.id, name)
		if storage.Is(storage.NotFound, err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if !rec.Dir {
			continue
		}
		r := l.n.enter(d.rights, rec, d.depth)
		if !l.n.sees(rec, r) {
			continue
		}
		f := pendingFolder{key: name + "/", rec: rec, rights: r}
		if last && inside {
			f.resume, f.after = true, rest
		}
		pending = append(pending, f)
	}
	return pending, nil
}

// matches reports whether the key of a child of d passes the prefix, which
// only filters the listed folder's children.
func (l *keyList) matches(d keyFolder, key string) bool {
	return d.rel != "" || strings.HasPrefix(key, l.prefix)
}

// prefixBounds returns the range of the c/ keys, below the child prefix cp,
// of the names whose keys may start with prefix: the names starting with
// it, or, for a prefix holding a "/", the one name before the "/".
func prefixBounds(cp []byte, prefix string) (lower, upper []byte) {
	lower = append(cp[:len(cp):len(cp)], prefix...)
	if i := strings.IndexByte(prefix, '/'); i >= 0 {
		lower = lower[:len(cp)+i]
		return lower, append(lower[:len(lower):len(lower)], 0)
	}
	return lower, meta.PrefixEnd(lower)
}

// file emits the file name of folder d.
func (l *keyList) file(d keyFolder, name string, rec *node) error {
	key := d.rel + name
	shown := name
	if l.deep {
		shown = key
	}
	info := rec.info(d.id, shown, d.dir+"/"+name)
	info.Rights = d.rights
	return l.add(key, info)
}

// folder emits a due folder of d: as an item, or, recursively, its items,
// or itself when it holds nothing the caller sees.
func (l *keyList) folder(d keyFolder, f pendingFolder) error {
	key := d.rel + f.key
	path := d.dir + "/" + f.name()
	if l.deep {
		sub := keyFolder{id: f.rec.ID, rights: f.rights, depth: d.depth + 1, rel: key, dir: path}
		some, err := l.walk(sub, f.after)
		if err != nil || some || f.resume {
			return err
		}
	}
	shown := f.name()
	if l.deep {
		shown = key
	}
	info := f.rec.info(d.id, shown, path)
	info.Rights = f.rights
	return l.add(key, info)
}

// add appends an item, and ends the walk once the page is full.
func (l *keyList) add(key string, info storage.Info) error {
	l.items = append(l.items, info)
	l.keys = append(l.keys, key)
	if len(l.items) >= l.max {
		return errFull
	}
	return nil
}
