package main

import (
	"bufio"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
)

// Sealed checkpoints. The metadata store holds the names, the users with
// their password hashes, the rights and the audit log in clear; a checkpoint
// or a backup of it is therefore written sealed, so that a drive folder, or a
// backup copied elsewhere, alone reveals nothing (the promise of
// storage/blob's doc.go). Pebble makes the checkpoint in a staging folder
// beside the metadata store (checkpoint.go), never on a drive; each of its
// files is then sealed into the destination.
//
// Keys are derived from the master key with HKDF-SHA-256:
//
//	file key      salt = the checkpoint's random 32-byte ID (manifest "id"),
//	              info "coffre/checkpoint/v1": each checkpoint has its own
//	manifest key  no salt, info "coffre/checkpoint/v1/manifest"
//
// A sealed file, named as the Pebble file it holds:
//
//	8 bytes  sealMagic
//	8 bytes  random nonce prefix, one per file
//	chunks   sealChunk bytes of plaintext each, the last one shorter (maybe
//	         empty), sealed with AES-256-GCM (16-byte tag added):
//	         nonce = prefix | chunk index (4 bytes, big-endian),
//	         additional data = file name | 0 | chunk index (8 bytes,
//	         big-endian) | 1 for the last chunk, 0 before it
//
// A flipped byte, chunks reordered or taken from another file, a renamed
// file and a file cut anywhere (the last chunk left lacks the final flag)
// all fail to open, as does a wrong master key. The manifest stays readable
// (layout, time, version: no secret), lists the files with their plaintext
// sizes and carries an HMAC-SHA-256 under the manifest key, so that a forged
// or edited manifest is refused; one swapped in from another checkpoint
// names another ID, whose key opens none of the files beside it.
const (
	sealMagic       = "CFSEAL\x00\x01"
	sealChunk       = 64 << 10
	sealIDSize      = 32
	sealInfo        = "coffre/checkpoint/v1"
	manifestMACInfo = "coffre/checkpoint/v1/manifest"
)

// errSealBroken says that a sealed file or manifest does not authenticate:
// it was damaged, or sealed under another master key.
var errSealBroken = errors.New("does not authenticate")

// sealedFile is a file of a sealed checkpoint, as its manifest lists it.
type sealedFile struct {
	Name string `json:"name"` // slash-separated, relative to meta/
	Size int64  `json:"size"` // of the plaintext
}

// checkpointAEAD returns the cipher of the files of the checkpoint id.
func checkpointAEAD(master, id []byte) (cipher.AEAD, error) {
	key, err := hkdf.Key(sha256.New, master, id, sealInfo, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func chunkNonce(prefix []byte, i uint64) []byte {
	return binary.BigEndian.AppendUint32(append(make([]byte, 0, 12), prefix...), uint32(i))
}

func chunkAD(name string, i uint64, final bool) []byte {
	ad := binary.BigEndian.AppendUint64(append([]byte(name), 0), i)
	if final {
		return append(ad, 1)
	}
	return append(ad, 0)
}

// atEnd says whether r has nothing more to read.
func atEnd(r *bufio.Reader) (bool, error) {
	_, err := r.Peek(1)
	if err == io.EOF {
		return true, nil
	}
	return false, err
}

// sealFile writes r to w sealed under aead as the file name.
func sealFile(w io.Writer, r io.Reader, aead cipher.AEAD, name string) (size int64, err error) {
	prefix := make([]byte, 8)
	rand.Read(prefix)
	if _, err := w.Write(append([]byte(sealMagic), prefix...)); err != nil {
		return 0, err
	}
	br := bufio.NewReaderSize(r, sealChunk)
	buf := make([]byte, sealChunk, sealChunk+aead.Overhead())
	for i := uint64(0); ; i++ {
		if i > math.MaxUint32 {
			return size, fmt.Errorf("%s: too large to seal", name)
		}
		n, err := io.ReadFull(br, buf[:sealChunk])
		if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
			return size, err
		}
		final := n < sealChunk
		if !final {
			if final, err = atEnd(br); err != nil {
				return size, err
			}
		}
		if _, err := w.Write(aead.Seal(buf[:0], chunkNonce(prefix, i), buf[:n], chunkAD(name, i, final))); err != nil {
			return size, err
		}
		size += int64(n)
		if final {
			return size, nil
		}
	}
}

// unsealFile writes to w the plaintext of the file name sealed in r;
// errSealBroken when it does not authenticate. What was written before the
// failure is not to be used.
func unsealFile(w io.Writer, r io.Reader, aead cipher.AEAD, name string) (size int64, err error) {
	head := make([]byte, len(sealMagic)+8)
	if _, err := io.ReadFull(r, head); err == io.EOF || err == io.ErrUnexpectedEOF {
		return 0, fmt.Errorf("%s: %w: shorter than its header", name, errSealBroken)
	} else if err != nil {
		return 0, err
	}
	if string(head[:len(sealMagic)]) != sealMagic {
		return 0, fmt.Errorf("%s: %w: not a sealed checkpoint file", name, errSealBroken)
	}
	prefix := head[len(sealMagic):]
	br := bufio.NewReaderSize(r, sealChunk+aead.Overhead())
	buf := make([]byte, sealChunk+aead.Overhead())
	for i := uint64(0); i <= math.MaxUint32; i++ {
		n, err := io.ReadFull(br, buf)
		if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
			return size, err
		}
		final := n < len(buf)
		if !final {
			if final, err = atEnd(br); err != nil {
				return size, err
			}
		}
		plain, err := aead.Open(buf[:0], chunkNonce(prefix, i), buf[:n], chunkAD(name, i, final))
		if err != nil {
			return size, fmt.Errorf("%s: %w: chunk %d", name, errSealBroken, i)
		}
		if _, err := w.Write(plain); err != nil {
			return size, err
		}
		size += int64(len(plain))
		if final {
			return size, nil
		}
	}
	return size, fmt.Errorf("%s: %w: no final chunk", name, errSealBroken)
}

// sealTree seals every file of the folder src into the new folder dst and
// records them, with the checkpoint's ID and MAC, in man.
func sealTree(src, dst string, man *manifest, master []byte) error {
	id := make([]byte, sealIDSize)
	rand.Read(id)
	aead, err := checkpointAEAD(master, id)
	if err != nil {
		return err
	}
	man.ID, man.Files = hex.EncodeToString(id), nil
	var dirs []string
	err = filepath.WalkDir(src, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		switch {
		case e.IsDir():
			dirs = append(dirs, target)
			return os.MkdirAll(target, 0o700)
		case !e.Type().IsRegular():
			return fmt.Errorf("%s: not a regular file", p)
		}
		name := filepath.ToSlash(rel)
		size, err := convertFile(p, target, func(w io.Writer, r io.Reader) (int64, error) { return sealFile(w, r, aead, name) })
		man.Files = append(man.Files, sealedFile{Name: name, Size: size})
		return err
	})
	if err != nil {
		return err
	}
	if man.MAC, err = man.mac(master); err != nil {
		return err
	}
	return syncDirs(dirs)
}

// unsealTree opens every file that the verified manifest man lists from the
// folder src into the folder dst (created if needed). An error wrapping
// errSealBroken means the checkpoint is damaged or sealed under another
// master key.
func unsealTree(src, dst string, man manifest, master []byte) error {
	id, err := hex.DecodeString(man.ID)
	if err != nil || len(id) != sealIDSize {
		return fmt.Errorf("manifest: %w: checkpoint ID %q", errSealBroken, man.ID)
	}
	aead, err := checkpointAEAD(master, id)
	if err != nil {
		return err
	}
	dirs := []string{dst}
	if err := os.MkdirAll(dst, 0o700); err != nil {
		return err
	}
	for _, f := range man.Files {
		rel := filepath.FromSlash(f.Name)
		if !filepath.IsLocal(rel) {
			return fmt.Errorf("manifest: %w: file name %q", errSealBroken, f.Name)
		}
		target := filepath.Join(dst, rel)
		if dir := filepath.Dir(target); dir != dst {
			dirs = append(dirs, dir)
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return err
			}
		}
		size, err := convertFile(filepath.Join(src, rel), target, func(w io.Writer, r io.Reader) (int64, error) { return unsealFile(w, r, aead, f.Name) })
		if err == nil && size != f.Size {
			err = fmt.Errorf("%s: %w: %d bytes, the manifest says %d", f.Name, errSealBroken, size, f.Size)
		}
		if err != nil {
			return err
		}
	}
	return syncDirs(dirs)
}

// convertFile writes the new file dst (mode 0600) from src through conv,
// and syncs it.
func convertFile(src, dst string, conv func(io.Writer, io.Reader) (int64, error)) (int64, error) {
	in, err := os.Open(src)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, err
	}
	bw := bufio.NewWriterSize(out, sealChunk+64)
	n, err := conv(bw, in)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = out.Sync()
	}
	return n, errors.Join(err, out.Close())
}

func syncDirs(dirs []string) error {
	for _, d := range dirs {
		if err := syncDir(d); err != nil {
			return err
		}
	}
	return nil
}

// mac returns the manifest's HMAC-SHA-256 (hex) under the manifest key: of
// its JSON encoding without the MAC.
func (m manifest) mac(master []byte) (string, error) {
	key, err := hkdf.Key(sha256.New, master, nil, manifestMACInfo, 32)
	if err != nil {
		return "", err
	}
	m.MAC = ""
	b, err := json.Marshal(m)
	if err != nil {
		return "", err
	}
	h := hmac.New(sha256.New, key)
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// verify checks the manifest's MAC: errSealBroken for one forged, edited,
// written in clear by an earlier coffre, or sealed under another master key.
func (m manifest) verify(master []byte) error {
	want, err := m.mac(master)
	if err != nil {
		return err
	}
	got, err := hex.DecodeString(m.MAC)
	w, _ := hex.DecodeString(want)
	if err != nil || !hmac.Equal(got, w) {
		return fmt.Errorf("%s: %w", manifestFile, errSealBroken)
	}
	if len(m.Files) == 0 {
		return fmt.Errorf("%s: %w: lists no file", manifestFile, errSealBroken)
	}
	return nil
}
