package rest_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"coffre/auth"
	"coffre/gateway/rest"
	"coffre/storage"
	"coffre/storage/engine"
)

// linkTree arranges /team with docs (a.txt, b.txt, sub/c.txt), inbox and
// secret.txt.
func linkTree(t *testing.T, s *server) (docs, a, inbox storage.Info) {
	t.Helper()
	s.Mkdir(t, "/team")
	docs = s.Mkdir(t, "/team/docs")
	s.Mkdir(t, "/team/docs/sub")
	inbox = s.Mkdir(t, "/team/inbox")
	a = s.Put(t, "/team/docs/a.txt", []byte("alpha"))
	s.Put(t, "/team/docs/b.txt", []byte("beta"))
	s.Put(t, "/team/docs/sub/c.txt", []byte("gamma"))
	s.Put(t, "/team/secret.txt", []byte("secret"))
	return docs, a, inbox
}

// linkCreated is the part of a creation answer tests read.
type linkCreated struct {
	ID  uint64 `json:"id"`
	Key string `json:"key"`
	URL string `json:"url"`
}

// newLink creates a link through POST path as token and returns its ID and
// key.
func (s *server) newLink(t *testing.T, token, path string, body any) linkCreated {
	t.Helper()
	var l linkCreated
	s.Do(t, token, "POST", path, body).Want(t, http.StatusCreated).JSON(t, &l)
	if len(l.Key) != 64 || !strings.HasSuffix(l.URL, "/s/"+l.Key) {
		t.Fatalf("created link %+v", l)
	}
	return l
}

// wantMessage fails unless the answer has status and its English message
// contains part.
func wantMessage(t *testing.T, r response, status int, part string) {
	t.Helper()
	r.Want(t, status)
	if msg, _ := r.Map(t)["message"].(string); !strings.Contains(msg, part) {
		t.Fatalf("message %q does not say %q", msg, part)
	}
}

func shareURL(id uint64, suffix string) string { return fmt.Sprintf("/api/share/%d%s", id, suffix) }

func TestShareCreateReadList(t *testing.T) {
	s := newServer(t)
	docs, a, _ := linkTree(t, s)
	l := s.newLink(t, s.Admin.Token, "/api/share", map[string]any{
		"roots": []any{map[string]any{"id": docs.ID, "entity_type": 1}, fmt.Sprint(a.ID)},
		"flags": 1, "name": "Docs", "expiration_date": time.Now().Add(48 * time.Hour).Format(time.RFC3339),
		"max_downloads": 5, "allowed_ips": []string{"127.0.0.1", "10.0.0.0/8"},
	})
	// The key is shown once: later reads give its first 6 characters.
	m := s.Do(t, s.Admin.Token, "GET", shareURL(l.ID, ""), nil).Want(t, http.StatusOK).Map(t)
	if m["key"] != l.Key[:6] || m["url"] != nil {
		t.Fatalf("key %v, url %v after creation", m["key"], m["url"])
	}
	wantTypes(t, m, map[string]string{"id": "number", "roots": "array", "flags": "number", "expiration_date": "string",
		"creation_date": "string", "name": "string", "owner": "string", "owner_id": "string", "is_valid": "bool",
		"max_downloads": "number", "nb_downloads": "number", "allowed_ips": "array", "password_protected": "bool"})
	if m["flags"] != 1.0 || m["name"] != "Docs" || m["max_downloads"] != 5.0 || m["is_valid"] != true || len(m["allowed_ips"].([]any)) != 2 {
		t.Fatalf("share %s", s.Do(t, s.Admin.Token, "GET", shareURL(l.ID, ""), nil).Body)
	}
	roots := m["roots"].([]any)
	folder, file := roots[0].(map[string]any), roots[1].(map[string]any)
	if folder["entity_type"] != 1.0 || folder["name"] != "docs" || file["entity_type"] != 0.0 || file["extension"] != "txt" ||
		file["guid"] != a.GUID || file["size"] != 5.0 || file["can_preview"] != false || file["share_id"] != float64(l.ID) {
		t.Fatalf("roots %v", roots)
	}
	// flags round-trip; a partial update keeps the rest.
	m = s.Do(t, s.Admin.Token, "PUT", shareURL(l.ID, ""), map[string]any{"flags": 2}).Want(t, http.StatusOK).Map(t)
	if m["flags"] != 2.0 || m["name"] != "Docs" || m["max_downloads"] != 5.0 {
		t.Fatalf("after PUT: %v", m)
	}
	m = s.Do(t, s.Admin.Token, "PUT", shareURL(l.ID, ""), map[string]any{"expiration_date": nil, "max_downloads": nil, "roots": []any{a.ID}}).Want(t, http.StatusOK).Map(t)
	if m["expiration_date"] != nil || m["max_downloads"] != nil || len(m["roots"].([]any)) != 1 {
		t.Fatalf("after PUT: %v", m)
	}
	list := s.Do(t, s.Admin.Token, "GET", "/api/shares", nil).Want(t, http.StatusOK).Map(t)
	if list["nb_total_objects"] != 1.0 || list["objects"].([]any)[0].(map[string]any)["id"] != float64(l.ID) {
		t.Fatalf("list %v", list)
	}
	if list = s.Do(t, s.User.Token, "GET", "/api/shares", nil).Want(t, http.StatusOK).Map(t); list["nb_total_objects"] != 0.0 {
		t.Fatalf("bob lists %v", list)
	}
}

func TestShareBadInput(t *testing.T) {
	s := newServer(t)
	docs, a, _ := linkTree(t, s)
	for field, body := range map[string]any{
		"roots":           map[string]any{"name": "no roots"},
		"flags":           map[string]any{"roots": []any{docs.ID}, "flags": 3},
		"expiration_date": map[string]any{"roots": []any{docs.ID}, "expiration_date": "tomorrow"},
		"max_downloads":   map[string]any{"roots": []any{docs.ID}, "max_downloads": -1},
		"allowed_ips":     map[string]any{"roots": []any{docs.ID}, "allowed_ips": []string{"nope"}},
		"name":            map[string]any{"roots": []any{docs.ID}, "name": strings.Repeat("n", 201)},
	} {
		fieldError(t, s.Do(t, s.Admin.Token, "POST", "/api/share", body), field)
	}
	// Past dates are the store's to refuse, under the API's field name.
	fieldError(t, s.Do(t, s.Admin.Token, "POST", "/api/share", map[string]any{"roots": []any{docs.ID}, "expiration_date": "2001-01-01"}), "expiration_date")
	// Targets: missing, of the wrong type, or not an ID at all.
	fieldError(t, s.Do(t, s.Admin.Token, "POST", "/api/share", map[string]any{"roots": []any{999999}}), "roots")
	fieldError(t, s.Do(t, s.Admin.Token, "POST", "/api/share", map[string]any{"roots": []any{map[string]any{"id": a.ID, "entity_type": 1}}}), "roots")
	fieldError(t, s.Do(t, s.Admin.Token, "POST", "/api/share", map[string]any{"roots": []any{true}}), "roots")
	fieldError(t, s.Do(t, s.Admin.Token, "POST", "/api/share", map[string]any{"roots": []any{}}), "roots")
	fieldError(t, s.Do(t, s.Admin.Token, "POST", "/api/share", map[string]any{"roots": []any{docs.ID}, "flags": "x"}), "flags")
	s.Do(t, s.Admin.Token, "POST", "/api/share", `{"roots": [`).Want(t, http.StatusBadRequest)
	s.Do(t, "", "POST", "/api/share", map[string]any{"roots": []any{docs.ID}}).Want(t, http.StatusUnauthorized)
	if got := s.Do(t, s.Admin.Token, "GET", "/api/shares", nil).Map(t)["nb_total_objects"]; got != 0.0 {
		t.Fatalf("bad input created %v links", got)
	}
}

// Only who holds the Share right creates links; only the owner or an
// administrator sees and manages them.
func TestShareRightsAndOwners(t *testing.T) {
	s := newServer(t)
	docs, _, _ := linkTree(t, s)
	body := map[string]any{"roots": []any{docs.ID}}
	fieldError(t, s.Do(t, s.User.Token, "POST", "/api/share", body), "roots") // bob does not see docs
	s.Grant(t, "/team/docs", s.User, storage.Browse|storage.Read|storage.Download)
	s.Do(t, s.User.Token, "POST", "/api/share", body).Want(t, http.StatusForbidden)
	s.Grant(t, "/team/docs", s.User, storage.Browse|storage.Read|storage.Download|storage.Share)
	bobs := s.newLink(t, s.User.Token, "/api/share", body)
	carol := s.NewAccount(t, "carol", auth.RoleUser)
	for _, r := range []struct{ method, path string }{
		{"GET", shareURL(bobs.ID, "")}, {"PUT", shareURL(bobs.ID, "")}, {"DELETE", shareURL(bobs.ID, "")},
		{"GET", shareURL(bobs.ID, "/activity")}, {"GET", fmt.Sprintf("/api/sharelink/%d", bobs.ID)},
	} {
		s.Do(t, carol.Token, r.method, r.path, map[string]any{"name": "mine"}).Want(t, http.StatusNotFound)
	}
	s.Do(t, s.Admin.Token, "GET", shareURL(bobs.ID, ""), nil).Want(t, http.StatusOK)
	s.Do(t, s.Admin.Token, "PUT", shareURL(bobs.ID, ""), map[string]any{"name": "checked"}).Want(t, http.StatusOK)
	if m := s.Do(t, s.User.Token, "GET", shareURL(bobs.ID, ""), nil).Want(t, http.StatusOK).Map(t); m["name"] != "checked" || m["owner_id"] != s.User.Principal.UserID {
		t.Fatalf("bob's link %v", m)
	}
	s.Do(t, s.User.Token, "GET", shareURL(bobs.ID, "/activity"), nil).Want(t, http.StatusOK)
	s.Do(t, "", "GET", shareURL(bobs.ID, "/activity"), nil).Want(t, http.StatusUnauthorized)
	s.Do(t, s.User.Token, "GET", "/api/share/99999", nil).Want(t, http.StatusNotFound)
	s.Do(t, s.User.Token, "GET", "/api/share/nothing/here", nil).Want(t, http.StatusNotFound)
	s.Do(t, s.User.Token, "DELETE", shareURL(bobs.ID, ""), nil).Want(t, http.StatusNoContent)
	s.Do(t, s.User.Token, "GET", shareURL(bobs.ID, ""), nil).Want(t, http.StatusNotFound)
	s.Do(t, "", "GET", "/api/share/key/"+bobs.Key, nil).Want(t, http.StatusNotFound)
}

func TestShareVisitAndDownload(t *testing.T) {
	s := newServer(t)
	docs, a, _ := linkTree(t, s)
	l := s.newLink(t, s.Admin.Token, "/api/share", map[string]any{"objects": []any{docs.ID}, "name": "Docs"})
	m := s.Do(t, "", "GET", "/api/share/key/"+l.Key, nil).Want(t, http.StatusOK).Map(t)
	if m["name"] != "Docs" || m["max_downloads"] != nil || len(m["roots"].([]any)) != 1 || m["flags"] != 4.0 {
		t.Fatalf("public share %v", m)
	}
	var roots []rest.ShareContent
	s.Do(t, "", "GET", "/api/share/content/"+l.Key, nil).Want(t, http.StatusOK).JSON(t, &roots)
	if len(roots) != 1 || roots[0].ID != int64(docs.ID) || roots[0].ParentID != 0 || !roots[0].CanDownload || roots[0].CanEdit {
		t.Fatalf("roots %+v", roots)
	}
	var content []rest.ShareContent
	s.Do(t, "", "GET", fmt.Sprintf("/api/share/content/%s/%d", l.Key, docs.ID), nil).Want(t, http.StatusOK).JSON(t, &content)
	if len(content) != 3 || content[0].Name != "a.txt" || content[0].FileType != "document" || content[2].Name != "sub" ||
		content[2].EntityType != 1 || content[0].ParentID != int64(docs.ID) {
		t.Fatalf("content %+v", content)
	}
	// Nothing outside the share, nothing that is not a folder.
	team, _ := s.NS(s.Admin).Stat(ctx, "/team")
	s.Do(t, "", "GET", fmt.Sprintf("/api/share/content/%s/%d", l.Key, team.ID), nil).Want(t, http.StatusNotFound)
	s.Do(t, "", "GET", fmt.Sprintf("/api/share/content/%s/%d", l.Key, a.ID), nil).Want(t, http.StatusNotFound)
	s.Do(t, "", "GET", "/api/share/content/"+strings.Repeat("0", 64), nil).Want(t, http.StatusNotFound)

	var tok struct{ Token string }
	s.Do(t, "", "POST", "/api/token/share/download/"+l.Key, nil).Want(t, http.StatusOK).JSON(t, &tok)
	r := s.Do(t, "", "GET", fmt.Sprintf("/api/share/download/file?token=%s&id=%d", tok.Token, a.ID), nil).Want(t, http.StatusOK)
	if string(r.Body) != "alpha" || !strings.HasPrefix(r.Header.Get("Content-Disposition"), `attachment; filename="a.txt"`) {
		t.Fatalf("download %q, %v", r.Body, r.Header)
	}
	r = s.Do(t, "", "GET", fmt.Sprintf("/api/share/download/file?token=%s&id=%d", tok.Token, a.ID), nil, "Range", "bytes=1-2").Want(t, http.StatusPartialContent)
	if string(r.Body) != "lp" {
		t.Fatalf("range %q", r.Body)
	}
	secret, _ := s.NS(s.Admin).Stat(ctx, "/team/secret.txt")
	s.Do(t, "", "GET", fmt.Sprintf("/api/share/download/file?token=%s&id=%d", tok.Token, secret.ID), nil).Want(t, http.StatusNotFound)
	s.Do(t, "", "GET", fmt.Sprintf("/api/share/download/file?token=%s&id=%d", tok.Token, docs.ID), nil).Want(t, http.StatusNotFound)
	fieldError(t, s.Do(t, "", "GET", "/api/share/download/file?token="+tok.Token, nil), "id")
	s.Do(t, "", "GET", fmt.Sprintf("/api/share/download/file?token=forged&id=%d", a.ID), nil).Want(t, http.StatusNotFound)

	// The owner sees the downloads in the activity, by file.
	var act struct {
		Objects []struct {
			GUID, Name string
			Stats      []struct{ Action, Date, Loc string }
		}
	}
	s.Do(t, s.Admin.Token, "GET", shareURL(l.ID, "/activity"), nil).Want(t, http.StatusOK).JSON(t, &act)
	downloads := 0
	for _, o := range act.Objects {
		for _, st := range o.Stats {
			if st.Action == "download" {
				downloads++
				if o.GUID != a.GUID || o.Name != "a.txt" || st.Date == "" {
					t.Fatalf("download event on %+v", o)
				}
			}
		}
	}
	if downloads != 2 || act.Objects[0].Name != "Docs" || act.Objects[0].Stats[0].Action != "access" {
		t.Fatalf("activity %+v", act)
	}
	if m := s.Do(t, s.Admin.Token, "GET", shareURL(l.ID, ""), nil).Map(t); m["nb_downloads"] != 2.0 {
		t.Fatalf("nb_downloads %v", m["nb_downloads"])
	}
}

// A link of three downloads serves three, then answers 410.
func TestShareMaxDownloads(t *testing.T) {
	s := newServer(t)
	_, a, _ := linkTree(t, s)
	l := s.newLink(t, s.Admin.Token, "/api/share", map[string]any{"roots": []any{a.ID}, "max_downloads": 3})
	var tok struct{ Token string }
	s.Do(t, "", "POST", "/api/token/share/download/"+l.Key, nil).Want(t, http.StatusOK).JSON(t, &tok)
	path := fmt.Sprintf("/api/share/download/file?token=%s&id=%d", tok.Token, a.ID)
	for i := 0; i < 3; i++ {
		s.Do(t, "", "GET", path, nil).Want(t, http.StatusOK)
	}
	wantMessage(t, s.Do(t, "", "GET", path, nil, "Accept-Language", "en"), http.StatusGone, "used up")
	wantMessage(t, s.Do(t, "", "GET", "/api/share/key/"+l.Key, nil), http.StatusGone, "nombre maximal")
	m := s.Do(t, s.Admin.Token, "GET", shareURL(l.ID, ""), nil).Want(t, http.StatusOK).Map(t)
	if m["nb_downloads"] != 3.0 || m["remaining_downloads"] != 0.0 || m["is_valid"] != false {
		t.Fatalf("exhausted share %v", m)
	}
}

// A disabled link is Gone until enabled again; a link is refused where its
// address list does not allow the visitor.
func TestShareDisabledAndAddresses(t *testing.T) {
	s := newServer(t)
	docs, _, _ := linkTree(t, s)
	l := s.newLink(t, s.Admin.Token, "/api/share", map[string]any{"roots": []any{docs.ID}})
	s.Do(t, s.Admin.Token, "PUT", shareURL(l.ID, ""), map[string]any{"disabled": true}).Want(t, http.StatusOK)
	wantMessage(t, s.Do(t, "", "GET", "/api/share/key/"+l.Key, nil, "Accept-Language", "en"), http.StatusGone, "disabled")
	s.Do(t, "", "GET", "/api/share/content/"+l.Key, nil).Want(t, http.StatusGone)
	s.Do(t, "", "POST", "/api/token/share/download/"+l.Key, nil).Want(t, http.StatusGone)
	if m := s.Do(t, s.Admin.Token, "GET", shareURL(l.ID, ""), nil).Map(t); m["disabled"] != true || m["is_valid"] != false {
		t.Fatalf("disabled share %v", m)
	}
	s.Do(t, s.Admin.Token, "PUT", shareURL(l.ID, ""), map[string]any{"disabled": false}).Want(t, http.StatusOK)
	s.Do(t, "", "GET", "/api/share/key/"+l.Key, nil).Want(t, http.StatusOK)

	s.Do(t, s.Admin.Token, "PUT", shareURL(l.ID, ""), map[string]any{"allowed_ips": []string{"192.0.2.0/24"}}).Want(t, http.StatusOK)
	wantMessage(t, s.Do(t, "", "GET", "/api/share/key/"+l.Key, nil, "Accept-Language", "en"), http.StatusForbidden, "address")
	s.Do(t, s.Admin.Token, "PUT", shareURL(l.ID, ""), map[string]any{"allowed_ips": []string{"127.0.0.0/8", "::1"}}).Want(t, http.StatusOK)
	s.Do(t, "", "GET", "/api/share/key/"+l.Key, nil).Want(t, http.StatusOK)
}

func TestSharePasswordAndConsent(t *testing.T) {
	s := newServer(t)
	docs, a, _ := linkTree(t, s)
	l := s.newLink(t, s.Admin.Token, "/api/share", map[string]any{"roots": []any{docs.ID}, "password": "open sesame"})
	m := s.Do(t, "", "GET", "/api/share/key/"+l.Key, nil).Want(t, http.StatusOK).Map(t)
	if m["password_protected"] != true || len(m["roots"].([]any)) != 0 {
		t.Fatalf("locked share %v", m)
	}
	wantMessage(t, s.Do(t, "", "GET", "/api/share/content/"+l.Key, nil, "Accept-Language", "en"), http.StatusUnauthorized, "password")
	s.Do(t, "", "POST", "/api/token/share/download/"+l.Key, nil).Want(t, http.StatusUnauthorized)
	wantMessage(t, s.Do(t, "", "POST", "/api/share/key/"+l.Key+"/passcheck", map[string]string{"password": "wrong"}, "Accept-Language", "en"),
		http.StatusUnauthorized, "Wrong password")
	fieldError(t, s.Do(t, "", "POST", "/api/share/key/"+l.Key+"/passcheck", nil), "password")
	var pc struct {
		AccessToken string `json:"access_token"`
	}
	s.Do(t, "", "POST", "/api/share/key/"+l.Key+"/passcheck", map[string]string{"password": "open sesame"}).Want(t, http.StatusOK).JSON(t, &pc)
	if pc.AccessToken == "" {
		t.Fatal("no access token")
	}
	s.Do(t, "", "GET", "/api/share/content/"+l.Key, nil, "X-Share-Token", pc.AccessToken).Want(t, http.StatusOK)
	s.Do(t, "", "GET", "/api/share/content/"+l.Key+"?access_token="+pc.AccessToken, nil).Want(t, http.StatusOK)
	if m := s.Do(t, "", "GET", "/api/share/key/"+l.Key, nil, "X-Share-Token", pc.AccessToken).Map(t); len(m["roots"].([]any)) != 1 {
		t.Fatalf("unlocked share %v", m)
	}
	// A download token carries the access: a browser needs no header.
	var tok struct{ Token string }
	s.Do(t, "", "POST", "/api/token/share/download/"+l.Key, map[string]string{"access_token": pc.AccessToken}).Want(t, http.StatusOK).JSON(t, &tok)
	s.Do(t, "", "GET", fmt.Sprintf("/api/share/download/file?token=%s&id=%d", tok.Token, a.ID), nil).Want(t, http.StatusOK)
	// So does the password itself, sent to the token route.
	s.Do(t, "", "POST", "/api/token/share/download/"+l.Key, map[string]string{"password": "open sesame"}).Want(t, http.StatusOK)

	// Consent comes before anything else, once accepted.
	s.Do(t, s.Admin.Token, "PUT", shareURL(l.ID, ""), map[string]any{"password": "", "consent_text": "J'accepte les conditions."}).Want(t, http.StatusOK)
	m = s.Do(t, "", "GET", "/api/share/key/"+l.Key, nil).Want(t, http.StatusOK).Map(t)
	if m["consent_required"] != true || m["consent_text"] != "J'accepte les conditions." || m["password_protected"] != false || len(m["roots"].([]any)) != 0 {
		t.Fatalf("share needing consent %v", m)
	}
	wantMessage(t, s.Do(t, "", "GET", "/api/share/content/"+l.Key, nil), http.StatusForbidden, "consentement")
	var ct struct {
		ConsentToken string `json:"consent_token"`
	}
	s.Do(t, "", "POST", "/api/share/key/"+l.Key+"/consent", nil).Want(t, http.StatusOK).JSON(t, &ct)
	s.Do(t, "", "GET", "/api/share/content/"+l.Key, nil, "X-Consent-Token", ct.ConsentToken).Want(t, http.StatusOK)
	s.Do(t, "", "GET", "/api/share/content/"+l.Key+"?consent_token="+ct.ConsentToken, nil).Want(t, http.StatusOK)
	// The legacy routes take the same consent.
	s.Do(t, "", "POST", "/api/sharelink/key/"+l.Key+"/consent", nil).Want(t, http.StatusOK).JSON(t, &ct)
	s.Do(t, "", "GET", "/api/sharelink/key/"+l.Key, nil, "X-Consent-Token", ct.ConsentToken).Want(t, http.StatusOK)
	// A consent share leaves the legacy view, stays in the new one.
	s.Do(t, s.Admin.Token, "GET", fmt.Sprintf("/api/sharelink/%d", l.ID), nil).Want(t, http.StatusNotFound)
	s.Do(t, s.Admin.Token, "GET", shareURL(l.ID, ""), nil).Want(t, http.StatusOK)
}

// Wrong passwords are throttled per link: after the free attempts, 429.
func TestSharePasswordBackoff(t *testing.T) {
	s := newServer(t)
	docs, _, _ := linkTree(t, s)
	l := s.newLink(t, s.Admin.Token, "/api/share", map[string]any{"roots": []any{docs.ID}, "password": "open sesame"})
	var r response
	for i := 0; i < 10 && r.Status != http.StatusTooManyRequests; i++ {
		r = s.Do(t, "", "POST", "/api/share/key/"+l.Key+"/passcheck", map[string]string{"password": "wrong"})
		if r.Status != http.StatusUnauthorized && r.Status != http.StatusTooManyRequests {
			t.Fatalf("attempt %d: %d %s", i, r.Status, r.Body)
		}
	}
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" {
		t.Fatalf("no back-off: %d %v", r.Status, r.Header)
	}
}

func TestShareZip(t *testing.T) {
	s := newServer(t)
	docs, a, _ := linkTree(t, s)
	l := s.newLink(t, s.Admin.Token, "/api/share", map[string]any{"roots": []any{docs.ID, a.ID}, "name": "Bundle", "max_downloads": 2})
	r := s.Do(t, "", "GET", "/api/zip/share/"+l.Key, nil).Want(t, http.StatusOK)
	contents, _ := zipContents(t, r.Body)
	want := map[string]string{"docs/": "", "docs/a.txt": "alpha", "docs/b.txt": "beta", "docs/sub/c.txt": "gamma", "a.txt": "alpha"}
	if fmt.Sprint(contents) != fmt.Sprint(want) || !strings.Contains(r.Header.Get("Content-Disposition"), "Bundle.zip") {
		t.Fatalf("zip %v, %v", contents, r.Header)
	}
	var tok struct{ Token string }
	s.Do(t, "", "POST", "/api/zip/token/share", map[string]string{"key": l.Key}).Want(t, http.StatusOK).JSON(t, &tok)
	fieldError(t, s.Do(t, "", "POST", "/api/zip/token/share", nil), "key")
	r = s.Do(t, "", "GET", "/api/zip/share/"+l.Key+"?token="+tok.Token, nil).Want(t, http.StatusOK)
	if c, _ := zipContents(t, r.Body); len(c) != len(want) {
		t.Fatalf("zip by token %v", c)
	}
	// One archive is one download: two archives used the link up.
	s.Do(t, "", "GET", "/api/zip/share/"+l.Key, nil).Want(t, http.StatusGone)
	// A token is for its link only.
	other := s.newLink(t, s.Admin.Token, "/api/share", map[string]any{"roots": []any{a.ID}})
	s.Do(t, "", "GET", "/api/zip/share/"+other.Key+"?token="+tok.Token, nil).Want(t, http.StatusNotFound)

	// A preview-only share lists but never hands out content.
	p := s.newLink(t, s.Admin.Token, "/api/share", map[string]any{"roots": []any{docs.ID}, "flags": 2})
	var roots []rest.ShareContent
	s.Do(t, "", "GET", "/api/share/content/"+p.Key, nil).Want(t, http.StatusOK).JSON(t, &roots)
	if roots[0].CanDownload || !roots[0].CanPreview {
		t.Fatalf("preview-only roots %+v", roots)
	}
	s.Do(t, "", "GET", "/api/zip/share/"+p.Key, nil).Want(t, http.StatusForbidden)
	s.Do(t, "", "POST", "/api/token/share/download/"+p.Key, nil).Want(t, http.StatusOK).JSON(t, &tok)
	s.Do(t, "", "GET", fmt.Sprintf("/api/share/download/file?token=%s&id=%d", tok.Token, a.ID), nil).Want(t, http.StatusForbidden)
}

// Without a links store, the link routes say so.
func TestShareNotSupported(t *testing.T) {
	s := newServerWith(t, engine.Options{}, func(o *rest.Options) { o.Shares = nil })
	s.Do(t, s.Admin.Token, "GET", "/api/shares", nil).Want(t, http.StatusNotImplemented)
	s.Do(t, "", "GET", "/api/share/key/"+strings.Repeat("0", 64), nil).Want(t, http.StatusNotImplemented)
	s.Do(t, s.Admin.Token, "GET", "/api/ulinks", nil).Want(t, http.StatusNotImplemented)
	s.Do(t, s.Admin.Token, "GET", "/api/sharelinks", nil).Want(t, http.StatusNotImplemented)
}
