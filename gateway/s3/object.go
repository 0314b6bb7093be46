package s3

func (h *Handler) putObject(q *request) error { return notImplemented("putObject") }

func (h *Handler) getObject(q *request) error { return notImplemented("getObject") }

func (h *Handler) headObject(q *request) error { return notImplemented("headObject") }

func (h *Handler) deleteObject(q *request) error { return notImplemented("deleteObject") }
