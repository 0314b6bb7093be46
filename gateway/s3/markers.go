package s3

import (
	"net/http"
	pathpkg "path"
	"slices"
	"strconv"
	"strings"

	"coffre/storage"
)

// Delete markers. In a bucket whose versioning was ever enabled, deleting a
// key moves its file, with every version, to the deleter's trash: the
// namespace's one history. S3 shows that trash item as a delete marker on
// top of the versions it holds: version ID "t<trash item ID>", the latest
// entry of the key while no file has the name again. Reading an old version
// of a deleted key reads it from the trash (with the Download right of the
// folder it was deleted from); deleting the marker restores the file, as on
// S3, where the previous version then shows again. A caller sees the
// markers of their own trash (administrators: everyone's): the trash is
// per user, as in the other protocols.

const markerPrefix = "t"

func markerID(item uint64) string { return markerPrefix + strconv.FormatUint(item, 10) }

// parseMarkerID reads a delete marker's version ID.
func parseMarkerID(s string) (uint64, bool) {
	rest, ok := strings.CutPrefix(s, markerPrefix)
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseUint(rest, 10, 64)
	return id, err == nil && id != 0
}

// deletedKeys are the files of the request's bucket in the caller's trash,
// by key, the newest deletion first.
func deletedKeys(q *request) (map[string][]storage.TrashItem, error) {
	items, err := q.ns.Trash(q.r.Context(), q.p.Admin)
	if err != nil {
		return nil, err
	}
	top := "/" + q.bucket + "/"
	out := map[string][]storage.TrashItem{}
	for _, it := range items {
		if key, ok := strings.CutPrefix(it.Path, top); ok && !it.Dir {
			out[key] = append(out[key], it)
		}
	}
	for _, its := range out {
		slices.SortFunc(its, func(a, b storage.TrashItem) int { return b.Deleted.Compare(a.Deleted) })
	}
	return out, nil
}

// markerFor is the newest delete marker of key, for a 404 of a deleted key.
func markerFor(q *request, key string) (storage.TrashItem, bool) {
	deleted, err := deletedKeys(q)
	if err != nil || len(deleted[key]) == 0 {
		return storage.TrashItem{}, false
	}
	return deleted[key][0], true
}

// trashedVersion finds version vid of a deleted key: the trash item holding
// it and the version.
func trashedVersion(q *request, key string, vid uint64) (storage.TrashItem, storage.Version, bool, error) {
	deleted, err := deletedKeys(q)
	if err != nil {
		return storage.TrashItem{}, storage.Version{}, false, err
	}
	for _, it := range deleted[key] {
		vs, err := q.ns.TrashVersions(q.r.Context(), it.ID)
		if storage.Is(storage.NotFound, err) {
			continue
		}
		if err != nil {
			return storage.TrashItem{}, storage.Version{}, false, err
		}
		for _, v := range vs {
			if v.ID == vid {
				return it, v, true, nil
			}
		}
	}
	return storage.TrashItem{}, storage.Version{}, false, nil
}

// markDeleted adds the delete marker headers to a 404 of a key whose newest
// entry is a marker.
func markDeleted(q *request, key string) {
	if it, ok := markerFor(q, key); ok {
		q.w.Header().Set("X-Amz-Delete-Marker", "true")
		q.w.Header().Set("X-Amz-Version-Id", markerID(it.ID))
	}
}

// markerAnswer is the answer to GET or HEAD of a delete marker's version:
// 405, as on S3.
func markerAnswer(q *request, id string) error {
	q.w.Header().Set("X-Amz-Delete-Marker", "true")
	q.w.Header().Set("X-Amz-Version-Id", id)
	q.w.Header().Set("Allow", "DELETE")
	return errorf("MethodNotAllowed", http.StatusMethodNotAllowed, "the version %q is a delete marker", id)
}

// removeMarker removes the delete marker item of key: the file comes back
// from the trash. If a file has the key again, the marker is not the
// latest entry any more and removing it would need merging two histories:
// refused.
func removeMarker(q *request, key string, item uint64) error {
	deleted, err := deletedKeys(q)
	if err != nil {
		return err
	}
	for _, it := range deleted[key] {
		if it.ID != item {
			continue
		}
		path := "/" + q.bucket + "/" + key
		if _, err := q.ns.Stat(q.r.Context(), path); err == nil {
			return invalidRequest("the key %q was written again after this delete marker; the versions under it stay in the trash", key)
		}
		// The folders the delete emptied went with it (pruneEmpty): make
		// them again and restore into them.
		if err := mkdirs(q, path); err != nil {
			return err
		}
		_, err := q.ns.Restore(q.r.Context(), item, pathpkg.Dir(path))
		return err
	}
	return nil // no such marker: done, as on S3
}

// newestMarker is the delete marker a delete just made: the newest trash
// item of key.
func newestMarker(q *request, key string) string {
	if it, ok := markerFor(q, key); ok {
		return markerID(it.ID)
	}
	return ""
}

// deleteTrashedVersion deletes version vid of a deleted key: the trash item
// goes when it is its only version; deleting one version of several under
// a delete marker is not supported (restore the key by deleting its
// marker first). No such version: done, as on S3.
func deleteTrashedVersion(q *request, key string, vid uint64) error {
	it, _, ok, err := trashedVersion(q, key, vid)
	if err != nil || !ok {
		return err
	}
	vs, err := q.ns.TrashVersions(q.r.Context(), it.ID)
	if err != nil {
		return err
	}
	if len(vs) > 1 {
		return notImplemented("deleting one version of a deleted key (delete its delete marker first, which restores the key)")
	}
	return q.ns.Purge(q.r.Context(), it.ID)
}
