package rest_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"

	"coffre/auth"
	"coffre/storage"
)

type logAnswer struct {
	ID         uint64
	UserID     string `json:"user_id"`
	User       string
	Date       string
	Message    string
	IP         string
	UserAgent  string `json:"user_agent"`
	Type       string
	Statut     string
	ObjectID   uint64 `json:"object_id"`
	ObjectType string `json:"object_type"`
	Object     string
	Protocol   string
}

type logPage struct {
	OffsetStart int `json:"offset_start"`
	NbObjects   int `json:"nb_objects"`
	NbTotal     int `json:"nb_total_objects"`
	Objects     []logAnswer
}

func (s *server) logs(t *testing.T, query string) logPage {
	t.Helper()
	var p logPage
	s.Do(t, s.Admin.Token, "GET", "/api/logs"+query, nil).Want(t, http.StatusOK).JSON(t, &p)
	return p
}

func TestLogsFiltersAndPaging(t *testing.T) {
	s := newServer(t)
	s.Mkdir(t, "/team")
	file := s.Put(t, "/team/a.txt", []byte("1"))
	s.Put(t, "/team/a.txt", []byte("2"))
	s.Put(t, "/team/b.txt", []byte("3"))
	s.Do(t, "", "POST", "/api/auth", map[string]string{"user": "bob", "password": "wrong"}).Want(t, http.StatusUnauthorized)

	s.Do(t, s.User.Token, "GET", "/api/logs", nil).Want(t, http.StatusForbidden)
	all := s.logs(t, "?limit=1000")
	if all.NbTotal < 7 || all.NbTotal != len(all.Objects) || all.NbObjects != all.NbTotal {
		t.Fatalf("all logs: total %d, %d objects", all.NbTotal, len(all.Objects))
	}
	for i := 1; i < len(all.Objects); i++ {
		if all.Objects[i].ID >= all.Objects[i-1].ID {
			t.Fatalf("not newest first: %d then %d", all.Objects[i-1].ID, all.Objects[i].ID)
		}
	}
	// A page is a window of the whole list.
	p := s.logs(t, "?offset=2&limit=3")
	if p.OffsetStart != 2 || p.NbObjects != 3 || p.NbTotal != all.NbTotal || p.Objects[0].ID != all.Objects[2].ID || p.Objects[2].ID != all.Objects[4].ID {
		t.Fatalf("page = %+v", p)
	}
	// Filters.
	uploads := s.logs(t, "?type=upload")
	if uploads.NbTotal != 3 {
		t.Fatalf("uploads: %+v", uploads)
	}
	for _, e := range uploads.Objects {
		if e.Type != "upload" || e.Statut != "ADMLLOG_OK" || e.UserID != s.Admin.Principal.UserID || e.User != "admin" || e.ObjectType != "file" {
			t.Fatalf("upload entry %+v", e)
		}
	}
	if p := s.logs(t, "?type=upload,folder_create"); p.NbTotal != 4 {
		t.Fatalf("two types: %d", p.NbTotal)
	}
	if p := s.logs(t, fmt.Sprintf("?object_id=%d", file.ID)); p.NbTotal != 2 || p.Objects[0].Object != "/team/a.txt" {
		t.Fatalf("by object: %+v", p)
	}
	// His login, and the failed one on his account.
	if p := s.logs(t, "?user_id="+s.User.Principal.UserID); p.NbTotal != 2 || p.Objects[0].Type != "login" || p.Objects[1].Type != "login" || p.Objects[0].User != "bob" {
		t.Fatalf("bob's entries: %+v", p)
	}
	logins := s.logs(t, "?type=login")
	var bad *logAnswer
	for i, e := range logins.Objects {
		if e.Statut == "ADMLLOG_ERROR" {
			bad = &logins.Objects[i]
		}
	}
	if bad == nil || bad.IP != "127.0.0.1" || bad.UserAgent == "" || bad.User != "bob" || bad.Object != "bob" {
		t.Fatalf("failed login not logged: %+v", logins)
	}
	if p := s.logs(t, "?to=2000-01-01"); p.NbTotal != 0 {
		t.Fatalf("before 2000: %d", p.NbTotal)
	}
	if p := s.logs(t, "?from="+url.QueryEscape(all.Objects[1].Date)); p.NbTotal < 2 {
		t.Fatalf("from the second newest's time: %d", p.NbTotal)
	}
	for _, q := range []string{"?from=yesterday", "?to=2025-13-01", "?object_id=x", "?from=2025-02-01&to=2025-01-01", "?limit=0", "?offset=-1"} {
		s.Do(t, s.Admin.Token, "GET", "/api/logs"+q, nil).Want(t, http.StatusUnprocessableEntity)
	}

	// One entry.
	var one logAnswer
	s.Do(t, s.Admin.Token, "GET", fmt.Sprintf("/api/log/%d", bad.ID), nil).Want(t, http.StatusOK).JSON(t, &one)
	if one != *bad || one.Type != "login" || one.Protocol != "rest" {
		t.Fatalf("GET one = %+v, want %+v", one, *bad)
	}
	s.Do(t, s.Admin.Token, "GET", "/api/log/1", nil).Want(t, http.StatusNotFound)
	s.Do(t, s.User.Token, "GET", fmt.Sprintf("/api/log/%d", bad.ID), nil).Want(t, http.StatusForbidden)
}

func TestLogActivity(t *testing.T) {
	s := newServer(t)
	team := s.Mkdir(t, "/team")
	file := s.Put(t, "/team/a.txt", []byte("1"))
	s.Put(t, "/team/a.txt", []byte("2"))
	s.Grant(t, "/team", s.User, storage.Browse|storage.Read|storage.Download)
	obj, err := s.NS(s.User).Open(ctx, "/team/a.txt")
	if err != nil {
		t.Fatal(err)
	}
	obj.Close()

	var acts []struct {
		ID      uint64
		Date    string
		Owner   string
		OwnerID string `json:"owner_id"`
		Type    string
	}
	s.Do(t, s.User.Token, "GET", fmt.Sprintf("/api/activity/file/%d", file.ID), nil).Want(t, http.StatusOK).JSON(t, &acts)
	if len(acts) != 3 || acts[0].Type != "download" || acts[0].OwnerID != s.User.Principal.UserID || acts[0].Owner != "bob" ||
		acts[2].Type != "upload" || acts[2].Owner != "admin" || acts[2].Date == "" {
		t.Fatalf("file activity = %+v", acts)
	}
	s.Do(t, s.User.Token, "GET", fmt.Sprintf("/api/activity/file/%d?offset=1&limit=1", file.ID), nil).Want(t, http.StatusOK).JSON(t, &acts)
	if len(acts) != 1 || acts[0].Type != "upload" {
		t.Fatalf("second event = %+v", acts)
	}
	s.Do(t, s.User.Token, "GET", fmt.Sprintf("/api/activity/folder/%d", team.ID), nil).Want(t, http.StatusOK).JSON(t, &acts)
	if len(acts) != 2 || acts[0].Type != "right_change" || acts[1].Type != "folder_create" {
		t.Fatalf("folder activity = %+v", acts)
	}
	// Kinds must match; what one cannot see has no activity.
	s.Do(t, s.User.Token, "GET", fmt.Sprintf("/api/activity/folder/%d", file.ID), nil).Want(t, http.StatusNotFound)
	carol := s.NewAccount(t, "carol", auth.RoleUser)
	s.Do(t, carol.Token, "GET", fmt.Sprintf("/api/activity/file/%d", file.ID), nil).Want(t, http.StatusNotFound)
}
