package rest

import (
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"path"
	"reflect"
	"strconv"
	"strings"
	"time"

	"coffre/shares"
	"coffre/storage"
)

// Links (netexplorer-reference.md §17, §18, §20): three families of routes
// over the one link model of package shares, which alone reads and writes
// link records, checks rights, passwords, consent, expiry and counts.
//
//   - /api/share… (share.go): the new share links. A share is any download
//     link.
//   - /api/sharelink… (sharelink.go): the legacy links. On the owner's side
//     a sharelink is a download link whose settings the legacy object
//     expresses whole: no consent, no address list, no uploads (the links
//     made through /api/sharelink always are); other download links are
//     404 there, so that a legacy client never edits what it cannot see.
//     Public routes by key take every download link.
//   - /api/ulink… (ulink.go): deposit links.
//
// Each family sees only its kind: a deposit link is 404 on the share
// routes, a download link on the ulink routes.
//
// Owners: only the owner of a link or an administrator reads, changes or
// deletes it (404 for anyone else: links of others are not revealed).
// Creating needs the Share right on every target; package shares checks it.
//
// Keys: the key is shown once, in the answer to the creation, with "url"
// (the page /s/{key} a person opens). Keys are stored hashed and cannot be
// shown again: later reads give in "key" only the key's first 6
// characters, to recognise it. A lost key means a new link.
//
// Visitors (public routes, no account): a link that needs a password
// answers its public lookup with its settings and no content; POST
// …/key/{key}/passcheck {password} returns {access_token}, valid two hours,
// which the client sends in the X-Share-Token header or the access_token
// query parameter. A link that needs consent likewise: POST
// …/key/{key}/consent returns {consent_token} (X-Consent-Token header or
// consent_token query parameter). Download tokens (POST
// /api/token/share/download/{key}, POST /api/zip/token/share, POST
// /api/token/sharelink/{key}/download) stand for the key and those
// credentials for five minutes, for links a browser opens without headers;
// each download they serve is counted against the link's maximum.
//
// Refusals: unknown key 404; a link that serves nothing any more 410,
// saying why (disabled, expired, downloads used up, owner's right
// revoked); an address the link does not allow 403; password missing or
// wrong 401; consent not given 403; too many wrong passwords 429 with
// Retry-After.

// linkRoutes registers the routes of the three families.
func (h *Handler) linkRoutes() {
	tokens := newLinkTokens(h.now)
	h.shareRoutes(tokens)
	h.sharelinkRoutes(tokens)
	h.ulinkRoutes()
}

// linkAuth and linkPublic register a link route, authenticated or public:
// without a store it answers 501, and the links' refusals get their
// statuses.
func (h *Handler) linkAuth(pattern string, fn handler)   { h.handle(pattern, linkHandler(fn)) }
func (h *Handler) linkPublic(pattern string, fn handler) { h.public(pattern, linkHandler(fn)) }

func linkHandler(fn handler) handler {
	return func(c *call) error {
		if c.h.opts.Shares == nil {
			return fail(http.StatusNotImplemented, msgNotSupported)
		}
		return linkError(fn(c))
	}
}

var (
	msgLinkUnknown   = text{"Ce lien n'existe pas.", "No such link."}
	msgLinkDisabled  = text{"Ce lien a été désactivé par son propriétaire.", "This link was disabled by its owner."}
	msgLinkExpired   = text{"Ce lien a expiré.", "This link has expired."}
	msgLinkExhausted = text{"Ce lien a atteint son nombre maximal de téléchargements.", "This link's downloads are used up."}
	msgLinkRevoked   = text{"Ce lien n'est plus valide : son propriétaire ne peut plus partager ce qu'il contient.", "This link is no longer valid: its owner may no longer share what it holds."}
	msgLinkAddress   = text{"Ce lien ne peut pas être ouvert depuis votre adresse.", "This link may not be opened from your address."}
	msgLinkPassword  = text{"Ce lien est protégé par un mot de passe : vérifiez-le (passcheck) et envoyez le jeton obtenu (X-Share-Token).", "This link is protected by a password: check it (passcheck) and send the token you get (X-Share-Token)."}
	msgLinkWrongPass = text{"Mot de passe du lien incorrect.", "Wrong password for this link."}
	msgLinkConsent   = text{"Acceptez d'abord le texte de consentement du lien (POST …/key/{key}/consent) et envoyez le jeton obtenu (X-Consent-Token).", "Accept the link's consent text first (POST …/key/{key}/consent) and send the token you get (X-Consent-Token)."}
)

// linkError gives the links' refusals their statuses and messages; other
// errors go to toAPI as they are.
func linkError(err error) error {
	if err == nil {
		return nil
	}
	for _, r := range []struct {
		cause  error
		status int
		msg    text
	}{
		{shares.ErrUnknown, http.StatusNotFound, msgLinkUnknown},
		{shares.ErrDisabled, http.StatusGone, msgLinkDisabled},
		{shares.ErrExpired, http.StatusGone, msgLinkExpired},
		{shares.ErrExhausted, http.StatusGone, msgLinkExhausted},
		{shares.ErrRevoked, http.StatusGone, msgLinkRevoked},
		{shares.ErrAddress, http.StatusForbidden, msgLinkAddress},
		{shares.ErrPassword, http.StatusUnauthorized, msgLinkPassword},
		{shares.ErrConsent, http.StatusForbidden, msgLinkConsent},
	} {
		if errors.Is(err, r.cause) {
			return &apiError{status: r.status, msg: r.msg, err: err}
		}
	}
	return err
}

// linkFieldError names the field of a link's validation error as the
// family's body does (the store says expires_at and targets).
func linkFieldError(err error, targets string) error {
	a := toAPI(err)
	if a.status != http.StatusUnprocessableEntity {
		return err
	}
	rename := map[string]string{"expires_at": "expiration_date", "targets": targets}
	for from, to := range rename {
		if msgs, ok := a.fields[from]; ok {
			delete(a.fields, from)
			a.fields[to] = msgs
		}
	}
	return a
}

// ownLink finds the link whose ID is the path value name, if the caller may
// manage it and it belongs to the family (match); 404 otherwise.
func (c *call) ownLink(name string, match func(shares.Link) bool) (shares.Link, error) {
	id, err := strconv.ParseUint(c.r.PathValue(name), 10, 64)
	if err != nil {
		return shares.Link{}, fail(http.StatusNotFound, msgLinkUnknown)
	}
	l, err := c.h.opts.Shares.Get(c.ctx, id)
	if err != nil {
		return shares.Link{}, err
	}
	if !shares.CanManage(c.p, l) || !match(l) {
		return shares.Link{}, fail(http.StatusNotFound, msgLinkUnknown)
	}
	return l, nil
}

// ownLinks lists the caller's links of a family, paged.
func (c *call) ownLinks(match func(shares.Link) bool) ([]shares.Link, int, int, error) {
	offset, limit, err := c.paging()
	if err != nil {
		return nil, 0, 0, err
	}
	all, err := c.h.opts.Shares.List(c.ctx, shares.Query{OwnerID: c.p.UserID})
	if err != nil {
		return nil, 0, 0, err
	}
	var out []shares.Link
	for _, l := range all {
		if match(l) {
			out = append(out, l)
		}
	}
	return out, offset, limit, nil
}

// listLinks is GET /api/{family}s: the caller's links of the family
// (match), paged, each as describe makes it.
func listLinks[T any](match func(shares.Link) bool, describe func(*call, shares.Link) (T, error)) handler {
	return func(c *call) error {
		links, offset, limit, err := c.ownLinks(match)
		if err != nil {
			return err
		}
		out := []T{}
		for _, l := range links {
			o, err := describe(c, l)
			if err != nil {
				return err
			}
			out = append(out, o)
		}
		return c.json(http.StatusOK, paged(out, offset, limit))
	}
}

// getLink is GET /api/{family}/{id}.
func getLink[T any](match func(shares.Link) bool, describe func(*call, shares.Link) (T, error)) handler {
	return func(c *call) error {
		l, err := c.ownLink("id", match)
		if err != nil {
			return err
		}
		return linkAnswer(c, l, describe)
	}
}

// linkBody is the body of a family's POST and PUT: a change of a link.
type linkBody interface {
	change(c *call) (shares.Change, error)
}

// updateLink is PUT /api/{family}/{id}, with a body In; targets names the
// family's field for the link's targets.
func updateLink[In linkBody, T any](match func(shares.Link) bool, targets string, describe func(*call, shares.Link) (T, error)) handler {
	return func(c *call) error {
		l, err := c.ownLink("id", match)
		if err != nil {
			return err
		}
		var in In
		if err := c.decode(&in); err != nil {
			return err
		}
		ch, err := in.change(c)
		if err != nil {
			return err
		}
		return changeLink(c, l, ch, targets, describe)
	}
}

// changeLink applies ch to l and answers the link as describe makes it.
func changeLink[T any](c *call, l shares.Link, ch shares.Change, targets string, describe func(*call, shares.Link) (T, error)) error {
	l, err := c.h.opts.Shares.Update(c.ctx, c.p, l.ID, ch)
	if err != nil {
		return linkFieldError(err, targets)
	}
	return linkAnswer(c, l, describe)
}

// linkAnswer answers l as describe makes it.
func linkAnswer[T any](c *call, l shares.Link, describe func(*call, shares.Link) (T, error)) error {
	o, err := describe(c, l)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, o)
}

// deleteLink is DELETE /api/{family}/{id}.
func deleteLink(match func(shares.Link) bool) handler {
	return func(c *call) error {
		l, err := c.ownLink("id", match)
		if err != nil {
			return err
		}
		if err := c.h.opts.Shares.Delete(c.ctx, c.p, l.ID); err != nil {
			return err
		}
		return c.noContent()
	}
}

// fillNewLink fills a link to create from the fields a body set.
func fillNewLink(nl *shares.NewLink, ch shares.Change) {
	linkSet(&nl.Name, ch.Name)
	linkSet(&nl.Password, ch.Password)
	linkSet(&nl.PreviewOnly, ch.PreviewOnly)
	linkSet(&nl.ForceDownload, ch.ForceDownload)
	linkSet(&nl.AutoUpdate, ch.AutoUpdate)
	linkSet(&nl.AllowUpload, ch.AllowUpload)
	linkSet(&nl.Notify, ch.Notify)
	linkSet(&nl.Expires, ch.Expires)
	linkSet(&nl.MaxDownloads, ch.MaxDownloads)
	linkSet(&nl.AllowedIPs, ch.AllowedIPs)
	linkSet(&nl.Consent, ch.Consent)
	linkSet(&nl.ConsentText, ch.ConsentText)
	linkSet(&nl.UploadLimit, ch.UploadLimit)
}

func linkSet[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// createLink creates nl for the caller and answers 201 with the object
// describe makes of it and its key (never shown again). targets names the
// family's field for the link's targets.
func (c *call) createLink(nl shares.NewLink, targets string, describe func(shares.Link, string) (any, error)) error {
	l, key, err := c.h.opts.Shares.Create(c.ctx, c.p, nl)
	if err != nil {
		return linkFieldError(err, targets)
	}
	obj, err := describe(l, key)
	if err != nil {
		return err
	}
	return c.json(http.StatusCreated, obj)
}

// linkURL is the address of the page a person opens for key, on the host
// the request came to.
func (c *call) linkURL(key string) string {
	scheme := "http"
	if c.r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.r.Host + "/s/" + key
}

// linkOwner names a link's owner.
func (c *call) linkOwner(l shares.Link) string { return fullName(c.user(l.OwnerID)) }

// targetInfos describes a link's targets as the caller sees them; targets
// gone or hidden are left out.
func (c *call) targetInfos(l shares.Link) ([]storage.Info, error) {
	var out []storage.Info
	for _, id := range l.Targets {
		info, err := c.ns.StatID(c.ctx, id)
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

// linkRemaining is a link's remaining downloads, null for no limit.
func linkRemaining(l shares.Link) *int {
	if n := l.Remaining(); n >= 0 {
		return &n
	}
	return nil
}

// linkMaxDownloads is a link's maximum, null for none.
func linkMaxDownloads(l shares.Link) *int {
	if l.MaxDownloads > 0 {
		return ptr(l.MaxDownloads)
	}
	return nil
}

// linkUploadLimit is the bytes a link takes per uploaded file.
func linkUploadLimit(l shares.Link) int64 {
	if l.UploadLimit == 0 {
		return shares.DefaultUploadLimit
	}
	return l.UploadLimit
}

// linkIPs lists a link's address rules.
func linkIPs(l shares.Link) []string {
	out := []string{}
	for _, p := range l.AllowedIPs {
		out = append(out, p.String())
	}
	return out
}

// linkOpt is a field of a JSON body that may be absent, null or a value.
type linkOpt[T any] struct {
	set, null bool
	v         T
}

func (o *linkOpt[T]) UnmarshalJSON(b []byte) error {
	o.set = true
	if string(b) == "null" {
		o.null = true
		return nil
	}
	return json.Unmarshal(b, &o.v)
}

var (
	fieldLinkDate    = text{"Date attendue au format ISO 8601 (2030-01-31T12:00:00Z), ou null pour aucune.", "Expected an ISO 8601 date (2030-01-31T12:00:00Z), or null for none."}
	fieldLinkMax     = text{"Nombre entier positif, ou 0 / null pour aucune limite.", "A positive integer, or 0 / null for no limit."}
	fieldLinkTarget  = text{"Fichier ou dossier introuvable : %d.", "No such file or folder: %d."}
	fieldLinkFile    = text{"N'est pas un fichier : %d.", "Not a file: %d."}
	fieldLinkFolder  = text{"N'est pas un dossier : %d.", "Not a folder: %d."}
	fieldLinkIDs     = text{"Liste d'identifiants attendue : [12, 34] ou [{\"id\": 12, \"entity_type\": 0}].", "Expected a list of IDs: [12, 34] or [{\"id\": 12, \"entity_type\": 0}]."}
	fieldLinkTargets = text{"Indiquez au moins un fichier ou dossier.", "Name at least one file or folder."}
)

// linkExpiry reads expiration_date into dst: null or "" for never.
func linkExpiry(f fields, o linkOpt[string], dst **time.Time) {
	if !o.set {
		return
	}
	t := time.Time{}
	if !o.null && o.v != "" {
		var ok bool
		if t, ok = parseDate(o.v); !ok {
			f.add("expiration_date", fieldLinkDate)
			return
		}
	}
	*dst = &t
}

// linkDownloadsLimit reads max_downloads into dst: null or 0 for no limit.
func linkDownloadsLimit(f fields, o linkOpt[int], dst **int) {
	if !o.set {
		return
	}
	if o.v < 0 {
		f.add("max_downloads", fieldLinkMax)
		return
	}
	*dst = ptr(o.v)
}

// linkTarget is a file or folder a body names: a plain ID (number or
// string of digits) or {id, entity_type} (0 file, 1 folder).
type linkTarget struct {
	id   storage.NodeID
	kind int // 0 file, 1 folder, -1 unsaid
}

func (t *linkTarget) UnmarshalJSON(b []byte) error {
	var obj struct {
		ID         flexInt `json:"id"`
		EntityType *int    `json:"entity_type"`
	}
	var n flexInt
	t.kind = -1
	if err := json.Unmarshal(b, &n); err == nil {
		t.id = storage.NodeID(n)
		return nil
	}
	if err := json.Unmarshal(b, &obj); err != nil || obj.ID <= 0 {
		return &json.UnmarshalTypeError{Value: string(b), Type: reflect.TypeFor[int64]()}
	}
	t.id = storage.NodeID(obj.ID)
	if obj.EntityType != nil {
		t.kind = *obj.EntityType
	}
	return nil
}

// Entity types of ShareContent and of targets (../shared/api/README.md).
const (
	shareEntityFile   = 0
	shareEntityFolder = 1
)

// resolveTargets finds the files and folders a body names, as the caller
// sees them; kind (shareEntityFile, shareEntityFolder or -1 for either) is
// what the field takes, a target's entity_type what it says it is. Missing
// ones are a 422 on field, since the request names them.
func (c *call) resolveTargets(f fields, field string, ts []linkTarget, kind int) ([]storage.NodeID, error) {
	var ids []storage.NodeID
	for _, t := range ts {
		info, err := c.ns.StatID(c.ctx, t.id)
		switch {
		case t.id <= 0 || storage.Is(storage.NotFound, err):
			f.add(field, fieldLinkTarget, t.id)
		case err != nil:
			return nil, err
		case (kind == shareEntityFile || t.kind == shareEntityFile) && info.Dir:
			f.add(field, fieldLinkFile, t.id)
		case (kind == shareEntityFolder || t.kind == shareEntityFolder) && !info.Dir:
			f.add(field, fieldLinkFolder, t.id)
		default:
			ids = append(ids, info.ID)
		}
	}
	return ids, nil
}

// linkConsentText sets a link's consent text: one that is not blank
// requires visitors to accept it, a blank one drops the consent.
func linkConsentText(ch *shares.Change, text *string) {
	if text != nil {
		ch.Consent, ch.ConsentText = ptr(strings.TrimSpace(*text) != ""), text
	}
}

// ShareContent is the seed's "Contenu de partage": a file or folder of a
// share. entity_type is 0 for a file, 1 for a folder; guid, extension and
// file_type are a file's; a folder's size is 0 (not computed: that would
// walk the tree for each folder listed).
type ShareContent struct {
	ID          int64  `json:"id"`
	EntityType  int    `json:"entity_type"`
	ShareID     uint64 `json:"share_id"`
	Name        string `json:"name"`
	CanDownload bool   `json:"can_download"`
	CanPreview  bool   `json:"can_preview"`
	CanEdit     bool   `json:"can_edit"`
	Size        int64  `json:"size"`
	ParentID    int64  `json:"parent_id"`
	GUID        string `json:"guid,omitempty"`
	Extension   string `json:"extension,omitempty"`
	FileType    string `json:"file_type,omitempty"`
	// Coffre's addition.
	Modification string `json:"modification"`
}

// shareContent describes info in link l; parent is its parent_id as the
// viewer may know it.
func shareContent(l shares.Link, info storage.Info, parent int64, download bool) ShareContent {
	sc := ShareContent{
		ID: apiID(info.ID), EntityType: shareEntityFolder, ShareID: l.ID, Name: info.Name,
		CanDownload: download, CanPreview: !l.ForceDownload, ParentID: parent, Modification: date(info.ModTime),
	}
	if !info.Dir {
		sc.EntityType, sc.Size, sc.GUID = shareEntityFile, info.Size, info.GUID
		sc.Extension = strings.TrimPrefix(strings.ToLower(path.Ext(info.Name)), ".")
		sc.FileType = linkFileType(info)
	}
	return sc
}

// linkFileType is how a viewer would preview a file: image, video, audio or
// document; "" when none fits.
func linkFileType(info storage.Info) string {
	mt, _, _ := mime.ParseMediaType(contentType(info))
	for _, p := range []string{"image", "video", "audio"} {
		if strings.HasPrefix(mt, p+"/") {
			return p
		}
	}
	if mt == "application/pdf" || strings.HasPrefix(mt, "text/") || strings.HasPrefix(mt, "application/vnd.") || mt == "application/msword" {
		return "document"
	}
	return ""
}
