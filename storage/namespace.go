package storage

import (
	"context"
	"errors"
	"io"
	"strconv"
	"time"
)

// NodeID identifies a file or folder for its whole life, across renames and moves.
type NodeID uint64

// Info describes a file or folder. For a file, the version fields describe the
// current version.
type Info struct {
	ID       NodeID
	GUID     string // a random UUID, stable for the node's life
	ParentID NodeID // 0 for the top of the tree
	Name     string
	Path     string // slash-separated from the top, "/root/a/b.txt"
	Dir      bool
	Created  time.Time
	ModTime  time.Time
	Owner    string // user ID of the creator; the owner of a root folder has every right in it
	// Quota is a folder's own limit in bytes: 0 unlimited, -1 inherited
	// (no limit of its own); the limits of the folders above always apply.
	Quota int64
	// PurgeDays, on a folder, removes (to the trash of the folder's owner)
	// files below it not modified for that many days; 0 never.
	PurgeDays int
	// Rights are the caller's effective rights on the node: for a folder, the
	// rights that apply in it; for a file, those of its folder. They give the
	// REST can_* fields.
	Rights Rights

	// Files only.
	Size      int64
	VersionID uint64   // the ID of the current version
	MD5       [16]byte // of the current version's content: the S3 ETag and the REST hash
	Author    string   // login of the principal who wrote the current version
	Versions  int      // number of kept versions
	// Parts is the number of parts of content assembled by CompleteUpload
	// (then MD5 is the MD5 of the parts' MD5s, as S3 computes multipart
	// ETags); 0 for content written in one piece.
	Parts int

	// Meta is the metadata a front end stored with a file's current version
	// (PutOptions.Meta, SetMeta) or on a folder (SetMeta): content type, user
	// metadata, tags, checksums, bucket settings. Keys are the front ends'.
	Meta map[string]string
}

// ETag returns the quoted entity tag of a file's current version: its hex
// MD5, followed by "-N" for content assembled from N parts. Folders have none.
func (i Info) ETag() string {
	if i.Dir {
		return ""
	}
	return etag(i.MD5, i.Parts)
}

func etag(md5 [16]byte, parts int) string {
	if parts > 0 {
		return `"` + hexString(md5[:]) + "-" + strconv.Itoa(parts) + `"`
	}
	return `"` + hexString(md5[:]) + `"`
}

// Version describes one version of a file.
type Version struct {
	ID      uint64
	Size    int64
	MD5     [16]byte
	ModTime time.Time
	Author  string
	Parts   int               // see Info.Parts
	Meta    map[string]string // see Info.Meta
}

// ETag returns the version's quoted entity tag (see Info.ETag).
func (v Version) ETag() string { return etag(v.MD5, v.Parts) }

// MaxMeta bounds the metadata of one version or folder: the sum of the
// lengths of its keys and values.
const MaxMeta = 16 << 10

// ListOptions selects one page of a folder listing. Entries come back in byte
// order of their names.
type ListOptions struct {
	After string // return names strictly after this one ("" from the start)
	Limit int    // at most this many entries; 0 means a default of 1000
	// Prefix restricts the listing to names that start with it.
	Prefix string
	// KeyOrder lists in S3 key order: a folder counts as its name followed
	// by "/" for the order, After, Prefix and Page.Next, so that a folder
	// "a" comes after a file "a-b".
	KeyOrder bool
	// Recursive (which implies KeyOrder) lists the whole tree below the
	// folder: its files and its empty folders (those holding nothing the
	// caller sees), each named by its path relative to the folder, folders
	// ending in "/". After and Page.Next are such relative paths; Prefix
	// must not contain "/" (Invalid).
	Recursive bool
}

// Page is one page of a listing. Next is the name to pass as After for the next
// page, or "" when this is the last page. With Recursive, an item's Name is its
// relative path (see ListOptions.Recursive).
type Page struct {
	Items []Info
	Next  string
}

// Object is an open version of a file. It reads at any offset, concurrently, and
// must be closed.
type Object interface {
	io.ReaderAt
	io.Closer
	Info() Info
}

// PutOptions conditions and describes a write.
type PutOptions struct {
	// Size is the exact length of the content, or -1 when unknown. A known size
	// that the reader does not deliver fails the write with Invalid and changes
	// nothing.
	Size int64
	// MD5, when set, must match the content's MD5 or the write fails with
	// Invalid and changes nothing.
	MD5 []byte
	// SHA256, when set, must match the content's SHA-256 or the write fails
	// with Invalid, caused by ErrSHA256Mismatch, and changes nothing. The
	// store hashes content anyway: a front end whose payload is signed by
	// its SHA-256 (S3) has it checked here rather than hashing it twice.
	SHA256 []byte
	// IfMatch, when set, is the ETag the current version must have
	// (Precondition otherwise). "*" means the file must exist.
	IfMatch string
	// IfNoneMatch "*" makes the write create-only (Precondition if the file exists).
	IfNoneMatch string
	// ModTime, when non-zero, is recorded as the version's modification time.
	ModTime time.Time
	// Meta is stored with the new version (at most MaxMeta bytes, Invalid
	// otherwise). For Copy, nil keeps the source version's metadata.
	Meta map[string]string
	// WholeMD5, for CompleteUpload only, computes the MD5 of the whole
	// assembled content (one more read of it) and makes it the version's
	// MD5 and ETag, as for content written in one piece (Info.Parts 0);
	// MD5, when set, must then match it (Invalid otherwise, and the upload
	// stays to be completed again). Without it, the MD5 is the S3 form, the
	// MD5 of the parts' MD5s.
	WholeMD5 bool
}

// ErrSHA256Mismatch is the cause of a write refused because its content
// is not the PutOptions.SHA256 expected.
var ErrSHA256Mismatch = errors.New("the content's SHA-256 is not the expected one")

// CopyOptions modifies Copy.
type CopyOptions struct {
	// Version is the source version to copy; 0 means the current one.
	Version uint64
	// IfMatch, IfNoneMatch and Meta apply to the target as in PutOptions;
	// nil Meta keeps the source version's.
	IfMatch, IfNoneMatch string
	Meta                 map[string]string
}

// Upload is a multipart upload in progress: parts are written one by one,
// in any order and concurrently, then become one new version of the file at
// Path, without their content being copied.
type Upload struct {
	ID        string // random, unguessable
	Path      string // the file it will write
	UserID    string // who started it; only they (and administrators) see it
	Login     string
	Initiated time.Time
	Meta      map[string]string // for the version it will write
}

// Part is one uploaded part of an Upload.
type Part struct {
	Number  int // 1 to MaxParts
	Size    int64
	MD5     [16]byte
	ModTime time.Time
}

// MaxParts is the highest part number of an upload.
const MaxParts = 10000

// DeleteOptions modifies Delete.
type DeleteOptions struct {
	// Permanent destroys instead of moving to the trash: administrators
	// only, except for an empty folder, where nothing is lost.
	Permanent bool
	// IfEmpty refuses, with Conflict, to delete a folder that holds
	// anything (seen by the caller or not), or a file.
	IfEmpty bool
	// IfMatch, when set, is the ETag the file's current version must have
	// (Precondition otherwise, and always for a folder).
	IfMatch string
}

// TrashItem is a deleted file or folder, kept in the trash of the user who
// deleted it until restored or purged.
type TrashItem struct {
	ID        uint64 // the trash item's own ID
	Node      NodeID // the node's ID, unchanged by deletion and restoration
	Name      string
	Path      string // where it was
	Dir       bool
	Size      int64 // of a file's current version
	Deleted   time.Time
	DeletedBy string // user ID
}

// LockOptions describes a lock to take.
type LockOptions struct {
	Deep    bool          // a folder with everything below it (WebDAV depth infinity)
	Shared  bool          // several holders may share it; exclusive otherwise
	Timeout time.Duration // 0 means the default; capped by the platform
	// Unreadable also stops others from reading, where the platform allows
	// read locks (the lock_read feature).
	Unreadable bool
	Owner      string // the client's description of the owner (WebDAV owner XML)
}

// Lock is a held lock.
type Lock struct {
	Token      string // "opaquelocktoken:<uuid>"
	Node       NodeID
	Path       string // where the node is now
	UserID     string // who holds it
	Login      string
	Owner      string
	Deep       bool
	Shared     bool
	Unreadable bool
	Created    time.Time
	Expires    time.Time
}

// Usage is the content stored under a folder.
type Usage struct {
	Bytes int64 // every version of every file below, trash excluded
	Quota int64 // the folder's own quota (see Info.Quota)
}

// Quotas are the caller's and the platform's usage against their limits; a
// limit of 0 means none. A user's bytes are the versions they wrote, trash
// included, until destroyed.
type Quotas struct {
	UserBytes, UserQuota         int64
	PlatformBytes, PlatformQuota int64
}

// Namespace is the tree as one principal sees it. It is all a front end may
// use.
//
// Rights. Rights are granted on folders and apply to the folder and what is
// in it; a file has the rights of its folder. Each method needs:
//
//	Stat, List        to see the node: Browse on a folder (or a grant below it,
//	                  which lets the caller traverse it), Read on a file's folder
//	Open, Copy source Download
//	Put, Copy target, Write for a new file, Edit for a new version
//	CompleteUpload
//	CreateUpload      as Put, checked again on completion
//	SetMeta           Edit
//	Mkdir, MkdirMeta  Write in the parent ("/" included: who may create roots)
//	Delete            Delete; Permanent also needs an administrator
//	Move              Delete on the source and Write in the target folder,
//	                  or Edit to rename in place
//	Lock              Edit
//	DeleteVersions    Delete; RestoreVersion Edit
//	Restore           Write in the folder it returns to
//	SetPurgeDays      Delete; SetQuota an administrator
//	Grants, SetGrant  Share (and no more than the caller holds)
//
// What the caller may not see does not exist for them (NotFound, never
// Permission), so that no protocol leaks names. A node locked by someone else
// refuses changes with Locked. Paths are slash-separated and absolute ("/root/folder/file"); "/" is the
// top of the tree, whose children are the root folders. Methods are safe for
// concurrent use and return *Error values.
type Namespace interface {
	// Stat describes the file or folder at path. NotFound if absent.
	Stat(ctx context.Context, path string) (Info, error)
	// StatID describes the file or folder with this ID wherever it is now
	// (Info.Path says where); NotFound if it is gone, in the trash or not
	// visible to the caller. The top of the tree is not addressable.
	StatID(ctx context.Context, id NodeID) (Info, error)
	// StatGUID is StatID by Info.GUID; NotFound for a malformed GUID.
	StatGUID(ctx context.Context, guid string) (Info, error)
	// List returns one page of the children of the folder at path.
	// NotFound if absent, Conflict if path is a file.
	List(ctx context.Context, path string, opt ListOptions) (Page, error)
	// Open opens the current version of the file at path for reading.
	// NotFound if absent, Conflict if it is a folder.
	Open(ctx context.Context, path string) (Object, error)
	// OpenVersion opens one version of the file at path.
	OpenVersion(ctx context.Context, path string, version uint64) (Object, error)
	// Put streams r into the file at path: it creates the file, or adds a new
	// version if it exists. Nothing changes unless the whole content is durably
	// stored. The parent folder must exist (NotFound otherwise).
	Put(ctx context.Context, path string, r io.Reader, opt PutOptions) (Info, error)
	// Mkdir creates a folder. Exists if the name is taken; the parent must exist.
	Mkdir(ctx context.Context, path string) (Info, error)
	// MkdirMeta is Mkdir with the folder's metadata set at its creation, as
	// Put sets a new file's (PutOptions.Meta): one change, one audit entry.
	MkdirMeta(ctx context.Context, path string, meta map[string]string) (Info, error)
	// Delete moves a file, or a folder with everything below it, to the
	// caller's trash in one metadata write. With Permanent (administrators
	// only), it destroys them instead.
	Delete(ctx context.Context, path string, opt DeleteOptions) error
	// Move renames or moves a file or folder in one metadata write, whatever
	// its size. Exists if the target name is taken; Conflict if a folder would
	// move into itself.
	Move(ctx context.Context, from, to string) (Info, error)
	// Copy copies a version of a file (the current one unless opt.Version);
	// the content is shared, not duplicated. Exists if the target is a
	// folder; a file target gets a new version.
	Copy(ctx context.Context, from, to string, opt CopyOptions) (Info, error)
	// SetMeta replaces the metadata of one version of a file (0: the
	// current one), or of a folder (version 0), without making a new
	// version.
	SetMeta(ctx context.Context, path string, version uint64, meta map[string]string) (Info, error)
	// Versions lists a file's versions, newest first.
	Versions(ctx context.Context, path string) ([]Version, error)

	// DeleteVersions destroys the given versions of a file. The newest
	// remaining version becomes current; a file keeps at least one version
	// (delete the file instead): Conflict.
	DeleteVersions(ctx context.Context, path string, ids []uint64) error
	// RestoreVersion makes an older version's content current again, as a new
	// version.
	RestoreVersion(ctx context.Context, path string, id uint64) (Info, error)

	// CreateUpload starts a multipart upload of the file at path. The
	// folder must exist and the caller hold the rights Put would need now;
	// they are checked again on completion. opt.Meta is kept for the version.
	CreateUpload(ctx context.Context, path string, opt PutOptions) (Upload, error)
	// UploadPart streams r into part number of an upload, replacing any
	// part of that number. opt.Size, opt.MD5 and opt.SHA256 are checked as in Put.
	// NotFound for an unknown upload or one the caller did not start.
	UploadPart(ctx context.Context, upload string, number int, r io.Reader, opt PutOptions) (Part, error)
	// Upload describes one upload the caller started.
	Upload(ctx context.Context, upload string) (Upload, error)
	// Uploads lists the uploads in progress below the folder at path that
	// the caller started (every caller's, for administrators), by path then
	// initiation time.
	Uploads(ctx context.Context, path string) ([]Upload, error)
	// Parts lists an upload's parts by number.
	Parts(ctx context.Context, upload string) ([]Part, error)
	// CompleteUpload makes the listed parts, in ascending order of number,
	// the new version of the upload's file, in one metadata write; each
	// listed part must exist with the given MD5 (Invalid otherwise). Parts
	// not listed are dropped. opt.IfMatch and opt.IfNoneMatch apply.
	CompleteUpload(ctx context.Context, upload string, parts []Part, opt PutOptions) (Info, error)
	// AbortUpload drops an upload and its parts.
	AbortUpload(ctx context.Context, upload string) error

	// Trash lists the caller's trash, or everyone's (administrators, all).
	Trash(ctx context.Context, all bool) ([]TrashItem, error)
	// TrashVersions lists the versions of a trashed file, newest first: the
	// history S3 shows under a delete marker. NotFound for an item not in
	// the caller's trash (any trash, for administrators); Conflict for a
	// folder.
	TrashVersions(ctx context.Context, id uint64) ([]Version, error)
	// OpenTrashVersion opens one version of a trashed file (0: the one that
	// was current). The caller needs Download in the folder it was deleted
	// from, as if it were still there.
	OpenTrashVersion(ctx context.Context, id uint64, version uint64) (Object, error)
	// Restore puts a trashed item back in its folder, or in the folder at to
	// when set. A name taken meanwhile gets a " (restored)" suffix.
	Restore(ctx context.Context, id uint64, to string) (Info, error)
	// Purge destroys one trashed item and everything below it.
	Purge(ctx context.Context, id uint64) error
	// EmptyTrash destroys the caller's trashed items, or everyone's
	// (administrators, all), and says how many.
	EmptyTrash(ctx context.Context, all bool) (int, error)

	// Lock locks the file or folder at path (the caller needs Edit). Locked
	// if a conflicting lock is held. While locked by someone else, a node
	// refuses writes, moves and deletes from every protocol with Locked.
	Lock(ctx context.Context, path string, opt LockOptions) (Lock, error)
	// RefreshLock extends a lock the caller holds; timeout 0 means the default.
	RefreshLock(ctx context.Context, token string, timeout time.Duration) (Lock, error)
	// Unlock releases a lock: its holder's, or any for an administrator.
	Unlock(ctx context.Context, token string) error
	// Locks lists the locks that apply to the node at path: on it, deep locks
	// on folders above it, and for a folder the locks below it.
	Locks(ctx context.Context, path string) ([]Lock, error)

	// Usage reports the bytes stored under the folder at path (every version,
	// trash excluded) and its own quota.
	Usage(ctx context.Context, path string) (Usage, error)
	// SetQuota sets a folder's own quota (administrators only): bytes, 0 for
	// unlimited, -1 to inherit.
	SetQuota(ctx context.Context, path string, quota int64) error
	// SetPurgeDays sets a folder's purge frequency in days (0: never). The
	// caller needs Delete there.
	SetPurgeDays(ctx context.Context, path string, days int) error
	// Quotas reports the caller's usage and the platform's against their limits.
	Quotas(ctx context.Context) (Quotas, error)

	// Grants lists the rights entries set on the folder at path ("/" included).
	// The caller needs Share there (administrators always may).
	Grants(ctx context.Context, path string) ([]Grant, error)
	// SetGrant sets the complete entry of a user or group on the folder at
	// path; no rights removes the entry. The caller needs Share there and may
	// grant no right it does not hold (administrators may grant anything).
	SetGrant(ctx context.Context, path string, to Subject, r Rights) error
}

// Service hands out namespaces bound to a principal.
type Service interface {
	As(p Principal) Namespace
}
