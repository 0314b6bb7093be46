package web_test

import (
	"crypto/md5"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"coffre/gateway/web"
	"coffre/shares"
	"coffre/storage"
)

type linkInfo struct {
	Name               string     `json:"name"`
	Kind               string     `json:"kind"`
	ResourceType       string     `json:"resource_type"`
	FilesCount         *int       `json:"files_count"`
	ExpiresAt          *time.Time `json:"expires_at"`
	RequiresPassword   bool       `json:"requires_password"`
	RequiresConsent    bool       `json:"requires_consent"`
	NeedsPassword      bool       `json:"needs_password"`
	NeedsConsent       bool       `json:"needs_consent"`
	AllowDownload      bool       `json:"allow_download"`
	AllowUpload        bool       `json:"allow_upload"`
	UploadLimit        int64      `json:"upload_limit"`
	MaxDownloads       int        `json:"max_downloads"`
	RemainingDownloads *int       `json:"remaining_downloads"`
}

func TestWebInfo(t *testing.T) {
	f := newFixture(t)
	api := f.api()
	expires := time.Unix(0, f.now.Load()).Add(48 * time.Hour).UTC()
	_, path := f.folderLink(t, shares.NewLink{Name: "Docs", Expires: expires, MaxDownloads: 3})
	var info linkInfo
	api.get(t, path).want(t, http.StatusOK).json(t, &info)
	if info.Name != "Docs" || info.Kind != "download" || info.ResourceType != "folder" || info.FilesCount == nil || *info.FilesCount != 1 ||
		info.ExpiresAt == nil || !info.ExpiresAt.Equal(expires) || info.RequiresPassword || info.NeedsConsent || !info.AllowDownload ||
		info.AllowUpload || info.MaxDownloads != 3 || info.RemainingDownloads == nil || *info.RemainingDownloads != 3 {
		t.Fatalf("info %+v", info)
	}
	// A link without a limit of its own takes 25 MB per file.
	_, deposit := f.link(t, shares.NewLink{Kind: shares.DepositLink, Targets: []storage.NodeID{f.id(t, "/team/inbox")}})
	info = linkInfo{}
	api.get(t, deposit).want(t, http.StatusOK).json(t, &info)
	if info.Kind != "deposit" || !info.AllowUpload || info.AllowDownload || info.UploadLimit != shares.DefaultUploadLimit ||
		shares.DefaultUploadLimit != 25<<20 || info.RemainingDownloads != nil || info.FilesCount != nil {
		t.Fatalf("deposit info %+v", info)
	}
	// A password-protected link tells its settings, not its content.
	_, locked := f.folderLink(t, shares.NewLink{Password: "open sesame"})
	info = linkInfo{}
	api.get(t, locked).want(t, http.StatusOK).json(t, &info)
	if !info.RequiresPassword || !info.NeedsPassword || info.FilesCount != nil || info.ResourceType != "" {
		t.Fatalf("locked info %+v", info)
	}
	api.get(t, "/s/"+strings.Repeat("ab", 32)).apiError(t, http.StatusNotFound, "unknown_link")
	api.get(t, "/s/short").apiError(t, http.StatusNotFound, "unknown_link")
}

// Expired, used up, disabled and revoked links answer 410, each with its
// own message; an address outside the list, 403.
func TestWebGoneLinks(t *testing.T) {
	f := newFixture(t)
	api := f.api()
	file := f.id(t, "/team/docs/a.txt")
	_, expired := f.link(t, shares.NewLink{Kind: shares.DownloadLink, Targets: []storage.NodeID{file}, Expires: time.Unix(0, f.now.Load()).Add(time.Hour)})
	_, used := f.link(t, shares.NewLink{Kind: shares.DownloadLink, Targets: []storage.NodeID{file}, MaxDownloads: 1})
	disabledLink, disabled := f.link(t, shares.NewLink{Kind: shares.DownloadLink, Targets: []storage.NodeID{file}})
	_, elsewhere := f.link(t, shares.NewLink{Kind: shares.DownloadLink, Targets: []storage.NodeID{file}, AllowedIPs: []string{"192.0.2.0/24"}})

	api.get(t, used+"/download").want(t, http.StatusOK)
	off := true
	if _, err := f.links.Update(ctx, f.admin.Principal, disabledLink.ID, shares.Change{Disabled: &off}); err != nil {
		t.Fatal(err)
	}
	api.get(t, expired).want(t, http.StatusOK)
	f.advance(2 * time.Hour)
	messages := map[string]bool{}
	for path, code := range map[string]string{expired: "expired", used: "exhausted", disabled: "disabled"} {
		for _, route := range []string{"", "/download", "/files", "/consent-text", "/encryption-info"} {
			e := api.get(t, path+route).apiError(t, http.StatusGone, code)
			messages[e.Message] = true
		}
	}
	if len(messages) != 3 {
		t.Fatalf("the messages of expired, used up and disabled links are not distinct: %v", messages)
	}
	api.get(t, elsewhere).apiError(t, http.StatusForbidden, "address_not_allowed")
}

// An API client accepts the consent, then gives the password in a header,
// or the access token it got back for it.
func TestWebConsentAndPasswordAPI(t *testing.T) {
	f := newFixture(t)
	api := f.api()
	file := f.id(t, "/team/docs/a.txt")
	_, path := f.link(t, shares.NewLink{Kind: shares.DownloadLink, Targets: []storage.NodeID{file}, Password: "open sesame",
		Consent: true, ConsentText: "Vos données restent au Québec."})
	var text struct {
		Text     string `json:"text"`
		Version  int    `json:"version"`
		Required bool   `json:"required"`
	}
	api.get(t, path+"/consent-text").want(t, http.StatusOK).json(t, &text)
	if text.Text != "Vos données restent au Québec." || text.Version != 1 || !text.Required {
		t.Fatalf("consent text %+v", text)
	}
	api.get(t, path+"/download", "X-Share-Password", "open sesame").apiError(t, http.StatusForbidden, "consent_required")
	api.get(t, path+"/files").apiError(t, http.StatusForbidden, "consent_required")
	var accepted struct {
		Token string `json:"consent_token"`
	}
	api.do(t, http.MethodPost, path+"/accept-consent", nil).want(t, http.StatusOK).json(t, &accepted)
	if accepted.Token == "" {
		t.Fatal("no consent token")
	}
	consent := []string{"X-Consent-Token", accepted.Token}
	api.get(t, path+"/download", consent...).apiError(t, http.StatusUnauthorized, "password_required")
	r := api.get(t, path+"/download", append(consent, "X-Share-Password", "wrong")...)
	r.apiError(t, http.StatusUnauthorized, "wrong_password")
	if r.Header.Get("WWW-Authenticate") == "" {
		t.Fatal("401 without WWW-Authenticate")
	}
	r = api.get(t, path+"/download", append(consent, "X-Share-Password", "open sesame")...).want(t, http.StatusOK)
	token := r.Header.Get("X-Share-Token")
	if r.body != "alpha" || token == "" {
		t.Fatalf("download %q, token %q", r.body, token)
	}
	// The token stands for the password; a forged one does not.
	if r := api.get(t, path+"/download", append(consent, "X-Share-Token", token)...).want(t, http.StatusOK); r.body != "alpha" {
		t.Fatalf("download with the token: %q", r.body)
	}
	api.get(t, path+"/download", append(consent, "X-Share-Token", "forged")...).apiError(t, http.StatusUnauthorized, "password_required")
	// The password can be exchanged for a token on its own.
	var unlocked struct {
		Token     string `json:"access_token"`
		ExpiresIn int    `json:"expires_in"`
	}
	api.do(t, http.MethodPost, path+"/password", strings.NewReader("password=open+sesame"), "Content-Type", "application/x-www-form-urlencoded").
		want(t, http.StatusOK).json(t, &unlocked)
	if unlocked.Token == "" || unlocked.ExpiresIn != 7200 {
		t.Fatalf("password exchange %+v", unlocked)
	}
	var info linkInfo
	api.get(t, path, append(consent, "X-Share-Token", unlocked.Token)...).want(t, http.StatusOK).json(t, &info)
	if info.NeedsConsent || info.NeedsPassword || info.ResourceType != "file" {
		t.Fatalf("info with both tokens %+v", info)
	}
	// Two hours later the access token is spent; the consent still holds.
	f.advance(3 * time.Hour)
	api.get(t, path+"/download", append(consent, "X-Share-Token", unlocked.Token)...).apiError(t, http.StatusUnauthorized, "password_required")
}

// Wrong passwords meet the logins' back-off: 429 with Retry-After, through
// the header and the page's form alike.
func TestWebPasswordBackoff(t *testing.T) {
	f := newFixture(t)
	api := f.api()
	_, path := f.folderLink(t, shares.NewLink{Password: "open sesame"})
	for i := 0; i < 6; i++ { // five free failures, then the sixth starts a back-off
		api.get(t, path+"/files", "X-Share-Password", fmt.Sprint("wrong", i)).apiError(t, http.StatusUnauthorized, "wrong_password")
	}
	r := api.get(t, path+"/files", "X-Share-Password", "open sesame")
	if e := r.apiError(t, http.StatusTooManyRequests, "too_many_attempts"); e.Message != "Trop d'essais. Réessayez dans 1 s." {
		t.Fatalf("message %q", e.Message)
	}
	if r.Header.Get("Retry-After") != "1" {
		t.Fatalf("Retry-After %q", r.Header.Get("Retry-After"))
	}
	b := f.browser(t)
	page := b.get(t, path).page(t, http.StatusOK, `id="password"`)
	r = b.form(t, path+"/password", "csrf", page.csrf(t), "password", "open sesame")
	r.page(t, http.StatusTooManyRequests, `id="password-error"`, "Trop d&#39;essais. Réessayez dans 1 s.")
	if r.Header.Get("Retry-After") != "1" {
		t.Fatalf("Retry-After %q on the page", r.Header.Get("Retry-After"))
	}
	f.advance(2 * time.Second)
	api.get(t, path+"/files", "X-Share-Password", "open sesame").want(t, http.StatusOK)
}

type listing struct {
	Folder *fileInfo  `json:"folder"`
	Items  []fileInfo `json:"items"`
	Next   string     `json:"next"`
}

type fileInfo struct {
	ID          uint64    `json:"id"`
	Name        string    `json:"name"`
	Type        string    `json:"type"`
	Path        string    `json:"path"`
	Size        int64     `json:"size"`
	ContentType string    `json:"content_type"`
	MD5         string    `json:"md5"`
	ModifiedAt  time.Time `json:"modified_at"`
	URL         string    `json:"url"`
	DownloadURL string    `json:"download_url"`
}

func names(items []fileInfo) string {
	var out []string
	for _, it := range items {
		out = append(out, it.Name+":"+it.Type)
	}
	return strings.Join(out, ",")
}

func TestWebFilesJSON(t *testing.T) {
	f := newFixture(t)
	api := f.api()
	_, path := f.folderLink(t, shares.NewLink{})
	var l listing
	api.get(t, path+"/files").want(t, http.StatusOK).json(t, &l)
	if l.Folder == nil || l.Folder.Name != "docs" || names(l.Items) != "a.txt:file,b.txt:file,sub:folder" {
		t.Fatalf("listing %+v", l)
	}
	a := l.Items[0]
	if a.Size != 5 || a.Path != "docs/a.txt" || a.ContentType != "text/plain; charset=utf-8" || a.MD5 != fmt.Sprintf("%x", md5.Sum([]byte("alpha"))) ||
		a.ModifiedAt.IsZero() || a.URL != fmt.Sprintf("%s/files/%d", path, a.ID) || a.DownloadURL != a.URL+"?download=1" {
		t.Fatalf("a.txt %+v", a)
	}
	sub := l.Items[2]
	l = listing{}
	api.get(t, fmt.Sprintf("%s/files?folder=%d", path, sub.ID)).want(t, http.StatusOK).json(t, &l)
	if l.Folder.Path != "docs/sub" || names(l.Items) != "c.txt:file" || l.Items[0].Path != "docs/sub/c.txt" {
		t.Fatalf("sub listing %+v", l)
	}
	var one fileInfo
	api.get(t, a.URL).want(t, http.StatusOK).json(t, &one)
	if one.ID != a.ID || one.Name != "a.txt" || one.Size != 5 {
		t.Fatalf("file %+v", one)
	}
	if r := api.get(t, a.DownloadURL).want(t, http.StatusOK); r.body != "alpha" {
		t.Fatalf("file download %q", r.body)
	}
	// Nothing outside the link, whatever the ID.
	for _, p := range []string{"/team", "/team/secret.txt"} {
		id := f.id(t, p)
		api.get(t, fmt.Sprintf("%s/files/%d", path, id)).apiError(t, http.StatusNotFound, "not_found")
		api.get(t, fmt.Sprintf("%s/files/%d?download=1", path, id)).apiError(t, http.StatusNotFound, "not_found")
		api.get(t, fmt.Sprintf("%s/files?folder=%d", path, id)).apiError(t, http.StatusNotFound, "not_found")
	}
	api.get(t, path+"/files?folder=abc").apiError(t, http.StatusUnprocessableEntity, "invalid")
	api.get(t, fmt.Sprintf("%s/files?folder=%d", path, a.ID)).apiError(t, http.StatusUnprocessableEntity, "not_folder")
	api.get(t, path+"/files/abc").apiError(t, http.StatusNotFound, "not_found")

	// A link of several targets lists them.
	_, several := f.link(t, shares.NewLink{Kind: shares.DownloadLink, Targets: []storage.NodeID{f.id(t, "/team/docs/sub"), f.id(t, "/team/secret.txt")}})
	l = listing{}
	api.get(t, several+"/files").want(t, http.StatusOK).json(t, &l)
	if l.Folder != nil || names(l.Items) != "sub:folder,secret.txt:file" {
		t.Fatalf("several targets %+v", l)
	}
}

func TestWebEncryptionInfo(t *testing.T) {
	f := newFixture(t)
	_, path := f.folderLink(t, shares.NewLink{})
	var enc struct {
		AtRest struct {
			Encrypted bool   `json:"encrypted"`
			Algorithm string `json:"algorithm"`
		} `json:"at_rest"`
		Erasure struct {
			Data   int `json:"data_shards"`
			Parity int `json:"parity_shards"`
		} `json:"erasure_coding"`
		InTransit struct {
			TLS bool `json:"tls"`
		} `json:"in_transit"`
	}
	f.api().get(t, path+"/encryption-info").want(t, http.StatusOK).json(t, &enc)
	if !enc.AtRest.Encrypted || enc.AtRest.Algorithm != "AES-256-GCM" || enc.Erasure.Data != 2 || enc.Erasure.Parity != 2 || enc.InTransit.TLS {
		t.Fatalf("encryption info %+v", enc)
	}
	f.browser(t).get(t, path+"/encryption-info").page(t, http.StatusOK, "AES-256-GCM", "2 fragments de données et 2 de parité", `id="tls"`, "pas configuré pour TLS")

	// Behind TLS: it says so, and cookies are Secure.
	secure, err := web.New(web.Options{Links: f.links, Secure: true})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, path+"/encryption-info", nil)
	req.Header.Set("Accept", "application/json")
	secure.ServeHTTP(rec, req)
	if !strings.Contains(rec.Body.String(), `"tls":true`) || strings.Contains(rec.Body.String(), "erasure_coding") {
		t.Fatalf("behind TLS: %s", rec.Body)
	}
	_, consent := f.folderLink(t, shares.NewLink{Consent: true, ConsentText: "ok"})
	rec = httptest.NewRecorder()
	secure.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, consent, nil))
	if c := rec.Result().Cookies(); len(c) != 1 || !c[0].Secure || !c[0].HttpOnly || c[0].SameSite != http.SameSiteStrictMode {
		t.Fatalf("cookies behind TLS: %+v", c)
	}
}

func TestWebAssets(t *testing.T) {
	f := newFixture(t)
	_, path := f.folderLink(t, shares.NewLink{})
	page := f.browser(t).get(t, path).want(t, http.StatusOK)
	api := f.api()
	for _, name := range []string{"app.css", "app.js"} {
		i := strings.Index(page.body, "/s/_/"+name+"?v=")
		if i < 0 {
			t.Fatalf("the page does not use %s", name)
		}
		url := page.body[i:]
		url = url[:strings.IndexByte(url, '"')]
		r := api.get(t, url).want(t, http.StatusOK)
		if r.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || r.Header.Get("ETag") == "" || len(r.body) < 100 {
			t.Fatalf("%s: %v, %d bytes", url, r.Header, len(r.body))
		}
		if api.get(t, url, "If-None-Match", r.Header.Get("ETag")).StatusCode != http.StatusNotModified {
			t.Fatalf("%s: no 304 for its ETag", url)
		}
	}
	if ct := api.get(t, "/s/_/app.css").Header.Get("Content-Type"); ct != "text/css; charset=utf-8" {
		t.Fatalf("app.css as %q", ct)
	}
	api.get(t, "/s/_/other.js").want(t, http.StatusNotFound)
}
