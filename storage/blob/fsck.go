package blob

import (
	"context"
	"fmt"

	"coffre/storage"
)

// FsckReport sums up a Fsck run.
type FsckReport struct {
	Contents      int // content records checked
	Healthy       int // every shard block present and good
	Repaired      int // damaged or missing shards rewritten (repair only)
	Unrecoverable int // some block has fewer than k good shards
	Orphans       int // shard files no record owns (removed with repair)
	Mismatched    int // Deep only: decrypted content differs from its record (also counted Unrecoverable)
	Problems      []string
}

// FsckOptions says how far Fsck goes.
type FsckOptions struct {
	// Repair rebuilds bad or missing shards and removes orphan shard files.
	Repair bool
	// Deep also decrypts every content and checks its size, SHA-256 and MD5
	// against its record: this reads every data shard and costs about as
	// much CPU as writing the content again.
	Deep bool
}

// Fsck checks every content against its checksums and the drive set; with
// repair it rebuilds bad or missing shards (and Collects orphans). progress
// (may be nil) is called with contents done/total. It is FsckWith without
// Deep.
func (s *Store) Fsck(ctx context.Context, repair bool, progress func(done, total int)) (FsckReport, error) {
	return s.FsckWith(ctx, FsckOptions{Repair: repair}, progress)
}

// FsckWith checks every content as opts says; see Fsck. Each content is
// checked under its lock, so writes and deletes may go on meanwhile.
func (s *Store) FsckWith(ctx context.Context, opts FsckOptions, progress func(done, total int)) (FsckReport, error) {
	const op = "blob.fsck"
	repair := opts.Repair
	var rep FsckReport
	var hs []Hash
	err := s.meta.ScanPrefix([]byte("h/"), nil, func(k, _ []byte) error {
		var h Hash
		if len(k) != 2+len(h) {
			rep.Problems = append(rep.Problems, fmt.Sprintf("bad record key %x", k))
			return nil
		}
		copy(h[:], k[2:])
		hs = append(hs, h)
		return ctx.Err()
	})
	if err != nil {
		return rep, storage.E(op, storage.Unavailable, "", err)
	}
	for i, h := range hs {
		if err := ctx.Err(); err != nil {
			return rep, storage.E(op, storage.Unavailable, "", err)
		}
		res := s.scrub(ctx, h, opts)
		if !res.gone {
			rep.Contents++
			if res.mismatch {
				rep.Mismatched++
			}
			switch {
			case res.healthy():
				rep.Healthy++
			case res.lost:
				rep.Unrecoverable++
			case res.repaired:
				rep.Repaired++
			}
			rep.Problems = append(rep.Problems, res.problems...)
		}
		if progress != nil {
			progress(i+1, len(hs))
		}
	}
	n, _, names, err := s.orphans(ctx, repair)
	rep.Orphans = n
	for _, name := range names {
		rep.Problems = append(rep.Problems, "orphan shard file "+name)
	}
	return rep, err
}
