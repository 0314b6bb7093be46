package storagetest

import (
	"bytes"
	"fmt"
	"testing"

	"coffre/storage"
)

// The cases of a file's life after it is written: trash, versions, quotas.

func trashItem(t *testing.T, ns storage.Namespace, path string) storage.TrashItem {
	t.Helper()
	for _, it := range must(ns.Trash(ctx, false)) {
		if it.Path == path {
			return it
		}
	}
	t.Fatalf("%s is not in the trash", path)
	return storage.TrashItem{}
}

func testTrash(t *testing.T, ns storage.Namespace) {
	mkdir(t, ns, "/r")
	mkdir(t, ns, "/r/d")
	big := Payload(11, 400<<10)
	f := put(t, ns, "/r/d/f", big)
	put(t, ns, "/r/d/g", []byte("g"))
	dir := must(ns.Stat(ctx, "/r/d"))
	if err := ns.Delete(ctx, "/r/d", storage.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	it := trashItem(t, ns, "/r/d")
	if it.Node != dir.ID || !it.Dir || it.Name != "d" || it.Deleted.IsZero() {
		t.Fatalf("trash item %+v", it)
	}
	// The name is free meanwhile; the restored folder then takes a suffix.
	mkdir(t, ns, "/r/d")
	back := must(ns.Restore(ctx, it.ID, ""))
	if back.ID != dir.ID || back.Path != "/r/d (restored)" {
		t.Fatalf("restored as %+v", back)
	}
	wantContent(t, ns, "/r/d (restored)/f", big)
	if got := must(ns.Stat(ctx, "/r/d (restored)/f")); got.ID != f.ID || got.VersionID != f.VersionID {
		t.Fatalf("restored file %+v, was %+v", got, f)
	}
	if len(must(ns.Trash(ctx, false))) != 0 {
		t.Fatal("a restored item stays in the trash")
	}
	_, err := ns.Restore(ctx, it.ID, "")
	wantKind(t, "restore twice", err, storage.NotFound)

	// Restore elsewhere.
	if err := ns.Delete(ctx, "/r/d (restored)/g", storage.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	g := trashItem(t, ns, "/r/d (restored)/g")
	if g.Size != 1 || g.Dir {
		t.Fatalf("trash item %+v", g)
	}
	must(ns.Restore(ctx, g.ID, "/r/d"))
	wantContent(t, ns, "/r/d/g", []byte("g"))

	// Purge one, then empty the rest.
	if err := ns.Delete(ctx, "/r/d/g", storage.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := ns.Purge(ctx, trashItem(t, ns, "/r/d/g").ID); err != nil {
		t.Fatal(err)
	}
	if err := ns.Delete(ctx, "/r/d (restored)", storage.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := must(ns.EmptyTrash(ctx, false)); n != 1 {
		t.Fatalf("emptied %d items, want 1", n)
	}
	if len(must(ns.Trash(ctx, false))) != 0 {
		t.Fatal("the trash is not empty")
	}
	_, err = ns.Stat(ctx, "/r/d (restored)")
	wantKind(t, "stat purged", err, storage.NotFound)
	// A permanent delete skips the trash.
	put(t, ns, "/r/p", []byte("p"))
	if err := ns.Delete(ctx, "/r/p", storage.DeleteOptions{Permanent: true}); err != nil {
		t.Fatal(err)
	}
	if len(must(ns.Trash(ctx, false))) != 0 {
		t.Fatal("a permanent delete went to the trash")
	}
}

func testVersionOps(t *testing.T, ns storage.Namespace) {
	mkdir(t, ns, "/r")
	var ids []uint64
	for i := 0; i < 4; i++ {
		ids = append(ids, put(t, ns, "/r/f", []byte(fmt.Sprint("v", i))).VersionID)
	}
	// Restore v1: a new version with v1's content.
	info := must(ns.RestoreVersion(ctx, "/r/f", ids[1]))
	if info.VersionID <= ids[3] || info.Versions != 5 {
		t.Fatalf("restored version %+v", info)
	}
	wantContent(t, ns, "/r/f", []byte("v1"))
	// Delete the current version: the newest remaining becomes current.
	if err := ns.DeleteVersions(ctx, "/r/f", []uint64{info.VersionID, ids[0]}); err != nil {
		t.Fatal(err)
	}
	wantContent(t, ns, "/r/f", []byte("v3"))
	vs := must(ns.Versions(ctx, "/r/f"))
	if len(vs) != 3 || vs[0].ID != ids[3] || vs[2].ID != ids[1] {
		t.Fatalf("versions after delete: %+v", vs)
	}
	if st := must(ns.Stat(ctx, "/r/f")); st.Versions != 3 || st.VersionID != ids[3] {
		t.Fatalf("stat after version delete: %+v", st)
	}
	wantKind(t, "delete every version", ns.DeleteVersions(ctx, "/r/f", []uint64{ids[1], ids[2], ids[3]}), storage.Conflict)
	wantKind(t, "delete a missing version", ns.DeleteVersions(ctx, "/r/f", []uint64{12345678}), storage.NotFound)
	_, err := ns.RestoreVersion(ctx, "/r/f", ids[0])
	wantKind(t, "restore a deleted version", err, storage.NotFound)
}

func usage(t *testing.T, ns storage.Namespace, path string) int64 {
	t.Helper()
	return must(ns.Usage(ctx, path)).Bytes
}

func testQuotas(t *testing.T, ns storage.Namespace) {
	mkdir(t, ns, "/r")
	mkdir(t, ns, "/r/q")
	if err := ns.SetQuota(ctx, "/r/q", 1000); err != nil {
		t.Fatal(err)
	}
	if got := must(ns.Stat(ctx, "/r/q")).Quota; got != 1000 {
		t.Fatalf("stat quota %d", got)
	}
	put(t, ns, "/r/q/a", Payload(1, 600))
	if u := usage(t, ns, "/r/q"); u != 600 {
		t.Fatalf("usage of /r/q = %d, want 600", u)
	}
	_, err := ns.Put(ctx, "/r/q/b", bytes.NewReader(Payload(2, 500)), storage.PutOptions{Size: 500})
	wantKind(t, "over quota, size known", err, storage.NoSpace)
	_, err = ns.Put(ctx, "/r/q/b", bytes.NewReader(Payload(2, 500)), storage.PutOptions{Size: -1})
	wantKind(t, "over quota, size unknown", err, storage.NoSpace)
	_, err = ns.Stat(ctx, "/r/q/b")
	wantKind(t, "nothing stored over quota", err, storage.NotFound)
	put(t, ns, "/r/q/a", Payload(3, 300)) // versions count
	if u := usage(t, ns, "/r/q"); u != 900 {
		t.Fatalf("usage with two versions = %d, want 900", u)
	}
	if err := ns.Delete(ctx, "/r/q/a", storage.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if u := usage(t, ns, "/r/q"); u != 0 {
		t.Fatalf("usage after delete = %d, want 0", u)
	}
	put(t, ns, "/r/q/b", Payload(2, 500))
	_, err = ns.Restore(ctx, trashItem(t, ns, "/r/q/a").ID, "")
	wantKind(t, "restore over quota", err, storage.NoSpace)
	must(ns.Move(ctx, "/r/q/b", "/r/b"))
	if u, ur := usage(t, ns, "/r/q"), usage(t, ns, "/r"); u != 0 || ur != 500 {
		t.Fatalf("usage after move out: /r/q %d, /r %d; want 0, 500", u, ur)
	}
	must(ns.Restore(ctx, trashItem(t, ns, "/r/q/a").ID, ""))
	if u, ur := usage(t, ns, "/r/q"), usage(t, ns, "/r"); u != 900 || ur != 1400 {
		t.Fatalf("usage after restore: /r/q %d, /r %d; want 900, 1400", u, ur)
	}
	q := must(ns.Quotas(ctx))
	if q.PlatformBytes != 1400 || q.UserBytes != 1400 {
		t.Fatalf("quotas %+v, want 1400 bytes used", q)
	}
	if err := ns.Delete(ctx, "/r/q", storage.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if u := usage(t, ns, "/r"); u != 500 {
		t.Fatalf("usage after trashing a folder = %d, want 500", u)
	}
	if q := must(ns.Quotas(ctx)); q.PlatformBytes != 1400 {
		t.Fatalf("trash still counts for the platform: %+v", q)
	}
	if _, err := ns.EmptyTrash(ctx, false); err != nil {
		t.Fatal(err)
	}
	if q := must(ns.Quotas(ctx)); q.PlatformBytes != 500 || q.UserBytes != 500 {
		t.Fatalf("quotas after purge %+v, want 500", q)
	}
	wantKind(t, "quota below -1", ns.SetQuota(ctx, "/r", -2), storage.Invalid)
	wantKind(t, "quota on a file", ns.SetQuota(ctx, "/r/b", 10), storage.Invalid)
}

// testTrashVersions: a trashed file's history reads as it did in the tree.
func testTrashVersions(t *testing.T, ns storage.Namespace) {
	mkdir(t, ns, "/r")
	v1 := put(t, ns, "/r/f", []byte("one"))
	v2 := put(t, ns, "/r/f", []byte("second"))
	if err := ns.Delete(ctx, "/r/f", storage.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	it := trashItem(t, ns, "/r/f")
	vs := must(ns.TrashVersions(ctx, it.ID))
	if len(vs) != 2 || vs[0].ID != v2.VersionID || vs[1].ID != v1.VersionID || vs[1].Size != 3 {
		t.Fatalf("TrashVersions = %+v", vs)
	}
	for version, want := range map[uint64]string{0: "second", v2.VersionID: "second", v1.VersionID: "one"} {
		obj := must(ns.OpenTrashVersion(ctx, it.ID, version))
		if got := string(readObject(t, obj)); got != want || obj.Info().Name != "f" {
			t.Fatalf("OpenTrashVersion(%d) = %q (%+v), want %q", version, got, obj.Info(), want)
		}
		obj.Close()
	}
	_, err := ns.OpenTrashVersion(ctx, it.ID, v2.VersionID+1000)
	wantKind(t, "an unknown version", err, storage.NotFound)
	_, err = ns.TrashVersions(ctx, it.ID+1000)
	wantKind(t, "an unknown item", err, storage.NotFound)
	mkdir(t, ns, "/r/d")
	if err := ns.Delete(ctx, "/r/d", storage.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = ns.TrashVersions(ctx, trashItem(t, ns, "/r/d").ID)
	wantKind(t, "versions of a folder", err, storage.Conflict)
}
