package web

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"coffre/storage"
)

// maxUploadFiles bounds the files of one upload request.
const maxUploadFiles = 100

// upload: POST /s/{token}/upload, multipart/form-data: each part named
// file is streamed into the link (shares.Visit.Upload: the link's size
// limit per file, never replacing a file) in the folder ?folder= or of a
// folder field sent before the files, by default the link's folder. The
// answer lists the files stored (201); on a failure, which stops the
// request, it names the file and lists those stored before it.
func upload(q *req) error {
	l := q.vis.Link
	if !canUpload(l) {
		return &failure{status: http.StatusForbidden, code: "forbidden", msg: msgNoUpload}
	}
	var folder storage.NodeID
	if s := q.r.URL.Query().Get("folder"); s != "" {
		id, err := strconv.ParseUint(s, 10, 64)
		if err != nil || id == 0 {
			return &failure{status: http.StatusUnprocessableEntity, code: "invalid", msg: msgBadID}
		}
		folder = storage.NodeID(id)
	}
	limit := uploadLimit(l)
	// Each file is bounded by the link; the whole body by as many files
	// and the little else a form holds.
	q.r.Body = http.MaxBytesReader(q.w, q.r.Body, maxUploadFiles*(limit+64<<10))
	mr, err := q.r.MultipartReader()
	if err != nil {
		return &failure{status: http.StatusBadRequest, code: "bad_request", msg: msgBadUpload, cause: err}
	}
	var stored []storage.Info
	stop := func(err error, name string) error {
		f := failureOf(err)
		var tooBig *http.MaxBytesError
		if storage.Is(storage.TooLarge, err) || errors.As(err, &tooBig) {
			f = &failure{status: http.StatusRequestEntityTooLarge, code: "too_large", msg: msgTooLarge, args: []any{sizeText(q.lang, limit)}}
		}
		f.file = name
		for _, info := range stored {
			f.uploaded = append(f.uploaded, q.fileJSON(info))
		}
		return f
	}
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return stop(&failure{status: http.StatusBadRequest, code: "bad_request", msg: msgBadUpload, cause: err}, "")
		}
		switch part.FormName() {
		case "csrf":
			if err := q.checkCSRF(smallField(part)); err != nil {
				return stop(err, "")
			}
		case "folder":
			id, err := strconv.ParseUint(smallField(part), 10, 64)
			if err != nil || id == 0 {
				return stop(&failure{status: http.StatusUnprocessableEntity, code: "invalid", msg: msgBadID}, "")
			}
			folder = storage.NodeID(id)
		case "file":
			name := part.FileName()
			switch {
			case q.csrfInBody:
				return stop(q.checkCSRF(""), name)
			case name == "":
				return stop(&failure{status: http.StatusUnprocessableEntity, code: "invalid", msg: msgBadName}, name)
			case len(stored) == maxUploadFiles:
				return stop(&failure{status: http.StatusUnprocessableEntity, code: "too_many_files", msg: msgTooManyFiles, args: []any{maxUploadFiles}}, name)
			}
			info, err := q.vis.Upload(q.ctx, folder, name, part, -1)
			if err != nil {
				return stop(err, name)
			}
			stored = append(stored, info)
		}
		part.Close()
	}
	switch {
	case q.csrfInBody:
		return q.checkCSRF("")
	case len(stored) == 0:
		return &failure{status: http.StatusUnprocessableEntity, code: "no_file", msg: msgNoFile}
	}
	if q.json {
		out := struct {
			Files []fileJSON `json:"files"`
		}{}
		for _, info := range stored {
			out.Files = append(out.Files, q.fileJSON(info))
		}
		return q.writeJSON(http.StatusCreated, out)
	}
	p := q.newPage(labels["uploaded_title"].in(q.lang))
	for _, info := range stored {
		p.Items = append(p.Items, q.item(info))
	}
	p.Back = q.base()
	return q.render(http.StatusCreated, "uploaded", p)
}

// smallField reads a short form field.
func smallField(r io.Reader) string {
	b, _ := io.ReadAll(io.LimitReader(r, 256))
	return strings.TrimSpace(string(b))
}
