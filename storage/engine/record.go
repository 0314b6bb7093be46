package engine

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"coffre/storage"
	"coffre/storage/blob"
)

// Metadata keys owned by the engine; storage/meta's doc.go documents them.
var (
	prefixChild   = []byte("c/")
	prefixNode    = []byte("n/")
	prefixGUID    = []byte("g/")
	prefixVersion = []byte("v/")
	prefixGrant   = []byte("r/")
	keyIDs        = []byte("s/ids")
	keyTop        = []byte("s/top")
)

// rootID is the top of the tree, "/". It has no record: its children are the
// root folders.
const rootID storage.NodeID = 1

func appendU64(b []byte, v uint64) []byte { return binary.BigEndian.AppendUint64(b, v) }

func childPrefix(parent storage.NodeID) []byte {
	return appendU64(append([]byte(nil), prefixChild...), uint64(parent))
}

func childKey(parent storage.NodeID, name string) []byte {
	return append(childPrefix(parent), name...)
}

func nodeKey(id storage.NodeID) []byte {
	return appendU64(append([]byte(nil), prefixNode...), uint64(id))
}

// nodeValue is the value of n/<id>: where the node's record lives.
func nodeValue(parent storage.NodeID, name string) []byte {
	return append(appendU64(nil, uint64(parent)), name...)
}

func parseNodeValue(v []byte) (storage.NodeID, string, error) {
	if len(v) < 8 {
		return 0, "", fmt.Errorf("engine: short node pointer")
	}
	return storage.NodeID(binary.BigEndian.Uint64(v)), string(v[8:]), nil
}

func guidKey(guid []byte) []byte { return append(append([]byte(nil), prefixGUID...), guid...) }

func versionPrefix(file storage.NodeID) []byte {
	return appendU64(append([]byte(nil), prefixVersion...), uint64(file))
}

// versionKey orders a file's versions newest first: the ID is inverted.
func versionKey(file storage.NodeID, version uint64) []byte {
	return appendU64(versionPrefix(file), ^version)
}

// node is the record stored at c/<parent><name>. For a file it carries a copy
// of the current version so that a listing needs no other read.
type node struct {
	ID       storage.NodeID `json:"id"`
	GUID     []byte         `json:"guid"`
	Dir      bool           `json:"dir,omitempty"`
	Created  int64          `json:"created"`          // Unix nanoseconds
	Modified int64          `json:"modified"`         // Unix nanoseconds
	Owner    string         `json:"owner,omitempty"`  // user ID of the creator
	ACL      []ace          `json:"acl,omitempty"`    // folders: the rights entries set here
	Quota    int64          `json:"quota,omitempty"`  // folders: own quota (see storage.Info.Quota)
	Stored   int64          `json:"stored,omitempty"` // files: bytes of all versions
	Purge    int            `json:"purge,omitempty"`  // folders: purge frequency in days
	Cur      *version       `json:"cur,omitempty"`
	NVers    int            `json:"nvers,omitempty"`
	// Meta is a folder's metadata (storage.Info.Meta); a file's lives with
	// its versions.
	Meta map[string]string `json:"meta,omitempty"`
}

// ace is one rights entry on a folder.
type ace struct {
	Group  bool           `json:"g,omitempty"`
	ID     string         `json:"id"`
	Rights storage.Rights `json:"r"`
}

// version is the record stored at v/<file><^id>.
type version struct {
	ID      uint64 `json:"id"`
	Size    int64  `json:"size"`
	MD5     []byte `json:"md5"`              // 16 bytes
	Hash    []byte `json:"hash"`             // blob.Hash, 32 bytes
	ModTime int64  `json:"mtime"`            // Unix nanoseconds
	Author  string `json:"author,omitempty"` // login
	// AuthorID is the user ID the version's bytes count against.
	AuthorID string            `json:"aid,omitempty"`
	Meta     map[string]string `json:"meta,omitempty"`
	// Parts, for content assembled by CompleteUpload, are its pieces in
	// order; Hash is then empty and MD5 the MD5 of the parts' MD5s.
	Parts []partRef `json:"parts,omitempty"`
	// Whole says that MD5 is the MD5 of the whole assembled content
	// (PutOptions.WholeMD5), not the S3 multipart form.
	Whole bool `json:"whole,omitempty"`
}

// partCount is the public Parts of v: 0 for content in one piece or whose
// MD5 is of the whole content.
func (v *version) partCount() int {
	if v.Whole {
		return 0
	}
	return len(v.Parts)
}

// partRef is one piece of assembled content.
type partRef struct {
	Hash []byte `json:"h"` // blob.Hash
	Size int64  `json:"s"`
}

func (p partRef) hash() (h blob.Hash)  { copy(h[:], p.Hash); return h }
func (v *version) hash() (h blob.Hash) { copy(h[:], v.Hash); return h }
func (v *version) md5() (m [16]byte)   { copy(m[:], v.MD5); return m }

// hashes are the contents v refers to: its own, or its parts'.
func (v *version) hashes() []blob.Hash {
	if v.Parts == nil {
		return []blob.Hash{v.hash()}
	}
	hs := make([]blob.Hash, len(v.Parts))
	for i, p := range v.Parts {
		hs[i] = p.hash()
	}
	return hs
}

// release counts, in deltas, the references v drops.
func (v *version) release(deltas map[blob.Hash]int) {
	for _, h := range v.hashes() {
		deltas[h]--
	}
}

// etag is the version's entity tag, unquoted.
func (v *version) etag() string { return strings.Trim(v.public().ETag(), `"`) }

// encode stores a record: nodes and versions in their binary form
// (codec.go), the others as JSON.
func encode(v any) []byte {
	switch r := v.(type) {
	case *node:
		return encodeNode(r)
	case *version:
		return encodeVersion(r)
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("engine: encode %T: %v", v, err)) // only plain structs are encoded
	}
	return b
}

func decodeNode(b []byte) (*node, error) {
	if binaryRecord(b) {
		return readNode(b)
	}
	n := new(node)
	if err := json.Unmarshal(b, n); err != nil {
		return nil, fmt.Errorf("engine: bad node record: %w", err)
	}
	return n, nil
}

func decodeVersion(b []byte) (*version, error) {
	if binaryRecord(b) {
		return readVersion(b)
	}
	v := new(version)
	if err := json.Unmarshal(b, v); err != nil {
		return nil, fmt.Errorf("engine: bad version record: %w", err)
	}
	return v, nil
}

func formatGUID(g []byte) string {
	if len(g) != 16 {
		return ""
	}
	var b [36]byte
	hex.Encode(b[0:8], g[0:4])
	hex.Encode(b[9:13], g[4:6])
	hex.Encode(b[14:18], g[6:8])
	hex.Encode(b[19:23], g[8:10])
	hex.Encode(b[24:36], g[10:16])
	b[8], b[13], b[18], b[23] = '-', '-', '-', '-'
	return string(b[:])
}

// info builds the public description of a node found at path.
func (n *node) info(parent storage.NodeID, name, path string) storage.Info {
	i := storage.Info{
		ID:        n.ID,
		GUID:      formatGUID(n.GUID),
		ParentID:  parent,
		Name:      name,
		Path:      path,
		Dir:       n.Dir,
		Created:   time.Unix(0, n.Created).UTC(),
		ModTime:   time.Unix(0, n.Modified).UTC(),
		Versions:  n.NVers,
		Owner:     n.Owner,
		Quota:     n.Quota,
		PurgeDays: n.Purge,
	}
	if n.Dir {
		i.Meta = n.Meta
	}
	if v := n.Cur; v != nil {
		v.describe(&i)
	}
	return i
}

// describe sets the version fields of a file's Info from v.
func (v *version) describe(i *storage.Info) {
	i.Size, i.VersionID, i.MD5, i.Author, i.Parts, i.Meta = v.Size, v.ID, v.md5(), v.Author, v.partCount(), v.Meta
	i.ModTime = time.Unix(0, v.ModTime).UTC()
}

func (v *version) public() storage.Version {
	return storage.Version{ID: v.ID, Size: v.Size, MD5: v.md5(), ModTime: time.Unix(0, v.ModTime).UTC(), Author: v.Author, Parts: v.partCount(), Meta: v.Meta}
}
