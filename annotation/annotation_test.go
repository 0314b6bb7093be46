package annotation_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"coffre/annotation"
	"coffre/storage"
	"coffre/storage/audit"
	"coffre/storage/meta"
)

var ctx = context.Background()

// open opens a store in dir (a fresh one when dir is ""), with an audit log.
func open(t *testing.T, dir string) (*annotation.Store, *audit.Log, *meta.Store) {
	t.Helper()
	if dir == "" {
		dir = filepath.Join(t.TempDir(), "meta")
	}
	m, err := meta.Open(dir, meta.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	log, err := audit.New(m, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	s, err := annotation.New(m, annotation.Options{Audit: log, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return s, log, m
}

func add(t *testing.T, s *annotation.Store, target storage.NodeID, text string, conv uint64) annotation.Annotation {
	t.Helper()
	a, err := s.Add(ctx, annotation.Annotation{Target: target, TargetType: annotation.File, Author: "u-1", Text: text, Conversation: conv}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestAnnotationThreads(t *testing.T) {
	s, log, _ := open(t, "")
	first, err := s.Add(ctx, annotation.Annotation{Target: 7, TargetType: annotation.File, Author: "u-1", Text: "premier"},
		&audit.Entry{UserID: "u-1", Type: "annotation", OK: true, ObjectID: 7, ObjectType: "file"})
	if err != nil {
		t.Fatal(err)
	}
	if first.ID == 0 || first.Created.IsZero() || !first.Edited.IsZero() {
		t.Fatalf("new annotation %+v", first)
	}
	other := add(t, s, 8, "ailleurs", 0)
	reply := add(t, s, 7, "réponse", first.ID)
	if !(first.ID < other.ID && other.ID < reply.ID) {
		t.Fatalf("IDs do not increase: %d %d %d", first.ID, other.ID, reply.ID)
	}
	got, total, err := s.Thread(ctx, 7, 0, 10)
	if err != nil || total != 2 || len(got) != 2 || got[0].ID != first.ID || got[1].Conversation != first.ID {
		t.Fatalf("thread = %+v, %d, %v", got, total, err)
	}
	got, total, _ = s.Thread(ctx, 7, 1, 10)
	if total != 2 || len(got) != 1 || got[0].ID != reply.ID {
		t.Fatalf("thread from 1 = %+v, %d", got, total)
	}
	if n, _ := s.Count(ctx, 8); n != 1 {
		t.Fatalf("count of 8 = %d", n)
	}
	// The creation was audited with the annotation's ID.
	page, err := log.Query(ctx, audit.Query{ObjectID: 7})
	if err != nil || len(page.Entries) != 1 || page.Entries[0].Detail != "annotation 1" {
		t.Fatalf("audit = %+v, %v", page.Entries, err)
	}

	// A reply must answer a note of the same target.
	_, err = s.Add(ctx, annotation.Annotation{Target: 8, TargetType: annotation.File, Author: "u-1", Text: "x", Conversation: first.ID}, nil)
	if !storage.Is(storage.Invalid, err) {
		t.Fatalf("reply across targets: %v", err)
	}
	_, err = s.Add(ctx, annotation.Annotation{Target: 7, TargetType: annotation.File, Author: "u-1", Text: "x", Conversation: 999}, nil)
	if !storage.Is(storage.Invalid, err) {
		t.Fatalf("reply to nothing: %v", err)
	}
}

func TestAnnotationText(t *testing.T) {
	s, _, _ := open(t, "")
	for _, text := range []string{"", "   ", strings.Repeat("é", annotation.MaxText+1)} {
		if _, err := s.Add(ctx, annotation.Annotation{Target: 1, TargetType: annotation.File, Text: text}, nil); !storage.Is(storage.Invalid, err) {
			t.Errorf("text of %d characters: %v", len(text), err)
		}
	}
	if _, err := s.Add(ctx, annotation.Annotation{Target: 1, TargetType: "disk", Text: "x"}, nil); !storage.Is(storage.Invalid, err) {
		t.Errorf("bad target type: %v", err)
	}
	a := add(t, s, 1, strings.Repeat("é", annotation.MaxText), 0)
	e, err := s.Edit(ctx, a.ID, "modifié", nil)
	if err != nil || e.Text != "modifié" || e.Edited.IsZero() || e.Created != a.Created {
		t.Fatalf("edit = %+v, %v", e, err)
	}
	if _, err := s.Edit(ctx, a.ID, "", nil); !storage.Is(storage.Invalid, err) {
		t.Fatalf("edit to empty: %v", err)
	}
	if _, err := s.Edit(ctx, 999, "x", nil); !storage.Is(storage.NotFound, err) {
		t.Fatalf("edit of nothing: %v", err)
	}
	if got, _ := s.Get(ctx, a.ID); got.Text != "modifié" {
		t.Fatalf("stored text %q", got.Text)
	}
}

func TestAnnotationDeleteTakesReplies(t *testing.T) {
	s, _, _ := open(t, "")
	head := add(t, s, 3, "tête", 0)
	r1 := add(t, s, 3, "r1", head.ID)
	r2 := add(t, s, 3, "r2", r1.ID)
	keep := add(t, s, 3, "autre fil", 0)
	if err := s.Delete(ctx, head.ID, nil); err != nil {
		t.Fatal(err)
	}
	for _, id := range []uint64{head.ID, r1.ID, r2.ID} {
		if _, err := s.Get(ctx, id); !storage.Is(storage.NotFound, err) {
			t.Errorf("annotation %d after deleting its thread: %v", id, err)
		}
	}
	got, total, _ := s.Thread(ctx, 3, 0, 10)
	if total != 1 || got[0].ID != keep.ID {
		t.Fatalf("thread after delete = %+v", got)
	}
	if err := s.Delete(ctx, head.ID, nil); !storage.Is(storage.NotFound, err) {
		t.Fatalf("second delete: %v", err)
	}
}

func TestAnnotationIDsSurviveReopen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "meta")
	m, err := meta.Open(dir, meta.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := annotation.New(m, annotation.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a := add(t, s, 1, "a", 0)
	b := add(t, s, 1, "b", 0)
	if err := s.Delete(ctx, b.ID, nil); err != nil { // the last ID is gone, not forgotten
		t.Fatal(err)
	}
	m.Close()
	s2, _, _ := open(t, dir)
	c := add(t, s2, 1, "c", 0)
	if c.ID <= b.ID {
		t.Fatalf("ID %d reused after reopen (had %d, %d)", c.ID, a.ID, b.ID)
	}
}

func TestAnnotationAll(t *testing.T) {
	s, _, _ := open(t, "")
	for i := range 5 {
		add(t, s, storage.NodeID(i%2+1), "note", 0)
	}
	var ids []uint64
	stop := errors.New("stop")
	err := s.All(ctx, func(a annotation.Annotation) error {
		ids = append(ids, a.ID)
		if len(ids) == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || len(ids) != 3 || ids[0] != 1 || ids[2] != 3 {
		t.Fatalf("All = %v, %v", ids, err)
	}
	ids = nil
	if err := s.All(ctx, func(a annotation.Annotation) error { ids = append(ids, a.ID); return nil }); err != nil || len(ids) != 5 {
		t.Fatalf("All = %v, %v", ids, err)
	}
}
