package rest_test

import (
	"bytes"
	"errors"
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"

	"coffre/auth"
	"coffre/gateway/rest"
	"coffre/shares"
	"coffre/storage"
	"coffre/storage/engine"
)

// linkObj is a share link as /api/v1/clients/{id}/share-links answers it.
type linkObj struct {
	ID                 string   `json:"id"`
	Name               string   `json:"name"`
	ResourceType       *string  `json:"resource_type"`
	ResourceID         *string  `json:"resource_id"`
	AllowUpload        bool     `json:"allow_upload"`
	HasPassword        bool     `json:"has_password"`
	ExpiresAt          *string  `json:"expires_at"`
	MaxDownloads       *int     `json:"max_downloads"`
	Downloads          int      `json:"downloads"`
	RemainingDownloads *int     `json:"remaining_downloads"`
	IsActive           bool     `json:"is_active"`
	IsExpired          bool     `json:"is_expired"`
	Status             string   `json:"status"`
	ConsentRequired    bool     `json:"consent_required"`
	ConsentVersion     int      `json:"consent_version"`
	AllowedIPs         []string `json:"allowed_ips"`
	UploadLimit        int64    `json:"upload_limit"`
	Creator            struct {
		ID    string `json:"id"`
		Login string `json:"login"`
		Name  string `json:"name"`
	} `json:"creator"`
}

// created is the answer to a creation.
type created struct {
	ID        string `json:"id"`
	Token     string `json:"token"`
	URL       string `json:"url"`
	CreatedAt string `json:"created_at"`
}

// linkFixture is a server with its links store, a client Acme (root /Acme
// holding report.pdf and the folder In) and an outside file.
type linkFixture struct {
	*server
	links        *shares.Store
	acme         clientObj
	base         string // /api/v1/clients/{acme}/share-links
	file, folder storage.Info
	outside      storage.Info
}

func newLinkFixture(t *testing.T) *linkFixture {
	t.Helper()
	var links *shares.Store
	s := newServerWith(t, engine.Options{}, func(o *rest.Options) { links = o.Shares })
	f := &linkFixture{server: s, links: links}
	v1(t, s.Do(t, s.Admin.Token, "POST", "/api/v1/clients", map[string]any{"name": "Acme"}), http.StatusCreated, &f.acme)
	f.base = "/api/v1/clients/" + f.acme.ID + "/share-links"
	f.file = s.Put(t, "/Acme/report.pdf", []byte("the report"))
	f.folder = s.Mkdir(t, "/Acme/In")
	s.Mkdir(t, "/Other")
	f.outside = s.Put(t, "/Other/secret.txt", []byte("not Acme's"))
	return f
}

// create makes a link as token and returns the answer.
func (f *linkFixture) create(t *testing.T, token string, body map[string]any) created {
	t.Helper()
	var c created
	env := v1(t, f.Do(t, token, "POST", f.base, body), http.StatusCreated, &c)
	if env.Message == "" {
		t.Fatalf("no message: %+v", env)
	}
	return c
}

func (f *linkFixture) fileLink(t *testing.T, extra map[string]any) created {
	t.Helper()
	body := map[string]any{"name": "Rapport", "resource_type": "file", "resource_id": f.file.GUID}
	for k, v := range extra {
		body[k] = v
	}
	return f.create(t, f.Admin.Token, body)
}

var visitor = shares.Visitor{IP: "192.0.2.7", UserAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:120.0) Gecko/20100101 Firefox/120.0"}

func TestV1ShareLinksCreate(t *testing.T) {
	f := newLinkFixture(t)
	const password = "Mot-de-passe-du-lien-9"
	expires := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	c := f.fileLink(t, map[string]any{"password": password, "expires_at": expires.Format(time.RFC3339), "max_downloads": 10})
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(c.Token) || c.URL != "/s/"+c.Token || c.ID == "" {
		t.Fatalf("created %+v", c)
	}
	if _, err := time.Parse("2006-01-02T15:04:05.000000Z", c.CreatedAt); err != nil {
		t.Fatalf("created_at %q: %v", c.CreatedAt, err)
	}

	// The token opens the link, which wants its password.
	vis, err := f.links.Open(ctx, c.Token, visitor)
	if err != nil {
		t.Fatal(err)
	}
	id, _ := strconv.ParseUint(c.ID, 10, 64)
	if vis.Link.ID != id || vis.Link.ClientID != f.acme.ID || vis.Link.OwnerID != f.Admin.Principal.UserID ||
		!vis.NeedsPassword() || vis.NeedsConsent() || !vis.Link.Expires.Equal(expires) || vis.Link.MaxDownloads != 10 {
		t.Fatalf("opened %+v", vis.Link)
	}
	if _, err := vis.Unlock(ctx, password); err != nil {
		t.Fatal(err)
	}

	// Neither the password nor the token is stored in the clear.
	err = f.Meta.ScanPrefix(nil, nil, func(k, v []byte) error {
		for _, secret := range []string{password, c.Token} {
			if bytes.Contains(k, []byte(secret)) || bytes.Contains(v, []byte(secret)) {
				t.Errorf("%q stored in the clear under %q", secret, k)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// With a public address, the URL is absolute; consent and the others
	// reach the link.
	v1(t, f.Do(t, f.Admin.Token, "PUT", "/api/v1/platform-config", map[string]any{"public_url": "https://files.example.com/"}), http.StatusOK, nil)
	c = f.create(t, f.Admin.Token, map[string]any{"name": "Dépôt", "resource_type": "folder", "resource_id": f.folder.GUID,
		"allow_upload": true, "consent_text": "J'accepte.", "allowed_ips": []string{"192.0.2.0/24"}, "upload_limit": 1 << 20})
	if c.URL != "https://files.example.com/s/"+c.Token {
		t.Fatalf("url %q", c.URL)
	}
	vis, err = f.links.Open(ctx, c.Token, visitor)
	if err != nil {
		t.Fatal(err)
	}
	if l := vis.Link; !vis.NeedsConsent() || !l.AllowUpload || l.ConsentText != "J'accepte." || l.UploadLimit != 1<<20 || len(l.AllowedIPs) != 1 {
		t.Fatalf("opened %+v", l)
	}
	if _, err := f.links.Open(ctx, c.Token, shares.Visitor{IP: "198.51.100.1"}); !errors.Is(err, shares.ErrAddress) {
		t.Fatalf("from outside the allowed addresses: %v", err)
	}
}

func TestV1ShareLinksListAndDetail(t *testing.T) {
	f := newLinkFixture(t)
	one := f.fileLink(t, map[string]any{"max_downloads": 1, "password": "secret"})
	two := f.create(t, f.Admin.Token, map[string]any{"name": "Dossier", "resource_type": "folder", "resource_id": f.folder.GUID})

	// Newest first, with the creator.
	var list []linkObj
	env := v1(t, f.Do(t, f.Admin.Token, "GET", f.base, nil), http.StatusOK, &list)
	if p := env.Meta.Pagination; p == nil || p.Total != 2 || p.Page != 1 || p.PerPage != 20 || len(list) != 2 || list[0].ID != two.ID || list[1].ID != one.ID {
		t.Fatalf("list %+v %+v", list, env.Meta.Pagination)
	}
	for _, l := range list {
		if l.Creator.ID != f.Admin.Principal.UserID || l.Creator.Login != "admin" || l.Creator.Name == "" {
			t.Fatalf("creator %+v", l.Creator)
		}
	}
	env = v1(t, f.Do(t, f.Admin.Token, "GET", f.base+"?page=2&per_page=1", nil), http.StatusOK, &list)
	if len(list) != 1 || list[0].ID != one.ID || env.Meta.Pagination.TotalPages != 2 {
		t.Fatalf("page 2: %+v", list)
	}
	v1(t, f.Do(t, f.Admin.Token, "GET", f.base+"?per_page=0", nil), http.StatusUnprocessableEntity, nil)

	// The detail: fields and types.
	m := f.Do(t, f.Admin.Token, "GET", f.base+"/"+one.ID, nil).Want(t, http.StatusOK).Map(t)["data"].(map[string]any)
	wantTypes(t, m, map[string]string{"id": "string", "name": "string", "resource_type": "string", "resource_id": "string",
		"allow_upload": "bool", "has_password": "bool", "expires_at": "null", "max_downloads": "number", "downloads": "number",
		"remaining_downloads": "number", "is_active": "bool", "is_expired": "bool", "status": "string", "consent_required": "bool",
		"consent_version": "number", "allowed_ips": "array", "upload_limit": "number", "token_hint": "string",
		"created_at": "string", "updated_at": "string", "creator": "object", "token": "absent", "password": "absent"})
	var l linkObj
	v1(t, f.Do(t, f.Admin.Token, "GET", f.base+"/"+one.ID, nil), http.StatusOK, &l)
	if l.Name != "Rapport" || *l.ResourceType != "file" || *l.ResourceID != f.file.GUID || !l.HasPassword || *l.MaxDownloads != 1 ||
		*l.RemainingDownloads != 1 || !l.IsActive || l.IsExpired || l.Status != "active" || l.ConsentRequired || l.UploadLimit != shares.DefaultUploadLimit {
		t.Fatalf("detail %+v", l)
	}
	if m["token_hint"] != one.Token[:6] {
		t.Fatalf("token_hint %v", m["token_hint"])
	}
	v1(t, f.Do(t, f.Admin.Token, "GET", f.base+"/"+two.ID, nil), http.StatusOK, &l)
	if *l.ResourceType != "folder" || *l.ResourceID != f.folder.GUID || l.MaxDownloads != nil || l.RemainingDownloads != nil || l.HasPassword {
		t.Fatalf("folder link %+v", l)
	}

	// Its one download used, the first link is exhausted.
	vis, err := f.links.Open(ctx, one.Token, visitor)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vis.Unlock(ctx, "secret"); err != nil {
		t.Fatal(err)
	}
	if _, err := vis.Take(ctx, f.file.ID); err != nil {
		t.Fatal(err)
	}
	v1(t, f.Do(t, f.Admin.Token, "GET", f.base+"/"+one.ID, nil), http.StatusOK, &l)
	if l.Status != "exhausted" || l.Downloads != 1 || *l.RemainingDownloads != 0 || !l.IsActive {
		t.Fatalf("exhausted %+v", l)
	}

	// Unknown and malformed IDs are 404.
	for _, id := range []string{"999", "abc", "-1"} {
		v1(t, f.Do(t, f.Admin.Token, "GET", f.base+"/"+id, nil), http.StatusNotFound, nil)
	}
}

func TestV1ShareLinksToggleDelete(t *testing.T) {
	f := newLinkFixture(t)
	c := f.fileLink(t, nil)

	var l linkObj
	env := v1(t, f.Do(t, f.Admin.Token, "POST", f.base+"/"+c.ID+"/toggle", nil), http.StatusOK, &l)
	if l.IsActive || l.Status != "disabled" || env.Message != "Lien de partage désactivé." {
		t.Fatalf("toggled off %+v (%s)", l, env.Message)
	}
	if _, err := f.links.Open(ctx, c.Token, visitor); !errors.Is(err, shares.ErrDisabled) {
		t.Fatalf("open a disabled link: %v", err)
	}
	v1(t, f.Do(t, f.Admin.Token, "POST", f.base+"/"+c.ID+"/toggle", nil), http.StatusOK, &l)
	if !l.IsActive || l.Status != "active" {
		t.Fatalf("toggled on %+v", l)
	}
	if _, err := f.links.Open(ctx, c.Token, visitor); err != nil {
		t.Fatal(err)
	}

	v1(t, f.Do(t, f.Admin.Token, "DELETE", f.base+"/"+c.ID, nil), http.StatusOK, nil)
	v1(t, f.Do(t, f.Admin.Token, "GET", f.base+"/"+c.ID, nil), http.StatusNotFound, nil)
	v1(t, f.Do(t, f.Admin.Token, "DELETE", f.base+"/"+c.ID, nil), http.StatusNotFound, nil)
	v1(t, f.Do(t, f.Admin.Token, "POST", f.base+"/"+c.ID+"/toggle", nil), http.StatusNotFound, nil)
	if _, err := f.links.Open(ctx, c.Token, visitor); !storage.Is(storage.NotFound, err) {
		t.Fatalf("open a deleted link: %v", err)
	}
	var list []linkObj
	v1(t, f.Do(t, f.Admin.Token, "GET", f.base, nil), http.StatusOK, &list)
	if len(list) != 0 {
		t.Fatalf("list after delete %+v", list)
	}
}

func TestV1ShareLinksStats(t *testing.T) {
	f := newLinkFixture(t)
	c := f.fileLink(t, nil)

	// Opened and downloaded, then opened again from a phone.
	vis, err := f.links.Open(ctx, c.Token, visitor)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vis.Take(ctx, f.file.ID); err != nil {
		t.Fatal(err)
	}
	phone := shares.Visitor{IP: "192.0.2.8", UserAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"}
	if _, err := f.links.Open(ctx, c.Token, phone); err != nil {
		t.Fatal(err)
	}

	var st struct {
		LinkID         string         `json:"link_id"`
		TotalEvents    int            `json:"total_events"`
		Totals         map[string]int `json:"totals"`
		UniqueVisitors int            `json:"unique_visitors"`
		LastAccess     *string        `json:"last_access"`
		Events         []struct {
			Date    string `json:"date"`
			Action  string `json:"action"`
			IP      string `json:"ip"`
			Browser string `json:"browser"`
			OS      string `json:"os"`
			OSType  int    `json:"os_type"`
		} `json:"events"`
	}
	r := f.Do(t, f.Admin.Token, "GET", f.base+"/"+c.ID+"/stats", nil)
	env := v1(t, r, http.StatusOK, &st)
	if st.LinkID != c.ID || st.TotalEvents != 3 || st.Totals["access"] != 2 || st.Totals["download"] != 1 || st.Totals["upload"] != 0 ||
		st.UniqueVisitors != 2 || st.LastAccess == nil || env.Meta.Pagination.Total != 3 || len(st.Events) != 3 {
		t.Fatalf("stats %+v", st)
	}
	if _, ok := st.Totals["consent"]; !ok {
		t.Fatalf("totals without consent: %v", st.Totals)
	}
	// Newest first: the phone's access, the download, the first access.
	want := []struct{ action, ip, browser, os string }{
		{"access", "192.0.2.8", "Safari 17.0", "iOS"}, {"download", "192.0.2.7", "Firefox 120.0", "Windows"}, {"access", "192.0.2.7", "Firefox 120.0", "Windows"},
	}
	for i, w := range want {
		e := st.Events[i]
		if e.Action != w.action || e.IP != w.ip || e.Browser != w.browser || e.OS != w.os || e.Date == "" {
			t.Fatalf("event %d: %+v, want %+v", i, e, w)
		}
	}
	if st.Events[0].OSType != 5 || *st.LastAccess != st.Events[0].Date {
		t.Fatalf("os_type %d, last access %s", st.Events[0].OSType, *st.LastAccess)
	}
	ev := r.Map(t)["data"].(map[string]any)["events"].([]any)[0].(map[string]any)
	wantTypes(t, ev, map[string]string{"date": "string", "action": "string", "ip": "string", "user_agent": "string",
		"browser": "string", "os": "string", "os_type": "number", "geo": "null"})

	// The events are paged; the totals stay whole.
	env = v1(t, f.Do(t, f.Admin.Token, "GET", f.base+"/"+c.ID+"/stats?page=3&per_page=1", nil), http.StatusOK, &st)
	if len(st.Events) != 1 || st.Events[0].Action != "access" || st.Events[0].IP != "192.0.2.7" || st.TotalEvents != 3 || env.Meta.Pagination.TotalPages != 3 {
		t.Fatalf("page 3: %+v", st)
	}
}

func TestV1ShareLinksAccess(t *testing.T) {
	f := newLinkFixture(t)
	mia := f.NewAccount(t, "mia", auth.RoleManager)
	max2 := f.NewAccount(t, "max", auth.RoleManager)
	v1(t, f.Do(t, f.Admin.Token, "PUT", "/api/v1/clients/"+f.acme.ID, map[string]any{"members": []string{mia.Principal.UserID}}), http.StatusOK, nil)
	var beta clientObj
	f.Mkdir(t, "/Beta")
	v1(t, f.Do(t, f.Admin.Token, "POST", "/api/v1/clients", map[string]any{"name": "Beta", "root_folder": "/Beta",
		"members": []string{max2.Principal.UserID}}), http.StatusCreated, &beta)
	betaFile := f.Put(t, "/Beta/plan.txt", []byte("plan"))
	f.Grant(t, "/Beta", max2, storage.AllRights)

	adminLink := f.fileLink(t, nil)

	// A member manager without rights in the folder does not see the file;
	// with read rights but not share, she may not share it.
	body := map[string]any{"name": "Mien", "resource_type": "file", "resource_id": f.file.GUID}
	v1(t, f.Do(t, mia.Token, "POST", f.base, body), http.StatusUnprocessableEntity, nil)
	f.Grant(t, "/Acme", mia, storage.Browse|storage.Read|storage.Download)
	v1(t, f.Do(t, mia.Token, "POST", f.base, body), http.StatusForbidden, nil)
	f.Grant(t, "/Acme", mia, storage.AllRights)
	mine := f.create(t, mia.Token, body)

	// She sees every link of her client, and manages her own only.
	var list []linkObj
	v1(t, f.Do(t, mia.Token, "GET", f.base, nil), http.StatusOK, &list)
	if len(list) != 2 || list[0].ID != mine.ID || list[1].ID != adminLink.ID || list[0].Creator.Login != "mia" {
		t.Fatalf("mia's list %+v", list)
	}
	v1(t, f.Do(t, mia.Token, "GET", f.base+"/"+adminLink.ID+"/stats", nil), http.StatusOK, nil)
	v1(t, f.Do(t, mia.Token, "POST", f.base+"/"+adminLink.ID+"/toggle", nil), http.StatusForbidden, nil)
	v1(t, f.Do(t, mia.Token, "DELETE", f.base+"/"+adminLink.ID, nil), http.StatusForbidden, nil)
	v1(t, f.Do(t, mia.Token, "POST", f.base+"/"+mine.ID+"/toggle", nil), http.StatusOK, nil)

	// A manager of another client does not see this one; a plain user may
	// not use the API at all.
	paths := []struct{ method, path string }{
		{"GET", f.base}, {"POST", f.base}, {"GET", f.base + "/" + mine.ID}, {"DELETE", f.base + "/" + mine.ID},
		{"POST", f.base + "/" + mine.ID + "/toggle"}, {"GET", f.base + "/" + mine.ID + "/stats"},
	}
	for _, p := range paths {
		v1(t, f.Do(t, max2.Token, p.method, p.path, body), http.StatusNotFound, nil)
		v1(t, f.Do(t, f.User.Token, p.method, p.path, body), http.StatusForbidden, nil)
		v1(t, f.Do(t, "", p.method, p.path, body), http.StatusUnauthorized, nil)
	}

	// A link of Beta does not exist under Acme, even for an administrator.
	var theirs created
	v1(t, f.Do(t, max2.Token, "POST", "/api/v1/clients/"+beta.ID+"/share-links",
		map[string]any{"name": "Plan", "resource_type": "file", "resource_id": betaFile.GUID}), http.StatusCreated, &theirs)
	for _, p := range []struct{ method, path string }{{"GET", ""}, {"DELETE", ""}, {"POST", "/toggle"}, {"GET", "/stats"}} {
		v1(t, f.Do(t, f.Admin.Token, p.method, f.base+"/"+theirs.ID+p.path, nil), http.StatusNotFound, nil)
	}
	if _, err := f.links.Open(ctx, theirs.Token, visitor); err != nil {
		t.Fatalf("Beta's link after the refusals: %v", err)
	}
	v1(t, f.Do(t, f.Admin.Token, "GET", "/api/v1/clients/"+beta.ID+"/share-links/"+theirs.ID, nil), http.StatusOK, nil)
}

func TestV1ShareLinksValidation(t *testing.T) {
	f := newLinkFixture(t)
	admin := f.Admin.Token
	f.Mkdir(t, "/Acme-old")
	sibling := f.Put(t, "/Acme-old/report.pdf", []byte("beside Acme, not in it"))

	// Missing fields, all at once.
	env := v1(t, f.Do(t, admin, "POST", f.base, map[string]any{"allow_upload": true}), http.StatusUnprocessableEntity, nil)
	for _, field := range []string{"name", "resource_type", "resource_id"} {
		if len(env.Errors[field]) != 1 {
			t.Fatalf("missing %s: %+v", field, env.Errors)
		}
	}
	v1(t, f.Do(t, admin, "POST", f.base, nil), http.StatusUnprocessableEntity, nil)

	cases := []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"resource_type": "document", "resource_id": f.file.GUID}, "resource_type"},
		{map[string]any{"resource_type": "folder", "resource_id": f.file.GUID}, "resource_type"},
		{map[string]any{"resource_type": "file", "resource_id": f.folder.GUID}, "resource_type"},
		{map[string]any{"resource_type": "file", "resource_id": f.outside.GUID}, "resource_id"},
		{map[string]any{"resource_type": "file", "resource_id": sibling.GUID}, "resource_id"},
		{map[string]any{"resource_type": "folder", "resource_id": "6f1c1d8e-0000-4000-8000-000000000000"}, "resource_id"},
		{map[string]any{"resource_type": "folder", "resource_id": "not-a-guid"}, "resource_id"},
		{map[string]any{"resource_type": "file", "resource_id": f.file.GUID, "expires_at": "demain"}, "expires_at"},
		{map[string]any{"resource_type": "file", "resource_id": f.file.GUID, "expires_at": "2020-01-01T00:00:00Z"}, "expires_at"},
		{map[string]any{"resource_type": "file", "resource_id": f.file.GUID, "max_downloads": -1}, "max_downloads"},
		{map[string]any{"resource_type": "file", "resource_id": f.file.GUID, "max_downloads": "ten"}, "max_downloads"},
		{map[string]any{"resource_type": "file", "resource_id": f.file.GUID, "allow_upload": true}, "allow_upload"},
		{map[string]any{"resource_type": "file", "resource_id": f.file.GUID, "allowed_ips": []string{"intranet"}}, "allowed_ips"},
		{map[string]any{"resource_type": "folder", "resource_id": f.folder.GUID, "upload_limit": -5}, "upload_limit"},
	}
	for _, c := range cases {
		c.body["name"] = "Lien"
		env := v1(t, f.Do(t, admin, "POST", f.base, c.body), http.StatusUnprocessableEntity, nil)
		if len(env.Errors[c.field]) != 1 || len(env.Errors) != 1 {
			t.Fatalf("%v: errors %+v, want one on %s", c.body, env.Errors, c.field)
		}
	}
	// The store's refusals are told in French too.
	env = v1(t, f.Do(t, admin, "POST", f.base, map[string]any{"name": "Lien", "resource_type": "file", "resource_id": f.file.GUID,
		"expires_at": "2020-01-01T00:00:00Z"}), http.StatusUnprocessableEntity, nil)
	if env.Errors["expires_at"][0] != "La date d'expiration doit être dans le futur." {
		t.Fatalf("expires_at: %v", env.Errors)
	}
	// The client's root folder itself may be shared.
	f.create(t, admin, map[string]any{"name": "Tout", "resource_type": "folder", "resource_id": *f.acme.RootFolderGUID})
	v1(t, f.Do(t, admin, "POST", f.base, "{not json"), http.StatusBadRequest, nil)

	// Nothing was made by the refusals.
	var list []linkObj
	v1(t, f.Do(t, admin, "GET", f.base, nil), http.StatusOK, &list)
	if len(list) != 1 {
		t.Fatalf("%d links after the refusals", len(list))
	}
}

func TestV1ShareLinksWithoutStore(t *testing.T) {
	s := newServerWith(t, engine.Options{}, func(o *rest.Options) { o.Shares = nil })
	var acme clientObj
	v1(t, s.Do(t, s.Admin.Token, "POST", "/api/v1/clients", map[string]any{"name": "Acme"}), http.StatusCreated, &acme)
	v1(t, s.Do(t, s.Admin.Token, "GET", "/api/v1/clients/"+acme.ID+"/share-links", nil), http.StatusNotImplemented, nil)
	v1(t, s.Do(t, s.Admin.Token, "GET", "/api/v1/clients/nobody/share-links", nil), http.StatusNotFound, nil)
}
