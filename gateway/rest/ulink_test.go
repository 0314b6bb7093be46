package rest_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"coffre/auth"
	"coffre/storage"
)

func ulinkURL(id uint64, suffix string) string { return fmt.Sprintf("/api/ulink/%d%s", id, suffix) }

// deposit sends one file to a deposit link, as the multipart field "file",
// after a field the route skips.
func (s *server) deposit(t *testing.T, key, name string, data []byte, headers ...string) response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("comment", "for the archive")
	w, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	mw.Close()
	return s.Do(t, "", "POST", "/api/ulink/key/"+key+"/upload", buf.Bytes(), append([]string{"Content-Type", mw.FormDataContentType()}, headers...)...)
}

func TestUlinkLifecycle(t *testing.T) {
	s := newServer(t)
	_, _, inbox := linkTree(t, s)
	l := s.newLink(t, s.Admin.Token, "/api/ulink", map[string]any{"folder_id": inbox.ID, "name": "Factures", "upload_limit": 10, "flags": 4})
	m := s.Do(t, s.Admin.Token, "GET", ulinkURL(l.ID, ""), nil).Want(t, http.StatusOK).Map(t)
	wantTypes(t, m, map[string]string{"id": "number", "key": "string", "folder": "string", "folder_id": "number", "is_valid": "bool",
		"expiration_date": "null", "flags": "number", "owner": "string", "owner_id": "string", "url": "absent"})
	if m["key"] != l.Key[:6] || m["folder"] != "inbox" || m["flags"] != 4.0 || m["upload_limit"] != 10.0 || m["is_valid"] != true {
		t.Fatalf("ulink %v", m)
	}
	if list := s.Do(t, s.Admin.Token, "GET", "/api/ulinks", nil).Want(t, http.StatusOK).Map(t); list["nb_total_objects"] != 1.0 {
		t.Fatalf("ulinks %v", list)
	}
	if list := s.Do(t, s.Admin.Token, "GET", "/api/shares", nil).Want(t, http.StatusOK).Map(t); list["nb_total_objects"] != 0.0 {
		t.Fatalf("a deposit link among the shares: %v", list)
	}
	// The folder's name is for the link's managers only.
	m = s.Do(t, "", "GET", "/api/ulink/key/"+l.Key, nil).Want(t, http.StatusOK).Map(t)
	if m["folder"] != nil || m["is_valid"] != true || m["name"] != "Factures" {
		t.Fatalf("public ulink %v", m)
	}
	if m = s.Do(t, s.Admin.Token, "GET", "/api/ulink/key/"+l.Key, nil).Map(t); m["folder"] != "inbox" {
		t.Fatalf("ulink for its owner %v", m)
	}
	s.Grant(t, "/team/inbox", s.User, storage.Browse|storage.Read) // bob sees the folder, yet manages no link
	if m = s.Do(t, s.User.Token, "GET", "/api/ulink/key/"+l.Key, nil).Map(t); m["folder"] != nil {
		t.Fatalf("ulink for someone else %v", m)
	}

	// Deposits land in the folder; a name taken gets a suffix; over the
	// limit nothing is stored.
	r := s.deposit(t, l.Key, "report.pdf", []byte("12345")).Want(t, http.StatusCreated)
	if m := r.Map(t); m["name"] != "report.pdf" || m["size"] != 5.0 || m["hash"] != md5hex([]byte("12345")) {
		t.Fatalf("deposit %v", m)
	}
	if m := s.deposit(t, l.Key, "report.pdf", []byte("67890")).Want(t, http.StatusCreated).Map(t); m["name"] != "report (2).pdf" {
		t.Fatalf("second deposit %v", m)
	}
	s.deposit(t, l.Key, "big.bin", []byte("01234567890")).Want(t, http.StatusRequestEntityTooLarge)
	fieldError(t, s.deposit(t, l.Key, "bad:name", []byte("x")), "file")
	s.Do(t, "", "POST", "/api/ulink/key/"+l.Key+"/upload", "not a form", "Content-Type", "text/plain").Want(t, http.StatusUnsupportedMediaType)
	data, _ := s.content(t, "/team/inbox/report (2).pdf")
	if string(data) != "67890" {
		t.Fatalf("deposited %q", data)
	}
	if _, err := s.NS(s.Admin).Stat(ctx, "/team/inbox/big.bin"); !storage.Is(storage.NotFound, err) {
		t.Fatalf("an upload over the limit was stored: %v", err)
	}

	// A deposit link neither lists nor hands out anything.
	for _, path := range []string{"/api/share/key/", "/api/share/content/", "/api/zip/share/", "/api/sharelink/key/", "/api/sharelink/download/"} {
		s.Do(t, "", "GET", path+l.Key, nil).Want(t, http.StatusNotFound)
	}
	s.Do(t, "", "POST", "/api/token/share/download/"+l.Key, nil).Want(t, http.StatusNotFound)
	s.Do(t, "", "GET", fmt.Sprintf("/api/share/content/%s/%d", l.Key, inbox.ID), nil).Want(t, http.StatusNotFound)

	// Disabled, it takes nothing; a download link's key is no deposit link.
	s.Do(t, s.Admin.Token, "PUT", ulinkURL(l.ID, ""), map[string]any{"disabled": true}).Want(t, http.StatusOK)
	wantMessage(t, s.deposit(t, l.Key, "late.txt", []byte("x"), "Accept-Language", "en"), http.StatusGone, "disabled")
	docs, _ := s.NS(s.Admin).Stat(ctx, "/team/docs")
	share := s.newLink(t, s.Admin.Token, "/api/share", map[string]any{"roots": []any{docs.ID}})
	s.Do(t, "", "GET", "/api/ulink/key/"+share.Key, nil).Want(t, http.StatusNotFound)
	s.deposit(t, share.Key, "x.txt", []byte("x")).Want(t, http.StatusNotFound)
	s.Do(t, s.Admin.Token, "GET", ulinkURL(share.ID, ""), nil).Want(t, http.StatusNotFound)

	s.Do(t, s.Admin.Token, "DELETE", ulinkURL(l.ID, ""), nil).Want(t, http.StatusNoContent)
	s.Do(t, "", "GET", "/api/ulink/key/"+l.Key, nil).Want(t, http.StatusNotFound)
}

func TestUlinkPassword(t *testing.T) {
	s := newServer(t)
	_, _, inbox := linkTree(t, s)
	l := s.newLink(t, s.Admin.Token, "/api/ulink", map[string]any{"folder_id": inbox.ID, "password": "drop"})
	if m := s.Do(t, "", "GET", "/api/ulink/key/"+l.Key, nil).Want(t, http.StatusOK).Map(t); m["flags"] != 1.0 {
		t.Fatalf("flags %v", m["flags"])
	}
	s.deposit(t, l.Key, "a.txt", []byte("a")).Want(t, http.StatusUnauthorized)
	s.Do(t, "", "POST", "/api/ulink/key/"+l.Key+"/passcheck", map[string]string{"password": "nope"}).Want(t, http.StatusUnauthorized)
	var pc struct {
		AccessToken string `json:"access_token"`
	}
	s.Do(t, "", "POST", "/api/ulink/key/"+l.Key+"/passcheck", map[string]string{"password": "drop"}).Want(t, http.StatusOK).JSON(t, &pc)
	s.deposit(t, l.Key, "a.txt", []byte("a"), "X-Share-Token", pc.AccessToken).Want(t, http.StatusCreated)
	// Consent added later: asked before the upload.
	s.Do(t, s.Admin.Token, "PUT", ulinkURL(l.ID, ""), map[string]any{"consent_text": "Je consens."}).Want(t, http.StatusOK)
	s.deposit(t, l.Key, "b.txt", []byte("b"), "X-Share-Token", pc.AccessToken).Want(t, http.StatusForbidden)
	var ct struct {
		ConsentToken string `json:"consent_token"`
	}
	s.Do(t, "", "POST", "/api/ulink/key/"+l.Key+"/consent", nil).Want(t, http.StatusOK).JSON(t, &ct)
	s.deposit(t, l.Key, "b.txt", []byte("b"), "X-Share-Token", pc.AccessToken, "X-Consent-Token", ct.ConsentToken).Want(t, http.StatusCreated)
	names := []string{}
	page, err := s.NS(s.Admin).List(ctx, "/team/inbox", storage.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range page.Items {
		names = append(names, it.Name)
	}
	if strings.Join(names, ",") != "a.txt,b.txt" {
		t.Fatalf("inbox holds %v", names)
	}
}

func TestUlinkRightsAndBadInput(t *testing.T) {
	s := newServer(t)
	_, a, inbox := linkTree(t, s)
	fieldError(t, s.Do(t, s.Admin.Token, "POST", "/api/ulink", map[string]any{}), "folder_id")
	fieldError(t, s.Do(t, s.Admin.Token, "POST", "/api/ulink", map[string]any{"folder_id": a.ID}), "folder_id")
	fieldError(t, s.Do(t, s.Admin.Token, "POST", "/api/ulink", map[string]any{"folder_id": inbox.ID, "flags": 8}), "flags")
	fieldError(t, s.Do(t, s.Admin.Token, "POST", "/api/ulink", map[string]any{"folder_id": inbox.ID, "upload_limit": -1}), "upload_limit")
	fieldError(t, s.Do(t, s.Admin.Token, "POST", "/api/ulink", map[string]any{"folder_id": inbox.ID, "expiration_date": "2000-01-01"}), "expiration_date")
	fieldError(t, s.Do(t, s.User.Token, "POST", "/api/ulink", map[string]any{"folder_id": inbox.ID}), "folder_id") // bob does not see it
	s.Grant(t, "/team/inbox", s.User, storage.Browse|storage.Write)
	s.Do(t, s.User.Token, "POST", "/api/ulink", map[string]any{"folder_id": inbox.ID}).Want(t, http.StatusForbidden)
	s.Grant(t, "/team/inbox", s.User, storage.Browse|storage.Write|storage.Share)
	bobs := s.newLink(t, s.User.Token, "/api/ulink", map[string]any{"folder_id": inbox.ID})
	carol := s.NewAccount(t, "carol", auth.RoleUser)
	s.Do(t, carol.Token, "GET", ulinkURL(bobs.ID, ""), nil).Want(t, http.StatusNotFound)
	s.Do(t, carol.Token, "PUT", ulinkURL(bobs.ID, ""), map[string]any{"name": "x"}).Want(t, http.StatusNotFound)
	s.Do(t, carol.Token, "DELETE", ulinkURL(bobs.ID, ""), nil).Want(t, http.StatusNotFound)
	if list := s.Do(t, carol.Token, "GET", "/api/ulinks", nil).Map(t); list["nb_total_objects"] != 0.0 {
		t.Fatalf("carol lists %v", list)
	}
	m := s.Do(t, s.User.Token, "PUT", ulinkURL(bobs.ID, ""), map[string]any{"name": "Dépôt", "flags": 5}).Want(t, http.StatusOK).Map(t)
	if m["name"] != "Dépôt" || m["flags"] != 4.0 {
		t.Fatalf("after PUT %v", m)
	}
	// The folder gone, the link says so.
	if err := s.NS(s.Admin).Delete(ctx, "/team/inbox", storage.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if m := s.Do(t, s.User.Token, "GET", ulinkURL(bobs.ID, ""), nil).Want(t, http.StatusOK).Map(t); m["is_valid"] != false || m["folder_id"] != nil {
		t.Fatalf("ulink of a deleted folder %v", m)
	}
	s.deposit(t, bobs.Key, "x.txt", []byte("x")).Want(t, http.StatusGone)
}
