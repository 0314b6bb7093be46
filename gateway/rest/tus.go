package rest

import (
	"encoding/base64"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"coffre/storage"
)

// TUS uploads (https://tus.io/protocols/resumable-upload, 1.0.0: core,
// creation, termination), as NetExplorer clients drive them:
//
//  1. POST /api/file/tus {name, target: <folderId>, size} starts a session:
//     a namespace multipart upload, whose ID is the sessionKey. Rights,
//     locks and the quota for size are checked here.
//  2. POST /api/tus with Upload-Length and Upload-Metadata "token
//     <base64 sessionKey>" creates the TUS resource /api/tus/{sessionKey}.
//  3. HEAD and PATCH on it send the content; each PATCH is the next part of
//     the upload, and the offset is the sum of the parts' sizes.
//  4. POST /api/file/tus {token: <sessionKey>} completes it once the offset
//     reaches the size, and answers the File.
//
// Decisions the protocol leaves to the server:
//   - A PATCH is stored whole or not at all: a part is committed only when
//     its body has arrived complete. A PATCH cut midway leaves the offset
//     where it was; the client asks HEAD and sends again from there.
//   - Reaching the size does not complete the upload: the clients of this
//     API (rclone's NetExplorer backend, the Voltn SDK) finish with step 4,
//     which would find nothing if the last PATCH had completed it. Generic
//     TUS clients must call step 4 too.
//   - Every TUS request needs the bearer token, like the rest of the API.

const tusVersion = "1.0.0"

var (
	msgTUSVersion  = text{"Version du protocole TUS non prise en charge (en-tête Tus-Resumable : 1.0.0 attendu).", "Unsupported TUS protocol version (expected the header Tus-Resumable: 1.0.0)."}
	msgTUSType     = text{"Type de contenu attendu : application/offset+octet-stream.", "Expected the content type application/offset+octet-stream."}
	msgTUSHeader   = text{"En-tête %s absent ou invalide.", "Missing or invalid %s header."}
	msgTUSToken    = text{"Upload-Metadata doit porter le jeton de session (token), encodé en base64.", "Upload-Metadata must carry the session token (token), base64-encoded."}
	msgTUSLength   = text{"Upload-Length (%d) diffère de la taille annoncée au début de la session (%d).", "Upload-Length (%d) differs from the size given when the session started (%d)."}
	msgTUSOffset   = text{"Upload-Offset (%d) ne correspond pas à la position de l'envoi (%d) : reprenez depuis celle-ci.", "Upload-Offset (%d) does not match the upload's offset (%d): resume from there."}
	msgTUSOverflow = text{"Le contenu dépasserait la taille annoncée de l'envoi (%d octets).", "The content would exceed the upload's announced size (%d bytes)."}
	msgTUSPending  = text{"L'envoi n'est pas terminé : %d octets reçus sur %d.", "The upload is not finished: %d bytes received of %d."}
)

func (h *Handler) tusRoutes() {
	h.handle("POST /api/file/tus", h.tusSession)
	h.tus("OPTIONS /api/tus", h.tusOptions)
	h.tus("POST /api/tus", h.tusCreate)
	h.tus("HEAD /api/tus/{key}", h.tusHead)
	h.tus("PATCH /api/tus/{key}", h.tusPatch)
	h.tus("DELETE /api/tus/{key}", h.tusDelete)
}

// tus registers a TUS endpoint: every answer says the protocol version,
// and every request but OPTIONS must speak it (412 otherwise).
func (h *Handler) tus(pattern string, fn handler) {
	h.handle(pattern, func(c *call) error {
		c.w.Header().Set("Tus-Resumable", tusVersion)
		if c.r.Method != http.MethodOptions && c.r.Header.Get("Tus-Resumable") != tusVersion {
			c.w.Header().Set("Tus-Version", tusVersion)
			return fail(http.StatusPreconditionFailed, msgTUSVersion)
		}
		return fn(c)
	})
}

// tusSession is POST /api/file/tus: {name, target, size} starts a session
// and answers {sessionKey}; {token} finishes one and answers the File.
func (h *Handler) tusSession(c *call) error {
	var in struct {
		Name   *string  `json:"name"`
		Target *flexInt `json:"target"`
		Size   *flexInt `json:"size"`
		Token  *string  `json:"token"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	if in.Token != nil {
		return c.tusFinish(*in.Token)
	}
	f := fields{}
	if in.Name == nil {
		f.add("name", fieldRequired)
	} else {
		checkName(f, "name", *in.Name)
	}
	if in.Target == nil {
		f.add("target", fieldRequired)
	}
	if in.Size == nil {
		f.add("size", fieldRequired)
	} else if *in.Size < 0 || *in.Size > maxFileSize {
		f.add("size", fieldBadSize)
	}
	if err := f.err(); err != nil {
		return err
	}
	folder, err := c.fileFolder("target", int64(*in.Target))
	if err != nil {
		return err
	}
	size := int64(*in.Size)
	meta := map[string]string{metaTUS: "1", metaSize: strconv.FormatInt(size, 10)}
	up, err := c.ns.CreateUpload(c.ctx, join(folder.Path, *in.Name), storage.PutOptions{Size: size, Meta: meta})
	if err != nil {
		return err
	}
	return c.json(http.StatusCreated, map[string]string{"sessionKey": up.ID})
}

// tusFinish completes the session key once all its content has come, its
// MD5 that of the whole content.
func (c *call) tusFinish(key string) error {
	up, size, err := c.tusUpload(key)
	if err != nil {
		return err
	}
	offset, parts, err := c.tusOffset(up.ID)
	if err != nil {
		return err
	}
	if offset != size {
		return fail(http.StatusConflict, msgTUSPending, offset, size)
	}
	if len(parts) == 0 { // an empty file: no PATCH carried anything
		p, err := c.ns.UploadPart(c.ctx, up.ID, 1, strings.NewReader(""), storage.PutOptions{Size: 0})
		if err != nil {
			return err
		}
		parts = append(parts, p)
	}
	existed := c.exists(up.Path)
	info, err := c.ns.CompleteUpload(c.ctx, up.ID, parts, storage.PutOptions{WholeMD5: true})
	if err != nil {
		return err
	}
	return c.answerUpload(info, existed)
}

// tusUpload finds the TUS session key among the caller's uploads (404 for
// any other upload) and the size it announced.
func (c *call) tusUpload(key string) (storage.Upload, int64, error) {
	up, err := c.ns.Upload(c.ctx, key)
	if err != nil {
		return storage.Upload{}, 0, err
	}
	size, err := strconv.ParseInt(up.Meta[metaSize], 10, 64)
	if up.Meta[metaTUS] == "" || err != nil {
		return storage.Upload{}, 0, fail(http.StatusNotFound, msgNotFound)
	}
	return up, size, nil
}

// tusOffset is how much of upload id has come: the sum of its parts, which
// PATCH numbers 1, 2, 3 … in order.
func (c *call) tusOffset(id string) (int64, []storage.Part, error) {
	parts, err := c.ns.Parts(c.ctx, id)
	var offset int64
	for _, p := range parts {
		offset += p.Size
	}
	return offset, parts, err
}

// tusOptions is OPTIONS /api/tus: what this server speaks.
func (h *Handler) tusOptions(c *call) error {
	hd := c.w.Header()
	hd.Set("Tus-Version", tusVersion)
	hd.Set("Tus-Extension", "creation,termination")
	hd.Set("Tus-Max-Size", strconv.FormatInt(maxFileSize, 10))
	return c.noContent()
}

// tusCreate is POST /api/tus: the TUS resource of a session, whose key
// comes in Upload-Metadata as "token". Creating it again for the same
// session answers the same resource.
func (h *Handler) tusCreate(c *call) error {
	length, err := tusHeader(c, "Upload-Length")
	if err != nil {
		return err
	}
	meta, ok := tusMetadata(c.r.Header.Get("Upload-Metadata"))
	if !ok || meta["token"] == "" {
		return fail(http.StatusBadRequest, msgTUSToken)
	}
	up, size, err := c.tusUpload(meta["token"])
	if err != nil {
		return err
	}
	if length != size {
		return fail(http.StatusBadRequest, msgTUSLength, length, size)
	}
	c.w.Header().Set("Location", "/api/tus/"+up.ID)
	c.w.WriteHeader(http.StatusCreated)
	return nil
}

// tusHead is HEAD /api/tus/{key}: the offset to resume from.
func (h *Handler) tusHead(c *call) error {
	up, size, err := c.tusUpload(c.r.PathValue("key"))
	if err != nil {
		return err
	}
	offset, _, err := c.tusOffset(up.ID)
	if err != nil {
		return err
	}
	hd := c.w.Header()
	hd.Set("Upload-Offset", strconv.FormatInt(offset, 10))
	hd.Set("Upload-Length", strconv.FormatInt(size, 10))
	hd.Set("Cache-Control", "no-store")
	c.w.WriteHeader(http.StatusOK)
	return nil
}

// tusPatch is PATCH /api/tus/{key}: the body, sent from Upload-Offset,
// becomes the upload's next part.
func (h *Handler) tusPatch(c *call) error {
	if t, _, _ := mime.ParseMediaType(c.r.Header.Get("Content-Type")); t != "application/offset+octet-stream" {
		return fail(http.StatusUnsupportedMediaType, msgTUSType)
	}
	from, err := tusHeader(c, "Upload-Offset")
	if err != nil {
		return err
	}
	up, size, err := c.tusUpload(c.r.PathValue("key"))
	if err != nil {
		return err
	}
	offset, parts, err := c.tusOffset(up.ID)
	if err != nil {
		return err
	}
	hd := c.w.Header()
	if from != offset {
		hd.Set("Upload-Offset", strconv.FormatInt(offset, 10))
		return fail(http.StatusConflict, msgTUSOffset, from, offset)
	}
	n := c.r.ContentLength // -1 when unknown
	if n > size-offset {
		return fail(http.StatusRequestEntityTooLarge, msgTUSOverflow, size)
	}
	if n != 0 {
		next := 1
		if len(parts) > 0 {
			next = parts[len(parts)-1].Number + 1
		}
		b := &body{r: http.MaxBytesReader(c.w, c.r.Body, size-offset)}
		p, err := c.ns.UploadPart(c.ctx, up.ID, next, b, storage.PutOptions{Size: n})
		if err != nil {
			return b.fail(err)
		}
		offset += p.Size
	}
	hd.Set("Upload-Offset", strconv.FormatInt(offset, 10))
	return c.noContent()
}

// tusDelete is DELETE /api/tus/{key}: the termination extension.
func (h *Handler) tusDelete(c *call) error {
	up, _, err := c.tusUpload(c.r.PathValue("key"))
	if err != nil {
		return err
	}
	if err := c.ns.AbortUpload(c.ctx, up.ID); err != nil {
		return err
	}
	return c.noContent()
}

// tusHeader reads a non-negative integer header (400 otherwise, as TUS
// says).
func tusHeader(c *call, name string) (int64, error) {
	n, err := strconv.ParseInt(c.r.Header.Get(name), 10, 64)
	if err != nil || n < 0 {
		return 0, fail(http.StatusBadRequest, msgTUSHeader, name)
	}
	return n, nil
}

// tusMetadata decodes Upload-Metadata: comma-separated pairs "key
// base64(value)", the value optional.
func tusMetadata(h string) (map[string]string, bool) {
	m := map[string]string{}
	if strings.TrimSpace(h) == "" {
		return m, true
	}
	for _, pair := range strings.Split(h, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(pair), " ")
		d, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
		if k == "" || err != nil {
			return nil, false
		}
		m[k] = string(d)
	}
	return m, true
}
