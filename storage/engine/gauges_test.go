package engine_test

import (
	"strings"
	"testing"

	"coffre/storage"
	"coffre/storage/engine"
)

func TestGauges(t *testing.T) {
	s := newStack(t)
	e := upOK(engine.New(s.meta, s.blob, engine.Options{}))(t)
	ns := e.As(admin)
	if g := upOK(e.Gauges(ctx))(t); g != (engine.Gauges{}) {
		t.Fatalf("an empty namespace: %+v", g)
	}
	upOK(ns.Mkdir(ctx, "/r"))(t)
	upOK(ns.Mkdir(ctx, "/r/d"))(t)
	put := func(path, body string) {
		upOK(ns.Put(ctx, path, strings.NewReader(body), storage.PutOptions{Size: int64(len(body))}))(t)
	}
	put("/r/f", "first")
	put("/r/f", "second version") // two versions, both in the trash with the file
	put("/r/d/g", "in a folder")
	put("/r/kept", "kept")
	for _, p := range []string{"/r/f", "/r/d"} {
		if err := ns.Delete(ctx, p, storage.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	upOK(ns.Lock(ctx, "/r/kept", storage.LockOptions{}))(t)
	upOK(ns.CreateUpload(ctx, "/r/up", storage.PutOptions{}))(t)

	want := engine.Gauges{LocksHeld: 1, Uploads: 1, TrashItems: 2, TrashBytes: int64(len("first") + len("second version") + len("in a folder"))}
	if g := upOK(e.Gauges(ctx))(t); g != want {
		t.Fatalf("gauges %+v, want %+v", g, want)
	}
}
