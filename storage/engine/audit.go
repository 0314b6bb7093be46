package engine

import (
	"coffre/storage"
	"coffre/storage/audit"
	"coffre/storage/meta"
)

// Audit entries. A change's entry is added to the batch of the change, so
// that the change and its entry commit together; an access that changes
// nothing (a download) and a refusal (Permission, Locked) are recorded on
// their own. Types are those the product documents log.
const (
	evUpload         = "upload"
	evMkdir          = "folder_create"
	evDelete         = "delete"
	evDestroy        = "destroy"
	evMove           = "move"
	evCopy           = "copy"
	evRestore        = "restore"
	evVersionRestore = "version_restore"
	evVersionDelete  = "version_delete"
	evPurge          = "trash_purge"
	evDownload       = "download"
	evLock           = "lock"
	evUnlock         = "unlock"
	evRights         = "right_change"
	evQuota          = "quota_change"
	evDenied         = "denied"
	evPurgeDays      = "purge_frequency_change"
	evMeta           = "metadata_change"
)

// Through a share link (a principal confined below the link's target,
// storage.Principal.Root), a download and an upload are audited with the
// link's types, which the product documents name: one entry per file, by
// "share:<link id>", and none besides from the link (package shares).
const (
	evLinkDownload = "share_link_download"
	evLinkUpload   = "share_link_upload"
)

// eventType is typ as audited for the caller.
func (n *namespace) eventType(typ string) string {
	switch {
	case n.p.Root == 0:
		return typ
	case typ == evDownload:
		return evLinkDownload
	case typ == evUpload:
		return evLinkUpload
	}
	return typ
}

// entry describes an event of the caller on a node.
func (n *namespace) entry(typ string, ok bool, id storage.NodeID, dir bool, path, detail string) audit.Entry {
	kind := "file"
	if dir {
		kind = "folder"
	}
	return audit.Entry{
		UserID: n.p.UserID, Login: n.p.Login, IP: n.p.IP, UserAgent: n.p.UserAgent, Protocol: n.p.Protocol,
		Type: n.eventType(typ), OK: ok, ObjectID: uint64(id), ObjectType: kind, ObjectName: path, Detail: detail,
	}
}

// logError logs an error met on the caller's behalf, with the ID of the
// request it serves, if any (the storage has no request context).
func (n *namespace) logError(msg string, args ...any) {
	if n.p.RequestID != "" {
		args = append(args, "request_id", n.p.RequestID)
	}
	n.e.log.Error(msg, args...)
}

// log adds the entry of a successful change to its batch.
func (n *namespace) log(b *meta.Batch, typ string, id storage.NodeID, dir bool, path, detail string) {
	if n.e.audit != nil {
		n.e.audit.Add(b, n.entry(typ, true, id, dir, path, detail))
	}
}

// record records an access, or a refusal, on its own.
func (n *namespace) record(typ string, ok bool, id storage.NodeID, dir bool, path, detail string) {
	if n.e.audit == nil {
		return
	}
	if _, err := n.e.audit.Record(n.entry(typ, ok, id, dir, path, detail)); err != nil {
		n.logError("audit record failed", "type", typ, "path", path, "err", err)
	}
}

// need fails unless the caller holds want in r: Permission, since they see
// the node. A refusal is audited, on node id (0 for a node not yet created).
func (n *namespace) need(op, path string, id storage.NodeID, r, want storage.Rights) error {
	if r.Has(want) {
		return nil
	}
	err := storage.Errorf(op, storage.Permission, path, "needs the %v right", want&^r)
	n.record(evDenied, false, id, false, path, err.Error())
	return err
}
