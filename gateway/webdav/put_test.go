package webdav_test

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"coffre/storage"
	"coffre/storage/storagetest"
)

func TestPutGetVersions(t *testing.T) {
	s := newServer(t)
	bob := s.As(s.Bob)

	r := s.req(t, s.Bob, "PUT", "/dav/team/a.txt", "first", "Content-Type: text/x-first").want(t, 201)
	if want := fmt.Sprintf(`"%x"`, md5.Sum([]byte("first"))); r.Header.Get("ETag") != want {
		t.Errorf("ETag %q, want %q", r.Header.Get("ETag"), want)
	}
	r = s.req(t, s.Bob, "GET", "/dav/team/a.txt", "").want(t, 200)
	if r.Body != "first" || r.Header.Get("Content-Type") != "text/x-first" {
		t.Errorf("GET: %q, %q", r.Body, r.Header.Get("Content-Type"))
	}
	s.req(t, s.Bob, "PUT", "/dav/team/a.txt", "second version").want(t, 204)
	vs, err := bob.Versions(ctx, "/team/a.txt")
	if err != nil || len(vs) != 2 {
		t.Fatalf("versions: %v, %v", vs, err)
	}
	r = s.req(t, s.Bob, "GET", "/dav/team/a.txt", "", "Range: bytes=7-").want(t, 206)
	if r.Body != "version" {
		t.Errorf("range: %q", r.Body)
	}
	r = s.req(t, s.Bob, "HEAD", "/dav/team/a.txt", "").want(t, 200)
	if r.ContentLength != int64(len("second version")) || r.Header.Get("ETag") != vs[0].ETag() {
		t.Errorf("HEAD: length %d, ETag %q (want %q)", r.ContentLength, r.Header.Get("ETag"), vs[0].ETag())
	}
	s.req(t, s.Bob, "GET", "/dav/team/a.txt", "", "If-None-Match: "+vs[0].ETag()).want(t, 304)

	// A large file goes through the erasure-coded path.
	big := storagetest.Payload(1, 3<<20+17)
	req, _ := http.NewRequest("PUT", s.URL+"/dav/team/big.bin", bytes.NewReader(big))
	req.SetBasicAuth(s.Bob.Login, s.Bob.Password)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 201 {
		t.Fatalf("PUT big: %v %v", resp, err)
	}
	resp.Body.Close()
	if got := content(t, bob, "/team/big.bin"); got != string(big) {
		t.Fatal("big file differs")
	}
	r = s.req(t, s.Bob, "GET", "/dav/team/big.bin", "").want(t, 200)
	if r.Body != string(big) {
		t.Fatal("GET big file differs")
	}

	// Errors: no folder, a folder's name, the top, a root folder's level.
	s.req(t, s.Bob, "PUT", "/dav/team/nope/a.txt", "x").want(t, 409)
	s.req(t, s.Bob, "MKCOL", "/dav/team/dir", "").want(t, 201)
	s.req(t, s.Bob, "PUT", "/dav/team/dir", "x").want(t, 405)
	s.req(t, s.Admin, "PUT", "/dav/file-at-top", "x").want(t, 403)
	s.req(t, s.Bob, "GET", "/dav/team/dir/", "").want(t, 405)
	s.req(t, s.Bob, "GET", "/dav/team/missing", "").want(t, 404)
}

func TestPutConditions(t *testing.T) {
	s := newServer(t)
	etag := s.req(t, s.Bob, "PUT", "/dav/team/c.txt", "one").want(t, 201).Header.Get("ETag")
	s.req(t, s.Bob, "PUT", "/dav/team/c.txt", "two", "If-None-Match: *").want(t, 412)
	s.req(t, s.Bob, "PUT", "/dav/team/c.txt", "two", `If-Match: "00000000000000000000000000000000"`).want(t, 412)
	s.req(t, s.Bob, "PUT", "/dav/team/new.txt", "two", "If-Match: *").want(t, 412)
	s.req(t, s.Bob, "PUT", "/dav/team/c.txt", "two", "If-None-Match: "+etag).want(t, 412)
	if got := content(t, s.As(s.Bob), "/team/c.txt"); got != "one" {
		t.Fatalf("content after failed conditions: %q", got)
	}
	etag2 := s.req(t, s.Bob, "PUT", "/dav/team/c.txt", "two", "If-Match: "+etag).want(t, 204).Header.Get("ETag")
	s.req(t, s.Bob, "PUT", "/dav/team/c.txt", "three", `If-Match: "abc", `+etag2).want(t, 204)
	s.req(t, s.Bob, "PUT", "/dav/team/d.txt", "new", "If-None-Match: *").want(t, 201)
}

// rawPut sends a PUT announcing length bytes but sending only the first
// part of body, then closes the connection.
func rawPut(t *testing.T, s *server, path string, length int, body []byte, extra string) {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	cred := base64.StdEncoding.EncodeToString([]byte(s.Bob.Login + ":" + s.Bob.Password))
	fmt.Fprintf(c, "PUT %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Basic %s\r\n%sContent-Length: %d\r\n\r\n",
		path, strings.TrimPrefix(s.URL, "http://"), cred, extra, length)
	if _, err := c.Write(body); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // let the handler start reading
	c.Close()
}

// waitServed waits for the server to finish a request.
func waitServed(t *testing.T, served <-chan string, want string) {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case got := <-served:
			if got == want {
				return
			}
		case <-timeout:
			t.Fatalf("the server did not finish %s", want)
		}
	}
}

func TestInterruptedPut(t *testing.T) {
	s := newServer(t)
	bob := s.As(s.Bob)
	put(t, bob, "/team/keep.txt", "the old content")
	big := storagetest.Payload(2, 4<<20)
	put(t, bob, "/team/keep.bin", string(big))

	cases := []struct {
		name, path string
		length     int
		sent       []byte
		extra      string
	}{
		{"small", "/dav/team/keep.txt", 1000, []byte("the new content, cut sh"), ""},
		{"large", "/dav/team/keep.bin", 8 << 20, storagetest.Payload(3, 3<<20), ""},
		{"new file", "/dav/team/new.bin", 2 << 20, storagetest.Payload(4, 1<<20), ""},
		{"expect 100", "/dav/team/keep.txt", 5000, []byte("partial"), "Expect: 100-continue\r\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			served := s.watch()
			rawPut(t, s, c.path, c.length, c.sent, c.extra)
			waitServed(t, served, "PUT "+c.path)
		})
	}
	if got := content(t, bob, "/team/keep.txt"); got != "the old content" {
		t.Errorf("keep.txt: %q", got)
	}
	if got := content(t, bob, "/team/keep.bin"); got != string(big) {
		t.Error("keep.bin changed")
	}
	for _, p := range []string{"/team/keep.txt", "/team/keep.bin"} {
		if vs, err := bob.Versions(ctx, p); err != nil || len(vs) != 1 {
			t.Errorf("%s: versions %v, %v", p, vs, err)
		}
	}
	if _, err := bob.Stat(ctx, "/team/new.bin"); !storage.Is(storage.NotFound, err) {
		t.Errorf("new.bin: %v, want NotFound", err)
	}
}

func TestChunkedPut(t *testing.T) {
	s := newServer(t)
	body := storagetest.Payload(5, 300<<10)
	send := func(path string, extra map[string]string) int {
		// io.MultiReader hides the length: the client sends it chunked.
		req, _ := http.NewRequest("PUT", s.URL+path, io.MultiReader(bytes.NewReader(body)))
		req.SetBasicAuth(s.Bob.Login, s.Bob.Password)
		for k, v := range extra {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := send("/dav/team/chunked.bin", nil); code != 201 {
		t.Fatalf("chunked PUT: %d", code)
	}
	if got := content(t, s.As(s.Bob), "/team/chunked.bin"); got != string(body) {
		t.Fatal("chunked content differs")
	}
	// macOS Finder announces the length of a chunked body.
	if code := send("/dav/team/finder.bin", map[string]string{"X-Expected-Entity-Length": fmt.Sprint(len(body))}); code != 201 {
		t.Fatalf("Finder PUT: %d", code)
	}
	if code := send("/dav/team/short.bin", map[string]string{"X-Expected-Entity-Length": fmt.Sprint(len(body) + 1)}); code != 400 {
		t.Fatalf("PUT shorter than announced: %d, want 400", code)
	}
	if _, err := s.As(s.Bob).Stat(ctx, "/team/short.bin"); !storage.Is(storage.NotFound, err) {
		t.Fatalf("short.bin: %v", err)
	}
}
