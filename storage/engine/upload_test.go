package engine_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"coffre/storage"
	"coffre/storage/audit"
	"coffre/storage/blob"
	"coffre/storage/engine"
	"coffre/storage/storagetest"
)

// upOK returns v, or fails the test given to the function it returns with
// err: upOK(ns.Stat(ctx, path))(t).
func upOK[T any](v T, err error) func(testing.TB) T {
	return func(t testing.TB) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func upWantKind(t testing.TB, what string, err error, kind storage.Kind) {
	t.Helper()
	if !storage.Is(kind, err) {
		t.Fatalf("%s: got %v, want kind %v", what, err, kind)
	}
}

func upPart(t testing.TB, ns storage.Namespace, id string, number int, data []byte) storage.Part {
	t.Helper()
	return upOK(ns.UploadPart(ctx, id, number, bytes.NewReader(data), storage.PutOptions{Size: int64(len(data))}))(t)
}

// upRefs is the reference count of data's content, 0 when it is gone.
func upRefs(t testing.TB, s *stack, data []byte) int {
	t.Helper()
	n, err := s.blob.Refs(blob.Hash(sha256.Sum256(data)))
	if storage.Is(storage.NotFound, err) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Each part holds one reference while the upload runs; a replaced part and
// the parts left out of the completion are freed; the version then holds one
// reference per part, shared by copies and restored versions.
func TestUploadReferences(t *testing.T) {
	s := newStack(t)
	ns := s.eng.As(admin)
	upOK(ns.Mkdir(ctx, "/r"))(t)
	x := storagetest.Payload(1, 300<<10) // on the drives
	a := storagetest.Payload(2, 200<<10)
	b := storagetest.Payload(3, 1<<20+1)
	u := storagetest.Payload(4, 150<<10)
	small := []byte("small")
	up := upOK(ns.CreateUpload(ctx, "/r/f", storage.PutOptions{}))(t)
	p1 := upPart(t, ns, up.ID, 1, x)
	p2 := upPart(t, ns, up.ID, 2, nil) // empty
	p3 := upPart(t, ns, up.ID, 3, x)   // the same content as part 1
	upPart(t, ns, up.ID, 4, a)
	p4 := upPart(t, ns, up.ID, 4, b) // replaces a
	upPart(t, ns, up.ID, 6, u)       // left out
	p7 := upPart(t, ns, up.ID, 7, small)
	for _, c := range []struct {
		name string
		data []byte
		want int
	}{{"x", x, 2}, {"empty", nil, 1}, {"a", a, 0}, {"b", b, 1}, {"u", u, 1}, {"small", small, 1}} {
		if got := upRefs(t, s, c.data); got != c.want {
			t.Errorf("before completion, %s has %d references, want %d", c.name, got, c.want)
		}
	}
	parts := []storage.Part{p1, p2, p3, p4, p7}
	info := upOK(ns.CompleteUpload(ctx, up.ID, parts, storage.PutOptions{}))(t)
	want := bytes.Join([][]byte{x, nil, x, b, small}, nil)
	if info.Parts != 5 || info.Size != int64(len(want)) {
		t.Fatalf("completed: %+v", info)
	}
	if got := storagetest.ReadAll(t, ns, "/r/f"); !bytes.Equal(got, want) {
		t.Fatal("assembled content differs")
	}
	for _, c := range []struct {
		name string
		data []byte
		want int
	}{{"x", x, 2}, {"empty", nil, 1}, {"b", b, 1}, {"u", u, 0}, {"small", small, 1}} {
		if got := upRefs(t, s, c.data); got != c.want {
			t.Errorf("after completion, %s has %d references, want %d", c.name, got, c.want)
		}
	}

	// A copy and a restored version share the parts.
	upOK(ns.Copy(ctx, "/r/f", "/r/g", storage.CopyOptions{}))(t)
	upOK(ns.Put(ctx, "/r/f", bytes.NewReader(small), storage.PutOptions{Size: -1}))(t)
	restored := upOK(ns.RestoreVersion(ctx, "/r/f", info.VersionID))(t)
	if restored.ETag() != info.ETag() || restored.Parts != 5 {
		t.Fatalf("restored version: %+v", restored)
	}
	if got := upRefs(t, s, x); got != 6 {
		t.Fatalf("x has %d references with three versions sharing it, want 6", got)
	}
	if err := ns.DeleteVersions(ctx, "/r/f", []uint64{info.VersionID}); err != nil {
		t.Fatal(err)
	}
	if got := upRefs(t, s, x); got != 4 {
		t.Fatalf("x has %d references after deleting a version, want 4", got)
	}
	for _, p := range []string{"/r/f", "/r/g"} {
		if err := ns.Delete(ctx, p, storage.DeleteOptions{Permanent: true}); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range [][]byte{x, nil, b, small} {
		if got := upRefs(t, s, d); got != 0 {
			t.Errorf("%d references left after deleting every file", got)
		}
	}
	if n := shardBytes(t, s.dir); n != 0 {
		t.Fatalf("%d bytes of shards left after deleting every file", n)
	}
}

// An assembled version beyond MaxVersions is pruned like any other.
func TestUploadVersionsArePruned(t *testing.T) {
	s := newStack(t)
	e := upOK(engine.New(s.meta, s.blob, engine.Options{MaxVersions: 1}))(t)
	ns := e.As(admin)
	upOK(ns.Mkdir(ctx, "/r"))(t)
	first := storagetest.Payload(5, 200<<10)
	for i, data := range [][]byte{first, storagetest.Payload(6, 200<<10)} {
		up := upOK(ns.CreateUpload(ctx, "/r/f", storage.PutOptions{}))(t)
		p := upPart(t, ns, up.ID, 1, data)
		info := upOK(ns.CompleteUpload(ctx, up.ID, []storage.Part{p}, storage.PutOptions{}))(t)
		if info.Versions != 1 {
			t.Fatalf("completion %d: %d versions", i, info.Versions)
		}
	}
	if got := upRefs(t, s, first); got != 0 {
		t.Fatalf("the pruned version's part has %d references", got)
	}
}

// uploadUsers is /r, where two users may write and edit, and an administrator.
func uploadUsers(t *testing.T, e *engine.Engine) (adm, one, two storage.Namespace) {
	adm = e.As(admin)
	one = e.As(storage.Principal{UserID: "u-1", Login: "one"})
	two = e.As(storage.Principal{UserID: "u-2", Login: "two"})
	upOK(adm.Mkdir(ctx, "/r"))(t)
	rw := storage.Browse | storage.Read | storage.Download | storage.Write | storage.Edit
	for _, u := range []string{"u-1", "u-2"} {
		if err := adm.SetGrant(ctx, "/r", storage.Subject{ID: u}, rw); err != nil {
			t.Fatal(err)
		}
	}
	return adm, one, two
}

func TestUploadsBelongToTheirStarter(t *testing.T) {
	s := newStack(t)
	adm, one, two := uploadUsers(t, s.eng)
	up := upOK(one.CreateUpload(ctx, "/r/f", storage.PutOptions{}))(t)
	if up.UserID != "u-1" || up.Login != "one" {
		t.Fatalf("upload %+v", up)
	}
	p := upPart(t, one, up.ID, 1, []byte("one"))

	_, err := two.Upload(ctx, up.ID)
	upWantKind(t, "another user's Upload", err, storage.NotFound)
	_, err = two.Parts(ctx, up.ID)
	upWantKind(t, "another user's Parts", err, storage.NotFound)
	_, err = two.UploadPart(ctx, up.ID, 2, strings.NewReader("two"), storage.PutOptions{Size: 3})
	upWantKind(t, "a part of another user's upload", err, storage.NotFound)
	_, err = two.CompleteUpload(ctx, up.ID, []storage.Part{p}, storage.PutOptions{})
	upWantKind(t, "completing another user's upload", err, storage.NotFound)
	upWantKind(t, "aborting another user's upload", two.AbortUpload(ctx, up.ID), storage.NotFound)
	if ups := upOK(two.Uploads(ctx, "/r"))(t); len(ups) != 0 {
		t.Fatalf("another user lists %+v", ups)
	}
	if ups := upOK(one.Uploads(ctx, "/r"))(t); len(ups) != 1 || ups[0].ID != up.ID {
		t.Fatalf("the starter lists %+v", ups)
	}
	if ups := upOK(adm.Uploads(ctx, "/"))(t); len(ups) != 1 || ups[0].UserID != "u-1" {
		t.Fatalf("an administrator lists %+v", ups)
	}
	upOK(adm.Upload(ctx, up.ID))(t)
	if ps := upOK(one.Parts(ctx, up.ID))(t); len(ps) != 1 || ps[0].MD5 != md5.Sum([]byte("one")) {
		t.Fatalf("parts %+v", ps)
	}

	// Rights are checked when the upload starts and again on completion.
	three := s.eng.As(storage.Principal{UserID: "u-3", Login: "three"})
	_, err = three.CreateUpload(ctx, "/r/g", storage.PutOptions{})
	upWantKind(t, "an upload where the caller sees nothing", err, storage.NotFound)
	if err := adm.SetGrant(ctx, "/r", storage.Subject{ID: "u-3"}, storage.Browse|storage.Read); err != nil {
		t.Fatal(err)
	}
	_, err = three.CreateUpload(ctx, "/r/g", storage.PutOptions{})
	upWantKind(t, "an upload without Write", err, storage.Permission)
	if err := adm.SetGrant(ctx, "/r", storage.Subject{ID: "u-1"}, storage.Browse|storage.Read); err != nil {
		t.Fatal(err)
	}
	_, err = one.CompleteUpload(ctx, up.ID, []storage.Part{p}, storage.PutOptions{})
	upWantKind(t, "completing after losing Write", err, storage.Permission)
	if err := adm.SetGrant(ctx, "/r", storage.Subject{ID: "u-1"}, storage.Browse|storage.Read|storage.Write); err != nil {
		t.Fatal(err)
	}
	info := upOK(one.CompleteUpload(ctx, up.ID, []storage.Part{p}, storage.PutOptions{}))(t)
	if info.Author != "one" || info.Owner != "u-1" {
		t.Fatalf("completed by %q, owned by %q", info.Author, info.Owner)
	}
	// Overwriting needs Edit, which one no longer holds.
	_, err = one.CreateUpload(ctx, "/r/f", storage.PutOptions{})
	upWantKind(t, "an upload over a file without Edit", err, storage.Permission)
}

func TestCompleteOntoALockedFile(t *testing.T) {
	s := newStack(t)
	adm, one, two := uploadUsers(t, s.eng)
	old := upOK(adm.Put(ctx, "/r/f", strings.NewReader("old"), storage.PutOptions{Size: 3}))(t)
	up := upOK(one.CreateUpload(ctx, "/r/f", storage.PutOptions{}))(t)
	data := storagetest.Payload(7, 300<<10)
	p := upPart(t, one, up.ID, 1, data)
	l := upOK(two.Lock(ctx, "/r/f", storage.LockOptions{}))(t)

	_, err := one.CreateUpload(ctx, "/r/f", storage.PutOptions{})
	upWantKind(t, "starting an upload onto a locked file", err, storage.Locked)
	_, err = one.CompleteUpload(ctx, up.ID, []storage.Part{p}, storage.PutOptions{})
	upWantKind(t, "completing onto a locked file", err, storage.Locked)
	if ps := upOK(one.Parts(ctx, up.ID))(t); len(ps) != 1 || ps[0].MD5 != p.MD5 {
		t.Fatalf("the refused completion changed the upload: %+v", ps)
	}
	if st := upOK(one.Stat(ctx, "/r/f"))(t); st.VersionID != old.VersionID {
		t.Fatalf("the refused completion changed the file: %+v", st)
	}
	if got := upRefs(t, s, data); got != 1 {
		t.Fatalf("the part has %d references after a refused completion", got)
	}
	// The holder of the lock is not stopped, nor is the starter once it goes.
	if err := two.Unlock(ctx, l.Token); err != nil {
		t.Fatal(err)
	}
	info := upOK(one.CompleteUpload(ctx, up.ID, []storage.Part{p}, storage.PutOptions{}))(t)
	if info.Versions != 2 || info.Parts != 1 {
		t.Fatalf("completed: %+v", info)
	}
	if got := storagetest.ReadAll(t, one, "/r/f"); !bytes.Equal(got, data) {
		t.Fatal("content differs")
	}
}

// An upload writes into its folder wherever the folder has moved; once the
// folder is gone it can only be aborted.
func TestUploadFollowsItsFolder(t *testing.T) {
	s := newStack(t)
	ns := s.eng.As(admin)
	for _, d := range []string{"/r", "/r/d", "/r/g"} {
		upOK(ns.Mkdir(ctx, d))(t)
	}
	up := upOK(ns.CreateUpload(ctx, "/r/d/f", storage.PutOptions{}))(t)
	p := upPart(t, ns, up.ID, 1, []byte("moved"))
	upOK(ns.Move(ctx, "/r/d", "/r/e"))(t)
	if got := upOK(ns.Upload(ctx, up.ID))(t); got.Path != "/r/e/f" {
		t.Fatalf("after the move, the upload writes %s", got.Path)
	}
	if ups := upOK(ns.Uploads(ctx, "/r/e"))(t); len(ups) != 1 {
		t.Fatalf("Uploads(/r/e): %+v", ups)
	}
	if ups := upOK(ns.Uploads(ctx, "/r/g"))(t); len(ups) != 0 {
		t.Fatalf("Uploads(/r/g): %+v", ups)
	}
	if info := upOK(ns.CompleteUpload(ctx, up.ID, []storage.Part{p}, storage.PutOptions{}))(t); info.Path != "/r/e/f" {
		t.Fatalf("completed at %s", info.Path)
	}

	gone := upOK(ns.CreateUpload(ctx, "/r/g/f", storage.PutOptions{}))(t)
	p = upPart(t, ns, gone.ID, 1, storagetest.Payload(8, 200<<10))
	if err := ns.Delete(ctx, "/r/g", storage.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err := ns.CompleteUpload(ctx, gone.ID, []storage.Part{p}, storage.PutOptions{})
	upWantKind(t, "completing into a trashed folder", err, storage.NotFound)
	if got := upOK(ns.Upload(ctx, gone.ID))(t); got.Path != "/r/g/f" {
		t.Fatalf("an upload whose folder is gone says %s", got.Path)
	}
	if err := ns.AbortUpload(ctx, gone.ID); err != nil {
		t.Fatal(err)
	}
}

func TestAbandonedUploadsExpire(t *testing.T) {
	s := newStack(t)
	clk := &clock{t: time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)}
	e := upOK(engine.New(s.meta, s.blob, engine.Options{Now: clk.now}))(t)
	ns := e.As(admin)
	upOK(ns.Mkdir(ctx, "/r"))(t)
	old := upOK(ns.CreateUpload(ctx, "/r/old", storage.PutOptions{}))(t)
	big, small := storagetest.Payload(9, 1<<20+9), []byte("small")
	upPart(t, ns, old.ID, 1, big)
	upPart(t, ns, old.ID, 2, small)
	clk.add(6 * 24 * time.Hour)
	recent := upOK(ns.CreateUpload(ctx, "/r/recent", storage.PutOptions{}))(t)
	upPart(t, ns, recent.ID, 1, small)

	if m, err := e.Maintain(ctx); err != nil || m.UploadsExpired != 0 {
		t.Fatalf("first pass: %+v, %v", m, err)
	}
	if ups := upOK(ns.Uploads(ctx, "/"))(t); len(ups) != 2 {
		t.Fatalf("uploads younger than 7 days expired: %+v", ups)
	}
	clk.add(2 * 24 * time.Hour)
	if m, err := e.Maintain(ctx); err != nil || m.UploadsExpired != 1 {
		t.Fatalf("second pass: %+v, %v", m, err)
	}
	if ups := upOK(ns.Uploads(ctx, "/"))(t); len(ups) != 1 || ups[0].ID != recent.ID {
		t.Fatalf("after 8 days, uploads left: %+v", ups)
	}
	_, err := ns.Upload(ctx, old.ID)
	upWantKind(t, "an expired upload", err, storage.NotFound)
	if got := upRefs(t, s, big); got != 0 {
		t.Fatalf("an expired upload's part has %d references", got)
	}
	if got := upRefs(t, s, small); got != 1 {
		t.Fatalf("the part left has %d references, want 1", got)
	}
}

func TestUploadsAreAudited(t *testing.T) {
	s := newStack(t)
	log := upOK(audit.New(s.meta, audit.Options{}))(t)
	e := upOK(engine.New(s.meta, s.blob, engine.Options{Audit: log}))(t)
	ns := e.As(admin)
	upOK(ns.Mkdir(ctx, "/r"))(t)
	up := upOK(ns.CreateUpload(ctx, "/r/f", storage.PutOptions{}))(t)
	p := upPart(t, ns, up.ID, 1, []byte("x"))
	info := upOK(ns.CompleteUpload(ctx, up.ID, []storage.Part{p}, storage.PutOptions{}))(t)
	up = upOK(ns.CreateUpload(ctx, "/r/g", storage.PutOptions{}))(t)
	upPart(t, ns, up.ID, 1, []byte("y"))
	if err := ns.AbortUpload(ctx, up.ID); err != nil {
		t.Fatal(err)
	}
	page := upOK(log.Query(ctx, audit.Query{}))(t)
	var got []string
	for _, en := range page.Entries {
		got = append(got, en.Type+" "+en.ObjectName)
	}
	if want := "folder_create /r|upload /r/f|upload_abort /r/g"; strings.Join(got, "|") != want {
		t.Fatalf("audited %q, want %q", strings.Join(got, "|"), want)
	}
	if en := page.Entries[1]; en.ObjectID != uint64(info.ID) || !en.OK {
		t.Fatalf("completion entry %+v", en)
	}
	if en := page.Entries[2]; !strings.Contains(en.Detail, up.ID) {
		t.Fatalf("abort entry %+v", en)
	}
}

// The upload and its parts survive a restart, and complete afterwards.
func TestUploadsSurviveRestart(t *testing.T) {
	dir := t.TempDir()
	s := openStack(t, dir)
	ns := s.eng.As(admin)
	upOK(ns.Mkdir(ctx, "/r"))(t)
	up := upOK(ns.CreateUpload(ctx, "/r/f", storage.PutOptions{Meta: map[string]string{"k": "v"}}))(t)
	one, two := storagetest.Payload(10, 1<<20+10), storagetest.Payload(11, 10)
	parts := []storage.Part{upPart(t, ns, up.ID, 1, one), upPart(t, ns, up.ID, 2, two)}
	s.close(t)

	s = openStack(t, dir)
	defer s.close(t)
	ns = s.eng.As(admin)
	if got := upOK(ns.Upload(ctx, up.ID))(t); got.Path != "/r/f" || got.Meta["k"] != "v" {
		t.Fatalf("after a restart: %+v", got)
	}
	if ps := upOK(ns.Parts(ctx, up.ID))(t); len(ps) != 2 || ps[0] != parts[0] || ps[1] != parts[1] {
		t.Fatalf("parts after a restart: %+v, want %+v", ps, parts)
	}
	upOK(ns.CompleteUpload(ctx, up.ID, parts, storage.PutOptions{}))(t)
	if got := storagetest.ReadAll(t, ns, "/r/f"); !bytes.Equal(got, append(one, two...)) {
		t.Fatal("content differs")
	}
	r := upOK(s.eng.Verify(ctx))(t)
	if len(r.Problems) != 0 || r.Uploads != 0 {
		t.Fatalf("verify: %+v", r)
	}
}

// Verify counts the references that uploads hold, and finds part records
// that belong to no upload.
func TestVerifyCountsUploadReferences(t *testing.T) {
	s := openStack(t, t.TempDir())
	defer s.close(t)
	ns := s.eng.As(admin)
	upOK(ns.Mkdir(ctx, "/r"))(t)
	upOK(ns.Put(ctx, "/r/v", strings.NewReader("one"), storage.PutOptions{Size: 3}))(t)
	up := upOK(ns.CreateUpload(ctx, "/r/f", storage.PutOptions{}))(t)
	upPart(t, ns, up.ID, 1, []byte("one")) // shared with /r/v: two references
	upPart(t, ns, up.ID, 2, []byte("two"))
	if r := upOK(s.eng.Verify(ctx))(t); len(r.Problems) != 0 || r.Uploads != 1 || r.Parts != 2 {
		t.Fatalf("healthy uploads: %+v", r)
	}
	id := upOK(hex.DecodeString(up.ID))(t)
	b := s.meta.NewBatch()
	b.Delete(binary.BigEndian.AppendUint32(append([]byte("u/p/"), id...), 1))
	b.Delete(append([]byte("u/u/"), id...))
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
	r := upOK(s.eng.Verify(ctx))(t)
	got := strings.Join(r.Problems, "\n")
	for _, want := range []string{"belongs to no upload", "reference count 2, versions and uploads hold 1"} {
		if !strings.Contains(got, want) {
			t.Errorf("verify did not report %q; it said:\n%s", want, got)
		}
	}
}

// TestProcessKillDuringUploadPart kills a process while it streams a part,
// in the middle of its content or once its reader has returned io.EOF: after
// a restart the upload holds its earlier part and, if the kill came after
// the commit, the whole new part; partial shards are collected, and the
// upload completes.
func TestProcessKillDuringUploadPart(t *testing.T) {
	const (
		part1 = 1 << 20
		part2 = 32 << 20
	)
	switch os.Getenv(procModeEnv) {
	case "partmid", "partend":
		ctx := context.Background()
		s, _, _, err := procOpen(ctx, os.Getenv(procDirEnv))
		if err != nil {
			t.Fatal(err)
		}
		upOK(s.ns.Mkdir(ctx, "/r"))(t)
		up := upOK(s.ns.CreateUpload(ctx, "/r/f", storage.PutOptions{}))(t)
		upOK(s.ns.UploadPart(ctx, up.ID, 1, procContent(1, part1), storage.PutOptions{Size: part1}))(t)
		fmt.Println("UPLOAD", up.ID)
		mid := os.Getenv(procModeEnv) == "partmid"
		r := &procStopReader{r: procContent(2, part2), stop: func(n int64, eof bool) {
			switch {
			case mid && n >= part2/2:
				procBlock("STOP")
			case !mid && eof:
				fmt.Println("STOP") // the engine goes on: the parent kills it now
			}
		}}
		_, err = s.ns.UploadPart(ctx, up.ID, 2, r, storage.PutOptions{Size: -1})
		if mid {
			t.Fatalf("the part the parent should have killed returned: %v", err)
		}
		procBlock("STOP")
		return
	}
	for _, mode := range []string{"partmid", "partend"} {
		t.Run(mode, func(t *testing.T) {
			dir := t.TempDir()
			c := procStart(t, t.Name()[:strings.Index(t.Name(), "/")], mode, dir)
			id := strings.TrimPrefix(c.await(t, "UPLOAD ", procWaitTimeout), "UPLOAD ")
			c.await(t, "STOP", procWaitTimeout)
			c.kill(t)

			ctx := context.Background()
			s, files, _, err := procOpen(ctx, dir)
			if err != nil {
				t.Fatalf("reopen after the kill: %v", err)
			}
			defer s.close()
			parts := upOK(s.ns.Parts(ctx, id))(t)
			want := procBytes(1, part1)
			switch {
			case len(parts) == 1 && parts[0].Number == 1:
				if files == 0 && mode == "partmid" {
					t.Error("Collect found no partial shards of the killed part")
				}
				t.Logf("killed before the commit: part 1 alone, %d partial shard files collected", files)
			case len(parts) == 2 && mode == "partend":
				want = append(want, procBytes(2, part2)...)
				t.Log("killed after the commit: part 2 is whole")
			default:
				t.Fatalf("parts after the kill: %+v", parts)
			}
			if kept, used := int64(len(want)), procUsage(t, s.drives); used > 2*kept+1<<20 {
				t.Errorf("after Collect the drive folders hold %.1f MiB; the parts need about %.1f MiB", mibs(used), mibs(2*kept))
			}
			upOK(s.ns.CompleteUpload(ctx, id, parts, storage.PutOptions{}))(t)
			procCheckFile(t, s.ns, "/r/f", want)
			e := upOK(engine.New(s.meta, s.blob, engine.Options{}))(t)
			if r := upOK(e.Verify(ctx))(t); len(r.Problems) != 0 {
				t.Fatalf("verify: %v", r.Problems)
			}
		})
	}
}
