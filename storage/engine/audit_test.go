package engine_test

import (
	"strings"
	"testing"

	"coffre/storage"
	"coffre/storage/audit"
	"coffre/storage/engine"
)

func TestChangesAndAccessesAreAudited(t *testing.T) {
	s := newStack(t)
	log, err := audit.New(s.meta, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e, err := engine.New(s.meta, s.blob, engine.Options{Audit: log})
	if err != nil {
		t.Fatal(err)
	}
	adminNS := e.As(storage.Principal{UserID: "u-admin", Login: "admin", Admin: true, IP: "192.0.2.1", UserAgent: "test/1", Protocol: "rest"})
	user := e.As(storage.Principal{UserID: "u-1", Login: "user1", Protocol: "webdav"})
	if _, err := adminNS.Mkdir(ctx, "/r"); err != nil {
		t.Fatal(err)
	}
	info, err := adminNS.Put(ctx, "/r/f", strings.NewReader("x"), storage.PutOptions{Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	obj, err := adminNS.Open(ctx, "/r/f")
	if err != nil {
		t.Fatal(err)
	}
	obj.Close()
	if err := adminNS.SetGrant(ctx, "/r", storage.Subject{ID: "u-1"}, storage.Browse|storage.Read); err != nil {
		t.Fatal(err)
	}
	if err := user.Delete(ctx, "/r/f", storage.DeleteOptions{}); !storage.Is(storage.Permission, err) {
		t.Fatalf("delete without the right: %v", err)
	}
	if err := adminNS.Delete(ctx, "/r/f", storage.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}

	page, err := log.Query(ctx, audit.Query{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, en := range page.Entries {
		got = append(got, en.Type)
	}
	want := "folder_create upload download right_change denied delete"
	if strings.Join(got, " ") != want {
		t.Fatalf("audited %q, want %q", strings.Join(got, " "), want)
	}
	up := page.Entries[1]
	if up.UserID != "u-admin" || up.IP != "192.0.2.1" || up.UserAgent != "test/1" || up.Protocol != "rest" ||
		up.ObjectID != uint64(info.ID) || up.ObjectType != "file" || up.ObjectName != "/r/f" || !up.OK {
		t.Fatalf("upload entry %+v", up)
	}
	if d := page.Entries[4]; d.OK || d.UserID != "u-1" || d.Protocol != "webdav" || !strings.Contains(d.Detail, "delete") ||
		d.ObjectID != uint64(info.ID) || d.ObjectName != "/r/f" {
		t.Fatalf("denied entry %+v", d)
	}
}
