package blob

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"coffre/storage"
	"coffre/storage/erasure"
	"coffre/storage/meta"
)

// ShardHeader is the header of one shard file found on a drive.
type ShardHeader struct {
	Drive  int    // index of the drive in the Store's drive list
	Name   string // shard file name on that drive
	Size   int64  // file size on the drive
	Header erasure.Header
	Err    error // the file's header is unreadable, damaged or names another file; Header is not set
}

// Hash returns the content hash the header names.
func (sh *ShardHeader) Hash() Hash { return Hash(sh.Header.Hash) }

// ScanHeaders walks every drive and calls fn with the header of each shard
// file, drive after drive; a file whose header cannot be used is passed with
// Err set. An error from fn stops the scan and is returned; a drive that
// cannot be walked is skipped and reported at the end (kind Unavailable),
// so the other drives are still scanned. It reads only headers and takes no
// lock: files of writes in flight show up without the final flag. This is
// the first step of rebuilding a lost metadata store: see Restore.
func (s *Store) ScanHeaders(ctx context.Context, fn func(ShardHeader) error) error {
	const op = "blob.scanheaders"
	var bad []error
	for i, d := range s.drives {
		var fnErr error
		werr := d.Walk(func(name string, size int64, _ time.Time) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			id, ok := parseShardName(name)
			if !ok {
				return nil
			}
			sh := ShardHeader{Drive: i, Name: name, Size: size}
			sh.Header, sh.Err = readHeader(d, name)
			if sh.Err == nil && (sh.Header.ID != id || sh.Header.Shard != i) {
				sh.Err = fmt.Errorf("%w: content %x shard %d in file %s of drive %d", erasure.ErrHeader, sh.Header.ID, sh.Header.Shard, name, i)
			}
			if sh.Err != nil {
				sh.Header = erasure.Header{}
			}
			if err := fn(sh); err != nil {
				fnErr = err
				return err
			}
			return nil
		})
		switch {
		case fnErr != nil:
			return fnErr
		case ctx.Err() != nil:
			return storage.E(op, storage.Unavailable, "", ctx.Err())
		case werr != nil:
			bad = append(bad, fmt.Errorf("drive %s: %w", d.Name(), werr))
		}
	}
	if len(bad) > 0 {
		return storage.E(op, storage.Unavailable, "", errors.Join(bad...))
	}
	return nil
}

// readHeader reads and decodes the header of a shard file.
func readHeader(d Drive, name string) (erasure.Header, error) {
	f, err := d.Open(name)
	if err != nil {
		return erasure.Header{}, err
	}
	defer f.Close()
	var b [erasure.HeaderSize]byte
	if _, err := f.ReadAt(b[:], 0); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return erasure.Header{}, fmt.Errorf("read header: %w", err)
	}
	return erasure.ParseHeader(b[:])
}

// Restore adds to b the content record that a final shard header describes,
// with refs references, after checking that the master key unwraps its data
// key. It is for rebuilding a lost metadata store, with the Store not
// serving: it takes no lock and overwrites a record of the same hash. Kind
// Invalid for a header of an unfinished write, another shard geometry or
// refs < 1; Corrupt when the data key does not unwrap.
func (s *Store) Restore(b *meta.Batch, hd erasure.Header, refs int64) (Hash, error) {
	const op = "blob.restore"
	h, rec, err := recordFromHeader(&hd)
	if err != nil {
		return h, storage.E(op, storage.Invalid, Hash(hd.Hash).String(), err)
	}
	if rec.k != s.k || rec.m != s.m || refs < 1 {
		return h, storage.Errorf(op, storage.Invalid, h.String(), "content of %d+%d shards on a %d+%d store, %d references", rec.k, rec.m, s.k, s.m, refs)
	}
	if _, err := s.unwrapKey(rec.wrapped, rec.id); err != nil {
		return h, storage.E(op, storage.Corrupt, h.String(), err)
	}
	rec.refs = refs
	b.Set(recordKey(h), rec.marshal())
	return h, nil
}
