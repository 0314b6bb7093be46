package webdav_test

import (
	"net/http"
	"testing"

	"coffre/auth"
)

func TestAuthentication(t *testing.T) {
	s := newServer(t)
	anon := user{}
	wrong := user{Login: "bob", Password: "not his password"}

	r := s.req(t, anon, "PROPFIND", "/dav/", "", "Depth: 0").want(t, 401)
	if got := r.Header.Get("WWW-Authenticate"); got != `Basic realm="Coffre", charset="UTF-8"` {
		t.Errorf("challenge %q", got)
	}
	s.req(t, wrong, "PROPFIND", "/dav/", "", "Depth: 0").want(t, 401)
	s.req(t, anon, "GET", "/dav/team/x", "").want(t, 401)
	s.req(t, s.Bob, "PROPFIND", "/dav/", "", "Depth: 0").want(t, 207)

	// An anonymous OPTIONS answers the DAV headers rather than a challenge.
	for _, u := range []user{anon, s.Bob} {
		r = s.req(t, u, "OPTIONS", "/dav/team/", "").want(t, 200)
		if r.Header.Get("DAV") != "1, 2" || r.Header.Get("MS-Author-Via") != "DAV" {
			t.Errorf("OPTIONS as %q: DAV %q, MS-Author-Via %q", u.Login, r.Header.Get("DAV"), r.Header.Get("MS-Author-Via"))
		}
	}
	s.req(t, wrong, "OPTIONS", "/dav/team/", "").want(t, 401)

	// Bearer tokens, and an API token as the Basic password of its owner.
	token, _, err := s.Auth.IssueToken(ctx, s.Bob.Principal.UserID, auth.APIToken, "davfs2")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("PROPFIND", s.URL+"/dav/team/", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Depth", "0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 207 {
		t.Fatalf("bearer: %v %v", resp, err)
	}
	resp.Body.Close()
	req.Header.Set("Authorization", "Bearer "+token[:42]+"x")
	if resp, err = http.DefaultClient.Do(req); err != nil || resp.StatusCode != 401 {
		t.Fatalf("bad bearer: %v %v", resp, err)
	}
	resp.Body.Close()
	s.req(t, user{Login: "bob", Password: token}, "PROPFIND", "/dav/team/", "", "Depth: 0").want(t, 207)
	s.req(t, user{Login: "admin", Password: token}, "PROPFIND", "/dav/team/", "", "Depth: 0").want(t, 401)

	// Outside the prefix.
	s.req(t, s.Bob, "PROPFIND", "/davx/", "", "Depth: 0").want(t, 404)
}

func TestBackoff(t *testing.T) {
	s := newServer(t)
	wrong := user{Login: "bob", Password: "guess"}
	var r response
	for i := 0; i < 20; i++ {
		if r = s.req(t, wrong, "PROPFIND", "/dav/", "", "Depth: 0"); r.StatusCode == 503 {
			break
		}
		r.want(t, 401)
	}
	r.want(t, 503)
	if r.Header.Get("Retry-After") == "" {
		t.Error("503 without Retry-After")
	}
}
