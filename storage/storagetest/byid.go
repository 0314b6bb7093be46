package storagetest

import (
	"testing"

	"coffre/storage"
)

// testStatID: a node is found by ID and GUID wherever it moves, and not once
// it is in the trash.
func testStatID(t *testing.T, ns storage.Namespace) {
	mkdir(t, ns, "/r")
	mkdir(t, ns, "/r/a")
	f := put(t, ns, "/r/a/f", []byte("x"))
	d := must(ns.Stat(ctx, "/r/a"))
	for _, id := range []storage.NodeID{f.ID, d.ID} {
		if got := must(ns.StatID(ctx, id)); got.ID != id {
			t.Fatalf("StatID(%d) = %+v", id, got)
		}
	}
	must(ns.Move(ctx, "/r/a", "/r/b"))
	if got := must(ns.StatID(ctx, f.ID)); got.Path != "/r/b/f" || got.GUID != f.GUID {
		t.Fatalf("after the move, StatID = %+v", got)
	}
	if got := must(ns.StatGUID(ctx, f.GUID)); got.ID != f.ID || got.Path != "/r/b/f" {
		t.Fatalf("StatGUID(%q) = %+v", f.GUID, got)
	}
	if d2 := must(ns.StatGUID(ctx, d.GUID)); d2.ID != d.ID || !d2.Dir {
		t.Fatalf("StatGUID of a folder = %+v", d2)
	}
	for _, bad := range []string{"", "nope", "00000000-0000-0000-0000-000000000000", f.GUID[:35] + "g"} {
		_, err := ns.StatGUID(ctx, bad)
		wantKind(t, "StatGUID("+bad+")", err, storage.NotFound)
	}
	_, err := ns.StatID(ctx, 0)
	wantKind(t, "StatID(0)", err, storage.NotFound)
	_, err = ns.StatID(ctx, f.ID+1000)
	wantKind(t, "StatID(unknown)", err, storage.NotFound)
	if err := ns.Delete(ctx, "/r/b/f", storage.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = ns.StatID(ctx, f.ID)
	wantKind(t, "StatID(trashed)", err, storage.NotFound)
	_, err = ns.StatGUID(ctx, f.GUID)
	wantKind(t, "StatGUID(trashed)", err, storage.NotFound)
}
