package storagetest

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"

	"coffre/storage"
)

// Factory returns an empty namespace, bound to a principal who may do
// everything, for one test. The test's cleanup releases it.
type Factory func(t *testing.T) storage.Namespace

// Run runs every conformance case against namespaces made by newNS.
func Run(t *testing.T, newNS Factory) {
	cases := []struct {
		name string
		fn   func(t *testing.T, ns storage.Namespace)
	}{
		{"MkdirStat", testMkdirStat},
		{"PutOpenSizes", testPutOpenSizes},
		{"ReadAtOffsets", testReadAtOffsets},
		{"Versions", testVersions},
		{"ListOrderAndPages", testList},
		{"Delete", testDelete},
		{"TrashRestorePurge", testTrash},
		{"VersionsDeleteRestore", testVersionOps},
		{"Quotas", testQuotas},
		{"Move", testMove},
		{"Copy", testCopy},
		{"Conditions", testConditions},
		{"FailedWritesChangeNothing", testFailedWrites},
		{"InvalidPaths", testInvalidPaths},
		{"ConcurrentWriters", testConcurrent},
		{"Meta", testMeta},
		{"ListKeys", testListKeys},
		{"Uploads", testUploads},
		{"StatID", testStatID},
		{"TrashVersions", testTrashVersions},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer reportMust(t)
			c.fn(t, newNS(t))
		})
	}
}

var ctx = context.Background()

// Payload returns n deterministic pseudo-random bytes derived from seed.
func Payload(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := 0; i+8 <= n; i += 8 {
		v := r.Uint64()
		for j := 0; j < 8; j++ {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	for i := n &^ 7; i < n; i++ {
		b[i] = byte(r.Uint32())
	}
	return b
}

func wantKind(t *testing.T, what string, err error, kind storage.Kind) {
	t.Helper()
	if got := storage.KindOf(err); err == nil || got != kind {
		t.Fatalf("%s: got error %v (kind %v), want kind %v", what, err, got, kind)
	}
}

// mustFail carries an unexpected error from must to the recover in Run.
type mustFail struct {
	err   error
	where string
}

// must returns v, or ends the current case with err. Run turns the panic into
// a test failure.
func must[T any](v T, err error) T {
	if err != nil {
		_, file, line, _ := runtime.Caller(1)
		panic(mustFail{err, fmt.Sprintf("%s:%d", filepath.Base(file), line)})
	}
	return v
}

func put(t *testing.T, ns storage.Namespace, path string, data []byte) storage.Info {
	t.Helper()
	return must(ns.Put(ctx, path, bytes.NewReader(data), storage.PutOptions{Size: int64(len(data))}))
}

func mkdir(t *testing.T, ns storage.Namespace, path string) {
	t.Helper()
	must(ns.Mkdir(ctx, path))
}

// ReadAll reads the current version of the file at path.
func ReadAll(t *testing.T, ns storage.Namespace, path string) []byte {
	t.Helper()
	obj := must(ns.Open(ctx, path))
	defer obj.Close()
	return readObject(t, obj)
}

func readObject(t *testing.T, obj storage.Object) []byte {
	t.Helper()
	b, err := io.ReadAll(io.NewSectionReader(obj, 0, obj.Info().Size))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func wantContent(t *testing.T, ns storage.Namespace, path string, want []byte) {
	t.Helper()
	got := ReadAll(t, ns, path)
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: read %d bytes (md5 %x), want %d bytes (md5 %x)", path, len(got), md5.Sum(got), len(want), md5.Sum(want))
	}
}

func testMkdirStat(t *testing.T, ns storage.Namespace) {
	top := must(ns.Stat(ctx, "/"))
	if !top.Dir {
		t.Fatal("/ is not a folder")
	}
	root := must(ns.Mkdir(ctx, "/r"))
	if !root.Dir || root.Name != "r" || root.Path != "/r" || root.ID == 0 || root.GUID == "" {
		t.Fatalf("mkdir /r: %+v", root)
	}
	sub := must(ns.Mkdir(ctx, "/r/sub"))
	if sub.ParentID != root.ID {
		t.Fatalf("parent of /r/sub is %d, want %d", sub.ParentID, root.ID)
	}
	_, err := ns.Mkdir(ctx, "/r/sub")
	wantKind(t, "mkdir existing", err, storage.Exists)
	_, err = ns.Mkdir(ctx, "/r/missing/x")
	wantKind(t, "mkdir under missing", err, storage.NotFound)
	got := must(ns.Stat(ctx, "/r/sub/"))
	if got.ID != sub.ID || got.GUID != sub.GUID {
		t.Fatalf("stat /r/sub/: %+v, want %+v", got, sub)
	}
	_, err = ns.Stat(ctx, "/r/nope")
	wantKind(t, "stat missing", err, storage.NotFound)
}

func testPutOpenSizes(t *testing.T, ns storage.Namespace) {
	mkdir(t, ns, "/r")
	for i, n := range []int{0, 1, 4096, 128<<10 - 1, 128 << 10, 1<<20 - 1, 1 << 20, 1<<20 + 1, 3<<20 + 12345} {
		path := fmt.Sprintf("/r/f%d", n)
		data := Payload(uint64(i), n)
		info := put(t, ns, path, data)
		if info.Size != int64(n) || info.MD5 != md5.Sum(data) || info.Dir || info.Versions != 1 {
			t.Fatalf("put %s: %+v", path, info)
		}
		if want := fmt.Sprintf(`"%x"`, md5.Sum(data)); info.ETag() != want {
			t.Fatalf("etag %s, want %s", info.ETag(), want)
		}
		st := must(ns.Stat(ctx, path))
		if st.Size != info.Size || st.MD5 != info.MD5 || st.VersionID != info.VersionID {
			t.Fatalf("stat %s: %+v, want %+v", path, st, info)
		}
		wantContent(t, ns, path, data)
	}
	_, err := ns.Open(ctx, "/r")
	wantKind(t, "open folder", err, storage.Conflict)
	_, err = ns.Open(ctx, "/r/none")
	wantKind(t, "open missing", err, storage.NotFound)
}

func testReadAtOffsets(t *testing.T, ns storage.Namespace) {
	mkdir(t, ns, "/r")
	data := Payload(7, 2<<20+777)
	put(t, ns, "/r/f", data)
	obj := must(ns.Open(ctx, "/r/f"))
	defer obj.Close()
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200; i++ {
		off := r.IntN(len(data))
		n := r.IntN(300 << 10)
		buf := make([]byte, n)
		got, err := obj.ReadAt(buf, int64(off))
		want := min(n, len(data)-off)
		if got != want || (got < n && err != io.EOF) || (got == n && err != nil && err != io.EOF) {
			t.Fatalf("ReadAt(%d bytes at %d) = %d, %v; want %d", n, off, got, err, want)
		}
		if !bytes.Equal(buf[:got], data[off:off+got]) {
			t.Fatalf("ReadAt(%d bytes at %d): wrong bytes", n, off)
		}
	}
	if n, err := obj.ReadAt(make([]byte, 1), int64(len(data))); n != 0 || err != io.EOF {
		t.Fatalf("ReadAt at end = %d, %v; want 0, EOF", n, err)
	}
}

func testVersions(t *testing.T, ns storage.Namespace) {
	mkdir(t, ns, "/r")
	var infos []storage.Info
	var datas [][]byte
	for i := 0; i < 3; i++ {
		d := Payload(uint64(100+i), 1000*(i+1)+200<<10*(i%2))
		datas = append(datas, d)
		infos = append(infos, put(t, ns, "/r/doc", d))
	}
	if infos[2].ID != infos[0].ID || infos[2].GUID != infos[0].GUID {
		t.Fatal("an overwrite changed the file's identity")
	}
	if infos[2].Versions != 3 {
		t.Fatalf("versions count %d, want 3", infos[2].Versions)
	}
	vs := must(ns.Versions(ctx, "/r/doc"))
	if len(vs) != 3 {
		t.Fatalf("%d versions, want 3", len(vs))
	}
	for i, v := range vs {
		src := 2 - i
		if v.ID != infos[src].VersionID || v.Size != int64(len(datas[src])) || v.MD5 != md5.Sum(datas[src]) {
			t.Fatalf("version %d: %+v, want id %d", i, v, infos[src].VersionID)
		}
		obj := must(ns.OpenVersion(ctx, "/r/doc", v.ID))
		if got := readObject(t, obj); !bytes.Equal(got, datas[src]) {
			t.Fatalf("version %d content differs", v.ID)
		}
		if obj.Info().VersionID != v.ID {
			t.Fatalf("opened version %d, info says %d", v.ID, obj.Info().VersionID)
		}
		obj.Close()
	}
	_, err := ns.OpenVersion(ctx, "/r/doc", 1<<60)
	wantKind(t, "open missing version", err, storage.NotFound)
	wantContent(t, ns, "/r/doc", datas[2])
}

func testList(t *testing.T, ns storage.Namespace) {
	mkdir(t, ns, "/r")
	names := []string{"b", "a-b", "a", "A", "é", "z z", "a%2Fb", "日本", "a.txt", "0"}
	for i, n := range names {
		if i%2 == 0 {
			mkdir(t, ns, "/r/"+n)
		} else {
			put(t, ns, "/r/"+n, []byte(n))
		}
	}
	sort.Strings(names) // byte order
	var got []string
	after := ""
	for pages := 0; ; pages++ {
		if pages > len(names) {
			t.Fatal("listing does not end")
		}
		p := must(ns.List(ctx, "/r", storage.ListOptions{After: after, Limit: 3}))
		for _, it := range p.Items {
			got = append(got, it.Name)
			if it.Path != "/r/"+it.Name {
				t.Fatalf("item path %q", it.Path)
			}
		}
		if p.Next == "" {
			break
		}
		after = p.Next
	}
	if strings.Join(got, "|") != strings.Join(names, "|") {
		t.Fatalf("paged listing %q, want %q", got, names)
	}
	p := must(ns.List(ctx, "/r", storage.ListOptions{Prefix: "a"}))
	var pre []string
	for _, it := range p.Items {
		pre = append(pre, it.Name)
	}
	if strings.Join(pre, "|") != "a|a%2Fb|a-b|a.txt" {
		t.Fatalf("prefix listing %q", pre)
	}
	p = must(ns.List(ctx, "/r/a", storage.ListOptions{}))
	if len(p.Items) != 0 || p.Next != "" {
		t.Fatalf("empty folder lists %+v", p)
	}
	_, err := ns.List(ctx, "/r/a-b", storage.ListOptions{})
	wantKind(t, "list a file", err, storage.Conflict)
	top := must(ns.List(ctx, "/", storage.ListOptions{}))
	if len(top.Items) != 1 || top.Items[0].Name != "r" || top.Items[0].Path != "/r" {
		t.Fatalf("top listing %+v", top.Items)
	}
}

func testDelete(t *testing.T, ns storage.Namespace) {
	mkdir(t, ns, "/r")
	mkdir(t, ns, "/r/d")
	mkdir(t, ns, "/r/d/e")
	put(t, ns, "/r/d/e/f", Payload(1, 300<<10))
	put(t, ns, "/r/d/g", []byte("g"))
	put(t, ns, "/r/keep", []byte("keep"))
	if err := ns.Delete(ctx, "/r/d/g", storage.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err := ns.Stat(ctx, "/r/d/g")
	wantKind(t, "stat deleted file", err, storage.NotFound)
	if err := ns.Delete(ctx, "/r/d", storage.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/r/d", "/r/d/e", "/r/d/e/f"} {
		_, err := ns.Stat(ctx, p)
		wantKind(t, "stat below deleted folder", err, storage.NotFound)
	}
	wantContent(t, ns, "/r/keep", []byte("keep"))
	wantKind(t, "delete missing", ns.Delete(ctx, "/r/d", storage.DeleteOptions{Permanent: true}), storage.NotFound)
	wantKind(t, "delete top", ns.Delete(ctx, "/", storage.DeleteOptions{Permanent: true}), storage.Invalid)
	// The name is free again, and the new folder is empty.
	mkdir(t, ns, "/r/d")
	if p := must(ns.List(ctx, "/r/d", storage.ListOptions{})); len(p.Items) != 0 {
		t.Fatalf("recreated folder lists %d items", len(p.Items))
	}
}

func testMove(t *testing.T, ns storage.Namespace) {
	mkdir(t, ns, "/r")
	mkdir(t, ns, "/r/a")
	mkdir(t, ns, "/r/a/b")
	data := Payload(3, 200<<10)
	f := put(t, ns, "/r/a/b/f", data)
	moved := must(ns.Move(ctx, "/r/a/b/f", "/r/g"))
	if moved.ID != f.ID || moved.Path != "/r/g" {
		t.Fatalf("moved file: %+v", moved)
	}
	wantContent(t, ns, "/r/g", data)
	_, err := ns.Stat(ctx, "/r/a/b/f")
	wantKind(t, "stat moved file", err, storage.NotFound)
	put(t, ns, "/r/a/b/h", []byte("h"))
	must(ns.Move(ctx, "/r/a", "/r/renamed"))
	wantContent(t, ns, "/r/renamed/b/h", []byte("h"))
	_, err = ns.Move(ctx, "/r/renamed", "/r/renamed/b/inside")
	wantKind(t, "move folder into itself", err, storage.Conflict)
	_, err = ns.Move(ctx, "/r/renamed", "/r/renamed/x")
	wantKind(t, "move folder into itself", err, storage.Conflict)
	_, err = ns.Move(ctx, "/r/g", "/r/renamed/b/h")
	wantKind(t, "move onto existing", err, storage.Exists)
	_, err = ns.Move(ctx, "/r/g", "/g")
	wantKind(t, "move file to the top", err, storage.Invalid)
	_, err = ns.Move(ctx, "/r/nope", "/r/x")
	wantKind(t, "move missing", err, storage.NotFound)
	_, err = ns.Move(ctx, "/r/g", "/r/nodir/x")
	wantKind(t, "move to missing folder", err, storage.NotFound)
	// A root folder can be renamed, and a same-place move changes nothing.
	must(ns.Move(ctx, "/r", "/r2"))
	must(ns.Move(ctx, "/r2/g", "/r2/g"))
	wantContent(t, ns, "/r2/g", data)
}

func testCopy(t *testing.T, ns storage.Namespace) {
	mkdir(t, ns, "/r")
	data := Payload(4, 300<<10)
	src := put(t, ns, "/r/src", data)
	cp := must(ns.Copy(ctx, "/r/src", "/r/dst", storage.CopyOptions{}))
	if cp.ID == src.ID || cp.MD5 != src.MD5 || cp.Size != src.Size {
		t.Fatalf("copy: %+v from %+v", cp, src)
	}
	wantContent(t, ns, "/r/dst", data)
	other := Payload(5, 10)
	put(t, ns, "/r/dst", other)
	wantContent(t, ns, "/r/src", data)
	if err := ns.Delete(ctx, "/r/src", storage.DeleteOptions{Permanent: true}); err != nil {
		t.Fatal(err)
	}
	obj := must(ns.OpenVersion(ctx, "/r/dst", cp.VersionID))
	if !bytes.Equal(readObject(t, obj), data) {
		t.Fatal("the copy's content went with the deleted source")
	}
	obj.Close()
	_, err := ns.Copy(ctx, "/r/missing", "/r/x", storage.CopyOptions{})
	wantKind(t, "copy missing", err, storage.NotFound)
}

func testConditions(t *testing.T, ns storage.Namespace) {
	mkdir(t, ns, "/r")
	opt := func(ifMatch, ifNone string) storage.PutOptions {
		return storage.PutOptions{Size: -1, IfMatch: ifMatch, IfNoneMatch: ifNone}
	}
	putOpt := func(data string, o storage.PutOptions) error {
		_, err := ns.Put(ctx, "/r/f", strings.NewReader(data), o)
		return err
	}
	wantKind(t, "if-match * on missing", putOpt("x", opt("*", "")), storage.Precondition)
	if err := putOpt("one", opt("", "*")); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "create-only on existing", putOpt("two", opt("", "*")), storage.Precondition)
	cur := must(ns.Stat(ctx, "/r/f"))
	wantKind(t, "if-match wrong", putOpt("two", opt(`"0123"`, "")), storage.Precondition)
	wantKind(t, "if-none-match current", putOpt("two", opt("", cur.ETag())), storage.Precondition)
	if err := putOpt("two", opt(cur.ETag(), "")); err != nil {
		t.Fatalf("if-match current: %v", err)
	}
	wantContent(t, ns, "/r/f", []byte("two"))
	if err := putOpt("three", opt(`"nope", W/`+must(ns.Stat(ctx, "/r/f")).ETag(), "")); err != nil {
		t.Fatalf("if-match list: %v", err)
	}
	old := must(ns.Stat(ctx, "/r/f")).ETag()
	must(ns.Put(ctx, "/r/f", strings.NewReader("four"), storage.PutOptions{Size: 4}))
	wantKind(t, "delete if-match an older version", ns.Delete(ctx, "/r/f", storage.DeleteOptions{IfMatch: old}), storage.Precondition)
	wantKind(t, "delete a folder if-match", ns.Delete(ctx, "/r", storage.DeleteOptions{IfMatch: "*"}), storage.Precondition)
	if err := ns.Delete(ctx, "/r/f", storage.DeleteOptions{IfMatch: must(ns.Stat(ctx, "/r/f")).ETag()}); err != nil {
		t.Fatalf("delete if-match current: %v", err)
	}
	_, err := ns.Put(ctx, "/r/m", strings.NewReader("abc"), storage.PutOptions{Size: 3, MD5: make([]byte, 16)})
	wantKind(t, "wrong MD5", err, storage.Invalid)
	sum := md5.Sum([]byte("abc"))
	must(ns.Put(ctx, "/r/m", strings.NewReader("abc"), storage.PutOptions{Size: 3, MD5: sum[:]}))
	checkSHA256(t, ns)
}

// checkSHA256: a write whose content is not PutOptions.SHA256 fails and
// changes nothing, small or streamed, whatever the MD5 says.
func checkSHA256(t *testing.T, ns storage.Namespace) {
	t.Helper()
	for _, size := range []int{3, 300 << 10} {
		data := bytes.Repeat([]byte("x"), size)
		want := sha256.Sum256(data)
		path := fmt.Sprintf("/r/sha-%d", size)
		must(ns.Put(ctx, path, bytes.NewReader(data), storage.PutOptions{Size: int64(size), SHA256: want[:]}))
		tampered := bytes.Clone(data)
		tampered[size-1] = 'y'
		m := md5.Sum(tampered)
		_, err := ns.Put(ctx, path, bytes.NewReader(tampered), storage.PutOptions{Size: int64(size), SHA256: want[:], MD5: m[:]})
		wantKind(t, "wrong SHA-256", err, storage.Invalid)
		if !errors.Is(err, storage.ErrSHA256Mismatch) {
			t.Fatalf("wrong SHA-256 of %d bytes: %v, want ErrSHA256Mismatch", size, err)
		}
		wantContent(t, ns, path, data)
		if vs := must(ns.Versions(ctx, path)); len(vs) != 1 {
			t.Fatalf("a refused write left %d versions", len(vs))
		}
	}
}

type failingReader struct {
	r     io.Reader
	after int
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.after <= 0 {
		return 0, errors.New("connection reset")
	}
	if len(p) > f.after {
		p = p[:f.after]
	}
	n, err := f.r.Read(p)
	f.after -= n
	return n, err
}

func testFailedWrites(t *testing.T, ns storage.Namespace) {
	mkdir(t, ns, "/r")
	old := Payload(9, 500<<10)
	put(t, ns, "/r/f", old)
	for _, size := range []int{100, 300 << 10, 3 << 20} {
		big := Payload(10, size)
		// Shorter than announced.
		_, err := ns.Put(ctx, "/r/f", bytes.NewReader(big[:size/2]), storage.PutOptions{Size: int64(size)})
		wantKind(t, "short body", err, storage.Invalid)
		// Longer than announced.
		_, err = ns.Put(ctx, "/r/f", bytes.NewReader(big), storage.PutOptions{Size: int64(size / 2)})
		wantKind(t, "long body", err, storage.Invalid)
		// The connection breaks.
		_, err = ns.Put(ctx, "/r/f", &failingReader{r: bytes.NewReader(big), after: size / 2}, storage.PutOptions{Size: -1})
		if err == nil {
			t.Fatal("a failing reader gave a successful put")
		}
		// Cancelled.
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		_, err = ns.Put(cctx, "/r/f", bytes.NewReader(big), storage.PutOptions{Size: int64(size)})
		if err == nil {
			t.Fatal("a cancelled put succeeded")
		}
	}
	wantContent(t, ns, "/r/f", old)
	if vs := must(ns.Versions(ctx, "/r/f")); len(vs) != 1 {
		t.Fatalf("failed writes left %d versions", len(vs))
	}
	_, err := ns.Stat(ctx, "/r/new")
	wantKind(t, "nothing created", err, storage.NotFound)
	_, err = ns.Put(ctx, "/r/new", &failingReader{r: bytes.NewReader(old), after: 1000}, storage.PutOptions{Size: -1})
	if err == nil {
		t.Fatal("failing reader succeeded")
	}
	_, err = ns.Stat(ctx, "/r/new")
	wantKind(t, "failed create leaves no file", err, storage.NotFound)
}

func testInvalidPaths(t *testing.T, ns storage.Namespace) {
	mkdir(t, ns, "/r")
	put(t, ns, "/r/file", []byte("x"))
	for _, p := range []string{"r/x", "/r//x", "/r/../x", "/r/./x", "/r/x\x00y", "/r/" + strings.Repeat("n", 256), "/r/\xff"} {
		_, err := ns.Put(ctx, p, strings.NewReader("x"), storage.PutOptions{Size: 1})
		wantKind(t, fmt.Sprintf("put %q", p), err, storage.Invalid)
		_, err = ns.Mkdir(ctx, p)
		wantKind(t, fmt.Sprintf("mkdir %q", p), err, storage.Invalid)
	}
	_, err := ns.Put(ctx, "/top", strings.NewReader("x"), storage.PutOptions{Size: 1})
	wantKind(t, "file at the top", err, storage.Invalid)
	_, err = ns.Put(ctx, "/r/file/x", strings.NewReader("x"), storage.PutOptions{Size: 1})
	wantKind(t, "file under a file", err, storage.NotFound)
	_, err = ns.Put(ctx, "/r", strings.NewReader("x"), storage.PutOptions{Size: 1})
	wantKind(t, "file over a folder", err, storage.Invalid) // "/r" is at the top
	mkdir(t, ns, "/r/dir")
	_, err = ns.Put(ctx, "/r/dir", strings.NewReader("x"), storage.PutOptions{Size: 1})
	wantKind(t, "file over a folder", err, storage.Conflict)
	_, err = ns.Mkdir(ctx, "/r/file")
	wantKind(t, "folder over a file", err, storage.Exists)
	// Unicode, spaces and percent signs are ordinary names.
	for _, n := range []string{"é è", "a%2Fb", "日本語.txt", "back\\slash", ".hidden", "..."} {
		put(t, ns, "/r/"+n, []byte(n))
		wantContent(t, ns, "/r/"+n, []byte(n))
	}
}

func testConcurrent(t *testing.T, ns storage.Namespace) {
	mkdir(t, ns, "/r")
	mkdir(t, ns, "/r/d")
	const workers, each = 8, 12
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				name := fmt.Sprintf("/r/d/w%d-%d", w, i)
				data := Payload(uint64(w*1000+i), 100+i*37)
				if _, err := ns.Put(ctx, name, bytes.NewReader(data), storage.PutOptions{Size: -1}); err != nil {
					errs <- err
					return
				}
				// Everyone also writes the same shared file and renames its own.
				if _, err := ns.Put(ctx, "/r/d/shared", bytes.NewReader(data), storage.PutOptions{Size: -1}); err != nil {
					errs <- err
					return
				}
				if i%3 == 0 {
					if _, err := ns.Move(ctx, name, name+".moved"); err != nil {
						errs <- err
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	p := must(ns.List(ctx, "/r/d", storage.ListOptions{Limit: 1000}))
	if len(p.Items) != workers*each+1 {
		t.Fatalf("%d entries after concurrent writes, want %d", len(p.Items), workers*each+1)
	}
	if vs := must(ns.Versions(ctx, "/r/d/shared")); len(vs) != workers*each {
		t.Fatalf("shared file has %d versions, want %d", len(vs), workers*each)
	}
}
