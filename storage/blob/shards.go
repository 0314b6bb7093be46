package blob

import (
	"crypto/cipher"
	"errors"
	"fmt"
	"io"
	"sync"

	"coffre/storage"
	"coffre/storage/erasure"
)

// shardSet is the open shard files of one content on drives.
type shardSet struct {
	s      *Store
	h      Hash
	rec    *record
	lay    erasure.Layout
	aead   cipher.AEAD
	name   string
	files  []File  // nil: missing or unusable
	errs   []error // why files[i] is nil
	closed bool
}

// openShards opens the shard files of rec, checking each header. Missing
// shards are noted in errs; fewer than k usable shards is an error.
func (s *Store) openShards(op string, h Hash, rec *record) (*shardSet, error) {
	aead, err := s.unwrapKey(rec.wrapped, rec.id)
	if err != nil {
		return nil, storage.E(op, storage.Corrupt, h.String(), err)
	}
	n := rec.k + rec.m
	if n != len(s.drives) {
		return nil, storage.Errorf(op, storage.Invalid, h.String(), "content of %d+%d shards on %d drives", rec.k, rec.m, len(s.drives))
	}
	ss := &shardSet{s: s, h: h, rec: rec, lay: rec.layout(), aead: aead, name: shardName(rec.id),
		files: make([]File, n), errs: make([]error, n)}
	var wg sync.WaitGroup
	for i, d := range s.drives {
		wg.Go(func() { ss.files[i], ss.errs[i] = ss.openOne(i, d) })
	}
	wg.Wait()
	if ss.usable() < rec.k {
		err := ss.notEnough(op)
		ss.close()
		return nil, err
	}
	return ss, nil
}

// openOne opens shard i and checks that its header belongs to the content.
func (ss *shardSet) openOne(i int, d Drive) (File, error) {
	f, err := d.Open(ss.name)
	if err != nil {
		return nil, err
	}
	var b [erasure.HeaderSize]byte
	if _, err := f.ReadAt(b[:], 0); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("read header: %w", io.ErrUnexpectedEOF)
	}
	hd, err := erasure.ParseHeader(b[:])
	if err == nil && hd != ss.rec.header(ss.h, i) {
		err = fmt.Errorf("%w: describes another shard", erasure.ErrHeader)
	}
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return f, nil
}

func (ss *shardSet) usable() int {
	n := 0
	for _, f := range ss.files {
		if f != nil {
			n++
		}
	}
	return n
}

// missing reports whether a shard file is missing or unusable.
func (ss *shardSet) missing() bool { return ss.usable() < len(ss.files) }

// notEnough explains why fewer than k shards are usable: Unavailable when a
// drive failed, Corrupt when the shards are gone or damaged.
func (ss *shardSet) notEnough(op string) error {
	kind := storage.Corrupt
	var all []error
	for i, err := range ss.errs {
		if err != nil {
			if driveKind(err) == storage.Unavailable && !errors.Is(err, erasure.ErrHeader) {
				kind = storage.Unavailable
			}
			all = append(all, fmt.Errorf("shard %d on %s: %w", i, ss.s.drives[i].Name(), err))
		}
	}
	return storage.E(op, kind, ss.h.String(), fmt.Errorf("fewer than %d shards usable: %w", ss.rec.k, errors.Join(all...)))
}

func (ss *shardSet) close() {
	if ss.closed {
		return
	}
	ss.closed = true
	for _, f := range ss.files {
		if f != nil {
			_ = f.Close()
		}
	}
}

// readShard reads shard i of block b into dst (ShardLen bytes) and checks its
// checksum. It returns false when the shard block is unreadable or damaged.
func (ss *shardSet) readShard(i int, b int64, dst []byte) bool {
	f := ss.files[i]
	if f == nil {
		return false
	}
	var sum [erasure.SumSize]byte
	off := ss.lay.ShardOffset(b)
	if _, err := f.ReadAt(sum[:], off); err != nil {
		return false
	}
	if _, err := f.ReadAt(dst, off+erasure.SumSize); err != nil {
		return false
	}
	return erasure.Checksum(dst) == sum
}

// writeShard rewrites shard i of block b (checksum then bytes).
func (ss *shardSet) writeShard(f File, b int64, shard []byte) error {
	off := ss.lay.ShardOffset(b)
	sum := erasure.Checksum(shard)
	if _, err := f.WriteAt(sum[:], off); err != nil {
		return err
	}
	_, err := f.WriteAt(shard, off+erasure.SumSize)
	return err
}

// block reads, verifies and decrypts block b into buf (a shard pool buffer)
// and returns the plaintext, which aliases buf. It reads data shards first
// and parity shards only as needed. A damaged shard block is rebuilt and,
// with heal, rewritten in place.
//
// A read (heal) first trusts the cipher: the AEAD's tag authenticates every
// byte of the k data shards, so reading them without their checksums and
// decrypting is as safe, and saves a checksum pass and a read per shard
// (about a quarter of a large GET's CPU). Only when a shard is missing or
// the tag fails does the careful path read the checksums, to find which
// shard is damaged, rebuild it and rewrite it.
func (ss *shardSet) block(b int64, buf []byte, heal bool) ([]byte, error) {
	if heal {
		if plain, ok := ss.trustedBlock(b, buf); ok {
			return plain, nil
		}
	}
	return ss.checkedBlock(b, buf, heal)
}

// trustedBlock reads the data shards of block b without their checksums
// and decrypts them; false when a shard cannot be read or the tag fails
// (buf then holds nothing of use).
func (ss *shardSet) trustedBlock(b int64, buf []byte) ([]byte, bool) {
	k, sl, off := ss.rec.k, ss.lay.ShardLen(b), ss.lay.ShardOffset(b)+erasure.SumSize
	for i := range k {
		if ss.files[i] == nil {
			return nil, false
		}
	}
	read := func(i int) bool {
		_, err := ss.files[i].ReadAt(buf[i*sl:(i+1)*sl], off)
		return err == nil
	}
	ok := make([]bool, k)
	var wg sync.WaitGroup
	for i := 1; i < k; i++ {
		wg.Go(func() { ok[i] = read(i) })
	}
	ok[0] = read(0)
	wg.Wait()
	for _, good := range ok {
		if !good {
			return nil, false
		}
	}
	ct := buf[:ss.lay.CipherLen(b)]
	plain, err := ss.aead.Open(ct[:0], blockNonce(b), ct, nil)
	return plain, err == nil
}

// checkedBlock is block with every shard's checksum checked.
func (ss *shardSet) checkedBlock(b int64, buf []byte, heal bool) ([]byte, error) {
	k, n := ss.rec.k, len(ss.files)
	sl := ss.lay.ShardLen(b)
	shards := make([][]byte, n)
	ok := make([]bool, n)
	// The k data shards are read in parallel (one drive each); parity
	// shards only when a data shard is missing or damaged.
	var wg sync.WaitGroup
	for i := 1; i < k; i++ {
		wg.Go(func() { ok[i] = ss.readShard(i, b, buf[i*sl:(i+1)*sl]) })
	}
	ok[0] = ss.readShard(0, b, buf[:sl])
	wg.Wait()
	good := 0
	var bad []int
	for i := 0; i < n; i++ {
		region := buf[i*sl : (i+1)*sl : (i+1)*sl]
		if i >= k && good < k {
			ok[i] = ss.readShard(i, b, region)
		}
		if ok[i] {
			shards[i] = region
			good++
			continue
		}
		shards[i] = region[:0]
		if ss.files[i] != nil && (i < k || good < k) {
			bad = append(bad, i)
		}
	}
	if heal {
		// Reads count what they find; a deep fsck (heal false) counts in scrub.
		ss.s.counts.checksumFailures.Add(int64(len(bad)))
	}
	if good < k {
		return nil, storage.Errorf("blob.read", storage.Corrupt, ss.h.String(), "block %d: %d of %d shards good, need %d", b, good, n, k)
	}
	if heal && len(bad) > 0 {
		if err := ss.s.coder.Reconstruct(shards); err != nil {
			return nil, storage.E("blob.read", storage.Corrupt, ss.h.String(), err)
		}
		for _, i := range bad {
			if err := ss.writeShard(ss.files[i], b, shards[i]); err == nil {
				ss.s.counts.shardsHealed.Add(1)
				err = ss.files[i].Sync()
				ss.s.log.Info("blob: healed shard block", "content", ss.h.String(), "shard", i, "block", b, "err", err)
			}
		}
	} else if len(shards[0]) == 0 || !allData(shards[:k]) {
		if err := ss.s.coder.ReconstructData(shards); err != nil {
			return nil, storage.E("blob.read", storage.Corrupt, ss.h.String(), err)
		}
	}
	ct := buf[:ss.lay.CipherLen(b)]
	plain, err := ss.aead.Open(ct[:0], blockNonce(b), ct, nil)
	if err != nil {
		return nil, storage.Errorf("blob.read", storage.Corrupt, ss.h.String(), "block %d: %v", b, err)
	}
	return plain, nil
}

func allData(shards [][]byte) bool {
	for _, s := range shards {
		if len(s) == 0 {
			return false
		}
	}
	return true
}
