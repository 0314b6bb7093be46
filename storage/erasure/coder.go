package erasure

import (
	"fmt"

	"github.com/klauspost/reedsolomon"
)

// Coder computes and recovers shards. It is safe for concurrent use.
type Coder struct {
	k, m int
	enc  reedsolomon.Encoder
}

// NewCoder returns a coder for k data and m parity shards.
func NewCoder(k, m int) (*Coder, error) {
	if k < 1 || m < 1 || k+m > 256 {
		return nil, fmt.Errorf("erasure: bad shard counts %d+%d", k, m)
	}
	// Callers run one coder per stream in their own goroutines; the coder
	// itself stays on the calling goroutine.
	enc, err := reedsolomon.New(k, m, reedsolomon.WithMaxGoroutines(1))
	if err != nil {
		return nil, fmt.Errorf("erasure: %w", err)
	}
	return &Coder{k: k, m: m, enc: enc}, nil
}

// DataShards returns k.
func (c *Coder) DataShards() int { return c.k }

// ParityShards returns m.
func (c *Coder) ParityShards() int { return c.m }

// Split cuts data into k data shards of ShardLen(len(data), k) bytes taken from
// buf, followed by m parity shards, and returns the k+m shards, data shards
// filled and the padding zeroed. buf must hold (k+m)*ShardLen bytes; data may
// alias the start of buf (then it is not copied).
func (c *Coder) Split(buf, data []byte) ([][]byte, error) {
	sl := ShardLen(len(data), c.k)
	n := (c.k + c.m) * sl
	if len(buf) < n {
		return nil, fmt.Errorf("erasure: buffer of %d bytes, need %d", len(buf), n)
	}
	if len(data) > 0 && &buf[0] != &data[0] {
		copy(buf, data)
	}
	clear(buf[len(data) : c.k*sl])
	shards := make([][]byte, c.k+c.m)
	for i := range shards {
		shards[i] = buf[i*sl : (i+1)*sl : (i+1)*sl]
	}
	return shards, nil
}

// Encode computes the m parity shards from the k data shards. All shards
// have the same length.
func (c *Coder) Encode(shards [][]byte) error {
	if len(shards) > 0 && len(shards[0]) == 0 {
		return nil
	}
	if err := c.enc.Encode(shards); err != nil {
		return fmt.Errorf("erasure: encode: %w", err)
	}
	return nil
}

// Reconstruct recomputes every missing shard. A missing shard is a nil or
// zero-length slice; when its capacity is enough it is reused. At least k
// shards must be present.
func (c *Coder) Reconstruct(shards [][]byte) error {
	if err := c.enc.Reconstruct(shards); err != nil {
		return fmt.Errorf("erasure: reconstruct: %w", err)
	}
	return nil
}

// ReconstructData recomputes only the missing data shards.
func (c *Coder) ReconstructData(shards [][]byte) error {
	if err := c.enc.ReconstructData(shards); err != nil {
		return fmt.Errorf("erasure: reconstruct: %w", err)
	}
	return nil
}

// Verify reports whether the parity shards match the data shards.
func (c *Coder) Verify(shards [][]byte) (bool, error) {
	return c.enc.Verify(shards)
}
