package s3

func (h *Handler) copyObject(q *request) error { return notImplemented("copyObject") }
