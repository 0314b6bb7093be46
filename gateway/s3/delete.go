package s3

import (
	"encoding/xml"
	"net/http"

	"coffre/storage"
)

// Deletes move files to the caller's trash (ns.Delete); deleting a version
// destroys that version (ns.DeleteVersions), and deleting the last one
// moves the file to the trash. Deleting a key that does not exist
// succeeds, as on S3. The key "a/" deletes the folder a while it holds
// nothing the caller sees, and otherwise only its directory marker
// (metaMarker); the key "a" never deletes a folder. The folders a deleted
// key leaves empty go too (pruneEmpty), unless they are markers, as S3
// prefixes vanish with their last key.

func (h *Handler) deleteObject(q *request) error {
	bucket, err := bucketInfo(q)
	if err != nil {
		return err
	}
	d, err := h.deleteKey(q, bucket, q.key, q.query.Get("versionId"), q.query.Has("versionId"))
	if err != nil {
		return err
	}
	w := q.w.Header()
	if d.deleteMarker {
		w.Set("X-Amz-Delete-Marker", "true")
	}
	if d.versionID != "" {
		w.Set("X-Amz-Version-Id", d.versionID)
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

// deleted is the outcome of deleting one key.
type deleted struct {
	versionID    string // the version deleted, as the client named it
	deleteMarker bool   // S3 would have written a delete marker
}

// deleteKey deletes one key of the request's bucket, or one version of it
// when hasVersion.
func (h *Handler) deleteKey(q *request, bucket storage.Info, key, version string, hasVersion bool) (deleted, error) {
	path, dir, err := objectPath(q.bucket, key)
	if err != nil {
		return deleted{}, err
	}
	if item, ok := parseMarkerID(version); ok && hasVersion && !dir {
		return deleted{versionID: version, deleteMarker: true}, removeMarker(q, key, item)
	}
	var vid uint64
	if hasVersion {
		if vid, err = parseVersionID(version); err != nil {
			return deleted{}, err
		}
	}
	d := deleted{versionID: version, deleteMarker: !hasVersion && versioning(bucket) == "Enabled"}
	ctx := q.r.Context()
	gone := func(err error) (deleted, error) {
		if storage.Is(storage.NotFound, err) {
			return d, nil // nothing of that name: done, as on S3
		}
		return d, err
	}
	info, err := q.ns.Stat(ctx, path)
	switch {
	case storage.Is(storage.NotFound, err) && vid != 0 && !dir:
		return d, deleteTrashedVersion(q, key, vid)
	case err != nil:
		return gone(err)
	case dir != info.Dir:
		return d, nil // "a/" when a is a file, "a" when it is a folder: no such key
	case dir && vid != 0:
		return d, nil // a folder has no versions
	case dir:
		page, err := q.ns.List(ctx, path, storage.ListOptions{Limit: 1})
		if err != nil {
			return gone(err)
		}
		if len(page.Items) > 0 {
			// The keys below stay, and imply the folder: only the
			// marker goes.
			if info.Meta[metaMarker] == "" {
				return d, nil
			}
			_, err := q.ns.SetMeta(ctx, path, 0, withMeta(info.Meta, metaMarker, nil))
			return gone(err)
		}
	case vid != 0:
		err := q.ns.DeleteVersions(ctx, path, []uint64{vid})
		if !storage.Is(storage.Conflict, err) {
			return gone(err)
		}
		// The last version: delete the file, if nothing was added meanwhile.
		vs, err := q.ns.Versions(ctx, path)
		if err != nil {
			return gone(err)
		}
		if len(vs) != 1 || vs[0].ID != vid {
			return d, storage.Errorf("delete version", storage.Conflict, path, "the file changed while its last version was being deleted; try again")
		}
	}
	if err := q.ns.Delete(ctx, path, storage.DeleteOptions{}); err != nil {
		return gone(err)
	}
	pruneEmpty(q, path)
	if d.deleteMarker {
		d.versionID = newestMarker(q, key)
	}
	return d, nil
}

// maxDeleteKeys and maxDeleteBody bound a DeleteObjects request.
const (
	maxDeleteKeys = 1000
	maxDeleteBody = 1 << 20
)

type deleteRequest struct {
	XMLName xml.Name `xml:"Delete"`
	Quiet   bool     `xml:"Quiet"`
	Objects []struct {
		Key       string  `xml:"Key"`
		VersionID *string `xml:"VersionId"`
	} `xml:"Object"`
}

type deleteResult struct {
	XMLName xml.Name       `xml:"http://s3.amazonaws.com/doc/2006-03-01/ DeleteResult"`
	Deleted []deletedEntry `xml:"Deleted"`
	Errors  []deleteError  `xml:"Error"`
}

type deletedEntry struct {
	Key          string
	VersionID    string `xml:"VersionId,omitempty"`
	DeleteMarker bool   `xml:",omitempty"`
}

type deleteError struct {
	Key       string
	VersionID string `xml:"VersionId,omitempty"`
	Code      string
	Message   string
}

// deleteObjects deletes up to 1000 keys, each on its own: one key's failure
// is reported in the answer and does not stop the others.
func (h *Handler) deleteObjects(q *request) error {
	var req deleteRequest
	if err := readXMLBody(q, maxDeleteBody, &req); err != nil {
		return err
	}
	if n := len(req.Objects); n == 0 || n > maxDeleteKeys {
		return malformedXML(storage.Errorf("delete objects", storage.Invalid, "", "%d objects: from 1 to %d may be deleted at once", n, maxDeleteKeys))
	}
	bucket, err := bucketInfo(q)
	if err != nil {
		return err
	}
	var res deleteResult
	for _, o := range req.Objects {
		version := ""
		if o.VersionID != nil {
			version = *o.VersionID
		}
		d, err := h.deleteKey(q, bucket, o.Key, version, o.VersionID != nil)
		if err != nil {
			e := toS3(err)
			if e.Status >= 500 {
				h.log.ErrorContext(q.r.Context(), "s3 delete failed", "op", q.op, "bucket", q.bucket, "key", o.Key, "err", err)
			}
			res.Errors = append(res.Errors, deleteError{Key: o.Key, VersionID: version, Code: e.Code, Message: e.Message})
			continue
		}
		if !req.Quiet {
			res.Deleted = append(res.Deleted, deletedEntry{Key: o.Key, VersionID: d.versionID, DeleteMarker: d.deleteMarker})
		}
	}
	return writeXML(q, res)
}
