package erasure

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden is one recorded vector: data split and encoded into shards.
type golden struct {
	K, M   int
	Data   string   // hex
	Shards []string // hex, k data then m parity
	Sums   []string // hex Checksum of each shard
}

func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*131 + i>>8 + 7)
	}
	return b
}

func encode(t *testing.T, k, m int, data []byte) [][]byte {
	t.Helper()
	c, err := NewCoder(k, m)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, (k+m)*ShardLen(len(data), k))
	shards, err := c.Split(buf, data)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Encode(shards); err != nil {
		t.Fatal(err)
	}
	return shards
}

func TestGolden(t *testing.T) {
	cases := []struct{ k, m, n int }{{2, 2, 1}, {2, 2, 33}, {2, 2, 1000}, {3, 2, 257}, {4, 2, 4096}, {1, 1, 10}}
	var got []golden
	for _, c := range cases {
		data := pattern(c.n)
		g := golden{K: c.k, M: c.m, Data: hex.EncodeToString(data)}
		for _, s := range encode(t, c.k, c.m, data) {
			sum := Checksum(s)
			g.Shards = append(g.Shards, hex.EncodeToString(s))
			g.Sums = append(g.Sums, hex.EncodeToString(sum[:]))
		}
		got = append(got, g)
	}
	var hb [HeaderSize]byte
	hd := goldenHeader()
	hd.Marshal(hb[:])
	file := struct {
		Vectors []golden
		Header  string
	}{got, hex.EncodeToString(hb[:])}
	path := filepath.Join("testdata", "vectors.json")
	if *update {
		b, _ := json.MarshalIndent(file, "", "  ")
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := file
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	wb, _ := json.Marshal(want)
	gb, _ := json.Marshal(file)
	if !bytes.Equal(wb, gb) {
		t.Fatalf("encoding differs from %s (run with -update only if the format changed on purpose)", path)
	}
	back, err := ParseHeader(hb[:])
	if err != nil || back != hd {
		t.Fatalf("header round trip: %+v, %v", back, err)
	}
}

func goldenHeader() Header {
	hd := Header{Version: FormatVersion, Algo: ChecksumHighwayHash256, Shard: 3, K: 2, M: 2, Flags: FlagFinal,
		ID: [16]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, BlockSize: 1 << 20, Overhead: 16,
		Size: 12345678, Hash: [32]byte{0xaa, 0xbb}, MD5: [16]byte{0xcc, 0xdd, 15: 0xee}}
	for i := range hd.WrappedKey {
		hd.WrappedKey[i] = byte(0x40 + i)
	}
	return hd
}

// TestHeaderDamage flips every bit of a header in turn: each flip is refused.
// Headers of another version are refused too.
func TestHeaderDamage(t *testing.T) {
	hd := goldenHeader()
	var hb [HeaderSize]byte
	hd.Marshal(hb[:])
	for i := range HeaderSize * 8 {
		b := hb
		b[i/8] ^= 1 << (i % 8)
		if _, err := ParseHeader(b[:]); !errors.Is(err, ErrHeader) {
			t.Fatalf("bit %d flipped: %v", i, err)
		}
	}
	old := hd
	old.Version = 1
	old.Marshal(hb[:])
	if _, err := ParseHeader(hb[:]); !errors.Is(err, ErrHeader) {
		t.Fatalf("version 1 accepted: %v", err)
	}
	if _, err := ParseHeader(hb[:HeaderSize-1]); !errors.Is(err, ErrHeader) {
		t.Fatalf("short header accepted: %v", err)
	}
	notFinal := hd
	notFinal.Flags = 0
	notFinal.Marshal(hb[:])
	if back, err := ParseHeader(hb[:]); err != nil || back.Final() || back.WrappedKey != hd.WrappedKey {
		t.Fatalf("header of a write in progress: %+v, %v", back, err)
	}
}

// TestReconstruct loses every combination of up to m shards.
func TestReconstruct(t *testing.T) {
	for _, c := range []struct{ k, m int }{{2, 2}, {3, 2}, {4, 3}, {2, 1}} {
		data := pattern(10007)
		want := encode(t, c.k, c.m, data)
		coder, _ := NewCoder(c.k, c.m)
		n := c.k + c.m
		for mask := 0; mask < 1<<n; mask++ {
			lost := 0
			shards := make([][]byte, n)
			for i := range n {
				if mask&(1<<i) != 0 {
					lost++
					continue
				}
				shards[i] = bytes.Clone(want[i])
			}
			err := coder.Reconstruct(shards)
			if lost > c.m {
				if err == nil {
					t.Fatalf("%d+%d: %d lost, reconstruct succeeded", c.k, c.m, lost)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%d+%d mask %b: %v", c.k, c.m, mask, err)
			}
			for i := range n {
				if !bytes.Equal(shards[i], want[i]) {
					t.Fatalf("%d+%d mask %b: shard %d differs", c.k, c.m, mask, i)
				}
			}
			joined := bytes.Join(shards[:c.k], nil)[:len(data)]
			if !bytes.Equal(joined, data) {
				t.Fatalf("%d+%d mask %b: data differs", c.k, c.m, mask)
			}
		}
	}
}

func TestLayout(t *testing.T) {
	l := Layout{K: 2, M: 2, BlockSize: 100, Overhead: 16, Size: 250}
	if l.Blocks() != 3 || l.PlainLen(0) != 100 || l.PlainLen(2) != 50 || l.ShardLen(0) != 58 || l.ShardLen(2) != 33 {
		t.Fatalf("layout maths: %d %d %d %d %d", l.Blocks(), l.PlainLen(0), l.PlainLen(2), l.ShardLen(0), l.ShardLen(2))
	}
	if l.ShardOffset(2) != HeaderSize+2*(SumSize+58) || l.ShardFileSize() != l.ShardOffset(2)+SumSize+33 {
		t.Fatal("offsets")
	}
	if (Layout{K: 2, M: 2, BlockSize: 100, Overhead: 16}).ShardFileSize() != HeaderSize {
		t.Fatal("empty content")
	}
	if b, in := l.Block(199); b != 1 || in != 99 {
		t.Fatal("block of offset")
	}
	var hb [HeaderSize]byte
	(&Header{Version: FormatVersion, Algo: ChecksumHighwayHash256, K: 2, M: 2, BlockSize: 1}).Marshal(hb[:])
	hb[40] ^= 1
	if _, err := ParseHeader(hb[:]); err == nil {
		t.Fatal("corrupt header accepted")
	}
}
