package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"coffre/auth"
	"coffre/storage"
	"coffre/storage/audit"
	"coffre/storage/blob"
	"coffre/storage/engine"
)

// The contents side of a rebuild: what the shard headers hold, their
// records, and the files that attach them in lost+found.

// scan reads every shard header and returns the contents found, by hash:
// of several contents with one hash (two writes of the same bytes, one of
// them dropped by deduplication), the one with the most final headers.
func (r *rebuild) scan(ctx context.Context, st *store, rep *recovery) (map[blob.Hash]*found, error) {
	p := newTicker(r.out, r.tty)
	byID := map[[16]byte]*found{}
	err := st.blob.ScanHeaders(ctx, func(sh blob.ShardHeader) error {
		rep.files++
		p.show("scanning shard headers: %d files", rep.files)
		switch {
		case sh.Err != nil:
			rep.damaged = append(rep.damaged, fmt.Sprintf("%s on drive %d: %v", sh.Name, sh.Drive, sh.Err))
		case !sh.Header.Final():
			rep.unfinished++
		default:
			f := byID[sh.Header.ID]
			if f == nil {
				f = &found{hash: sh.Hash(), hd: sh.Header}
				if fi, err := os.Stat(filepath.Join(r.cfg.Storage.Drives[sh.Drive], filepath.FromSlash(sh.Name))); err == nil {
					f.mod = fi.ModTime().UTC()
				}
				byID[sh.Header.ID] = f
			}
			f.shards++
		}
		return nil
	})
	p.done()
	switch {
	case ctx.Err() != nil:
		return nil, ctx.Err()
	case storage.Is(storage.Unavailable, err):
		rep.driveErr = err // the other drives were scanned
	case err != nil:
		return nil, err
	}
	byHash := map[blob.Hash]*found{}
	for _, f := range byID {
		if g := byHash[f.hash]; g == nil || f.shards > g.shards {
			byHash[f.hash] = f
		}
	}
	rep.contents = len(byHash)
	return byHash, nil
}

// checkKey refuses a master key that does not unwrap the data key of a
// content found on the drives: nothing could be read with it.
func checkKey(st *store, byHash map[blob.Hash]*found) error {
	for _, f := range byHash {
		b := st.meta.NewBatch()
		_, err := st.blob.Restore(b, f.hd, 1)
		b.Discard()
		switch {
		case storage.Is(storage.Corrupt, err):
			return fmt.Errorf("the master key does not unwrap the data key of content %s: is it the key this store was written with? "+
				"(storage.master_key_file or storage.master_key): %w", f.hash, err)
		case err == nil:
			return nil
		}
	}
	return nil
}

// restoreRecords restores the record of every content the checkpoint lacks
// (with one reference, until attach) and of every content whose record
// names shard files that are gone.
func restoreRecords(ctx context.Context, st *store, byHash map[blob.Hash]*found, rep *recovery) error {
	b := st.meta.NewBatch()
	for _, f := range sortedFound(byHash) {
		refs, err := st.blob.Refs(f.hash)
		switch {
		case err == nil:
			if readable(ctx, st, f.hash) {
				rep.known++
				continue
			}
			_, f.err = st.blob.Restore(b, f.hd, int64(refs))
			rep.relinked = append(rep.relinked, f)
		case storage.Is(storage.NotFound, err):
			_, f.err = st.blob.Restore(b, f.hd, 1)
			rep.unattached = append(rep.unattached, f)
		default:
			b.Discard()
			return err
		}
	}
	return b.Commit()
}

// readable says whether the content h opens: enough of its shard files are
// there and name it.
func readable(ctx context.Context, st *store, h blob.Hash) bool {
	rd, err := st.blob.Open(ctx, h)
	if err != nil {
		return false
	}
	rd.Close()
	return true
}

// sortedFound orders contents by time written, then hash.
func sortedFound(byHash map[blob.Hash]*found) []*found {
	out := make([]*found, 0, len(byHash))
	for _, f := range byHash {
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b *found) int {
		return cmp.Or(a.mod.Compare(b.mod), strings.Compare(a.hash.String(), b.hash.String()))
	})
	return out
}

// attach gives every unattached content a file in /lost+found-<date>,
// owned by the administrator. It returns the engine, for the check.
func (r *rebuild) attach(ctx context.Context, st *store, rep *recovery) (*engine.Engine, error) {
	users, err := auth.New(st.meta, r.key, auth.Options{Logger: r.log.With("component", "auth")})
	if err != nil {
		return nil, err
	}
	alog, err := audit.New(st.meta, audit.Options{Logger: r.log.With("component", "audit")})
	if err != nil {
		return nil, err
	}
	eng, err := engine.New(st.meta, st.blob, engine.Options{Logger: r.log.With("component", "engine"), Audit: alog})
	if err != nil {
		return nil, err
	}
	var todo []*found
	for _, f := range rep.unattached {
		if f.err == nil {
			todo = append(todo, f)
		}
	}
	if len(todo) == 0 {
		return eng, nil
	}
	ns := eng.As(recoveryPrincipal(ctx, users))
	rep.lostAndFound = "/lost+found-" + r.now.Format(time.DateOnly)
	if _, err := ns.Mkdir(ctx, rep.lostAndFound); err != nil && !storage.Is(storage.Exists, err) {
		return nil, fmt.Errorf("create %s: %w", rep.lostAndFound, err)
	}
	p := newTicker(r.out, r.tty)
	for i, f := range todo {
		p.show("attaching contents: %d/%d", i+1, len(todo))
		f.path = rep.lostAndFound + "/" + f.hash.String()
		f.err = attachOne(ctx, ns, st, f)
	}
	p.done()
	return eng, nil
}

// attachOne writes the content f as the file f.path, then drops the
// reference its restored record was given.
func attachOne(ctx context.Context, ns storage.Namespace, st *store, f *found) error {
	rd, err := st.blob.Open(ctx, f.hash)
	if err != nil {
		return err
	}
	_, err = ns.Put(ctx, f.path, io.NewSectionReader(rd, 0, rd.Size()), storage.PutOptions{Size: rd.Size(), MD5: f.hd.MD5[:], ModTime: f.mod})
	rd.Close()
	if err != nil {
		return err
	}
	b := st.meta.NewBatch()
	done, err := st.blob.Update(b, nil, map[blob.Hash]int{f.hash: -1})
	if err != nil {
		b.Discard()
		return err
	}
	err = b.Commit()
	done(err == nil)
	return err
}

// recoveryPrincipal is who owns lost+found: the administrator of the
// checkpoint, or, rebuilding from headers alone (no users), an
// administrator principal of the CLI.
func recoveryPrincipal(ctx context.Context, users *auth.Service) storage.Principal {
	p, err := users.Principal(ctx, auth.AdminLogin)
	if err != nil {
		p = storage.Principal{UserID: "coffre-recover", Login: "coffre-recover"}
	}
	p.Admin, p.Protocol = true, "cli"
	return p
}
