package rest

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"coffre/storage"
)

// Uploads (../shared/api/netexplorer-reference.md §5): an empty file, the
// multipart POST /api/file/upload in one piece (here) or in chunks
// (chunked.go), TUS (tus.go), and a raw new version. Every one writes
// through the namespace, so rights (Write for a new file, Edit for a new
// version), locks, quotas and versions apply as for WebDAV and S3; a file
// uploaded under a name the folder holds becomes its new version.

func (h *Handler) uploadRoutes() {
	h.handle("POST /api/file", h.createFile)
	h.handle("POST /api/file/upload", h.upload)
	h.handle("PUT /api/file/{id}/upload", h.replaceContent)
	h.handle("DELETE /api/file/cancel", h.cancelUpload)
	h.tusRoutes()
}

// maxFileSize bounds the size an upload may announce (fileSize, TUS
// Upload-Length): 5 TiB, S3's limit for one object.
const maxFileSize = 5 << 40

// maxField bounds one non-file field of the multipart form.
const maxField = 4 << 10

var (
	msgNotMultipart = text{"Le corps de la requête doit être au format multipart/form-data.", "The request body must be multipart/form-data."}
	msgBadMultipart = text{"Le corps multipart de la requête est mal formé.", "The request's multipart body is malformed."}
	msgCut          = text{"L'envoi a été interrompu avant la fin ; rien n'a été enregistré.", "The upload was cut before its end; nothing was stored."}

	fieldFolderFirst = text{"Indiquez folderId avant targetFile dans le formulaire, ou dans l'URL.", "Send folderId before targetFile in the form, or in the query string."}
	fieldTooLong     = text{"Valeur trop longue (4 Kio au plus).", "Value too long (at most 4 KiB)."}
	fieldMD5         = text{"Empreinte MD5 attendue : 32 caractères hexadécimaux.", "Expected an MD5 digest: 32 hexadecimal characters."}
	fieldMD5Mismatch = text{"Le contenu reçu ne correspond pas à cette empreinte MD5 ; rien n'a été enregistré.", "The content received does not match this MD5 digest; nothing was stored."}
	fieldSizeDiffers = text{"Le contenu reçu ne fait pas %d octets ; rien n'a été enregistré.", "The content received is not %d bytes long; nothing was stored."}
	fieldBadSize     = text{"Taille invalide : un entier de 0 à 5 Tio.", "Invalid size: an integer from 0 to 5 TiB."}
	fieldDate        = text{"Date attendue au format ISO 8601 (2024-01-31T12:00:00Z).", "Expected an ISO 8601 date (2024-01-31T12:00:00Z)."}
)

// createFile is POST /api/file {name, parent_id}: an empty file, 201. A
// name already taken is a 409: this creates, it never adds a version.
func (h *Handler) createFile(c *call) error {
	var in struct {
		Name     *string  `json:"name"`
		ParentID *flexInt `json:"parent_id"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	f := fields{}
	if in.Name == nil {
		f.add("name", fieldRequired)
	} else {
		checkName(f, "name", *in.Name)
	}
	if in.ParentID == nil {
		f.add("parent_id", fieldRequired)
	}
	if err := f.err(); err != nil {
		return err
	}
	folder, err := c.fileFolder("parent_id", int64(*in.ParentID))
	if err != nil {
		return err
	}
	info, err := c.ns.Put(c.ctx, join(folder.Path, *in.Name), strings.NewReader(""), storage.PutOptions{Size: 0, IfNoneMatch: "*"})
	if storage.Is(storage.Precondition, err) {
		return &apiError{status: http.StatusConflict, msg: msgExists, err: err}
	}
	if err != nil {
		return err
	}
	return c.answerUpload(info, false)
}

// upload is POST /api/file/upload, multipart: the fields, then the file
// part targetFile, streamed into the namespace as it arrives (never
// buffered, never parsed ahead). Fields therefore come before the file;
// the query string may carry them too (the form wins), and fields after
// the file part are not read. With chunk/chunks it is one chunk of a
// chunked upload (chunked.go); with no file part, only a chunked upload's
// report can be asked.
func (h *Handler) upload(c *call) error {
	mr, err := c.r.MultipartReader()
	if err != nil {
		return &apiError{status: http.StatusUnsupportedMediaType, msg: msgNotMultipart, err: err}
	}
	form := url.Values{}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return c.uploadWithoutFile(form)
		}
		if err != nil {
			return &apiError{status: http.StatusBadRequest, msg: msgBadMultipart, err: err}
		}
		if part.FormName() == "targetFile" {
			return c.uploadFile(form, part)
		}
		if err := readField(form, part); err != nil {
			return err
		}
	}
}

// readField adds a non-file part to form, at most maxField bytes.
func readField(form url.Values, part *multipart.Part) error {
	v, err := io.ReadAll(io.LimitReader(part, maxField+1))
	if err != nil {
		return &apiError{status: http.StatusBadRequest, msg: msgBadMultipart, err: err}
	}
	if len(v) > maxField {
		return invalid(part.FormName(), fieldTooLong)
	}
	form.Add(part.FormName(), string(v))
	return nil
}

// uploadFile stores the file part, whole or as one chunk.
func (c *call) uploadFile(form url.Values, part *multipart.Part) error {
	req, err := c.readUpload(form, part.FileName(), true)
	if err != nil {
		return err
	}
	if req.chunked {
		return c.uploadChunk(req, part)
	}
	path := join(req.folder.Path, req.name)
	existed := c.exists(path)
	b := &body{r: part}
	info, err := c.ns.Put(c.ctx, path, b, storage.PutOptions{Size: req.size, MD5: req.md5, ModTime: req.mtime})
	if err != nil {
		return req.explain(b.fail(err), b.n)
	}
	return c.answerUpload(info, existed)
}

// uploadWithoutFile answers a form that has no file part: a chunked
// upload's report (to resume it), or the missing targetFile.
func (c *call) uploadWithoutFile(form url.Values) error {
	req, err := c.readUpload(form, "", false)
	if !req.chunked || !req.report {
		return invalid("targetFile", fieldRequired)
	}
	if err != nil {
		return err
	}
	return c.chunkReport(req)
}

// uploadRequest is what the fields of an upload say.
type uploadRequest struct {
	folder storage.Info
	name   string
	md5    []byte    // fileHash, nil when not sent
	size   int64     // fileSize, -1 when not sent
	mtime  time.Time // modification, zero when not sent

	// Chunked mode (chunk or chunks sent).
	chunked    bool
	chunk      int   // 0-based index of the chunk in this request
	chunks     int   // their number
	chunksSize int64 // the size of every chunk but the last, 0 when not sent
	report     bool  // answer the lowest missing chunk
}

// readUpload reads the fields of an upload from the form, else the
// query. fileName is the file part's name (the field "name" overrides it);
// withFile says a file part has come, so the folder must be known now.
// creation is accepted and not kept: a file's creation date is when it
// was first stored.
func (c *call) readUpload(form url.Values, fileName string, withFile bool) (uploadRequest, error) {
	q := c.r.URL.Query()
	get := func(name string) (string, bool) {
		if form.Has(name) {
			return form.Get(name), true
		}
		return q.Get(name), q.Has(name)
	}
	req := uploadRequest{name: fileName, size: -1}
	f := fields{}
	folderField, folderID := "folderId", ""
	if v, ok := get("folderId"); ok {
		folderID = v
	} else if v, ok := get("parent_id"); ok {
		folderField, folderID = "parent_id", v
	}
	id, err := strconv.ParseInt(folderID, 10, 64)
	switch {
	case folderID == "" && withFile:
		f.add(folderField, fieldFolderFirst)
	case folderID == "":
		f.add(folderField, fieldRequired)
	case err != nil:
		f.add(folderField, fieldType, "integer")
	}
	if v, ok := get("name"); ok {
		req.name = v
	}
	if req.name == "" {
		f.add("name", fieldRequired)
	} else {
		checkName(f, "name", req.name)
	}
	if v, ok := get("fileHash"); ok && v != "" {
		if req.md5, err = hex.DecodeString(v); err != nil || len(req.md5) != 16 {
			f.add("fileHash", fieldMD5)
		}
	}
	if v, ok := get("fileSize"); ok && v != "" {
		req.size = sizeField(f, "fileSize", v)
	}
	if v, ok := get("modification"); ok && v != "" {
		if req.mtime, ok = parseDate(v); !ok {
			f.add("modification", fieldDate)
		}
	}
	_, chunk := get("chunk")
	_, chunks := get("chunks")
	if req.chunked = chunk || chunks; req.chunked {
		chunkFields(&req, f, get, withFile)
	}
	if err := f.err(); err != nil {
		return req, err
	}
	req.folder, err = c.fileFolder(folderField, id)
	return req, err
}

var fieldTopLevel = text{"Un fichier se range dans un dossier, pas à la racine de l'arbre.", "A file goes in a folder, not at the top of the tree."}

// fileFolder is folderByID for the folder of a file: the top of the tree
// holds only root folders.
func (c *call) fileFolder(field string, id int64) (storage.Info, error) {
	if id == 0 {
		return storage.Info{}, invalid(field, fieldTopLevel)
	}
	return c.folderByID(field, id)
}

// sizeField parses a size from 0 to maxFileSize, adding a field error and
// returning -1 otherwise.
func sizeField(f fields, field, v string) int64 {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > maxFileSize {
		f.add(field, fieldBadSize)
		return -1
	}
	return n
}

// explain turns a write's Invalid into the field it is about: the content
// was not fileSize long (n bytes were read), or did not match fileHash.
func (req uploadRequest) explain(err error, n int64) error {
	if !storage.Is(storage.Invalid, err) {
		return err
	}
	if req.size >= 0 && n != req.size {
		return invalid("fileSize", fieldSizeDiffers, req.size)
	}
	if req.md5 != nil {
		return invalid("fileHash", fieldMD5Mismatch)
	}
	return err
}

// replaceContent is PUT /api/file/{id}/upload: the raw body becomes the
// file's new version (Content-Length, when sent, is its exact size).
func (h *Handler) replaceContent(c *call) error {
	info, err := c.file("id")
	if err != nil {
		return err
	}
	size := c.r.ContentLength // -1 when unknown
	b := &body{r: c.r.Body}
	info, err = c.ns.Put(c.ctx, info.Path, b, storage.PutOptions{Size: size, IfMatch: "*"})
	if err != nil {
		return b.fail(err)
	}
	return c.answerUpload(info, true)
}

// cancelUpload is DELETE /api/file/cancel: it drops an upload in progress
// and what it received, a TUS session by ?sessionKey=, or a chunked upload
// by the fields that identify it (folderId, name, fileSize, chunks).
func (h *Handler) cancelUpload(c *call) error {
	var id string
	if key := c.r.URL.Query().Get("sessionKey"); key != "" {
		up, _, err := c.tusUpload(key)
		if err != nil {
			return err
		}
		id = up.ID
	} else {
		req, err := c.readUpload(url.Values{}, "", false)
		if err != nil {
			return err
		}
		if !req.chunked {
			return invalid("sessionKey", fieldRequired)
		}
		up, ok, err := c.findChunked(req, join(req.folder.Path, req.name))
		if err != nil {
			return err
		}
		if !ok {
			return fail(http.StatusNotFound, msgNoUpload)
		}
		id = up.ID
	}
	if err := c.ns.AbortUpload(c.ctx, id); err != nil {
		return err
	}
	return c.noContent()
}

var msgNoUpload = text{"Aucun envoi en cours ne correspond.", "No upload in progress matches."}

// exists reports whether the caller sees a file or folder at path, to tell
// a new file (201) from a new version (200).
func (c *call) exists(path string) bool {
	_, err := c.ns.Stat(c.ctx, path)
	return err == nil
}

// answerUpload answers the file an upload stored (every upload endpoint ends
// here): 200 for a new version of a file that existed, 201 for a new file.
func (c *call) answerUpload(info storage.Info, existed bool) error {
	if c.h.opts.Uploaded != nil {
		c.h.opts.Uploaded()
	}
	if existed {
		return c.answerFile(http.StatusOK, info)
	}
	return c.answerFile(http.StatusCreated, info)
}

// body reads a request body into the namespace, counting its bytes. A
// failed read (the client cut the connection, a body over its limit)
// reaches the namespace as errCut, never as an io.ErrUnexpectedEOF that
// could pass for the end of content of unknown size; fail then says what
// happened.
type body struct {
	r   io.Reader
	n   int64
	err error // the first read error other than io.EOF
}

var errCut = errors.New("rest: reading the request body failed")

func (b *body) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.n += int64(n)
	if err != nil && err != io.EOF {
		if b.err == nil {
			b.err = err
		}
		return n, errCut
	}
	return n, err
}

// fail is the answer to a write of b that failed with err: 413 for a body
// over its limit, 400 for a body cut short (usually nobody is left to
// read it), err itself otherwise.
func (b *body) fail(err error) error {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(b.err, &mbe):
		return &apiError{status: http.StatusRequestEntityTooLarge, msg: msgTooLarge, err: b.err}
	case b.err != nil:
		return &apiError{status: http.StatusBadRequest, msg: msgCut, err: b.err}
	}
	return err
}

// flexInt is an integer that clients send as a JSON number or as a string
// of digits (rclone sends folder IDs as strings).
type flexInt int64

func (n *flexInt) UnmarshalJSON(b []byte) error {
	s := string(b)
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		// A type error, so that decode names the field in its 422.
		return &json.UnmarshalTypeError{Value: string(b), Type: reflect.TypeFor[int64]()}
	}
	*n = flexInt(v)
	return nil
}
