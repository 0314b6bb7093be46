package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"net/http"
	"time"

	"coffre/shares"
)

//go:embed assets
var assetFS embed.FS

// pageNames are the pages, each assets/<name>.html over assets/layout.html.
var pageNames = []string{"message", "consent", "password", "list", "file", "deposit", "uploaded", "encryption"}

func loadPages() (map[string]*template.Template, error) {
	out := map[string]*template.Template{}
	for _, name := range pageNames {
		t, err := template.New(name).Option("missingkey=error").ParseFS(assetFS, "assets/layout.html", "assets/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: page %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

// asset is an embedded stylesheet or script.
type asset struct {
	body    []byte
	ctype   string
	version string // a hash of body, in the URLs the pages use
}

func loadAssets() (map[string]asset, error) {
	out := map[string]asset{}
	for name, ctype := range map[string]string{"app.css": "text/css; charset=utf-8", "app.js": "text/javascript; charset=utf-8"} {
		b, err := assetFS.ReadFile("assets/" + name)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		out[name] = asset{body: b, ctype: ctype, version: hex.EncodeToString(sum[:6])}
	}
	return out, nil
}

// serveAsset: GET /s/_/<name>. The pages name assets with their version
// (?v=), so a browser may keep them; the ETag serves the others.
func (h *Handler) serveAsset(name string) http.Handler {
	a := h.assets[name]
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Type", a.ctype)
		hd.Set("ETag", `"`+a.version+`"`)
		if r.URL.Query().Get("v") == a.version {
			hd.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			hd.Set("Cache-Control", "public, max-age=3600")
		}
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
	})
}

// page is what a template shows; each page uses some of it.
type page struct {
	Lang, Title string
	L           map[string]string // labels
	CSS, JS     string
	Base        string // the link's path; "" when there is no link to show
	CSRF        string
	Link        *linkView

	Message, Tone string // message page
	Back          string // a way back
	Error         string // password page
	Consented     bool   // consent page reached when already given

	Items       []item // list and uploaded pages
	Up, Next    string
	DownloadAll string
	File        *item
	Upload      *uploadView
	Enc         *encView
}

// linkView describes the link on its pages.
type linkView struct {
	Name        string
	ConsentText string
	Expires     string
	ExpiresISO  string
	Remaining   string
}

// item is a file or folder in a page.
type item struct {
	ID             uint64
	Name, Path     string
	Dir            bool
	Size           string
	Date, DateISO  string
	Open, Download string // URLs: its page (or listing), its content
}

// uploadView is the upload form.
type uploadView struct {
	Action              string
	Limit               int64
	LimitText, TooLarge string
}

// encView is the encryption page.
type encView struct {
	TLS     bool
	Erasure string
}

// newPage starts a page about the request's link (when it is open).
func (q *req) newPage(title string) *page {
	p := &page{
		Lang: q.lang, Title: title, L: q.h.dict[q.lang],
		CSS: "/s/_/app.css?v=" + q.h.assets["app.css"].version,
		JS:  "/s/_/app.js?v=" + q.h.assets["app.js"].version,
	}
	if q.vis != nil {
		p.Base = q.base()
		p.Link = q.linkView()
		if p.Title == "" {
			p.Title = p.Link.Name
		}
	}
	return p
}

func (q *req) linkView() *linkView {
	l := q.vis.Link
	v := &linkView{Name: l.Name, ConsentText: l.ConsentText}
	if v.Name == "" {
		v.Name = labels["share"].in(q.lang)
		if l.Kind == shares.DepositLink {
			v.Name = labels["deposit"].in(q.lang)
		}
	}
	if !l.Expires.IsZero() {
		v.Expires, v.ExpiresISO = dateText(q.lang, l.Expires), l.Expires.UTC().Format(time.RFC3339)
	}
	if n := l.Remaining(); n >= 0 && l.Kind == shares.DownloadLink {
		v.Remaining = q.sprintf(msgRemaining, n)
	}
	return v
}

// render answers a page; it is written whole, so that a template error
// is a clean 500 rather than half a page.
func (q *req) render(status int, name string, p *page) error {
	var buf bytes.Buffer
	if err := q.h.pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		return fmt.Errorf("page %s: %w", name, err)
	}
	h := q.w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Language", q.lang)
	h.Set("Cache-Control", "no-store")
	q.w.WriteHeader(status)
	_, err := q.w.Write(buf.Bytes())
	return err
}

// messagePage shows a failure to a person.
func (q *req) messagePage(f *failure) error {
	title := map[int]text{
		http.StatusNotFound:  {"Introuvable", "Not found"},
		http.StatusGone:      {"Lien indisponible", "Link unavailable"},
		http.StatusForbidden: {"Accès refusé", "Access denied"},
	}[f.status]
	if title == (text{}) {
		title = text{"Impossible de continuer", "Cannot go on"}
	}
	p := q.newPage(title.in(q.lang))
	p.Title = title.in(q.lang)
	p.Message, p.Tone = f.text(q.lang), "error"
	if p.Base != "" && f.status != http.StatusGone {
		p.Back = p.Base
	}
	return q.render(f.status, "message", p)
}

// consentPage shows the consent text and its accept button.
func (q *req) consentPage() error {
	p := q.newPage(labels["consent_title"].in(q.lang))
	p.CSRF = q.csrfToken()
	p.Consented = !q.vis.NeedsConsent()
	return q.render(http.StatusOK, "consent", p)
}

// passwordPage shows the password form, with what went wrong.
func (q *req) passwordPage(status int, problem string) error {
	p := q.newPage(labels["password_title"].in(q.lang))
	p.CSRF = q.csrfToken()
	p.Error = problem
	return q.render(status, "password", p)
}

// uploadView is the upload form into folder (0: the link's own).
func (q *req) uploadView(folder uint64) *uploadView {
	limit := uploadLimit(q.vis.Link)
	action := q.base() + "/upload"
	if folder != 0 {
		action += fmt.Sprintf("?folder=%d", folder)
	}
	return &uploadView{Action: action, Limit: limit, LimitText: q.sprintf(msgUploadLimit, sizeText(q.lang, limit)),
		TooLarge: q.sprintf(msgTooLarge, sizeText(q.lang, limit))}
}

// depositPage is a deposit link's page: the upload form only.
func (q *req) depositPage() error {
	p := q.newPage("")
	p.CSRF = q.csrfToken()
	p.Upload = q.uploadView(0)
	return q.render(http.StatusOK, "deposit", p)
}

// encryptionPage tells what protects the content.
func (q *req) encryptionPage() error {
	p := q.newPage(labels["enc_title"].in(q.lang))
	p.Enc = &encView{TLS: q.secure()}
	if k, m := q.h.shards[0], q.h.shards[1]; k > 0 && m > 0 {
		p.Enc.Erasure = q.sprintf(msgErasure, k, m, k+m, m)
	}
	return q.render(http.StatusOK, "encryption", p)
}
