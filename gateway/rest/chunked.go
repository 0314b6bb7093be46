package rest

import (
	"io"
	"net/http"
	"strconv"

	"coffre/storage"
)

// Chunked uploads: POST /api/file/upload with chunk (0-based), chunks,
// chunksSize and fileSize sends one chunk of a file. The chunks are the
// parts (number chunk+1) of a namespace multipart upload, so they are
// durable: a client resumes after a cut, or after the server restarted,
// by asking for the report and sending what is missing. The upload of a
// file is found again by its caller, path, fileSize and chunks, kept in
// its metadata (which the version it writes keeps too). Chunks may come
// in any order and concurrently; the request that brings the last
// missing one completes the upload and answers the File.
//
// Answers: "OK" for a chunk stored while others are missing; the report
// [{"missing": N}] (the lowest missing index) when asked with report, or
// when the last-indexed chunk arrives and others are missing; the File
// (201 new, 200 new version) once complete.

// Metadata of the uploads this API starts.
const (
	metaChunks = "rest:chunks" // chunked: the number of chunks
	metaSize   = "rest:size"   // chunked and TUS: the size of the file
	metaTUS    = "rest:tus"    // TUS: "1"
)

var (
	fieldChunks      = text{"Nombre de morceaux : un entier de 1 à %d.", "Number of chunks: an integer from 1 to %d."}
	fieldChunk       = text{"Indice du morceau : un entier de 0 à chunks-1.", "Chunk index: an integer from 0 to chunks-1."}
	fieldChunksSize  = text{"Taille des morceaux incohérente avec fileSize et chunks.", "The chunk size does not agree with fileSize and chunks."}
	fieldChunkLength = text{"Le morceau %d doit faire %d octets ; rien n'a été enregistré.", "Chunk %d must be %d bytes long; nothing was stored."}
	fieldChunksTotal = text{"Les morceaux reçus font %d octets au total, pas %d : renvoyez les morceaux erronés.", "The chunks received add up to %d bytes, not %d: send the wrong chunks again."}
)

// chunkFields reads the chunked-mode fields into req. fileSize and chunks
// identify the upload; chunk is needed when a chunk comes; chunksSize,
// when sent, gives every chunk's exact size.
func chunkFields(req *uploadRequest, f fields, get func(string) (string, bool), withFile bool) {
	if v, _ := get("fileSize"); v == "" {
		f.add("fileSize", fieldRequired)
	}
	if v, sent := get("report"); sent {
		req.report = v != "0" && v != "false"
	}
	v, _ := get("chunks")
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > storage.MaxParts {
		f.add("chunks", fieldChunks, storage.MaxParts)
		return
	}
	req.chunks = n
	if v, sent := get("chunk"); sent || withFile {
		i, err := strconv.Atoi(v)
		if err != nil || i < 0 || i >= n {
			f.add("chunk", fieldChunk)
		}
		req.chunk = i
	}
	if v, sent := get("chunksSize"); sent && v != "" && req.size >= 0 {
		req.chunksSize = sizeField(f, "chunksSize", v)
		if req.chunksSize >= 0 && !chunksAgree(req.size, req.chunksSize, n) {
			f.add("chunksSize", fieldChunksSize)
		}
	}
}

// chunksAgree reports whether n chunks of size each (the last one
// shorter or equal, not empty unless the file is) make size bytes.
func chunksAgree(size, each int64, n int) bool {
	if size == 0 {
		return n == 1
	}
	return each > 0 && each*int64(n-1) < size && size <= each*int64(n)
}

// chunkLength is the exact size of the chunk of req, or -1 when it is
// unknown (no chunksSize).
func (req uploadRequest) chunkLength() int64 {
	switch {
	case req.size == 0:
		return 0
	case req.chunksSize <= 0:
		return -1
	case req.chunk < req.chunks-1:
		return req.chunksSize
	}
	return req.size - req.chunksSize*int64(req.chunks-1)
}

// uploadChunk stores one chunk, then answers as the upload now stands.
func (c *call) uploadChunk(req uploadRequest, chunk io.Reader) error {
	path := join(req.folder.Path, req.name)
	up, err := c.chunkedUpload(req, path)
	if err != nil {
		return err
	}
	want := req.chunkLength()
	b := &body{r: chunk}
	if _, err := c.ns.UploadPart(c.ctx, up.ID, req.chunk+1, b, storage.PutOptions{Size: want}); err != nil {
		err = b.fail(err)
		if want >= 0 && storage.Is(storage.Invalid, err) {
			return invalid("targetFile", fieldChunkLength, req.chunk, want)
		}
		return err
	}
	return c.chunkProgress(req, path, up.ID)
}

// chunkReport answers the report of a chunked upload without a chunk:
// where to resume (0 when nothing was received), or the File if every
// chunk is there (the request that brought the last one failed to
// complete it, say over quota).
func (c *call) chunkReport(req uploadRequest) error {
	path := join(req.folder.Path, req.name)
	up, ok, err := c.findChunked(req, path)
	if err != nil {
		return err
	}
	if !ok {
		return c.json(http.StatusOK, []missingChunk{{0}})
	}
	return c.chunkProgress(req, path, up.ID)
}

type missingChunk struct {
	Missing int `json:"missing"`
}

// chunkProgress answers as the upload id stands: complete it when no chunk
// is missing, else the report or "OK".
func (c *call) chunkProgress(req uploadRequest, path, id string) error {
	parts, err := c.ns.Parts(c.ctx, id)
	if err != nil {
		return err
	}
	missing := firstMissing(parts, req.chunks)
	switch {
	case missing < 0:
		return c.completeChunks(req, path, id, parts)
	case req.report || req.chunk == req.chunks-1:
		return c.json(http.StatusOK, []missingChunk{{missing}})
	}
	return c.okText()
}

// firstMissing is the lowest chunk index with no part, or -1.
func firstMissing(parts []storage.Part, chunks int) int {
	have := make([]bool, chunks)
	for _, p := range parts {
		if p.Number <= chunks {
			have[p.Number-1] = true
		}
	}
	for i, ok := range have {
		if !ok {
			return i
		}
	}
	return -1
}

// completeChunks makes the chunks the file's new version, its MD5 that of
// the whole content (checked against fileHash when sent). On a failure
// the upload stays, to be completed by a later chunk or report.
func (c *call) completeChunks(req uploadRequest, path, id string, parts []storage.Part) error {
	var total int64
	for _, p := range parts {
		total += p.Size
	}
	if total != req.size {
		return invalid("fileSize", fieldChunksTotal, total, req.size)
	}
	existed := c.exists(path)
	info, err := c.ns.CompleteUpload(c.ctx, id, parts, storage.PutOptions{WholeMD5: true, MD5: req.md5, ModTime: req.mtime})
	switch {
	case storage.Is(storage.NotFound, err):
		// The request of another chunk completed it meanwhile.
		if info, err = c.ns.Stat(c.ctx, path); err != nil {
			return err
		}
		existed = true
	case storage.Is(storage.Invalid, err) && req.md5 != nil:
		return invalid("fileHash", fieldMD5Mismatch)
	case err != nil:
		return err
	}
	return c.answerUpload(info, existed)
}

// findChunked finds the caller's upload of the file at path with the
// fileSize and chunks of req.
func (c *call) findChunked(req uploadRequest, path string) (storage.Upload, bool, error) {
	ups, err := c.ns.Uploads(c.ctx, req.folder.Path)
	if err != nil {
		return storage.Upload{}, false, err
	}
	chunks, size := strconv.Itoa(req.chunks), strconv.FormatInt(req.size, 10)
	for _, u := range ups { // oldest first
		if u.Path == path && u.UserID == c.p.UserID && u.Meta[metaChunks] == chunks && u.Meta[metaSize] == size {
			return u, true, nil
		}
	}
	return storage.Upload{}, false, nil
}

// chunkedUpload finds the upload of req, or starts it: the rights, locks
// and quota (for fileSize) are checked now, before any chunk is stored.
// Two first chunks may race to start it: the oldest upload wins, and the
// loser drops its own.
func (c *call) chunkedUpload(req uploadRequest, path string) (storage.Upload, error) {
	if up, ok, err := c.findChunked(req, path); err != nil || ok {
		return up, err
	}
	meta := map[string]string{metaChunks: strconv.Itoa(req.chunks), metaSize: strconv.FormatInt(req.size, 10)}
	mine, err := c.ns.CreateUpload(c.ctx, path, storage.PutOptions{Size: req.size, Meta: meta})
	if err != nil {
		return storage.Upload{}, err
	}
	up, ok, err := c.findChunked(req, path)
	if err != nil || !ok || up.ID == mine.ID {
		return mine, err
	}
	if err := c.ns.AbortUpload(c.ctx, mine.ID); err != nil && !storage.Is(storage.NotFound, err) {
		return storage.Upload{}, err
	}
	return up, nil
}
