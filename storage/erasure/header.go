package erasure

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// HeaderSize is the fixed size of the header that starts every shard file.
const HeaderSize = 256

// Magic starts every shard file.
const Magic = "COFFRESH"

// FormatVersion is the shard file format this package writes and reads.
// Version 2 added the MD5, the final flag and the wrapped data key, and grew
// the header from 128 to 256 bytes; version 1 was never released.
const FormatVersion = 2

// WrappedKeySize is the length of the wrapped data key a header carries:
// a 12-byte nonce, then the 32-byte data key sealed by AES-256-GCM under the
// master key (16-byte tag). This package treats it as opaque bytes.
const WrappedKeySize = 12 + 32 + 16

// Header flags.
const (
	// FlagFinal says the content is complete: Size, Hash and MD5 are set.
	// A header without it belongs to a write that never finished.
	FlagFinal = 1 << 0
)

// Header is the self-describing start of a shard file: with it, fsck finds
// orphans and a lost metadata store can be rebuilt from the drives (the
// content record is the header plus a reference count; the data key is
// recovered by unwrapping WrappedKey with the master key).
//
// Encoding (little-endian), HeaderSize bytes:
//
//	0   8  magic "COFFRESH"
//	8   2  format version (2)
//	10  1  checksum algorithm id (ChecksumHighwayHash256)
//	11  1  shard index
//	12  1  k
//	13  1  m
//	14  1  flags: bit 0 = final (size, SHA-256 and MD5 are set)
//	15  1  reserved (zero)
//	16  16 content id
//	32  4  block size
//	36  4  cipher overhead per block
//	40  8  plaintext size
//	48  32 SHA-256 of the plaintext (the dedup key)
//	80  16 MD5 of the plaintext (the S3 ETag)
//	96  60 wrapped data key (WrappedKeySize bytes, opaque here)
//	156 68 reserved (zero)
//	224 32 Checksum of bytes 0..224
//
// A writer writes the header with the final flag clear when it creates the
// file, and rewrites it with the flag, the size and both hashes before the
// file's final fsync.
type Header struct {
	Version    int
	Algo       int
	Shard      int
	K, M       int
	Flags      int
	ID         [16]byte
	BlockSize  int
	Overhead   int
	Size       int64
	Hash       [32]byte
	MD5        [16]byte
	WrappedKey [WrappedKeySize]byte
}

// ErrHeader reports a shard header that is not valid.
var ErrHeader = errors.New("erasure: bad shard header")

// headerSumAt is the offset of the header checksum.
const headerSumAt = HeaderSize - SumSize

// Final reports whether the header describes a complete content.
func (h *Header) Final() bool { return h.Flags&FlagFinal != 0 }

// Layout returns the layout the header describes.
func (h *Header) Layout() Layout {
	return Layout{K: h.K, M: h.M, BlockSize: h.BlockSize, Overhead: h.Overhead, Size: h.Size}
}

// Marshal encodes h into b, which must hold HeaderSize bytes.
func (h *Header) Marshal(b []byte) {
	b = b[:HeaderSize]
	clear(b)
	copy(b, Magic)
	binary.LittleEndian.PutUint16(b[8:], uint16(h.Version))
	b[10] = byte(h.Algo)
	b[11] = byte(h.Shard)
	b[12] = byte(h.K)
	b[13] = byte(h.M)
	b[14] = byte(h.Flags)
	copy(b[16:32], h.ID[:])
	binary.LittleEndian.PutUint32(b[32:], uint32(h.BlockSize))
	binary.LittleEndian.PutUint32(b[36:], uint32(h.Overhead))
	binary.LittleEndian.PutUint64(b[40:], uint64(h.Size))
	copy(b[48:80], h.Hash[:])
	copy(b[80:96], h.MD5[:])
	copy(b[96:96+WrappedKeySize], h.WrappedKey[:])
	sum := Checksum(b[:headerSumAt])
	copy(b[headerSumAt:], sum[:])
}

// ParseHeader decodes and checks a header.
func ParseHeader(b []byte) (Header, error) {
	var h Header
	if len(b) < HeaderSize {
		return h, fmt.Errorf("%w: %d bytes", ErrHeader, len(b))
	}
	if string(b[:8]) != Magic {
		return h, fmt.Errorf("%w: magic", ErrHeader)
	}
	sum := Checksum(b[:headerSumAt])
	if !bytes.Equal(sum[:], b[headerSumAt:HeaderSize]) {
		return h, fmt.Errorf("%w: checksum", ErrHeader)
	}
	h.Version = int(binary.LittleEndian.Uint16(b[8:]))
	if h.Version != FormatVersion {
		return h, fmt.Errorf("%w: version %d", ErrHeader, h.Version)
	}
	h.Algo = int(b[10])
	h.Shard = int(b[11])
	h.K = int(b[12])
	h.M = int(b[13])
	h.Flags = int(b[14])
	copy(h.ID[:], b[16:32])
	h.BlockSize = int(binary.LittleEndian.Uint32(b[32:]))
	h.Overhead = int(binary.LittleEndian.Uint32(b[36:]))
	h.Size = int64(binary.LittleEndian.Uint64(b[40:]))
	copy(h.Hash[:], b[48:80])
	copy(h.MD5[:], b[80:96])
	copy(h.WrappedKey[:], b[96:96+WrappedKeySize])
	if h.Algo != ChecksumHighwayHash256 || h.Shard >= h.K+h.M || h.Flags&^FlagFinal != 0 {
		return h, fmt.Errorf("%w: algorithm %d shard %d flags %#x", ErrHeader, h.Algo, h.Shard, h.Flags)
	}
	if err := h.Layout().Validate(); err != nil {
		return h, fmt.Errorf("%w: %v", ErrHeader, err)
	}
	return h, nil
}
