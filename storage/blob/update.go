package blob

import (
	"bytes"
	"slices"
	"sync"

	"coffre/storage"
	"coffre/storage/meta"
)

// Update adds to b the reference changes of one metadata change: each of add
// gets one reference (a new content record with refs=1, or refs+1 on an
// existing identical content, whose own new shards are then dropped), and
// each deltas[h] is added to h's count (a count reaching 0 deletes the record
// and its inline data in b). It locks the hashes concerned (in sorted order,
// no deadlock) until the caller calls done(committed) after committing or
// discarding b; done(true) removes shards that became unreferenced or
// duplicate; done(false) discards the pending shards. Unknown hash in deltas:
// kind NotFound; a count that would go below 0: kind Invalid. On error
// nothing is added to b and nothing stays locked; the pendings stay usable.
func (s *Store) Update(b *meta.Batch, add []*Pending, deltas map[Hash]int) (done func(committed bool), err error) {
	const op = "blob.update"
	type change struct {
		rec   *record
		adds  []*Pending
		delta int64
	}
	changes := make(map[Hash]*change)
	get := func(h Hash) *change {
		c := changes[h]
		if c == nil {
			c = &change{}
			changes[h] = c
		}
		return c
	}
	for _, p := range add {
		if p == nil || p.s != s {
			return nil, storage.Errorf(op, storage.Invalid, "", "pending content of another store")
		}
		p.mu.Lock()
		st := p.state
		p.mu.Unlock()
		if st != pendingOpen {
			return nil, storage.Errorf(op, storage.Invalid, p.Hash.String(), "pending content already committed or discarded")
		}
		c := get(p.Hash)
		c.adds = append(c.adds, p)
	}
	for h, d := range deltas {
		get(h).delta += int64(d)
	}
	hs := make([]Hash, 0, len(changes))
	for h := range changes {
		hs = append(hs, h)
	}
	slices.SortFunc(hs, func(a, b Hash) int { return bytes.Compare(a[:], b[:]) })
	s.lockHashes(hs)

	var (
		kept    []*Pending  // pendings that become records
		dropped []*Pending  // duplicates of existing content
		freed   []contentID // contents on drives whose last reference goes
	)
	fail := func(err error) (func(bool), error) {
		s.unlockHashes(hs)
		return nil, err
	}
	type write struct {
		h   Hash
		rec *record // nil: delete
		p   *Pending
	}
	var writes []write
	for _, h := range hs {
		c := changes[h]
		rec, err := s.getRecord(op, h)
		if err != nil && !storage.Is(storage.NotFound, err) {
			return fail(err)
		}
		var owner *Pending
		adds := c.adds
		if rec == nil {
			if len(adds) == 0 {
				return fail(storage.E(op, storage.NotFound, h.String(), nil))
			}
			owner, adds = adds[0], adds[1:]
			rec = owner.record()
			rec.refs = 0
		}
		refs := rec.refs + int64(len(c.adds)) + c.delta
		if refs < 0 {
			return fail(storage.Errorf(op, storage.Invalid, h.String(), "reference count would be %d", refs))
		}
		dropped = append(dropped, adds...)
		if refs == 0 {
			writes = append(writes, write{h: h})
			if owner != nil {
				dropped = append(dropped, owner)
			} else if !rec.inline {
				freed = append(freed, rec.id)
			}
			continue
		}
		rec.refs = refs
		writes = append(writes, write{h: h, rec: rec, p: owner})
		if owner != nil {
			kept = append(kept, owner)
		}
	}
	for _, w := range writes {
		switch {
		case w.rec == nil:
			b.Delete(recordKey(w.h))
			b.Delete(inlineKey(w.h))
			b.Delete(healKey(w.h))
		default:
			b.Set(recordKey(w.h), w.rec.marshal())
			if w.p != nil && w.p.inline != nil {
				b.Set(inlineKey(w.h), w.p.inline)
			}
			if w.p != nil && len(w.p.missing) > 0 {
				b.Set(healKey(w.h), nil) // the heal queue survives a restart
			}
		}
	}

	var once sync.Once
	return func(committed bool) {
		once.Do(func() {
			defer s.unlockHashes(hs)
			if !committed {
				for _, p := range add {
					p.Discard()
				}
				return
			}
			for _, p := range kept {
				p.commit()
				if len(p.missing) > 0 {
					s.queueHeal(p.Hash)
				}
			}
			for _, p := range dropped {
				p.Discard()
			}
			for _, id := range freed {
				s.removeShards(id)
			}
		})
	}, nil
}

// record returns the content record a pending content becomes.
func (p *Pending) record() *record {
	r := &record{size: p.Size, md5: p.MD5, id: p.id, wrapped: p.wrapped, refs: 1}
	if p.inline != nil {
		r.inline = true
	} else {
		r.k, r.m, r.blockSize = p.s.k, p.s.m, p.s.bs
	}
	return r
}
