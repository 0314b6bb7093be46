package erasure

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
)

// HeaderSize is the fixed size of the header that starts every shard file.
const HeaderSize = 128

// Magic starts every shard file.
const Magic = "COFFRESH"

// FormatVersion is the shard file format this package writes.
const FormatVersion = 1

// Header is the self-describing start of a shard file: with it, fsck finds
// orphans and a lost metadata store can be rebuilt from the drives.
//
// Encoding (little-endian), HeaderSize bytes:
//
//	0   8  magic "COFFRESH"
//	8   2  format version
//	10  1  checksum algorithm id (ChecksumHighwayHash256)
//	11  1  shard index
//	12  1  k
//	13  1  m
//	14  2  reserved (zero)
//	16  16 content id
//	32  4  block size
//	36  4  cipher overhead per block
//	40  8  plaintext size
//	48  32 SHA-256 of the plaintext
//	80  16 reserved (zero)
//	96  32 Checksum of bytes 0..96
type Header struct {
	Version   int
	Algo      int
	Shard     int
	K, M      int
	ID        [16]byte
	BlockSize int
	Overhead  int
	Size      int64
	Hash      [32]byte
}

// ErrHeader reports a shard header that is not valid.
var ErrHeader = errors.New("erasure: bad shard header")

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
	copy(b[16:32], h.ID[:])
	binary.LittleEndian.PutUint32(b[32:], uint32(h.BlockSize))
	binary.LittleEndian.PutUint32(b[36:], uint32(h.Overhead))
	binary.LittleEndian.PutUint64(b[40:], uint64(h.Size))
	copy(b[48:80], h.Hash[:])
	sum := Checksum(b[:96])
	copy(b[96:], sum[:])
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
	sum := Checksum(b[:96])
	if !bytes.Equal(sum[:], b[96:128]) {
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
	copy(h.ID[:], b[16:32])
	h.BlockSize = int(binary.LittleEndian.Uint32(b[32:]))
	h.Overhead = int(binary.LittleEndian.Uint32(b[36:]))
	h.Size = int64(binary.LittleEndian.Uint64(b[40:]))
	copy(h.Hash[:], b[48:80])
	if h.Algo != ChecksumHighwayHash256 || h.Shard >= h.K+h.M {
		return h, fmt.Errorf("%w: algorithm %d shard %d", ErrHeader, h.Algo, h.Shard)
	}
	if err := h.Layout().Validate(); err != nil {
		return h, fmt.Errorf("%w: %v", ErrHeader, err)
	}
	return h, nil
}
