package shares

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	"coffre/auth"
	"coffre/storage"
	"coffre/storage/audit"
	"coffre/storage/meta"
)

// Passwords hashes and checks link passwords; *auth.Service is one.
type Passwords interface {
	HashPassword(password string) (string, error)
	CheckPassword(ctx context.Context, key, password, encoded, ip string) error
}

// Options configures a Store. Service, Owner and Passwords are required.
type Options struct {
	// Service hands out the namespaces visits act through.
	Service storage.Service
	// Owner returns the principal of the user with this ID as it is now
	// (groups, administrator); NotFound when the account is gone,
	// Unauthenticated when it is disabled: its links then serve nothing.
	// auth.Service.ActivePrincipal is one.
	Owner func(ctx context.Context, userID string) (storage.Principal, error)
	// Passwords hashes and checks link passwords.
	Passwords Passwords
	// Audit receives the links' entries; nil records nothing.
	Audit *audit.Log
	// Geo locates an address for the statistics; nil: no geolocation.
	Geo func(ip string) (Geo, bool)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Store keeps the links. It is safe for concurrent use.
type Store struct {
	m    *meta.Store
	opts Options
	now  func() time.Time
	mu   sync.Mutex // serialises every change (links are few and changes rare, downloads included)
	last uint64     // the last ID handed out, under mu
}

// Key prefixes (see doc.go).
var (
	prefixLink   = []byte("w/l/")
	prefixKey    = []byte("w/k/")
	prefixOwner  = []byte("w/o/")
	prefixClient = []byte("w/c/")
	prefixEvent  = []byte("w/e/")
	prefixToken  = []byte("w/t/")
	keyLast      = []byte("w/s/last")
)

func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func linkKey(id uint64) []byte { return cat(prefixLink, u64(id)) }

func indexKey(prefix []byte, who string, id uint64) []byte {
	return cat(prefix, []byte(who), []byte{0}, u64(id))
}

// New opens the links kept in m.
func New(m *meta.Store, opts Options) (*Store, error) {
	if opts.Service == nil || opts.Owner == nil || opts.Passwords == nil {
		return nil, errors.New("shares: Options.Service, Owner and Passwords are required")
	}
	s := &Store{m: m, opts: opts, now: opts.Now}
	if s.now == nil {
		s.now = time.Now
	}
	v, err := m.Get(keyLast)
	switch {
	case errors.Is(err, meta.ErrNotFound):
	case err != nil:
		return nil, storage.E("open links", storage.Unavailable, "", err)
	case len(v) == 8:
		s.last = binary.BigEndian.Uint64(v)
	default:
		return nil, storage.Errorf("open links", storage.Corrupt, "", "bad last ID record")
	}
	return s, nil
}

// record is a link as stored.
type record struct {
	Link
	KeyHash  []byte `json:"key_hash"`
	Password string `json:"password,omitempty"` // PHC string of the password's Argon2id hash
}

// nextID hands out an ID; the batch records it. Under mu.
func (s *Store) nextID(b *meta.Batch) uint64 {
	s.last++
	b.Set(keyLast, u64(s.last))
	return s.last
}

// load reads link id.
func (s *Store) load(op string, id uint64) (*record, error) {
	v, err := s.m.Get(linkKey(id))
	if errors.Is(err, meta.ErrNotFound) {
		return nil, storage.E(op, storage.NotFound, "", ErrUnknown)
	}
	if err != nil {
		return nil, storage.E(op, storage.Unavailable, "", err)
	}
	r := new(record)
	if err := json.Unmarshal(v, r); err != nil {
		return nil, storage.E(op, storage.Corrupt, "", fmt.Errorf("link %d: %w", id, err))
	}
	return r, nil
}

func (s *Store) save(b *meta.Batch, r *record) {
	v, err := json.Marshal(r)
	if err != nil {
		panic(fmt.Sprintf("shares: encode link: %v", err)) // plain data only
	}
	b.Set(linkKey(r.ID), v)
}

// commit commits b with the audit entry e, when there is an audit log.
func (s *Store) commit(op string, b *meta.Batch, e *audit.Entry) error {
	if e != nil && s.opts.Audit != nil {
		s.opts.Audit.Add(b, *e)
	}
	if err := b.Commit(); err != nil {
		return storage.E(op, storage.Unavailable, "", err)
	}
	return nil
}

// NewLink describes a link to create.
type NewLink struct {
	Kind          Kind
	Name          string
	ClientID      string
	Targets       []storage.NodeID
	AllowUpload   bool
	PreviewOnly   bool
	ForceDownload bool
	AutoUpdate    bool
	Notify        bool
	Password      string    // "": none
	Expires       time.Time // zero: never
	MaxDownloads  int       // 0: unlimited
	AllowedIPs    []string  // addresses or CIDR prefixes; empty: any
	Consent       bool
	ConsentText   string
	UploadLimit   int64 // 0: DefaultUploadLimit
}

// Limits of a link's fields.
const (
	MaxName        = 200
	MaxConsentText = 20000
	MaxTargets     = 1000
	MaxAllowedIPs  = 100
)

// invalid returns an Invalid error naming field, explained in English (en)
// and in French (fr).
func invalid(op, field, en, fr string) error {
	return storage.E(op, storage.Invalid, "", &auth.FieldError{Field: field, Msg: en, MsgFr: fr})
}

// Create makes a link for the principal by, who must hold the Share right
// on every target (and Write on a deposit link's folder), and returns it
// with its key, which is never shown again.
func (s *Store) Create(ctx context.Context, by storage.Principal, in NewLink) (Link, string, error) {
	const op = "create link"
	if by.UserID == "" || by.Root != 0 {
		return Link{}, "", storage.Errorf(op, storage.Permission, "", "only users create links")
	}
	l := Link{
		Kind: in.Kind, Name: in.Name, OwnerID: by.UserID, ClientID: in.ClientID,
		AllowUpload: in.AllowUpload, PreviewOnly: in.PreviewOnly, ForceDownload: in.ForceDownload,
		AutoUpdate: in.AutoUpdate, Notify: in.Notify, Expires: in.Expires, MaxDownloads: in.MaxDownloads,
		Consent: in.Consent, ConsentText: in.ConsentText, UploadLimit: in.UploadLimit,
	}
	if l.Consent {
		l.ConsentVer = 1
	}
	var err error
	if l.AllowedIPs, err = parsePrefixes(op, in.AllowedIPs); err != nil {
		return Link{}, "", err
	}
	if err := s.check(op, l); err != nil {
		return Link{}, "", err
	}
	if l.Targets, l.Pinned, err = s.targets(ctx, op, by, l, in.Targets, nil); err != nil {
		return Link{}, "", err
	}
	r := &record{Link: l}
	if in.Password != "" {
		if r.Password, err = s.opts.Passwords.HashPassword(in.Password); err != nil {
			return Link{}, "", err
		}
		r.HasPassword = true
	}
	key, hash := newKey()
	r.KeyHash, r.KeyHint = hash[:], key[:6]
	now := s.now()
	r.Created, r.Updated = now, now

	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.m.NewBatch()
	r.ID = s.nextID(b)
	s.save(b, r)
	b.Set(cat(prefixKey, hash[:]), u64(r.ID))
	b.Set(indexKey(prefixOwner, r.OwnerID, r.ID), nil)
	if r.ClientID != "" {
		b.Set(indexKey(prefixClient, r.ClientID, r.ID), nil)
	}
	e := s.entry(by, "share_link_create", true, r.Link, "")
	if err := s.commit(op, b, &e); err != nil {
		s.last-- // the ID was not recorded
		return Link{}, "", err
	}
	return r.Link, key, nil
}

// check validates the fields of l that do not depend on the tree.
func (s *Store) check(op string, l Link) error {
	switch {
	case l.Kind != DownloadLink && l.Kind != DepositLink:
		return invalid(op, "kind", "must be download or deposit", "Doit valoir download ou deposit.")
	case len(l.Name) > MaxName:
		return invalid(op, "name", fmt.Sprintf("at most %d bytes", MaxName), fmt.Sprintf("Au plus %d octets.", MaxName))
	case l.MaxDownloads < 0:
		return invalid(op, "max_downloads", "must not be negative", "Ne doit pas être négatif.")
	case l.UploadLimit < 0:
		return invalid(op, "upload_limit", "must not be negative", "Ne doit pas être négatif.")
	case l.Consent && strings.TrimSpace(l.ConsentText) == "":
		return invalid(op, "consent_text", "a link that requires consent needs its text",
			"Un lien qui demande un consentement doit en donner le texte.")
	case len(l.ConsentText) > MaxConsentText:
		return invalid(op, "consent_text", fmt.Sprintf("at most %d bytes", MaxConsentText),
			fmt.Sprintf("Au plus %d octets.", MaxConsentText))
	case !l.Expires.IsZero() && !l.Expires.After(s.now()):
		return invalid(op, "expires_at", "must be in the future", "La date d'expiration doit être dans le futur.")
	case l.Kind == DepositLink && (l.AllowUpload || l.PreviewOnly):
		return invalid(op, "kind", "a deposit link only takes uploads", "Un lien de dépôt ne sert qu'à envoyer des fichiers.")
	}
	return nil
}

// targets checks that by may share each target and returns them, with the
// versions to pin when the link does not follow new versions: the version
// pinned before (kept, from pinned) or the current one.
func (s *Store) targets(ctx context.Context, op string, by storage.Principal, l Link, ids []storage.NodeID, pinned map[storage.NodeID]uint64) ([]storage.NodeID, map[storage.NodeID]uint64, error) {
	switch {
	case len(ids) == 0:
		return nil, nil, invalid(op, "targets", "a link shares at least one file or folder",
			"Un lien partage au moins un fichier ou un dossier.")
	case len(ids) > MaxTargets:
		return nil, nil, invalid(op, "targets", fmt.Sprintf("at most %d files and folders", MaxTargets),
			fmt.Sprintf("Au plus %d fichiers et dossiers.", MaxTargets))
	case l.Kind == DepositLink && len(ids) != 1:
		return nil, nil, invalid(op, "targets", "a deposit link has exactly one folder",
			"Un lien de dépôt porte sur un seul dossier.")
	}
	ns := s.opts.Service.As(by)
	var out []storage.NodeID
	pins := map[storage.NodeID]uint64{}
	seen := map[storage.NodeID]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		info, err := ns.StatID(ctx, id)
		if err != nil {
			return nil, nil, err
		}
		if !info.Rights.Has(storage.Share) {
			return nil, nil, storage.Errorf(op, storage.Permission, info.Path, "sharing needs the share right here")
		}
		if l.Kind == DepositLink && (!info.Dir || !info.Rights.Has(storage.Write)) {
			return nil, nil, storage.Errorf(op, storage.Permission, info.Path, "a deposit link needs a folder where you may write")
		}
		if l.AllowUpload && !info.Rights.Has(storage.Write) {
			return nil, nil, storage.Errorf(op, storage.Permission, info.Path, "allowing uploads needs the write right here")
		}
		if !info.Dir && !l.AutoUpdate {
			pins[id] = info.VersionID
			if v, ok := pinned[id]; ok {
				pins[id] = v
			}
		}
		out = append(out, id)
	}
	if len(pins) == 0 {
		pins = nil
	}
	return out, pins, nil
}

// parsePrefixes reads addresses and CIDR prefixes.
func parsePrefixes(op string, in []string) ([]netip.Prefix, error) {
	if len(in) > MaxAllowedIPs {
		return nil, invalid(op, "allowed_ips", fmt.Sprintf("at most %d entries", MaxAllowedIPs),
			fmt.Sprintf("Au plus %d adresses ou plages.", MaxAllowedIPs))
	}
	var out []netip.Prefix
	for _, s := range in {
		s = strings.TrimSpace(s)
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, aerr := netip.ParseAddr(s)
			if aerr != nil {
				return nil, invalid(op, "allowed_ips", fmt.Sprintf("%q is neither an address nor a CIDR prefix", s),
					fmt.Sprintf("« %s » n'est ni une adresse IP ni une plage CIDR.", s))
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// newKey returns a fresh key (32 random bytes in hex) and its SHA-256.
func newKey() (string, [32]byte) {
	var b [32]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	key := hex.EncodeToString(b[:])
	return key, sha256.Sum256([]byte(key))
}

// Get returns link id.
func (s *Store) Get(ctx context.Context, id uint64) (Link, error) {
	r, err := s.load("get link", id)
	if err != nil {
		return Link{}, err
	}
	return r.Link, nil
}

// Query selects links to list.
type Query struct {
	OwnerID  string // links made by this user
	ClientID string // or links of this client
}

// List returns the links of an owner or of a client, oldest first.
func (s *Store) List(ctx context.Context, q Query) ([]Link, error) {
	const op = "list links"
	var prefix []byte
	switch {
	case q.OwnerID != "":
		prefix = cat(prefixOwner, []byte(q.OwnerID), []byte{0})
	case q.ClientID != "":
		prefix = cat(prefixClient, []byte(q.ClientID), []byte{0})
	default:
		return nil, invalid(op, "owner", "list the links of an owner or of a client",
			"Indiquez le propriétaire ou le client dont lister les liens.")
	}
	var ids []uint64
	err := s.m.ScanPrefix(prefix, nil, func(k, _ []byte) error {
		ids = append(ids, binary.BigEndian.Uint64(k[len(prefix):]))
		return ctx.Err()
	})
	if err != nil {
		return nil, storage.E(op, storage.Unavailable, "", err)
	}
	out := make([]Link, 0, len(ids))
	for _, id := range ids {
		r, err := s.load(op, id)
		if storage.Is(storage.NotFound, err) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, r.Link)
	}
	return out, nil
}

// CanManage reports whether p may change or delete l: its owner, or an
// administrator.
func CanManage(p storage.Principal, l Link) bool {
	return p.Root == 0 && p.UserID != "" && (p.Admin || p.UserID == l.OwnerID)
}

// Change is a partial update of a link: nil fields stay as they are.
type Change struct {
	Name          *string
	Targets       *[]storage.NodeID // checked as at creation, for the principal making the change
	AllowUpload   *bool
	PreviewOnly   *bool
	ForceDownload *bool
	AutoUpdate    *bool
	Notify        *bool
	Password      *string    // "" removes the password
	Expires       *time.Time // zero: never
	MaxDownloads  *int
	AllowedIPs    *[]string
	Disabled      *bool
	Consent       *bool
	ConsentText   *string // a new text raises the consent version: visitors accept again
	UploadLimit   *int64
}

// Update changes link id on behalf of by, who must be allowed to manage it.
func (s *Store) Update(ctx context.Context, by storage.Principal, id uint64, ch Change) (Link, error) {
	const op = "update link"
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.load(op, id)
	if err != nil {
		return Link{}, err
	}
	if !CanManage(by, r.Link) {
		return Link{}, storage.Errorf(op, storage.Permission, "", "only the link's owner or an administrator may change it")
	}
	l := r.Link
	set(&l.Name, ch.Name)
	set(&l.AllowUpload, ch.AllowUpload)
	set(&l.PreviewOnly, ch.PreviewOnly)
	set(&l.ForceDownload, ch.ForceDownload)
	set(&l.AutoUpdate, ch.AutoUpdate)
	set(&l.Notify, ch.Notify)
	set(&l.Expires, ch.Expires)
	set(&l.MaxDownloads, ch.MaxDownloads)
	set(&l.Disabled, ch.Disabled)
	set(&l.Consent, ch.Consent)
	set(&l.UploadLimit, ch.UploadLimit)
	if ch.ConsentText != nil && *ch.ConsentText != l.ConsentText {
		l.ConsentText = *ch.ConsentText
		l.ConsentVer++
	}
	if l.Consent && l.ConsentVer == 0 {
		l.ConsentVer = 1
	}
	if ch.AllowedIPs != nil {
		if l.AllowedIPs, err = parsePrefixes(op, *ch.AllowedIPs); err != nil {
			return Link{}, err
		}
	}
	if ch.Expires != nil && !l.Expires.IsZero() && !l.Expires.After(s.now()) {
		return Link{}, invalid(op, "expires_at", "must be in the future", "La date d'expiration doit être dans le futur.")
	}
	if err := s.check(op, Link{Kind: l.Kind, Name: l.Name, MaxDownloads: l.MaxDownloads, UploadLimit: l.UploadLimit,
		Consent: l.Consent, ConsentText: l.ConsentText, AllowUpload: l.AllowUpload, PreviewOnly: l.PreviewOnly}); err != nil {
		return Link{}, err
	}
	if ch.Targets != nil || ch.AutoUpdate != nil || ch.AllowUpload != nil {
		targets := l.Targets
		if ch.Targets != nil {
			targets = *ch.Targets
		}
		if l.Targets, l.Pinned, err = s.targets(ctx, op, by, l, targets, r.Pinned); err != nil {
			return Link{}, err
		}
	}
	if ch.Password != nil {
		r.Password, l.HasPassword = "", false
		if *ch.Password != "" {
			if r.Password, err = s.opts.Passwords.HashPassword(*ch.Password); err != nil {
				return Link{}, err
			}
			l.HasPassword = true
		}
	}
	l.Updated = s.now()
	r.Link = l
	b := s.m.NewBatch()
	s.save(b, r)
	e := s.entry(by, "share_link_update", true, l, "")
	if err := s.commit(op, b, &e); err != nil {
		return Link{}, err
	}
	return l, nil
}

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// Delete removes link id on behalf of by, with its statistics.
func (s *Store) Delete(ctx context.Context, by storage.Principal, id uint64) error {
	const op = "delete link"
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.load(op, id)
	if err != nil {
		return err
	}
	if !CanManage(by, r.Link) {
		return storage.Errorf(op, storage.Permission, "", "only the link's owner or an administrator may delete it")
	}
	b := s.m.NewBatch()
	b.Delete(linkKey(id))
	b.Delete(cat(prefixKey, r.KeyHash))
	b.Delete(indexKey(prefixOwner, r.OwnerID, id))
	if r.ClientID != "" {
		b.Delete(indexKey(prefixClient, r.ClientID, id))
	}
	err = s.m.ScanPrefix(cat(prefixEvent, u64(id)), nil, func(k, _ []byte) error {
		b.Delete(append([]byte(nil), k...))
		return nil
	})
	if err != nil {
		b.Discard()
		return storage.E(op, storage.Unavailable, "", err)
	}
	e := s.entry(by, "share_link_delete", true, r.Link, "")
	return s.commit(op, b, &e)
}

// entry is an audit entry about link l by p.
func (s *Store) entry(p storage.Principal, typ string, ok bool, l Link, detail string) audit.Entry {
	var target uint64
	if len(l.Targets) > 0 {
		target = uint64(l.Targets[0])
	}
	name := l.Name
	if name == "" {
		name = fmt.Sprintf("link %d", l.ID)
	}
	return audit.Entry{
		UserID: p.UserID, Login: p.Login, IP: p.IP, UserAgent: p.UserAgent, Protocol: p.Protocol,
		Type: typ, OK: ok, ObjectID: target, ObjectType: "share", ObjectName: name,
		Detail: strings.TrimSpace(fmt.Sprintf("link %d %s", l.ID, detail)),
	}
}
