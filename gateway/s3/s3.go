package s3

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"coffre/auth/sigv4"
	"coffre/gateway"
	"coffre/storage"
)

// Options configure the S3 handler.
type Options struct {
	// Service hands out namespaces bound to the verified caller.
	Service storage.Service
	// Keys finds access keys' owners and secrets.
	Keys Keys
	// Region is the region answered by GetBucketLocation and required in
	// credential scopes when set; "" accepts any and answers "us-east-1".
	Region string
	// Domain enables virtual-host style addressing: a request for
	// "<bucket>.<Domain>" addresses that bucket. Path style always works.
	Domain string
	// UploadExpiry is how long an abandoned multipart upload is kept; it is
	// the namespace's to enforce and only reported here. Zero: 7 days.
	UploadExpiry time.Duration
	// Logger receives errors worth an operator's attention. Nil discards.
	Logger *slog.Logger
	// Now is the clock of signatures; nil means time.Now.
	Now func() time.Time
	// Observe, when set, is called once per request answered with its
	// operation name (see route.go; "Preflight" for a CORS preflight), the
	// status answered and how long it took: the hook of the S3 metrics.
	Observe func(op string, status int, d time.Duration)
}

// Handler serves the S3 protocol.
type Handler struct {
	opts     Options
	verifier *sigv4.Verifier
	log      *slog.Logger
}

// New returns the S3 handler.
func New(opts Options) *Handler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.UploadExpiry <= 0 {
		opts.UploadExpiry = 7 * 24 * time.Hour
	}
	return &Handler{
		opts:     opts,
		verifier: newVerifier(opts.Keys, sigv4.Options{Region: opts.Region, Now: opts.Now}),
		log:      opts.Logger,
	}
}

// request is one authenticated S3 request being served.
type request struct {
	w      http.ResponseWriter
	r      *http.Request
	op     string // the S3 operation name, such as "PutObject"
	ns     storage.Namespace
	p      storage.Principal
	bucket string // "" for the service
	key    string // "" for a bucket
	query  url.Values
	body   io.ReadCloser // the verified payload (decoded from aws-chunked)
	size   int64         // the payload's length, -1 when unknown
	signed sigv4.Result  // the verification, whose body is body
}

// handlerFunc serves one operation; an error is answered by ServeHTTP.
type handlerFunc func(h *Handler, q *request) error

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h.opts.Observe == nil {
		h.serve(w, r)
		return
	}
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	op := h.serve(sw, r)
	h.opts.Observe(op, sw.final(), time.Since(start))
}

// serve answers one request and returns the name of its operation.
func (h *Handler) serve(w http.ResponseWriter, r *http.Request) string {
	if r.ContentLength == 0 && r.ProtoAtLeast(1, 1) && strings.EqualFold(r.Header.Get("Expect"), "100-continue") {
		// Go sends 100 Continue only once a body is read. The aws CLI
		// (botocore) asks for it even with an empty body, and without it
		// misreads the next answer on the connection, waiting for its read
		// timeout. S3 always sends it.
		w.WriteHeader(http.StatusContinue)
	}
	q := &request{w: w, r: r, query: r.URL.Query()}
	w.Header().Set("X-Amz-Request-Id", gateway.RequestID(r.Context())) // on every answer, as S3 does
	q.bucket, q.key = h.address(r)
	if r.Method == http.MethodOptions {
		q.op = "Preflight"
		h.answer(q, h.preflight(q)) // CORS preflights carry no signature
		return q.op
	}
	h.corsHeaders(q) // a browser's request from an origin the bucket allows
	op, fn := route(r.Method, q.bucket, q.key, q.query, r.Header)
	q.op = op
	p, res, err := h.authenticate(r)
	if err != nil {
		h.answer(q, err)
		return op
	}
	defer res.Body.Close()
	q.p, q.body, q.size, q.signed = p, res.Body, res.Size, res
	q.ns = h.opts.Service.As(p)
	h.answer(q, fn(h, q))
	return op
}

// answer writes err as an S3 error document, unless err is nil or the
// answer has begun.
func (h *Handler) answer(q *request, err error) {
	if err == nil {
		return
	}
	e := toS3(err)
	if e.Status >= 500 {
		h.log.ErrorContext(q.r.Context(), "s3 request failed", "op", q.op, "bucket", q.bucket, "key", q.key, "err", err)
	}
	q.w.Header().Set("Content-Type", "application/xml")
	q.w.Header().Set("X-Amz-Request-Id", gateway.RequestID(q.r.Context()))
	q.w.WriteHeader(e.Status)
	if q.r.Method == http.MethodHead {
		return
	}
	resource := q.r.URL.Path
	io.WriteString(q.w, xml.Header)
	xml.NewEncoder(q.w).Encode(errorBody{Code: e.Code, Message: e.Message, Resource: resource, RequestID: gateway.RequestID(q.r.Context())})
}

// writeXML answers 200 with v as an XML document.
func writeXML(q *request, v any) error {
	q.w.Header().Set("Content-Type", "application/xml")
	q.w.WriteHeader(http.StatusOK)
	io.WriteString(q.w, xml.Header)
	return xml.NewEncoder(q.w).Encode(v)
}

// readXML decodes a request body of at most max bytes into v.
func readXML(q *request, max int64, v any) error {
	data, err := io.ReadAll(io.LimitReader(q.body, max+1))
	if err != nil {
		return err
	}
	if int64(len(data)) > max {
		return errorf("MaxMessageLengthExceeded", http.StatusBadRequest, "the XML body is larger than %d bytes", max)
	}
	if err := xml.Unmarshal(data, v); err != nil {
		return malformedXML(err)
	}
	return nil
}

// address finds the bucket and key a request names: from the host for
// virtual-host style, else from the path. The key is everything after the
// bucket's slash, byte for byte: "a//b" and "../x" are keys like others.
func (h *Handler) address(r *http.Request) (bucket, key string) {
	path := strings.TrimPrefix(r.URL.Path, "/")
	if d := h.opts.Domain; d != "" {
		host := r.Host
		if hh, _, err := net.SplitHostPort(host); err == nil {
			host = hh
		}
		if b, ok := strings.CutSuffix(strings.ToLower(host), "."+strings.ToLower(d)); ok && b != "" {
			return b, path
		}
	}
	bucket, key, _ = strings.Cut(path, "/")
	return bucket, key
}

// bucketPath is the namespace path of the bucket's root folder.
func (q *request) bucketPath() string { return "/" + q.bucket }

// objectPath is the namespace path of the key: a key ending in "/" is the
// folder it names. Keys that the tree cannot hold (empty, "." or ".."
// segments, invalid UTF-8, over-long names) are refused, never mangled.
func (q *request) objectPath() (path string, dir bool, err error) {
	return objectPath(q.bucket, q.key)
}

func objectPath(bucket, key string) (path string, dir bool, err error) {
	if key == "" {
		return "", false, errorf("InvalidObjectName", http.StatusBadRequest, "the object key is empty")
	}
	name, dir := strings.CutSuffix(key, "/")
	path = "/" + bucket + "/" + name
	_, err = storage.SplitPath(path)
	if err == nil && (name == "" || strings.HasSuffix(name, "/")) {
		err = storage.Errorf("path", storage.Invalid, path, "empty name (two slashes in a row?)")
	}
	if err != nil {
		why := err.Error()
		var se *storage.Error
		if errors.As(err, &se) && se.Err != nil {
			why = se.Err.Error()
		}
		return "", false, &Error{Code: "InvalidObjectName", Status: http.StatusBadRequest,
			Message: fmt.Sprintf("the key %q cannot be stored: %s", key, why), Err: err}
	}
	return path, dir, nil
}

// clientIP is the address part of a RemoteAddr.
func clientIP(remote string) string {
	if h, _, err := net.SplitHostPort(remote); err == nil {
		return h
	}
	return remote
}
