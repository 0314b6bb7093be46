package web_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"sort"
	"strings"
	"testing"

	"coffre/shares"
	"coffre/storage"
)

// A deposit link takes several files in one multipart POST, into its
// folder, and shows nothing of it.
func TestWebDepositUpload(t *testing.T) {
	f := newFixture(t)
	f.put(t, "/team/inbox/report.pdf", "old")
	_, path := f.link(t, shares.NewLink{Kind: shares.DepositLink, Name: "Dépôt", Targets: []storage.NodeID{f.id(t, "/team/inbox")}})
	api := f.api()
	body, ctype := multipartBody(t, "file:report.pdf", "new report", "file:notes é.txt", "some notes")
	var out struct {
		Files []fileInfo `json:"files"`
	}
	api.do(t, http.MethodPost, path+"/upload", body, "Content-Type", ctype).want(t, http.StatusCreated).json(t, &out)
	if names(out.Files) != "report (2).pdf:file,notes é.txt:file" || out.Files[0].Size != 10 || out.Files[0].URL != "" || out.Files[0].DownloadURL != "" {
		t.Fatalf("uploaded %+v", out.Files)
	}
	if got := f.read(t, "/team/inbox/report (2).pdf"); got != "new report" {
		t.Fatalf("report (2).pdf holds %q", got)
	}
	if got := f.read(t, "/team/inbox/notes é.txt"); got != "some notes" {
		t.Fatalf("notes hold %q", got)
	}
	if got := f.read(t, "/team/inbox/report.pdf"); got != "old" {
		t.Fatalf("the existing file was replaced: %q", got)
	}
	// Nothing to see or take.
	for _, route := range []string{"/files", "/download", fmt.Sprintf("/files/%d", out.Files[0].ID)} {
		api.get(t, path+route).apiError(t, http.StatusForbidden, "deposit_only")
	}
	// The page: the upload form only, with the ids the browser tests use.
	b := f.browser(t)
	page := b.get(t, path).page(t, http.StatusOK, `id="upload-form"`, `id="upload-input"`, `id="upload-drop"`, `id="upload-result"`,
		`data-limit="26214400"`, "Taille maximale par fichier : 25 Mo", `action="`+path+`/upload"`)
	if strings.Contains(page.body, "report") || strings.Contains(page.body, `id="file-list"`) {
		t.Fatal("the deposit page shows the folder")
	}
	// The script's request: the token in a header.
	body, ctype = multipartBody(t, "file:from-js.txt", "js")
	b.do(t, http.MethodPost, path+"/upload", body, "Content-Type", ctype, "Accept", "application/json", "X-CSRF-Token", page.csrf(t)).
		want(t, http.StatusCreated)
	// The form without script: the token first in the body; a page answers.
	body, ctype = multipartBody(t, "csrf", page.csrf(t), "file:no-js-1.txt", "1", "file:no-js-2.txt", "2")
	b.do(t, http.MethodPost, path+"/upload", body, "Content-Type", ctype).page(t, http.StatusCreated, `id="upload-result"`, "no-js-1.txt", "no-js-2.txt")
	// Without the token, or with it after a file, nothing is stored.
	body, ctype = multipartBody(t, "file:forged.txt", "x")
	b.do(t, http.MethodPost, path+"/upload", body, "Content-Type", ctype).page(t, http.StatusForbidden, "Le formulaire a expiré")
	body, ctype = multipartBody(t, "file:late.txt", "x", "csrf", page.csrf(t))
	b.do(t, http.MethodPost, path+"/upload", body, "Content-Type", ctype).want(t, http.StatusForbidden)
	for _, name := range []string{"forged.txt", "late.txt"} {
		if _, err := f.As(f.admin).Stat(ctx, "/team/inbox/"+name); !storage.Is(storage.NotFound, err) {
			t.Fatalf("%s was stored without a CSRF token: %v", name, err)
		}
	}
	for _, name := range []string{"from-js.txt", "no-js-1.txt", "no-js-2.txt"} {
		f.read(t, "/team/inbox/"+name)
	}
	// Requests that are not uploads.
	api.do(t, http.MethodPost, path+"/upload", strings.NewReader("x"), "Content-Type", "text/plain").apiError(t, http.StatusBadRequest, "bad_request")
	body, ctype = multipartBody(t, "note", "no file here")
	api.do(t, http.MethodPost, path+"/upload", body, "Content-Type", ctype).apiError(t, http.StatusUnprocessableEntity, "no_file")
	body, ctype = multipartBody(t, "file:..", "x")
	api.do(t, http.MethodPost, path+"/upload", body, "Content-Type", ctype).apiError(t, http.StatusUnprocessableEntity, "invalid")
}

// A download link that takes uploads shows the form in its folders and
// stores into the folder shown.
func TestWebUploadIntoFolder(t *testing.T) {
	f := newFixture(t)
	_, path := f.folderLink(t, shares.NewLink{AllowUpload: true})
	sub := f.id(t, "/team/docs/sub")
	b := f.browser(t)
	page := b.get(t, fmt.Sprintf("%s/files?folder=%d", path, sub)).page(t, http.StatusOK, `id="file-list"`,
		fmt.Sprintf(`action="%s/upload?folder=%d"`, path, sub))
	body, ctype := multipartBody(t, "file:d.txt", "delta")
	b.do(t, http.MethodPost, fmt.Sprintf("%s/upload?folder=%d", path, sub), body, "Content-Type", ctype, "X-CSRF-Token", page.csrf(t), "Accept", "application/json").
		want(t, http.StatusCreated)
	if got := f.read(t, "/team/docs/sub/d.txt"); got != "delta" {
		t.Fatalf("d.txt holds %q", got)
	}
	// Outside the link, no.
	body, ctype = multipartBody(t, "file:e.txt", "e")
	f.api().do(t, http.MethodPost, fmt.Sprintf("%s/upload?folder=%d", path, f.id(t, "/team/inbox")), body, "Content-Type", ctype).
		apiError(t, http.StatusNotFound, "not_found")
	// A link that takes no files says so.
	_, plain := f.folderLink(t, shares.NewLink{})
	body, ctype = multipartBody(t, "file:e.txt", "e")
	f.api().do(t, http.MethodPost, plain+"/upload", body, "Content-Type", ctype).apiError(t, http.StatusForbidden, "forbidden")
}

// Files over the link's limit are refused with 413 and not stored; those
// before them in the request are, and the answer says which.
func TestWebUploadLimit(t *testing.T) {
	f := newFixture(t)
	_, path := f.link(t, shares.NewLink{Kind: shares.DepositLink, Targets: []storage.NodeID{f.id(t, "/team/inbox")}, UploadLimit: 10})
	api := f.api()
	body, ctype := multipartBody(t, "file:ok.txt", "0123456789", "file:big.txt", "0123456789A")
	e := api.do(t, http.MethodPost, path+"/upload", body, "Content-Type", ctype).apiError(t, http.StatusRequestEntityTooLarge, "too_large")
	if e.File != "big.txt" || len(e.Uploaded) != 1 || e.Uploaded[0]["name"] != "ok.txt" || !strings.Contains(e.Message, "10 o") {
		t.Fatalf("413 %+v", e)
	}
	if _, err := f.As(f.admin).Stat(ctx, "/team/inbox/big.txt"); !storage.Is(storage.NotFound, err) {
		t.Fatalf("big.txt was stored: %v", err)
	}
	f.read(t, "/team/inbox/ok.txt")
	b := f.browser(t)
	b.lang = "en"
	page := b.get(t, path).page(t, http.StatusOK, `data-limit="10"`, "Largest size per file: 10 B")
	body, ctype = multipartBody(t, "csrf", page.csrf(t), "file:big.txt", "0123456789A")
	b.do(t, http.MethodPost, path+"/upload", body, "Content-Type", ctype).page(t, http.StatusRequestEntityTooLarge, "exceeds the largest size this link takes (10 B)")
}

// The default limit, 25 MB, holds without a limit of the link's own: a
// file one byte over it is refused, streamed, never held in memory.
func TestWebUploadDefaultLimit(t *testing.T) {
	f := newFixture(t)
	_, path := f.link(t, shares.NewLink{Kind: shares.DepositLink, Targets: []storage.NodeID{f.id(t, "/team/inbox")}})
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		w, err := mw.CreateFormFile("file", "huge.bin")
		if err == nil {
			_, err = io.Copy(w, io.LimitReader(zeros{}, shares.DefaultUploadLimit+1))
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	f.api().do(t, http.MethodPost, path+"/upload", pr, "Content-Type", mw.FormDataContentType()).apiError(t, http.StatusRequestEntityTooLarge, "too_large")
	if _, err := f.As(f.admin).Stat(ctx, "/team/inbox/huge.bin"); !storage.Is(storage.NotFound, err) {
		t.Fatalf("huge.bin was stored: %v", err)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// A link's downloads are counted; once used up it answers 410.
func TestWebMaxDownloads(t *testing.T) {
	f := newFixture(t)
	_, path := f.link(t, shares.NewLink{Kind: shares.DownloadLink, Targets: []storage.NodeID{f.id(t, "/team/docs/a.txt")}, MaxDownloads: 2})
	api := f.api()
	// HEAD tells the size without counting.
	if r := api.do(t, http.MethodHead, path+"/download", nil).want(t, http.StatusOK); r.Header.Get("Content-Length") != "5" {
		t.Fatalf("HEAD: %v", r.Header)
	}
	for i := 0; i < 2; i++ {
		if r := api.get(t, path+"/download").want(t, http.StatusOK); r.body != "alpha" {
			t.Fatalf("download %d: %q", i, r.body)
		}
	}
	api.get(t, path+"/download").apiError(t, http.StatusGone, "exhausted")
	api.get(t, path).apiError(t, http.StatusGone, "exhausted")
	f.browser(t).get(t, path).page(t, http.StatusGone, "nombre maximal de téléchargements")
}

// A single file: its name, Range, conditional requests.
func TestWebFileDownload(t *testing.T) {
	f := newFixture(t)
	info := f.put(t, "/team/docs/résumé 2026.txt", "0123456789")
	_, path := f.link(t, shares.NewLink{Kind: shares.DownloadLink, Targets: []storage.NodeID{info.ID}})
	api := f.api()
	r := api.get(t, path+"/download").want(t, http.StatusOK)
	if r.body != "0123456789" || r.Header.Get("Content-Disposition") != `attachment; filename="r_sum_ 2026.txt"; filename*=UTF-8''r%C3%A9sum%C3%A9%202026.txt` ||
		r.Header.Get("Content-Type") != "text/plain; charset=utf-8" || r.Header.Get("ETag") == "" || r.Header.Get("Accept-Ranges") != "bytes" {
		t.Fatalf("download: %q %v", r.body, r.Header)
	}
	if r := api.get(t, path+"/download", "Range", "bytes=2-4").want(t, http.StatusPartialContent); r.body != "234" || r.Header.Get("Content-Range") != "bytes 2-4/10" {
		t.Fatalf("range: %q %v", r.body, r.Header)
	}
	api.get(t, path+"/download", "Range", "bytes=20-").want(t, http.StatusRequestedRangeNotSatisfiable)
	api.get(t, path+"/download", "If-None-Match", r.Header.Get("ETag")).want(t, http.StatusNotModified)
	// The version shared, not a later one.
	f.put(t, "/team/docs/résumé 2026.txt", "changed")
	if r := api.get(t, path+"/download").want(t, http.StatusOK); r.body != "0123456789" {
		t.Fatalf("pinned version: %q", r.body)
	}
}

// A folder comes as one ZIP, read back whole.
func TestWebZip(t *testing.T) {
	f := newFixture(t)
	if _, err := f.As(f.admin).Mkdir(ctx, "/team/docs/empty"); err != nil {
		t.Fatal(err)
	}
	l, path := f.folderLink(t, shares.NewLink{})
	api := f.api()
	r := api.get(t, path+"/download").want(t, http.StatusOK)
	if r.Header.Get("Content-Type") != "application/zip" || r.Header.Get("Content-Disposition") != `attachment; filename="docs.zip"; filename*=UTF-8''docs.zip` {
		t.Fatalf("headers %v", r.Header)
	}
	want := "docs/=,docs/a.txt=alpha,docs/b.txt=beta,docs/empty/=,docs/sub/c.txt=gamma"
	if got := unzip(t, r.body); got != want {
		t.Fatalf("archive:\n%s\nwant\n%s", got, want)
	}
	r = api.get(t, fmt.Sprintf("%s/files/%d?download=1", path, f.id(t, "/team/docs/sub"))).want(t, http.StatusOK)
	if got := unzip(t, r.body); got != "sub/=,sub/c.txt=gamma" || !strings.Contains(r.Header.Get("Content-Disposition"), `filename="sub.zip"`) {
		t.Fatalf("sub archive %s, %v", got, r.Header)
	}
	// Several targets in one archive, one download counted.
	_, several := f.link(t, shares.NewLink{Kind: shares.DownloadLink, Name: "Lot", Targets: []storage.NodeID{f.id(t, "/team/docs/sub"), f.id(t, "/team/secret.txt")}, MaxDownloads: 1})
	r = api.get(t, several+"/download").want(t, http.StatusOK)
	if got := unzip(t, r.body); got != "secret.txt=secret,sub/=,sub/c.txt=gamma" || !strings.Contains(r.Header.Get("Content-Disposition"), `filename="Lot.zip"`) {
		t.Fatalf("archive of several targets %s, %v", got, r.Header)
	}
	api.get(t, several+"/download").apiError(t, http.StatusGone, "exhausted")
	if got, _ := f.links.Get(ctx, l.ID); got.Downloads != 2 {
		t.Fatalf("the folder link counts %d downloads, want 2", got.Downloads)
	}
}

// unzip lists an archive as name=content, sorted.
func unzip(t *testing.T, data string) string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader([]byte(data)), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", zf.Name, err)
		}
		out = append(out, zf.Name+"="+string(b))
	}
	sort.Strings(out)
	return strings.Join(out, ",")
}
