package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"coffre/storage"
	"coffre/storage/engine"
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
	if n := newCheckpointer(cfg, st, log).pass(ctx); n != 4 {
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
