package s3

func (h *Handler) listBuckets(q *request) error { return notImplemented("listBuckets") }

func (h *Handler) createBucket(q *request) error { return notImplemented("createBucket") }

func (h *Handler) deleteBucket(q *request) error { return notImplemented("deleteBucket") }

func (h *Handler) headBucket(q *request) error { return notImplemented("headBucket") }

func (h *Handler) getBucketLocation(q *request) error { return notImplemented("getBucketLocation") }
