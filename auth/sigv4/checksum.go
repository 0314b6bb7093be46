package sigv4

import (
	"crypto/sha1"
	"crypto/sha256"
	"hash"
	"hash/crc32"
	"hash/crc64"
)

// crc64NVME is the reflected polynomial of CRC-64/NVME (normal form
// 0xAD93D23594C935A9), the checksum S3 calls CRC64NVME.
const crc64NVME = 0x9A6C9329AC4BC9B5

// newChecksum returns a fresh hash for a trailing checksum header name, or
// nil for an unknown name. Its Sum is the big-endian digest whose base64
// (standard alphabet, padded) S3 clients send.
func newChecksum(name string) hash.Hash {
	switch name {
	case "x-amz-checksum-crc32":
		return crc32.NewIEEE()
	case "x-amz-checksum-crc32c":
		return crc32.New(crc32.MakeTable(crc32.Castagnoli))
	case "x-amz-checksum-crc64nvme":
		return crc64.New(crc64.MakeTable(crc64NVME))
	case "x-amz-checksum-sha1":
		return sha1.New()
	case "x-amz-checksum-sha256":
		return sha256.New()
	}
	return nil
}
