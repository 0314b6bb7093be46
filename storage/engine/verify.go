package engine

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"

	"coffre/storage"
	"coffre/storage/blob"
)

// Report is the result of Verify.
type Report struct {
	Folders, Files, Versions, TrashItems int
	Uploads, Parts                       int // multipart uploads in progress
	Problems                             []string
}

// Verify checks that the tree's records agree with each other: every entry's
// pointer and GUID, every file's versions and byte counts, every folder's
// usage counter, the users' and platform's counters, the trash records, that
// no entry hangs under a folder that does not exist, and that each content's
// reference count is the number of references that versions (in the tree and
// the trash) and multipart uploads hold to it. It reads the whole
// namespace into memory, so it is for tests and offline checks (fsck).
func (e *Engine) Verify(ctx context.Context) (Report, error) {
	var r Report
	problem := func(format string, args ...any) { r.Problems = append(r.Problems, fmt.Sprintf(format, args...)) }

	type entry struct {
		parent storage.NodeID
		name   string
		rec    *node
	}
	children := map[storage.NodeID][]entry{}
	nodes := map[storage.NodeID]entry{}
	err := e.meta.ScanPrefix(prefixChild, nil, func(k, v []byte) error {
		rec, err := decodeNode(v)
		if err != nil {
			return err
		}
		parent := storage.NodeID(binary.BigEndian.Uint64(k[len(prefixChild):]))
		en := entry{parent, string(k[len(prefixChild)+8:]), rec}
		children[parent] = append(children[parent], en)
		nodes[rec.ID] = en
		return ctx.Err()
	})
	if err != nil {
		return r, err
	}
	var trash []*trashed
	err = e.meta.ScanPrefix(prefixTrashUser, nil, func(_, v []byte) error {
		t, err := decodeTrashed(v)
		if err != nil {
			return err
		}
		trash = append(trash, t)
		nodes[t.Node.ID] = entry{0, "", t.Node}
		return nil
	})
	if err != nil {
		return r, err
	}
	r.TrashItems = len(trash)

	users := map[string]int64{}
	refs := map[blob.Hash]int{} // the references found
	var platform int64
	// walk checks the subtree of folder id and returns its bytes.
	var walk func(id storage.NodeID) (int64, error)
	walk = func(id storage.NodeID) (int64, error) {
		var total int64
		for _, c := range children[id] {
			parent, name, err := e.pointer(c.rec.ID)
			switch {
			case err != nil:
				problem("node %d (%q in %d) has no pointer: %v", c.rec.ID, c.name, id, err)
			case parent != id || name != c.name:
				problem("node %d is %q in %d but its pointer says %q in %d", c.rec.ID, c.name, id, name, parent)
			}
			if v, err := e.meta.Get(guidKey(c.rec.GUID)); err != nil || binary.BigEndian.Uint64(v) != uint64(c.rec.ID) {
				problem("node %d: GUID index missing or wrong", c.rec.ID)
			}
			if c.rec.Dir {
				r.Folders++
				n, err := walk(c.rec.ID)
				if err != nil {
					return 0, err
				}
				total += n
				continue
			}
			r.Files++
			n, err := e.verifyFile(c.rec, users, refs, problem)
			if err != nil {
				return 0, err
			}
			r.Versions += c.rec.NVers
			platform += n
			total += n
		}
		if id != rootID {
			if got, err := e.meta.Counter(folderUsageKey(id)); err != nil {
				return 0, err
			} else if got != total {
				problem("folder %d: usage counter %d, contents %d bytes", id, got, total)
			}
		}
		return total, ctx.Err()
	}
	inTree, err := walk(rootID)
	if err != nil {
		return r, err
	}
	if got, err := e.meta.Counter(folderUsageKey(rootID)); err != nil {
		return r, err
	} else if got != inTree {
		problem("the top: usage counter %d, contents %d bytes", got, inTree)
	}
	for _, t := range trash {
		if parent, _, err := e.pointer(t.Node.ID); err != nil || parent != 0 {
			problem("trash item %d: node %d is not marked as trashed", t.ID, t.Node.ID)
		}
		if !t.Node.Dir {
			n, err := e.verifyFile(t.Node, users, refs, problem)
			if err != nil {
				return r, err
			}
			platform += n
			continue
		}
		if _, err := walk(t.Node.ID); err != nil { // counts its files, checks its counter
			return r, err
		}
	}
	for parent := range children {
		if en, ok := nodes[parent]; parent != rootID && (!ok || !en.rec.Dir) {
			problem("entries hang under %d, which is not a folder", parent)
		}
	}
	if got, err := e.meta.Counter(keyPlatformUsage); err != nil {
		return r, err
	} else if got != platform {
		problem("platform usage counter %d, versions hold %d bytes", got, platform)
	}
	for user, want := range users {
		if got, err := e.meta.Counter(userUsageKey(user)); err != nil {
			return r, err
		} else if got != want {
			problem("user %s: usage counter %d, their versions hold %d bytes", user, got, want)
		}
	}
	if err := e.verifyUploads(ctx, &r, refs, problem); err != nil {
		return r, err
	}
	hs := slices.SortedFunc(maps.Keys(refs), func(a, b blob.Hash) int { return bytes.Compare(a[:], b[:]) })
	for _, h := range hs {
		got, err := e.blob.Refs(h)
		if err != nil && !storage.Is(storage.NotFound, err) {
			return r, err
		}
		if want := refs[h]; got != want {
			problem("content %x: reference count %d, versions and uploads hold %d", h[:8], got, want)
		}
	}
	return r, nil
}

// verifyUploads checks that every part record belongs to an upload, counts
// in refs the references the parts hold, and the uploads and parts in r.
func (e *Engine) verifyUploads(ctx context.Context, r *Report, refs map[blob.Hash]int, problem func(string, ...any)) error {
	ups := map[string]bool{}
	err := e.meta.ScanPrefix(prefixUpload, nil, func(k, v []byte) error {
		up, err := decodeUpload(v)
		if err != nil {
			return err
		}
		if id := k[len(prefixUpload):]; up.ID != hex.EncodeToString(id) {
			problem("upload %x: its record says it is %s", id, up.ID)
		}
		ups[string(k[len(prefixUpload):])] = true
		r.Uploads++
		return ctx.Err()
	})
	if err != nil {
		return err
	}
	return e.meta.ScanPrefix(prefixUploadPart, nil, func(k, v []byte) error {
		p, err := decodeUploadPart(v)
		if err != nil {
			return err
		}
		key := k[len(prefixUploadPart):]
		if len(key) != uploadIDLen+4 || !ups[string(key[:uploadIDLen])] {
			problem("part record %x belongs to no upload", key)
		} else if n := int(binary.BigEndian.Uint32(key[uploadIDLen:])); n != p.Number {
			problem("upload %x: part %d's record says it is part %d", key[:uploadIDLen], n, p.Number)
		}
		refs[p.hash()]++
		r.Parts++
		return ctx.Err()
	})
}

// verifyFile checks a file's versions against its record, counts in refs the
// references they hold, and returns their bytes.
func (e *Engine) verifyFile(rec *node, users map[string]int64, refs map[blob.Hash]int, problem func(string, ...any)) (int64, error) {
	vs, err := e.versions(rec.ID)
	if err != nil {
		return 0, err
	}
	var total int64
	for _, v := range vs {
		total += v.Size
		users[v.AuthorID] += v.Size
		for _, h := range v.hashes() {
			refs[h]++
		}
	}
	switch {
	case len(vs) != rec.NVers:
		problem("file %d: record says %d versions, %d stored", rec.ID, rec.NVers, len(vs))
	case len(vs) == 0:
		problem("file %d has no version", rec.ID)
	case rec.Cur == nil || rec.Cur.ID != vs[0].ID:
		problem("file %d: current version is not the newest stored", rec.ID)
	}
	if total != rec.Stored {
		problem("file %d: record says %d bytes stored, versions hold %d", rec.ID, rec.Stored, total)
	}
	return total, nil
}
