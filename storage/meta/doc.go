// Package meta is Coffre's metadata store: an ordered key-value store on disk,
// backed by Pebble (github.com/cockroachdb/pebble/v2). It is the only package
// that imports Pebble; everything above sees keys, values, scans and batches.
//
// Counters are values changed by Batch.Add without reading them (a Pebble
// merge operator sums the deltas); they must only ever be written by Add.
//
// A batch is committed with sync: when Commit returns, the change survives a
// crash. Batches are atomic but not isolated, so every read-modify-write above
// this package holds a lock on the keys it decides on.
//
// # Key layout
//
// Every key starts with a one-byte prefix and a slash. Integers are 8-byte
// big-endian so that byte order is numeric order. The owner of each prefix is
// the only package that reads or writes it.
//
//	prefix  owner           key                                  value
//	c/      storage/engine  c/<parent id><name>                  node record (binary, engine/codec.go) of the child <name>: the tree;
//	                                                             a prefix scan lists a folder in byte order of names
//	n/      storage/engine  n/<node id>                          <parent id><name>: finds a node's c/ key by ID
//	g/      storage/engine  g/<guid, 16 bytes>                   <node id>
//	v/      storage/engine  v/<file id><^version id>             version record (binary); the inverted ID lists newest first
//	s/      storage/engine  s/ids                                high-water mark of node and version IDs (IDs are
//	                                                             handed out from memory in ranges below it)
//	        storage/engine  s/top                                record of "/": the rights entries at the top
//	r/      storage/engine  r/<u|g><subject id>\x00<folder id>   empty: the folders carrying an entry for a user or
//	                                                             group (who may traverse what)
//	t/      storage/engine  t/i/<item id>                        user ID whose trash holds the item
//	                        t/u/<user id>\x00<item id>           trash record (JSON): the node record, where it was
//	q/      storage/engine  q/f/<folder id>, q/u/<user id>, q/p  usage counters (see Counters): bytes under a folder,
//	                                                             written by a user, on the platform
//	l/      storage/lock    l/<lock token>                       lock record (JSON)
//	e/      storage/audit   e/t/<time><id>                       audit entry; e/i/, e/u/, e/k/, e/o/ index it by ID,
//	                                                             user, type and object; e/s/floor (see package audit)
//	p/      storage/engine  p/<folder id>                        a folder's purge frequency in days (8 bytes)
//	u/      storage/engine  u/u/<upload id, 16 bytes>            multipart upload record (JSON): its folder, the file's
//	                                                             path, who started it and when, the version's metadata
//	                        u/p/<upload id><number, 4 bytes>     part record (JSON): size, MD5, content hash; each
//	                                                             holds one reference to its content
//	h/      storage/blob    h/<sha-256 of plaintext, 32 bytes>   content record: content ID, size, layout, wrapped
//	                                                             data key, reference count
//	d/      storage/blob    d/<sha-256, 32 bytes>                inline content (encrypted), for content below the
//	                                                             inline limit
//	b/      storage/blob    b/heal/<sha-256, 32 bytes>           empty: content that lost a shard, for the healer
//	                        b/scrub/pass, b/scrub/last           the scrubber's pass in progress (with its cursor) and
//	                                                             its last complete pass (JSON, see package blob)
//	w/      shares          w/l/, w/k/, w/o/, w/c/, w/e/, w/t/,  share and deposit links: records, key hashes, indexes by
//	                        w/s/last                             owner and client, statistics, access and consent tokens (see package shares)
//	a/      auth            a/...                                users, credentials, keys (see package auth)
//	m/      annotation      m/i/<id>, m/t/<target><id>, m/s/last annotations (JSON), indexed by file or folder
//	x/      settings        x/config                             the runtime platform settings (JSON)
//	                        x/platform                           the platform configuration of /api/v1/platform-config (JSON)
//	y/      billing         y/stripe                             the billing (Stripe) settings (JSON), secrets sealed (see package billing)
//	z/      storage/meta    z/probe                              rewritten by Check (readiness probe)
package meta
