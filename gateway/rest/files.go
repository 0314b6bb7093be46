package rest

import (
	"encoding/hex"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"

	"coffre/storage"
	"coffre/storage/audit"
)

// Files (netexplorer-reference.md §5): a file, its versions and timeline,
// rename and move, delete. Downloads are in download.go, one-shot tokens in
// tokens.go, ZIP archives in zip.go; uploads in upload.go.
//
// A File's "id" is the node ID, the same for every version; each version
// has its own "version_id". NetExplorer gives each version its own id, so
// where its document speaks of "the target version" Coffre takes a
// version_id: restoring and deleting one version have their own routes
// (Coffre's additions), and DELETE /api/file/{id} takes ?version=.

func (h *Handler) fileRoutes() {
	h.handle("GET /api/file/{id}", getFile)
	h.handle("PUT /api/file/{id}", updateFile)
	h.handle("DELETE /api/file/{id}", deleteFile)
	h.handle("GET /api/file/{id}/versions", fileVersions)
	h.handle("POST /api/file/{id}/versions/{version}/restore", restoreVersion)
	h.handle("DELETE /api/file/{id}/versions/{version}", deleteVersion)
	h.handle("GET /api/file/{id}/timeline", fileTimeline)
	h.handle("GET /api/file/{id}/infos", fileInfos)
	h.handle("GET /api/file/activity", fileActivity)
	h.handle("GET /api/file/{id}/download", download)
	tokens := newFileTokens(h.now)
	h.handle("POST /api/token/file/{id}/{type}", tokens.issue)
	h.public("GET /api/file/download", tokens.download)
	h.handle("GET /api/zip", zipDownload)
}

func getFile(c *call) error {
	info, err := c.file("id")
	if err != nil {
		return err
	}
	return c.answerFile(http.StatusOK, info)
}

// answerFile answers the File object of info, in the mode asked.
func (c *call) answerFile(status int, info storage.Info) error {
	f, err := c.fileObject(info, c.mode(), nil)
	if err != nil {
		return err
	}
	return c.json(status, f)
}

// updateFile renames and/or moves a file: {name?, parent_id?}. The
// namespace checks the rights (Edit to rename in place; Delete here and
// Write there to move) and the locks.
func updateFile(c *call) error {
	info, err := c.file("id")
	if err != nil {
		return err
	}
	var in struct {
		Name     *string `json:"name"`
		ParentID *int64  `json:"parent_id"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	name, dir := info.Name, path.Dir(info.Path)
	if in.Name != nil {
		f := fields{}
		checkName(f, "name", *in.Name)
		if err := f.err(); err != nil {
			return err
		}
		name = *in.Name
	}
	if in.ParentID != nil {
		parent, err := c.folderByID("parent_id", *in.ParentID)
		if err != nil {
			return err
		}
		dir = parent.Path
	}
	if to := join(dir, name); to != info.Path {
		if info, err = c.ns.Move(c.ctx, info.Path, to); err != nil {
			return err
		}
	}
	return c.answerFile(http.StatusOK, info)
}

// deleteFile deletes a file, or some of its versions:
//
//	trash     1 (default) to the trash, 0 destroyed (administrators)
//	versions  all (default): the file with every version;
//	          none: only the target version;
//	          previous: the target version and the older ones, newer kept
//	version   the target version's version_id (default: the current one)
//
// NetExplorer addresses each version by its own id, so its "target" is the
// version the request names; here it is ?version=, else the current one,
// newer than all others, so that "previous" alone selects every version.
// Whenever the selection is every version, the file itself is deleted (to
// the trash unless trash=0); otherwise the versions are destroyed, since
// versions have no trash.
func deleteFile(c *call) error {
	info, err := c.file("id")
	if err != nil {
		return err
	}
	q := c.r.URL.Query()
	f := fields{}
	trash, err := c.intParam("trash", 1)
	if err != nil || trash != 0 && trash != 1 {
		f.add("trash", text{"Doit valoir 0 ou 1.", "Must be 0 or 1."})
	}
	which := q.Get("versions")
	if which == "" {
		which = "all"
	}
	if !slices.Contains([]string{"all", "none", "previous"}, which) {
		f.add("versions", text{"Doit valoir all, none ou previous.", "Must be all, none or previous."})
	}
	target, err := c.versionQuery()
	if err != nil {
		return err
	}
	if target != 0 && which == "all" {
		f.add("version", text{"Seulement avec versions=none ou previous.", "Only with versions=none or previous."})
	}
	if err := f.err(); err != nil {
		return err
	}
	opt := storage.DeleteOptions{Permanent: trash == 0}
	if which == "all" {
		err = c.ns.Delete(c.ctx, info.Path, opt)
	} else {
		err = c.deleteVersions(info, target, which == "previous", opt)
	}
	if err != nil {
		return err
	}
	return c.okText()
}

// deleteVersions deletes the target version of the file (0: the current
// one), and the older ones too when older is set; the file itself when that
// is every version.
func (c *call) deleteVersions(info storage.Info, target uint64, older bool, opt storage.DeleteOptions) error {
	vs, err := c.ns.Versions(c.ctx, info.Path)
	if err != nil {
		return err
	}
	i := 0
	if target != 0 {
		if i = slices.IndexFunc(vs, func(v storage.Version) bool { return v.ID == target }); i < 0 {
			return fail(http.StatusNotFound, msgNoVersion)
		}
	}
	picked := vs[i : i+1]
	if older {
		picked = vs[i:]
	}
	if len(picked) == len(vs) {
		// Only if no version came meanwhile, which would be deleted unseen.
		opt.IfMatch = vs[0].ETag()
		return c.ns.Delete(c.ctx, info.Path, opt)
	}
	ids := make([]uint64, len(picked))
	for j, v := range picked {
		ids[j] = v.ID
	}
	return c.ns.DeleteVersions(c.ctx, info.Path, ids)
}

var msgNoVersion = text{"Cette version du fichier n'existe pas.", "No such version of the file."}

// fileVersion is the file of the path value "id" and the path value
// "version", a version_id of it; anything else does not exist.
func (c *call) fileVersion() (storage.Info, uint64, error) {
	info, err := c.file("id")
	if err != nil {
		return storage.Info{}, 0, err
	}
	v, err := strconv.ParseUint(c.r.PathValue("version"), 10, 64)
	if err != nil || v == 0 {
		return storage.Info{}, 0, fail(http.StatusNotFound, msgNoVersion)
	}
	return info, v, nil
}

// restoreVersion makes an older version current again, as a new version,
// and answers the file.
func restoreVersion(c *call) error {
	info, v, err := c.fileVersion()
	if err != nil {
		return err
	}
	if info, err = c.ns.RestoreVersion(c.ctx, info.Path, v); err != nil {
		return err
	}
	return c.answerFile(http.StatusOK, info)
}

// deleteVersion destroys one version; the last one cannot go (409: delete
// the file instead).
func deleteVersion(c *call) error {
	info, v, err := c.fileVersion()
	if err != nil {
		return err
	}
	if err := c.ns.DeleteVersions(c.ctx, info.Path, []uint64{v}); err != nil {
		return err
	}
	return c.okText()
}

// fileVersions answers every version, newest first, as File objects.
func fileVersions(c *call) error {
	info, err := c.file("id")
	if err != nil {
		return err
	}
	files, _, err := c.versionObjects(info, c.mode())
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, files)
}

// versionObjects describes each version of the file, newest first: the
// file's object with the version's ID, hash, size and date, and its author
// as owner. It also returns the versions.
func (c *call) versionObjects(info storage.Info, m mode) ([]File, []storage.Version, error) {
	vs, err := c.ns.Versions(c.ctx, info.Path)
	if err != nil {
		return nil, nil, err
	}
	base, err := c.fileObject(info, m, nil)
	if err != nil {
		return nil, nil, err
	}
	authors := map[string]person{}
	files := make([]File, len(vs))
	for i, v := range vs {
		f := base
		f.VersionID, f.Hash, f.Size, f.Modification = v.ID, hex.EncodeToString(v.MD5[:]), v.Size, date(v.ModTime)
		if !m.light {
			a, ok := authors[v.Author]
			if !ok {
				a = c.author(v.Author)
				authors[v.Author] = a
			}
			f.Creation, f.Owner, f.OwnerID = ptr(date(v.ModTime)), ptr(a.name), ptr(a.id)
		}
		files[i] = f
	}
	return files, vs, nil
}

// person is a user as objects name them.
type person struct{ name, id string }

// author is the user whose login wrote a version; the login alone (and no
// ID) when no such user exists any more.
func (c *call) author(login string) person {
	u, err := c.h.opts.Auth.GetUser(c.ctx, login)
	if err != nil {
		return person{name: login}
	}
	return person{fullName(&u), u.ID}
}

// timelineMax bounds the audit entries a timeline reads: the newest ones.
const timelineMax = 1000

// TimelineVersion is a version in a file's timeline: the File object, its
// events, newest first, and their counts by kind. The seed spells the
// download count both total_downloads (prose) and total_download (example),
// so both are sent.
type TimelineVersion struct {
	File
	TotalAnnotations int     `json:"total_annotations"`
	TotalDownloads   int     `json:"total_downloads"`
	TotalDownload    int     `json:"total_download"`
	TotalDlinks      int     `json:"total_dlinks"`
	TotalPreviews    int     `json:"total_previews"`
	Events           []Event `json:"events"`
}

// fileTimeline answers the versions, newest first, each with the events of
// the audit log about it (the newest timelineMax entries of the file). A
// download names its version; any other event goes to the version that was
// current when it happened, judged by the versions' modification times.
func fileTimeline(c *call) error {
	info, err := c.file("id")
	if err != nil {
		return err
	}
	files, vs, err := c.versionObjects(info, c.mode())
	if err != nil {
		return err
	}
	out := make([]TimelineVersion, len(files))
	for i, f := range files {
		out[i] = TimelineVersion{File: f, Events: []Event{}}
	}
	entries, err := c.auditEntries(audit.Query{ObjectID: uint64(info.ID), Newest: true, Limit: timelineMax})
	if err != nil {
		return err
	}
	for _, e := range entries {
		t := &out[versionOf(vs, e)]
		ev := c.event(e)
		t.Events = append(t.Events, ev)
		switch ev.Type {
		case 1:
			t.TotalAnnotations++
		case 2:
			t.TotalDlinks++
		case 3:
			t.TotalDownloads++
			t.TotalDownload++
		case 4:
			t.TotalPreviews++
		}
	}
	return c.json(http.StatusOK, out)
}

// auditEntries runs one query of the audit log and keeps the successful
// entries; none without an audit log.
func (c *call) auditEntries(q audit.Query) ([]audit.Entry, error) {
	if c.h.opts.Audit == nil {
		return nil, nil
	}
	page, err := c.h.opts.Audit.Query(c.ctx, q)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(page.Entries, func(e audit.Entry) bool { return !e.OK }), nil
}

// versionOf is the index in vs (newest first) of the version an audit entry
// is about: the one it names ("version N", as downloads do), else the
// newest one written before it, else the oldest.
func versionOf(vs []storage.Version, e audit.Entry) int {
	if s, ok := strings.CutPrefix(e.Detail, "version "); ok {
		if id, err := strconv.ParseUint(s, 10, 64); err == nil {
			if i := slices.IndexFunc(vs, func(v storage.Version) bool { return v.ID == id }); i >= 0 {
				return i
			}
		}
	}
	for i, v := range vs {
		if !e.Time.Before(v.ModTime) {
			return i
		}
	}
	return len(vs) - 1
}

// fileInfos answers what an indexer found in the file. Coffre indexes
// nothing, so it knows nothing more: {}.
func fileInfos(c *call) error {
	if _, err := c.file("id"); err != nil {
		return err
	}
	return c.json(http.StatusOK, struct{}{})
}

// activityMax bounds the audit entries the activity reads: the caller's
// newest changes.
const activityMax = 1000

// activityTypes are the audit types of a change to a file's content.
var activityTypes = []string{"upload", "version_restore"}

// fileActivity answers, paged, the files the caller changed last (uploads
// and version restores from any protocol, newest first), each once, among
// their newest activityMax changes; files gone or out of sight are left
// out.
func fileActivity(c *call) error {
	offset, limit, err := c.paging()
	if err != nil {
		return err
	}
	entries, err := c.auditEntries(audit.Query{UserID: c.p.UserID, Types: activityTypes, Newest: true, Limit: activityMax})
	if err != nil {
		return err
	}
	var infos []storage.Info
	seen := map[uint64]bool{}
	for _, e := range entries {
		if e.ObjectID == 0 || seen[e.ObjectID] {
			continue
		}
		seen[e.ObjectID] = true
		info, err := c.ns.StatID(c.ctx, storage.NodeID(e.ObjectID))
		if storage.Is(storage.NotFound, err) || err == nil && info.Dir {
			continue
		}
		if err != nil {
			return err
		}
		infos = append(infos, info)
	}
	l := paged(infos, offset, limit)
	page := l.Objects.([]storage.Info)
	files := make([]File, len(page))
	m := c.mode()
	for i, info := range page {
		if files[i], err = c.fileObject(info, m, nil); err != nil {
			return err
		}
	}
	l.Objects = files
	return c.json(http.StatusOK, l)
}
