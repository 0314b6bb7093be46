package blob

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"fmt"
	"strings"

	"coffre/storage"
	"coffre/storage/erasure"
)

// scrubResult is what scrub found in one content.
type scrubResult struct {
	gone     bool  // no record any more: nothing to check
	missing  int   // shard files missing or with a bad header
	damaged  int   // shard blocks with a bad checksum or short
	repaired bool  // everything found was rewritten
	lost     bool  // some block cannot be recovered
	mismatch bool  // deep: the decrypted content differs from its record
	healed   int   // shard blocks rewritten
	bytes    int64 // bytes checked: shard blocks with their checksums, or inline content
	problems []string
}

func (r scrubResult) healthy() bool {
	return !r.gone && !r.lost && r.missing == 0 && r.damaged == 0 && len(r.problems) == 0
}

func (r scrubResult) String() string {
	switch {
	case r.gone:
		return "gone"
	case r.healthy():
		return "healthy"
	}
	return fmt.Sprintf("missing=%d damaged=%d repaired=%v lost=%v %s", r.missing, r.damaged, r.repaired, r.lost, strings.Join(r.problems, "; "))
}

// scrub checks every shard block of content h against its checksum and, with
// repair, rewrites what is damaged and recreates missing shard files; with
// deep it then decrypts the content and checks it against its record. It
// holds h's lock, so the content cannot be freed meanwhile, and counts what
// it found and healed in the Store's Counts.
func (s *Store) scrub(ctx context.Context, h Hash, opts FsckOptions) scrubResult {
	hs := []Hash{h}
	s.lockHashes(hs)
	defer s.unlockHashes(hs)
	res := s.check(ctx, h, opts, nil)
	s.counts.checksumFailures.Add(int64(res.damaged))
	s.counts.shardsHealed.Add(int64(res.healed))
	return res
}

// check is scrub without the lock and without counting. Without repair it
// only reads, so it may run unlocked (a content freed meanwhile shows up
// gone or damaged, which the caller confirms under the lock); with repair
// the caller must hold h's lock. pace (may be nil) is told the bytes read
// after each block and may sleep to hold a rate; its error (the context
// ending) stops the check.
func (s *Store) check(ctx context.Context, h Hash, opts FsckOptions, pace func(context.Context, int64) error) (res scrubResult) {
	repair := opts.Repair
	problem := func(format string, args ...any) {
		res.problems = append(res.problems, h.String()[:16]+": "+fmt.Sprintf(format, args...))
	}
	rec, err := s.getRecord("blob.fsck", h)
	if storage.Is(storage.NotFound, err) {
		res.gone = true
		return res
	}
	if err != nil {
		res.lost = true
		problem("%v", err)
		return res
	}
	if rec.inline {
		r, err := s.Open(ctx, h)
		if err != nil {
			res.lost = true
			problem("inline content: %v", err)
			return res
		}
		res.bytes = int64(len(r.inline))
		if pace != nil {
			if err := pace(ctx, res.bytes); err != nil {
				problem("interrupted: %v", err)
			}
		}
		if opts.Deep {
			if err := checkPlain(h, rec, int64(len(r.inline)), sha256.Sum256(r.inline), md5.Sum(r.inline)); err != nil {
				res.lost, res.mismatch = true, true
				problem("%v", err)
			}
		}
		_ = r.Close()
		return res
	}
	aead, err := s.unwrapKey(rec.wrapped, rec.id)
	if err != nil {
		res.lost = true
		problem("%v", err)
		return res
	}
	n := rec.k + rec.m
	if n != len(s.drives) {
		res.lost = true
		problem("content of %d+%d shards on %d drives", rec.k, rec.m, len(s.drives))
		return res
	}
	ss := &shardSet{s: s, h: h, rec: rec, lay: rec.layout(), aead: aead, name: shardName(rec.id),
		files: make([]File, n), errs: make([]error, n)}
	defer ss.close()
	fresh := make([]bool, n)
	written := make([]bool, n)
	for i, d := range s.drives {
		ss.files[i], ss.errs[i] = ss.openOne(i, d)
		if ss.files[i] != nil {
			continue
		}
		res.missing++
		problem("shard %d on %s: %v", i, d.Name(), ss.errs[i])
		if !repair {
			continue
		}
		f, err := d.Create(ss.name)
		if err == nil {
			var b [erasure.HeaderSize]byte
			hd := rec.header(h, i)
			hd.Marshal(b[:])
			if _, err = f.WriteAt(b[:], 0); err != nil {
				_ = f.Close()
			}
		}
		if err != nil {
			problem("recreate shard %d on %s: %v", i, d.Name(), err)
			continue
		}
		ss.files[i], fresh[i], written[i] = f, true, true
	}

	bp := s.shardPool.Get().(*[]byte)
	defer s.shardPool.Put(bp)
	failed := false
	for b := range ss.lay.Blocks() {
		if err := ctx.Err(); err != nil {
			problem("interrupted: %v", err)
			failed = true
			break
		}
		sl := ss.lay.ShardLen(b)
		shards := make([][]byte, n)
		good := 0
		var bad []int
		var read int64
		for i := range n {
			region := (*bp)[i*sl : (i+1)*sl : (i+1)*sl]
			shards[i] = region[:0]
			if ss.files[i] == nil {
				continue
			}
			if !fresh[i] {
				read += int64(sl + erasure.SumSize)
			}
			if !fresh[i] && ss.readShard(i, b, region) {
				shards[i] = region
				good++
				continue
			}
			if !fresh[i] {
				res.damaged++
				problem("block %d of shard %d on %s: bad checksum or short", b, i, s.drives[i].Name())
			}
			bad = append(bad, i)
		}
		res.bytes += read
		if pace != nil {
			if err := pace(ctx, read); err != nil {
				problem("interrupted: %v", err)
				failed = true
				break
			}
		}
		if good < rec.k {
			res.lost = true
			problem("block %d: %d shards good, need %d", b, good, rec.k)
			break
		}
		if len(bad) == 0 || !repair {
			continue
		}
		if err := s.coder.Reconstruct(shards); err != nil {
			problem("block %d: %v", b, err)
			failed = true
			continue
		}
		for _, i := range bad {
			if err := ss.writeShard(ss.files[i], b, shards[i]); err != nil {
				problem("block %d: rewrite shard %d: %v", b, i, err)
				failed = true
			} else {
				res.healed++
			}
			written[i] = true
		}
	}
	for i, f := range ss.files {
		if f == nil || !written[i] {
			continue
		}
		err := f.Sync()
		if err == nil && fresh[i] {
			err = s.drives[i].SyncDir(ss.name)
		}
		if err != nil {
			problem("sync shard %d: %v", i, err)
			failed = true
		}
	}
	if opts.Deep && !res.lost && !failed {
		if err := ss.verifyPlain(ctx, *bp); ctx.Err() != nil {
			problem("interrupted: %v", ctx.Err())
			failed = true
		} else if err != nil {
			res.lost, res.mismatch = true, true
			problem("%v", err)
		}
	}
	if repair && !res.lost && !failed && (res.missing > 0 || res.damaged > 0) {
		allFixed := true
		for _, f := range ss.files {
			allFixed = allFixed && f != nil
		}
		res.repaired = allFixed
	}
	return res
}

// verifyPlain decrypts every block of the content (reconstructing from
// parity where needed, rewriting nothing) into buf, a shard pool buffer, and
// checks the plaintext against the record.
func (ss *shardSet) verifyPlain(ctx context.Context, buf []byte) error {
	mh, sh := md5.New(), sha256.New()
	var n int64
	for b := range ss.lay.Blocks() {
		if err := ctx.Err(); err != nil {
			return err
		}
		plain, err := ss.block(b, buf, false)
		if err != nil {
			return fmt.Errorf("decrypt: %w", err)
		}
		mh.Write(plain)
		sh.Write(plain)
		n += int64(len(plain))
	}
	var sum Hash
	var m5 [16]byte
	sh.Sum(sum[:0])
	mh.Sum(m5[:0])
	return checkPlain(ss.h, ss.rec, n, sum, m5)
}

// checkPlain compares what a content decrypted to with its record.
func checkPlain(h Hash, rec *record, size int64, sum Hash, m5 [16]byte) error {
	switch {
	case size != rec.size:
		return fmt.Errorf("decrypted to %d bytes, record says %d", size, rec.size)
	case sum != h:
		return fmt.Errorf("decrypted content has SHA-256 %x", sum[:8])
	case m5 != rec.md5:
		return fmt.Errorf("decrypted content has MD5 %x, record says %x", m5, rec.md5)
	}
	return nil
}
