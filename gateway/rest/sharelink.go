package rest

import (
	"net/http"
	"slices"
	"strconv"

	"coffre/shares"
	"coffre/storage"
)

// Share links, the legacy generation (netexplorer-reference.md §17a; see
// links_common.go for what the three families share, and which download
// links the owner sees here).
//
//	GET    /api/sharelinks                          the caller's legacy links, paged
//	POST   /api/sharelink                           create → 201 Sharelink with its key and url (shown once)
//	GET    /api/sharelink/{id}                      one, with the owner's fields and statistics
//	PUT    /api/sharelink/{id}                      partial update
//	DELETE /api/sharelink/{id}                      delete → 204
//	POST   /api/sharelink/{id}/file                 {file_id} adds a file → Sharelink
//	POST   /api/sharelink/{id}/folder               {folder_id} adds a folder → Sharelink
//	DELETE /api/sharelink/{id}/file/{fileId}        removes a file or folder → Sharelink
//	POST   /api/sharelink/{id}/passcheck            501: keys are not kept, check by key
//	GET    /api/sharelink/key/{key}                 public: is_valid, remaining_downloads, files …
//	POST   /api/sharelink/key/{key}/passcheck       public: {password} → {access_token}
//	POST   /api/sharelink/key/{key}/consent         public: → {consent_token}
//	POST   /api/token/sharelink/{key}/download      public: → {token}
//	GET    /api/sharelink/download/{key}[?token=&id=] public: the file (one file, or ?id=) or a ZIP of the link
//
// Body of POST and PUT: file_id or files (IDs of files), folder_id or
// folders (Coffre: IDs of folders), expiration_date (null: never),
// password ("" removes it), max_downloads (0 or null: no limit), notify,
// autoupdate (default false: the link pins the version shared), only_preview,
// force_dl, name, disabled (PUT).

func (h *Handler) sharelinkRoutes(tokens linkTokens) {
	h.linkAuth("GET /api/sharelinks", listLinks(isSharelink, (*call).sharelinkObject))
	h.linkAuth("POST /api/sharelink", sharelinkCreate)
	h.linkAuth("GET /api/sharelink/{id}", getLink(isSharelink, (*call).sharelinkObject))
	h.linkAuth("PUT /api/sharelink/{id}", updateLink[sharelinkIn](isSharelink, "files", (*call).sharelinkObject))
	h.linkAuth("DELETE /api/sharelink/{id}", deleteLink(isSharelink))
	h.linkAuth("POST /api/sharelink/{id}/file", sharelinkAdd(shareEntityFile))
	h.linkAuth("POST /api/sharelink/{id}/folder", sharelinkAdd(shareEntityFolder))
	h.linkAuth("DELETE /api/sharelink/{id}/file/{fileId}", sharelinkRemove)
	h.linkAuth("POST /api/sharelink/{id}/passcheck", sharelinkPasscheckByID)
	h.linkPublic("GET /api/sharelink/key/{key}", sharelinkLookup)
	h.linkPublic("POST /api/sharelink/key/{key}/passcheck", linkPasscheck(shares.DownloadLink))
	h.linkPublic("POST /api/sharelink/key/{key}/consent", linkConsent(shares.DownloadLink))
	h.linkPublic("POST /api/token/sharelink/{key}/download", tokens.keyToken)
	h.linkPublic("GET /api/sharelink/download/{key}", tokens.sharelinkDownload)
}

// isSharelink: a download link whose settings the legacy object expresses
// whole.
func isSharelink(l shares.Link) bool {
	return l.Kind == shares.DownloadLink && !l.Consent && len(l.AllowedIPs) == 0 && !l.AllowUpload
}

// Sharelink is the seed's legacy "Partage par lien".
type Sharelink struct {
	ID      uint64   `json:"id"`
	Key     string   `json:"key"` // whole at creation only, then its first 6 characters
	URL     string   `json:"url,omitempty"`
	Files   []File   `json:"files"`
	Folders []Folder `json:"folders"` // Coffre's addition: the folders shared
	// For a link of one file, as in the seed's example.
	FileID   *int64  `json:"file_id,omitempty"`
	File     *string `json:"file,omitempty"`
	FileSize *int64  `json:"file_size,omitempty"`

	IsValid            bool    `json:"is_valid"`
	ExpirationDate     *string `json:"expiration_date"`
	PasswordProtected  *string `json:"password_protected"` // null, or an identifier of the password (the key's hint)
	RemainingDownloads *int    `json:"remaining_downloads"`
	Owner              string  `json:"owner"`
	OwnerID            string  `json:"owner_id"`
	AutoUpdate         bool    `json:"autoupdate"`
	OnlyPreview        bool    `json:"only_preview"`
	ForceDL            bool    `json:"force_dl"`
	Name               string  `json:"name"`          // Coffre's addition
	CreationDate       string  `json:"creation_date"` // Coffre's addition
	*SharelinkOwner
}

// SharelinkOwner are the fields only the link's managers see.
type SharelinkOwner struct {
	NbDownloads  int            `json:"nb_downloads"`
	MaxDownloads *int           `json:"max_downloads"`
	Notify       bool           `json:"notify"`
	Disabled     bool           `json:"disabled"` // Coffre's addition
	Stats        SharelinkStats `json:"stats"`
}

// SharelinkStats are a link's downloads, and how many different visitors
// (address and browser) made them.
type SharelinkStats struct {
	Downloads []SharelinkDownload `json:"downloads"`
	Users     int                 `json:"users"`
}

// SharelinkDownload is one download; visitors have no account, so user
// and user_id are null.
type SharelinkDownload struct {
	ID     uint64      `json:"id"`
	Date   string      `json:"date"`
	User   *string     `json:"user"`
	UserID *string     `json:"user_id"`
	Geo    *shares.Geo `json:"geo"`
	Env    Env         `json:"env"`
}

// sharelinkBase is what anyone holding the key may know of l; files come
// from infos, described as the call may see them (m).
func (c *call) sharelinkBase(l shares.Link, infos []storage.Info, m mode, public bool) (Sharelink, error) {
	s := Sharelink{
		ID: l.ID, Key: l.KeyHint, Files: []File{}, Folders: []Folder{},
		IsValid: l.Valid(c.h.now()) == nil && len(infos) > 0, ExpirationDate: optDate(l.Expires),
		RemainingDownloads: linkRemaining(l), Owner: c.linkOwner(l), OwnerID: l.OwnerID,
		AutoUpdate: l.AutoUpdate, OnlyPreview: l.PreviewOnly, ForceDL: l.ForceDownload,
		Name: l.Name, CreationDate: date(l.Created),
	}
	if l.HasPassword {
		s.PasswordProtected = ptr(l.KeyHint)
	}
	for _, info := range infos {
		if info.Dir {
			f, err := c.folderObject(info, mode{light: m.light})
			if err != nil {
				return Sharelink{}, err
			}
			if public {
				f.ParentID = 0
			}
			s.Folders = append(s.Folders, f)
			continue
		}
		var locks []storage.Lock
		if public {
			locks = []storage.Lock{} // a visitor sees no locks
		}
		f, err := c.fileObject(info, mode{light: m.light}, locks)
		if err != nil {
			return Sharelink{}, err
		}
		if public {
			f.ParentID = 0
		}
		s.Files = append(s.Files, f)
	}
	if len(infos) == 1 && !infos[0].Dir {
		s.FileID, s.File, s.FileSize = ptr(apiID(infos[0].ID)), ptr(infos[0].Name), ptr(infos[0].Size)
	}
	return s, nil
}

// sharelinkObject describes l as its manager sees it.
func (c *call) sharelinkObject(l shares.Link) (Sharelink, error) {
	infos, err := c.targetInfos(l)
	if err != nil {
		return Sharelink{}, err
	}
	s, err := c.sharelinkBase(l, infos, c.mode(), false)
	if err != nil {
		return Sharelink{}, err
	}
	stats, err := c.sharelinkStats(l)
	if err != nil {
		return Sharelink{}, err
	}
	s.SharelinkOwner = &SharelinkOwner{NbDownloads: l.Downloads, MaxDownloads: linkMaxDownloads(l),
		Notify: l.Notify, Disabled: l.Disabled, Stats: stats}
	return s, nil
}

// sharelinkStats reads a link's downloads from its statistics.
func (c *call) sharelinkStats(l shares.Link) (SharelinkStats, error) {
	events, err := c.h.opts.Shares.Events(c.ctx, l.ID)
	if err != nil {
		return SharelinkStats{}, err
	}
	out := SharelinkStats{Downloads: []SharelinkDownload{}}
	users := map[[2]string]bool{}
	for _, e := range events {
		if e.Action != "download" {
			continue
		}
		users[[2]string{e.IP, e.UserAgent}] = true
		out.Downloads = append(out.Downloads, SharelinkDownload{ID: e.ID, Date: date(e.Date), Geo: e.Geo,
			Env: Env{Browser: e.UserAgent, OS: e.OS, OSType: e.OSType}})
	}
	out.Users = len(users)
	return out, nil
}

// sharelinkIn is the body of POST and PUT /api/sharelink.
type sharelinkIn struct {
	FileID         *linkTarget     `json:"file_id"`
	Files          []linkTarget    `json:"files"`
	FolderID       *linkTarget     `json:"folder_id"`
	Folders        []linkTarget    `json:"folders"`
	ExpirationDate linkOpt[string] `json:"expiration_date"`
	Password       *string         `json:"password"`
	MaxDownloads   linkOpt[int]    `json:"max_downloads"`
	Notify         *bool           `json:"notify"`
	AutoUpdate     *bool           `json:"autoupdate"`
	OnlyPreview    *bool           `json:"only_preview"`
	ForceDL        *bool           `json:"force_dl"`
	Name           *string         `json:"name"`
	Disabled       *bool           `json:"disabled"`
}

// change reads the body as a change of a link; targets are resolved when
// the body names any.
func (in sharelinkIn) change(c *call) (shares.Change, error) {
	f := fields{}
	var ch shares.Change
	files, folders := in.Files, in.Folders
	if in.FileID != nil {
		files = append(files, *in.FileID)
	}
	if in.FolderID != nil {
		folders = append(folders, *in.FolderID)
	}
	if in.Files != nil || in.Folders != nil || in.FileID != nil || in.FolderID != nil {
		ids, err := c.resolveTargets(f, "files", files, shareEntityFile)
		if err != nil {
			return ch, err
		}
		more, err := c.resolveTargets(f, "folders", folders, shareEntityFolder)
		if err != nil {
			return ch, err
		}
		ids = append(ids, more...)
		if len(files)+len(folders) == 0 {
			f.add("files", fieldLinkTargets)
		}
		ch.Targets = &ids
	}
	linkExpiry(f, in.ExpirationDate, &ch.Expires)
	linkDownloadsLimit(f, in.MaxDownloads, &ch.MaxDownloads)
	ch.Name, ch.Password, ch.Notify, ch.AutoUpdate = in.Name, in.Password, in.Notify, in.AutoUpdate
	ch.PreviewOnly, ch.ForceDownload, ch.Disabled = in.OnlyPreview, in.ForceDL, in.Disabled
	return ch, f.err()
}

func sharelinkCreate(c *call) error {
	var in sharelinkIn
	if err := c.decode(&in); err != nil {
		return err
	}
	ch, err := in.change(c)
	if err != nil {
		return err
	}
	if ch.Targets == nil {
		return invalid("files", fieldLinkTargets)
	}
	nl := shares.NewLink{Kind: shares.DownloadLink, Targets: *ch.Targets}
	fillNewLink(&nl, ch)
	return c.createLink(nl, "files", func(l shares.Link, key string) (any, error) {
		s, err := c.sharelinkObject(l)
		s.Key, s.URL = key, c.linkURL(key)
		return s, err
	})
}

var msgLinkHasTarget = text{"Ce lien ne partage pas cet élément.", "This link does not share this item."}

// sharelinkAdd is POST /api/sharelink/{id}/file {file_id} and
// /folder {folder_id} ({id} is accepted for both).
func sharelinkAdd(kind int) handler {
	field := map[int]string{shareEntityFile: "file_id", shareEntityFolder: "folder_id"}[kind]
	return func(c *call) error {
		l, err := c.ownLink("id", isSharelink)
		if err != nil {
			return err
		}
		var in map[string]linkTarget
		if err := c.decode(&in); err != nil {
			return err
		}
		t, ok := in[field]
		if !ok {
			t, ok = in["id"]
		}
		if !ok {
			return invalid(field, fieldRequired)
		}
		f := fields{}
		ids, err := c.resolveTargets(f, field, []linkTarget{t}, kind)
		if err == nil {
			err = f.err()
		}
		if err != nil {
			return err
		}
		targets := slices.Clone(l.Targets)
		if !slices.Contains(targets, ids[0]) {
			targets = append(targets, ids[0])
		}
		return changeLink(c, l, shares.Change{Targets: &targets}, "files", (*call).sharelinkObject)
	}
}

// sharelinkRemove is DELETE /api/sharelink/{id}/file/{fileId}: the file
// or folder leaves the link (a link keeps at least one: 422).
func sharelinkRemove(c *call) error {
	l, err := c.ownLink("id", isSharelink)
	if err != nil {
		return err
	}
	id, err := strconv.ParseUint(c.r.PathValue("fileId"), 10, 64)
	if err != nil || !slices.Contains(l.Targets, storage.NodeID(id)) {
		return fail(http.StatusNotFound, msgLinkHasTarget)
	}
	targets := slices.DeleteFunc(slices.Clone(l.Targets), func(t storage.NodeID) bool { return t == storage.NodeID(id) })
	return changeLink(c, l, shares.Change{Targets: &targets}, "files", (*call).sharelinkObject)
}

var msgPasscheckByID = text{
	"Les clés des liens ne sont pas conservées : vérifiez le mot de passe par la clé (POST /api/sharelink/key/{key}/passcheck).",
	"Link keys are not kept: check the password by key (POST /api/sharelink/key/{key}/passcheck).",
}

// sharelinkPasscheckByID is POST /api/sharelink/{id}/passcheck. An access
// token opens a link by its key, which is stored hashed only: a link's ID
// cannot lead to it. Managers are told to use the key; others get 404.
func sharelinkPasscheckByID(c *call) error {
	if _, err := c.ownLink("id", isSharelink); err != nil {
		return err
	}
	return fail(http.StatusNotImplemented, msgPasscheckByID)
}

// sharelinkLookup is GET /api/sharelink/key/{key}: the link as its visitor
// sees it; its files once the password and the consent it needs are given.
func sharelinkLookup(c *call) error {
	vis, err := c.visitKey(shares.DownloadLink)
	if err != nil {
		return err
	}
	var infos []storage.Info
	if linkReady(vis) == nil {
		if infos, err = vis.Roots(c.ctx); err != nil {
			return err
		}
	}
	s, err := c.sharelinkBase(vis.Link, infos, mode{light: true}, true)
	if err != nil {
		return err
	}
	s.IsValid = true // it opened
	return c.json(http.StatusOK, s)
}

// sharelinkDownload is GET /api/sharelink/download/{key}: ?id= names a
// file of the link; without it, a link of one file gives that file, any
// other link a ZIP of everything it shares.
func (t linkTokens) sharelinkDownload(c *call) error {
	vis, err := t.visitKeyOrToken(c, c.r.PathValue("key"))
	if err != nil {
		return err
	}
	if v := c.r.URL.Query().Get("id"); v != "" {
		id, err := strconv.ParseUint(v, 10, 64)
		if err != nil || id == 0 {
			return invalid("id", fieldShareFile)
		}
		return c.serveLinkFile(vis, storage.NodeID(id))
	}
	roots, err := vis.Roots(c.ctx)
	if err != nil {
		return err
	}
	if len(roots) == 1 && !roots[0].Dir {
		return c.serveLinkFile(vis, roots[0].ID)
	}
	return c.serveLinkZip(vis)
}
