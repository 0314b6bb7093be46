package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// secretInfo is the HKDF info string of the key that seals S3 secrets.
const secretInfo = "coffre/auth/s3-secret/v1"

// newSealer derives the AES-256-GCM key for S3 secrets from the master key.
func newSealer(masterKey []byte) (cipher.AEAD, error) {
	if len(masterKey) < 32 {
		return nil, fmt.Errorf("auth: master key is %d bytes, need at least 32", len(masterKey))
	}
	key, err := hkdf.Key(sha256.New, masterKey, nil, secretInfo, 32)
	if err != nil {
		return nil, fmt.Errorf("auth: derive key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// seal encrypts plaintext bound to ad; the result is nonce || ciphertext || tag.
func seal(aead cipher.AEAD, plaintext, ad []byte) ([]byte, error) {
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plaintext)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return aead.Seal(nonce, nonce, plaintext, ad), nil
}

var errSealed = errors.New("auth: sealed secret does not decrypt (wrong master key or tampered record)")

// open reverses seal.
func open(aead cipher.AEAD, sealed, ad []byte) ([]byte, error) {
	n := aead.NonceSize()
	if len(sealed) < n+aead.Overhead() {
		return nil, errSealed
	}
	out, err := aead.Open(nil, sealed[:n], sealed[n:], ad)
	if err != nil {
		return nil, errSealed
	}
	return out, nil
}
