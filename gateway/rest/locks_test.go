package rest_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"coffre/auth"
	"coffre/gateway/rest"
	"coffre/storage"
	"coffre/storage/engine"
)

type lockAnswer struct {
	File, Owner, Date, Token, Expires string
	OwnerID                           string `json:"owner_id"`
	Locked, Writeable, Readable       bool
}

func (s *server) lockState(t *testing.T, a account, id storage.NodeID) lockAnswer {
	t.Helper()
	var l lockAnswer
	s.Do(t, a.Token, "GET", fmt.Sprintf("/api/lock/%d", id), nil).Want(t, http.StatusOK).JSON(t, &l)
	return l
}

func parseTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("date %q: %v", s, err)
	}
	return v
}

const editor = storage.Browse | storage.Read | storage.Download | storage.Write | storage.Edit

func TestLockAcrossProtocols(t *testing.T) {
	s := newServer(t)
	s.Mkdir(t, "/team")
	doc := s.Put(t, "/team/doc.txt", []byte("v1"))
	s.Grant(t, "/team", s.User, editor)
	path := fmt.Sprintf("/api/lock/%d", doc.ID)

	if l := s.lockState(t, s.User, doc.ID); l.Locked || !l.Writeable || !l.Readable || l.File != doc.GUID {
		t.Fatalf("unlocked state = %+v", l)
	}
	var l lockAnswer
	s.Do(t, s.User.Token, "PUT", path, map[string]any{"timeout": 600}).Want(t, http.StatusOK).JSON(t, &l)
	if !l.Locked || !l.Writeable || l.Token == "" || l.OwnerID != s.User.Principal.UserID || l.Owner != "bob" {
		t.Fatalf("lock = %+v", l)
	}
	if d := parseTime(t, l.Expires).Sub(parseTime(t, l.Date)); d != 600*time.Second {
		t.Fatalf("lock lives %v, want 10m", d)
	}
	// Others see it locked, without its token.
	if o := s.lockState(t, s.Admin, doc.ID); !o.Locked || o.Writeable || !o.Readable || o.Token != "" || o.OwnerID != l.OwnerID {
		t.Fatalf("lock as others see it = %+v", o)
	}
	// It stops WebDAV and S3 writes by others, not the holder's.
	if code := s.DAVPut(t, s.Admin, "/team/doc.txt", []byte("dav")); code != http.StatusLocked {
		t.Fatalf("WebDAV PUT by another: %d", code)
	}
	if code := s.S3Put(t, s.Admin, "team", "doc.txt", []byte("s3")); code != http.StatusLocked {
		t.Fatalf("S3 PUT by another: %d", code)
	}
	if code := s.S3Put(t, s.User, "team", "doc.txt", []byte("v2")); code != http.StatusOK {
		t.Fatalf("S3 PUT by the holder: %d", code)
	}
	s.Do(t, s.Admin.Token, "PUT", path, nil).Want(t, http.StatusLocked)

	// Locking again extends the lock the caller holds.
	var again lockAnswer
	s.Do(t, s.User.Token, "PUT", path, map[string]any{"timeout": 7200}).Want(t, http.StatusOK).JSON(t, &again)
	if again.Token != l.Token || parseTime(t, again.Expires).Sub(parseTime(t, again.Date)) < 7200*time.Second {
		t.Fatalf("refreshed lock = %+v", again)
	}

	// Lists: under the folder, and everything the caller sees.
	team, _ := s.NS(s.Admin).Stat(ctx, "/team")
	var page struct {
		NbTotal int `json:"nb_total_objects"`
		Objects []struct {
			ID     int64
			IsFile bool `json:"is_file"`
			File   string
			Token  string
		}
	}
	s.Do(t, s.Admin.Token, "GET", fmt.Sprintf("/api/locks/%d", team.ID), nil).Want(t, http.StatusOK).JSON(t, &page)
	if page.NbTotal != 1 || page.Objects[0].ID != int64(doc.ID) || !page.Objects[0].IsFile || page.Objects[0].File != doc.GUID {
		t.Fatalf("locks under /team = %+v", page)
	}
	s.Do(t, s.User.Token, "GET", "/api/locks", nil).Want(t, http.StatusOK).JSON(t, &page)
	if page.NbTotal != 1 || page.Objects[0].Token != l.Token {
		t.Fatalf("bob's locks = %+v", page)
	}
	carol := s.NewAccount(t, "carol", auth.RoleUser)
	s.Do(t, carol.Token, "GET", "/api/locks", nil).Want(t, http.StatusOK).JSON(t, &page)
	if page.NbTotal != 0 {
		t.Fatalf("carol sees locks on what she cannot see: %+v", page)
	}
	s.Do(t, carol.Token, "GET", fmt.Sprintf("/api/locks/%d", team.ID), nil).Want(t, http.StatusNotFound)
	s.Do(t, carol.Token, "DELETE", path, nil).Want(t, http.StatusNotFound)

	// Only the holder (or an administrator) releases it.
	s.Grant(t, "/team", carol, editor)
	s.Do(t, carol.Token, "DELETE", path, nil).Want(t, http.StatusForbidden)
	s.Do(t, s.User.Token, "DELETE", path, nil).Want(t, http.StatusNoContent)
	if l := s.lockState(t, s.Admin, doc.ID); l.Locked {
		t.Fatalf("still locked: %+v", l)
	}
	s.Do(t, s.User.Token, "DELETE", path, nil).Want(t, http.StatusNotFound)
	if code := s.DAVPut(t, s.Admin, "/team/doc.txt", []byte("dav")); code >= 300 {
		t.Fatalf("WebDAV PUT after unlock: %d", code)
	}
	s.Do(t, s.User.Token, "PUT", path, nil).Want(t, http.StatusOK)
	s.Do(t, s.Admin.Token, "DELETE", path, nil).Want(t, http.StatusNoContent)

	// A lock taken through the namespace (as WebDAV takes them) by someone
	// else refuses a REST lock.
	if _, err := s.NS(carol).Lock(ctx, "/team/doc.txt", storage.LockOptions{}); err != nil {
		t.Fatal(err)
	}
	s.Do(t, s.User.Token, "PUT", path, nil).Want(t, http.StatusLocked)
	if l := s.lockState(t, s.User, doc.ID); !l.Locked || l.Owner != "carol" {
		t.Fatalf("WebDAV-style lock seen as %+v", l)
	}
}

func TestLockInput(t *testing.T) {
	s := newServer(t)
	s.Mkdir(t, "/team")
	doc := s.Put(t, "/team/doc.txt", []byte("v1"))
	path := fmt.Sprintf("/api/lock/%d", doc.ID)
	s.Do(t, s.Admin.Token, "PUT", path, map[string]any{"timeout": -1}).Want(t, http.StatusUnprocessableEntity)
	s.Do(t, s.Admin.Token, "PUT", path, map[string]any{"timeout": "long"}).Want(t, http.StatusUnprocessableEntity)
	s.Do(t, s.Admin.Token, "PUT", path, `{"timeout": `).Want(t, http.StatusBadRequest)
	// Read locks are off unless the platform turns them on.
	s.Do(t, s.Admin.Token, "PUT", path, map[string]any{"readable": false}).Want(t, http.StatusForbidden)
	// Folders and unknown IDs are no files.
	team, _ := s.NS(s.Admin).Stat(ctx, "/team")
	s.Do(t, s.Admin.Token, "PUT", fmt.Sprintf("/api/lock/%d", team.ID), nil).Want(t, http.StatusNotFound)
	s.Do(t, s.Admin.Token, "GET", "/api/lock/99999", nil).Want(t, http.StatusNotFound)
	// Bob cannot see the file, then sees it without the Edit right.
	s.Do(t, s.User.Token, "PUT", path, nil).Want(t, http.StatusNotFound)
	s.Grant(t, "/team", s.User, storage.Browse|storage.Read)
	s.Do(t, s.User.Token, "PUT", path, nil).Want(t, http.StatusForbidden)
}

func TestLockFeatures(t *testing.T) {
	s := newServerWith(t, engine.Options{LockRead: true}, func(o *rest.Options) {
		o.Features = rest.Features{Lock: true, LockRead: true}
	})
	s.Mkdir(t, "/team")
	doc := s.Put(t, "/team/doc.txt", []byte("v1"))
	s.Grant(t, "/team", s.User, editor)
	var l lockAnswer
	s.Do(t, s.Admin.Token, "PUT", fmt.Sprintf("/api/lock/%d", doc.ID), map[string]any{"readable": false}).Want(t, http.StatusOK).JSON(t, &l)
	if o := s.lockState(t, s.User, doc.ID); !o.Locked || o.Readable || o.Writeable {
		t.Fatalf("read lock as others see it = %+v", o)
	}
	if _, err := s.NS(s.User).Open(ctx, "/team/doc.txt"); !storage.Is(storage.Locked, err) {
		t.Fatalf("open under a read lock: %v", err)
	}

	off := newServerWith(t, engine.Options{}, func(o *rest.Options) { o.Features = rest.Features{Trash: true} })
	off.Mkdir(t, "/team")
	doc = off.Put(t, "/team/doc.txt", []byte("v1"))
	off.Do(t, off.Admin.Token, "PUT", fmt.Sprintf("/api/lock/%d", doc.ID), nil).Want(t, http.StatusForbidden)
}
