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
	Problems      []string
}

// Fsck checks every content against its checksums and the drive set; with
// repair it rebuilds bad or missing shards (and Collects orphans). progress
// (may be nil) is called with contents done/total.
func (s *Store) Fsck(ctx context.Context, repair bool, progress func(done, total int)) (FsckReport, error) {
	const op = "blob.fsck"
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
		res := s.scrub(ctx, h, repair)
		if !res.gone {
			rep.Contents++
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
