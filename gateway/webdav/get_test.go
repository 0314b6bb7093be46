package webdav_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"testing"

	"coffre/storage"
	"coffre/storage/storagetest"
)

// A plain GET (served by the handler's own copy) answers as a GET with a
// condition that holds (served by http.ServeContent): same status, headers
// and content, for inline, erasure-coded and encoded contents.
func TestGetWholeAsServeContent(t *testing.T) {
	s := newServer(t)
	bob := s.As(s.Bob)
	big := storagetest.Payload(21, 3<<20+17)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("<p>hello</p>"))
	zw.Close()
	for name, opt := range map[string]storage.PutOptions{
		"small.txt": {},
		"big.bin":   {},
		"page.html": {Meta: map[string]string{"content-encoding": "gzip", "content-type": "text/html"}},
		"empty":     {},
	} {
		body := map[string][]byte{"small.txt": []byte("small"), "big.bin": big, "page.html": gz.Bytes()}[name]
		opt.Size = int64(len(body))
		if _, err := bob.Put(ctx, "/team/"+name, bytes.NewReader(body), opt); err != nil {
			t.Fatal(err)
		}
		plain := s.req(t, s.Bob, "GET", "/dav/team/"+name, "").want(t, 200)
		cond := s.req(t, s.Bob, "GET", "/dav/team/"+name, "", `If-None-Match: "other"`).want(t, 200)
		if name == "page.html" { // the client decoded it
			body = []byte("<p>hello</p>")
		}
		if !bytes.Equal([]byte(plain.Body), body) || plain.Body != cond.Body {
			t.Errorf("%s: plain GET %d bytes, conditional %d, stored %d", name, len(plain.Body), len(cond.Body), len(body))
		}
		for _, h := range []string{"Content-Length", "Content-Type", "Content-Encoding", "ETag", "Last-Modified", "Accept-Ranges"} {
			if p, c := plain.Header.Values(h), cond.Header.Values(h); fmt.Sprint(p) != fmt.Sprint(c) {
				t.Errorf("%s: %s %q, through ServeContent %q", name, h, p, c)
			}
		}
		if plain.Header.Get("Last-Modified") == "" || plain.Header.Get("ETag") == "" {
			t.Errorf("%s: headers %v", name, plain.Header)
		}
	}
}
