package blob

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"

	"coffre/storage/erasure"
)

// tagSize is what AES-GCM adds to every block.
const tagSize = 16

// wrapAD prefixes the additional data of a wrapped data key.
const wrapAD = "coffre-dk"

// newGCM returns AES-256-GCM under key.
func newGCM(key []byte) (cipher.AEAD, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("key of %d bytes, need 32", len(key))
	}
	c, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(c)
}

// blockNonce returns the nonce of block b: its index, 12 bytes big-endian.
// Safe because each data key encrypts one content only.
func blockNonce(b int64) []byte {
	var n [12]byte
	binary.BigEndian.PutUint64(n[4:], uint64(b))
	return n[:]
}

// newDataKey returns a fresh random data key and its cipher.
func newDataKey() ([]byte, cipher.AEAD, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, nil, err
	}
	aead, err := newGCM(key)
	return key, aead, err
}

func wrapData(id contentID) []byte { return append([]byte(wrapAD), id[:]...) }

// wrapKey encrypts a data key under the master key: nonce | ciphertext.
func (s *Store) wrapKey(key []byte, id contentID) ([]byte, error) {
	out := make([]byte, 12, 12+len(key)+tagSize)
	if _, err := rand.Read(out); err != nil {
		return nil, err
	}
	out = s.master.Seal(out, out[:12], key, wrapData(id))
	if len(out) != erasure.WrappedKeySize {
		return nil, fmt.Errorf("wrapped key of %d bytes, shard headers hold %d", len(out), erasure.WrappedKeySize)
	}
	return out, nil
}

// unwrapKey returns the cipher of a content from its wrapped data key.
func (s *Store) unwrapKey(wrapped []byte, id contentID) (cipher.AEAD, error) {
	if len(wrapped) < 12+tagSize {
		return nil, errors.New("wrapped key too short")
	}
	key, err := s.master.Open(nil, wrapped[:12], wrapped[12:], wrapData(id))
	if err != nil {
		return nil, fmt.Errorf("unwrap data key: %w", err)
	}
	return newGCM(key)
}
