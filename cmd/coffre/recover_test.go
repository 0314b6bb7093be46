package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"coffre/storage"
	"coffre/storage/engine"
	"coffre/storage/meta"
)

// TestRecoverRelinksRewrittenContent: a content of the checkpoint deleted
// after it (its shard files removed), then written again under another name
// (new shard files), gets its record back from the new headers: the file of
// the checkpoint reads again, and nothing is reported unattached. A file
// deleted after the checkpoint and not written again is the limit: its
// content is gone, and reading it fails.
func TestRecoverRelinksRewrittenContent(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	key := bytes.Repeat([]byte{7}, 32)
	log := slog.New(slog.DiscardHandler)
	st, err := openStore(cfg, key, log)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(st.meta, st.blob, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ns := eng.As(storage.Principal{UserID: "u-test", Login: "test", Admin: true})
	kept, gone := randomBytes(21, 300<<10), randomBytes(22, 200<<10)
	if _, err := ns.Mkdir(ctx, "/docs"); err != nil {
		t.Fatal(err)
	}
	for path, b := range map[string][]byte{"/docs/kept.bin": kept, "/docs/gone.bin": gone} {
		if _, err := ns.Put(ctx, path, bytes.NewReader(b), storage.PutOptions{Size: int64(len(b))}); err != nil {
			t.Fatal(err)
		}
	}
	if n := newCheckpointer(cfg, st, key, log).pass(ctx); n != 4 {
		t.Fatalf("checkpoint on %d drives", n)
	}
	for _, path := range []string{"/docs/kept.bin", "/docs/gone.bin"} {
		if err := ns.Delete(ctx, path, storage.DeleteOptions{Permanent: true}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ns.Put(ctx, "/docs/again.bin", bytes.NewReader(kept), storage.PutOptions{Size: int64(len(kept))}); err != nil {
		t.Fatal(err)
	}
	st.close()
	if err := os.RemoveAll(cfg.Storage.Meta); err != nil {
		t.Fatal(err)
	}

	var out bytes.Buffer
	rb := &rebuild{cfg: cfg, key: key, log: log, out: &out, now: time.Now().UTC()}
	sources, warnings := findCheckpoints(cfg)
	if len(sources) != 4 || len(warnings) > 0 {
		t.Fatalf("checkpoints %v, warnings %v", sources, warnings)
	}
	if err := rb.run(ctx, sources, false); err != nil {
		t.Fatalf("%v\n%s", err, &out)
	}
	if !strings.Contains(out.String(), "0 in the checkpoint, 1 relinked, 0 written after it") {
		t.Fatalf("report:\n%s", &out)
	}

	st, err = openStore(cfg, key, log)
	if err != nil {
		t.Fatal(err)
	}
	defer st.close()
	eng, err = engine.New(st.meta, st.blob, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ns = eng.As(storage.Principal{UserID: "u-test", Login: "test", Admin: true})
	read := func(path string) ([]byte, error) {
		o, err := ns.Open(ctx, path)
		if err != nil {
			return nil, err
		}
		defer o.Close()
		return io.ReadAll(io.NewSectionReader(o, 0, o.Info().Size))
	}
	if b, err := read("/docs/kept.bin"); err != nil || !bytes.Equal(b, kept) {
		t.Fatalf("kept.bin after recovery: %d bytes, %v", len(b), err)
	}
	if _, err := read("/docs/gone.bin"); err == nil {
		t.Fatal("gone.bin reads though its shards were removed after the checkpoint")
	}
	if rep, err := eng.Verify(ctx); err != nil || len(rep.Problems) > 0 {
		t.Fatalf("namespace after recovery: %v %v", rep.Problems, err)
	}
}

// TestRecoverFromHeadersAlone: with no checkpoint, the rebuild refuses
// unless asked to use the headers alone; then every content on the drives
// comes back in lost+found, named by its SHA-256, and the namespace checks.
func TestRecoverFromHeadersAlone(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	key := bytes.Repeat([]byte{7}, 32)
	log := slog.New(slog.DiscardHandler)
	st, err := openStore(cfg, key, log)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(st.meta, st.blob, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ns := eng.As(storage.Principal{UserID: "u-test", Login: "test", Admin: true})
	datas := [][]byte{randomBytes(31, 200<<10), randomBytes(32, 1<<20+5), randomBytes(33, 100)}
	ns.Mkdir(ctx, "/docs")
	for i, b := range datas {
		if _, err := ns.Put(ctx, "/docs/f"+string(rune('0'+i)), bytes.NewReader(b), storage.PutOptions{Size: int64(len(b))}); err != nil {
			t.Fatal(err)
		}
	}
	st.close()
	if err := os.RemoveAll(cfg.Storage.Meta); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	rb := &rebuild{cfg: cfg, key: key, log: log, out: &out, now: time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)}
	if err := rb.run(ctx, nil, false); err == nil || !strings.Contains(err.Error(), "--from-headers") {
		t.Fatalf("rebuild without a checkpoint: %v", err)
	}
	if fileExists(cfg.Storage.Meta) {
		t.Fatal("a refused rebuild left a store")
	}
	if err := rb.run(ctx, nil, true); err != nil {
		t.Fatalf("%v\n%s", err, &out)
	}
	if !strings.Contains(out.String(), "2 found on the drives") || !strings.Contains(out.String(), "all content smaller than storage.inline_limit") {
		t.Fatalf("report:\n%s", &out)
	}

	st, err = openStore(cfg, key, log)
	if err != nil {
		t.Fatal(err)
	}
	defer st.close()
	eng, err = engine.New(st.meta, st.blob, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ns = eng.As(storage.Principal{UserID: "u-admin", Login: "admin", Admin: true})
	for _, b := range datas[:2] { // the third was inline
		path := "/lost+found-2025-03-01/" + sha(b)
		o, err := ns.Open(ctx, path)
		if err != nil {
			t.Fatalf("%s: %v\n%s", path, err, &out)
		}
		got, err := io.ReadAll(io.NewSectionReader(o, 0, o.Info().Size))
		o.Close()
		if err != nil || !bytes.Equal(got, b) {
			t.Fatalf("%s: %d bytes, %v", path, len(got), err)
		}
	}
	if rep, err := eng.Verify(ctx); err != nil || len(rep.Problems) > 0 || rep.Files != 2 {
		t.Fatalf("namespace after recovery: %+v %v", rep, err)
	}
}

// TestSwapStore: the rebuilt store takes the place of a missing store or
// of an empty folder; an existing store is kept, renamed.
func TestSwapStore(t *testing.T) {
	now := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		setup func(dst string)
		aside bool
	}{
		{"missing", func(string) {}, false},
		{"empty folder", func(dst string) { os.Mkdir(dst, 0o700) }, false},
		{"old store", func(dst string) { os.Mkdir(dst, 0o700); os.WriteFile(dst+"/CURRENT", []byte("old"), 0o600) }, true},
	} {
		dir := t.TempDir()
		work, dst := dir+"/meta.recovering", dir+"/meta"
		os.Mkdir(work, 0o700)
		os.WriteFile(work+"/CURRENT", []byte("new"), 0o600)
		tc.setup(dst)
		aside, err := swapStore(work, dst, now)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if b, _ := os.ReadFile(dst + "/CURRENT"); string(b) != "new" || fileExists(work) {
			t.Fatalf("%s: the rebuilt store is not in place", tc.name)
		}
		if b, _ := os.ReadFile(aside + "/CURRENT"); tc.aside != (string(b) == "old") || tc.aside != (aside == dst+".old-20250301T100000Z") {
			t.Fatalf("%s: old store kept as %q", tc.name, aside)
		}
	}
}

// TestRecoverSkipsDamagedCheckpoints: a checkpoint that does not
// authenticate (a flipped byte, a cut file, an edited manifest) or lacks a
// file is skipped for an older one, each named in a warning; with another
// master key none authenticates, and the rebuild stops saying so.
func TestRecoverSkipsDamagedCheckpoints(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	key := bytes.Repeat([]byte{7}, 32)
	log := slog.New(slog.DiscardHandler)
	st, err := openStore(cfg, key, log)
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	c := newCheckpointer(cfg, st, key, log)
	c.now = func() time.Time { return clock }
	for _, v := range []string{"old", "new"} {
		putKey(t, st.meta, "t/k", v)
		if n := c.pass(ctx); n != 4 {
			t.Fatalf("checkpoint on %d drives", n)
		}
		clock = clock.Add(time.Hour)
	}
	st.close()
	if err := os.RemoveAll(cfg.Storage.Meta); err != nil {
		t.Fatal(err)
	}
	sources, _ := findCheckpoints(cfg)
	if len(sources) != 8 {
		t.Fatalf("checkpoints %v", sources)
	}
	newest := func(drive int) (string, manifest) {
		for _, s := range sources {
			if s.drive == drive && s.man.Time.Equal(clock.Add(-time.Hour)) {
				return s.dir, s.man
			}
		}
		t.Fatalf("no newest checkpoint on drive %d", drive)
		return "", manifest{}
	}
	damage := []func(dir string, m manifest) error{
		func(dir string, m manifest) error { // a flipped byte
			p := filepath.Join(dir, checkpointMeta, m.Files[0].Name)
			b, err := os.ReadFile(p)
			if err == nil {
				b[len(b)/2] ^= 1
				err = os.WriteFile(p, b, 0o600)
			}
			return err
		},
		func(dir string, m manifest) error { // a cut file
			p := filepath.Join(dir, checkpointMeta, m.Files[len(m.Files)-1].Name)
			fi, err := os.Stat(p)
			if err == nil {
				err = os.Truncate(p, fi.Size()-1)
			}
			return err
		},
		func(dir string, m manifest) error { // an edited manifest
			m.BlockSize *= 2
			os.Remove(filepath.Join(dir, manifestFile))
			return writeManifest(dir, m)
		},
		func(dir string, m manifest) error { // a missing file
			return os.Remove(filepath.Join(dir, checkpointMeta, m.Files[0].Name))
		},
	}
	for i, d := range damage {
		if err := d(newest(i)); err != nil {
			t.Fatal(err)
		}
	}
	sources, _ = findCheckpoints(cfg)

	var out bytes.Buffer
	wrong := &rebuild{cfg: cfg, key: bytes.Repeat([]byte{8}, 32), log: log, out: &out, now: time.Now().UTC()}
	if err := wrong.run(ctx, sources, false); err == nil || !strings.Contains(err.Error(), "master key does not unwrap any of the 8 checkpoints") {
		t.Fatalf("rebuild with another master key: %v", err)
	}
	if fileExists(cfg.Storage.Meta) || fileExists(cfg.Storage.Meta+".recovering") {
		t.Fatal("a refused rebuild left a store")
	}

	out.Reset()
	rb := &rebuild{cfg: cfg, key: key, log: log, out: &out, now: time.Now().UTC()}
	if err := rb.run(ctx, sources, false); err != nil {
		t.Fatalf("%v\n%s", err, &out)
	}
	report := out.String()
	if n := strings.Count(report, "is damaged or was sealed with another master key"); n != 3 || strings.Count(report, "cannot be used") != 1 {
		t.Fatalf("%d damaged checkpoints reported, want 3 and 1 unusable:\n%s", n, report)
	}
	if !strings.Contains(report, "warning: checkpoint "+clock.Add(-time.Hour).Format(checkpointTimeFormat)+" on drive "+cfg.Storage.Drives[0]+" is damaged") {
		t.Fatalf("the warning does not name the checkpoint and its drive:\n%s", report)
	}
	m, err := meta.Open(cfg.Storage.Meta, meta.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if v, err := m.Get([]byte("t/k")); err != nil || string(v) != "old" {
		t.Fatalf("rebuilt store holds %q %v, want the older checkpoint's value\n%s", v, err, report)
	}
}
