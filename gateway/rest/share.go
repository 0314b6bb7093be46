package rest

import (
	"net/http"
	"strconv"

	"coffre/gateway"
	"coffre/shares"
	"coffre/storage"
)

// Share links, the new generation (netexplorer-reference.md §17b; see
// links_common.go for what the three families share).
//
//	GET    /api/shares                          the caller's download links, paged
//	POST   /api/share                           create → 201 Share with its key and url (shown once)
//	GET    /api/share/{id}                      one (owner or administrator)
//	PUT    /api/share/{id}                      partial update
//	DELETE /api/share/{id}                      delete → 204
//	GET    /api/share/{id}/activity             {objects: [{guid, name, stats: [{action, date, loc}]}]}
//	GET    /api/share/key/{key}                 public: the Share (roots once password and consent are given)
//	GET    /api/share/content/{key}[/{folderId}] public: ShareContent[] of the roots or of a folder
//	POST   /api/share/key/{key}/passcheck       public: {password} → {access_token}
//	POST   /api/share/key/{key}/consent         public: → {consent_token}
//	POST   /api/token/share/download/{key}      public: → {token}
//	GET    /api/share/download/file?token=&id=  public: a file of the share (Range, conditions)
//	POST   /api/zip/token/share                 public: {key} → {token}
//	GET    /api/zip/share/{key}[?token=]        public: the whole share as a streamed ZIP
//
// Body of POST and PUT: roots (or objects): [12, 34] or [{id, entity_type}];
// flags: 1 download only (no preview: pages download rather than show), 2
// preview only, 4 preview and download (the default); expiration_date (null:
// never); name; password ("" removes it); and Coffre's max_downloads (0 or
// null: no limit), allowed_ips (addresses or CIDR prefixes), consent_text
// (visitors must accept it first; "" drops the consent), allow_upload,
// autoupdate (default true: a shared file's newest version; false pins the
// version shared), disabled (PUT). A share counts each served file and each
// ZIP as one download.

func (h *Handler) shareRoutes(tokens linkTokens) {
	h.linkAuth("GET /api/shares", listLinks(isShare, (*call).shareObject))
	h.linkAuth("POST /api/share", shareCreate)
	h.linkAuth("GET /api/share/{id}", getLink(isShare, (*call).shareObject))
	h.linkAuth("PUT /api/share/{id}", updateLink[shareIn](isShare, "roots", (*call).shareObject))
	h.linkAuth("DELETE /api/share/{id}", deleteLink(isShare))
	// /api/share/{id}/activity, /api/share/key/{key} and
	// /api/share/content/{key} overlap (…/key/activity): one pattern
	// dispatches them.
	h.linkPublic("GET /api/share/{a}/{b}", shareDispatch)
	h.linkPublic("GET /api/share/content/{key}/{folderId}", shareFolder)
	h.linkPublic("POST /api/share/key/{key}/passcheck", linkPasscheck(shares.DownloadLink))
	h.linkPublic("POST /api/share/key/{key}/consent", linkConsent(shares.DownloadLink))
	h.linkPublic("POST /api/token/share/download/{key}", tokens.keyToken)
	h.linkPublic("GET /api/share/download/file", tokens.shareDownload)
	h.linkPublic("POST /api/zip/token/share", tokens.zipToken)
	h.linkPublic("GET /api/zip/share/{key}", tokens.shareZip)
}

// isShare: every download link is a share.
func isShare(l shares.Link) bool { return l.Kind == shares.DownloadLink }

// Share is the seed's "Partage par lien" of the new generation.
type Share struct {
	ID             uint64         `json:"id"`
	Key            string         `json:"key"` // whole at creation only, then its first 6 characters
	URL            string         `json:"url,omitempty"`
	Roots          []ShareContent `json:"roots"`
	Flags          int            `json:"flags"`
	ExpirationDate *string        `json:"expiration_date"`
	CreationDate   string         `json:"creation_date"`
	Name           string         `json:"name"`
	Owner          string         `json:"owner"`
	OwnerID        string         `json:"owner_id"`
	// Coffre's additions.
	IsValid            bool   `json:"is_valid"`
	PasswordProtected  bool   `json:"password_protected"`
	ConsentRequired    bool   `json:"consent_required"`
	ConsentText        string `json:"consent_text,omitempty"`
	AllowUpload        bool   `json:"allow_upload"`
	RemainingDownloads *int   `json:"remaining_downloads"`
	*ShareSettings
}

// ShareSettings are the fields only the link's managers see.
type ShareSettings struct {
	MaxDownloads *int     `json:"max_downloads"`
	NbDownloads  int      `json:"nb_downloads"`
	AllowedIPs   []string `json:"allowed_ips"`
	AutoUpdate   bool     `json:"autoupdate"`
	Disabled     bool     `json:"disabled"`
	Modification string   `json:"modification"`
}

// Share flags (netexplorer-reference.md §29).
const (
	flagDownloadOnly = 1
	flagPreviewOnly  = 2
	flagBoth         = 4
)

func shareFlags(l shares.Link) int {
	switch {
	case l.PreviewOnly:
		return flagPreviewOnly
	case l.ForceDownload:
		return flagDownloadOnly
	}
	return flagBoth
}

// shareObject describes l with its roots, as its manager sees it.
func (c *call) shareObject(l shares.Link) (Share, error) {
	infos, err := c.targetInfos(l)
	if err != nil {
		return Share{}, err
	}
	s := c.sharePublic(l, true)
	for _, info := range infos {
		s.Roots = append(s.Roots, shareContent(l, info, parentID(info), !l.PreviewOnly))
	}
	s.IsValid = l.Valid(c.h.now()) == nil && len(infos) > 0
	s.ShareSettings = &ShareSettings{
		MaxDownloads: linkMaxDownloads(l), NbDownloads: l.Downloads, AllowedIPs: linkIPs(l),
		AutoUpdate: l.AutoUpdate, Disabled: l.Disabled, Modification: date(l.Updated),
	}
	return s, nil
}

// sharePublic is what anyone who holds the key may know of l, without its
// roots.
func (c *call) sharePublic(l shares.Link, valid bool) Share {
	return Share{
		ID: l.ID, Key: l.KeyHint, Roots: []ShareContent{}, Flags: shareFlags(l),
		ExpirationDate: optDate(l.Expires), CreationDate: date(l.Created), Name: l.Name,
		Owner: c.linkOwner(l), OwnerID: l.OwnerID, IsValid: valid,
		PasswordProtected: l.HasPassword, ConsentRequired: l.Consent, ConsentText: l.ConsentText,
		AllowUpload: l.AllowUpload, RemainingDownloads: linkRemaining(l),
	}
}

// shareIn is the body of POST and PUT /api/share.
type shareIn struct {
	Roots          []linkTarget    `json:"roots"`
	Objects        []linkTarget    `json:"objects"`
	Flags          linkOpt[int]    `json:"flags"`
	ExpirationDate linkOpt[string] `json:"expiration_date"`
	Name           *string         `json:"name"`
	Password       *string         `json:"password"`
	MaxDownloads   linkOpt[int]    `json:"max_downloads"`
	AllowedIPs     *[]string       `json:"allowed_ips"`
	ConsentText    *string         `json:"consent_text"`
	AllowUpload    *bool           `json:"allow_upload"`
	AutoUpdate     *bool           `json:"autoupdate"`
	Disabled       *bool           `json:"disabled"`
}

var fieldShareFlags = text{"Vaut 1 (téléchargement seul), 2 (aperçu seul) ou 4 (aperçu et téléchargement).", "Must be 1 (download only), 2 (preview only) or 4 (preview and download)."}

// change reads the body as a change of a link; targets are resolved when
// the body names any.
func (in shareIn) change(c *call) (shares.Change, error) {
	f := fields{}
	var ch shares.Change
	if ts := append(in.Roots, in.Objects...); in.Roots != nil || in.Objects != nil {
		ids, err := c.resolveTargets(f, "roots", ts, -1)
		if err != nil {
			return ch, err
		}
		if len(ts) == 0 {
			f.add("roots", fieldLinkTargets)
		}
		ch.Targets = &ids
	}
	if in.Flags.set {
		preview, force := false, false
		switch in.Flags.v {
		case flagDownloadOnly:
			force = true
		case flagPreviewOnly:
			preview = true
		case flagBoth:
		default:
			f.add("flags", fieldShareFlags)
		}
		ch.PreviewOnly, ch.ForceDownload = &preview, &force
	}
	linkExpiry(f, in.ExpirationDate, &ch.Expires)
	linkDownloadsLimit(f, in.MaxDownloads, &ch.MaxDownloads)
	linkConsentText(&ch, in.ConsentText)
	ch.Name, ch.Password, ch.AllowedIPs = in.Name, in.Password, in.AllowedIPs
	ch.AllowUpload, ch.AutoUpdate, ch.Disabled = in.AllowUpload, in.AutoUpdate, in.Disabled
	return ch, f.err()
}

func shareCreate(c *call) error {
	var in shareIn
	if err := c.decode(&in); err != nil {
		return err
	}
	if in.Roots == nil && in.Objects == nil {
		return invalid("roots", fieldLinkTargets)
	}
	ch, err := in.change(c)
	if err != nil {
		return err
	}
	nl := shares.NewLink{Kind: shares.DownloadLink, Targets: *ch.Targets, AutoUpdate: true}
	fillNewLink(&nl, ch)
	return c.createLink(nl, "roots", func(l shares.Link, key string) (any, error) {
		s, err := c.shareObject(l)
		s.Key, s.URL = key, c.linkURL(key)
		return s, err
	})
}

// shareDispatch serves the three routes of GET /api/share/{a}/{b}.
func shareDispatch(c *call) error {
	a, b := c.r.PathValue("a"), c.r.PathValue("b")
	switch {
	case a == "key":
		return shareLookup(c, b)
	case a == "content":
		return shareRoots(c, b)
	case b == "activity":
		if err := c.authenticate(); err != nil {
			return err
		}
		return shareActivity(c)
	}
	return fail(http.StatusNotFound, msgNoRoute)
}

// shareLookup is GET /api/share/key/{key}: the share as its visitor sees
// it; its roots once the password and the consent it needs are given.
func shareLookup(c *call, key string) error {
	vis, err := c.openLink(key, shares.DownloadLink, c.requestCred())
	if err != nil {
		return err
	}
	s := c.sharePublic(vis.Link, true)
	if linkReady(vis) == nil {
		if s.Roots, err = visitRoots(c, vis); err != nil {
			return err
		}
	}
	return c.json(http.StatusOK, s)
}

// visitRoots describes the roots of a visit; their parents are outside
// the share, so their parent_id is 0.
func visitRoots(c *call, vis *shares.Visit) ([]ShareContent, error) {
	infos, err := vis.Roots(c.ctx)
	if err != nil {
		return nil, err
	}
	out := []ShareContent{}
	for _, info := range infos {
		out = append(out, shareContent(vis.Link, info, 0, info.Rights.Has(storage.Download)))
	}
	return out, nil
}

// shareRoots is GET /api/share/content/{key}.
func shareRoots(c *call, key string) error {
	vis, err := c.openLink(key, shares.DownloadLink, c.requestCred())
	if err != nil {
		return err
	}
	roots, err := visitRoots(c, vis)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, roots)
}

// shareFolder is GET /api/share/content/{key}/{folderId}: every child of
// a folder of the share.
func shareFolder(c *call) error {
	vis, err := c.visitKey(shares.DownloadLink)
	if err != nil {
		return err
	}
	id, err := c.id("folderId")
	if err != nil {
		return err
	}
	out := []ShareContent{}
	opt := storage.ListOptions{}
	for {
		page, err := vis.List(c.ctx, id, opt)
		if storage.Is(storage.Conflict, err) { // a file of the share
			return fail(http.StatusNotFound, msgNotFound)
		}
		if err != nil {
			return err
		}
		for _, info := range page.Items {
			out = append(out, shareContent(vis.Link, info, apiID(id), info.Rights.Has(storage.Download)))
		}
		if page.Next == "" {
			return c.json(http.StatusOK, out)
		}
		opt.After = page.Next
	}
}

// ShareActivity is the answer of GET /api/share/{id}/activity: the link's
// statistics by object. Events about the link itself (accesses, password
// failures, consents) are under an object with an empty guid and the
// link's name.
type ShareActivity struct {
	Objects []ShareActivityObject `json:"objects"`
}

// ShareActivityObject is one file or folder of a share and what happened to it.
type ShareActivityObject struct {
	ID    int64               `json:"id"`
	GUID  string              `json:"guid"`
	Name  string              `json:"name"`
	Stats []ShareActivityStat `json:"stats"`
}

// ShareActivityStat is one event: its action (access, download, upload,
// password_failure, consent), date and place ("City, Country" when known).
type ShareActivityStat struct {
	Action string `json:"action"`
	Date   string `json:"date"`
	Loc    string `json:"loc"`
}

func shareActivity(c *call) error {
	l, err := c.ownLink("a", isShare)
	if err != nil {
		return err
	}
	events, err := c.h.opts.Shares.Events(c.ctx, l.ID)
	if err != nil {
		return err
	}
	out := ShareActivity{Objects: []ShareActivityObject{}}
	index := map[storage.NodeID]int{}
	for _, e := range events {
		i, ok := index[e.Node]
		if !ok {
			out.Objects = append(out.Objects, c.activityObject(l, e.Node))
			i = len(out.Objects) - 1
			index[e.Node] = i
		}
		stat := ShareActivityStat{Action: e.Action, Date: date(e.Date)}
		if e.Geo != nil {
			stat.Loc = e.Geo.Loc
		}
		out.Objects[i].Stats = append(out.Objects[i].Stats, stat)
	}
	return c.json(http.StatusOK, out)
}

// activityObject names the node of an event as the caller sees it (a node
// gone since keeps its ID only); node 0 is the link itself.
func (c *call) activityObject(l shares.Link, node storage.NodeID) ShareActivityObject {
	o := ShareActivityObject{ID: apiID(node), Name: l.Name}
	if node == 0 {
		return o
	}
	o.Name = ""
	if info, err := c.ns.StatID(c.ctx, node); err == nil {
		o.GUID, o.Name = info.GUID, info.Name
	}
	return o
}

// zipToken is POST /api/zip/token/share {key} → {token}.
func (t linkTokens) zipToken(c *call) error {
	var in linkTokenBody
	if err := c.decode(&in); err != nil {
		return err
	}
	if in.Key == "" {
		return invalid("key", fieldRequired)
	}
	return t.issue(c, in.Key, in)
}

var fieldShareFile = text{"Indiquez le fichier du partage à télécharger (id).", "Name the file of the share to download (id)."}

// shareDownload is GET /api/share/download/file?token=&id=: a file of the
// share the token stands for.
func (t linkTokens) shareDownload(c *call) error {
	vis, err := t.visitToken(c, c.r.URL.Query().Get("token"), "")
	if err != nil {
		return err
	}
	id, err := strconv.ParseUint(c.r.URL.Query().Get("id"), 10, 64)
	if err != nil || id == 0 {
		return invalid("id", fieldShareFile)
	}
	return c.serveLinkFile(vis, storage.NodeID(id))
}

// shareZip is GET /api/zip/share/{key}: with a token for that key, or the
// request's own credentials.
func (t linkTokens) shareZip(c *call) error {
	key := c.r.PathValue("key")
	vis, err := t.visitKeyOrToken(c, key)
	if err != nil {
		return err
	}
	return c.serveLinkZip(vis)
}

// serveLinkFile streams a file of the visit's link, counted as one
// download, as serveFile does for accounts (Range, conditions); inline=1
// shows it in place when that is safe and the link does not force
// downloads.
func (c *call) serveLinkFile(vis *shares.Visit, id storage.NodeID) error {
	info, err := vis.Stat(c.ctx, id)
	if err != nil {
		return err
	}
	if info.Dir {
		return fail(http.StatusNotFound, msgNotFound)
	}
	d, err := vis.Take(c.ctx, id)
	if err != nil {
		return err
	}
	obj, err := d.Open(c.ctx, id)
	if err != nil {
		return err
	}
	defer obj.Close()
	c.serveObject(obj.Info(), obj, vis.Link.ForceDownload)
	return nil
}

// serveLinkZip streams every root of the visit's link as one ZIP archive,
// counted as one download (recorded for the first root), as zipDownload
// does (zip.go): folders whole, files the link may not download left out,
// and a connection cut rather than an archive that would look complete
// when an error comes once it has begun.
func (c *call) serveLinkZip(vis *shares.Visit) error {
	roots, err := vis.Roots(c.ctx)
	if err != nil {
		return err
	}
	if len(roots) == 0 {
		return fail(http.StatusNotFound, msgNotFound)
	}
	d, err := vis.Take(c.ctx, roots[0].ID)
	if err != nil {
		return err
	}
	name := "share.zip"
	switch {
	case len(roots) == 1 && roots[0].Dir:
		name = roots[0].Name + ".zip"
	case vis.Link.Name != "":
		name = vis.Link.Name + ".zip"
	}
	src := gateway.ZipSource{
		List: func(dir storage.Info, opt storage.ListOptions) (storage.Page, error) {
			return d.List(c.ctx, dir.ID, opt)
		},
		Open: func(file storage.Info) (storage.Object, error) { return d.Open(c.ctx, file.ID) },
	}
	if err := c.writeZip(name, gateway.ZipEntries(roots), src); err != nil {
		c.h.log.WarnContext(c.r.Context(), "link zip cut short", "path", c.r.URL.Path, "link", vis.Link.ID, "err", err)
		panic(http.ErrAbortHandler)
	}
	return nil
}
