// Package erasure is Coffre's Reed–Solomon wrapper and the maths of the shard
// file layout. It does no I/O: storage/blob reads and writes the bytes whose
// places this package computes.
//
// # Shard file layout
//
// A content is cut into blocks of Layout.BlockSize plaintext bytes (the last
// block may be shorter). Each block is encrypted (adding Layout.Overhead bytes)
// and the ciphertext is split into K data shards of equal length, padded with
// zeros, from which M parity shards are computed. Shard i of every block goes
// to shard file i:
//
//	offset 0                      Header (HeaderSize bytes, see Header)
//	offset HeaderSize             checksum of block 0 (SumSize bytes) | shard of block 0
//	...                           checksum of block b | shard of block b
//
// The header (format version 2, HeaderSize = 256 bytes) carries everything
// needed to rebuild the content's record without the metadata store,
// including the wrapped data key; see Header.
//
// All blocks but the last have the same shard length, so the offset of any
// block is computable from the layout alone (Layout.ShardOffset). The
// checksum is HighwayHash-256 under a fixed key (Checksum): it detects
// corruption, while authenticity comes from the encryption above.
package erasure
