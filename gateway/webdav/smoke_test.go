package webdav_test

import "testing"

func TestSmoke(t *testing.T) {
	s := newServer(t)
	s.req(t, s.Bob, "PUT", "/dav/team/a.txt", "hello").want(t, 201)
	r := s.req(t, s.Bob, "GET", "/dav/team/a.txt", "").want(t, 200)
	if r.Body != "hello" {
		t.Fatal(r.Body)
	}
	r = s.req(t, s.Bob, "PROPFIND", "/dav/team/", "", "Depth: 1").want(t, 207)
	t.Log(r.Body)
}
