package s3

func (h *Handler) getObjectTagging(q *request) error { return notImplemented("getObjectTagging") }

func (h *Handler) putObjectTagging(q *request) error { return notImplemented("putObjectTagging") }

func (h *Handler) deleteObjectTagging(q *request) error { return notImplemented("deleteObjectTagging") }
