package blob

import (
	"context"
	"os"
	"strings"
	"testing"

	"coffre/storage/erasure"
)

// TestFsckDeep: checksums alone cannot see a record that lies about its
// content or a shard block rewritten with a matching checksum; a deep fsck
// decrypts and finds both, and repairs what is repairable.
func TestFsckDeep(t *testing.T) {
	e := newEnv(t, Options{BlockSize: 64 << 10, InlineLimit: 4096})
	ctx := context.Background()
	big := e.put(t, randBytes(31, 3*64<<10+100), -1)
	small := e.put(t, randBytes(32, 1000), 1000)
	other := e.put(t, randBytes(33, 2*64<<10), -1)

	rep, err := e.s.FsckWith(ctx, FsckOptions{Deep: true}, nil)
	if err != nil || rep.Contents != 3 || rep.Healthy != 3 || rep.Mismatched != 0 {
		t.Fatalf("clean store: %+v, %v", rep, err)
	}

	// An inline record whose MD5 lies. (For content on drives the shard
	// headers repeat the MD5, so even a checksum fsck sees such a record.)
	for _, h := range []Hash{small} {
		rec, err := e.s.getRecord("test", h)
		if err != nil {
			t.Fatal(err)
		}
		rec.md5[0] ^= 1
		b := e.meta.NewBatch()
		b.Set(recordKey(h), rec.marshal())
		if err := b.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	// A data shard block rewritten with its checksum updated.
	p := e.shardPath(t, other, 0)
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	rec, _ := e.s.getRecord("test", other)
	lay := rec.layout()
	shard := make([]byte, lay.ShardLen(1))
	f.ReadAt(shard, lay.ShardOffset(1)+erasure.SumSize)
	shard[5] ^= 0xff
	sum := erasure.Checksum(shard)
	f.WriteAt(sum[:], lay.ShardOffset(1))
	f.WriteAt(shard, lay.ShardOffset(1)+erasure.SumSize)
	f.Close()

	rep, err = e.s.Fsck(ctx, false, nil)
	if err != nil || rep.Healthy != 3 {
		t.Fatalf("checksums only should see nothing: %+v, %v", rep, err)
	}
	rep, err = e.s.FsckWith(ctx, FsckOptions{Deep: true}, nil)
	if err != nil || rep.Healthy != 1 || rep.Mismatched != 2 || rep.Unrecoverable != 2 {
		t.Fatalf("deep: %+v, %v", rep, err)
	}
	all := strings.Join(rep.Problems, "\n")
	if strings.Count(all, "MD5") != 1 || !strings.Contains(all, "decrypt") || strings.Contains(all, big.String()[:16]) {
		t.Fatalf("problems:\n%s", all)
	}
}

// TestFsckDeepRepair removes a shard file and damages another: a deep fsck
// with repair rebuilds both and then finds the content intact.
func TestFsckDeepRepair(t *testing.T) {
	e := newEnv(t, Options{BlockSize: 64 << 10})
	ctx := context.Background()
	data := randBytes(34, 5*64<<10+7)
	h := e.put(t, data, -1)
	if err := os.Remove(e.shardPath(t, h, 1)); err != nil {
		t.Fatal(err)
	}
	p := e.shardPath(t, h, 3)
	b, _ := os.ReadFile(p)
	b[len(b)-10] ^= 1
	os.WriteFile(p, b, 0o600)

	rep, err := e.s.FsckWith(ctx, FsckOptions{Deep: true}, nil)
	if err != nil || rep.Healthy != 0 || rep.Mismatched != 0 || rep.Unrecoverable != 0 || rep.Repaired != 0 {
		t.Fatalf("deep, no repair: %+v, %v", rep, err)
	}
	done := 0
	rep, err = e.s.FsckWith(ctx, FsckOptions{Repair: true, Deep: true}, func(d, total int) { done = d })
	if err != nil || rep.Repaired != 1 || rep.Mismatched != 0 || done != 1 {
		t.Fatalf("deep repair: %+v, %v", rep, err)
	}
	rep, err = e.s.FsckWith(ctx, FsckOptions{Deep: true}, nil)
	if err != nil || rep.Healthy != 1 {
		t.Fatalf("after repair: %+v, %v", rep, err)
	}
	got, err := e.readAll(t, h)
	if err != nil || string(got) != string(data) {
		t.Fatalf("read after repair: %v", err)
	}
}
