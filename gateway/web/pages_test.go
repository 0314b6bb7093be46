package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"coffre/shares"
	"coffre/storage"
)

const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// wantSafeHeaders checks the headers every page carries.
func wantSafeHeaders(t *testing.T, r *resp) {
	t.Helper()
	for name, want := range map[string]string{
		"Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
		"X-Frame-Options": "DENY", "Cache-Control": "no-store",
	} {
		if got := r.Header.Get(name); got != want {
			t.Errorf("%s: %s %q, want %q", r.Request.URL.Path, name, got, want)
		}
	}
}

// A person opens a link that requires consent and a password: the consent
// page, the password form, then the files, each step kept in a cookie.
func TestWebPageFlow(t *testing.T) {
	f := newFixture(t)
	_, path := f.folderLink(t, shares.NewLink{Name: "Dossier client", Password: "open sesame", Consent: true,
		ConsentText: "Vos renseignements personnels sont protégés (Loi 25)."})
	b := f.browser(t)
	// Content before the steps sends the browser to them.
	for _, route := range []string{"/download", "/files", "/files/1"} {
		if r := b.get(t, path+route).want(t, http.StatusSeeOther); r.Header.Get("Location") != path {
			t.Fatalf("%s before consent: to %q", route, r.Header.Get("Location"))
		}
	}
	consent := b.get(t, path).page(t, http.StatusOK, `id="consent-accept"`, "Vos renseignements personnels sont protégés (Loi 25).", `lang="fr"`)
	wantSafeHeaders(t, consent)
	b.get(t, path+"/consent-text").page(t, http.StatusOK, `id="consent-accept"`)
	r := b.form(t, path+"/accept-consent", "csrf", consent.csrf(t)).want(t, http.StatusSeeOther)
	c := r.cookie("coffre_consent")
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != path || c.MaxAge <= 0 {
		t.Fatalf("consent cookie %+v", c)
	}
	pw := b.get(t, path).page(t, http.StatusOK, `id="password"`, `id="password-submit"`)
	b.get(t, path+"/consent-text").page(t, http.StatusOK, "Vous avez déjà accepté")
	b.form(t, path+"/password", "csrf", pw.csrf(t), "password", "wrong").page(t, http.StatusUnauthorized, `id="password-error"`, "Mot de passe incorrect.")
	r = b.form(t, path+"/password", "csrf", pw.csrf(t), "password", "open sesame").want(t, http.StatusSeeOther)
	c = r.cookie("coffre_access")
	if c == nil || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Value == "" || strings.Contains(c.Value, "sesame") || c.MaxAge != 7200 {
		t.Fatalf("access cookie %+v", c)
	}
	list := b.get(t, path).page(t, http.StatusOK, `id="file-list"`, "a.txt", "b.txt", "sub", "5 o", `id="download-all"`)
	wantSafeHeaders(t, list)
	if strings.Contains(list.body, `id="upload-form"`) {
		t.Fatal("an upload form on a link that takes no files")
	}
	if r := b.get(t, path+"/download").want(t, http.StatusOK); r.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("download all: %v", r.Header)
	}
	a := f.id(t, "/team/docs/a.txt")
	if r := b.get(t, fmt.Sprintf("%s/files/%d?download=1", path, a)).want(t, http.StatusOK); r.body != "alpha" {
		t.Fatalf("file download %q", r.body)
	}
	// Another browser, without the cookies, starts over.
	f.browser(t).get(t, path).page(t, http.StatusOK, `id="consent-accept"`)
}

// Every POST from a browser needs the page's CSRF token, tied to its
// cookie; an API client without cookies needs none.
func TestWebCSRF(t *testing.T) {
	f := newFixture(t)
	_, path := f.folderLink(t, shares.NewLink{Password: "open sesame", Consent: true, ConsentText: "ok"})
	b := f.browser(t)
	page := b.get(t, path).want(t, http.StatusOK)
	token := page.csrf(t)
	b.form(t, path+"/accept-consent").page(t, http.StatusForbidden, "Le formulaire a expiré")
	b.form(t, path+"/accept-consent", "csrf", "forged").want(t, http.StatusForbidden)
	b.do(t, http.MethodPost, path+"/accept-consent", nil, "X-CSRF-Token", token+"x").want(t, http.StatusForbidden)
	// A token of another browser (another cookie) is refused.
	other := f.browser(t)
	other.get(t, path).want(t, http.StatusOK)
	other.form(t, path+"/accept-consent", "csrf", token).want(t, http.StatusForbidden)
	// Without the cookie, a request from another site's page is refused too.
	f.api().do(t, http.MethodPost, path+"/accept-consent", nil, "Origin", "https://evil.example").apiError(t, http.StatusForbidden, "csrf")
	f.api().do(t, http.MethodPost, path+"/password", strings.NewReader("password=open+sesame"),
		"Content-Type", "application/x-www-form-urlencoded", "Sec-Fetch-Site", "cross-site").apiError(t, http.StatusForbidden, "csrf")
	// Refused requests changed nothing: the browser still has to consent.
	b.get(t, path).page(t, http.StatusOK, `id="consent-accept"`)
	b.form(t, path+"/accept-consent", "csrf", token).want(t, http.StatusSeeOther)
	b.do(t, http.MethodPost, path+"/password", strings.NewReader("password=open+sesame"),
		"Content-Type", "application/x-www-form-urlencoded", "X-CSRF-Token", token).want(t, http.StatusSeeOther)
	b.get(t, path).page(t, http.StatusOK, `id="file-list"`)
}

// Names are text in pages, never markup.
func TestWebEscapesNames(t *testing.T) {
	f := newFixture(t)
	ns := f.As(f.admin)
	// A name cannot hold "/": this path is a folder "<script>alert(1)<"
	// holding "script>.txt", and shows as <script>alert(1)</script>.txt.
	if _, err := ns.Mkdir(ctx, "/team/docs/<script>alert(1)<"); err != nil {
		t.Fatal(err)
	}
	script := f.put(t, "/team/docs/<script>alert(1)</script>.txt", "x")
	f.put(t, `/team/docs/<img src=x onerror="alert(1)">.txt`, "y")
	_, path := f.folderLink(t, shares.NewLink{Name: `<b>Docs</b>`})
	b := f.browser(t)
	list := b.get(t, path).page(t, http.StatusOK, "&lt;script&gt;alert(1)&lt;", "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;.txt", "&lt;b&gt;Docs&lt;/b&gt;")
	file := b.get(t, fmt.Sprintf("%s/files/%d", path, script.ID)).page(t, http.StatusOK, "docs/&lt;script&gt;alert(1)&lt;/script&gt;.txt")
	for _, r := range []*resp{list, file} {
		for _, raw := range []string{"<script>alert", "<img src=x", "<b>Docs"} {
			if strings.Contains(r.body, raw) {
				t.Fatalf("%s: %q unescaped in the page", r.Request.URL.Path, raw)
			}
		}
		if strings.Count(r.body, "<script") != 1 { // the page's own script only
			t.Fatalf("%s: %d scripts", r.Request.URL.Path, strings.Count(r.body, "<script"))
		}
	}
	if r := b.get(t, fmt.Sprintf("%s/files/%d?download=1", path, script.ID)).want(t, http.StatusOK); r.Header.Get("Content-Disposition") !=
		`attachment; filename="script>.txt"; filename*=UTF-8''script%3E.txt` {
		t.Fatalf("Content-Disposition %q", r.Header.Get("Content-Disposition"))
	}
}

// Pages are French by default, English when the browser prefers it.
func TestWebLanguages(t *testing.T) {
	f := newFixture(t)
	file := f.id(t, "/team/docs/a.txt")
	_, path := f.link(t, shares.NewLink{Kind: shares.DownloadLink, Targets: []storage.NodeID{file}, Expires: time.Unix(0, f.now.Load()).Add(time.Hour)})
	f.advance(2 * time.Hour)
	for lang, want := range map[string]string{
		"":                        "Ce lien a expiré",
		"fr-CA,fr;q=0.9,en;q=0.8": "Ce lien a expiré",
		"en-US,en;q=0.9":          "This link has expired",
		"de-DE,de;q=0.9,en;q=0.5": "This link has expired",
		"en;q=0.4,fr;q=0.6":       "Ce lien a expiré",
		"es":                      "Ce lien a expiré",
	} {
		b := f.browser(t)
		b.lang = lang
		r := b.get(t, path).page(t, http.StatusGone, want)
		if wantLang := map[bool]string{true: "en", false: "fr"}[strings.HasPrefix(want, "This")]; r.Header.Get("Content-Language") != wantLang {
			t.Errorf("%q: Content-Language %q", lang, r.Header.Get("Content-Language"))
		}
		api := f.api()
		api.lang = lang
		if e := api.get(t, path).apiError(t, http.StatusGone, "expired"); !strings.HasPrefix(e.Message, want) {
			t.Errorf("%q: JSON message %q", lang, e.Message)
		}
	}
	_, open := f.folderLink(t, shares.NewLink{})
	en := f.browser(t)
	en.lang = "en"
	en.get(t, open).page(t, http.StatusOK, `lang="en"`, "Download all (ZIP)", "Modified", "5 B")
	f.browser(t).get(t, open).page(t, http.StatusOK, `lang="fr"`, "Tout télécharger (ZIP)", "Modifié", "5 o")
}

// Unknown, expired, used-up and disabled links have clear pages with their
// statuses.
func TestWebGonePages(t *testing.T) {
	f := newFixture(t)
	file := f.id(t, "/team/docs/a.txt")
	_, used := f.link(t, shares.NewLink{Kind: shares.DownloadLink, Targets: []storage.NodeID{file}, MaxDownloads: 1})
	off, disabled := f.link(t, shares.NewLink{Kind: shares.DownloadLink, Targets: []storage.NodeID{file}})
	yes := true
	if _, err := f.links.Update(ctx, f.admin.Principal, off.ID, shares.Change{Disabled: &yes}); err != nil {
		t.Fatal(err)
	}
	b := f.browser(t)
	b.get(t, used+"/download").want(t, http.StatusOK)
	for path, want := range map[string]struct {
		status int
		text   string
	}{
		"/s/" + strings.Repeat("0", 64): {http.StatusNotFound, "Ce lien n&#39;existe pas"},
		used:                            {http.StatusGone, "nombre maximal de téléchargements"},
		disabled:                        {http.StatusGone, "a été désactivé"},
	} {
		r := b.get(t, path).page(t, want.status, want.text, `id="message"`)
		wantSafeHeaders(t, r)
		if strings.Contains(r.body, "<form") {
			t.Fatalf("%s: a form on an error page", path)
		}
	}
}

func TestWebListingPages(t *testing.T) {
	f := newFixture(t)
	_, path := f.folderLink(t, shares.NewLink{Name: "Docs", MaxDownloads: 5, Expires: time.Date(2026, 6, 2, 15, 4, 0, 0, time.UTC)})
	b := f.browser(t)
	sub := f.id(t, "/team/docs/sub")
	top := b.get(t, path).page(t, http.StatusOK, "Disponible jusqu&#39;au", "2 juin 2026, 15:04 UTC", "Téléchargements restants : 5",
		fmt.Sprintf(`href="%s/files?folder=%d"`, path, sub), fmt.Sprintf(`href="%s/files/%d?download=1">Télécharger (ZIP)`, path, sub))
	if strings.Contains(top.body, `id="up"`) {
		t.Fatal("the link's top has a way up")
	}
	b.get(t, path+"/files").page(t, http.StatusOK, `id="file-list"`, "a.txt")
	// A subfolder, by ?folder= or by its page: its files and a way up.
	for _, p := range []string{fmt.Sprintf("%s/files?folder=%d", path, sub), fmt.Sprintf("%s/files/%d", path, sub)} {
		b.get(t, p).page(t, http.StatusOK, "docs/sub", "c.txt", fmt.Sprintf(`id="up" href="%s/files?folder=%d"`, path, f.id(t, "/team/docs")),
			fmt.Sprintf(`id="download-all" class="button primary" href="%s/files/%d?download=1"`, path, sub))
	}
	c := f.id(t, "/team/docs/sub/c.txt")
	b.get(t, fmt.Sprintf("%s/files/%d", path, c)).page(t, http.StatusOK, `id="download-file"`, "docs/sub/c.txt",
		fmt.Sprintf(`href="%s/files?folder=%d"`, path, sub))
	b.get(t, fmt.Sprintf("%s/files/%d", path, f.id(t, "/team/secret.txt"))).page(t, http.StatusNotFound, "n&#39;existe pas dans ce partage")
	// A preview-only link lists without download buttons, and refuses downloads.
	_, preview := f.folderLink(t, shares.NewLink{PreviewOnly: true})
	r := b.get(t, preview).page(t, http.StatusOK, "a.txt")
	if strings.Contains(r.body, "download=1") || strings.Contains(r.body, `id="download-all"`) {
		t.Fatal("download buttons on a preview-only link")
	}
	b.get(t, preview+"/download").page(t, http.StatusForbidden, "pas de les télécharger")
	f.api().get(t, preview+"/download").apiError(t, http.StatusForbidden, "forbidden")
}
