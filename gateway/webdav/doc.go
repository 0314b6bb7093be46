// Package webdav is Coffre's WebDAV front end (RFC 4918, classes 1 and 2),
// served under a prefix (/dav/ by default) on the main HTTP listener: the
// prefix itself lists the caller's root folders, /dav/<root>/<path> is the
// tree.
//
// It is built on golang.org/x/net/webdav: FileSystem, File and LockSystem
// implement that package's interfaces over a storage.Namespace bound to the
// authenticated caller, and PROPPATCH is served by webdav.Handler. The
// other methods are served here, because the package's own handlers lose
// data or scale badly against a real store:
//
//   - PUT streams the body straight into Namespace.Put with the announced
//     length, so that a short or interrupted body changes nothing (the
//     package's handler closes, and so commits, the file even when the copy
//     fails); If-Match and If-None-Match are honoured (412).
//   - GET and HEAD answer ranges and conditions with http.ServeContent; a
//     plain GET of a whole file writes each 1 MiB chunk as it is read,
//     without ServeContent's copy through a 32 KiB buffer.
//   - PROPFIND refuses Depth: infinity and a missing Depth (403
//     propfind-finite-depth), and answers Depth 1 from paged listings,
//     never opening a child: ETags are version hashes, and the quota
//     properties of RFC 4331 come from the namespace's quotas and the
//     drives' room (Options.Room): quota-available-bytes is the smallest
//     of what they allow, answered even where no quota is set.
//   - COPY and MOVE are namespace operations: a file copy shares content,
//     a move is one metadata write, and a file moved or copied onto an
//     existing file becomes a new version of it. A folder copy that fails
//     on some members copies the rest and answers 207 naming them.
//   - LOCK, UNLOCK and the If: header work on the namespace's one lock
//     table, so a WebDAV lock stops S3 and REST writers and a lock taken
//     through them makes WebDAV writes fail with 423; shared locks are
//     supported. A delete ends the locks on what it deletes (the
//     namespace, for every protocol); the namespace keeps a lock on its node
//     wherever a move takes it, so a WebDAV MOVE deletes the locks rooted
//     where it unmaps, since a lock does not move with its resource (RFC
//     4918 §7.6).
//
// Status codes come from storage error kinds in one function (status, in
// errors.go). What the caller may not see answers 404.
//
// # Dead properties
//
// Properties set with PROPPATCH are kept in the namespace's metadata
// (storage.Info.Meta): a folder's own metadata, or a file's current
// version's. The key is "dav:" followed by the property's name in Clark
// notation ("dav:{urn:schemas-microsoft-com:}Win32LastModifiedTime"); the
// value is the property's XML content, self-contained (namespace
// declarations included). A PUT carries a file's dead properties over to
// the new version; COPY copies them. The content type a client sends with
// PUT is kept under "content-type", the key the S3 front end uses.
//
// # Authentication
//
// Every request but an anonymous OPTIONS needs credentials: HTTP Basic
// (login and password, checked by the auth service with its cache; an API
// token is also accepted as the password of its owner's login, for clients
// that can send nothing else) or a bearer token. Missing or wrong
// credentials get 401 with a Basic challenge. OPTIONS without credentials
// answers the DAV headers, so that clients probing the server (Windows,
// Office) do not loop on credential prompts.
package webdav
