package s3

func (h *Handler) getBucketVersioning(q *request) error { return notImplemented("getBucketVersioning") }

func (h *Handler) putBucketVersioning(q *request) error { return notImplemented("putBucketVersioning") }

func (h *Handler) listObjectVersions(q *request) error { return notImplemented("listObjectVersions") }
