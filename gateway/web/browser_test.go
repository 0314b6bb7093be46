package web_test

// Browser tests: the link pages driven in headless Chromium, as a person
// uses them, over the real stack (engine, links, these pages) and the S3
// endpoint beside them to check what a deposit stored. Each test skips when
// Chromium is not installed, unless COFFRE_E2E=1 (set by .ci/run, which
// installs it), where that fails it. Every page is saved as a PNG, on a
// desktop and on a phone, in $COFFRE_ARTIFACTS (by default a temporary
// folder the test logs), and on the phone nothing may scroll sideways.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"coffre/gateway"
	"coffre/gateway/s3"
	"coffre/shares"
	"coffre/storage"
)

// browserTimeout bounds each browser test, and the browser's start.
const browserTimeout = 60 * time.Second

// The viewports of the screenshots: a laptop, and a phone (an iPhone's
// 390×844 CSS pixels).
const (
	desktopW, desktopH = 1280, 800
	phoneW, phoneH     = 390, 844
)

// chromium is the browser's path; it skips the test when there is none,
// or fails it under COFFRE_E2E=1.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"/usr/bin/chromium", "chromium", "chromium-browser"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("COFFRE_E2E") == "1" {
		t.Fatal("COFFRE_E2E=1 but Chromium is not installed (apt-get install chromium)")
	}
	t.Skip("Chromium is not installed (apt-get install chromium; COFFRE_E2E=1 makes this a failure)")
	return ""
}

// chrome is the one browser of the package's tests, started by the first
// that needs it (a start takes seconds), closed by TestMain. Each test
// works in a tab of its own browser context: its own cookies.
var chrome struct {
	once  sync.Once
	ctx   context.Context
	close func()
	err   error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if chrome.close != nil {
		chrome.close() // waits for the browser to exit
	}
	os.Exit(code)
}

// startChrome starts the browser, with flags that work as root in a
// container, within browserTimeout.
func startChrome(path string) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Flag("headless", "new"),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(desktopW, desktopH),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	// The browser lives as long as the context of its first run: that one
	// has no deadline, so the start is bounded here instead.
	ctx, cancel := chromedp.NewContext(actx)
	chrome.ctx, chrome.close = ctx, func() { cancel(); cancelAlloc() }
	started := make(chan error, 1)
	go func() { started <- chromedp.Do(ctx) }()
	select {
	case chrome.err = <-started:
	case <-time.After(browserTimeout):
		chrome.err = fmt.Errorf("Chromium did not start within %v", browserTimeout)
	}
	if chrome.err != nil {
		chrome.close()
		chrome.close = nil
	}
}

// tab is one headless Chromium tab on the fixture's server.
type tab struct {
	t     *testing.T
	ctx   context.Context
	f     *fixture
	shots string // where the screenshots go
}

// newTab opens a desktop-sized tab, in a browser context of its own, that
// asks for pages in lang (an Accept-Language value). The whole test is
// bounded by browserTimeout.
func newTab(t *testing.T, f *fixture, lang string) *tab {
	t.Helper()
	path := chromium(t)
	chrome.once.Do(func() { startChrome(path) })
	if chrome.err != nil {
		t.Fatal(chrome.err)
	}
	ctx, cancelTab := chromedp.NewContext(chrome.ctx, chromedp.WithNewBrowserContext())
	ctx, cancelTime := context.WithTimeout(ctx, browserTimeout)
	t.Cleanup(func() {
		cancelTime()
		cancelTab()
	})
	b := &tab{t: t, ctx: ctx, f: f, shots: artifacts(t)}
	b.do(chromedp.EmulateViewport(desktopW, desktopH))
	b.language(lang)
	return b
}

// artifacts is the folder of the test's screenshots: $COFFRE_ARTIFACTS,
// or a temporary folder; the test logs it.
func artifacts(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("COFFRE_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", dir)
	return dir
}

// do runs actions in the tab.
func (b *tab) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		b.t.Fatal(err)
	}
}

// language makes the tab send Accept-Language: lang from now on.
func (b *tab) language(lang string) {
	b.t.Helper()
	if _, err := chromedp.Call(b.ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": lang}}); err != nil {
		b.t.Fatal(err)
	}
}

// open loads the server's path and returns the status of its page.
func (b *tab) open(path string) int64 {
	b.t.Helper()
	res, err := chromedp.Run(b.ctx, chromedp.NavigateResponse(b.f.srv.URL+path))
	if err != nil {
		b.t.Fatal(err)
	}
	return res.Status
}

// submit runs actions that send a form and returns the status of the page
// it leads to (after redirects).
func (b *tab) submit(actions ...chromedp.Action[chromedp.Void]) int64 {
	b.t.Helper()
	res, err := chromedp.RunResponse(b.ctx, actions...)
	if err != nil {
		b.t.Fatal(err)
	}
	return res.Status
}

// text is the text of the element sel, once visible.
func (b *tab) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		b.t.Fatalf("%s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// eval evaluates a JavaScript expression.
func eval[T any](b *tab, expr string) T {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		b.t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// wait waits until a JavaScript expression is true.
func (b *tab) wait(expr string) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](expr)); err != nil {
		b.t.Fatalf("waiting for %s: %v", expr, err)
	}
}

// shoot saves the page as <name>-desktop.png and <name>-phone.png, and
// fails the test when the page is wider than the phone's screen: nothing
// may need sideways scrolling. The tab is left at the desktop size.
func (b *tab) shoot(name string) {
	b.t.Helper()
	b.save(name + "-desktop.png")
	b.do(chromedp.EmulateViewport(phoneW, phoneH, chromedp.EmulateMobile, chromedp.EmulateScale(2), chromedp.EmulatePortrait))
	// The layout viewport is measured rather than trusted: a mobile
	// browser zooms out to show a page wider than the screen.
	w := eval[struct {
		Scroll int64 `json:"scroll"`
		Inner  int64 `json:"inner"`
	}](b, `({scroll: document.documentElement.scrollWidth, inner: window.innerWidth})`)
	b.save(name + "-phone.png")
	if w.Scroll > phoneW {
		b.t.Errorf("%s on a %dpx phone: the page is %dpx wide (window %dpx): it scrolls sideways", name, phoneW, w.Scroll, w.Inner)
	}
	b.do(chromedp.EmulateViewport(desktopW, desktopH))
}

func (b *tab) save(file string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(b.shots, file), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// download clicks sel, a link to an attachment, and returns the file the
// browser saved and the name it suggested.
func (b *tab) download(sel string) ([]byte, string) {
	b.t.Helper()
	dir := b.t.TempDir()
	begin := chromedp.Events(b.ctx, browser.DownloadWillBegin)
	progress := chromedp.Events(b.ctx, browser.DownloadProgress)
	_, err := chromedp.Call(b.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: new(true),
		BrowserContextID: chromedp.FromContext(b.ctx).BrowserContextID})
	if err != nil {
		b.t.Fatal(err)
	}
	b.do(chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	var name string
	for ev, err := range begin {
		if err != nil {
			b.t.Fatalf("no download began: %v", err)
		}
		name = ev.SuggestedFilename
		break
	}
	for ev, err := range progress {
		if err != nil {
			b.t.Fatalf("the download did not end: %v", err)
		}
		switch ev.State {
		case browser.DownloadProgressStateCanceled:
			b.t.Fatalf("the download of %s was cancelled", name)
		case browser.DownloadProgressStateCompleted:
			data, err := os.ReadFile(filepath.Join(dir, ev.GUID)) // allowAndName: saved under its GUID
			if err != nil {
				b.t.Fatal(err)
			}
			return data, name
		}
	}
	b.t.Fatal("the download's events ended before it did")
	return nil, ""
}

// randomBytes is n random bytes.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand)
	return b
}

// putBytes stores data at path as the administrator.
func (f *fixture) putBytes(t *testing.T, path string, data []byte) storage.Info {
	t.Helper()
	info, err := f.As(f.admin).Put(ctx, path, bytes.NewReader(data), storage.PutOptions{Size: int64(len(data))})
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// s3Get reads bucket/key through the S3 endpoint at base, signed with
// Signature V4 as the administrator.
func (f *fixture) s3Get(t *testing.T, base, bucket, key string) []byte {
	t.Helper()
	u := base + (&url.URL{Path: "/" + bucket + "/" + key}).EscapedPath()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	empty := sha256.Sum256(nil)
	hash := hex.EncodeToString(empty[:])
	req.Header.Set("X-Amz-Content-Sha256", hash)
	creds := aws.Credentials{AccessKeyID: f.admin.Access, SecretAccessKey: f.admin.Secret}
	// S3 encodes the path once in the signature; the SDK does the same.
	once := func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }
	if err := v4.NewSigner().SignHTTP(ctx, creds, req, hash, "s3", "us-east-1", time.Now(), once); err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("S3 GET %s/%s: status %d: %.300s", bucket, key, res.StatusCode, body)
	}
	return body
}

// longName is a file name long enough to test how the listing wraps on a
// phone.
const longName = "Compte-rendu_de_la_reunion_du_conseil_d_administration_du_30_avril_2026_version_definitive_signee.pdf"

// A person opens a link that asks for consent and a password: the consent
// page, the password form (a wrong password, then the right one), the
// listing with names and sizes, then a 3 MiB file downloaded by its button
// is byte for byte the file stored.
func TestBrowserDownload(t *testing.T) {
	f := newFixture(t)
	big := randomBytes(3 << 20)
	bigInfo := f.putBytes(t, "/team/docs/big.bin", big)
	f.put(t, "/team/docs/"+longName, "minutes")
	_, path := f.folderLink(t, shares.NewLink{Name: "Dossier client", Password: "open sesame", Consent: true,
		ConsentText: "Ces documents sont confidentiels.\nNe les transmettez pas.", Expires: time.Unix(0, f.now.Load()).Add(72 * time.Hour)})
	b := newTab(t, f, "fr-FR,fr;q=0.9")

	if status := b.open(path); status != http.StatusOK {
		t.Fatalf("the consent page: status %d", status)
	}
	if got := b.text("#consent-text"); !strings.Contains(got, "Ces documents sont confidentiels.") {
		t.Fatalf("the consent text: %q", got)
	}
	b.shoot("download-1-consent")
	if status := b.submit(chromedp.Click(chromedp.CSS("#consent-accept"), chromedp.NodeVisible)); status != http.StatusOK {
		t.Fatalf("after the consent: status %d", status)
	}

	b.do(chromedp.WaitVisible(chromedp.CSS("#password")))
	b.shoot("download-2-password")
	if status := b.submit(chromedp.SendKeys(chromedp.CSS("#password"), "wrong guess"), chromedp.Click(chromedp.CSS("#password-submit"))); status != http.StatusUnauthorized {
		t.Fatalf("a wrong password: status %d, want 401", status)
	}
	if got := b.text("#password-error"); got != "Mot de passe incorrect." {
		t.Fatalf("the password error: %q", got)
	}
	b.shoot("download-3-password-wrong")
	if status := b.submit(chromedp.SendKeys(chromedp.CSS("#password"), "open sesame"), chromedp.Click(chromedp.CSS("#password-submit"))); status != http.StatusOK {
		t.Fatalf("the right password: status %d", status)
	}

	type row struct {
		Name     string `json:"name"`
		Size     string `json:"size"`
		Download bool   `json:"download"`
	}
	b.do(chromedp.WaitVisible(chromedp.CSS("#file-list")))
	rows := eval[[]row](b, `[...document.querySelectorAll('#file-list tbody tr')].map(r => ({
		name: r.querySelector('.file-name').textContent, size: r.querySelector('.num').textContent,
		download: !!r.querySelector('a.download')}))`)
	want := map[string]string{"a.txt": "5 o", "b.txt": "4 o", "big.bin": "3 Mo", "sub": "—", longName: "7 o"}
	if len(rows) != len(want) {
		t.Fatalf("the listing: %+v", rows)
	}
	for _, r := range rows {
		if size, ok := want[r.Name]; !ok || r.Size != size || !r.Download {
			t.Fatalf("the listing's row %+v; want the sizes %v and a download button each", r, want)
		}
	}
	b.shoot("download-4-listing")

	data, name := b.download(fmt.Sprintf(`#file-list tr[data-id="%d"] a.download`, bigInfo.ID))
	if name != "big.bin" {
		t.Errorf("the download is named %q", name)
	}
	if !bytes.Equal(data, big) {
		t.Fatalf("the download: %d bytes unlike the %d stored", len(data), len(big))
	}
}

// A person opens a deposit link and sends two files through the file
// input: each progress bar reaches 100%, the summary counts both, and both
// are stored, byte for byte, where S3 finds them.
func TestBrowserDeposit(t *testing.T) {
	f := newFixture(t)
	discard := slog.New(slog.DiscardHandler)
	s3srv := httptest.NewServer(gateway.Wrap(s3.New(s3.Options{Service: f.Engine, Keys: f.Auth.SecretKey}), discard))
	t.Cleanup(s3srv.Close)
	_, path := f.link(t, shares.NewLink{Kind: shares.DepositLink, Name: "Pièces du dossier", Targets: []storage.NodeID{f.id(t, "/team/inbox")}})
	dir := t.TempDir()
	files := map[string][]byte{"rapport annuel.pdf": randomBytes(2 << 20), "notes é.txt": []byte("quelques notes\n")}
	var paths []string
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	b := newTab(t, f, "fr-FR,fr;q=0.9")

	if status := b.open(path); status != http.StatusOK {
		t.Fatalf("the deposit page: status %d", status)
	}
	b.shoot("deposit-1-empty")
	b.do(chromedp.SetUploadFiles(chromedp.CSS("#upload-input"), paths))
	b.wait(`document.querySelectorAll('#upload-list .progress[data-done]').length === 2 && document.getElementById('upload-result').textContent !== ''`)
	type item struct {
		Name   string `json:"name"`
		Status string `json:"status"`
		Value  int    `json:"value"`
		Result string `json:"result"`
	}
	items := eval[[]item](b, `[...document.querySelectorAll('#upload-list .upload-item')].map(li => ({
		name: li.querySelector('.upload-name').textContent, status: li.querySelector('.upload-status').textContent,
		value: li.querySelector('.progress').value, result: li.dataset.result}))`)
	if len(items) != 2 {
		t.Fatalf("the upload list: %+v", items)
	}
	for _, it := range items {
		if _, ok := files[it.Name]; !ok || it.Value != 100 || it.Result != "ok" || it.Status != "Envoyé" {
			t.Fatalf("the upload list: %+v", items)
		}
	}
	if got := b.text("#upload-result"); got != "2 fichier(s) envoyé(s), 0 échec(s)." {
		t.Fatalf("the upload's summary: %q", got)
	}
	b.shoot("deposit-2-uploaded")

	for name, data := range files {
		if got := f.s3Get(t, s3srv.URL, "team", "inbox/"+name); !bytes.Equal(got, data) {
			t.Fatalf("%s through S3: %d bytes unlike the %d sent", name, len(got), len(data))
		}
	}
}

// A link that has expired, and one whose downloads are used up, show why
// with 410 Gone: in French unless the browser prefers English.
func TestBrowserUnavailable(t *testing.T) {
	f := newFixture(t)
	_, expired := f.folderLink(t, shares.NewLink{Name: "Dossier client", Expires: time.Unix(0, f.now.Load()).Add(time.Hour)})
	_, usedUp := f.folderLink(t, shares.NewLink{Name: "Dossier client", MaxDownloads: 1})
	f.api().get(t, usedUp+"/download").want(t, http.StatusOK)
	f.advance(2 * time.Hour)
	// German asks for neither language: French, the default.
	b := newTab(t, f, "de-DE,de;q=0.9")

	for _, c := range []struct {
		shot, path, lang, title, message string
	}{
		{"unavailable-1-expired-fr", expired, "fr", "Lien indisponible", "Ce lien a expiré"},
		{"unavailable-2-used-up-fr", usedUp, "fr", "Lien indisponible", "Ce lien a atteint son nombre maximal de téléchargements"},
		{"unavailable-3-expired-en", expired, "en", "Link unavailable", "This link has expired"},
		{"unavailable-4-used-up-en", usedUp, "en", "Link unavailable", "This link's downloads are used up"},
	} {
		if c.lang == "en" {
			b.language("en-GB,en;q=0.9,fr;q=0.5")
		}
		if status := b.open(c.path); status != http.StatusGone {
			t.Fatalf("%s: status %d, want 410", c.shot, status)
		}
		if got := eval[string](b, `document.documentElement.lang`); got != c.lang {
			t.Errorf("%s: the page's language is %q", c.shot, got)
		}
		if got := b.text("#message-title"); got != c.title {
			t.Errorf("%s: the title is %q", c.shot, got)
		}
		if got := b.text("#message"); !strings.HasPrefix(got, c.message) {
			t.Errorf("%s: the message is %q", c.shot, got)
		}
		b.shoot(c.shot)
	}
}
