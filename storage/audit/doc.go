// Package audit is Coffre's audit log: every change and every access that the
// product documents (login, upload, download, delete, restore, lock, right
// change, share link access, …) becomes an Entry, stored in the metadata store
// (storage/meta), queryable by time range, user, type and object, and pruned
// after a retention period.
//
// A change records its entry with Add, in the same batch as the change, so the
// two commit or vanish together; an access that changes nothing (a download, a
// failed login) records its entry with Record. Query pages through entries in
// either direction of time with an opaque cursor. PruneExpired, which the
// server runs on a schedule, drops the entries past the retention.
//
// # One entry per action
//
// An auditor reads one entry for each action a user sees, whatever the
// protocol (checked end to end by cmd/coffre/audit_e2e_test.go):
//
//   - A login is one entry, success or failure; a failure on an existing
//     account names it (UserID). REST /api/auth is a login each time. WebDAV
//     sends the password with every request: each verification of it (about
//     once a minute of activity, auth's cache) is a login, not each request.
//     S3 signs every request and has no login entries.
//   - An upload is one entry when the new version commits: a PUT, a REST
//     upload, an S3 multipart upload at its completion (its parts are none).
//   - A download is one entry per content opened: a GET, a Range GET (each
//     request), a file of an archive. A HEAD reads no content and is none.
//   - Through a share link, the visitor ("share:<link id>") downloads and
//     uploads as share_link_download and share_link_upload, one per file;
//     opening the link is a share_link_access, except for a request that only
//     downloads or uploads; a refused opening is one too.
//   - A refusal of the rights model is one denied entry on the node refused
//     (object 0 only for a node not yet created).
//   - Every entry names the address without its port.
//   - A folder made with metadata (an S3 key ending in "/", whose folder
//     carries S3's directory marker) is one folder_create
//     (storage.Namespace.MkdirMeta).
//
// # IDs
//
// An entry's ID is the log's clock in microseconds since 1970, or the previous
// ID plus one when that is not larger: IDs are unique, increase with time and
// stay below 2^53 (they survive a JSON number in a browser) until the year
// 2255. Nothing is written per ID: New finds the largest ID in the store (a
// binary search over the e/i/ keys, 64 seeks) and the largest ID ever pruned
// (e/s/floor), and starts above both, so IDs increase across restarts even if
// the clock went back. Only one Log may use a store at a time.
//
// # Key layout
//
// All keys start with "e/"; this package is the only one that reads or writes
// them. <t> is the entry's time in nanoseconds since 1970 as 8 bytes
// big-endian with the sign bit flipped (byte order is time order, also before
// 1970); <id> and <object> are 8-byte big-endian. A user ID or a type never
// contains the byte 0 in practice; if one does, the fixed-size tail of the
// index keys still tells the entries apart.
//
//	e/t/<t><id>                   the entry (binary, see encode.go): the primary order, by time
//	e/i/<id>                      <t>: finds an entry by ID (Get), and the largest ID at start
//	e/u/<user>\x00<t><id>         empty: entries of one user by time (not written for anonymous)
//	e/k/<type>\x00<t><id>         empty: entries of one type by time
//	e/o/<object><t><id>           empty: entries about one object by time (not written for object 0)
//	e/s/floor                     8 bytes: the largest ID that Prune removed
//
// Index values are empty: the index key holds <t><id>, which is the primary
// key's tail, so a query by index reads each entry with one point lookup
// (readers also accept an index value that holds the entry). Measured with
// BenchmarkQuery (100,000 entries, pages of 100): copying the entry into
// every index made a page by user or by type about 6 times faster (2 ms to
// 0.3 ms) for about 2.6 times the bytes per entry (about 260 bytes with five
// keys against about 680); the log is written on every change and read by
// administrators, so the indexes point.
//
// Values are a small binary encoding (encode.go): 141 bytes and 40-60 ns for
// a typical upload entry, against 312 bytes and 1.1 µs for encoding/json
// (BenchmarkEncode).
//
// storage/meta scans forward only, so a newest-first query reads windows of
// time backwards from its upper bound, each window forward, keeping the newest
// keys of each in a bounded buffer: a window that overflows the buffer gives
// way to one as long as the part it kept, one that finds too little grows 4
// times, and an empty one is followed by a binary search (one seek per bit of
// time, down to about a second) for the newest key below it. A reverse
// iterator in storage/meta would replace all of this with one seek.
package audit
