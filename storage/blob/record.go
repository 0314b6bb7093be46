package blob

import (
	"encoding/binary"
	"errors"
	"fmt"

	"coffre/storage/erasure"
)

// contentID names the shard files of one stored content.
type contentID [16]byte

// record is the content record stored at h/<hash>; see the package comment.
type record struct {
	inline    bool
	k, m      int
	blockSize int
	size      int64
	refs      int64
	md5       [16]byte
	id        contentID
	wrapped   []byte
}

const recordVersion = 1

func (r *record) layout() erasure.Layout {
	return erasure.Layout{K: r.k, M: r.m, BlockSize: r.blockSize, Overhead: tagSize, Size: r.size}
}

func (r *record) marshal() []byte {
	b := make([]byte, 57+len(r.wrapped))
	b[0] = recordVersion
	if r.inline {
		b[1] = 1
	}
	b[2] = byte(r.k)
	b[3] = byte(r.m)
	binary.LittleEndian.PutUint32(b[4:], uint32(r.blockSize))
	binary.LittleEndian.PutUint64(b[8:], uint64(r.size))
	binary.LittleEndian.PutUint64(b[16:], uint64(r.refs))
	copy(b[24:40], r.md5[:])
	copy(b[40:56], r.id[:])
	b[56] = byte(len(r.wrapped))
	copy(b[57:], r.wrapped)
	return b
}

var errRecord = errors.New("bad content record")

func parseRecord(b []byte) (*record, error) {
	if len(b) < 57 || b[0] != recordVersion || len(b) != 57+int(b[56]) {
		return nil, errRecord
	}
	r := &record{
		inline:    b[1]&1 != 0,
		k:         int(b[2]),
		m:         int(b[3]),
		blockSize: int(binary.LittleEndian.Uint32(b[4:])),
		size:      int64(binary.LittleEndian.Uint64(b[8:])),
		refs:      int64(binary.LittleEndian.Uint64(b[16:])),
		wrapped:   append([]byte(nil), b[57:]...),
	}
	copy(r.md5[:], b[24:40])
	copy(r.id[:], b[40:56])
	if !r.inline {
		if err := r.layout().Validate(); err != nil {
			return nil, fmt.Errorf("%w: %v", errRecord, err)
		}
	}
	return r, nil
}

// header returns the final header of shard i of the content h of r.
func (r *record) header(h Hash, i int) erasure.Header {
	hd := erasure.Header{Version: erasure.FormatVersion, Algo: erasure.ChecksumHighwayHash256, Shard: i,
		K: r.k, M: r.m, Flags: erasure.FlagFinal, ID: r.id, BlockSize: r.blockSize, Overhead: tagSize,
		Size: r.size, Hash: h, MD5: r.md5}
	copy(hd.WrappedKey[:], r.wrapped)
	return hd
}

// recordFromHeader returns the record (with no reference) that a final
// shard header describes.
func recordFromHeader(hd *erasure.Header) (Hash, *record, error) {
	if !hd.Final() {
		return Hash{}, nil, fmt.Errorf("%w: header of an unfinished write", errRecord)
	}
	if hd.Overhead != tagSize {
		return Hash{}, nil, fmt.Errorf("%w: cipher overhead %d", errRecord, hd.Overhead)
	}
	r := &record{k: hd.K, m: hd.M, blockSize: hd.BlockSize, size: hd.Size, md5: hd.MD5, id: hd.ID,
		wrapped: append([]byte(nil), hd.WrappedKey[:]...)}
	return Hash(hd.Hash), r, nil
}

func recordKey(h Hash) []byte { return append([]byte("h/"), h[:]...) }
func inlineKey(h Hash) []byte { return append([]byte("d/"), h[:]...) }
