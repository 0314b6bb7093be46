package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"coffre/storage"
	"coffre/storage/meta"
)

// defaultListLimit bounds a listing page when the caller sets no limit.
const defaultListLimit = 1000

func (n *namespace) Stat(ctx context.Context, path string) (storage.Info, error) {
	f, err := n.lookup("stat", path)
	if err != nil {
		return storage.Info{}, err
	}
	return f.info(), nil
}

func (n *namespace) List(ctx context.Context, path string, opt storage.ListOptions) (storage.Page, error) {
	const op = "list"
	f, err := n.lookup(op, path)
	if err != nil {
		return storage.Page{}, err
	}
	if !f.node.Dir {
		return storage.Page{}, storage.Errorf(op, storage.Conflict, path, "not a folder")
	}
	limit := opt.Limit
	if limit <= 0 {
		limit = defaultListLimit
	}
	if opt.KeyOrder || opt.Recursive {
		return n.listKeys(ctx, f, opt, limit)
	}
	prefix := childPrefix(f.id())
	lower := append(append([]byte(nil), prefix...), opt.Prefix...)
	upper := meta.PrefixEnd(lower)
	if opt.After != "" {
		after := append(append(append([]byte(nil), prefix...), opt.After...), 0)
		if string(after) > string(lower) {
			lower = after
		}
	}
	var page storage.Page
	dir := strings.TrimSuffix(f.path(), "/")
	depth := len(f.names) + 1
	err = n.e.meta.Scan(lower, upper, func(k, v []byte) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		name := string(k[len(prefix):])
		if len(page.Items) == limit {
			page.Next = page.Items[len(page.Items)-1].Name
			return meta.ErrStop
		}
		rec, err := decodeNode(v)
		if err != nil {
			return err
		}
		r := f.rights
		if rec.Dir {
			if r = n.enter(r, rec, depth); !n.sees(rec, r) {
				return nil
			}
		} else if !r.Has(storage.Read) {
			return nil
		}
		item := rec.info(f.id(), name, dir+"/"+name)
		item.Rights = r
		page.Items = append(page.Items, item)
		return nil
	})
	if err != nil {
		return storage.Page{}, metaErr(op, path, err)
	}
	return page, nil
}

func (n *namespace) Open(ctx context.Context, path string) (storage.Object, error) {
	return n.open(ctx, "open", path, 0)
}

func (n *namespace) OpenVersion(ctx context.Context, path string, id uint64) (storage.Object, error) {
	return n.open(ctx, "open", path, id)
}

// open opens version id of the file at path, or its current version when id is 0.
func (n *namespace) open(ctx context.Context, op, path string, id uint64) (storage.Object, error) {
	f, err := n.lookup(op, path)
	if err != nil {
		return nil, err
	}
	if f.node.Dir {
		return nil, storage.Errorf(op, storage.Conflict, path, "is a folder")
	}
	if err := n.need(op, path, f.id(), f.rights, storage.Download); err != nil {
		return nil, err
	}
	if err := n.readable(op, f); err != nil {
		return nil, err
	}
	info := f.info()
	v := f.node.Cur
	if id != 0 && id != v.ID {
		if v, err = n.e.version(f.id(), id); err != nil {
			return nil, storage.E(op, storage.KindOf(err), path, err)
		}
		v.describe(&info)
	}
	obj, err := n.e.openVersion(ctx, v, info)
	if err != nil {
		return nil, storage.E(op, storage.KindOf(err), path, err)
	}
	n.record(evDownload, true, f.id(), false, path, fmt.Sprint("version ", v.ID))
	return obj, nil
}

// openVersion opens the content of version v, described by info.
func (e *Engine) openVersion(ctx context.Context, v *version, info storage.Info) (storage.Object, error) {
	if v.Parts != nil {
		return e.openParts(ctx, v.Parts, info)
	}
	r, err := e.blob.Open(ctx, v.hash())
	if err != nil {
		return nil, err
	}
	return &object{Reader: r, info: info}, nil
}

func (n *namespace) Versions(ctx context.Context, path string) ([]storage.Version, error) {
	const op = "versions"
	f, err := n.lookup(op, path)
	if err != nil {
		return nil, err
	}
	if f.node.Dir {
		return nil, storage.Errorf(op, storage.Conflict, path, "is a folder")
	}
	vs, err := n.e.versions(f.id())
	if err != nil {
		return nil, metaErr(op, path, err)
	}
	out := make([]storage.Version, len(vs))
	for i, v := range vs {
		out[i] = v.public()
	}
	return out, nil
}

// version reads one version record of a file.
func (e *Engine) version(file storage.NodeID, id uint64) (*version, error) {
	b, err := e.meta.Get(versionKey(file, id))
	if errors.Is(err, meta.ErrNotFound) {
		return nil, storage.Errorf("version", storage.NotFound, "", "no version %d", id)
	}
	if err != nil {
		return nil, err
	}
	return decodeVersion(b)
}

// versions reads every version record of a file, newest first.
func (e *Engine) versions(file storage.NodeID) ([]*version, error) {
	var out []*version
	err := e.meta.ScanPrefix(versionPrefix(file), nil, func(_, v []byte) error {
		rec, err := decodeVersion(v)
		if err != nil {
			return err
		}
		out = append(out, rec)
		return nil
	})
	return out, err
}
