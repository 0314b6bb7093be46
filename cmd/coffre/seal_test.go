package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func sealBytes(t *testing.T, master, id []byte, name string, plain []byte) []byte {
	t.Helper()
	aead, err := checkpointAEAD(master, id)
	if err != nil {
		t.Fatal(err)
	}
	var sealed bytes.Buffer
	n, err := sealFile(&sealed, bytes.NewReader(plain), aead, name)
	if err != nil || n != int64(len(plain)) {
		t.Fatalf("seal %d bytes: %d, %v", len(plain), n, err)
	}
	return sealed.Bytes()
}

func unsealBytes(master, id []byte, name string, sealed []byte) ([]byte, error) {
	aead, err := checkpointAEAD(master, id)
	if err != nil {
		return nil, err
	}
	var plain bytes.Buffer
	_, err = unsealFile(&plain, bytes.NewReader(sealed), aead, name)
	return plain.Bytes(), err
}

// TestSealFormat: files of any size round-trip; a flipped byte, a file cut
// anywhere, reordered or dropped chunks, bytes appended, a renamed file, a
// wrong master key and another checkpoint's key all fail to unseal.
func TestSealFormat(t *testing.T) {
	master, id := bytes.Repeat([]byte{7}, 32), bytes.Repeat([]byte{1}, sealIDSize)
	const head = len(sealMagic) + 8
	const full = sealChunk + 16 // a full chunk sealed
	for _, n := range []int{0, 1, sealChunk - 1, sealChunk, sealChunk + 1, 3*sealChunk + 5} {
		plain := randomBytes(uint64(n), n)
		sealed := sealBytes(t, master, id, "000005.sst", plain)
		if want := head + max(1, (n+sealChunk-1)/sealChunk)*16 + n; len(sealed) != want {
			t.Errorf("%d bytes sealed into %d, want %d", n, len(sealed), want)
		}
		got, err := unsealBytes(master, id, "000005.sst", sealed)
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("round trip of %d bytes: %d bytes, %v", n, len(got), err)
		}
	}

	plain := randomBytes(9, 3*sealChunk+5) // chunks: 3 full, then 5 bytes
	sealed := sealBytes(t, master, id, "000005.sst", plain)
	if bytes.Contains(sealed, plain[:64]) {
		t.Fatal("the plaintext shows in the sealed file")
	}
	if again := sealBytes(t, master, id, "000005.sst", plain); bytes.Equal(again[head:head+64], sealed[head:head+64]) {
		t.Fatal("two seals of one file share their ciphertext: the nonce prefix is not random")
	}
	edit := func(f func(b []byte) []byte) []byte { return f(bytes.Clone(sealed)) }
	chunk := func(b []byte, i int) []byte { return b[head+i*full : head+(i+1)*full] }
	for _, tc := range []struct {
		name   string
		sealed []byte
		file   string
		master []byte
		id     []byte
	}{
		{"flipped byte in a chunk", edit(func(b []byte) []byte { b[head+full+100] ^= 1; return b }), "", nil, nil},
		{"flipped byte in the tag", edit(func(b []byte) []byte { b[len(b)-1] ^= 0x80; return b }), "", nil, nil},
		{"flipped nonce prefix", edit(func(b []byte) []byte { b[len(sealMagic)] ^= 1; return b }), "", nil, nil},
		{"bad magic", edit(func(b []byte) []byte { b[0] = 'X'; return b }), "", nil, nil},
		{"cut after the header", sealed[:head], "", nil, nil},
		{"cut inside the header", sealed[:head-3], "", nil, nil},
		{"cut at a chunk boundary", sealed[:head+2*full], "", nil, nil},
		{"cut inside a chunk", sealed[:head+full+1000], "", nil, nil},
		{"last chunk dropped", sealed[:len(sealed)-21], "", nil, nil},
		{"bytes appended", append(bytes.Clone(sealed), 0), "", nil, nil},
		{"chunks 0 and 1 swapped", edit(func(b []byte) []byte {
			c0, c1 := bytes.Clone(chunk(b, 0)), bytes.Clone(chunk(b, 1))
			copy(chunk(b, 0), c1)
			copy(chunk(b, 1), c0)
			return b
		}), "", nil, nil},
		{"chunk 1 dropped", append(bytes.Clone(sealed[:head+full]), sealed[head+2*full:]...), "", nil, nil},
		{"renamed file", sealed, "000006.sst", nil, nil},
		{"wrong master key", sealed, "", bytes.Repeat([]byte{8}, 32), nil},
		{"another checkpoint's key", sealed, "", nil, bytes.Repeat([]byte{2}, sealIDSize)},
	} {
		file, m, i := "000005.sst", master, id
		if tc.file != "" {
			file = tc.file
		}
		if tc.master != nil {
			m = tc.master
		}
		if tc.id != nil {
			i = tc.id
		}
		if _, err := unsealBytes(m, i, file, tc.sealed); !errors.Is(err, errSealBroken) {
			t.Errorf("%s: %v, want %v", tc.name, err, errSealBroken)
		}
	}
}

// TestSealManifest: a manifest verifies under its master key only; an
// edited one fails, and one swapped in from another checkpoint verifies but
// opens none of the files beside it.
func TestSealManifest(t *testing.T) {
	cfg := testConfig(t)
	st := testStore(t, cfg)
	key := bytes.Repeat([]byte{7}, 32)
	putKey(t, st.meta, "t/k", "v")
	base := t.TempDir()
	now := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	a, b := filepath.Join(base, "a"), filepath.Join(base, "b")
	for _, dest := range []string{a, b} {
		if err := writeTestCheckpoint(t, cfg, st, key, dest, newManifest(cfg, 0, now)); err != nil {
			t.Fatal(err)
		}
	}
	man, err := readManifest(a)
	if err != nil {
		t.Fatal(err)
	}
	if err := man.verify(key); err != nil {
		t.Fatalf("manifest as written: %v", err)
	}
	if err := man.verify(bytes.Repeat([]byte{8}, 32)); !errors.Is(err, errSealBroken) {
		t.Errorf("another master key: %v", err)
	}
	for name, edit := range map[string]func(m *manifest){
		"drive":     func(m *manifest) { m.Drive = 1 },
		"layout":    func(m *manifest) { m.ParityShards = 1 },
		"time":      func(m *manifest) { m.Time = m.Time.Add(time.Hour) },
		"file size": func(m *manifest) { m.Files = append([]sealedFile(nil), m.Files...); m.Files[0].Size++ },
		"id":        func(m *manifest) { m.ID = "00" + m.ID[2:] },
		"no mac":    func(m *manifest) { m.MAC = "" },
	} {
		m := man
		edit(&m)
		if err := m.verify(key); !errors.Is(err, errSealBroken) {
			t.Errorf("manifest with another %s: %v", name, err)
		}
	}
	// a's manifest beside b's files.
	if err := os.Rename(filepath.Join(a, manifestFile), filepath.Join(b, manifestFile)); err != nil {
		t.Fatal(err)
	}
	swapped, err := readManifest(b)
	if err != nil || swapped.verify(key) != nil {
		t.Fatal(err)
	}
	if err := unsealTree(filepath.Join(b, checkpointMeta), filepath.Join(base, "work"), swapped, key); !errors.Is(err, errSealBroken) {
		t.Fatalf("a swapped manifest: %v", err)
	}
}
