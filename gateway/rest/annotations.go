package rest

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"coffre/annotation"
	"coffre/storage"
)

// Annotations: notes on files and folders (netexplorer-reference.md §7),
// kept by package annotation. Whoever sees a file or folder reads and writes
// its notes; only a note's author (or an administrator) edits or deletes it.
//
//	POST   /api/annotation                       {target_id, target_type: file|folder, text, conversation?} → 201 Annotation
//	GET    /api/annotation/{id}                  one note
//	PUT    /api/annotation/{id}                  {text} → Annotation
//	DELETE /api/annotation/{id}                  the note and the replies below it
//	GET    /api/annotations/{targetId}/{type}    a file's or folder's notes, paged, oldest first
//	GET    /api/annotations/all                  every note the caller may see, paged, oldest first
//
// Creations are audited as "annotation" (timeline type 1), edits and
// deletions as "annotation_edit" and "annotation_delete".

func (h *Handler) annotationRoutes() {
	h.handle("POST /api/annotation", h.annotationCreate)
	h.handle("GET /api/annotation/{id}", h.annotationGet)
	h.handle("PUT /api/annotation/{id}", h.annotationEdit)
	h.handle("DELETE /api/annotation/{id}", h.annotationDelete)
	h.handle("GET /api/annotations/all", h.annotationAll)
	h.handle("GET /api/annotations/{targetId}/{type}", h.annotationThread)
}

// Annotation is the seed's "Annotation".
type Annotation struct {
	ID           uint64  `json:"id"`
	TargetID     int64   `json:"target_id"`
	TargetType   string  `json:"target_type"`
	Owner        string  `json:"owner"`
	OwnerID      string  `json:"owner_id"`
	Date         string  `json:"date"`
	Text         string  `json:"text"`
	Conversation *uint64 `json:"conversation"`
	Modification *string `json:"modification"` // Coffre's addition: when last edited, null if never
}

var (
	msgNotesOff        = text{"Les annotations ne sont pas disponibles sur cette plateforme.", "Annotations are not available on this platform."}
	msgNoteNotYours    = text{"Seul l'auteur d'une annotation peut la modifier ou la supprimer.", "Only an annotation's author may change or delete it."}
	msgNoteText        = text{"Texte obligatoire, %d caractères au plus.", "Text is required, %d characters at most."}
	msgNoteTargetType  = text{`Vaut "file" ou "folder".`, `Must be "file" or "folder".`}
	msgNoteThreadWrong = text{"Cette annotation n'existe pas sur cet élément.", "No such annotation on this item."}
)

func (c *call) annotationObject(a annotation.Annotation) Annotation {
	out := Annotation{
		ID: a.ID, TargetID: apiID(a.Target), TargetType: a.TargetType,
		Owner: fullName(c.user(a.Author)), OwnerID: a.Author, Date: date(a.Created), Text: a.Text,
		Modification: optDate(a.Edited),
	}
	if a.Conversation != 0 {
		out.Conversation = ptr(a.Conversation)
	}
	return out
}

// noteStore returns the annotation store, or the answer when there is none.
func (c *call) noteStore() (*annotation.Store, error) {
	if c.h.opts.Annotations == nil {
		return nil, fail(http.StatusNotImplemented, msgNotesOff)
	}
	return c.h.opts.Annotations, nil
}

// noteTarget finds the file or folder a note is about, as the caller sees
// it; NotFound when they do not see it.
func (c *call) noteTarget(id storage.NodeID, kind string) (storage.Info, error) {
	info, err := c.ns.StatID(c.ctx, id)
	if err == nil && info.Dir != (kind == annotation.Folder) {
		return storage.Info{}, storage.Errorf("annotation", storage.NotFound, "", "node %d is no %s", id, kind)
	}
	return info, err
}

// note finds the annotation whose ID is the path value id, if the caller
// sees its target, and that target.
func (c *call) note() (annotation.Annotation, storage.Info, error) {
	store, err := c.noteStore()
	if err != nil {
		return annotation.Annotation{}, storage.Info{}, err
	}
	id, err := strconv.ParseUint(c.r.PathValue("id"), 10, 64)
	if err != nil {
		return annotation.Annotation{}, storage.Info{}, fail(http.StatusNotFound, msgNotFound)
	}
	a, err := store.Get(c.ctx, id)
	if err != nil {
		return annotation.Annotation{}, storage.Info{}, err
	}
	info, err := c.noteTarget(a.Target, a.TargetType)
	return a, info, err
}

// checkNoteText adds a field error unless text is acceptable.
func checkNoteText(f fields, text *string) {
	if text == nil || strings.TrimSpace(*text) == "" || utf8.RuneCountInString(*text) > annotation.MaxText {
		f.add("text", msgNoteText, annotation.MaxText)
	}
}

func (h *Handler) annotationCreate(c *call) error {
	store, err := c.noteStore()
	if err != nil {
		return err
	}
	var in struct {
		TargetID     *int64  `json:"target_id"`
		TargetType   *string `json:"target_type"`
		Text         *string `json:"text"`
		Conversation *uint64 `json:"conversation"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	f := fields{}
	if in.TargetID == nil || *in.TargetID <= 0 {
		f.add("target_id", fieldRequired)
	}
	if in.TargetType == nil || *in.TargetType != annotation.File && *in.TargetType != annotation.Folder {
		f.add("target_type", msgNoteTargetType)
	}
	checkNoteText(f, in.Text)
	if err := f.err(); err != nil {
		return err
	}
	info, err := c.noteTarget(storage.NodeID(*in.TargetID), *in.TargetType)
	if err != nil {
		return err
	}
	a := annotation.Annotation{Target: info.ID, TargetType: *in.TargetType, Author: c.p.UserID, Text: *in.Text}
	if in.Conversation != nil {
		a.Conversation = *in.Conversation
	}
	entry := c.auditEntry("annotation", uint64(info.ID), *in.TargetType, info.Path)
	a, err = store.Add(c.ctx, a, &entry)
	if storage.Is(storage.Invalid, err) && in.Conversation != nil {
		return invalid("conversation", msgNoteThreadWrong)
	}
	if err != nil {
		return err
	}
	return c.json(http.StatusCreated, c.annotationObject(a))
}

func (h *Handler) annotationGet(c *call) error {
	a, _, err := c.note()
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, c.annotationObject(a))
}

// mayChange fails unless the caller wrote a or is an administrator.
func (c *call) mayChange(a annotation.Annotation) error {
	if a.Author != c.p.UserID && !c.p.Admin {
		return fail(http.StatusForbidden, msgNoteNotYours)
	}
	return nil
}

func (h *Handler) annotationEdit(c *call) error {
	var in struct {
		Text *string `json:"text"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	a, info, err := c.note()
	if err != nil {
		return err
	}
	if err := c.mayChange(a); err != nil {
		return err
	}
	f := fields{}
	checkNoteText(f, in.Text)
	if err := f.err(); err != nil {
		return err
	}
	entry := c.auditEntry("annotation_edit", uint64(info.ID), a.TargetType, info.Path)
	a, err = c.h.opts.Annotations.Edit(c.ctx, a.ID, *in.Text, &entry)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, c.annotationObject(a))
}

func (h *Handler) annotationDelete(c *call) error {
	a, info, err := c.note()
	if err != nil {
		return err
	}
	if err := c.mayChange(a); err != nil {
		return err
	}
	entry := c.auditEntry("annotation_delete", uint64(info.ID), a.TargetType, info.Path)
	if err := c.h.opts.Annotations.Delete(c.ctx, a.ID, &entry); err != nil {
		return err
	}
	return c.noContent()
}

func (h *Handler) annotationThread(c *call) error {
	store, err := c.noteStore()
	if err != nil {
		return err
	}
	kind := c.r.PathValue("type")
	if kind != annotation.File && kind != annotation.Folder {
		return fail(http.StatusNotFound, msgNotFound)
	}
	id, err := c.id("targetId")
	if err != nil {
		return err
	}
	info, err := c.noteTarget(id, kind)
	if err != nil {
		return err
	}
	offset, limit, err := c.paging()
	if err != nil {
		return err
	}
	notes, total, err := store.Thread(c.ctx, info.ID, offset, limit)
	if err != nil {
		return err
	}
	out := make([]Annotation, 0, len(notes))
	for _, a := range notes {
		out = append(out, c.annotationObject(a))
	}
	return c.json(http.StatusOK, list{OffsetStart: offset, NbObjects: len(out), NbObjets: len(out), NbTotal: total, Objects: out})
}

func (h *Handler) annotationAll(c *call) error {
	store, err := c.noteStore()
	if err != nil {
		return err
	}
	offset, limit, err := c.paging()
	if err != nil {
		return err
	}
	seen := map[storage.NodeID]bool{}
	out := []Annotation{}
	total := 0
	err = store.All(c.ctx, func(a annotation.Annotation) error {
		visible, ok := seen[a.Target]
		if !ok {
			_, err := c.noteTarget(a.Target, a.TargetType)
			if err != nil && !storage.Is(storage.NotFound, err) {
				return err
			}
			visible = err == nil
			seen[a.Target] = visible
		}
		if !visible {
			return nil
		}
		if total >= offset && len(out) < limit {
			out = append(out, c.annotationObject(a))
		}
		total++
		return nil
	})
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, list{OffsetStart: offset, NbObjects: len(out), NbObjets: len(out), NbTotal: total, Objects: out})
}
