package blob

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"io"
	"sync"
	"sync/atomic"

	"coffre/storage"
	"coffre/storage/erasure"
)

// plainBlock is one block of plaintext shared by the hashers and the
// encoder; the last to release it returns its buffer to the pool.
type plainBlock struct {
	idx  int64
	bp   *[]byte
	n    int
	refs atomic.Int32
	pool *sync.Pool
}

func (b *plainBlock) data() []byte { return (*b.bp)[:b.n] }

func (b *plainBlock) release() {
	if b.refs.Add(-1) == 0 {
		b.pool.Put(b.bp)
	}
}

// shardBlock is the k+m shards of one block, shared by the drive writers.
type shardBlock struct {
	bp     *[]byte
	shards [][]byte
	refs   atomic.Int32
	pool   *sync.Pool
}

func (b *shardBlock) release() {
	if b.refs.Add(-1) == 0 {
		b.pool.Put(b.bp)
	}
}

// writeStream stores content of any size on the drives. The caller's
// goroutine reads; MD5 and SHA-256 run in a goroutine each; one goroutine
// encrypts and erasure-codes; one goroutine per drive checksums and writes.
// Channels of capacity 1 or 2 bound the blocks in flight.
func (s *Store) writeStream(ctx context.Context, r io.Reader, prefix []byte, size int64) (p *Pending, err error) {
	var id contentID
	if _, err := rand.Read(id[:]); err != nil {
		return nil, errf(storage.Other, "content id: %w", err)
	}
	s.addInflight(id)
	done := false
	defer func() {
		if !done {
			s.removeShards(id)
			s.dropInflight(id, false)
		}
	}()
	key, aead, err := newDataKey()
	if err != nil {
		return nil, errf(storage.Other, "data key: %w", err)
	}
	wrapped, err := s.wrapKey(key, id)
	if err != nil {
		return nil, errf(storage.Other, "wrap key: %w", err)
	}

	n := s.k + s.m
	name := shardName(id)
	files := make([]File, n)
	errs := make([]error, n)
	hdr := erasure.Header{Version: erasure.FormatVersion, Algo: erasure.ChecksumHighwayHash256,
		K: s.k, M: s.m, ID: id, BlockSize: s.bs, Overhead: tagSize}
	copy(hdr.WrappedKey[:], wrapped)
	var wg sync.WaitGroup
	for i, d := range s.drives {
		wg.Go(func() {
			f, err := d.Create(name)
			if pa, ok := f.(preallocator); ok && err == nil && size >= 0 {
				err = pa.Preallocate(s.layout(size).ShardFileSize())
				if err != nil {
					_ = f.Close()
				}
			}
			if err == nil {
				var b [erasure.HeaderSize]byte
				h := hdr
				h.Shard = i
				h.Marshal(b[:])
				if _, err = f.Write(b[:]); err != nil {
					_ = f.Close()
				}
			}
			if err != nil {
				errs[i] = err
				return
			}
			files[i] = f
		})
	}
	wg.Wait()
	defer func() {
		for _, f := range files {
			if f != nil {
				_ = f.Close()
			}
		}
	}()
	var live atomic.Int32
	for i := range n {
		if errs[i] == nil {
			live.Add(1)
		} else {
			s.log.Warn("blob: create shard", "drive", s.drives[i].Name(), "err", errs[i])
		}
	}
	if int(live.Load()) < s.quorum {
		return nil, s.quorumError(errs)
	}

	// Drive writers.
	chans := make([]chan *shardBlock, n)
	var wwg sync.WaitGroup
	for i := range n {
		if files[i] == nil {
			continue
		}
		ch := make(chan *shardBlock, 1)
		chans[i] = ch
		wwg.Go(func() {
			for sb := range ch {
				if errs[i] == nil {
					sum := erasure.Checksum(sb.shards[i])
					_, err := files[i].Write(sum[:])
					if err == nil {
						_, err = files[i].Write(sb.shards[i])
					}
					if err != nil {
						errs[i] = err
						live.Add(-1)
						s.log.Warn("blob: write shard", "drive", s.drives[i].Name(), "err", err)
					}
				}
				sb.release()
			}
		})
	}
	nchans := int32(live.Load())

	// Hashers and encoder.
	md5h, shah := md5.New(), sha256.New()
	md5Ch, shaCh, encCh := make(chan *plainBlock, 2), make(chan *plainBlock, 2), make(chan *plainBlock, 1)
	var hwg sync.WaitGroup
	hwg.Go(func() {
		for b := range md5Ch {
			md5h.Write(b.data())
			b.release()
		}
	})
	hwg.Go(func() {
		for b := range shaCh {
			shah.Write(b.data())
			b.release()
		}
	})
	var encErr error
	hwg.Go(func() {
		defer func() {
			for _, ch := range chans {
				if ch != nil {
					close(ch)
				}
			}
		}()
		for b := range encCh {
			if encErr != nil {
				b.release()
				continue
			}
			bp := s.shardPool.Get().(*[]byte)
			ct := aead.Seal((*bp)[:0], blockNonce(b.idx), b.data(), nil)
			b.release()
			shards, err := s.coder.Split(*bp, ct)
			if err == nil {
				err = s.coder.Encode(shards)
			}
			if err != nil {
				encErr = err
				s.shardPool.Put(bp)
				continue
			}
			sb := &shardBlock{bp: bp, shards: shards, pool: &s.shardPool}
			sb.refs.Store(nchans)
			for _, ch := range chans {
				if ch != nil {
					ch <- sb
				}
			}
		}
	})

	// Read on the caller's goroutine.
	src := r
	if len(prefix) > 0 {
		src = io.MultiReader(bytes.NewReader(prefix), r)
	}
	if size >= 0 {
		src = io.LimitReader(src, size+1)
	}
	var total int64
	var rerr error
	for idx := int64(0); ; idx++ {
		if err := ctx.Err(); err != nil {
			rerr = storage.E("blob.write", storage.Unavailable, "", err)
			break
		}
		if int(live.Load()) < s.quorum {
			rerr = errQuorum // explained once the writers are done
			break
		}
		bp := s.plainPool.Get().(*[]byte)
		nr, err := io.ReadFull(src, *bp)
		total += int64(nr)
		if size >= 0 && total > size {
			s.plainPool.Put(bp)
			rerr = errf(storage.Invalid, "content longer than its size %d", size)
			break
		}
		if nr > 0 {
			b := &plainBlock{idx: idx, bp: bp, n: nr, pool: &s.plainPool}
			b.refs.Store(3)
			md5Ch <- b
			shaCh <- b
			encCh <- b
		} else {
			s.plainPool.Put(bp)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			rerr = errf(storage.Other, "read content: %w", err)
			break
		}
	}
	close(md5Ch)
	close(shaCh)
	close(encCh)
	hwg.Wait()
	wwg.Wait()
	if rerr == errQuorum {
		rerr = s.quorumError(errs)
	}
	if rerr == nil && size >= 0 && total != size {
		rerr = errf(storage.Invalid, "content of %d bytes, expected %d", total, size)
	}
	if rerr == nil && encErr != nil {
		rerr = errf(storage.Other, "encode: %w", encErr)
	}
	if rerr == nil {
		if err := ctx.Err(); err != nil {
			rerr = storage.E("blob.write", storage.Unavailable, "", err)
		}
	}
	if rerr != nil {
		return nil, rerr
	}

	p = &Pending{s: s, Size: total, id: id, wrapped: wrapped, onDisk: true}
	shah.Sum(p.Hash[:0])
	md5h.Sum(p.MD5[:0])
	// The final header (size, SHA-256, MD5) goes in before the fsync, so a
	// shard file that is durable describes its content completely.
	hdr.Size = total
	hdr.Hash = p.Hash
	hdr.MD5 = p.MD5
	hdr.Flags = erasure.FlagFinal
	for i, f := range files {
		if f == nil || errs[i] != nil {
			continue
		}
		wg.Go(func() {
			var b [erasure.HeaderSize]byte
			h := hdr
			h.Shard = i
			h.Marshal(b[:])
			_, err := f.WriteAt(b[:], 0)
			if err == nil {
				err = f.Sync()
			}
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			files[i] = nil
			if err == nil {
				err = s.drives[i].SyncDir(name)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	ok := 0
	for i, err := range errs {
		if err == nil {
			ok++
			continue
		}
		p.missing = append(p.missing, i)
		if files[i] != nil {
			_ = files[i].Close()
			files[i] = nil
		}
		if rerr := s.drives[i].Remove(name); rerr != nil {
			s.log.Warn("blob: remove failed shard", "drive", s.drives[i].Name(), "err", rerr)
		}
	}
	if ok < s.quorum {
		return nil, s.quorumError(errs)
	}
	done = true
	return p, nil
}

var errQuorum = errors.New("write quorum lost")

// quorumError explains a write that reached too few drives.
func (s *Store) quorumError(errs []error) error {
	ok := 0
	var bad []error
	for i, err := range errs {
		if err == nil {
			ok++
		} else {
			bad = append(bad, errors.New(s.drives[i].Name()+": "+err.Error()))
		}
	}
	return errf(storage.Unavailable, "%d of %d drives written, need %d: %w", ok, len(errs), s.quorum, errors.Join(bad...))
}
