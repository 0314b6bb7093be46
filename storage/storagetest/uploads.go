package storagetest

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"

	"coffre/storage"
)

// uploadSizes are the sizes of the parts testUploads assembles: content
// stored inline (below 128 KiB) and on the drives (above 1 MiB), mixed.
var uploadSizes = []int{100 << 10, 1<<20 + 333, 5000, 2<<20 + 7, 77 << 10}

// multipartETag is the ETag S3 gives content assembled from parts: the MD5
// of the parts' MD5s, then "-" and the number of parts.
func multipartETag(parts ...[]byte) string {
	var sums []byte
	for _, p := range parts {
		s := md5.Sum(p)
		sums = append(sums, s[:]...)
	}
	return fmt.Sprintf(`"%x-%d"`, md5.Sum(sums), len(parts))
}

func uploadPart(t *testing.T, ns storage.Namespace, id string, number int, data []byte) storage.Part {
	t.Helper()
	return must(ns.UploadPart(ctx, id, number, bytes.NewReader(data), storage.PutOptions{Size: int64(len(data))}))
}

// testUploads: multipart uploads, from the first part to the trash.
func testUploads(t *testing.T, ns storage.Namespace) {
	mkdir(t, ns, "/r")
	meta := map[string]string{"content-type": "application/x-test", "x-amz-meta-k": "v"}
	up := must(ns.CreateUpload(ctx, "/r/big", storage.PutOptions{Meta: meta}))
	if up.ID == "" || up.Path != "/r/big" || up.Initiated.IsZero() || !maps.Equal(up.Meta, meta) {
		t.Fatalf("CreateUpload: %+v", up)
	}
	if got := must(ns.Upload(ctx, up.ID)); got.ID != up.ID || got.Path != up.Path || !got.Initiated.Equal(up.Initiated) {
		t.Fatalf("Upload: %+v, want %+v", got, up)
	}
	for _, dir := range []string{"/", "/r"} {
		if ups := must(ns.Uploads(ctx, dir)); len(ups) != 1 || ups[0].ID != up.ID {
			t.Fatalf("Uploads(%s): %+v", dir, ups)
		}
	}
	if _, err := ns.Stat(ctx, "/r/big"); !storage.Is(storage.NotFound, err) {
		t.Fatalf("an upload in progress shows as a file: %v", err)
	}

	// Parts 1 to 5 plus a 7th, out of order and at once; part 2 first with
	// other content, then replaced.
	datas := make([][]byte, len(uploadSizes))
	for i, n := range uploadSizes {
		datas[i] = Payload(uint64(600+i), n)
	}
	extra := Payload(700, 3000)
	jobs := map[int][]byte{5: datas[4], 3: datas[2], 1: datas[0], 4: datas[3], 2: Payload(701, 1<<20+5), 7: extra}
	var wg sync.WaitGroup
	errs := make(chan error, len(jobs))
	for number, data := range jobs {
		wg.Go(func() {
			p, err := ns.UploadPart(ctx, up.ID, number, bytes.NewReader(data), storage.PutOptions{Size: -1})
			if err == nil && (p.Number != number || p.Size != int64(len(data)) || p.MD5 != md5.Sum(data) || p.ModTime.IsZero()) {
				err = fmt.Errorf("part %d: %+v", number, p)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	sum2 := md5.Sum(datas[1])
	p2 := must(ns.UploadPart(ctx, up.ID, 2, bytes.NewReader(datas[1]), storage.PutOptions{Size: int64(len(datas[1])), MD5: sum2[:]}))
	if p2.MD5 != sum2 {
		t.Fatalf("replaced part 2: %+v", p2)
	}
	parts := must(ns.Parts(ctx, up.ID))
	var numbers []int
	for _, p := range parts {
		numbers = append(numbers, p.Number)
	}
	if fmt.Sprint(numbers) != "[1 2 3 4 5 7]" {
		t.Fatalf("Parts lists %v", numbers)
	}
	if parts[1].MD5 != sum2 || parts[1].Size != int64(len(datas[1])) {
		t.Fatalf("part 2 after its replacement: %+v", parts[1])
	}

	// Refused parts change nothing.
	_, err := ns.UploadPart(ctx, up.ID, 6, strings.NewReader("abc"), storage.PutOptions{Size: 3, MD5: make([]byte, 16)})
	wantKind(t, "part with a wrong MD5", err, storage.Invalid)
	abc := sha256.Sum256([]byte("abc"))
	_, err = ns.UploadPart(ctx, up.ID, 6, strings.NewReader("abd"), storage.PutOptions{Size: 3, SHA256: abc[:]})
	if !storage.Is(storage.Invalid, err) || !errors.Is(err, storage.ErrSHA256Mismatch) {
		t.Fatalf("part with a wrong SHA-256: %v, want Invalid from ErrSHA256Mismatch", err)
	}
	for _, n := range []int{0, -1, storage.MaxParts + 1} {
		_, err = ns.UploadPart(ctx, up.ID, n, strings.NewReader("abc"), storage.PutOptions{Size: 3})
		wantKind(t, fmt.Sprintf("part number %d", n), err, storage.Invalid)
	}
	_, err = ns.UploadPart(ctx, up.ID, 6, strings.NewReader("ab"), storage.PutOptions{Size: 3})
	wantKind(t, "short part", err, storage.Invalid)
	for _, id := range []string{"", "nope", strings.Repeat("0", 32), up.ID + "00"} {
		_, err = ns.UploadPart(ctx, id, 1, strings.NewReader("abc"), storage.PutOptions{Size: 3})
		wantKind(t, fmt.Sprintf("part of upload %q", id), err, storage.NotFound)
		_, err = ns.Upload(ctx, id)
		wantKind(t, fmt.Sprintf("upload %q", id), err, storage.NotFound)
		_, err = ns.Parts(ctx, id)
		wantKind(t, fmt.Sprintf("parts of upload %q", id), err, storage.NotFound)
		_, err = ns.CompleteUpload(ctx, id, parts[:1], storage.PutOptions{})
		wantKind(t, fmt.Sprintf("complete upload %q", id), err, storage.NotFound)
		wantKind(t, fmt.Sprintf("abort upload %q", id), ns.AbortUpload(ctx, id), storage.NotFound)
	}
	if got := must(ns.Parts(ctx, up.ID)); len(got) != 6 {
		t.Fatalf("refused parts changed the list: %+v", got)
	}

	// Refused completions change nothing.
	list := parts[:5]
	bad := func(what string, l []storage.Part, kind storage.Kind) {
		t.Helper()
		_, err := ns.CompleteUpload(ctx, up.ID, l, storage.PutOptions{})
		wantKind(t, what, err, kind)
	}
	wrong := append([]storage.Part(nil), list...)
	wrong[2].MD5[0] ^= 1
	bad("complete with a wrong MD5", wrong, storage.Invalid)
	_, err = ns.CompleteUpload(ctx, up.ID, wrong, storage.PutOptions{})
	if err == nil || !strings.Contains(err.Error(), "part 3") {
		t.Fatalf("the error of a wrong MD5 does not name part 3: %v", err)
	}
	bad("complete with a missing part", append(append([]storage.Part(nil), list...), storage.Part{Number: 6, MD5: md5.Sum(nil)}), storage.Invalid)
	bad("complete out of order", []storage.Part{list[1], list[0]}, storage.Invalid)
	bad("complete with a part twice", []storage.Part{list[0], list[0]}, storage.Invalid)
	bad("complete with no part", nil, storage.Invalid)
	_, err = ns.CompleteUpload(ctx, up.ID, list, storage.PutOptions{IfMatch: "*"})
	wantKind(t, "complete with If-Match * on a missing file", err, storage.Precondition)
	if _, err := ns.Stat(ctx, "/r/big"); !storage.Is(storage.NotFound, err) {
		t.Fatalf("a refused completion made a file: %v", err)
	}
	if got := must(ns.Parts(ctx, up.ID)); len(got) != 6 {
		t.Fatalf("refused completions changed the parts: %+v", got)
	}

	// Complete with parts 1 to 5: part 7 is dropped.
	info := must(ns.CompleteUpload(ctx, up.ID, list, storage.PutOptions{IfNoneMatch: "*"}))
	var whole []byte
	for _, d := range datas {
		whole = append(whole, d...)
	}
	etag := multipartETag(datas...)
	if info.Size != int64(len(whole)) || info.Parts != 5 || info.ETag() != etag || info.Path != "/r/big" || info.Versions != 1 || !maps.Equal(info.Meta, meta) {
		t.Fatalf("CompleteUpload: %+v (etag %s), want size %d, etag %s", info, info.ETag(), len(whole), etag)
	}
	if st := must(ns.Stat(ctx, "/r/big")); st.ETag() != etag || st.Size != info.Size || st.VersionID != info.VersionID {
		t.Fatalf("Stat after completion: %+v", st)
	}
	if vs := must(ns.Versions(ctx, "/r/big")); len(vs) != 1 || vs[0].ETag() != etag || vs[0].Parts != 5 {
		t.Fatalf("Versions after completion: %+v", vs)
	}
	_, err = ns.Upload(ctx, up.ID)
	wantKind(t, "a completed upload", err, storage.NotFound)
	_, err = ns.Parts(ctx, up.ID)
	wantKind(t, "the parts of a completed upload", err, storage.NotFound)
	_, err = ns.CompleteUpload(ctx, up.ID, list, storage.PutOptions{})
	wantKind(t, "complete twice", err, storage.NotFound)
	wantKind(t, "abort a completed upload", ns.AbortUpload(ctx, up.ID), storage.NotFound)
	if ups := must(ns.Uploads(ctx, "/")); len(ups) != 0 {
		t.Fatalf("Uploads after completion: %+v", ups)
	}

	wantContent(t, ns, "/r/big", whole)
	obj := must(ns.Open(ctx, "/r/big"))
	if obj.Info().ETag() != etag {
		t.Fatalf("Open: ETag %s", obj.Info().ETag())
	}
	readAcrossParts(t, obj, whole)
	obj.Close()

	// Abort: the parts go, the file stays as it was.
	up2 := must(ns.CreateUpload(ctx, "/r/big", storage.PutOptions{}))
	uploadPart(t, ns, up2.ID, 1, Payload(800, 200<<10))
	if err := ns.AbortUpload(ctx, up2.ID); err != nil {
		t.Fatal(err)
	}
	_, err = ns.Upload(ctx, up2.ID)
	wantKind(t, "an aborted upload", err, storage.NotFound)
	_, err = ns.UploadPart(ctx, up2.ID, 2, strings.NewReader("x"), storage.PutOptions{Size: 1})
	wantKind(t, "a part of an aborted upload", err, storage.NotFound)
	if st := must(ns.Stat(ctx, "/r/big")); st.VersionID != info.VersionID {
		t.Fatalf("an aborted upload changed the file: %+v", st)
	}

	// A second upload over the file makes a new version; If-Match applies.
	up3 := must(ns.CreateUpload(ctx, "/r/big", storage.PutOptions{}))
	_, err = ns.CreateUpload(ctx, "/r/big", storage.PutOptions{IfNoneMatch: "*"})
	wantKind(t, "create-only upload over an existing file", err, storage.Precondition)
	small := Payload(801, 10)
	q := uploadPart(t, ns, up3.ID, 9, small)
	_, err = ns.CompleteUpload(ctx, up3.ID, []storage.Part{q}, storage.PutOptions{IfMatch: `"00000000000000000000000000000000-5"`})
	wantKind(t, "complete with a wrong If-Match", err, storage.Precondition)
	v2 := must(ns.CompleteUpload(ctx, up3.ID, []storage.Part{q}, storage.PutOptions{IfMatch: etag}))
	if v2.Versions != 2 || v2.ETag() != multipartETag(small) || v2.Meta != nil {
		t.Fatalf("second completion: %+v", v2)
	}
	wantContent(t, ns, "/r/big", small)
	obj = must(ns.OpenVersion(ctx, "/r/big", info.VersionID))
	if got := readObject(t, obj); !bytes.Equal(got, whole) {
		t.Fatal("the first version's content changed")
	}
	obj.Close()

	// Copies share the parts; the trash keeps them until purged.
	cp := must(ns.Copy(ctx, "/r/big", "/r/copy", storage.CopyOptions{Version: info.VersionID}))
	if cp.ETag() != etag || cp.Parts != 5 || cp.Size != info.Size || !maps.Equal(cp.Meta, meta) {
		t.Fatalf("Copy of an assembled version: %+v", cp)
	}
	wantContent(t, ns, "/r/copy", whole)
	if err := ns.Delete(ctx, "/r/big", storage.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	wantContent(t, ns, "/r/copy", whole)
	if err := ns.Purge(ctx, trashItem(t, ns, "/r/big").ID); err != nil {
		t.Fatal(err)
	}
	wantContent(t, ns, "/r/copy", whole)
	if err := ns.Delete(ctx, "/r/copy", storage.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := must(ns.EmptyTrash(ctx, false)); n != 1 {
		t.Fatalf("emptied %d items, want 1", n)
	}

	// WholeMD5: the MD5 of the whole content, checked against MD5 when set;
	// a mismatch leaves the upload to complete again.
	up4 := must(ns.CreateUpload(ctx, "/r/whole", storage.PutOptions{}))
	a, b := Payload(901, 5<<20), Payload(902, 1000)
	wl := []storage.Part{uploadPart(t, ns, up4.ID, 1, a), uploadPart(t, ns, up4.ID, 2, b)}
	sum := md5.Sum(append(append([]byte(nil), a...), b...))
	_, err = ns.CompleteUpload(ctx, up4.ID, wl, storage.PutOptions{WholeMD5: true, MD5: make([]byte, 16)})
	wantKind(t, "complete with the wrong whole MD5", err, storage.Invalid)
	w := must(ns.CompleteUpload(ctx, up4.ID, wl, storage.PutOptions{WholeMD5: true, MD5: sum[:]}))
	if w.MD5 != sum || w.Parts != 0 || w.ETag() != `"`+hex.EncodeToString(sum[:])+`"` {
		t.Fatalf("WholeMD5 completion: %+v (etag %s)", w, w.ETag())
	}
	if st := must(ns.Stat(ctx, "/r/whole")); st.MD5 != sum || st.Parts != 0 {
		t.Fatalf("Stat after a WholeMD5 completion: %+v", st)
	}
	wantContent(t, ns, "/r/whole", append(append([]byte(nil), a...), b...))

	// Where an upload may not start.
	_, err = ns.CreateUpload(ctx, "/r/missing/f", storage.PutOptions{})
	wantKind(t, "upload into a missing folder", err, storage.NotFound)
	_, err = ns.CreateUpload(ctx, "/r", storage.PutOptions{})
	wantKind(t, "upload at the top", err, storage.Invalid)
	mkdir(t, ns, "/r/dir")
	_, err = ns.CreateUpload(ctx, "/r/dir", storage.PutOptions{})
	wantKind(t, "upload over a folder", err, storage.Conflict)
	_, err = ns.CreateUpload(ctx, "/r/f", storage.PutOptions{Meta: map[string]string{"k": strings.Repeat("x", storage.MaxMeta)}})
	wantKind(t, "upload with oversized meta", err, storage.TooLarge)
	_, err = ns.Uploads(ctx, "/r/none")
	wantKind(t, "uploads of a missing folder", err, storage.NotFound)
	if ups := must(ns.Uploads(ctx, "/")); len(ups) != 0 {
		t.Fatalf("uploads left: %+v", ups)
	}
}

// readAcrossParts reads obj, whose content is want, at every part boundary
// of uploadSizes, at random, and from several goroutines at once.
func readAcrossParts(t *testing.T, obj storage.Object, want []byte) {
	t.Helper()
	check := func(off, n int) error {
		buf := make([]byte, n)
		got, err := obj.ReadAt(buf, int64(off))
		full := min(n, max(len(want)-off, 0))
		if got != full || (got < n && err != io.EOF) || (got == n && err != nil && err != io.EOF) {
			return fmt.Errorf("ReadAt(%d bytes at %d) = %d, %v; want %d", n, off, got, err, full)
		}
		if !bytes.Equal(buf[:got], want[off:off+got]) {
			return fmt.Errorf("ReadAt(%d bytes at %d): wrong bytes", n, off)
		}
		// Objects that write their ranges themselves (gateway.RangeWriter)
		// must write what ReadAt reads.
		if rw, ok := obj.(interface {
			WriteRange(io.Writer, int64, int64) (int64, error)
		}); ok {
			var out bytes.Buffer
			m, err := rw.WriteRange(&out, int64(off), int64(n))
			if m != int64(got) || !bytes.Equal(out.Bytes(), buf[:got]) || (got < n) != (err == io.EOF) {
				return fmt.Errorf("WriteRange(%d bytes at %d) = %d, %v; ReadAt read %d", n, off, m, err, got)
			}
		}
		return nil
	}
	end := 0
	for _, size := range uploadSizes {
		end += size
		for _, c := range [][2]int{{end - 1, 2}, {end - 10, 20}, {end - 1, 1}, {end, 1}, {end - 5000, 200 << 10}} {
			if c[0] < 0 || c[0] >= len(want) {
				continue
			}
			if err := check(c[0], c[1]); err != nil {
				t.Fatal(err)
			}
		}
	}
	// One read spanning every part, and reads at and past the end.
	for _, c := range [][2]int{{0, len(want)}, {1, len(want)}, {len(want), 1}, {len(want) - 3, 10}} {
		if err := check(c[0], c[1]); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(g), 99))
			for range 40 {
				if err := check(r.IntN(len(want)), r.IntN(1500<<10)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
