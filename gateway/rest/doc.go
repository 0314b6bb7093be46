// Package rest serves Coffre's REST API under /api/: the NetExplorer-style
// core (see ../shared/api/README.md beside the repository and
// netexplorer-reference.md), over the same namespace as S3 and WebDAV.
//
// # Shape of the package
//
// Routing uses net/http.ServeMux patterns ("GET /api/folder/{id}"). Each
// group of endpoints lives in its own file and registers its routes from
// routes.go. A handler is a func(*call) error: the call carries the request,
// the authenticated principal, its namespace and the language of messages;
// a returned error is translated once, in errors.go, into the status and the
// body {"message": ..., "errors": {field: [...]}}.
//
// # Identifiers
//
// Folders and files are addressed by their node ID (storage.NodeID), which
// survives renames and moves: a File's "id" is the file's node ID, the same
// for all its versions (versions carry their own "version_id"). Objects also
// carry the node's "guid". Users and groups have string IDs ("u-…", "g-…").
//
// # Conventions (settled in ../shared/api/README.md)
//
//   - Lists: offset (default 0) and limit (default 30, at most 1000), answered
//     in the envelope {offset_start, nb_objects, nb_objets, nb_total_objects,
//     objects}.
//   - Modes: full=1 adds the full-mode fields; light=1 drops creation,
//     owner and owner_id (and a folder's modification; a file keeps it, as
//     the seed's File table says).
//   - Dates: ISO 8601 with offset ("2015-08-01T02:00:00+02:00").
//   - Messages: French by default, English when Accept-Language prefers it
//     or the user's language is "en".
//   - Authentication: POST /api/auth {user, password} returns {token}; send it
//     as "Authorization: Bearer <token>" or in the legacy "Token:" header.
package rest
