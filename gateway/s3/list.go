package s3

func (h *Handler) listObjects(q *request) error { return notImplemented("listObjects") }

func (h *Handler) listObjectsV2(q *request) error { return notImplemented("listObjectsV2") }
