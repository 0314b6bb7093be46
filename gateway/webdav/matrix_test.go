package webdav_test

// The rights matrix of the namespace (as gateway/s3/rights_test.go runs it
// through S3), through WebDAV: the administrator makes /mx with files f and
// x and a folder sub, gives carol one entry on /mx, and carol lists, reads
// and writes. What carol may not see does not exist for her (404, or 409
// for a write into a folder she cannot see), never a 403 that would
// reveal it.

import (
	"fmt"
	"strings"
	"testing"

	"coffre/auth"
	"coffre/storage"
)

const (
	rB = storage.Browse
	rR = storage.Read
	rD = storage.Download
	rW = storage.Write
	rE = storage.Edit
	rX = storage.Delete
	rS = storage.Share
)

// matrixRows: carol's entry on /mx, then the status of each request:
//
//	see:    PROPFIND /dav/mx/ Depth 1 (207: and its hrefs, sub always listed)
//	get:    GET /dav/mx/f
//	new:    PUT /dav/mx/new
//	over:   PUT /dav/mx/f (a new version)
//	copy:   COPY /dav/mx/f to /dav/mx/copy
//	rename: MOVE /dav/mx/f to /dav/mx/f2
//	delete: DELETE /dav/mx/x
//	mkcol:  MKCOL /dav/mx/d
//	lock:   LOCK /dav/mx/f
var matrixRows = []struct {
	rights                                                storage.Rights
	see                                                   int
	files                                                 string
	get, new, over, copy, rename, delete, mkcol, lockFile int
}{
	{rights: 0, see: 404, get: 404, new: 409, over: 409, copy: 404, rename: 404, delete: 404, mkcol: 409, lockFile: 409},
	{rights: rB, see: 207, get: 404, new: 403, over: 403, copy: 404, rename: 404, delete: 404, mkcol: 403, lockFile: 403},
	{rights: rR, see: 404, get: 404, new: 409, over: 409, copy: 404, rename: 404, delete: 404, mkcol: 409, lockFile: 409},
	{rights: rB | rR, see: 207, files: "f x", get: 403, new: 403, over: 403, copy: 403, rename: 403, delete: 403, mkcol: 403, lockFile: 403},
	{rights: rB | rR | rD, see: 207, files: "f x", get: 200, new: 403, over: 403, copy: 403, rename: 403, delete: 403, mkcol: 403, lockFile: 403},
	{rights: rB | rW, see: 207, get: 404, new: 201, over: 403, copy: 404, rename: 404, delete: 404, mkcol: 201, lockFile: 403},
	{rights: rB | rR | rD | rW, see: 207, files: "f x", get: 200, new: 201, over: 403, copy: 201, rename: 403, delete: 403, mkcol: 201, lockFile: 403},
	{rights: rB | rR | rE, see: 207, files: "f x", get: 403, new: 403, over: 204, copy: 403, rename: 201, delete: 403, mkcol: 403, lockFile: 200},
	{rights: rB | rR | rX, see: 207, files: "f x", get: 403, new: 403, over: 403, copy: 403, rename: 403, delete: 204, mkcol: 403, lockFile: 403},
	{rights: rB | rS, see: 207, get: 404, new: 403, over: 403, copy: 404, rename: 404, delete: 404, mkcol: 403, lockFile: 403},
	{rights: rR | rD | rW | rE | rX | rS, see: 404, get: 404, new: 409, over: 409, copy: 404, rename: 404, delete: 404, mkcol: 409, lockFile: 409},
	{rights: storage.AllRights, see: 207, files: "f x", get: 200, new: 201, over: 204, copy: 201, rename: 201, delete: 204, mkcol: 201, lockFile: 200},
}

func TestRightsMatrix(t *testing.T) {
	for _, row := range matrixRows {
		t.Run(fmt.Sprint(row.rights), func(t *testing.T) {
			s := newServer(t)
			admin := s.As(s.Admin)
			carol := s.newUser(t, "carol", auth.RoleUser)
			for _, d := range []string{"/mx", "/mx/sub"} {
				if _, err := admin.Mkdir(ctx, d); err != nil {
					t.Fatal(err)
				}
			}
			for _, f := range []string{"/mx/f", "/mx/x", "/mx/sub/g"} {
				put(t, admin, f, f)
			}
			if row.rights != 0 {
				if err := admin.SetGrant(ctx, "/mx", storage.Subject{ID: carol.Principal.UserID}, row.rights); err != nil {
					t.Fatal(err)
				}
			}
			check := func(what string, got, want int) {
				t.Helper()
				if got != want {
					t.Errorf("%s: %d, want %d", what, got, want)
				}
			}
			r := s.req(t, carol, "PROPFIND", "/dav/mx/", "", "Depth: 1")
			check("PROPFIND", r.StatusCode, row.see)
			if r.StatusCode == 207 {
				var names []string
				for _, m := range multistatus(t, r.Body) {
					if n := strings.TrimPrefix(m.Href, "/dav/mx/"); n != "" && n != "sub/" {
						names = append(names, n)
					}
				}
				if got := strings.Join(names, " "); got != row.files {
					t.Errorf("listing: %q, want %q", got, row.files)
				}
			}
			check("GET", s.req(t, carol, "GET", "/dav/mx/f", "").StatusCode, row.get)
			check("PUT new", s.req(t, carol, "PUT", "/dav/mx/new", "new").StatusCode, row.new)
			check("PUT over", s.req(t, carol, "PUT", "/dav/mx/f", "over").StatusCode, row.over)
			check("COPY", s.req(t, carol, "COPY", "/dav/mx/f", "", "Destination: /dav/mx/copy").StatusCode, row.copy)
			check("DELETE", s.req(t, carol, "DELETE", "/dav/mx/x", "").StatusCode, row.delete)
			check("MKCOL", s.req(t, carol, "MKCOL", "/dav/mx/d", "").StatusCode, row.mkcol)
			lock := s.req(t, carol, "LOCK", "/dav/mx/f", lockBody)
			check("LOCK", lock.StatusCode, row.lockFile)
			if lock.StatusCode == 200 {
				s.req(t, carol, "UNLOCK", "/dav/mx/f", "", "Lock-Token: "+lock.Header.Get("Lock-Token")).want(t, 204)
			}
			check("MOVE", s.req(t, carol, "MOVE", "/dav/mx/f", "", "Destination: /dav/mx/f2").StatusCode, row.rename)
			// Nothing carol was refused happened.
			if row.over != 204 && row.rename != 201 {
				if got := content(t, admin, "/mx/f"); got != "/mx/f" {
					t.Errorf("f changed: %q", got)
				}
			}
			if _, err := admin.Stat(ctx, "/mx/x"); (err == nil) != (row.delete != 204) {
				t.Errorf("x after DELETE %d: %v", row.delete, err)
			}
		})
	}
}
