package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestAuditEndToEnd drives the real binary through S3, WebDAV, the REST
// API and a share link, as a second user, and checks after each action,
// through GET /api/v1/admin/audit-logs, that exactly one entry appeared,
// with the right type, user, address, protocol, object and outcome (issue
// 8; the rules are in storage/audit/doc.go). Then the filters, the paging
// and the CSV export of that list.
func TestAuditEndToEnd(t *testing.T) {
	r := newAuditRig(t)
	r.logins()
	r.uploads()
	r.downloads()
	r.changes()
	r.locksAndRights()
	r.denied()
	r.shareLink()
	r.queries()
}

const (
	auditAdminPass = "audit-admin-password"
	auditBobPass   = "audit-bob-password"
)

// auditRig is a running server with an administrator (who reads the log and
// sets things up) and bob, who acts.
type auditRig struct {
	t          *testing.T
	s          *server
	base       string // http://host:port
	adminToken string
	bobToken   string
	ids        map[string]string // login -> user ID
	s3         *awss3.Client     // bob's
	ctx        context.Context
	start      time.Time // before the first checked action
	team, vult uint64    // /team (bob holds every right) and /vault (browse and read only)
	// davLogins: WebDAV's successful logins are checked (logins); later
	// ones are the password verified again once the server's cache has
	// forgotten it (a minute), which a slow run may reach: not counted.
	davLogins bool
}

func newAuditRig(t *testing.T) *auditRig {
	bin := buildBinary(t)
	data := filepath.Join(t.TempDir(), "data")
	env := "COFFRE_ADMIN_PASSWORD=" + auditAdminPass
	startServer(t, bin, data, env).stop() // creates the data directory
	if code, out, errOut := runStdin(t, bin, auditBobPass+"\n", "user", "add", "bob", "--password-stdin", "--data", data); code != 0 {
		t.Fatalf("user add: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut := runCmd(t, bin, "key", "create", "bob", "--json", "--data", data)
	var key struct {
		AccessKey string `json:"access_key"`
		SecretKey string `json:"secret_key"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &key) != nil {
		t.Fatalf("key create: exit %d\n%s%s", code, out, errOut)
	}
	addr, s3Addr := freeAddr(t), freeAddr(t)
	s := startServerArgs(t, bin, addr, []string{"serve", "--data", data, "--http", addr, "--s3", s3Addr}, env)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	r := &auditRig{t: t, s: s, base: "http://" + addr, ctx: ctx, ids: map[string]string{"": ""}}
	r.s3 = awss3.New(awss3.Options{
		Region: "us-east-1", BaseEndpoint: aws.String("http://" + s3Addr), UsePathStyle: true,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: key.AccessKey, SecretAccessKey: key.SecretKey}, nil
		}),
	})
	r.adminToken = r.login("admin", auditAdminPass)
	var users struct{ Objects []struct{ ID, Login string } }
	r.mustJSON("GET", "/api/users", r.adminToken, nil, &users)
	for _, u := range users.Objects {
		r.ids[u.Login] = u.ID
	}
	r.team = r.mkdirREST(r.adminToken, "team", 0)
	r.vult = r.mkdirREST(r.adminToken, "vault", 0)
	r.restUpload(r.adminToken, r.vult, "secret.txt", "for admins")
	r.grant(r.vult, "bob", "browse", "read")
	r.grant(r.team, "bob", "browse", "read", "download", "write", "edit", "delete")
	r.start = time.Now()
	return r
}

// --- the log -----------------------------------------------------------------

// auditEntry is an entry as GET /api/v1/admin/audit-logs shows it.
type auditEntry struct {
	ID         uint64 `json:"id"`
	CreatedAt  string `json:"created_at"`
	UserID     string `json:"user_id"`
	Login      string `json:"login"`
	IP         string `json:"ip"`
	UserAgent  string `json:"user_agent"`
	Protocol   string `json:"protocol"`
	Type       string `json:"type"`
	Success    bool   `json:"success"`
	ObjectID   uint64 `json:"object_id"`
	ObjectType string `json:"object_type"`
	ObjectName string `json:"object_name"`
	Detail     string `json:"detail"`
}

type auditPage struct {
	Data []auditEntry `json:"data"`
	Meta struct {
		Pagination struct {
			Page       int `json:"page"`
			PerPage    int `json:"per_page"`
			Total      int `json:"total"`
			TotalPages int `json:"total_pages"`
		} `json:"pagination"`
	} `json:"meta"`
}

// audit answers one page of the log with the query q.
func (r *auditRig) audit(q string) auditPage {
	r.t.Helper()
	var p auditPage
	r.mustJSON("GET", "/api/v1/admin/audit-logs?"+q, r.adminToken, nil, &p)
	return p
}

// newest is the ID of the newest entry.
func (r *auditRig) newest() uint64 {
	r.t.Helper()
	if p := r.audit("per_page=1"); len(p.Data) == 1 {
		return p.Data[0].ID
	}
	return 0
}

// since is every entry newer than mark, oldest first.
func (r *auditRig) since(mark uint64) []auditEntry {
	r.t.Helper()
	var out []auditEntry
	for _, e := range r.audit("per_page=100").Data {
		relogin := r.davLogins && e.Type == "login" && e.Protocol == "webdav" && e.Success
		if e.ID > mark && !relogin {
			out = append([]auditEntry{e}, out...)
		}
	}
	return out
}

// want is an entry expected: ID is the object's ID, or IDOf the path whose
// ID it is once the action is done (a file the action creates).
type want struct {
	Type, Login, Proto, Name string
	ID                       uint64
	IDOf                     string
	Failed                   bool
}

// step runs do and checks that it added exactly the entries wants, in that
// order, each from 127.0.0.1.
func (r *auditRig) step(name string, do func(), wants ...want) []auditEntry {
	r.t.Helper()
	return r.stepf(name, do, func() []want { return wants })
}

// stepf is step with wants known once do has run.
func (r *auditRig) stepf(name string, do func(), wantf func() []want) []auditEntry {
	r.t.Helper()
	mark := r.newest()
	do()
	wants := wantf()
	got := r.since(mark)
	if len(got) != len(wants) {
		r.t.Errorf("%s: %d audit entries, want %d:%s", name, len(got), len(wants), describe(got))
		return got
	}
	for i, w := range wants {
		if w.IDOf != "" {
			w.ID = r.idOf(w.IDOf)
		}
		e := got[i]
		if e.Type != w.Type || e.Login != w.Login || e.UserID != r.ids[w.Login] || e.IP != "127.0.0.1" ||
			e.Protocol != w.Proto || e.ObjectName != w.Name || e.ObjectID != w.ID || e.Success == w.Failed {
			r.t.Errorf("%s: entry %d is%s\nwant %+v (user ID %q, ip 127.0.0.1)", name, i, describe(got[i:i+1]), w, r.ids[w.Login])
		}
	}
	return got
}

func describe(es []auditEntry) string {
	var b strings.Builder
	for _, e := range es {
		fmt.Fprintf(&b, "\n  %s ok=%v user=%s/%s ip=%s proto=%s object=%d %s %q (%s)",
			e.Type, e.Success, e.Login, e.UserID, e.IP, e.Protocol, e.ObjectID, e.ObjectType, e.ObjectName, e.Detail)
	}
	return b.String()
}

// --- the actions -------------------------------------------------------------

// logins: bob's first, through WebDAV, which sends the password with every
// request: the request that verifies it is the login; the next ones, within
// the verification cache's minute, are not logins again. A REST login is one
// each time (each opens a session). S3 has no login: every request is signed.
func (r *auditRig) logins() {
	r.step("WebDAV login", func() {
		r.davAs("bob", auditBobPass, "PROPFIND", "/dav/team/", "", http.StatusMultiStatus, "Depth", "0")
	},
		want{Type: "login", Login: "bob", Proto: "webdav", Name: "bob"})
	r.step("WebDAV request after the login", func() { r.dav("PROPFIND", "/dav/team/", "", http.StatusMultiStatus, "Depth", "0") })
	r.step("WebDAV wrong password", func() { r.davAs("bob", "wrong", "PROPFIND", "/dav/team/", "", http.StatusUnauthorized, "Depth", "0") },
		want{Type: "login", Login: "bob", Proto: "webdav", Name: "bob", Failed: true})
	r.step("REST login", func() { r.bobToken = r.login("bob", auditBobPass) },
		want{Type: "login", Login: "bob", Proto: "rest", Name: "bob"})
	r.step("REST login, wrong password", func() { r.loginStatus("bob", "wrong", http.StatusUnauthorized) },
		want{Type: "login", Login: "bob", Proto: "rest", Name: "bob", Failed: true})
	r.davLogins = true
}

func (r *auditRig) uploads() {
	for _, tc := range []struct{ proto, name string }{{"s3", "s3.txt"}, {"webdav", "dav.txt"}, {"rest", "rest.txt"}} {
		for _, round := range []string{"new", "overwrite"} {
			p := "/team/" + tc.name
			r.step(tc.proto+" upload, "+round, func() { r.upload(tc.proto, tc.name, "content "+round) },
				want{Type: "upload", Login: "bob", Proto: tc.proto, Name: p, IDOf: p})
		}
	}
	// A multipart upload is one upload, at its completion.
	p := "/team/multi.bin"
	r.step("s3 multipart upload", func() { r.s3Multipart("multi.bin") },
		want{Type: "upload", Login: "bob", Proto: "s3", Name: p, IDOf: p})
	// A key ending in "/" makes a folder with S3's directory marker: one
	// entry (Namespace.MkdirMeta).
	r.step("s3 folder create", func() {
		_, err := r.s3.PutObject(r.ctx, &awss3.PutObjectInput{Bucket: aws.String("team"), Key: aws.String("s3dir/"), Body: strings.NewReader("")})
		if err != nil {
			r.t.Errorf("PutObject s3dir/: %v", err)
		}
	}, want{Type: "folder_create", Login: "bob", Proto: "s3", Name: "/team/s3dir", IDOf: "/team/s3dir/"})
	r.step("webdav folder create", func() { r.dav("MKCOL", "/dav/team/davdir", "", http.StatusCreated) },
		want{Type: "folder_create", Login: "bob", Proto: "webdav", Name: "/team/davdir", IDOf: "/team/davdir/"})
	r.step("rest folder create", func() { r.mkdirREST(r.bobToken, "restdir", r.team) },
		want{Type: "folder_create", Login: "bob", Proto: "rest", Name: "/team/restdir", IDOf: "/team/restdir/"})
}

// downloads: a GET and a Range GET are one download each; a HEAD reads no
// content and is none.
func (r *auditRig) downloads() {
	for _, tc := range []struct{ proto, name string }{{"s3", "s3.txt"}, {"webdav", "dav.txt"}, {"rest", "rest.txt"}} {
		p := "/team/" + tc.name
		id := r.idOf(p)
		for _, rng := range []string{"", "bytes=0-3"} {
			r.step(tc.proto+" download "+rng, func() { r.download(tc.proto, tc.name, id, rng) },
				want{Type: "download", Login: "bob", Proto: tc.proto, Name: p, ID: id})
		}
		r.step(tc.proto+" HEAD", func() { r.head(tc.proto, tc.name, id) })
	}
}

func (r *auditRig) changes() {
	dav, rest := r.idOf("/team/dav.txt"), r.idOf("/team/rest.txt")
	davdir := r.idOf("/team/davdir/")
	r.step("webdav rename", func() {
		r.dav("MOVE", "/dav/team/dav.txt", "", http.StatusCreated, "Destination", r.base+"/dav/team/dav2.txt")
	}, want{Type: "move", Login: "bob", Proto: "webdav", Name: "/team/dav2.txt", ID: dav})
	r.step("webdav move", func() {
		r.dav("MOVE", "/dav/team/dav2.txt", "", http.StatusCreated, "Destination", r.base+"/dav/team/davdir/dav2.txt")
	}, want{Type: "move", Login: "bob", Proto: "webdav", Name: "/team/davdir/dav2.txt", ID: dav})
	r.step("rest rename", func() { r.mustJSON("PUT", r.fileURL(rest), r.bobToken, map[string]any{"name": "rest2.txt"}, nil) },
		want{Type: "move", Login: "bob", Proto: "rest", Name: "/team/rest2.txt", ID: rest})
	r.step("rest move", func() { r.mustJSON("PUT", r.fileURL(rest), r.bobToken, map[string]any{"parent_id": davdir}, nil) },
		want{Type: "move", Login: "bob", Proto: "rest", Name: "/team/davdir/rest2.txt", ID: rest})
	r.step("webdav copy", func() {
		r.dav("COPY", "/dav/team/davdir/dav2.txt", "", http.StatusCreated, "Destination", r.base+"/dav/team/davcopy.txt")
	}, want{Type: "copy", Login: "bob", Proto: "webdav", Name: "/team/davcopy.txt", IDOf: "/team/davcopy.txt"})
	r.step("s3 copy", func() {
		_, err := r.s3.CopyObject(r.ctx, &awss3.CopyObjectInput{Bucket: aws.String("team"), Key: aws.String("s3copy.txt"), CopySource: aws.String("team/s3.txt")})
		if err != nil {
			r.t.Errorf("CopyObject: %v", err)
		}
	}, want{Type: "copy", Login: "bob", Proto: "s3", Name: "/team/s3copy.txt", IDOf: "/team/s3copy.txt"})

	s3copy, davcopy := r.idOf("/team/s3copy.txt"), r.idOf("/team/davcopy.txt")
	r.step("s3 delete", func() {
		if _, err := r.s3.DeleteObject(r.ctx, &awss3.DeleteObjectInput{Bucket: aws.String("team"), Key: aws.String("s3copy.txt")}); err != nil {
			r.t.Errorf("DeleteObject: %v", err)
		}
	}, want{Type: "delete", Login: "bob", Proto: "s3", Name: "/team/s3copy.txt", ID: s3copy})
	r.step("webdav delete", func() { r.dav("DELETE", "/dav/team/davcopy.txt", "", http.StatusNoContent) },
		want{Type: "delete", Login: "bob", Proto: "webdav", Name: "/team/davcopy.txt", ID: davcopy})
	r.step("rest delete", func() { r.mustStatus("DELETE", r.fileURL(rest), r.bobToken, nil, http.StatusOK) },
		want{Type: "delete", Login: "bob", Proto: "rest", Name: "/team/davdir/rest2.txt", ID: rest})

	var trash struct {
		Files []struct {
			ID     uint64 `json:"id"`
			NodeID uint64 `json:"node_id"`
		} `json:"files"`
	}
	r.mustJSON("GET", "/api/trashes", r.bobToken, nil, &trash)
	var item uint64
	for _, f := range trash.Files {
		if f.NodeID == rest {
			item = f.ID
		}
	}
	r.step("rest restore", func() { r.mustJSON("PUT", "/api/trash/"+strconv.FormatUint(item, 10), r.bobToken, nil, nil) },
		want{Type: "restore", Login: "bob", Proto: "rest", Name: "/team/davdir/rest2.txt", ID: rest})

	var versions []struct {
		VersionID uint64 `json:"version_id"`
	}
	s3file := r.idOf("/team/s3.txt")
	r.mustJSON("GET", r.fileURL(s3file)+"/versions", r.bobToken, nil, &versions)
	if len(versions) != 2 {
		r.t.Fatalf("s3.txt has %d versions, want 2", len(versions))
	}
	r.step("rest version restore", func() {
		r.mustJSON("POST", fmt.Sprintf("%s/versions/%d/restore", r.fileURL(s3file), versions[1].VersionID), r.bobToken, nil, nil)
	}, want{Type: "version_restore", Login: "bob", Proto: "rest", Name: "/team/s3.txt", ID: s3file})
}

const lockBody = `<?xml version="1.0" encoding="utf-8"?>
<D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype>
<D:owner>bob</D:owner></D:lockinfo>`

func (r *auditRig) locksAndRights() {
	s3file := r.idOf("/team/s3.txt")
	var token string
	r.step("webdav lock", func() {
		resp := r.davResp("bob", auditBobPass, "LOCK", "/dav/team/s3.txt", lockBody, http.StatusOK, "Timeout", "Second-600")
		token = resp.Header.Get("Lock-Token")
	}, want{Type: "lock", Login: "bob", Proto: "webdav", Name: "/team/s3.txt", ID: s3file})
	r.step("webdav unlock", func() { r.dav("UNLOCK", "/dav/team/s3.txt", "", http.StatusNoContent, "Lock-Token", token) },
		want{Type: "unlock", Login: "bob", Proto: "webdav", Name: "/team/s3.txt", ID: s3file})
	r.step("rest lock", func() {
		r.mustJSON("PUT", "/api/lock/"+strconv.FormatUint(s3file, 10), r.bobToken, map[string]any{"timeout": 600}, nil)
	},
		want{Type: "lock", Login: "bob", Proto: "rest", Name: "/team/s3.txt", ID: s3file})
	r.step("rest unlock", func() {
		r.mustStatus("DELETE", "/api/lock/"+strconv.FormatUint(s3file, 10), r.bobToken, nil, http.StatusNoContent)
	},
		want{Type: "unlock", Login: "bob", Proto: "rest", Name: "/team/s3.txt", ID: s3file})
	r.step("rest right change", func() { r.grant(r.team, "bob", "browse", "read", "download", "write", "edit", "delete", "share") },
		want{Type: "right_change", Login: "admin", Proto: "rest", Name: "/team", ID: r.team})
}

// denied: bob may browse and read /vault but not download from it.
func (r *auditRig) denied() {
	p := "/vault/secret.txt"
	id := r.idOf(p)
	r.step("s3 denied", func() {
		if _, err := r.s3.GetObject(r.ctx, &awss3.GetObjectInput{Bucket: aws.String("vault"), Key: aws.String("secret.txt")}); err == nil {
			r.t.Error("bob downloaded a file he may not")
		}
	}, want{Type: "denied", Login: "bob", Proto: "s3", Name: p, ID: id, Failed: true})
	r.step("webdav denied", func() { r.dav("GET", "/dav/vault/secret.txt", "", http.StatusForbidden) },
		want{Type: "denied", Login: "bob", Proto: "webdav", Name: p, ID: id, Failed: true})
	r.step("rest denied", func() { r.mustStatus("GET", r.fileURL(id)+"/download", r.bobToken, nil, http.StatusForbidden) },
		want{Type: "denied", Login: "bob", Proto: "rest", Name: p, ID: id, Failed: true})
}

func (r *auditRig) shareLink() {
	p := "/team/s3.txt"
	id := r.idOf(p)
	var link struct {
		ID  uint64 `json:"id"`
		Key string `json:"key"`
	}
	r.stepf("share link create", func() {
		if code := r.do("POST", "/api/share", r.bobToken, map[string]any{"roots": []any{id}}, &link); code != http.StatusCreated {
			r.t.Fatalf("POST /api/share: %d", code)
		}
	}, func() []want {
		return []want{{Type: "share_link_create", Login: "bob", Proto: "rest", Name: fmt.Sprintf("link %d", link.ID), ID: id}}
	})
	share := fmt.Sprintf("share:%d", link.ID)
	r.ids[share] = share
	r.step("share link access", func() { r.mustStatus("GET", "/s/"+link.Key, "", nil, http.StatusOK) },
		want{Type: "share_link_access", Login: share, Proto: "web", Name: fmt.Sprintf("link %d", link.ID), ID: id})
	r.step("share link download", func() { r.mustStatus("GET", "/s/"+link.Key+"/download", "", nil, http.StatusOK) },
		want{Type: "share_link_download", Login: share, Proto: "web", Name: p, ID: id})
	r.step("share link HEAD", func() { r.mustStatus("HEAD", "/s/"+link.Key+"/download", "", nil, http.StatusOK) })
}

// --- filters, paging, CSV ----------------------------------------------------

func (r *auditRig) queries() {
	t := r.t
	all := r.collect("from=" + url.QueryEscape(r.start.UTC().Format(time.RFC3339Nano)))
	if len(all) < 40 {
		t.Fatalf("%d entries since the start, want at least 40", len(all))
	}
	bob := r.ids["bob"]
	check := func(q string, keep func(auditEntry) bool) {
		t.Helper()
		var wantIDs []uint64
		for _, e := range all {
			if keep(e) {
				wantIDs = append(wantIDs, e.ID)
			}
		}
		got := r.collect("from=" + url.QueryEscape(r.start.UTC().Format(time.RFC3339Nano)) + "&" + q)
		if len(wantIDs) == 0 || fmt.Sprint(ids(got)) != fmt.Sprint(wantIDs) {
			t.Errorf("filter %s: %v, want %v", q, ids(got), wantIDs)
		}
	}
	check("user_id="+bob, func(e auditEntry) bool { return e.UserID == bob })
	check("type=upload,download", func(e auditEntry) bool { return e.Type == "upload" || e.Type == "download" })
	s3file := r.idOf("/team/s3.txt")
	check("object_id="+strconv.FormatUint(s3file, 10), func(e auditEntry) bool { return e.ObjectID == s3file })
	check("user_id="+bob+"&type=lock", func(e auditEntry) bool { return e.UserID == bob && e.Type == "lock" })
	// A time range [from, to): from one entry's time up to another's (the
	// times shown are cut to the microsecond, the actions are further apart).
	from, to := all[len(all)-10], all[len(all)-20] // newest first
	got := r.collect("from=" + url.QueryEscape(from.CreatedAt) + "&to=" + url.QueryEscape(to.CreatedAt))
	if want := ids(all[len(all)-19 : len(all)-9]); fmt.Sprint(ids(got)) != fmt.Sprint(want) {
		t.Errorf("time range %s..%s: %v, want %v", from.CreatedAt, to.CreatedAt, ids(got), want)
	}

	// Paging: pages of 7 are the list cut in sevens, with the total.
	q := "from=" + url.QueryEscape(r.start.UTC().Format(time.RFC3339Nano))
	var paged []auditEntry
	for page := 1; ; page++ {
		p := r.audit(fmt.Sprintf("%s&per_page=7&page=%d", q, page))
		pg := p.Meta.Pagination
		if pg.Total != len(all) || pg.TotalPages != (len(all)+6)/7 || pg.PerPage != 7 || pg.Page != page {
			t.Fatalf("page %d: pagination %+v for %d entries", page, pg, len(all))
		}
		if len(p.Data) == 0 {
			break
		}
		paged = append(paged, p.Data...)
	}
	if fmt.Sprint(ids(paged)) != fmt.Sprint(ids(all)) {
		t.Errorf("pages of 7: %v\nwant %v", ids(paged), ids(all))
	}

	// CSV: the same entries, field by field.
	resp := r.request("GET", "/api/v1/admin/audit-logs?format=csv&"+q, r.adminToken, nil)
	defer resp.Body.Close()
	rows, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil || resp.StatusCode != http.StatusOK || len(rows) != len(all)+1 {
		t.Fatalf("CSV: %d, %d rows, %v", resp.StatusCode, len(rows), err)
	}
	if h := strings.Join(rows[0], ","); h != "id,created_at,user_id,login,ip,user_agent,protocol,type,success,object_id,object_type,object_name,detail" {
		t.Fatalf("CSV header %s", h)
	}
	for i, e := range all {
		w := []string{strconv.FormatUint(e.ID, 10), e.CreatedAt, e.UserID, e.Login, e.IP, e.UserAgent, e.Protocol, e.Type,
			strconv.FormatBool(e.Success), strconv.FormatUint(e.ObjectID, 10), e.ObjectType, e.ObjectName, e.Detail}
		if fmt.Sprintf("%q", rows[i+1]) != fmt.Sprintf("%q", w) {
			t.Errorf("CSV row %d: %q\nwant %q", i+1, rows[i+1], w)
		}
	}
}

// collect is every entry q selects, newest first, through pages of 100.
func (r *auditRig) collect(q string) []auditEntry {
	var out []auditEntry
	for page := 1; ; page++ {
		p := r.audit(fmt.Sprintf("%s&per_page=100&page=%d", q, page))
		out = append(out, p.Data...)
		if page >= p.Meta.Pagination.TotalPages {
			return out
		}
	}
}

func ids(es []auditEntry) []uint64 {
	out := make([]uint64, 0, len(es))
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

// --- protocol plumbing -------------------------------------------------------

func (r *auditRig) upload(proto, name, body string) {
	r.t.Helper()
	switch proto {
	case "s3":
		_, err := r.s3.PutObject(r.ctx, &awss3.PutObjectInput{Bucket: aws.String("team"), Key: aws.String(name), Body: strings.NewReader(body)})
		if err != nil {
			r.t.Errorf("PutObject %s: %v", name, err)
		}
	case "webdav":
		resp := r.davResp("bob", auditBobPass, "PUT", "/dav/team/"+name, body, 0)
		if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusNoContent {
			r.t.Errorf("WebDAV PUT %s: %s", name, resp.Status)
		}
	case "rest":
		r.restUpload(r.bobToken, r.team, name, body)
	}
}

func (r *auditRig) s3Multipart(key string) {
	r.t.Helper()
	up, err := r.s3.CreateMultipartUpload(r.ctx, &awss3.CreateMultipartUploadInput{Bucket: aws.String("team"), Key: aws.String(key)})
	if err != nil {
		r.t.Fatalf("CreateMultipartUpload: %v", err)
	}
	var parts []types.CompletedPart
	for i, body := range [][]byte{bytes.Repeat([]byte("a"), 5<<20), []byte("tail")} {
		n := int32(i + 1)
		p, err := r.s3.UploadPart(r.ctx, &awss3.UploadPartInput{Bucket: aws.String("team"), Key: aws.String(key),
			UploadId: up.UploadId, PartNumber: aws.Int32(n), Body: bytes.NewReader(body)})
		if err != nil {
			r.t.Fatalf("UploadPart %d: %v", n, err)
		}
		parts = append(parts, types.CompletedPart{ETag: p.ETag, PartNumber: aws.Int32(n)})
	}
	_, err = r.s3.CompleteMultipartUpload(r.ctx, &awss3.CompleteMultipartUploadInput{Bucket: aws.String("team"), Key: aws.String(key),
		UploadId: up.UploadId, MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
	if err != nil {
		r.t.Fatalf("CompleteMultipartUpload: %v", err)
	}
}

func (r *auditRig) download(proto, name string, id uint64, rng string) {
	r.t.Helper()
	want := http.StatusOK
	if rng != "" {
		want = http.StatusPartialContent
	}
	switch proto {
	case "s3":
		in := &awss3.GetObjectInput{Bucket: aws.String("team"), Key: aws.String(name)}
		if rng != "" {
			in.Range = aws.String(rng)
		}
		out, err := r.s3.GetObject(r.ctx, in)
		if err != nil {
			r.t.Errorf("GetObject %s: %v", name, err)
			return
		}
		io.Copy(io.Discard, out.Body)
		out.Body.Close()
	case "webdav":
		r.dav("GET", "/dav/team/"+name, "", want, "Range", rng)
	case "rest":
		resp := r.request("GET", r.fileURL(id)+"/download", r.bobToken, nil, "Range", rng)
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			r.t.Errorf("REST download %s: %s", name, resp.Status)
		}
	}
}

func (r *auditRig) head(proto, name string, id uint64) {
	r.t.Helper()
	switch proto {
	case "s3":
		if _, err := r.s3.HeadObject(r.ctx, &awss3.HeadObjectInput{Bucket: aws.String("team"), Key: aws.String(name)}); err != nil {
			r.t.Errorf("HeadObject %s: %v", name, err)
		}
	case "webdav":
		r.dav("HEAD", "/dav/team/"+name, "", http.StatusOK)
	case "rest":
		r.mustStatus("HEAD", r.fileURL(id)+"/download", r.bobToken, nil, http.StatusOK)
	}
}

func (r *auditRig) fileURL(id uint64) string { return "/api/file/" + strconv.FormatUint(id, 10) }

// request sends a REST request with a bearer token (none when empty) and
// headers in pairs (an empty value sends none).
func (r *auditRig) request(method, path, token string, body any, hdr ...string) *http.Response {
	r.t.Helper()
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case *bytes.Buffer:
		rd = b
	default:
		data, _ := json.Marshal(b)
		rd, ctype = bytes.NewReader(data), "application/json"
	}
	req, err := http.NewRequestWithContext(r.ctx, method, r.base+path, rd)
	if err != nil {
		r.t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] != "" {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp
}

// do sends a request and decodes a JSON answer into out (unless nil).
func (r *auditRig) do(method, path, token string, body, out any, hdr ...string) int {
	r.t.Helper()
	resp := r.request(method, path, token, body, hdr...)
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(data, out); err != nil {
			r.t.Fatalf("%s %s: %v\n%s", method, path, err, data)
		}
	}
	return resp.StatusCode
}

func (r *auditRig) mustJSON(method, path, token string, body, out any) {
	r.t.Helper()
	if code := r.do(method, path, token, body, out); code >= 300 {
		r.t.Fatalf("%s %s: %d", method, path, code)
	}
}

func (r *auditRig) mustStatus(method, path, token string, body any, want int) {
	r.t.Helper()
	if code := r.do(method, path, token, body, nil); code != want {
		r.t.Errorf("%s %s: %d, want %d", method, path, code, want)
	}
}

func (r *auditRig) loginStatus(login, password string, want int) string {
	r.t.Helper()
	var out struct{ Token string }
	if code := r.do("POST", "/api/auth", "", map[string]string{"user": login, "password": password}, &out); code != want {
		r.t.Fatalf("login %s: %d, want %d", login, code, want)
	}
	return out.Token
}

func (r *auditRig) login(login, password string) string {
	return r.loginStatus(login, password, http.StatusOK)
}

func (r *auditRig) mkdirREST(token, name string, parent uint64) uint64 {
	r.t.Helper()
	var f struct{ ID uint64 }
	r.mustJSON("POST", "/api/folder", token, map[string]any{"name": name, "parent_id": parent}, &f)
	return f.ID
}

func (r *auditRig) restUpload(token string, folder uint64, name, content string) {
	r.t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	w.WriteField("folderId", strconv.FormatUint(folder, 10))
	fw, _ := w.CreateFormFile("targetFile", name)
	io.WriteString(fw, content)
	w.Close()
	resp := r.request("POST", "/api/file/upload", token, &b, "Content-Type", w.FormDataContentType())
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
		r.t.Fatalf("REST upload %s: %s", name, resp.Status)
	}
}

// grant gives login exactly rights on folder.
func (r *auditRig) grant(folder uint64, login string, rights ...string) {
	r.t.Helper()
	in := map[string]any{"folder_id": folder, "target_id": r.ids[login]}
	for _, k := range rights {
		in[k] = true
	}
	r.mustJSON("POST", "/api/right", r.adminToken, in, nil)
}

// idOf is the ID of the node at path (a folder's ends with "/").
func (r *auditRig) idOf(path string) uint64 {
	r.t.Helper()
	var out struct{ Object struct{ ID uint64 } }
	r.mustJSON("GET", "/api/path?path="+url.QueryEscape(strings.TrimPrefix(path, "/")), r.adminToken, nil, &out)
	return out.Object.ID
}

// davResp sends a WebDAV request as login; want 0 accepts any status.
func (r *auditRig) davResp(login, password, method, path, body string, want int, hdr ...string) *http.Response {
	r.t.Helper()
	req, err := http.NewRequestWithContext(r.ctx, method, r.base+path, strings.NewReader(body))
	if err != nil {
		r.t.Fatal(err)
	}
	req.SetBasicAuth(login, password)
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] != "" {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatalf("WebDAV %s %s: %v", method, path, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if want != 0 && resp.StatusCode != want {
		r.t.Errorf("WebDAV %s %s: %s, want %d", method, path, resp.Status, want)
	}
	return resp
}

func (r *auditRig) davAs(login, password, method, path, body string, want int, hdr ...string) {
	r.t.Helper()
	r.davResp(login, password, method, path, body, want, hdr...)
}

func (r *auditRig) dav(method, path, body string, want int, hdr ...string) {
	r.t.Helper()
	r.davResp("bob", auditBobPass, method, path, body, want, hdr...)
}
