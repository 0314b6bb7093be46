package rest_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"coffre/auth"
	"coffre/gateway/rest"
	"coffre/storage"
	"coffre/storage/engine"
)

type noteAnswer struct {
	ID           uint64
	TargetID     int64  `json:"target_id"`
	TargetType   string `json:"target_type"`
	Owner        string
	OwnerID      string `json:"owner_id"`
	Date         string
	Text         string
	Conversation *uint64
	Modification *string
}

type notePage struct {
	NbTotal int `json:"nb_total_objects"`
	Objects []noteAnswer
}

func (s *server) note(t *testing.T, a account, body map[string]any) noteAnswer {
	t.Helper()
	var n noteAnswer
	s.Do(t, a.Token, "POST", "/api/annotation", body).Want(t, http.StatusCreated).JSON(t, &n)
	return n
}

func TestAnnotationThreadAndReplies(t *testing.T) {
	s := newServer(t)
	docs := s.Mkdir(t, "/docs")
	file := s.Put(t, "/docs/f.txt", []byte("x"))
	s.Grant(t, "/docs", s.User, storage.Browse|storage.Read)

	first := s.note(t, s.User, map[string]any{"target_id": file.ID, "target_type": "file", "text": "Bonjour"})
	if first.ID == 0 || first.TargetID != int64(file.ID) || first.TargetType != "file" || first.Owner != "bob" ||
		first.OwnerID != s.User.Principal.UserID || first.Date == "" || first.Text != "Bonjour" || first.Conversation != nil || first.Modification != nil {
		t.Fatalf("annotation = %+v", first)
	}
	reply := s.note(t, s.Admin, map[string]any{"target_id": file.ID, "target_type": "file", "text": "Réponse", "conversation": first.ID})
	if reply.Conversation == nil || *reply.Conversation != first.ID || reply.Owner != "admin" {
		t.Fatalf("reply = %+v", reply)
	}
	onFolder := s.note(t, s.User, map[string]any{"target_id": docs.ID, "target_type": "folder", "text": "Sur le dossier"})
	// A reply stays in its thread.
	r := s.Do(t, s.User.Token, "POST", "/api/annotation", map[string]any{"target_id": docs.ID, "target_type": "folder", "text": "x", "conversation": first.ID}).
		Want(t, http.StatusUnprocessableEntity)
	if r.Map(t)["errors"].(map[string]any)["conversation"] == nil {
		t.Fatalf("no error on conversation: %s", r.Body)
	}

	var got noteAnswer
	s.Do(t, s.User.Token, "GET", fmt.Sprintf("/api/annotation/%d", reply.ID), nil).Want(t, http.StatusOK).JSON(t, &got)
	if got.ID != reply.ID || got.Text != "Réponse" {
		t.Fatalf("GET = %+v", got)
	}
	var page notePage
	s.Do(t, s.User.Token, "GET", fmt.Sprintf("/api/annotations/%d/file", file.ID), nil).Want(t, http.StatusOK).JSON(t, &page)
	if page.NbTotal != 2 || len(page.Objects) != 2 || page.Objects[0].ID != first.ID || page.Objects[1].ID != reply.ID {
		t.Fatalf("thread = %+v", page)
	}
	s.Do(t, s.User.Token, "GET", fmt.Sprintf("/api/annotations/%d/file?offset=1&limit=1", file.ID), nil).Want(t, http.StatusOK).JSON(t, &page)
	if page.NbTotal != 2 || len(page.Objects) != 1 || page.Objects[0].ID != reply.ID {
		t.Fatalf("thread page 2 = %+v", page)
	}
	s.Do(t, s.User.Token, "GET", fmt.Sprintf("/api/annotations/%d/folder", docs.ID), nil).Want(t, http.StatusOK).JSON(t, &page)
	if page.NbTotal != 1 || page.Objects[0].ID != onFolder.ID {
		t.Fatalf("folder thread = %+v", page)
	}
	s.Do(t, s.User.Token, "GET", fmt.Sprintf("/api/annotations/%d/folder", file.ID), nil).Want(t, http.StatusNotFound)
	s.Do(t, s.User.Token, "GET", fmt.Sprintf("/api/annotations/%d/disk", file.ID), nil).Want(t, http.StatusNotFound)

	// Creations show in the activity as "annotation".
	var acts []struct{ Type string }
	s.Do(t, s.User.Token, "GET", fmt.Sprintf("/api/activity/file/%d", file.ID), nil).Want(t, http.StatusOK).JSON(t, &acts)
	if len(acts) < 2 || acts[0].Type != "annotation" || acts[1].Type != "annotation" {
		t.Fatalf("activity = %+v", acts)
	}

	// Only the author (or an administrator) edits or deletes.
	carol := s.NewAccount(t, "carol", auth.RoleUser)
	s.Grant(t, "/docs", carol, storage.Browse|storage.Read)
	path := fmt.Sprintf("/api/annotation/%d", first.ID)
	s.Do(t, carol.Token, "PUT", path, map[string]any{"text": "pirate"}).Want(t, http.StatusForbidden)
	s.Do(t, carol.Token, "DELETE", path, nil).Want(t, http.StatusForbidden)
	s.Do(t, s.User.Token, "PUT", path, map[string]any{"text": "Bonjour à tous"}).Want(t, http.StatusOK).JSON(t, &got)
	if got.Text != "Bonjour à tous" || got.Modification == nil || got.Date != first.Date {
		t.Fatalf("edited = %+v", got)
	}
	s.Do(t, s.Admin.Token, "PUT", path, map[string]any{"text": "Modéré"}).Want(t, http.StatusOK)
	s.Do(t, s.User.Token, "PUT", path, map[string]any{"text": ""}).Want(t, http.StatusUnprocessableEntity)
	s.Do(t, s.User.Token, "PUT", path, map[string]any{}).Want(t, http.StatusUnprocessableEntity)

	// Deleting a note takes its replies.
	s.Do(t, s.User.Token, "DELETE", path, nil).Want(t, http.StatusNoContent)
	s.Do(t, s.User.Token, "GET", path, nil).Want(t, http.StatusNotFound)
	s.Do(t, s.User.Token, "GET", fmt.Sprintf("/api/annotation/%d", reply.ID), nil).Want(t, http.StatusNotFound)
	s.Do(t, s.User.Token, "DELETE", path, nil).Want(t, http.StatusNotFound)
}

func TestAnnotationVisibility(t *testing.T) {
	s := newServer(t)
	s.Mkdir(t, "/docs")
	s.Mkdir(t, "/secret")
	file := s.Put(t, "/docs/f.txt", []byte("x"))
	hidden := s.Put(t, "/secret/h.txt", []byte("x"))
	s.Grant(t, "/docs", s.User, storage.Browse|storage.Read)
	mine := s.note(t, s.User, map[string]any{"target_id": file.ID, "target_type": "file", "text": "visible"})
	secret := s.note(t, s.Admin, map[string]any{"target_id": hidden.ID, "target_type": "file", "text": "caché"})

	// What bob cannot see does not exist for him.
	s.Do(t, s.User.Token, "POST", "/api/annotation", map[string]any{"target_id": hidden.ID, "target_type": "file", "text": "x"}).Want(t, http.StatusNotFound)
	s.Do(t, s.User.Token, "GET", fmt.Sprintf("/api/annotation/%d", secret.ID), nil).Want(t, http.StatusNotFound)
	s.Do(t, s.User.Token, "PUT", fmt.Sprintf("/api/annotation/%d", secret.ID), map[string]any{"text": "x"}).Want(t, http.StatusNotFound)
	s.Do(t, s.User.Token, "GET", fmt.Sprintf("/api/annotations/%d/file", hidden.ID), nil).Want(t, http.StatusNotFound)
	var page notePage
	s.Do(t, s.User.Token, "GET", "/api/annotations/all", nil).Want(t, http.StatusOK).JSON(t, &page)
	if page.NbTotal != 1 || page.Objects[0].ID != mine.ID {
		t.Fatalf("bob's notes = %+v", page)
	}
	s.Do(t, s.Admin.Token, "GET", "/api/annotations/all?limit=1&offset=1", nil).Want(t, http.StatusOK).JSON(t, &page)
	if page.NbTotal != 2 || len(page.Objects) != 1 || page.Objects[0].ID != secret.ID {
		t.Fatalf("all notes, page 2 = %+v", page)
	}
	// A trashed target takes its notes out of sight.
	s.remove(t, s.Admin, "/docs/f.txt")
	s.Do(t, s.User.Token, "GET", "/api/annotations/all", nil).Want(t, http.StatusOK).JSON(t, &page)
	if page.NbTotal != 0 {
		t.Fatalf("notes of a trashed file: %+v", page)
	}

	// Bad input.
	for _, c := range []struct {
		body  any
		field string
	}{
		{map[string]any{"target_type": "file", "text": "x"}, "target_id"},
		{map[string]any{"target_id": hidden.ID, "target_type": "disk", "text": "x"}, "target_type"},
		{map[string]any{"target_id": hidden.ID, "target_type": "file"}, "text"},
		{map[string]any{"target_id": hidden.ID, "target_type": "file", "text": "  "}, "text"},
		{map[string]any{"target_id": hidden.ID, "target_type": "file", "text": strings.Repeat("é", 10001)}, "text"},
		{map[string]any{"target_id": "x", "target_type": "file", "text": "x"}, "target_id"},
	} {
		r := s.Do(t, s.Admin.Token, "POST", "/api/annotation", c.body).Want(t, http.StatusUnprocessableEntity)
		if r.Map(t)["errors"].(map[string]any)[c.field] == nil {
			t.Errorf("%v: no error on %s: %s", c.body, c.field, r.Body)
		}
	}
	s.note(t, s.Admin, map[string]any{"target_id": hidden.ID, "target_type": "file", "text": strings.Repeat("é", 10000)})
	s.Do(t, s.Admin.Token, "POST", "/api/annotation", map[string]any{"target_id": hidden.ID, "target_type": "folder", "text": "x"}).Want(t, http.StatusNotFound)
	s.Do(t, s.Admin.Token, "GET", "/api/annotation/x", nil).Want(t, http.StatusNotFound)
}

func TestAnnotationOff(t *testing.T) {
	s := newServerWith(t, engine.Options{}, func(o *rest.Options) { o.Annotations = nil })
	s.Do(t, s.Admin.Token, "GET", "/api/annotations/all", nil).Want(t, http.StatusNotImplemented)
	s.Do(t, s.Admin.Token, "GET", "/api/annotation/1", nil).Want(t, http.StatusNotImplemented)
}

// Full-mode files and folders count their notes.
func TestAnnotationCounts(t *testing.T) {
	s := newServer(t)
	docs := s.Mkdir(t, "/docs")
	file := s.Put(t, "/docs/f.txt", []byte("x"))
	s.note(t, s.Admin, map[string]any{"target_id": file.ID, "target_type": "file", "text": "un"})
	s.note(t, s.Admin, map[string]any{"target_id": file.ID, "target_type": "file", "text": "deux"})
	s.note(t, s.Admin, map[string]any{"target_id": docs.ID, "target_type": "folder", "text": "trois"})
	f := s.Do(t, s.Admin.Token, "GET", fmt.Sprintf("/api/file/%d?full=1", file.ID), nil).Want(t, http.StatusOK).Map(t)
	d := s.Do(t, s.Admin.Token, "GET", fmt.Sprintf("/api/folder/%d?full=1", docs.ID), nil).Want(t, http.StatusOK).Map(t)
	if f["nb_annotations"] != float64(2) || d["nb_annotations"] != float64(1) {
		t.Fatalf("nb_annotations: file %v, folder %v", f["nb_annotations"], d["nb_annotations"])
	}
	if plain := s.Do(t, s.Admin.Token, "GET", fmt.Sprintf("/api/file/%d", file.ID), nil).Map(t); plain["nb_annotations"] != nil {
		t.Fatalf("nb_annotations outside full mode: %v", plain["nb_annotations"])
	}
}
