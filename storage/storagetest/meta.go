package storagetest

import (
	"bytes"
	"maps"
	"strings"
	"testing"

	"coffre/storage"
)

// testMeta: metadata travels with versions, copies and folders.
func testMeta(t *testing.T, ns storage.Namespace) {
	mkdir(t, ns, "/r")
	m1 := map[string]string{"content-type": "text/plain", "x-amz-meta-a": "1"}
	v1 := must(ns.Put(ctx, "/r/f", bytes.NewReader([]byte("one")), storage.PutOptions{Size: 3, Meta: m1}))
	if !maps.Equal(v1.Meta, m1) || !maps.Equal(must(ns.Stat(ctx, "/r/f")).Meta, m1) {
		t.Fatalf("Put meta: %v, Stat %v", v1.Meta, must(ns.Stat(ctx, "/r/f")).Meta)
	}
	v2 := must(ns.Put(ctx, "/r/f", bytes.NewReader([]byte("two")), storage.PutOptions{Size: 3}))
	if v2.Meta != nil {
		t.Fatalf("a new version without meta kept %v", v2.Meta)
	}
	// SetMeta on an older version leaves the current one alone.
	m3 := map[string]string{"tag:k": "v"}
	if i := must(ns.SetMeta(ctx, "/r/f", v1.VersionID, m3)); !maps.Equal(i.Meta, m3) || i.VersionID != v1.VersionID {
		t.Fatalf("SetMeta on version 1 returned %+v", i)
	}
	if i := must(ns.Stat(ctx, "/r/f")); i.Meta != nil || i.VersionID != v2.VersionID || i.Versions != 2 {
		t.Fatalf("after SetMeta on an old version, Stat = %+v", i)
	}
	vs := must(ns.Versions(ctx, "/r/f"))
	if !maps.Equal(vs[1].Meta, m3) {
		t.Fatalf("Versions()[1].Meta = %v", vs[1].Meta)
	}
	obj := must(ns.OpenVersion(ctx, "/r/f", v1.VersionID))
	if !maps.Equal(obj.Info().Meta, m3) {
		t.Fatalf("OpenVersion Info().Meta = %v", obj.Info().Meta)
	}
	obj.Close()
	// Copy keeps the source version's meta, or replaces it.
	c := must(ns.Copy(ctx, "/r/f", "/r/c", storage.CopyOptions{Version: v1.VersionID}))
	if !maps.Equal(c.Meta, m3) || c.MD5 != v1.MD5 {
		t.Fatalf("Copy of version 1: %+v", c)
	}
	wantContent(t, ns, "/r/c", []byte("one"))
	m4 := map[string]string{"content-type": "image/png"}
	if c = must(ns.Copy(ctx, "/r/f", "/r/c", storage.CopyOptions{Meta: m4})); !maps.Equal(c.Meta, m4) || c.Versions != 2 {
		t.Fatalf("Copy replacing meta: %+v", c)
	}
	_, err := ns.Copy(ctx, "/r/f", "/r/c", storage.CopyOptions{IfNoneMatch: "*"})
	wantKind(t, "Copy onto an existing file with If-None-Match *", err, storage.Precondition)
	// Folders carry meta too; versions do not apply to them.
	must(ns.SetMeta(ctx, "/r", 0, map[string]string{"versioning": "Enabled"}))
	if m := must(ns.Stat(ctx, "/r")).Meta; m["versioning"] != "Enabled" {
		t.Fatalf("folder meta = %v", m)
	}
	_, err = ns.SetMeta(ctx, "/r", 7, nil)
	wantKind(t, "SetMeta with a version on a folder", err, storage.Invalid)
	// A folder made with its metadata: one change, the map the caller's.
	md := map[string]string{"s3:marker": "true"}
	if d := must(ns.MkdirMeta(ctx, "/r/marked", md)); !maps.Equal(d.Meta, md) || !d.Dir {
		t.Fatalf("MkdirMeta = %+v", d)
	}
	md["s3:marker"] = "changed after the call"
	if m := must(ns.Stat(ctx, "/r/marked")).Meta; m["s3:marker"] != "true" {
		t.Fatalf("MkdirMeta kept the caller's map: %v", m)
	}
	_, err = ns.MkdirMeta(ctx, "/r/marked", nil)
	wantKind(t, "MkdirMeta over an existing folder", err, storage.Exists)
	// Too much metadata is refused and changes nothing.
	big := map[string]string{"k": strings.Repeat("x", storage.MaxMeta)}
	_, err = ns.Put(ctx, "/r/f", bytes.NewReader(nil), storage.PutOptions{Size: 0, Meta: big})
	wantKind(t, "Put with oversized meta", err, storage.TooLarge)
	_, err = ns.SetMeta(ctx, "/r/f", 0, big)
	wantKind(t, "SetMeta with oversized meta", err, storage.TooLarge)
	_, err = ns.MkdirMeta(ctx, "/r/big", big)
	wantKind(t, "MkdirMeta with oversized meta", err, storage.TooLarge)
	if _, err := ns.Stat(ctx, "/r/big"); !storage.Is(storage.NotFound, err) {
		t.Fatalf("a refused MkdirMeta made the folder: %v", err)
	}
	if i := must(ns.Stat(ctx, "/r/f")); i.VersionID != v2.VersionID {
		t.Fatalf("a refused write changed the file: %+v", i)
	}
}
