package s3

func (h *Handler) deleteObjects(q *request) error { return notImplemented("deleteObjects") }
