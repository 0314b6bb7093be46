package shares

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"path"
	"strconv"
	"strings"

	"coffre/storage"
	"coffre/storage/meta"
)

// Visitor is who opens a link: an outsider, known by address and browser.
type Visitor struct {
	IP        string // "192.0.2.7"
	UserAgent string
	Protocol  string // "web" for pages and /s/ routes, "rest" for the /api/ link routes
	RequestID string // the request's ID, for the storage's log lines
	// Acting says that the request downloads or uploads, which is audited
	// on its own (share_link_download, share_link_upload): its opening of
	// the link is then no access entry besides (a refusal still is).
	Acting bool
}

// Visit is a link opened by a visitor. Until the password and the consent
// a link requires are given (Unlock or UseAccessToken, AcceptConsent or
// UseConsentToken), it tells only what Link says; then it lists, downloads
// and takes uploads within the link's targets.
type Visit struct {
	Link                Link
	s                   *Store
	v                   Visitor
	p                   storage.Principal // for audit entries
	roots               []root
	unlocked, consented bool
}

// root is one target as the visit reaches it.
type root struct {
	id     storage.NodeID
	file   bool
	path   string            // where the target was when the visit began
	rights storage.Rights    // the most the visit may do there
	ns     storage.Namespace // confined to the target (a file's: to its folder)
}

// holds reports whether info is the target or below it; the folders above
// a target are visible to its namespace (to reach it), not to the visit.
func (r root) holds(info storage.Info) bool {
	if info.ID == r.id {
		return true
	}
	return !r.file && strings.HasPrefix(info.Path, r.path+"/")
}

// Open finds the link whose key this is and opens it for v. An unknown key
// is NotFound (ErrUnknown); a link that serves nothing any more fails with
// Unavailable wrapping ErrDisabled, ErrExpired, ErrExhausted or ErrRevoked
// (see Gone); an address outside the link's list is Permission
// (ErrAddress). Every opening is an audit entry, successful or not.
func (s *Store) Open(ctx context.Context, key string, v Visitor) (*Visit, error) {
	const op = "open link"
	r, err := s.byKey(key)
	if err != nil {
		return nil, err
	}
	vis := &Visit{Link: r.Link, s: s, v: v, p: s.visitorPrincipal(r.Link, v)}
	if err := vis.admit(); err != nil {
		vis.record("share_link_access", false, 0, err.Error())
		return nil, storage.E(op, kindOf(err), "", err)
	}
	if err := vis.reach(ctx); err != nil {
		vis.record("share_link_access", false, 0, err.Error())
		return nil, err
	}
	vis.unlocked = !r.HasPassword
	vis.consented = !r.Consent
	typ := "share_link_access"
	if v.Acting {
		typ = ""
	}
	if err := s.log(r.ID, vis, typ, "access", 0, ""); err != nil {
		return nil, err
	}
	return vis, nil
}

func kindOf(err error) storage.Kind {
	if errors.Is(err, ErrAddress) {
		return storage.Permission
	}
	return storage.Unavailable
}

// byKey finds the link of a key.
func (s *Store) byKey(key string) (*record, error) {
	const op = "open link"
	unknown := storage.E(op, storage.NotFound, "", ErrUnknown)
	if len(key) != 64 {
		return nil, unknown
	}
	hash := sha256.Sum256([]byte(key))
	v, err := s.m.Get(cat(prefixKey, hash[:]))
	if errors.Is(err, meta.ErrNotFound) {
		return nil, unknown
	}
	if err != nil {
		return nil, storage.E(op, storage.Unavailable, "", err)
	}
	if len(v) != 8 {
		return nil, storage.Errorf(op, storage.Corrupt, "", "bad key index")
	}
	r, err := s.load(op, binary.BigEndian.Uint64(v))
	if err != nil {
		return nil, err
	}
	if subtle.ConstantTimeCompare(r.KeyHash, hash[:]) != 1 {
		return nil, unknown
	}
	return r, nil
}

// visitorPrincipal is the principal a visit's audit entries name.
func (s *Store) visitorPrincipal(l Link, v Visitor) storage.Principal {
	id := "share:" + strconv.FormatUint(l.ID, 10)
	proto := v.Protocol
	if proto == "" {
		proto = "web"
	}
	return storage.Principal{UserID: id, Login: id, IP: v.IP, UserAgent: v.UserAgent, Protocol: proto, RequestID: v.RequestID}
}

// admit checks the link's state and the visitor's address.
func (vis *Visit) admit() error {
	if err := vis.Link.Valid(vis.s.now()); err != nil {
		return err
	}
	if len(vis.Link.AllowedIPs) == 0 {
		return nil
	}
	a, err := netip.ParseAddr(vis.v.IP)
	if err != nil {
		return ErrAddress
	}
	a = a.Unmap()
	for _, p := range vis.Link.AllowedIPs {
		if p.Contains(a) {
			return nil
		}
	}
	return ErrAddress
}

// reach binds the visit to each target the owner may still share, with the
// rights the link grants bounded by the owner's there.
func (vis *Visit) reach(ctx context.Context) error {
	const op = "open link"
	s, l := vis.s, vis.Link
	owner, err := s.opts.Owner(ctx, l.OwnerID)
	if storage.Is(storage.NotFound, err) || storage.Is(storage.Unauthenticated, err) {
		return storage.E(op, storage.Unavailable, "", ErrRevoked)
	}
	if err != nil {
		return err
	}
	ons := s.opts.Service.As(owner)
	for _, id := range l.Targets {
		info, err := ons.StatID(ctx, id)
		if storage.Is(storage.NotFound, err) {
			continue // gone, or no longer visible to its owner
		}
		if err != nil {
			return err
		}
		if !info.Rights.Has(storage.Share) {
			continue
		}
		p := vis.p
		p.Max = l.rights() & info.Rights
		p.Root = info.ID
		if !info.Dir {
			p.Root = info.ParentID
		}
		if p.Max == 0 {
			continue
		}
		vis.roots = append(vis.roots, root{id: info.ID, file: !info.Dir, path: info.Path, rights: p.Max, ns: s.opts.Service.As(p)})
	}
	if len(vis.roots) == 0 {
		return storage.E(op, storage.Unavailable, "", ErrRevoked)
	}
	return nil
}

// NeedsPassword and NeedsConsent say what the visit still lacks.
func (vis *Visit) NeedsPassword() bool { return !vis.unlocked }
func (vis *Visit) NeedsConsent() bool  { return !vis.consented }

// Unlock checks the link's password, with the logins' back-off per link and
// address, and returns an access token that opens the link for AccessTTL
// without the password. A wrong password is Unauthenticated (and an audit
// entry); during a back-off, Unavailable with an auth.RetryError.
func (vis *Visit) Unlock(ctx context.Context, password string) (string, error) {
	s, l := vis.s, vis.Link
	if !l.HasPassword {
		vis.unlocked = true
		return "", nil
	}
	r, err := s.load("check link password", l.ID)
	if err != nil {
		return "", err
	}
	if err := s.opts.Passwords.CheckPassword(ctx, vis.p.UserID, password, r.Password, vis.v.IP); err != nil {
		if storage.Is(storage.Unauthenticated, err) {
			if lerr := s.log(l.ID, vis, "share_link_access", "password_failure", 0, "wrong password"); lerr != nil {
				return "", lerr
			}
		}
		return "", err
	}
	vis.unlocked = true
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.m.NewBatch()
	token := s.issue(b, l.ID, tokenAccess, 0, AccessTTL)
	return token, s.commit("check link password", b, nil)
}

// UseAccessToken unlocks the visit with a token Unlock returned.
func (vis *Visit) UseAccessToken(token string) bool {
	if vis.unlocked {
		return true
	}
	vis.unlocked = vis.s.redeem(token, vis.Link.ID, tokenAccess, 0)
	return vis.unlocked
}

// AcceptConsent records that the visitor accepted the link's consent text
// (who, when, which version: an audit entry consent_accepted) and returns a
// token that stands for it.
func (vis *Visit) AcceptConsent(ctx context.Context) (string, error) {
	s, l := vis.s, vis.Link
	if !l.Consent {
		vis.consented = true
		return "", nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.m.NewBatch()
	token := s.issue(b, l.ID, tokenConsent, l.ConsentVer, ConsentTTL)
	s.event(b, l.ID, vis.v, "consent", 0)
	e := s.entry(vis.p, "consent_accepted", true, l, fmt.Sprintf("consent text version %d", l.ConsentVer))
	if err := s.commit("accept consent", b, &e); err != nil {
		return "", err
	}
	vis.consented = true
	return token, nil
}

// UseConsentToken marks the consent as given with a token AcceptConsent
// returned for the current version of the text.
func (vis *Visit) UseConsentToken(token string) bool {
	if vis.consented {
		return true
	}
	vis.consented = vis.s.redeem(token, vis.Link.ID, tokenConsent, vis.Link.ConsentVer)
	return vis.consented
}

// ready fails unless the password and the consent are given.
func (vis *Visit) ready(op string) error {
	switch {
	case !vis.consented:
		return storage.E(op, storage.Permission, "", ErrConsent)
	case !vis.unlocked:
		return storage.E(op, storage.Unauthenticated, "", ErrPassword)
	}
	return nil
}

// Roots describes the link's targets as the visitor sees them; for a file
// pinned to a version, that version's size, hash and date.
func (vis *Visit) Roots(ctx context.Context) ([]storage.Info, error) {
	if err := vis.ready("list link"); err != nil {
		return nil, err
	}
	var out []storage.Info
	for _, r := range vis.roots {
		info, err := vis.stat(ctx, r, r.id)
		if storage.Is(storage.NotFound, err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, info)
	}
	return out, nil
}

// stat describes id within root r, or NotFound.
func (vis *Visit) stat(ctx context.Context, r root, id storage.NodeID) (storage.Info, error) {
	if r.file && id != r.id {
		return storage.Info{}, storage.E("stat", storage.NotFound, "", nil)
	}
	info, err := r.ns.StatID(ctx, id)
	if err == nil && !r.holds(info) {
		err = storage.E("stat", storage.NotFound, "", nil)
	}
	if err != nil || info.Dir {
		return info, err
	}
	if v, ok := vis.Link.Pinned[id]; ok && !vis.Link.AutoUpdate {
		vs, err := r.ns.Versions(ctx, info.Path)
		if err != nil {
			return storage.Info{}, err
		}
		for _, ver := range vs {
			if ver.ID == v {
				info.VersionID, info.Size, info.MD5, info.ModTime, info.Parts, info.Meta = ver.ID, ver.Size, ver.MD5, ver.ModTime, ver.Parts, ver.Meta
				return info, nil
			}
		}
		return storage.Info{}, storage.Errorf("stat", storage.NotFound, "", "the shared version is gone")
	}
	return info, nil
}

// find locates id in the link: the root it is under and its description.
func (vis *Visit) find(ctx context.Context, id storage.NodeID) (root, storage.Info, error) {
	for _, r := range vis.roots {
		info, err := vis.stat(ctx, r, id)
		if err == nil {
			return r, info, nil
		}
		if !storage.Is(storage.NotFound, err) {
			return root{}, storage.Info{}, err
		}
	}
	return root{}, storage.Info{}, storage.E("stat", storage.NotFound, "", nil)
}

// Stat describes a file or folder of the link.
func (vis *Visit) Stat(ctx context.Context, id storage.NodeID) (storage.Info, error) {
	if err := vis.ready("stat"); err != nil {
		return storage.Info{}, err
	}
	_, info, err := vis.find(ctx, id)
	return info, err
}

// Rel is the path of info relative to the link's target it is under
// (the target itself is its name), for showing to the visitor: nothing of
// the folders above the link.
func (vis *Visit) Rel(ctx context.Context, info storage.Info) string {
	for _, r := range vis.roots {
		if r.id == info.ID {
			return info.Name
		}
		if rel, ok := strings.CutPrefix(info.Path, r.path+"/"); ok && !r.file {
			return path.Join(path.Base(r.path), rel)
		}
	}
	return info.Name
}

// List returns one page of a folder of the link.
func (vis *Visit) List(ctx context.Context, folder storage.NodeID, opt storage.ListOptions) (storage.Page, error) {
	if err := vis.ready("list link"); err != nil {
		return storage.Page{}, err
	}
	r, info, err := vis.find(ctx, folder)
	if err != nil {
		return storage.Page{}, err
	}
	if !info.Dir {
		return storage.Page{}, storage.Errorf("list link", storage.Conflict, "", "not a folder")
	}
	return r.ns.List(ctx, info.Path, opt)
}

// Download is one download allowed by a link: a file, or a folder's files
// in one archive. Take counts it.
type Download struct{ vis *Visit }

// Take counts one download against the link's maximum, atomically (ten
// parallel takes of a three-download link give exactly three), and records
// it for node (the file, or the folder of an archive) in the link's
// statistics. The audit entries are the namespace's, one per file opened
// (share_link_download). Exhausted links fail with ErrExhausted;
// preview-only links with Permission.
func (vis *Visit) Take(ctx context.Context, node storage.NodeID) (*Download, error) {
	const op = "download from link"
	if err := vis.ready(op); err != nil {
		return nil, err
	}
	if vis.Link.PreviewOnly || vis.Link.Kind == DepositLink {
		return nil, storage.Errorf(op, storage.Permission, "", "this link does not allow downloads")
	}
	if _, _, err := vis.find(ctx, node); err != nil {
		return nil, err
	}
	s := vis.s
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.load(op, vis.Link.ID)
	if err != nil {
		return nil, err
	}
	if err := r.Valid(s.now()); err != nil {
		return nil, storage.E(op, storage.Unavailable, "", err)
	}
	r.Downloads++
	b := s.m.NewBatch()
	s.save(b, r)
	s.event(b, r.ID, vis.v, "download", node)
	if err := s.commit(op, b, nil); err != nil {
		return nil, err
	}
	vis.Link = r.Link
	return &Download{vis: vis}, nil
}

// Open opens a file of the link for reading: the version shared.
func (d *Download) Open(ctx context.Context, file storage.NodeID) (storage.Object, error) {
	r, info, err := d.vis.find(ctx, file)
	if err != nil {
		return nil, err
	}
	if info.Dir {
		return nil, storage.Errorf("download from link", storage.Conflict, "", "a folder has no content")
	}
	if _, pinned := d.vis.Link.Pinned[file]; pinned && !d.vis.Link.AutoUpdate {
		return r.ns.OpenVersion(ctx, info.Path, info.VersionID)
	}
	return r.ns.Open(ctx, info.Path)
}

// List lists a folder for an archive of the download.
func (d *Download) List(ctx context.Context, folder storage.NodeID, opt storage.ListOptions) (storage.Page, error) {
	return d.vis.List(ctx, folder, opt)
}

// Upload stores r as a new file named name in a folder of the link (a
// deposit link's folder or below, a download link's folder when it allows
// uploads). The size, when known (size >= 0), and the bytes read may not
// exceed the link's upload limit (TooLarge). A name already taken gets a
// " (2)", " (3)" … suffix: a visitor never replaces a file.
func (vis *Visit) Upload(ctx context.Context, folder storage.NodeID, name string, r io.Reader, size int64) (storage.Info, error) {
	const op = "upload to link"
	if err := vis.ready(op); err != nil {
		return storage.Info{}, err
	}
	if vis.Link.Kind != DepositLink && !vis.Link.AllowUpload {
		return storage.Info{}, storage.Errorf(op, storage.Permission, "", "this link does not take uploads")
	}
	limit := vis.Link.uploadLimit()
	if size > limit {
		return storage.Info{}, storage.Errorf(op, storage.TooLarge, "", "a file sent through this link may not exceed %d bytes", limit)
	}
	rt, dir, err := vis.folderFor(ctx, folder)
	if err != nil {
		return storage.Info{}, err
	}
	if !rt.rights.Has(storage.Write) {
		return storage.Info{}, storage.Errorf(op, storage.Permission, "", "the link's owner may no longer write here")
	}
	body := &limited{r: r, left: limit}
	base, ext := splitExt(name)
	for n := 1; n <= 100; n++ {
		try := name
		if n > 1 {
			try = fmt.Sprintf("%s (%d)%s", base, n, ext)
		}
		info, err := rt.ns.Put(ctx, dir+"/"+try, body, storage.PutOptions{Size: size, IfNoneMatch: "*"})
		// The name is taken: by a file (Precondition; Permission when the
		// link cannot see it, since replacing needs Edit) or a folder.
		taken := storage.Is(storage.Precondition, err) || storage.Is(storage.Exists, err) ||
			storage.Is(storage.Conflict, err) || storage.Is(storage.Permission, err)
		if taken {
			if body.read > 0 {
				return storage.Info{}, err // the body is spent; nothing was stored
			}
			continue
		}
		if body.over {
			return storage.Info{}, storage.Errorf(op, storage.TooLarge, "", "a file sent through this link may not exceed %d bytes", limit)
		}
		if err != nil {
			return storage.Info{}, err
		}
		// The namespace audited the upload (share_link_upload).
		if lerr := vis.s.log(vis.Link.ID, vis, "", "upload", info.ID, info.Name); lerr != nil {
			return info, lerr
		}
		return info, nil
	}
	return storage.Info{}, storage.Errorf(op, storage.Exists, "", "too many files are named %q here", name)
}

// folderFor finds the folder id of the link to upload into (for a deposit
// link, 0 means its folder), and its path.
func (vis *Visit) folderFor(ctx context.Context, id storage.NodeID) (root, string, error) {
	if id == 0 && len(vis.roots) == 1 {
		id = vis.roots[0].id
	}
	for _, r := range vis.roots {
		if r.file {
			continue
		}
		info, err := r.ns.StatID(ctx, id)
		if err == nil && info.Dir && r.holds(info) {
			return r, info.Path, nil
		}
		if err != nil && !storage.Is(storage.NotFound, err) {
			return root{}, "", err
		}
	}
	return root{}, "", storage.E("upload to link", storage.NotFound, "", nil)
}

// splitExt splits "a.tar.gz" into "a.tar" and ".gz" (a leading dot is no
// extension).
func splitExt(name string) (string, string) {
	i := strings.LastIndexByte(name, '.')
	if i <= 0 {
		return name, ""
	}
	return name[:i], name[i:]
}

// limited reads at most left bytes, then fails (over).
type limited struct {
	r          io.Reader
	left, read int64
	over       bool
}

var errOverLimit = errors.New("upload over the link's limit")

func (l *limited) Read(p []byte) (int, error) {
	if l.left <= 0 {
		// One more byte tells a body of exactly the limit from a longer one.
		var one [1]byte
		if n, _ := l.r.Read(one[:]); n > 0 {
			l.over = true
			return 0, errOverLimit
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	l.read += int64(n)
	return n, err
}

// log records an event of link id and, unless typ is "", its audit entry
// of type typ, in one batch.
func (s *Store) log(id uint64, vis *Visit, typ, action string, node storage.NodeID, detail string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.m.NewBatch()
	s.event(b, id, vis.v, action, node)
	if typ == "" {
		return s.commit(action, b, nil)
	}
	e := s.entry(vis.p, typ, action != "password_failure", vis.Link, detail)
	if node != 0 {
		e.ObjectID = uint64(node)
	}
	return s.commit(typ, b, &e)
}

// record records a refused opening in the audit log only.
func (vis *Visit) record(typ string, ok bool, node storage.NodeID, detail string) {
	if vis.s.opts.Audit == nil {
		return
	}
	e := vis.s.entry(vis.p, typ, ok, vis.Link, detail)
	_, _ = vis.s.opts.Audit.Record(e)
}
