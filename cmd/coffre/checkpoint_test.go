package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"coffre/auth"
	"coffre/internal/teststack"
	"coffre/storage"
	"coffre/storage/audit"
	"coffre/storage/engine"
	"coffre/storage/meta"
)

func testStore(t *testing.T, cfg Config) *store {
	t.Helper()
	st, err := openStore(cfg, bytes.Repeat([]byte{7}, 32), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.close() })
	return st
}

func putKey(t *testing.T, m *meta.Store, key, value string) {
	t.Helper()
	b := m.NewBatch()
	b.Set([]byte(key), []byte(value))
	if err := b.Commit(); err != nil {
		t.Fatal(err)
	}
}

// writeTestCheckpoint stages a checkpoint of st and seals it into dest.
func writeTestCheckpoint(t *testing.T, cfg Config, st *store, key []byte, dest string, man manifest) error {
	t.Helper()
	src, release, err := stageCheckpoint(st.meta, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	return writeSealed(src, dest, man, key)
}

// TestCheckpointWriteAndRotate: a checkpoint unseals into a store that opens
// with what was committed before it, with a verified manifest; the staging
// folder is gone after; an existing destination is refused; rotation keeps
// the newest two sealed ones and removes checkpoints in clear and what a
// crash left.
func TestCheckpointWriteAndRotate(t *testing.T) {
	cfg := testConfig(t)
	st := testStore(t, cfg)
	key := bytes.Repeat([]byte{7}, 32)
	base := filepath.Join(t.TempDir(), checkpointsDir)
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	var names []string
	for i := range 3 {
		putKey(t, st.meta, "t/k", string(rune('a'+i)))
		now := t0.Add(time.Duration(i) * time.Hour)
		name := now.Format(checkpointTimeFormat)
		names = append(names, name)
		if err := writeTestCheckpoint(t, cfg, st, key, filepath.Join(base, name), newManifest(cfg, 2, now)); err != nil {
			t.Fatal(err)
		}
		if fileExists(cfg.Storage.Meta + checkpointStage) {
			t.Fatal("the staging folder outlived the checkpoint")
		}
	}
	if err := writeTestCheckpoint(t, cfg, st, key, filepath.Join(base, names[2]), newManifest(cfg, 2, t0)); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("checkpoint over an existing one: %v", err)
	}
	stale := filepath.Join(base, checkpointTmp+"20250301T090000.000000000Z")
	if err := os.MkdirAll(filepath.Join(stale, "meta"), 0o700); err != nil {
		t.Fatal(err)
	}
	plain := filepath.Join(base, "20250301T113000.000000000Z") // between names[1] and names[2]
	if err := os.MkdirAll(filepath.Join(plain, checkpointMeta), 0o700); err != nil {
		t.Fatal(err)
	}
	old := newManifest(cfg, 2, t0.Add(90*time.Minute))
	old.Format = 1
	if err := writeManifest(plain, old); err != nil {
		t.Fatal(err)
	}
	if err := rotateCheckpoints(base, checkpointKeep); err != nil {
		t.Fatal(err)
	}
	got, err := checkpointNames(base)
	if err != nil || !slices.Equal(got, []string{names[2], names[1]}) {
		t.Fatalf("after rotation: %v %v, want %v", got, err, names[1:])
	}
	if fileExists(stale) || fileExists(plain) {
		t.Fatal("rotation left a temporary folder or a checkpoint in clear")
	}
	man, err := readManifest(filepath.Join(base, names[1]))
	if err != nil || !man.Time.Equal(t0.Add(time.Hour)) || man.Drive != 2 || man.DataShards != 2 || man.Version != version ||
		man.MasterKey != cfg.Storage.MasterKeyFile || len(man.Drives) != 4 || len(man.Files) == 0 {
		t.Fatalf("manifest %+v %v", man, err)
	}
	if err := man.verify(key); err != nil {
		t.Fatal(err)
	}
	// The checkpoint unseals into a store holding the value of its time.
	work := filepath.Join(t.TempDir(), "m")
	if err := unsealTree(filepath.Join(base, names[1], checkpointMeta), work, man, key); err != nil {
		t.Fatal(err)
	}
	m, err := meta.Open(work, meta.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if v, err := m.Get([]byte("t/k")); err != nil || string(v) != "b" {
		t.Fatalf("checkpoint holds %q %v, want b", v, err)
	}
	// No master key in a checkpoint.
	filepath.WalkDir(filepath.Join(base, names[1]), func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			if b, _ := os.ReadFile(p); bytes.Contains(b, key) {
				t.Errorf("%s holds the master key", p)
			}
		}
		return nil
	})
}

// TestCheckpointSealedOnDrives: after a pass, no file of a drive's
// checkpoints holds a user's login, password hash or a file name in clear,
// though the unsealed checkpoint holds them all (so the scan can fail).
func TestCheckpointSealedOnDrives(t *testing.T) {
	ctx := context.Background()
	cfg := testConfig(t)
	st := testStore(t, cfg)
	key := bytes.Repeat([]byte{7}, 32)
	alog, err := audit.New(st.meta, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	users, err := auth.New(st.meta, key, auth.Options{Argon2: auth.Argon2Params{Memory: 64, Time: 1, Threads: 1}, Audit: alog})
	if err != nil {
		t.Fatal(err)
	}
	const login, password, fileName = "jeanne.delacour", "Tournesol-1907!", "bilan-fusion-acme-confidentiel.txt"
	u, err := users.CreateUser(ctx, auth.NewUser{Login: login, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := users.Login(ctx, login, password, auth.Origin{IP: "192.0.2.7", Protocol: "cli"}); err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(st.meta, st.blob, engine.Options{Audit: alog})
	if err != nil {
		t.Fatal(err)
	}
	body := []byte("chiffres du trimestre") // inline, so already encrypted in the store
	ns := eng.As(storage.Principal{UserID: u.ID, Login: login, Admin: true})
	if _, err := ns.Mkdir(ctx, "/docs"); err != nil {
		t.Fatal(err)
	}
	if _, err := ns.Put(ctx, "/docs/"+fileName, bytes.NewReader(body), storage.PutOptions{Size: int64(len(body))}); err != nil {
		t.Fatal(err)
	}
	rec, err := st.meta.Get([]byte("a/u/" + login))
	if err != nil {
		t.Fatal(err)
	}
	var stored struct {
		Password string `json:"password"`
	}
	if err := json.Unmarshal(rec, &stored); err != nil || !strings.HasPrefix(stored.Password, "$argon2id$") {
		t.Fatalf("user record: %s %v", rec, err)
	}
	hash := stored.Password[strings.LastIndex(stored.Password, "$")+1:]
	secrets := []string{login, fileName, hash}

	if n := newCheckpointer(cfg, st, key, slog.New(slog.DiscardHandler)).pass(ctx); n != 4 {
		t.Fatalf("pass wrote %d checkpoints", n)
	}
	if fileExists(cfg.Storage.Meta + checkpointStage) {
		t.Fatal("the staging folder outlived the pass")
	}
	scanned := 0
	for _, d := range cfg.Storage.Drives {
		filepath.WalkDir(filepath.Join(d, checkpointsDir), func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			scanned++
			for _, s := range secrets {
				if bytes.Contains(b, []byte(s)) {
					t.Errorf("%s holds %q in clear", p, s)
				}
			}
			return nil
		})
	}
	if scanned < 4*3 {
		t.Fatalf("scanned %d files on the drives", scanned)
	}
	// The same checkpoint, unsealed, holds every one of them.
	names, _ := checkpointNames(filepath.Join(cfg.Storage.Drives[0], checkpointsDir))
	dir := filepath.Join(cfg.Storage.Drives[0], checkpointsDir, names[0])
	man, err := readManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(t.TempDir(), "m")
	if err := unsealTree(filepath.Join(dir, checkpointMeta), work, man, key); err != nil {
		t.Fatal(err)
	}
	var all []byte
	for _, f := range man.Files {
		b, _ := os.ReadFile(filepath.Join(work, filepath.FromSlash(f.Name)))
		all = append(all, b...)
	}
	for _, s := range secrets {
		if !bytes.Contains(all, []byte(s)) {
			t.Errorf("the unsealed checkpoint lacks %q: the scan above proves nothing for it", s)
		}
	}
}

// TestCheckpointManifestCheck: another shard layout or drive order is
// refused; a new block size or drive path is a warning.
func TestCheckpointManifestCheck(t *testing.T) {
	cfg := testConfig(t)
	now := time.Now()
	for _, tc := range []struct {
		name    string
		change  func(*manifest)
		drive   int
		err     string
		warning string
	}{
		{"same", func(*manifest) {}, 1, "", ""},
		{"named by the operator", func(m *manifest) { m.Drive = -1 }, -1, "", ""},
		{"format", func(m *manifest) { m.Format = 3 }, 1, "format 3", ""},
		{"layout", func(m *manifest) { m.DataShards, m.ParityShards = 3, 1 }, 1, "3+1 store", ""},
		{"drive count", func(m *manifest) { m.Drives = m.Drives[:3] }, 1, "3 drives", ""},
		{"drive order", func(m *manifest) { m.Drive = 3 }, 1, "order of storage.drives changed", ""},
		{"block size", func(m *manifest) { m.BlockSize = 4 << 20 }, 1, "", "block size was 4194304"},
		{"drive moved", func(m *manifest) { m.Drives = append([]string{"/old/d1"}, m.Drives[1:]...) }, 1, "", "drive 0 was /old/d1"},
	} {
		m := newManifest(cfg, 1, now)
		m.Drives = slices.Clone(m.Drives)
		tc.change(&m)
		warnings, err := m.check(cfg, tc.drive)
		if (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: err %v, want %q", tc.name, err, tc.err)
		}
		if w := strings.Join(warnings, "; "); (w == "") != (tc.warning == "") || !strings.Contains(w, tc.warning) {
			t.Errorf("%s: warnings %q, want %q", tc.name, w, tc.warning)
		}
	}
}

// TestCheckpointPassAndDue: a pass writes to every drive that answers and
// skips an offline one; another is due once the metadata changed and the
// interval passed, or after checkpoint_changes changes, never without change.
func TestCheckpointPassAndDue(t *testing.T) {
	cfg := testConfig(t)
	cfg.Recovery = RecoveryConfig{CheckpointInterval: time.Hour, CheckpointChanges: 3}
	st := testStore(t, cfg)
	st.drives[1] = offlineDrive{name: cfg.Storage.Drives[1], err: errors.New("unplugged")}
	clock := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	c := newCheckpointer(cfg, st, bytes.Repeat([]byte{7}, 32), slog.New(slog.DiscardHandler))
	c.now = func() time.Time { return clock }

	if !c.due(clock) {
		t.Fatal("the first pass is not due")
	}
	if n := c.pass(context.Background()); n != 3 {
		t.Fatalf("pass wrote %d checkpoints, want 3", n)
	}
	for i, d := range cfg.Storage.Drives {
		names, _ := checkpointNames(filepath.Join(d, checkpointsDir))
		want := 1
		if i == 1 { // offline
			want = 0
		}
		if len(names) != want {
			t.Fatalf("drive %d holds %v", i, names)
		}
	}
	clock = clock.Add(2 * time.Hour)
	if c.due(clock) {
		t.Fatal("due without any change")
	}
	putKey(t, st.meta, "t/a", "1")
	if !c.due(clock) {
		t.Fatal("not due after a change and the interval")
	}
	c.pass(context.Background())
	putKey(t, st.meta, "t/a", "2")
	putKey(t, st.meta, "t/a", "3")
	if c.due(clock.Add(time.Minute)) {
		t.Fatal("due after 2 changes within the interval")
	}
	putKey(t, st.meta, "t/a", "4")
	if !c.due(clock.Add(time.Minute)) {
		t.Fatal("not due after checkpoint_changes changes")
	}
	clock = clock.Add(time.Minute)
	c.pass(context.Background())
	names, err := checkpointNames(filepath.Join(cfg.Storage.Drives[0], checkpointsDir))
	if err != nil || len(names) != checkpointKeep || names[0] != clock.Format(checkpointTimeFormat) {
		t.Fatalf("after 3 passes drive 0 holds %v %v", names, err)
	}
	// At shutdown, a pass writes to no further drive.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	clock = clock.Add(time.Minute)
	if n := c.pass(ctx); n != 0 {
		t.Fatalf("a pass after shutdown wrote %d checkpoints", n)
	}
}

// TestOpenStoreRefusesLostMeta: with the metadata store gone but a
// checkpoint or a shard file on a drive, no command opens (and creates) an
// empty store; a fresh data directory opens.
func TestOpenStoreRefusesLostMeta(t *testing.T) {
	cfg := testConfig(t)
	key := bytes.Repeat([]byte{7}, 32)
	st, err := openStore(cfg, key, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	st.close()
	for _, plant := range []string{
		filepath.Join(cfg.Storage.Drives[2], checkpointsDir, "20250301T100000.000000000Z", manifestFile),
		filepath.Join(cfg.Storage.Drives[3], "blobs", "ab", strings.Repeat("ab", 16)),
	} {
		if err := os.RemoveAll(cfg.Storage.Meta); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(plant), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(plant, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := openStore(cfg, key, slog.New(slog.DiscardHandler))
		if err == nil || !strings.Contains(err.Error(), "coffre recover") {
			t.Fatalf("open over %s without metadata: %v", plant, err)
		}
		if storeHasData(cfg.Storage.Meta) {
			t.Fatal("a metadata store was created")
		}
		os.RemoveAll(filepath.Dir(filepath.Dir(plant)))
	}
	testStore(t, cfg) // nothing left on the drives: a new store
}

// A pass that a shutdown cuts short logs that it stopped, not an error,
// and is not counted as a failed pass; a pass that fails is both.
func TestCheckpointStoppedByShutdown(t *testing.T) {
	cfg := testConfig(t)
	st := testStore(t, cfg)
	var logs teststack.Buffer
	c := newCheckpointer(cfg, st, bytes.Repeat([]byte{7}, 32), slog.New(slog.NewTextHandler(&logs, nil)))
	var observed []bool
	c.observe = func(_ int, _ time.Duration, failed bool) { observed = append(observed, failed) }
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	if n := c.pass(canceled); n != 0 {
		t.Fatalf("a canceled pass wrote %d checkpoints", n)
	}
	if out := logs.String(); strings.Contains(out, "level=ERROR") || !strings.Contains(out, `msg="metadata checkpoint stopped"`) {
		t.Fatalf("a canceled pass logged:\n%s", out)
	}
	for i := range st.drives {
		st.drives[i] = offlineDrive{name: cfg.Storage.Drives[i], err: errors.New("unplugged")}
	}
	c.pass(context.Background())
	if out := logs.String(); !strings.Contains(out, `level=ERROR msg="metadata checkpoint incomplete"`) || len(observed) != 1 || !observed[0] {
		t.Fatalf("a pass with every drive offline: observed %v, logged:\n%s", observed, out)
	}
}
