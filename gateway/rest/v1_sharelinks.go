package rest

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"coffre/auth"
	"coffre/shares"
	"coffre/storage"
)

// Share links of a client, ConformVault-style (seed 000_…txt, issue 7):
//
//	GET    /api/v1/clients/{client_id}/share-links              paged, newest first: link objects
//	POST   /api/v1/clients/{client_id}/share-links              → 201 {id, token, url, created_at}
//	GET    /api/v1/clients/{client_id}/share-links/{id}         the link object
//	DELETE /api/v1/clients/{client_id}/share-links/{id}         the link and its statistics
//	POST   /api/v1/clients/{client_id}/share-links/{id}/toggle  enables a disabled link, disables an enabled one → the link object
//	GET    /api/v1/clients/{client_id}/share-links/{id}/stats   totals and the events, paged, newest first
//
// Who may: administrators and the managers who see the client (as for
// /api/v1/clients: others get 403, a client they do not see 404). Deleting
// and toggling are the link's creator's or an administrator's (package
// shares); another manager of the client gets 403. A link of another client
// is 404 under this one.
//
// {id} is the link's number in package shares, sent as a string ("42"), as
// the document's ids are strings.
//
// The creation body: name (required), resource_type ("file" or "folder",
// required), resource_id (the file's or folder's GUID, required; it must
// lie in the client's root folder, or be that folder), allow_upload
// (folders only), password, expires_at (RFC 3339, in the future),
// max_downloads (0 or absent: unlimited), and Coffre's consent_text (a
// visitor must accept it first when set), allowed_ips (addresses or CIDR
// prefixes) and upload_limit (bytes per uploaded file; 0: 25 MB). The
// creator needs the share right on the resource (and write to allow
// uploads). A file link follows the file's newest version. token is shown
// in this answer only; url is /s/{token}, absolute under the platform's
// public_url when one is set.
//
// The link object: {id, name, resource_type, resource_id, allow_upload,
// has_password, expires_at, max_downloads, downloads, remaining_downloads,
// is_active, is_expired, status, consent_required, consent_version,
// allowed_ips, upload_limit, token_hint, created_at, updated_at, creator:
// {id, login, name}}. resource_type and resource_id are null when the
// caller no longer sees the resource; expires_at, max_downloads and
// remaining_downloads are null without a limit; is_active is false for a
// disabled link; status is "active", "disabled", "expired" or "exhausted"
// (the first that applies); token_hint is the token's first characters,
// to recognise it.
//
// The statistics: {link_id, total_events, totals: {access, download,
// upload, password_failure, consent}, unique_visitors (distinct address and
// user agent), last_access (the latest event, null before any), events:
// [{date, action, ip, user_agent, browser, os, os_type, geo}]}, the events
// paged with page and per_page like every v1 list.
//
// Creations, changes and deletions are audited by package shares
// (share_link_create, share_link_update, share_link_delete).

func (h *Handler) v1ShareLinkRoutes() {
	const base = "/api/v1/clients/{client_id}/share-links"
	h.v1("GET "+base, h.v1LinkList)
	h.v1("POST "+base, h.v1LinkCreate)
	h.v1("GET "+base+"/{id}", h.v1LinkGet)
	h.v1("DELETE "+base+"/{id}", h.v1LinkDelete)
	h.v1("POST "+base+"/{id}/toggle", h.v1LinkToggle)
	h.v1("GET "+base+"/{id}/stats", h.v1LinkStats)
}

var (
	msgV1NoLink       = text{"Ce lien de partage n'existe pas.", "No such share link."}
	msgV1LinkCreated  = text{"Lien de partage créé avec succès.", "Share link created."}
	msgV1LinkDeleted  = text{"Lien de partage supprimé avec succès.", "Share link deleted."}
	msgV1LinkEnabled  = text{"Lien de partage activé.", "Share link enabled."}
	msgV1LinkDisabled = text{"Lien de partage désactivé.", "Share link disabled."}
	msgV1NoResource   = text{"Aucun fichier ni dossier visible n'a ce GUID.", "No visible file or folder has this GUID."}
	msgV1OutOfClient  = text{"Le fichier ou dossier doit se trouver dans le dossier racine du client.", "The file or folder must lie in the client's root folder."}
	msgV1ResourceType = text{"Valeurs possibles : file ou folder.", "Possible values: file or folder."}
	msgV1WrongType    = text{"Ce GUID désigne un %s.", "This GUID names a %s."}
	msgV1UploadFolder = text{"Seul un lien vers un dossier peut accepter des dépôts.", "Only a link to a folder can take uploads."}
	msgV1BadDate      = text{"Date RFC 3339 attendue (2026-03-01T00:00:00Z).", "An RFC 3339 date is expected (2026-03-01T00:00:00Z)."}

	// v1LinkFieldMessages explains, per field, what package shares refuses.
	v1LinkFieldMessages = map[string]text{
		"name":          text{"Au plus %d octets.", "At most %d bytes."}.format(shares.MaxName),
		"expires_at":    {"La date d'expiration doit être dans le futur.", "The expiry must be in the future."},
		"max_downloads": {"Un entier positif ou nul est attendu.", "A non-negative integer is expected."},
		"upload_limit":  {"Un entier positif ou nul est attendu.", "A non-negative integer is expected."},
		"consent_text":  text{"Au plus %d octets.", "At most %d bytes."}.format(shares.MaxConsentText),
		"allowed_ips": text{"Adresses IP ou plages CIDR attendues, au plus %d.",
			"IP addresses or CIDR prefixes are expected, at most %d."}.format(shares.MaxAllowedIPs),
	}
)

// v1LinkObject is a link as the v1 API shows it.
type v1LinkObject struct {
	ID                 string        `json:"id"`
	Name               string        `json:"name"`
	ResourceType       *string       `json:"resource_type"`
	ResourceID         *string       `json:"resource_id"`
	AllowUpload        bool          `json:"allow_upload"`
	HasPassword        bool          `json:"has_password"`
	ExpiresAt          *string       `json:"expires_at"`
	MaxDownloads       *int          `json:"max_downloads"`
	Downloads          int           `json:"downloads"`
	RemainingDownloads *int          `json:"remaining_downloads"`
	IsActive           bool          `json:"is_active"`
	IsExpired          bool          `json:"is_expired"`
	Status             string        `json:"status"`
	ConsentRequired    bool          `json:"consent_required"`
	ConsentVersion     int           `json:"consent_version"`
	AllowedIPs         []string      `json:"allowed_ips"`
	UploadLimit        int64         `json:"upload_limit"`
	TokenHint          string        `json:"token_hint"`
	CreatedAt          string        `json:"created_at"`
	UpdatedAt          string        `json:"updated_at"`
	Creator            v1LinkCreator `json:"creator"`
}

type v1LinkCreator struct {
	ID    string `json:"id"`
	Login string `json:"login"`
	Name  string `json:"name"`
}

func (c *call) v1LinkObject(l shares.Link) (v1LinkObject, error) {
	now := c.h.now()
	o := v1LinkObject{
		ID: strconv.FormatUint(l.ID, 10), Name: l.Name, AllowUpload: l.AllowUpload, HasPassword: l.HasPassword,
		Downloads: l.Downloads, IsActive: !l.Disabled, IsExpired: !l.Expires.IsZero() && !now.Before(l.Expires),
		MaxDownloads: linkMaxDownloads(l), RemainingDownloads: linkRemaining(l),
		Status: v1LinkStatus(l.Valid(now)), ConsentRequired: l.Consent, ConsentVersion: l.ConsentVer,
		AllowedIPs: linkIPs(l), UploadLimit: linkUploadLimit(l), TokenHint: l.KeyHint,
		CreatedAt: v1Date(l.Created), UpdatedAt: v1Date(l.Updated), Creator: v1LinkCreator{ID: l.OwnerID},
	}
	if !l.Expires.IsZero() {
		o.ExpiresAt = ptr(v1Date(l.Expires))
	}
	if u := c.user(l.OwnerID); u != nil {
		o.Creator.Login, o.Creator.Name = u.Login, fullName(u)
	}
	if len(l.Targets) > 0 {
		info, err := c.ns.StatID(c.ctx, l.Targets[0])
		switch {
		case err == nil:
			o.ResourceType, o.ResourceID = ptr(v1ResourceType(info)), ptr(info.GUID)
		case !storage.Is(storage.NotFound, err):
			return v1LinkObject{}, err
		}
	}
	return o, nil
}

// v1LinkStatus names why a link serves nothing (shares.Link.Valid), or
// "active".
func v1LinkStatus(err error) string {
	switch {
	case errors.Is(err, shares.ErrDisabled):
		return "disabled"
	case errors.Is(err, shares.ErrExpired):
		return "expired"
	case errors.Is(err, shares.ErrExhausted):
		return "exhausted"
	}
	return "active"
}

func v1ResourceType(info storage.Info) string {
	if info.Dir {
		return "folder"
	}
	return "file"
}

// v1Links returns the links store and the client of the path, if the caller
// sees it.
func (c *call) v1Links() (*shares.Store, auth.Client, error) {
	cl, err := c.client()
	if err != nil {
		return nil, auth.Client{}, err
	}
	if c.h.opts.Shares == nil {
		return nil, auth.Client{}, fail(http.StatusNotImplemented, msgNotSupported)
	}
	return c.h.opts.Shares, cl, nil
}

// v1Link returns the store, the client and the link of the path; a link of
// another client does not exist here.
func (c *call) v1Link() (*shares.Store, auth.Client, shares.Link, error) {
	store, cl, err := c.v1Links()
	if err != nil {
		return nil, auth.Client{}, shares.Link{}, err
	}
	id, err := strconv.ParseUint(c.r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, auth.Client{}, shares.Link{}, fail(http.StatusNotFound, msgV1NoLink)
	}
	l, err := store.Get(c.ctx, id)
	if storage.Is(storage.NotFound, err) || err == nil && l.ClientID != cl.ID {
		return nil, auth.Client{}, shares.Link{}, fail(http.StatusNotFound, msgV1NoLink)
	}
	return store, cl, l, err
}

func (h *Handler) v1LinkList(c *call) error {
	store, cl, err := c.v1Links()
	if err != nil {
		return err
	}
	page, perPage, err := c.v1Paging()
	if err != nil {
		return err
	}
	all, err := store.List(c.ctx, shares.Query{ClientID: cl.ID})
	if err != nil {
		return err
	}
	slices.Reverse(all)
	links, p := v1Slice(all, page, perPage)
	out := make([]v1LinkObject, 0, len(links))
	for _, l := range links {
		o, err := c.v1LinkObject(l)
		if err != nil {
			return err
		}
		out = append(out, o)
	}
	return c.v1List(out, p)
}

func (h *Handler) v1LinkGet(c *call) error {
	_, _, l, err := c.v1Link()
	if err != nil {
		return err
	}
	return c.answerLink(http.StatusOK, text{}, l)
}

// answerLink answers l as a link object.
func (c *call) answerLink(status int, msg text, l shares.Link) error {
	o, err := c.v1LinkObject(l)
	if err != nil {
		return err
	}
	return c.v1OK(status, msg, o)
}

// v1LinkInput is the body of POST .../share-links.
type v1LinkInput struct {
	Name         *string  `json:"name"`
	ResourceType *string  `json:"resource_type"`
	ResourceID   *string  `json:"resource_id"`
	AllowUpload  bool     `json:"allow_upload"`
	Password     string   `json:"password"`
	ExpiresAt    string   `json:"expires_at"`
	MaxDownloads int      `json:"max_downloads"`
	ConsentText  string   `json:"consent_text"`
	AllowedIPs   []string `json:"allowed_ips"`
	UploadLimit  int64    `json:"upload_limit"`
}

// v1LinkCreated is the answer to a creation.
type v1LinkCreated struct {
	ID        string `json:"id"`
	Token     string `json:"token"`
	URL       string `json:"url"`
	CreatedAt string `json:"created_at"`
}

func (h *Handler) v1LinkCreate(c *call) error {
	store, cl, err := c.v1Links()
	if err != nil {
		return err
	}
	var in v1LinkInput
	if err := c.decode(&in); err != nil {
		return err
	}
	f := fields{}
	if in.Name == nil || strings.TrimSpace(*in.Name) == "" {
		f.add("name", fieldRequired)
	}
	switch {
	case in.ResourceType == nil:
		f.add("resource_type", fieldRequired)
	case *in.ResourceType != "file" && *in.ResourceType != "folder":
		f.add("resource_type", msgV1ResourceType)
	}
	if in.ResourceID == nil || *in.ResourceID == "" {
		f.add("resource_id", fieldRequired)
	}
	var expires time.Time
	if in.ExpiresAt != "" {
		if expires, err = time.Parse(time.RFC3339, in.ExpiresAt); err != nil {
			f.add("expires_at", msgV1BadDate)
		}
	}
	if err := f.err(); err != nil {
		return err
	}
	target, err := c.v1LinkResource(cl, *in.ResourceType, *in.ResourceID, in.AllowUpload)
	if err != nil {
		return err
	}
	l, token, err := store.Create(c.ctx, c.p, shares.NewLink{
		Kind: shares.DownloadLink, Name: strings.TrimSpace(*in.Name), ClientID: cl.ID, Targets: []storage.NodeID{target},
		AllowUpload: in.AllowUpload, AutoUpdate: true, Password: in.Password, Expires: expires,
		MaxDownloads: in.MaxDownloads, AllowedIPs: in.AllowedIPs,
		Consent: in.ConsentText != "", ConsentText: in.ConsentText, UploadLimit: in.UploadLimit,
	})
	if err != nil {
		return v1LinkError(err)
	}
	url, err := c.v1LinkURL(token)
	if err != nil {
		return err
	}
	return c.v1OK(http.StatusCreated, msgV1LinkCreated,
		v1LinkCreated{ID: strconv.FormatUint(l.ID, 10), Token: token, URL: url, CreatedAt: v1Date(l.Created)})
}

// v1LinkResource finds the file or folder a new link of client cl shares:
// one the caller sees, of the type named, in the client's root folder.
func (c *call) v1LinkResource(cl auth.Client, typ, guid string, upload bool) (storage.NodeID, error) {
	info, err := c.ns.StatGUID(c.ctx, guid)
	if storage.Is(storage.NotFound, err) {
		return 0, invalid("resource_id", msgV1NoResource)
	}
	if err != nil {
		return 0, err
	}
	if got := v1ResourceType(info); got != typ {
		return 0, invalid("resource_type", msgV1WrongType, got)
	}
	if info.Path != cl.Root && !strings.HasPrefix(info.Path, cl.Root+"/") {
		return 0, invalid("resource_id", msgV1OutOfClient)
	}
	if upload && !info.Dir {
		return 0, invalid("allow_upload", msgV1UploadFolder)
	}
	return info.ID, nil
}

// v1LinkError gives the field errors of package shares messages in both
// languages.
func v1LinkError(err error) error {
	var fe *auth.FieldError
	if errors.As(err, &fe) {
		if msg, ok := v1LinkFieldMessages[fe.Field]; ok {
			return invalid(fe.Field, msg)
		}
	}
	return err
}

// v1LinkURL is the public address of the link with this token: under the
// platform's public_url, else relative to the server.
func (c *call) v1LinkURL(token string) (string, error) {
	p, err := c.platform()
	if err != nil {
		return "", err
	}
	return p.PublicURL + "/s/" + token, nil
}

func (h *Handler) v1LinkDelete(c *call) error {
	store, _, l, err := c.v1Link()
	if err != nil {
		return err
	}
	if err := store.Delete(c.ctx, c.p, l.ID); err != nil {
		return err
	}
	return c.v1OK(http.StatusOK, msgV1LinkDeleted, nil)
}

func (h *Handler) v1LinkToggle(c *call) error {
	store, _, l, err := c.v1Link()
	if err != nil {
		return err
	}
	l, err = store.Update(c.ctx, c.p, l.ID, shares.Change{Disabled: ptr(!l.Disabled)})
	if err != nil {
		return v1LinkError(err)
	}
	msg := msgV1LinkEnabled
	if l.Disabled {
		msg = msgV1LinkDisabled
	}
	return c.answerLink(http.StatusOK, msg, l)
}

// v1LinkStatsObject is the statistics of a link.
type v1LinkStatsObject struct {
	LinkID         string         `json:"link_id"`
	TotalEvents    int            `json:"total_events"`
	Totals         map[string]int `json:"totals"`
	UniqueVisitors int            `json:"unique_visitors"`
	LastAccess     *string        `json:"last_access"`
	Events         []v1LinkEvent  `json:"events"`
}

type v1LinkEvent struct {
	Date      string      `json:"date"`
	Action    string      `json:"action"`
	IP        string      `json:"ip"`
	UserAgent string      `json:"user_agent"`
	Browser   string      `json:"browser"`
	OS        string      `json:"os"`
	OSType    int         `json:"os_type"`
	Geo       *shares.Geo `json:"geo"`
}

func (h *Handler) v1LinkStats(c *call) error {
	store, _, l, err := c.v1Link()
	if err != nil {
		return err
	}
	page, perPage, err := c.v1Paging()
	if err != nil {
		return err
	}
	events, err := store.Events(c.ctx, l.ID)
	if err != nil {
		return err
	}
	st := v1LinkStatsObject{LinkID: strconv.FormatUint(l.ID, 10), TotalEvents: len(events),
		Totals: map[string]int{"access": 0, "download": 0, "upload": 0, "password_failure": 0, "consent": 0}}
	type visitor struct{ ip, ua string }
	visitors := map[visitor]bool{}
	for _, e := range events {
		st.Totals[e.Action]++
		visitors[visitor{e.IP, e.UserAgent}] = true
	}
	st.UniqueVisitors = len(visitors)
	slices.Reverse(events)
	if len(events) > 0 {
		st.LastAccess = ptr(v1Date(events[0].Date))
	}
	shown, p := v1Slice(events, page, perPage)
	st.Events = make([]v1LinkEvent, 0, len(shown))
	for _, e := range shown {
		st.Events = append(st.Events, v1LinkEvent{Date: v1Date(e.Date), Action: e.Action, IP: e.IP, UserAgent: e.UserAgent,
			Browser: e.Browser, OS: e.OS, OSType: e.OSType, Geo: e.Geo})
	}
	return c.v1List(st, p)
}
