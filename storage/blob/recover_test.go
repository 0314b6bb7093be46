package blob

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"coffre/storage"
	"coffre/storage/erasure"
	"coffre/storage/meta"
)

// TestRecoverFromHeaders loses the metadata store and rebuilds the content
// records from the shard headers alone: same records, contents readable byte
// for byte with the master key. A write in flight (header not final), a
// damaged header and a header of another file are reported, not restored.
// (Inline content lives in the metadata store only: the checkpoint has it.)
func TestRecoverFromHeaders(t *testing.T) {
	e := newEnv(t, Options{BlockSize: 64 << 10, InlineLimit: 1024})
	datas := [][]byte{randBytes(1, 5000), randBytes(2, 64<<10), randBytes(3, 3*64<<10+17)}
	want := make(map[Hash][]byte)
	recs := make(map[Hash]*record)
	for _, d := range datas {
		h := e.put(t, d, int64(len(d)))
		rec, err := e.s.getRecord("test", h)
		if err != nil {
			t.Fatal(err)
		}
		if rec.md5 != md5.Sum(d) {
			t.Fatal("record md5")
		}
		want[h], recs[h] = d, rec
	}
	// An unfinished write: its files carry a header without the final flag.
	var unfinished contentID
	unfinished[0] = 0xee
	hd := erasure.Header{Version: erasure.FormatVersion, Algo: erasure.ChecksumHighwayHash256, K: 2, M: 2,
		ID: unfinished, BlockSize: 64 << 10, Overhead: tagSize}
	for i, d := range e.drives {
		f, err := d.Create(shardName(unfinished))
		if err != nil {
			t.Fatal(err)
		}
		hd.Shard = i
		var b [erasure.HeaderSize]byte
		hd.Marshal(b[:])
		f.Write(b[:])
		f.Close()
	}
	// Damage one header of the largest content; copy another under a wrong name.
	big := Hash(sha256.Sum256(datas[2]))
	p := e.shardPath(t, big, 1)
	b, _ := os.ReadFile(p)
	b[20] ^= 1
	os.WriteFile(p, b, 0o600)
	small := e.shardPath(t, Hash(sha256.Sum256(datas[0])), 0)
	stray := filepath.Join(e.dirs[0], "blobs", "ab", strings.Repeat("ab", 16))
	os.MkdirAll(filepath.Dir(stray), 0o700)
	sb, _ := os.ReadFile(small)
	os.WriteFile(stray, sb, 0o600)

	// The metadata store is lost: a new, empty one over the same drives.
	m2, err := meta.Open(t.TempDir(), meta.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close()
	s2, err := New(m2, e.drives, Options{BlockSize: 64 << 10, InlineLimit: 1024, MasterKey: testKey()})
	if err != nil {
		t.Fatal(err)
	}
	batch := m2.NewBatch()
	restored := make(map[Hash]int)
	var notFinal, bad int
	err = s2.ScanHeaders(context.Background(), func(sh ShardHeader) error {
		switch {
		case sh.Err != nil:
			if !errors.Is(sh.Err, erasure.ErrHeader) {
				t.Errorf("%s on drive %d: %v", sh.Name, sh.Drive, sh.Err)
			}
			bad++
			return nil
		case !sh.Header.Final():
			notFinal++
			if _, err := s2.Restore(batch, sh.Header, 1); !storage.Is(storage.Invalid, err) {
				t.Errorf("unfinished header restored: %v", err)
			}
			return nil
		}
		if sh.Size != sh.Header.Layout().ShardFileSize() {
			t.Errorf("%s: file of %d bytes, header says %d", sh.Name, sh.Size, sh.Header.Layout().ShardFileSize())
		}
		h, err := s2.Restore(batch, sh.Header, 1)
		if err != nil {
			return err
		}
		restored[h]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if notFinal != 4 || bad != 2 {
		t.Fatalf("%d unfinished headers (want 4), %d bad (want 2)", notFinal, bad)
	}
	if err := batch.Commit(); err != nil {
		t.Fatal(err)
	}
	if len(restored) != len(datas) {
		t.Fatalf("restored %d contents", len(restored))
	}
	for h, n := range restored {
		if n != 4 && !(h == big && n == 3) {
			t.Fatalf("%s restored from %d headers", h, n)
		}
		rec, err := s2.getRecord("test", h)
		if err != nil {
			t.Fatal(err)
		}
		if string(rec.marshal()) != string(recs[h].marshal()) {
			t.Fatalf("%s: record differs after recovery:\n%+v\n%+v", h, rec, recs[h])
		}
		r, err := s2.Open(context.Background(), h)
		if err != nil {
			t.Fatal(err)
		}
		got := make([]byte, r.Size())
		if n, err := r.ReadAt(got, 0); n != len(got) {
			t.Fatalf("read %d: %v", n, err)
		}
		r.Close()
		if !bytes.Equal(got, want[h]) {
			t.Fatalf("%s: content differs after recovery", h)
		}
	}
	// Another master key cannot restore anything.
	s3, err := New(m2, e.drives, Options{BlockSize: 64 << 10, MasterKey: bytes.Repeat([]byte{8}, 32)})
	if err != nil {
		t.Fatal(err)
	}
	err = s3.ScanHeaders(context.Background(), func(sh ShardHeader) error {
		if sh.Err != nil || !sh.Header.Final() {
			return nil
		}
		_, err := s3.Restore(m2.NewBatch(), sh.Header, 1)
		return err
	})
	if !storage.Is(storage.Corrupt, err) {
		t.Fatalf("restore under another master key: %v", err)
	}
}

// walkFailDrive is a drive that cannot be listed.
type walkFailDrive struct{ Drive }

func (walkFailDrive) Walk(func(string, int64, time.Time) error) error { return errInjected }

// TestScanHeadersErrors: a drive that cannot be walked is skipped and
// reported once the others are scanned; an error from fn stops the scan.
func TestScanHeadersErrors(t *testing.T) {
	e := newEnv(t, Options{BlockSize: 64 << 10})
	e.put(t, randBytes(51, 300<<10), -1)
	e.put(t, randBytes(52, 300<<10), -1)
	drives := append([]Drive(nil), e.drives...)
	drives[1] = walkFailDrive{drives[1]}
	s, err := New(e.meta, drives, e.opts)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]int{}
	err = s.ScanHeaders(context.Background(), func(sh ShardHeader) error {
		if sh.Err != nil || !sh.Header.Final() {
			t.Errorf("%+v", sh)
		}
		seen[sh.Drive]++
		return nil
	})
	if !storage.Is(storage.Unavailable, err) || !errors.Is(err, errInjected) {
		t.Fatalf("scan with a drive that cannot be listed: %v", err)
	}
	if seen[0] != 2 || seen[1] != 0 || seen[2] != 2 || seen[3] != 2 {
		t.Fatalf("headers seen per drive: %v", seen)
	}
	stop := errors.New("stop")
	n := 0
	err = e.s.ScanHeaders(context.Background(), func(ShardHeader) error { n++; return stop })
	if err != stop || n != 1 {
		t.Fatalf("fn error: %v after %d headers", err, n)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := e.s.ScanHeaders(ctx, func(ShardHeader) error { return nil }); !storage.Is(storage.Unavailable, err) {
		t.Fatalf("cancelled scan: %v", err)
	}
}
