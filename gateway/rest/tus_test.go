package rest_test

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"strconv"
	"testing"

	"coffre/auth"
	"coffre/storage"
)

// tusStart starts a TUS session as token and returns its key.
func (s *server) tusStart(t testing.TB, token string, target any, name string, size int) string {
	t.Helper()
	r := s.Do(t, token, "POST", "/api/file/tus", map[string]any{"name": name, "target": target, "size": size}).Want(t, http.StatusCreated)
	var out struct{ SessionKey string }
	r.JSON(t, &out)
	if out.SessionKey == "" {
		t.Fatalf("no sessionKey: %s", r.Body)
	}
	return out.SessionKey
}

// tus sends a TUS request (Tus-Resumable: 1.0.0 unless headers say
// otherwise).
func (s *server) tus(t testing.TB, token, method, path string, body []byte, headers ...string) response {
	t.Helper()
	return s.Do(t, token, method, path, body, append([]string{"Tus-Resumable", "1.0.0"}, headers...)...)
}

func (s *server) patch(t testing.TB, token, key string, offset int, data []byte) response {
	t.Helper()
	return s.tus(t, token, "PATCH", "/api/tus/"+key, data, "Upload-Offset", strconv.Itoa(offset), "Content-Type", "application/offset+octet-stream")
}

func wantHeader(t testing.TB, r response, name, want string) {
	t.Helper()
	if got := r.Header.Get(name); got != want {
		t.Fatalf("%s: %q, want %q (answer %d %s)", name, got, want, r.Status, r.Body)
	}
}

func TestTUSUpload(t *testing.T) {
	s := newServer(t)
	dir := team(t, s, bobRights)
	data := randomBytes(600000, 200)
	a, b := 200000, 450000 // three PATCHes: [0,a) [a,b) [b,end)

	r := s.Do(t, s.User.Token, "OPTIONS", "/api/tus", nil).Want(t, http.StatusNoContent)
	wantHeader(t, r, "Tus-Version", "1.0.0")
	wantHeader(t, r, "Tus-Extension", "creation,termination")
	wantHeader(t, r, "Tus-Resumable", "1.0.0")
	if r.Header.Get("Tus-Max-Size") == "" {
		t.Fatal("no Tus-Max-Size")
	}

	// rclone sends the folder ID as a string.
	key := s.tusStart(t, s.User.Token, strconv.FormatInt(int64(dir.ID), 10), "movie.bin", len(data))
	meta := "filename " + base64.StdEncoding.EncodeToString([]byte("movie.bin")) + ",token " + base64.StdEncoding.EncodeToString([]byte(key))
	r = s.tus(t, s.User.Token, "POST", "/api/tus", nil, "Upload-Length", strconv.Itoa(len(data)), "Upload-Metadata", meta).Want(t, http.StatusCreated)
	loc := r.Header.Get("Location")
	if loc != "/api/tus/"+key {
		t.Fatalf("Location %q", loc)
	}
	head := func() response {
		r := s.tus(t, s.User.Token, "HEAD", loc, nil).Want(t, http.StatusOK)
		wantHeader(t, r, "Upload-Length", strconv.Itoa(len(data)))
		wantHeader(t, r, "Cache-Control", "no-store")
		return r
	}
	wantHeader(t, head(), "Upload-Offset", "0")

	wantHeader(t, s.patch(t, s.User.Token, key, 0, data[:a]).Want(t, http.StatusNoContent), "Upload-Offset", strconv.Itoa(a))
	// The second PATCH is cut midway: nothing of it is kept, HEAD says
	// where to resume, and it is sent again.
	again, stop := frontEnd(t, s)
	cutRequest(t, again.URL+loc, s.User.Token, "PATCH", data[a:a+5000], "Tus-Resumable", "1.0.0", "Upload-Offset", strconv.Itoa(a), "Content-Type", "application/offset+octet-stream")
	stop()
	wantHeader(t, head(), "Upload-Offset", strconv.Itoa(a))
	// A wrong offset is refused with the right one.
	wantHeader(t, s.patch(t, s.User.Token, key, a+5000, data[a+5000:b]).Want(t, http.StatusConflict), "Upload-Offset", strconv.Itoa(a))
	wantHeader(t, s.patch(t, s.User.Token, key, a, data[a:b]).Want(t, http.StatusNoContent), "Upload-Offset", strconv.Itoa(b))
	// Finishing early says how far it got.
	s.Do(t, s.User.Token, "POST", "/api/file/tus", map[string]string{"token": key}).Want(t, http.StatusConflict)
	wantHeader(t, s.patch(t, s.User.Token, key, b, data[b:]).Want(t, http.StatusNoContent), "Upload-Offset", strconv.Itoa(len(data)))
	// Nothing more than announced.
	s.patch(t, s.User.Token, key, len(data), []byte("more")).Want(t, http.StatusRequestEntityTooLarge)

	r = s.Do(t, s.User.Token, "POST", "/api/file/tus?full=1", map[string]string{"token": key}).Want(t, http.StatusCreated)
	var f fileJSON
	r.JSON(t, &f)
	got, info := s.content(t, "/team/movie.bin")
	if !bytes.Equal(got, data) || f.Name != "movie.bin" || f.Size != int64(len(data)) || f.ID != int64(info.ID) {
		t.Fatalf("assembled %d bytes: %s", len(got), r.Body)
	}
	if f.Hash != md5hex(data) {
		t.Fatalf("hash %s, want the MD5 of the whole content %s", f.Hash, md5hex(data))
	}
	// The session is over.
	s.tus(t, s.User.Token, "HEAD", loc, nil).Want(t, http.StatusNotFound)
	s.Do(t, s.User.Token, "POST", "/api/file/tus", map[string]string{"token": key}).Want(t, http.StatusNotFound)

	// An empty file, under the same name: a new version.
	key = s.tusStart(t, s.User.Token, dir.ID, "movie.bin", 0)
	r = s.Do(t, s.User.Token, "POST", "/api/file/tus?full=1", map[string]string{"token": key}).Want(t, http.StatusOK)
	r.JSON(t, &f)
	if f.Size != 0 || f.NbVersions != 2 || f.Hash != md5hex(nil) {
		t.Fatalf("empty new version: %s", r.Body)
	}
}

func TestTUSErrors(t *testing.T) {
	s := newServer(t)
	dir := team(t, s, storage.Browse|storage.Read)
	s.Do(t, s.User.Token, "POST", "/api/file/tus", map[string]any{"name": "x.bin", "target": dir.ID, "size": 10}).Want(t, http.StatusForbidden)
	s.Grant(t, "/team", s.User, bobRights)

	r := s.Do(t, s.User.Token, "POST", "/api/file/tus", map[string]any{"name": "a:b", "target": "nine", "size": -1}).Want(t, http.StatusUnprocessableEntity)
	if errs := r.Map(t)["errors"].(map[string]any); errs["target"] == nil {
		t.Fatalf("field errors: %s", r.Body)
	}
	r = s.Do(t, s.User.Token, "POST", "/api/file/tus", map[string]any{"name": "a:b", "target": dir.ID, "size": -1}).Want(t, http.StatusUnprocessableEntity)
	if errs := r.Map(t)["errors"].(map[string]any); errs["name"] == nil || errs["size"] == nil {
		t.Fatalf("field errors: %s", r.Body)
	}
	s.Do(t, s.User.Token, "POST", "/api/file/tus", map[string]any{"name": "x.bin", "target": 999999, "size": 1}).Want(t, http.StatusUnprocessableEntity)
	s.Do(t, s.User.Token, "POST", "/api/file/tus", map[string]any{"name": "x.bin", "target": 0, "size": 1}).Want(t, http.StatusUnprocessableEntity)

	key := s.tusStart(t, s.User.Token, dir.ID, "x.bin", 10)
	token := "token " + base64.StdEncoding.EncodeToString([]byte(key))
	// The protocol version is required, the content type checked, the
	// length must be the session's.
	r = s.Do(t, s.User.Token, "HEAD", "/api/tus/"+key, nil).Want(t, http.StatusPreconditionFailed)
	wantHeader(t, r, "Tus-Version", "1.0.0")
	s.Do(t, s.User.Token, "PATCH", "/api/tus/"+key, "0123456789", "Upload-Offset", "0", "Content-Type", "application/offset+octet-stream").Want(t, http.StatusPreconditionFailed)
	s.tus(t, s.User.Token, "PATCH", "/api/tus/"+key, []byte("0123456789"), "Upload-Offset", "0", "Content-Type", "application/octet-stream").Want(t, http.StatusUnsupportedMediaType)
	s.tus(t, s.User.Token, "PATCH", "/api/tus/"+key, []byte("0123456789"), "Content-Type", "application/offset+octet-stream").Want(t, http.StatusBadRequest)
	s.tus(t, s.User.Token, "POST", "/api/tus", nil, "Upload-Length", "11", "Upload-Metadata", token).Want(t, http.StatusBadRequest)
	s.tus(t, s.User.Token, "POST", "/api/tus", nil, "Upload-Metadata", token).Want(t, http.StatusBadRequest)
	s.tus(t, s.User.Token, "POST", "/api/tus", nil, "Upload-Length", "10", "Upload-Metadata", "token !!").Want(t, http.StatusBadRequest)
	s.tus(t, s.User.Token, "POST", "/api/tus", nil, "Upload-Length", "10", "Upload-Metadata", "token "+base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))).Want(t, http.StatusNotFound)
	s.tus(t, s.User.Token, "PATCH", "/api/tus/"+key, []byte("0123456789+"), "Upload-Offset", "0", "Content-Type", "application/offset+octet-stream").Want(t, http.StatusRequestEntityTooLarge)

	// Someone else's session does not exist for the others, nor without a
	// token.
	s.tus(t, s.Admin.Token, "HEAD", "/api/tus/"+key, nil).Want(t, http.StatusOK) // administrators see every upload
	carol := s.NewAccount(t, "carol", auth.RoleUser)
	s.tus(t, carol.Token, "HEAD", "/api/tus/"+key, nil).Want(t, http.StatusNotFound)
	s.tus(t, carol.Token, "DELETE", "/api/tus/"+key, nil).Want(t, http.StatusNotFound)
	s.Do(t, carol.Token, "POST", "/api/file/tus", map[string]string{"token": key}).Want(t, http.StatusNotFound)
	s.tus(t, "", "HEAD", "/api/tus/"+key, nil).Want(t, http.StatusUnauthorized)

	// Termination, and cancel by session key.
	s.tus(t, s.User.Token, "DELETE", "/api/tus/"+key, nil).Want(t, http.StatusNoContent)
	s.tus(t, s.User.Token, "HEAD", "/api/tus/"+key, nil).Want(t, http.StatusNotFound)
	key = s.tusStart(t, s.User.Token, dir.ID, "y.bin", 10)
	s.patch(t, s.User.Token, key, 0, []byte("01234")).Want(t, http.StatusNoContent)
	s.Do(t, s.User.Token, "DELETE", "/api/file/cancel?sessionKey="+key, nil).Want(t, http.StatusNoContent)
	s.Do(t, s.User.Token, "DELETE", "/api/file/cancel?sessionKey="+key, nil).Want(t, http.StatusNotFound)
	if ups, _ := s.NS(s.Admin).Uploads(ctx, "/team"); len(ups) != 0 {
		t.Fatalf("uploads left: %+v", ups)
	}

	// Quota and locks are checked when the session starts, and again at
	// the finish.
	if err := s.NS(s.Admin).SetQuota(ctx, "/team", 1000); err != nil {
		t.Fatal(err)
	}
	s.Do(t, s.User.Token, "POST", "/api/file/tus", map[string]any{"name": "big.bin", "target": dir.ID, "size": 2000}).Want(t, http.StatusInsufficientStorage)
	s.Put(t, "/team/locked.bin", []byte("admin's"))
	key = s.tusStart(t, s.User.Token, dir.ID, "locked.bin", 3)
	s.patch(t, s.User.Token, key, 0, []byte("bob")).Want(t, http.StatusNoContent)
	if _, err := s.NS(s.Admin).Lock(ctx, "/team/locked.bin", storage.LockOptions{}); err != nil {
		t.Fatal(err)
	}
	s.Do(t, s.User.Token, "POST", "/api/file/tus", map[string]string{"token": key}).Want(t, http.StatusLocked)
	s.Do(t, s.User.Token, "POST", "/api/file/tus", map[string]any{"name": "locked.bin", "target": dir.ID, "size": 3}).Want(t, http.StatusLocked)
	if got, _ := s.content(t, "/team/locked.bin"); string(got) != "admin's" {
		t.Fatalf("a locked file changed: %q", got)
	}
}
