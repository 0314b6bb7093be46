package rest

import (
	"encoding/hex"
	"errors"
	"io"
	"net/http"

	"coffre/shares"
	"coffre/storage"
)

// Deposit links (netexplorer-reference.md §18; see links_common.go for
// what the three families share): outsiders put files into one folder and
// see nothing of it.
//
//	GET    /api/ulinks                          the caller's deposit links, paged
//	POST   /api/ulink                           create → 201 Ulink with its key and url (shown once)
//	GET    /api/ulink/{id}                      one (owner or administrator)
//	PUT    /api/ulink/{id}                      partial update
//	DELETE /api/ulink/{id}                      delete → 204
//	GET    /api/ulink/key/{key}                 public: is_valid, limits; the folder's name for its managers only
//	POST   /api/ulink/key/{key}/passcheck       public: {password} → {access_token}
//	POST   /api/ulink/key/{key}/consent         public: → {consent_token}
//	POST   /api/ulink/key/{key}/upload          public: multipart field "file" → 201 {name, size, hash}
//
// Body of POST and PUT: folder_id, expiration_date (null: never), password
// ("" removes it), name, upload_limit (bytes per file; 0 or null: 25 MiB),
// flags (4: notify the owner of deposits; 1, password-protected, is read
// only), and Coffre's allowed_ips, consent_text, disabled (PUT).
//
// An upload is streamed into the folder as it arrives; a file over the
// limit is refused (413) and nothing is stored; a name already taken gets
// " (2)", " (3)" …: a visitor never replaces a file.

func (h *Handler) ulinkRoutes() {
	h.linkAuth("GET /api/ulinks", listLinks(isUlink, (*call).ulinkObject))
	h.linkAuth("POST /api/ulink", ulinkCreate)
	h.linkAuth("GET /api/ulink/{id}", getLink(isUlink, (*call).ulinkObject))
	h.linkAuth("PUT /api/ulink/{id}", updateLink[ulinkIn](isUlink, "folder_id", (*call).ulinkObject))
	h.linkAuth("DELETE /api/ulink/{id}", deleteLink(isUlink))
	h.linkPublic("GET /api/ulink/key/{key}", ulinkLookup)
	h.linkPublic("POST /api/ulink/key/{key}/passcheck", linkPasscheck(shares.DepositLink))
	h.linkPublic("POST /api/ulink/key/{key}/consent", linkConsent(shares.DepositLink))
	h.linkPublic("POST /api/ulink/key/{key}/upload", ulinkUpload)
}

func isUlink(l shares.Link) bool { return l.Kind == shares.DepositLink }

// Ulink is the seed's "Lien de dépôt".
type Ulink struct {
	ID             uint64  `json:"id"`
	Key            string  `json:"key"` // whole at creation only, then its first 6 characters
	URL            string  `json:"url,omitempty"`
	Folder         *string `json:"folder,omitempty"` // for the link's managers only
	FolderID       *int64  `json:"folder_id"`        // null when the folder is gone
	IsValid        bool    `json:"is_valid"`
	ExpirationDate *string `json:"expiration_date"`
	Flags          int     `json:"flags"`
	Owner          string  `json:"owner"`
	OwnerID        string  `json:"owner_id"`
	// Coffre's additions.
	Name            string `json:"name"`
	CreationDate    string `json:"creation_date"`
	UploadLimit     int64  `json:"upload_limit"`
	ConsentRequired bool   `json:"consent_required"`
	ConsentText     string `json:"consent_text,omitempty"`
	*UlinkSettings
}

// UlinkSettings are the fields only the link's managers see.
type UlinkSettings struct {
	AllowedIPs   []string `json:"allowed_ips"`
	Disabled     bool     `json:"disabled"`
	Modification string   `json:"modification"`
}

// Ulink flags (netexplorer-reference.md §29).
const (
	ulinkFlagPassword = 1
	ulinkFlagNotify   = 4
)

// ulinkPublic is what anyone holding the key may know of l.
func (c *call) ulinkPublic(l shares.Link) Ulink {
	u := Ulink{
		ID: l.ID, Key: l.KeyHint, FolderID: ptr(apiID(l.Targets[0])), ExpirationDate: optDate(l.Expires),
		Owner: c.linkOwner(l), OwnerID: l.OwnerID, Name: l.Name, CreationDate: date(l.Created),
		UploadLimit: linkUploadLimit(l), ConsentRequired: l.Consent, ConsentText: l.ConsentText, IsValid: true,
	}
	if l.HasPassword {
		u.Flags |= ulinkFlagPassword
	}
	if l.Notify {
		u.Flags |= ulinkFlagNotify
	}
	return u
}

// ulinkObject describes l as its manager sees it: the folder through the
// caller's namespace.
func (c *call) ulinkObject(l shares.Link) (Ulink, error) {
	u := c.ulinkPublic(l)
	u.IsValid = l.Valid(c.h.now()) == nil
	info, err := c.ns.StatID(c.ctx, l.Targets[0])
	switch {
	case storage.Is(storage.NotFound, err):
		u.FolderID, u.IsValid = nil, false
	case err != nil:
		return Ulink{}, err
	default:
		u.Folder = ptr(info.Name)
	}
	u.UlinkSettings = &UlinkSettings{AllowedIPs: linkIPs(l), Disabled: l.Disabled, Modification: date(l.Updated)}
	return u, nil
}

// ulinkIn is the body of POST and PUT /api/ulink.
type ulinkIn struct {
	FolderID       *linkTarget     `json:"folder_id"`
	ExpirationDate linkOpt[string] `json:"expiration_date"`
	Password       *string         `json:"password"`
	Name           *string         `json:"name"`
	UploadLimit    linkOpt[int64]  `json:"upload_limit"`
	Flags          linkOpt[int]    `json:"flags"`
	AllowedIPs     *[]string       `json:"allowed_ips"`
	ConsentText    *string         `json:"consent_text"`
	Disabled       *bool           `json:"disabled"`
}

var (
	fieldUlinkFlags = text{"Seul le bit 4 (prévenir le propriétaire) se choisit ; le bit 1 suit le mot de passe.", "Only bit 4 (notify the owner) may be chosen; bit 1 follows the password."}
	fieldUlinkLimit = text{"Taille en octets, positive, ou 0 / null pour la limite par défaut.", "A size in bytes, positive, or 0 / null for the default limit."}
)

// change reads the body as a change of a deposit link.
func (in ulinkIn) change(c *call) (shares.Change, error) {
	f := fields{}
	var ch shares.Change
	if in.FolderID != nil {
		ids, err := c.resolveTargets(f, "folder_id", []linkTarget{*in.FolderID}, shareEntityFolder)
		if err != nil {
			return ch, err
		}
		ch.Targets = &ids
	}
	linkExpiry(f, in.ExpirationDate, &ch.Expires)
	if in.UploadLimit.set {
		if in.UploadLimit.v < 0 {
			f.add("upload_limit", fieldUlinkLimit)
		}
		ch.UploadLimit = ptr(in.UploadLimit.v)
	}
	if in.Flags.set {
		if in.Flags.v&^(ulinkFlagPassword|ulinkFlagNotify) != 0 {
			f.add("flags", fieldUlinkFlags)
		}
		ch.Notify = ptr(in.Flags.v&ulinkFlagNotify != 0)
	}
	linkConsentText(&ch, in.ConsentText)
	ch.Name, ch.Password, ch.AllowedIPs, ch.Disabled = in.Name, in.Password, in.AllowedIPs, in.Disabled
	return ch, f.err()
}

func ulinkCreate(c *call) error {
	var in ulinkIn
	if err := c.decode(&in); err != nil {
		return err
	}
	if in.FolderID == nil {
		return invalid("folder_id", fieldRequired)
	}
	ch, err := in.change(c)
	if err != nil {
		return err
	}
	nl := shares.NewLink{Kind: shares.DepositLink, Targets: *ch.Targets}
	fillNewLink(&nl, ch)
	return c.createLink(nl, "folder_id", func(l shares.Link, key string) (any, error) {
		u, err := c.ulinkObject(l)
		u.Key, u.URL = key, c.linkURL(key)
		return u, err
	})
}

// ulinkLookup is GET /api/ulink/key/{key}. A caller who also sends the
// bearer token of one of the link's managers sees the folder's name.
func ulinkLookup(c *call) error {
	vis, err := c.visitKey(shares.DepositLink)
	if err != nil {
		return err
	}
	u := c.ulinkPublic(vis.Link)
	if credential(c.r) != "" && c.authenticate() == nil && shares.CanManage(c.p, vis.Link) {
		if info, err := c.ns.StatID(c.ctx, vis.Link.Targets[0]); err == nil {
			u.Folder = ptr(info.Name)
		}
	}
	return c.json(http.StatusOK, u)
}

var msgUlinkNoFile = text{"Joignez le fichier dans le champ « file » du formulaire multipart.", "Attach the file in the multipart form's \"file\" field."}

// UlinkDeposit is the answer to an upload through a deposit link: what was
// stored, under the name it got.
type UlinkDeposit struct {
	Name string `json:"name"`
	Size int64  `json:"size"`
	Hash string `json:"hash"` // MD5, hex
}

// ulinkUpload is POST /api/ulink/key/{key}/upload: the first multipart
// part named "file", streamed into the link's folder; other parts before
// it are skipped.
func ulinkUpload(c *call) error {
	vis, err := c.visitKey(shares.DepositLink)
	if err != nil {
		return err
	}
	mr, err := c.r.MultipartReader()
	if err != nil {
		return &apiError{status: http.StatusUnsupportedMediaType, msg: msgNotMultipart, err: err}
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return invalid("file", msgUlinkNoFile)
		}
		if err != nil {
			return &apiError{status: http.StatusBadRequest, msg: msgBadMultipart, err: err}
		}
		if part.FormName() != "file" {
			continue // NextPart skips what is left of it
		}
		name := part.FileName()
		if !validName(name) {
			return invalid("file", msgBadName)
		}
		b := &body{r: part}
		info, err := vis.Upload(c.ctx, 0, name, b, -1)
		if err != nil {
			return b.fail(err)
		}
		if c.h.opts.Uploaded != nil {
			c.h.opts.Uploaded()
		}
		return c.json(http.StatusCreated, UlinkDeposit{Name: info.Name, Size: info.Size, Hash: hex.EncodeToString(info.MD5[:])})
	}
}
