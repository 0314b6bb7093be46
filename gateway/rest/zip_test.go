package rest_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"slices"
	"testing"

	"coffre/gateway/rest"
	"coffre/storage"
	"coffre/storage/engine"
)

// zipContents reads an archive: each entry's content by name ("" for
// folders), and each file's method.
func zipContents(t *testing.T, body []byte) (map[string]string, map[string]uint16) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatalf("not a zip (%d bytes): %v", len(body), err)
	}
	contents, methods := map[string]string{}, map[string]uint16{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc) // checks the CRC-32 at the end
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		contents[f.Name], methods[f.Name] = string(data), f.Method
	}
	return contents, methods
}

// zipTree arranges /team with two files and a folder docs holding a file
// two levels down and an empty folder.
func zipTree(t *testing.T, s *server) (big, small, docs storage.Info, data map[string][]byte) {
	s.Mkdir(t, "/team")
	data = map[string][]byte{
		"big.txt":        randomBytes(3<<20, 3),
		"photo.png":      randomBytes(70_000, 4),
		"sub/report.txt": bytes.Repeat([]byte("compressible line\n"), 10_000),
	}
	big = s.Put(t, "/team/big.txt", data["big.txt"])
	small = s.Put(t, "/team/photo.png", data["photo.png"])
	docs = s.Mkdir(t, "/team/docs")
	s.Mkdir(t, "/team/docs/sub")
	s.Mkdir(t, "/team/docs/empty")
	s.Put(t, "/team/docs/sub/report.txt", data["sub/report.txt"])
	return big, small, docs, data
}

func TestZipFilesAndFolder(t *testing.T) {
	s := newServer(t)
	big, small, docs, data := zipTree(t, s)
	want := map[string]string{
		"big.txt":             string(data["big.txt"]),
		"photo.png":           string(data["photo.png"]),
		"docs/":               "",
		"docs/sub/report.txt": string(data["sub/report.txt"]),
		"docs/empty/":         "",
	}
	for _, query := range []string{
		fmt.Sprintf("files=%d,%d&folders=%d", big.ID, small.ID, docs.ID),
		fmt.Sprintf("file=%d&file=%d&folder=%d&file=%d", big.ID, small.ID, docs.ID, big.ID),
	} {
		r := s.Do(t, s.Admin.Token, "GET", "/api/zip?"+query, nil).Want(t, http.StatusOK)
		if _, p, _ := mime.ParseMediaType(r.Header.Get("Content-Disposition")); p["filename"] != "archive.zip" || r.Header.Get("Content-Type") != "application/zip" {
			t.Errorf("headers: %v", r.Header)
		}
		got, methods := zipContents(t, r.Body)
		if len(got) != len(want) {
			t.Errorf("%s: entries %v", query, slices.Collect(maps.Keys(got)))
		}
		for name, content := range want {
			if c, ok := got[name]; !ok || c != content {
				t.Errorf("%s: entry %s: present %v, %d bytes, want %d", query, name, ok, len(c), len(content))
			}
		}
		if methods["photo.png"] != zip.Store || methods["docs/sub/report.txt"] != zip.Deflate {
			t.Errorf("methods: %v", methods)
		}
	}

	// One folder: the archive is named after it.
	r := s.Do(t, s.Admin.Token, "GET", fmt.Sprintf("/api/zip?folders=%d", docs.ID), nil).Want(t, http.StatusOK)
	if _, p, _ := mime.ParseMediaType(r.Header.Get("Content-Disposition")); p["filename"] != "docs.zip" {
		t.Errorf("single folder: %s", r.Header.Get("Content-Disposition"))
	}
	// Two files of the same name: the second gets a suffix.
	s.Mkdir(t, "/other")
	twin := s.Put(t, "/other/big.txt", []byte("twin"))
	got, _ := zipContents(t, s.Do(t, s.Admin.Token, "GET", fmt.Sprintf("/api/zip?files=%d,%d", big.ID, twin.ID), nil).Want(t, http.StatusOK).Body)
	if got["big (2).txt"] != "twin" || len(got["big.txt"]) != 3<<20 {
		t.Errorf("same names: %v", slices.Collect(maps.Keys(got)))
	}
}

func TestZipRights(t *testing.T) {
	s := newServerWith(t, engine.Options{LockRead: true}, func(*rest.Options) {})
	big, _, docs, data := zipTree(t, s)
	s.Mkdir(t, "/secret")
	hidden := s.Put(t, "/secret/x.txt", []byte("x"))
	s.Grant(t, "/team", s.User, storage.Browse|storage.Read)
	s.Grant(t, "/team/docs/sub", s.User, storage.Browse|storage.Read|storage.Download)

	// A named file without Download: 403 before anything is sent.
	s.Do(t, s.User.Token, "GET", fmt.Sprintf("/api/zip?files=%d&folders=%d", big.ID, docs.ID), nil).Want(t, http.StatusForbidden)
	// Out of sight: 404, a file's ID as a folder's too.
	s.Do(t, s.User.Token, "GET", fmt.Sprintf("/api/zip?files=%d", hidden.ID), nil).Want(t, http.StatusNotFound)
	s.Do(t, s.User.Token, "GET", fmt.Sprintf("/api/zip?folders=%d", big.ID), nil).Want(t, http.StatusNotFound)
	// Inside a folder, what bob may not download is left out.
	team, err := s.NS(s.Admin).Stat(ctx, "/team")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := zipContents(t, s.Do(t, s.User.Token, "GET", fmt.Sprintf("/api/zip?folders=%d", team.ID), nil).Want(t, http.StatusOK).Body)
	if len(got) != 3 || got["team/docs/sub/report.txt"] != string(data["sub/report.txt"]) || got["team/"] != "" || got["team/docs/empty/"] != "" {
		t.Errorf("bob's archive: %v", slices.Collect(maps.Keys(got)))
	}
	// Bad requests.
	s.Do(t, s.User.Token, "GET", "/api/zip", nil).Want(t, http.StatusUnprocessableEntity)
	s.Do(t, s.User.Token, "GET", "/api/zip?files=1,x", nil).Want(t, http.StatusUnprocessableEntity)
	s.Do(t, "", "GET", fmt.Sprintf("/api/zip?folders=%d", docs.ID), nil).Want(t, http.StatusUnauthorized)
}

// An error once the archive has begun cuts the connection: the client
// never receives an archive that looks complete.
func TestZipAbortsMidway(t *testing.T) {
	s := newServerWith(t, engine.Options{LockRead: true}, func(*rest.Options) {})
	zipTree(t, s)
	team, err := s.NS(s.Admin).Stat(ctx, "/team")
	if err != nil {
		t.Fatal(err)
	}
	s.Grant(t, "/team", s.User, storage.AllRights)
	// Listed after big.txt, which has gone out by then.
	if _, err := s.NS(s.Admin).Lock(ctx, "/team/photo.png", storage.LockOptions{Unreadable: true}); err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("%s/api/zip?folders=%d", s.URL, team.ID), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.User.Token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || err == nil {
		t.Fatalf("status %d, read error %v after %d bytes: want 200 then a cut", res.StatusCode, err, len(body))
	}
	if _, err := zip.NewReader(bytes.NewReader(body), int64(len(body))); err == nil {
		t.Fatal("the cut archive reads as complete")
	}
}
