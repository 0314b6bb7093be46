package rest_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"coffre/gateway"
	"coffre/gateway/rest"
	"coffre/storage"
)

// fileJSON is the part of a File object the upload tests read.
type fileJSON struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	ParentID     int64  `json:"parent_id"`
	Hash         string `json:"hash"`
	Size         int64  `json:"size"`
	Modification string `json:"modification"`
	NbVersions   int    `json:"nb_versions"`
}

// multipartBody is a form with the fields (name, value pairs) in order,
// then the file part targetFile when name is not empty.
func multipartBody(t testing.TB, name string, data []byte, fields ...string) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for i := 0; i+1 < len(fields); i += 2 {
		if err := mw.WriteField(fields[i], fields[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	if name != "" {
		w, err := mw.CreateFormFile("targetFile", name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), mw.FormDataContentType()
}

// uploadForm posts a multipart form to /api/file/upload (query included
// in path's suffix).
func (s *server) uploadForm(t testing.TB, token, query, name string, data []byte, fields ...string) response {
	t.Helper()
	b, ctype := multipartBody(t, name, data, fields...)
	return s.Do(t, token, "POST", "/api/file/upload"+query, b, "Content-Type", ctype)
}

// content reads the current version of the file at path as the admin.
func (s *server) content(t testing.TB, path string) ([]byte, storage.Info) {
	t.Helper()
	obj, err := s.NS(s.Admin).Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	info := obj.Info()
	data, err := io.ReadAll(io.NewSectionReader(obj, 0, info.Size))
	if err != nil {
		t.Fatal(err)
	}
	return data, info
}

func id(v int64) string { return strconv.FormatInt(v, 10) }

// frontEnd starts another REST handler over the server's stack, as the
// REST front end is after a restart. stop closes it, waiting for its
// requests to end.
func frontEnd(t *testing.T, s *server) (again *server, stop func()) {
	t.Helper()
	h, err := rest.New(rest.Options{Service: s.Engine, Auth: s.Auth, Audit: s.Audit})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(gateway.Wrap(h, slog.New(slog.DiscardHandler)))
	t.Cleanup(ts.Close)
	again = &server{Stack: s.Stack, URL: ts.URL, S3URL: s.S3URL, Admin: s.Admin, User: s.User}
	return again, ts.Close
}

// cutRequest sends prefix as the start of a body announced longer, then
// cuts the connection, as a client that dies mid-upload.
func cutRequest(t *testing.T, url, token, method string, prefix []byte, headers ...string) {
	t.Helper()
	pr, pw := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		pw.Write(prefix)
		pw.CloseWithError(errors.New("the client died"))
	}()
	req, err := http.NewRequestWithContext(ctx, method, url, pr)
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = int64(len(prefix)) + 100000
	req.Header.Set("Authorization", "Bearer "+token)
	// The body waits for the handler to read it, so that the cut reaches
	// the handler, not the server's request parsing.
	req.Header.Set("Expect", "100-continue")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	pr.Close()
	<-done
	if err == nil {
		res.Body.Close()
		t.Fatalf("the cut request got an answer: %d", res.StatusCode)
	}
}

// halfClosed sends the headers and prefix, the start of a body announced
// longer, then closes its side of the connection: the server reads an
// early end of the body (not a cancelled request, since the connection
// can still carry the answer), and answers.
func (s *server) halfClosed(t *testing.T, token, method, path string, prefix []byte, headers ...string) int {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var head bytes.Buffer
	fmt.Fprintf(&head, "%s %s HTTP/1.1\r\nHost: coffre\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n", method, path, token, len(prefix)+100000)
	for i := 0; i+1 < len(headers); i += 2 {
		fmt.Fprintf(&head, "%s: %s\r\n", headers[i], headers[i+1])
	}
	head.WriteString("\r\n")
	if _, err := conn.Write(append(head.Bytes(), prefix...)); err != nil {
		t.Fatal(err)
	}
	conn.(*net.TCPConn).CloseWrite()
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// team makes /team, where bob holds r.
func team(t *testing.T, s *server, r storage.Rights) storage.Info {
	t.Helper()
	info := s.Mkdir(t, "/team")
	s.Grant(t, "/team", s.User, r)
	return info
}

const bobRights = storage.Browse | storage.Read | storage.Download | storage.Write | storage.Edit

func TestUploadSingle(t *testing.T) {
	s := newServer(t)
	dir := team(t, s, bobRights)
	v1, v2 := []byte("first version"), []byte("second version, longer")

	r := s.uploadForm(t, s.User.Token, "", "a.txt", v1, "folderId", id(int64(dir.ID)), "fileSize", "13", "fileHash", md5hex(v1)).Want(t, http.StatusCreated)
	var f fileJSON
	r.JSON(t, &f)
	if f.Name != "a.txt" || f.ParentID != int64(dir.ID) || f.Size != 13 || f.Hash != md5hex(v1) || f.ID == 0 {
		t.Fatalf("new file: %s", r.Body)
	}
	// The same name is a new version of that file, never a second file;
	// parent_id names the folder too, here in the query.
	r = s.uploadForm(t, s.User.Token, "?full=1&parent_id="+id(int64(dir.ID))+"&modification=2021-03-04T05:06:07Z", "a.txt", v2).Want(t, http.StatusOK)
	var g fileJSON
	r.JSON(t, &g)
	if g.ID != f.ID || g.NbVersions != 2 || g.Hash != md5hex(v2) || g.Modification != "2021-03-04T05:06:07+00:00" {
		t.Fatalf("new version: %s", r.Body)
	}
	if data, info := s.content(t, "/team/a.txt"); !bytes.Equal(data, v2) || info.Versions != 2 {
		t.Fatalf("stored %q, %d versions", data, info.Versions)
	}
	page, err := s.NS(s.Admin).List(ctx, "/team", storage.ListOptions{})
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("the folder holds %d items (%v)", len(page.Items), err)
	}

	// The same file through WebDAV and S3: their writes are versions of
	// it, and WebDAV reads what REST wrote.
	req, _ := http.NewRequestWithContext(ctx, "GET", s.URL+"/dav/team/a.txt", nil)
	req.SetBasicAuth(s.User.Login, s.User.Password)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !bytes.Equal(got, v2) {
		t.Fatalf("WebDAV GET: %d %q", res.StatusCode, got)
	}
	if st := s.DAVPut(t, s.User, "/team/a.txt", []byte("from WebDAV")); st != http.StatusNoContent && st != http.StatusCreated {
		t.Fatalf("WebDAV PUT: %d", st)
	}
	if st := s.S3Put(t, s.Admin, "team", "a.txt", []byte("from S3")); st != http.StatusOK {
		t.Fatalf("S3 PUT: %d", st)
	}
	r = s.uploadForm(t, s.User.Token, "?full=1", "a.txt", v1, "folderId", id(int64(dir.ID))).Want(t, http.StatusOK)
	r.JSON(t, &g)
	if g.ID != f.ID || g.NbVersions != 5 {
		t.Fatalf("after WebDAV and S3: %s", r.Body)
	}
	if info, err := s.NS(s.Admin).Stat(ctx, "/team/a.txt"); err != nil || info.ID != storage.NodeID(f.ID) || info.Versions != 5 {
		t.Fatalf("namespace: %+v %v", info, err)
	}
}

func TestUploadBadInput(t *testing.T) {
	s := newServer(t)
	dir := team(t, s, bobRights)
	folder := id(int64(dir.ID))
	old := []byte("the old version")
	s.Put(t, "/team/kept.txt", old)

	// A content that does not match fileHash (or fileSize) changes nothing.
	r := s.uploadForm(t, s.User.Token, "", "new.txt", []byte("content"), "folderId", folder, "fileHash", md5hex([]byte("other"))).Want(t, http.StatusUnprocessableEntity)
	if m := r.Map(t); m["errors"].(map[string]any)["fileHash"] == nil {
		t.Fatalf("no fileHash error: %s", r.Body)
	}
	if _, err := s.NS(s.Admin).Stat(ctx, "/team/new.txt"); !storage.Is(storage.NotFound, err) {
		t.Fatalf("a mismatched upload left a file: %v", err)
	}
	s.uploadForm(t, s.User.Token, "", "kept.txt", []byte("content"), "folderId", folder, "fileHash", md5hex([]byte("other"))).Want(t, http.StatusUnprocessableEntity)
	r = s.uploadForm(t, s.User.Token, "", "kept.txt", []byte("content"), "folderId", folder, "fileSize", "99").Want(t, http.StatusUnprocessableEntity)
	if m := r.Map(t); m["errors"].(map[string]any)["fileSize"] == nil {
		t.Fatalf("no fileSize error: %s", r.Body)
	}
	if data, info := s.content(t, "/team/kept.txt"); !bytes.Equal(data, old) || info.Versions != 1 {
		t.Fatalf("after mismatches: %q, %d versions", data, info.Versions)
	}

	// Fields are checked before anything is stored.
	r = s.uploadForm(t, s.User.Token, "", "x.txt", []byte("x"), "folderId", folder, "fileHash", "zz", "fileSize", "-1", "modification", "yesterday").Want(t, http.StatusUnprocessableEntity)
	if errs := r.Map(t)["errors"].(map[string]any); errs["fileHash"] == nil || errs["fileSize"] == nil || errs["modification"] == nil {
		t.Fatalf("field errors: %s", r.Body)
	}
	s.uploadForm(t, s.User.Token, "", "bad:name", []byte("x"), "folderId", folder).Want(t, http.StatusUnprocessableEntity)
	s.uploadForm(t, s.User.Token, "", "x.txt", []byte("x"), "folderId", "999999").Want(t, http.StatusUnprocessableEntity)
	s.uploadForm(t, s.User.Token, "", "x.txt", []byte("x"), "folderId", "0").Want(t, http.StatusUnprocessableEntity)
	s.uploadForm(t, s.User.Token, "", "", nil, "folderId", folder).Want(t, http.StatusUnprocessableEntity)
	s.Do(t, s.User.Token, "POST", "/api/file/upload", `{"folderId": 1}`, "Content-Type", "application/json").Want(t, http.StatusUnsupportedMediaType)

	// The file part before the folder: the file cannot wait, so say where
	// folderId goes.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	w, _ := mw.CreateFormFile("targetFile", "early.txt")
	w.Write([]byte("early"))
	mw.WriteField("folderId", folder)
	mw.Close()
	r = s.Do(t, s.User.Token, "POST", "/api/file/upload", buf.Bytes(), "Content-Type", mw.FormDataContentType(), "Accept-Language", "en").Want(t, http.StatusUnprocessableEntity)
	if msg := r.Map(t)["errors"].(map[string]any)["folderId"].([]any)[0]; msg != "Send folderId before targetFile in the form, or in the query string." {
		t.Fatalf("file first: %s", r.Body)
	}
	s.Do(t, s.User.Token, "POST", "/api/file/upload?folderId="+folder, buf.Bytes(), "Content-Type", mw.FormDataContentType()).Want(t, http.StatusCreated)

	s.uploadForm(t, "", "", "x.txt", []byte("x"), "folderId", folder).Want(t, http.StatusUnauthorized)
}

// A body cut midway leaves the previous version as it was, whether the
// size was announced or not, whether the client vanished or only stopped
// sending.
func TestUploadCut(t *testing.T) {
	s := newServer(t)
	dir := team(t, s, bobRights)
	old := []byte("the old version")
	s.Put(t, "/team/a.txt", old)
	for _, fields := range [][]string{
		{"folderId", id(int64(dir.ID))},
		{"folderId", id(int64(dir.ID)), "fileSize", "300000"},
	} {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for i := 0; i < len(fields); i += 2 {
			mw.WriteField(fields[i], fields[i+1])
		}
		w, _ := mw.CreateFormFile("targetFile", "a.txt")
		w.Write(randomBytes(5000, 101)) // the rest never comes
		again, stop := frontEnd(t, s)
		cutRequest(t, again.URL+"/api/file/upload", s.User.Token, "POST", buf.Bytes(), "Content-Type", mw.FormDataContentType())
		stop() // waits for the handler to be done with the request
		if st := s.halfClosed(t, s.User.Token, "POST", "/api/file/upload", buf.Bytes(), "Content-Type", mw.FormDataContentType()); st != http.StatusBadRequest {
			t.Fatalf("half-closed (%v): %d", fields, st)
		}
		if data, info := s.content(t, "/team/a.txt"); !bytes.Equal(data, old) || info.Versions != 1 {
			t.Fatalf("after a cut (%v): %q, %d versions", fields, data, info.Versions)
		}
	}
}

func TestUploadRightsLocksQuota(t *testing.T) {
	s := newServer(t)
	dir := team(t, s, storage.Browse|storage.Read)
	folder := id(int64(dir.ID))
	s.Put(t, "/team/a.txt", []byte("admin's"))

	// No Write: no new file; no Edit: no new version, by any upload.
	s.uploadForm(t, s.User.Token, "", "b.txt", []byte("x"), "folderId", folder).Want(t, http.StatusForbidden)
	s.Grant(t, "/team", s.User, storage.Browse|storage.Read|storage.Write)
	s.uploadForm(t, s.User.Token, "", "b.txt", []byte("x"), "folderId", folder).Want(t, http.StatusCreated)
	s.uploadForm(t, s.User.Token, "", "a.txt", []byte("x"), "folderId", folder).Want(t, http.StatusForbidden)
	a, _ := s.NS(s.Admin).Stat(ctx, "/team/a.txt")
	s.Do(t, s.User.Token, "PUT", "/api/file/"+id(int64(a.ID))+"/upload", "x").Want(t, http.StatusForbidden)
	s.uploadForm(t, s.User.Token, "", "a.txt", []byte("x"), "folderId", folder, "fileSize", "1", "chunks", "1", "chunk", "0").Want(t, http.StatusForbidden)

	// A file locked by the admin refuses bob's new versions.
	s.Grant(t, "/team", s.User, bobRights)
	if _, err := s.NS(s.Admin).Lock(ctx, "/team/a.txt", storage.LockOptions{}); err != nil {
		t.Fatal(err)
	}
	s.uploadForm(t, s.User.Token, "", "a.txt", []byte("x"), "folderId", folder).Want(t, http.StatusLocked)
	s.Do(t, s.User.Token, "PUT", "/api/file/"+id(int64(a.ID))+"/upload", "x").Want(t, http.StatusLocked)
	s.uploadForm(t, s.User.Token, "", "a.txt", []byte("x"), "folderId", folder, "fileSize", "1", "chunks", "1", "chunk", "0").Want(t, http.StatusLocked)
	if data, _ := s.content(t, "/team/a.txt"); string(data) != "admin's" {
		t.Fatalf("a locked file changed: %q", data)
	}

	// Over the folder's quota, with or without an announced size.
	if err := s.NS(s.Admin).SetQuota(ctx, "/team", 1000); err != nil {
		t.Fatal(err)
	}
	big := randomBytes(2000, 102)
	s.uploadForm(t, s.User.Token, "", "big.bin", big, "folderId", folder, "fileSize", "2000").Want(t, http.StatusInsufficientStorage)
	s.uploadForm(t, s.User.Token, "", "big.bin", big, "folderId", folder).Want(t, http.StatusInsufficientStorage)
	s.uploadForm(t, s.User.Token, "", "big.bin", big[:1000], "folderId", folder, "fileSize", "2000", "chunks", "2", "chunk", "0").Want(t, http.StatusInsufficientStorage)
	if _, err := s.NS(s.Admin).Stat(ctx, "/team/big.bin"); !storage.Is(storage.NotFound, err) {
		t.Fatalf("an upload over quota left a file: %v", err)
	}
}

func TestUploadEmptyAndRaw(t *testing.T) {
	s := newServer(t)
	dir := team(t, s, bobRights)
	r := s.Do(t, s.User.Token, "POST", "/api/file", map[string]any{"name": "empty.txt", "parent_id": dir.ID}).Want(t, http.StatusCreated)
	var f fileJSON
	r.JSON(t, &f)
	if f.Size != 0 || f.Hash != md5hex(nil) || f.Name != "empty.txt" {
		t.Fatalf("empty file: %s", r.Body)
	}
	s.Do(t, s.User.Token, "POST", "/api/file", map[string]any{"name": "empty.txt", "parent_id": dir.ID}).Want(t, http.StatusConflict)
	// rclone sends IDs as strings.
	s.Do(t, s.User.Token, "POST", "/api/file", map[string]any{"name": "other.txt", "parent_id": id(int64(dir.ID))}).Want(t, http.StatusCreated)
	r = s.Do(t, s.User.Token, "POST", "/api/file", map[string]any{"name": "x", "parent_id": "twelve"}).Want(t, http.StatusUnprocessableEntity)
	if r.Map(t)["errors"].(map[string]any)["parent_id"] == nil {
		t.Fatalf("no parent_id error: %s", r.Body)
	}
	s.Do(t, s.User.Token, "POST", "/api/file", map[string]any{"name": "a/b", "parent_id": dir.ID}).Want(t, http.StatusUnprocessableEntity)

	// A raw body is the file's new version.
	data := randomBytes(200000, 103)
	r = s.Do(t, s.User.Token, "PUT", "/api/file/"+id(f.ID)+"/upload?full=1", data, "Content-Type", "application/octet-stream").Want(t, http.StatusOK)
	var g fileJSON
	r.JSON(t, &g)
	if g.ID != f.ID || g.Size != 200000 || g.Hash != md5hex(data) || g.NbVersions != 2 {
		t.Fatalf("raw upload: %s", r.Body)
	}
	if got, _ := s.content(t, "/team/empty.txt"); !bytes.Equal(got, data) {
		t.Fatal("raw upload: wrong content")
	}
	s.Do(t, s.User.Token, "PUT", "/api/file/"+id(int64(dir.ID))+"/upload", "x").Want(t, http.StatusNotFound)
	s.Do(t, s.User.Token, "PUT", "/api/file/987654/upload", "x").Want(t, http.StatusNotFound)

	// A raw body cut midway leaves the version as it was.
	again, stop := frontEnd(t, s)
	cutRequest(t, again.URL+"/api/file/"+id(f.ID)+"/upload", s.User.Token, "PUT", data[:5000])
	stop()
	if st := s.halfClosed(t, s.User.Token, "PUT", "/api/file/"+id(f.ID)+"/upload", data[:5000]); st != http.StatusBadRequest {
		t.Fatalf("half-closed raw upload: %d", st)
	}
	if got, info := s.content(t, "/team/empty.txt"); !bytes.Equal(got, data) || info.Versions != 2 {
		t.Fatalf("after a cut raw upload: %d bytes, %d versions", len(got), info.Versions)
	}
}

// chunk sends chunk i of n (each size bytes but the last) of data, as
// rclone's chunked protocol does.
func (s *server) chunk(t testing.TB, token string, folder storage.Info, name string, data []byte, i, n, size int, extra ...string) response {
	t.Helper()
	end := min(len(data), (i+1)*size)
	fields := append([]string{"folderId", id(int64(folder.ID)), "fileSize", strconv.Itoa(len(data)),
		"chunks", strconv.Itoa(n), "chunksSize", strconv.Itoa(size), "chunk", strconv.Itoa(i)}, extra...)
	return s.uploadForm(t, token, "", name, data[i*size:end], fields...)
}

func wantText(t testing.TB, r response, want string) {
	t.Helper()
	if string(r.Body) != want {
		t.Fatalf("answer %d %q, want %q", r.Status, r.Body, want)
	}
}

func TestUploadChunked(t *testing.T) {
	s := newServer(t)
	dir := team(t, s, bobRights)
	data := randomBytes(3<<20+512<<10, 104) // 3.5 MiB in 5 chunks of 768 KiB
	const n, size = 5, 768 << 10

	wantText(t, s.chunk(t, s.User.Token, dir, "big.bin", data, 3, n, size).Want(t, http.StatusOK), "OK")
	wantText(t, s.chunk(t, s.User.Token, dir, "big.bin", data, 0, n, size).Want(t, http.StatusOK), "OK")
	// The last-indexed chunk with others missing answers the report.
	wantText(t, s.chunk(t, s.User.Token, dir, "big.bin", data, 4, n, size).Want(t, http.StatusOK), `[{"missing":1}]`+"\n")
	if _, err := s.NS(s.Admin).Stat(ctx, "/team/big.bin"); !storage.Is(storage.NotFound, err) {
		t.Fatalf("an incomplete upload shows a file: %v", err)
	}

	// The front end restarts; the chunks are in the namespace. The client
	// asks where to resume (no file part: the name field names the file)
	// and sends the rest.
	again, stop := frontEnd(t, s)
	defer stop()
	r := again.Do(t, "", "POST", "/api/auth", map[string]string{"user": s.User.Login, "password": s.User.Password}).Want(t, http.StatusOK)
	var tok struct{ Token string }
	r.JSON(t, &tok)
	report := func() response {
		b, ctype := multipartBody(t, "", nil, "folderId", id(int64(dir.ID)), "name", "big.bin",
			"fileSize", strconv.Itoa(len(data)), "chunks", strconv.Itoa(n), "report", "1")
		return again.Do(t, tok.Token, "POST", "/api/file/upload", b, "Content-Type", ctype)
	}
	wantText(t, report().Want(t, http.StatusOK), `[{"missing":1}]`+"\n")
	wantText(t, again.chunk(t, tok.Token, dir, "big.bin", data, 1, n, size, "report", "1").Want(t, http.StatusOK), `[{"missing":2}]`+"\n")
	r = again.chunk(t, tok.Token, dir, "big.bin", data, 2, n, size, "fileHash", md5hex(data)).Want(t, http.StatusCreated)
	var f fileJSON
	r.JSON(t, &f)
	got, info := s.content(t, "/team/big.bin")
	if !bytes.Equal(got, data) || f.Size != int64(len(data)) || info.Versions != 1 {
		t.Fatalf("assembled %d bytes (%d versions), answer %s", len(got), info.Versions, r.Body)
	}
	if f.Hash != md5hex(data) || info.ETag() != `"`+md5hex(data)+`"` {
		t.Fatalf("hash %s, ETag %s; want the MD5 of the whole content %s", f.Hash, info.ETag(), md5hex(data))
	}
	if ups, _ := s.NS(s.Admin).Uploads(ctx, "/team"); len(ups) != 0 {
		t.Fatalf("uploads left: %+v", ups)
	}

	// Again under the same name: a new version; a wrong fileHash is
	// refused at completion and the chunks stay to be sent again.
	small := randomBytes(1000, 105)
	s.chunk(t, s.User.Token, dir, "big.bin", small, 0, 2, 600).Want(t, http.StatusOK)
	r = s.chunk(t, s.User.Token, dir, "big.bin", small, 1, 2, 600, "fileHash", md5hex(data)).Want(t, http.StatusUnprocessableEntity)
	if r.Map(t)["errors"].(map[string]any)["fileHash"] == nil {
		t.Fatalf("no fileHash error: %s", r.Body)
	}
	if got, _ := s.content(t, "/team/big.bin"); !bytes.Equal(got, data) {
		t.Fatal("a refused completion changed the file")
	}
	r = s.chunk(t, s.User.Token, dir, "big.bin", small, 1, 2, 600, "full", "1").Want(t, http.StatusOK)
	if got, info := s.content(t, "/team/big.bin"); !bytes.Equal(got, small) || info.Versions != 2 {
		t.Fatalf("new version: %d bytes, %d versions: %s", len(got), info.Versions, r.Body)
	}
}

func TestUploadChunkedBadInput(t *testing.T) {
	s := newServer(t)
	dir := team(t, s, bobRights)
	folder := id(int64(dir.ID))
	data := randomBytes(1000, 106)
	for _, c := range []struct {
		field  string
		fields []string
	}{
		{"chunk", []string{"fileSize", "1000", "chunks", "2", "chunk", "2"}},
		{"chunk", []string{"fileSize", "1000", "chunks", "2", "chunk", "-1"}},
		{"chunks", []string{"fileSize", "1000", "chunks", "0", "chunk", "0"}},
		{"chunks", []string{"fileSize", "1000", "chunks", "10001", "chunk", "0"}},
		{"fileSize", []string{"chunks", "2", "chunk", "0"}},
		{"chunksSize", []string{"fileSize", "1000", "chunks", "2", "chunksSize", "400", "chunk", "0"}},
		{"chunksSize", []string{"fileSize", "1000", "chunks", "2", "chunksSize", "1000", "chunk", "0"}},
		{"targetFile", []string{"fileSize", "1000", "chunks", "2", "chunksSize", "600", "chunk", "0"}}, // 1000 bytes sent for 600
	} {
		r := s.uploadForm(t, s.User.Token, "", "c.bin", data, append([]string{"folderId", folder}, c.fields...)...).Want(t, http.StatusUnprocessableEntity)
		if r.Map(t)["errors"].(map[string]any)[c.field] == nil {
			t.Fatalf("%v: no %s error: %s", c.fields, c.field, r.Body)
		}
	}
	if ups, _ := s.NS(s.Admin).Uploads(ctx, "/team"); len(ups) != 1 || len(mustParts(t, s, ups[0].ID)) != 0 {
		t.Fatalf("uploads after refused chunks: %+v", ups)
	}

	// Chunks that add up to another size than fileSize: the upload waits
	// for the right ones.
	s.uploadForm(t, s.User.Token, "", "d.bin", data[:500], "folderId", folder, "fileSize", "1000", "chunks", "2", "chunk", "0").Want(t, http.StatusOK)
	r := s.uploadForm(t, s.User.Token, "", "d.bin", data[:10], "folderId", folder, "fileSize", "1000", "chunks", "2", "chunk", "1").Want(t, http.StatusUnprocessableEntity)
	if r.Map(t)["errors"].(map[string]any)["fileSize"] == nil {
		t.Fatalf("no fileSize error: %s", r.Body)
	}
	s.uploadForm(t, s.User.Token, "", "d.bin", data[500:], "folderId", folder, "fileSize", "1000", "chunks", "2", "chunk", "1").Want(t, http.StatusCreated)
	if got, _ := s.content(t, "/team/d.bin"); !bytes.Equal(got, data) {
		t.Fatal("wrong content after a corrected chunk")
	}

	// Cancel by the chunked identifiers: the report starts again from 0.
	s.uploadForm(t, s.User.Token, "", "e.bin", data[:500], "folderId", folder, "fileSize", "1000", "chunks", "2", "chunk", "0").Want(t, http.StatusOK)
	s.Do(t, s.Admin.Token, "DELETE", "/api/file/cancel?folderId="+folder+"&name=e.bin&fileSize=1000&chunks=2", nil).Want(t, http.StatusNotFound) // not the admin's upload
	s.Do(t, s.User.Token, "DELETE", "/api/file/cancel?folderId="+folder+"&name=e.bin&fileSize=1000&chunks=2", nil).Want(t, http.StatusNoContent)
	s.Do(t, s.User.Token, "DELETE", "/api/file/cancel?folderId="+folder+"&name=e.bin&fileSize=1000&chunks=2", nil).Want(t, http.StatusNotFound)
	s.Do(t, s.User.Token, "DELETE", "/api/file/cancel", nil).Want(t, http.StatusUnprocessableEntity)
	b, ctype := multipartBody(t, "", nil, "folderId", folder, "name", "e.bin", "fileSize", "1000", "chunks", "2", "report", "")
	wantText(t, s.Do(t, s.User.Token, "POST", "/api/file/upload", b, "Content-Type", ctype).Want(t, http.StatusOK), `[{"missing":0}]`+"\n")
}

func mustParts(t testing.TB, s *server, upload string) []storage.Part {
	t.Helper()
	parts, err := s.NS(s.Admin).Parts(ctx, upload)
	if err != nil {
		t.Fatal(err)
	}
	return parts
}

// Chunks sent all at once: one upload gathers them whichever request
// starts it, and one request completes it.
func TestUploadChunkedConcurrent(t *testing.T) {
	s := newServer(t)
	dir := team(t, s, bobRights)
	data := randomBytes(600000, 107)
	const n, size = 6, 100000
	statuses := make([]int, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		b, ctype := multipartBody(t, "c.bin", data[i*size:(i+1)*size], "folderId", id(int64(dir.ID)),
			"fileSize", strconv.Itoa(len(data)), "chunks", strconv.Itoa(n), "chunksSize", strconv.Itoa(size), "chunk", strconv.Itoa(i))
		wg.Go(func() {
			req, err := http.NewRequestWithContext(ctx, "POST", s.URL+"/api/file/upload", bytes.NewReader(b))
			if err != nil {
				errs[i] = err
				return
			}
			req.Header.Set("Content-Type", ctype)
			req.Header.Set("Authorization", "Bearer "+s.User.Token)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				errs[i] = err
				return
			}
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			statuses[i] = res.StatusCode
		})
	}
	wg.Wait()
	created := 0
	for i := range n {
		if errs[i] != nil || statuses[i] != http.StatusOK && statuses[i] != http.StatusCreated {
			t.Fatalf("chunk %d: %d %v", i, statuses[i], errs[i])
		}
		if statuses[i] == http.StatusCreated {
			created++
		}
	}
	got, info := s.content(t, "/team/c.bin")
	if !bytes.Equal(got, data) || info.Versions != 1 || created > 1 {
		t.Fatalf("%d bytes, %d versions, %d answers 201", len(got), info.Versions, created)
	}
	if ups, _ := s.NS(s.Admin).Uploads(ctx, "/team"); len(ups) != 0 {
		t.Fatalf("uploads left: %+v", ups)
	}
}
