package s3

func (h *Handler) createMultipartUpload(q *request) error {
	return notImplemented("createMultipartUpload")
}

func (h *Handler) uploadPart(q *request) error { return notImplemented("uploadPart") }

func (h *Handler) uploadPartCopy(q *request) error { return notImplemented("uploadPartCopy") }

func (h *Handler) completeMultipartUpload(q *request) error {
	return notImplemented("completeMultipartUpload")
}

func (h *Handler) abortMultipartUpload(q *request) error {
	return notImplemented("abortMultipartUpload")
}

func (h *Handler) listParts(q *request) error { return notImplemented("listParts") }

func (h *Handler) listMultipartUploads(q *request) error {
	return notImplemented("listMultipartUploads")
}
