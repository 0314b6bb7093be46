// Package engine implements storage.Service: the one namespace of folders,
// files and versions that every front end uses.
//
// The tree lives in the metadata store (see storage/meta's doc.go for the key
// layout): a folder's children are the keys c/<folder id><name>, each holding
// the child's node record, so a listing is one ordered scan and a move or
// rename is one batch of three keys whatever the size of the subtree. Content
// lives in storage/blob, referenced by its SHA-256: copies share content.
//
// Concurrency. Pebble batches are atomic but not isolated, so every
// read-decide-write holds locks: an exclusive tree lock for changes that
// rearrange ancestry (moving or deleting a folder), and otherwise the shared
// tree lock plus a striped lock per (folder, name). Content is streamed to the
// drives before any lock is taken; only the metadata decision and its commit
// run under locks, and concurrent commits share one sync.
package engine
