package erasure

import (
	"fmt"

	"github.com/minio/highwayhash"
)

// SumSize is the length of the checksum that precedes every shard block.
const SumSize = highwayhash.Size

// checksumKey is the fixed HighwayHash key of shard block checksums. It is not
// a secret: checksums detect corruption, they do not authenticate.
var checksumKey = [32]byte{
	0x43, 0x6f, 0x66, 0x66, 0x72, 0x65, 0x2d, 0x73, 0x68, 0x61, 0x72, 0x64, 0x2d, 0x73, 0x75, 0x6d,
	0x9a, 0x1f, 0x54, 0x7e, 0x03, 0xc2, 0x88, 0x31, 0x6d, 0xe4, 0x0b, 0x97, 0x5c, 0x21, 0xfa, 0x66,
}

// ChecksumHighwayHash256 is the checksum algorithm identifier recorded in
// shard headers for Checksum.
const ChecksumHighwayHash256 = 1

// Checksum returns the HighwayHash-256 of p under the fixed shard key.
func Checksum(p []byte) [SumSize]byte {
	k := checksumKey
	return highwayhash.Sum(p, k[:])
}

// Layout describes how one content is cut into blocks and shards.
type Layout struct {
	K, M      int   // data and parity shards per block
	BlockSize int   // plaintext bytes per block (all but the last block are full)
	Overhead  int   // bytes the cipher adds to each block (the GCM tag)
	Size      int64 // plaintext size of the content
}

// Validate reports whether the layout is usable.
func (l Layout) Validate() error {
	switch {
	case l.K < 1 || l.M < 0 || l.K+l.M > 256:
		return fmt.Errorf("erasure: bad shard counts %d+%d", l.K, l.M)
	case l.BlockSize < 1 || l.BlockSize > 1<<30:
		return fmt.Errorf("erasure: bad block size %d", l.BlockSize)
	case l.Overhead < 0 || l.Size < 0:
		return fmt.Errorf("erasure: bad overhead %d or size %d", l.Overhead, l.Size)
	}
	return nil
}

// Blocks returns the number of blocks: 0 for an empty content.
func (l Layout) Blocks() int64 {
	return (l.Size + int64(l.BlockSize) - 1) / int64(l.BlockSize)
}

// PlainLen returns the plaintext length of block b.
func (l Layout) PlainLen(b int64) int {
	rest := l.Size - b*int64(l.BlockSize)
	if rest > int64(l.BlockSize) {
		return l.BlockSize
	}
	return int(rest)
}

// CipherLen returns the encrypted length of block b.
func (l Layout) CipherLen(b int64) int { return l.PlainLen(b) + l.Overhead }

// ShardLen returns the length of one shard of block b.
func (l Layout) ShardLen(b int64) int { return ShardLen(l.CipherLen(b), l.K) }

// ShardLen returns the shard length for n bytes split into k shards.
func ShardLen(n, k int) int { return (n + k - 1) / k }

// fullShardLen is the shard length of a full block.
func (l Layout) fullShardLen() int64 { return int64(ShardLen(l.BlockSize+l.Overhead, l.K)) }

// ShardOffset returns the offset in a shard file of the checksum of block b;
// the shard bytes follow it.
func (l Layout) ShardOffset(b int64) int64 {
	return HeaderSize + b*(SumSize+l.fullShardLen())
}

// ShardFileSize returns the size of a complete shard file.
func (l Layout) ShardFileSize() int64 {
	n := l.Blocks()
	if n == 0 {
		return HeaderSize
	}
	return l.ShardOffset(n-1) + SumSize + int64(l.ShardLen(n-1))
}

// Block returns the block holding plaintext offset off and the offset inside it.
func (l Layout) Block(off int64) (b int64, in int) {
	return off / int64(l.BlockSize), int(off % int64(l.BlockSize))
}
