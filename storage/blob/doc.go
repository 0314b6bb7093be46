// Package blob stores content on drives: it streams a content in blocks,
// encrypts each block (AES-256-GCM under a data key of its own), erasure-codes
// the ciphertext into k data and m parity shards (package erasure) and writes
// shard i to drive i, every shard block preceded by its checksum. Small
// content is stored inline in the metadata store instead. Identical content
// is stored once and reference-counted (the dedup key is the SHA-256 of the
// plaintext). Reads verify every block they read: the cipher's tag
// authenticates the data shards; when it fails, or a shard is missing, the
// shard checksums find the damaged shard, which is reconstructed and
// rewritten in place. A background healer (Run) rebuilds lost shard files,
// and a Scrubber checks every content again, pass after pass, at a bounded
// rate, repairing what it finds.
//
// # Drives
//
// Shard i of a content lives on drive i in one file,
// blobs/<first 2 hex of content id>/<content id hex>; its layout is described
// in package erasure. The content id is random (16 bytes), so two writes of
// the same bytes never share files until Update settles which one is kept.
//
// # Metadata (owned prefixes of storage/meta)
//
//	h/<sha-256, 32 bytes>  content record, binary, little-endian:
//	    0  1  record version (1)
//	    1  1  flags: bit 0 set = inline (the bytes live at d/<sha-256>)
//	    2  1  k (0 when inline)
//	    3  1  m (0 when inline)
//	    4  4  block size (0 when inline)
//	    8  8  plaintext size
//	    16 8  reference count (a record exists only while it is above 0)
//	    24 16 MD5 of the plaintext (the S3 ETag)
//	    40 16 content id
//	    56 1  length L of the wrapped data key
//	    57 L  wrapped data key: 12-byte random nonce | AES-256-GCM(master key,
//	          data key, additional data "coffre-dk" | content id)
//	d/<sha-256, 32 bytes>  inline content: AES-256-GCM(data key, nonce = 0,
//	    plaintext), ciphertext with its 16-byte tag
//	b/heal/<sha-256, 32 bytes>  empty: the content lost a shard file and
//	    waits for Run to heal it (the heal queue survives restarts)
//	b/scrub/pass  the Scrubber's pass in progress, JSON (ScrubPass): when it
//	    started, what it counted so far, and its cursor (hex hash of the
//	    next content to check), saved every few seconds so that a restart
//	    resumes there; deleted when the pass ends
//	b/scrub/last  the last complete pass, JSON (ScrubPass): when it started
//	    and finished and what it counted; the next pass starts an interval
//	    after it finished
//
// Shard blocks are encrypted with the data key, nonce = the block index as a
// 12-byte big-endian number, no additional data. A drive folder alone reveals
// nothing: the data keys are stored only wrapped by the master key, which is
// kept out of the drives.
//
// # Recovery
//
// Every shard header (package erasure, format version 2) repeats what the
// content record holds but the reference count: k, m, block size, size,
// SHA-256, MD5, content id and the same 60-byte wrapped data key. The
// final header is written before the shard file's fsync, so a durable shard
// file describes its content completely; a header without the final flag is
// a write that never finished. ScanHeaders walks the drives and yields the
// headers; Restore turns one into a record. A lost metadata store is rebuilt
// from its newest checkpoint plus the headers of contents written since
// (inline content lives only in the metadata store and the checkpoint).
//
// # Writing
//
// A write to drives runs as a pipeline: the caller's goroutine reads blocks;
// MD5 (the S3 ETag) and SHA-256 run in a goroutine each; one goroutine
// encrypts and erasure-codes; one goroutine per drive checksums and writes,
// and a local drive's shard file is fdatasynced every 16 MiB by a goroutine
// of its own, so that the disk persists the content while it streams and
// the final fsync is short; what is synced leaves the page cache (localFile
// says why).
//
// MD5, the costliest step, is the standard library's, one per write.
// minio/md5-simd's multi-lane server, shared by concurrent writes, made S3
// PUTs slower end to end, its one goroutine tying the writes together on 2
// cores: coffrebench --only s3, four interleaved pairs of runs, PUT 64 MiB x
// 4 268 -> 300 MiB/s (CPU per object 387 -> 349 ms) and PUT 1 MiB x 16
// 109 -> 122 /s (8.8 -> 7.1 ms).
//
// # Concurrency
//
// A Store is safe for concurrent use. Reference counts change only through
// Update, which holds a lock per hash until the caller has committed (or
// dropped) its batch, so read-modify-write of records is serialised.
package blob
