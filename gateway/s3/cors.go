package s3

func (h *Handler) getBucketCors(q *request) error { return notImplemented("getBucketCors") }

func (h *Handler) putBucketCors(q *request) error { return notImplemented("putBucketCors") }

func (h *Handler) deleteBucketCors(q *request) error { return notImplemented("deleteBucketCors") }

// preflight answers a CORS preflight (OPTIONS) from the bucket's CORS
// configuration.
func (h *Handler) preflight(q *request) error { return notImplemented("CORS") }
