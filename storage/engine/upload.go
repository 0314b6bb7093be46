package engine

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"coffre/storage"
	"coffre/storage/blob"
	"coffre/storage/meta"
)

// Multipart uploads. An upload is one record, plus one record per part,
// keyed by the upload's random ID:
//
//	u/u/<upload id, 16 bytes>                           upload record (JSON)
//	u/p/<upload id, 16 bytes><part number, 4 bytes>     part record (JSON)
//
// Each part record holds one reference to its content, taken in the batch
// that writes the record; replacing a part releases the old one's. Completing
// makes one new version in one batch: the version takes a reference to each
// listed part while the upload's records go and release theirs, so listed
// parts keep one reference and the others are freed.
//
// An upload follows its folder by ID across moves and renames: the file it
// writes is its name in that folder, wherever the folder is by then. Parts
// count against no quota while the upload is in progress; completion checks
// the room for the whole content, as Put does. Uploads are few and short-lived
// (Run aborts those older than Options.UploadExpiry), so listing them scans
// u/u/.

var (
	prefixUpload     = []byte("u/u/")
	prefixUploadPart = []byte("u/p/")
)

// evUploadAbort is the audit event of an aborted or expired upload; a
// completed one is an upload (evUpload) like a Put.
const evUploadAbort = "upload_abort"

const uploadIDLen = 16

func uploadKey(id []byte) []byte { return append(append([]byte(nil), prefixUpload...), id...) }

func partPrefix(id []byte) []byte { return append(append([]byte(nil), prefixUploadPart...), id...) }

func partKey(id []byte, number int) []byte {
	return binary.BigEndian.AppendUint32(partPrefix(id), uint32(number))
}

// uploadEntry is the stripe of e.uploads that serialises changes to one upload.
func uploadEntry(id []byte) entry { return entry{0, string(id)} }

// upload is the record stored at u/u/<id>.
type upload struct {
	ID        string            `json:"id"`     // hex of the 16 bytes of its keys
	Folder    storage.NodeID    `json:"folder"` // the folder of the file, followed across moves
	Names     []string          `json:"names"`  // the file's path when the upload started
	UserID    string            `json:"uid"`
	Login     string            `json:"login,omitempty"`
	Initiated int64             `json:"init"` // Unix nanoseconds
	Meta      map[string]string `json:"meta,omitempty"`
}

func (u *upload) name() string { return u.Names[len(u.Names)-1] }

// uploadPart is the record stored at u/p/<id><number>.
type uploadPart struct {
	Number  int    `json:"n"`
	Size    int64  `json:"size"`
	MD5     []byte `json:"md5"`  // 16 bytes
	Hash    []byte `json:"hash"` // blob.Hash
	ModTime int64  `json:"mtime"`
}

func (p *uploadPart) hash() (h blob.Hash) { copy(h[:], p.Hash); return h }

func (p *uploadPart) public() storage.Part {
	out := storage.Part{Number: p.Number, Size: p.Size, ModTime: time.Unix(0, p.ModTime).UTC()}
	copy(out.MD5[:], p.MD5)
	return out
}

func decodeUpload(b []byte) (*upload, error) {
	u := new(upload)
	if err := json.Unmarshal(b, u); err != nil || len(u.Names) == 0 {
		return nil, fmt.Errorf("engine: bad upload record: %v", err)
	}
	return u, nil
}

func decodeUploadPart(b []byte) (*uploadPart, error) {
	p := new(uploadPart)
	if err := json.Unmarshal(b, p); err != nil {
		return nil, fmt.Errorf("engine: bad upload part record: %w", err)
	}
	return p, nil
}

// readUpload reads the record of upload id: NotFound if there is none.
func (e *Engine) readUpload(id []byte) (*upload, error) {
	v, err := e.meta.Get(uploadKey(id))
	if errors.Is(err, meta.ErrNotFound) {
		return nil, storage.Errorf("upload", storage.NotFound, "", "no upload %x", id)
	}
	if err != nil {
		return nil, err
	}
	return decodeUpload(v)
}

// uploadParts reads the part records of upload id, by number.
func (e *Engine) uploadParts(id []byte) ([]*uploadPart, error) {
	var out []*uploadPart
	err := e.meta.ScanPrefix(partPrefix(id), nil, func(_, v []byte) error {
		p, err := decodeUploadPart(v)
		if err != nil {
			return err
		}
		out = append(out, p)
		return nil
	})
	return out, err
}

// loadUpload reads the upload id as the caller may see it: their own, or
// any for an administrator; NotFound otherwise.
func (n *namespace) loadUpload(op, id string) (*upload, []byte, error) {
	if err := n.authenticated(op, ""); err != nil {
		return nil, nil, err
	}
	notFound := storage.Errorf(op, storage.NotFound, "", "no upload %q", id)
	raw, err := hex.DecodeString(id)
	if err != nil || len(raw) != uploadIDLen {
		return nil, nil, notFound
	}
	up, err := n.e.readUpload(raw)
	if storage.Is(storage.NotFound, err) {
		return nil, nil, notFound
	}
	if err != nil {
		return nil, nil, metaErr(op, "", err)
	}
	if up.UserID != n.p.UserID && !n.p.Admin {
		return nil, nil, notFound
	}
	return up, raw, nil
}

// uploadPath is the path of the file an upload writes: its name in its
// folder where the folder is now, or where it was when the upload started
// if the caller no longer sees the folder.
func (n *namespace) uploadPath(up *upload) string {
	if dir, err := n.e.pathOf(up.Folder); err == nil {
		if _, err := n.lookupNames("upload", dir); err == nil {
			return storage.JoinPath(append(dir, up.name())...)
		}
	}
	return storage.JoinPath(up.Names...)
}

func (n *namespace) publicUpload(up *upload) storage.Upload {
	return storage.Upload{
		ID: up.ID, Path: n.uploadPath(up), UserID: up.UserID, Login: up.Login,
		Initiated: time.Unix(0, up.Initiated).UTC(), Meta: up.Meta,
	}
}

func (n *namespace) CreateUpload(ctx context.Context, path string, opt storage.PutOptions) (storage.Upload, error) {
	const op = "create upload"
	if err := n.authenticated(op, path); err != nil {
		return storage.Upload{}, err
	}
	if err := checkMeta(op, path, opt.Meta); err != nil {
		return storage.Upload{}, err
	}
	dir, name, err := splitFileParent(op, path)
	if err != nil {
		return storage.Upload{}, err
	}
	parent, err := n.precheck(op, dir, name, opt)
	if err != nil {
		return storage.Upload{}, err
	}
	raw := make([]byte, uploadIDLen)
	_, _ = rand.Read(raw) // crypto/rand never fails on supported platforms
	var m map[string]string
	if len(opt.Meta) > 0 {
		m = maps.Clone(opt.Meta)
	}
	up := &upload{
		ID: hex.EncodeToString(raw), Folder: parent.id(), Names: append(dir[:len(dir):len(dir)], name),
		UserID: n.p.UserID, Login: n.p.Login, Initiated: n.e.now().UnixNano(), Meta: m,
	}
	b := n.e.meta.NewBatch()
	b.Set(uploadKey(raw), encode(up))
	if err := b.Commit(); err != nil {
		return storage.Upload{}, metaErr(op, path, err)
	}
	return n.publicUpload(up), nil
}

func (n *namespace) UploadPart(ctx context.Context, id string, number int, r io.Reader, opt storage.PutOptions) (storage.Part, error) {
	const op = "upload part"
	up, raw, err := n.loadUpload(op, id)
	if err != nil {
		return storage.Part{}, err
	}
	path := storage.JoinPath(up.Names...)
	if number < 1 || number > storage.MaxParts {
		return storage.Part{}, storage.Errorf(op, storage.Invalid, path, "part number %d is not between 1 and %d", number, storage.MaxParts)
	}
	e := n.e
	p, err := e.blob.Write(ctx, r, opt.Size)
	if err != nil {
		return storage.Part{}, storage.E(op, storage.KindOf(err), path, err)
	}
	if err := checkSums(opt, p); err != nil {
		p.Discard()
		return storage.Part{}, storage.E(op, storage.Invalid, path, fmt.Errorf("part %d: %w", number, err))
	}
	part := &uploadPart{Number: number, Size: p.Size, MD5: p.MD5[:], Hash: p.Hash[:], ModTime: e.now().UnixNano()}
	if err := e.putPart(raw, part, p); err != nil {
		p.Discard()
		return storage.Part{}, storage.E(op, storage.KindOf(err), path, err)
	}
	return part.public(), nil
}

// putPart records part of upload id, whose content p was just written,
// replacing any part of the same number. Only this commit runs under the
// upload's lock: parts stream concurrently.
func (e *Engine) putPart(id []byte, part *uploadPart, p *blob.Pending) error {
	defer e.uploads.lock(uploadEntry(id))()
	if _, err := e.readUpload(id); err != nil { // completed or aborted meanwhile
		return err
	}
	deltas := map[blob.Hash]int{}
	switch v, err := e.meta.Get(partKey(id, part.Number)); {
	case err == nil:
		old, err := decodeUploadPart(v)
		if err != nil {
			return err
		}
		deltas[old.hash()]--
	case !errors.Is(err, meta.ErrNotFound):
		return err
	}
	b := e.meta.NewBatch()
	b.Set(partKey(id, part.Number), encode(part))
	return e.commit(b, []*blob.Pending{p}, deltas)
}

func (n *namespace) Upload(ctx context.Context, id string) (storage.Upload, error) {
	up, _, err := n.loadUpload("upload", id)
	if err != nil {
		return storage.Upload{}, err
	}
	return n.publicUpload(up), nil
}

func (n *namespace) Uploads(ctx context.Context, path string) ([]storage.Upload, error) {
	const op = "uploads"
	f, err := n.lookup(op, path)
	if err != nil {
		return nil, err
	}
	if !f.node.Dir {
		return nil, storage.Errorf(op, storage.Conflict, path, "not a folder")
	}
	var ups []*upload
	err = n.e.meta.ScanPrefix(prefixUpload, nil, func(_, v []byte) error {
		up, err := decodeUpload(v)
		if err != nil {
			return err
		}
		if up.UserID == n.p.UserID || n.p.Admin {
			ups = append(ups, up)
		}
		return ctx.Err()
	})
	if err != nil {
		return nil, metaErr(op, path, err)
	}
	below := strings.TrimSuffix(f.path(), "/") + "/"
	out := []storage.Upload{}
	for _, up := range ups {
		if u := n.publicUpload(up); strings.HasPrefix(u.Path, below) {
			out = append(out, u)
		}
	}
	slices.SortFunc(out, func(a, b storage.Upload) int {
		if c := strings.Compare(a.Path, b.Path); c != 0 {
			return c
		}
		if c := a.Initiated.Compare(b.Initiated); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

func (n *namespace) Parts(ctx context.Context, id string) ([]storage.Part, error) {
	const op = "parts"
	up, raw, err := n.loadUpload(op, id)
	if err != nil {
		return nil, err
	}
	parts, err := n.e.uploadParts(raw)
	if err != nil {
		return nil, metaErr(op, storage.JoinPath(up.Names...), err)
	}
	out := make([]storage.Part, len(parts))
	for i, p := range parts {
		out[i] = p.public()
	}
	return out, nil
}

// CompleteUpload checks the list, then adds the version through addVersion,
// which applies the checks of a Put (rights, locks, conditions, quotas)
// under the folder's locks; opt.ModTime applies too. The upload's lock is
// held throughout, so that no part changes and no other completion or abort
// runs meanwhile.
func (n *namespace) CompleteUpload(ctx context.Context, id string, parts []storage.Part, opt storage.PutOptions) (storage.Info, error) {
	const op = "complete upload"
	up, raw, err := n.loadUpload(op, id)
	if err != nil {
		return storage.Info{}, err
	}
	path := storage.JoinPath(up.Names...)
	if len(parts) == 0 {
		return storage.Info{}, storage.Errorf(op, storage.Invalid, path, "an upload completes with at least one part")
	}
	for i, p := range parts {
		if p.Number < 1 || p.Number > storage.MaxParts {
			return storage.Info{}, storage.Errorf(op, storage.Invalid, path, "part number %d is not between 1 and %d", p.Number, storage.MaxParts)
		}
		if i > 0 && p.Number <= parts[i-1].Number {
			return storage.Info{}, storage.Errorf(op, storage.Invalid, path, "parts must be listed once each in ascending order of number: part %d follows part %d", p.Number, parts[i-1].Number)
		}
	}
	e := n.e
	defer e.uploads.lock(uploadEntry(raw))()
	if _, err := e.readUpload(raw); err != nil { // completed or aborted meanwhile
		return storage.Info{}, storage.E(op, storage.KindOf(err), path, err)
	}
	stored, err := e.uploadParts(raw)
	if err != nil {
		return storage.Info{}, metaErr(op, path, err)
	}
	byNumber := make(map[int]*uploadPart, len(stored))
	for _, p := range stored {
		byNumber[p.Number] = p
	}
	c := content{meta: up.Meta, parts: make([]partRef, 0, len(parts))}
	sums := make([]byte, 0, md5.Size*len(parts))
	for _, p := range parts {
		sp := byNumber[p.Number]
		if sp == nil {
			return storage.Info{}, storage.Errorf(op, storage.Invalid, path, "part %d was not uploaded", p.Number)
		}
		if !bytes.Equal(sp.MD5, p.MD5[:]) {
			return storage.Info{}, storage.Errorf(op, storage.Invalid, path, "part %d: MD5 %x does not match the uploaded part's %x", p.Number, p.MD5, sp.MD5)
		}
		c.parts = append(c.parts, partRef{Hash: sp.Hash, Size: sp.Size})
		c.size += sp.Size
		sums = append(sums, sp.MD5...)
	}
	c.md5 = md5.Sum(sums) // as S3 computes the ETag of a multipart upload
	if opt.WholeMD5 {
		sum, err := e.wholeMD5(ctx, c.parts)
		if err != nil {
			return storage.Info{}, storage.E(op, storage.KindOf(err), path, err)
		}
		if opt.MD5 != nil && !bytes.Equal(opt.MD5, sum[:]) {
			return storage.Info{}, storage.Errorf(op, storage.Invalid, path, "the content's MD5 %x is not the expected %x", sum, opt.MD5)
		}
		c.md5, c.whole = sum, true
	}
	c.also = func(b *meta.Batch, parent found, deltas map[blob.Hash]int) error {
		if parent.id() != up.Folder {
			return storage.Errorf(op, storage.Conflict, path, "the upload's folder moved meanwhile; retry")
		}
		dropUpload(b, raw, stored, deltas)
		return nil
	}
	dir, err := e.pathOf(up.Folder)
	if storage.Is(storage.NotFound, err) {
		return storage.Info{}, storage.Errorf(op, storage.NotFound, path, "the upload's folder is gone")
	}
	if err != nil {
		return storage.Info{}, metaErr(op, path, err)
	}
	return n.addVersion(op, dir, up.name(), storage.PutOptions{IfMatch: opt.IfMatch, IfNoneMatch: opt.IfNoneMatch, ModTime: opt.ModTime}, c)
}

// wholeMD5 reads content assembled from parts once and returns its MD5.
func (e *Engine) wholeMD5(ctx context.Context, parts []partRef) ([16]byte, error) {
	o, err := e.openParts(ctx, parts, storage.Info{})
	if err != nil {
		return [16]byte{}, err
	}
	defer o.Close()
	h := md5.New()
	if _, err := io.CopyBuffer(h, io.NewSectionReader(o, 0, o.size), make([]byte, 1<<20)); err != nil {
		return [16]byte{}, err
	}
	return [16]byte(h.Sum(nil)), nil
}

// dropUpload adds to b the removal of upload id's records, and counts in
// deltas the references its parts drop.
func dropUpload(b *meta.Batch, id []byte, parts []*uploadPart, deltas map[blob.Hash]int) {
	b.Delete(uploadKey(id))
	for _, p := range parts {
		b.Delete(partKey(id, p.Number))
		deltas[p.hash()]--
	}
}

func (n *namespace) AbortUpload(ctx context.Context, id string) error {
	const op = "abort upload"
	up, raw, err := n.loadUpload(op, id)
	if err != nil {
		return err
	}
	path := n.uploadPath(up)
	err = n.e.abortUpload(raw, func(b *meta.Batch) { n.log(b, evUploadAbort, 0, false, path, "upload "+id) })
	if err != nil {
		return storage.E(op, storage.KindOf(err), path, err)
	}
	return nil
}

// abortUpload drops upload id and its parts in one batch, to which log adds
// the audit entry. NotFound if it is gone already.
func (e *Engine) abortUpload(id []byte, log func(*meta.Batch)) error {
	defer e.uploads.lock(uploadEntry(id))()
	if _, err := e.readUpload(id); err != nil {
		return err
	}
	parts, err := e.uploadParts(id)
	if err != nil {
		return err
	}
	b := e.meta.NewBatch()
	deltas := map[blob.Hash]int{}
	dropUpload(b, id, parts, deltas)
	log(b)
	return e.commit(b, nil, deltas)
}

// expireUploads aborts the uploads started before the given time, for the
// maintenance pass. It returns how many it aborted.
func (e *Engine) expireUploads(ctx context.Context, before time.Time) (int, error) {
	var old []*upload
	err := e.meta.ScanPrefix(prefixUpload, nil, func(_, v []byte) error {
		up, err := decodeUpload(v)
		if err != nil {
			return err
		}
		if up.Initiated < before.UnixNano() {
			old = append(old, up)
		}
		return ctx.Err()
	})
	if err != nil {
		return 0, err
	}
	system := &namespace{e: e, p: storage.Principal{Login: "system", Protocol: "engine"}}
	count := 0
	for _, up := range old {
		raw, err := hex.DecodeString(up.ID)
		if err != nil {
			return count, fmt.Errorf("engine: bad upload ID %q", up.ID)
		}
		err = e.abortUpload(raw, func(b *meta.Batch) {
			system.log(b, evUploadAbort, 0, false, storage.JoinPath(up.Names...), "upload "+up.ID+" expired")
		})
		switch {
		case err == nil:
			count++
		case !storage.Is(storage.NotFound, err): // NotFound: completed or aborted meanwhile
			return count, err
		}
	}
	return count, nil
}
