// Package audit is Coffre's audit log: every change and every access that the
// product documents (login, upload, download, delete, restore, lock, right
// change, share link access, …) becomes an Entry, stored in the metadata store
// (storage/meta), queryable by time range, user, type and object, and pruned
// after a retention period.
//
// A change records its entry with Add, in the same batch as the change, so the
// two commit or vanish together; an access that changes nothing (a download, a
// failed login) records its entry with Record. Query pages through entries in
// either direction of time with an opaque cursor. Run prunes in the
// background.
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
// key's tail, so a query by index reads the entry with one point lookup. Five
// keys per entry (four when anonymous) keep an upload's extra write small;
// copying the entry into every index would make queries by user or type
// about twice as fast at three times the bytes written per entry, and the log
// is written far more often than it is read.
//
// storage/meta scans forward only, so a newest-first query reads windows of
// time backwards from its upper bound, each window forward, growing the window
// while it finds too little and shrinking it to what a bounded buffer holds
// when it finds too much.
package audit
