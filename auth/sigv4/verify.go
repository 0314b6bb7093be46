package sigv4

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"coffre/storage"
)

const (
	algorithm     = "AWS4-HMAC-SHA256"
	timeFormat    = "20060102T150405Z"
	dateFormat    = "20060102"
	service       = "s3"
	scopeTerminal = "aws4_request"

	unsignedPayload  = "UNSIGNED-PAYLOAD"
	streamingSigned  = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD"
	streamingTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"

	streamingSignedTrailer = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"

	// DefaultMaxSkew is the clock skew S3 tolerates.
	DefaultMaxSkew = 15 * time.Minute
	// MaxExpires is the longest validity of a presigned URL: 7 days.
	MaxExpires = 7 * 24 * time.Hour

	maxAuthorization = 4096 // bytes of the Authorization header we parse
	maxSignedHeaders = 2048 // bytes of the SignedHeaders list
)

// Lookup returns the secret of an access key. An unknown key (or one whose
// owner may not log in) must fail with a storage.Unauthenticated error, a
// refused one with storage.Permission; any other error is returned by Verify
// unchanged.
type Lookup func(ctx context.Context, accessKey string) (secret string, err error)

// Options configure a Verifier. The zero value is usable.
type Options struct {
	// Region, when set, is the only region accepted in credential scopes;
	// "" accepts any.
	Region string
	// MaxSkew is the largest difference between the request's date and
	// Now; 0 means DefaultMaxSkew.
	MaxSkew time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Verifier checks SigV4 signatures. It is safe for concurrent use.
type Verifier struct {
	lookup  Lookup
	region  string
	maxSkew time.Duration
	now     func() time.Time
	keys    keyCache
}

// New returns a Verifier asking lookup for secrets.
func New(lookup Lookup, opts Options) *Verifier {
	v := &Verifier{lookup: lookup, region: opts.Region, maxSkew: opts.MaxSkew, now: opts.Now}
	if v.maxSkew <= 0 {
		v.maxSkew = DefaultMaxSkew
	}
	if v.now == nil {
		v.now = time.Now
	}
	return v
}

// Result is what a verified request carries.
type Result struct {
	// AccessKey is the verified access key.
	AccessKey string
	// Body must be read instead of r.Body: it yields the payload (decoded
	// for aws-chunked bodies) and fails with an *Error when the payload does
	// not match what was signed or declared. Closing it closes r.Body.
	Body io.ReadCloser
	// Size is the payload length: x-amz-decoded-content-length for
	// aws-chunked bodies, r.ContentLength otherwise (-1 when unknown).
	Size int64
	// Presigned tells a query-string signature from a header one.
	Presigned bool
}

// request is what either form of signature states.
type request struct {
	accessKey, date, region string // from the credential scope
	amzDate                 string // yyyymmddThhmmssZ
	t                       time.Time
	signed                  []string
	signature               string
	payload                 string
	query                   string // canonical query
}

// Verify checks r's signature, from its Authorization header or its
// presigned query, and returns the access key and the Body to read. Errors
// are *Error with an S3 code, or the Lookup's own error when it is neither
// Unauthenticated nor Permission. A request with no signature at all fails
// with AccessDenied; a caller allowing anonymous access checks for that
// first.
func (v *Verifier) Verify(ctx context.Context, r *http.Request) (Result, error) {
	var (
		req *request
		err *Error
	)
	q := r.URL.Query()
	authz := r.Header.Get("Authorization")
	switch {
	case authz != "" && q.Has("X-Amz-Algorithm"):
		err = errorf(InvalidArgument, "only one authentication mechanism is allowed: the Authorization header or X-Amz-Algorithm in the query")
	case authz != "":
		req, err = v.parseHeader(r, authz)
	case q.Has("X-Amz-Algorithm"):
		req, err = v.parseQuery(r, q)
	case q.Has("AWSAccessKeyId") || q.Has("Signature"):
		err = sigV2()
	default:
		err = errorf(AccessDenied, "anonymous access is not allowed")
	}
	if err != nil {
		return Result{}, err
	}
	secret, lerr := v.lookup(ctx, req.accessKey)
	switch {
	case lerr == nil:
	case storage.Is(storage.Unauthenticated, lerr):
		return Result{}, &Error{Code: InvalidAccessKeyID, Message: "the AWS access key ID does not exist in our records", Err: lerr}
	case storage.Is(storage.Permission, lerr):
		return Result{}, &Error{Code: AccessDenied, Message: "access denied", Err: lerr}
	default:
		return Result{}, lerr
	}
	if err := unsignedAmzHeaders(r, req.signed); err != nil {
		return Result{}, err
	}
	headers, err := canonicalHeaders(r, req.signed)
	if err != nil {
		return Result{}, err
	}
	canonical := strings.Join([]string{
		r.Method, canonicalURI(r.URL), req.query, headers,
		strings.Join(req.signed, ";"), req.payload,
	}, "\n")
	scope := req.date + "/" + req.region + "/" + service + "/" + scopeTerminal
	toSign := algorithm + "\n" + req.amzDate + "\n" + scope + "\n" + sha256Hex(canonical)
	key := v.keys.signingKey(secret, keyScope{req.accessKey, req.date, req.region})
	if !signatureMatches(req.signature, hmacSHA256(key, toSign)) {
		return Result{}, errorf(SignatureDoesNotMatch, "the request signature we calculated does not match the signature you provided")
	}
	res := Result{AccessKey: req.accessKey, Size: r.ContentLength, Presigned: q.Has("X-Amz-Algorithm")}
	body := r.Body
	if body == nil {
		body = http.NoBody
	}
	res.Body, res.Size, err = v.payloadBody(r, req, body, key, scope)
	if err != nil {
		return Result{}, err
	}
	return res, nil
}

// unsignedAmzHeaders refuses a request carrying an x-amz-* header that is
// not signed, as S3 does: otherwise anyone holding a presigned URL could add
// x-amz-copy-source, x-amz-meta-* or x-amz-acl to what its signer allowed.
func unsignedAmzHeaders(r *http.Request, signed []string) *Error {
	var missing []string
	for name := range r.Header {
		l := strings.ToLower(name)
		if strings.HasPrefix(l, "x-amz-") && !slices.Contains(signed, l) {
			missing = append(missing, l)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	slices.Sort(missing)
	return errorf(AccessDenied, "there were headers present in the request which were not signed: %s", strings.Join(missing, ", "))
}

func sigV2() *Error {
	return errorf(InvalidRequest, "AWS Signature Version 2 is not supported; use Signature Version 4")
}

// parseHeader reads "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=...,
// Signature=..." and the x-amz-date and x-amz-content-sha256 headers.
func (v *Verifier) parseHeader(r *http.Request, authz string) (*request, *Error) {
	if strings.HasPrefix(authz, "AWS ") {
		return nil, sigV2()
	}
	rest, ok := strings.CutPrefix(authz, algorithm+" ")
	if !ok {
		return nil, errorf(InvalidArgument, "unsupported authorization type; use %s", algorithm)
	}
	if len(authz) > maxAuthorization {
		return nil, errorf(AuthorizationHeaderMalformed, "the authorization header is too long")
	}
	var cred, signed, sig string
	for _, f := range strings.Split(rest, ",") {
		k, val, ok := strings.Cut(strings.TrimSpace(f), "=")
		if !ok {
			return nil, errorf(AuthorizationHeaderMalformed, "malformed field %q", f)
		}
		switch k {
		case "Credential":
			cred = val
		case "SignedHeaders":
			signed = val
		case "Signature":
			sig = val
		default:
			return nil, errorf(AuthorizationHeaderMalformed, "unknown field %q", k)
		}
	}
	if cred == "" || signed == "" || sig == "" {
		return nil, errorf(AuthorizationHeaderMalformed, "the authorization header needs Credential, SignedHeaders and Signature")
	}
	amzDate := r.Header.Get("X-Amz-Date")
	if amzDate == "" {
		return nil, errorf(AccessDenied, "AWS authentication requires a valid x-amz-date header")
	}
	req, err := v.parseCommon(AuthorizationHeaderMalformed, cred, amzDate, signed, sig)
	if err != nil {
		return nil, err
	}
	if d := v.now().Sub(req.t); d > v.maxSkew || d < -v.maxSkew {
		return nil, errorf(RequestTimeTooSkewed, "the difference between the request time and the current time is too large")
	}
	req.payload = r.Header.Get("X-Amz-Content-Sha256")
	if req.payload == "" {
		return nil, errorf(MissingSecurityHeader, "missing required header for this request: x-amz-content-sha256")
	}
	if req.query, err = queryOf(r, ""); err != nil {
		return nil, err
	}
	return req, nil
}

// parseQuery reads the X-Amz-* parameters of a presigned URL.
func (v *Verifier) parseQuery(r *http.Request, q url.Values) (*request, *Error) {
	bad := func(format string, args ...any) (*request, *Error) {
		return nil, errorf(AuthorizationQueryParametersError, format, args...)
	}
	if a := q.Get("X-Amz-Algorithm"); a != algorithm {
		return bad("X-Amz-Algorithm only supports %q", algorithm)
	}
	for _, p := range []string{"X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature"} {
		if len(q[p]) != 1 || q.Get(p) == "" {
			return bad("query-string authentication requires exactly one %s parameter", p)
		}
	}
	req, err := v.parseCommon(AuthorizationQueryParametersError, q.Get("X-Amz-Credential"), q.Get("X-Amz-Date"), q.Get("X-Amz-SignedHeaders"), q.Get("X-Amz-Signature"))
	if err != nil {
		return nil, err
	}
	exp, perr := strconv.ParseInt(q.Get("X-Amz-Expires"), 10, 64)
	if perr != nil || exp < 1 || exp > int64(MaxExpires/time.Second) {
		return bad("X-Amz-Expires must be between 1 and %d seconds", int64(MaxExpires/time.Second))
	}
	now := v.now()
	if req.t.Sub(now) > v.maxSkew {
		return nil, errorf(AccessDenied, "request is not valid yet")
	}
	if now.After(req.t.Add(time.Duration(exp) * time.Second)) {
		return nil, errorf(AccessDenied, "Request has expired")
	}
	req.payload = unsignedPayload
	if p := q.Get("X-Amz-Content-Sha256"); p != "" {
		req.payload = p
	}
	if req.query, err = queryOf(r, "X-Amz-Signature"); err != nil {
		return nil, err
	}
	return req, nil
}

func queryOf(r *http.Request, skip string) (string, *Error) {
	s, err := canonicalQuery(r.URL.RawQuery, skip)
	if err != nil {
		return "", &Error{Code: InvalidArgument, Message: "malformed query string", Err: err}
	}
	return s, nil
}

// parseCommon checks the credential scope, the date and the signed headers,
// reporting malformed values with code.
func (v *Verifier) parseCommon(code Code, cred, amzDate, signed, sig string) (*request, *Error) {
	parts := strings.Split(cred, "/")
	if len(parts) != 5 || parts[0] == "" {
		return nil, errorf(code, "malformed credential %q: want <key>/<date>/<region>/s3/aws4_request", cred)
	}
	req := &request{accessKey: parts[0], date: parts[1], region: parts[2], amzDate: amzDate, signature: sig}
	if parts[3] != service || parts[4] != scopeTerminal {
		return nil, errorf(code, "credential scope must end in /%s/%s", service, scopeTerminal)
	}
	if v.region != "" && req.region != v.region {
		return nil, errorf(code, "the region %q is wrong; expecting %q", req.region, v.region)
	}
	t, err := time.Parse(timeFormat, amzDate)
	if err != nil {
		return nil, errorf(code, "X-Amz-Date %q is not in the format %s", amzDate, timeFormat)
	}
	req.t = t
	if req.date != t.Format(dateFormat) {
		return nil, errorf(code, "credential date %q does not match X-Amz-Date %q", req.date, amzDate)
	}
	var ok bool
	if req.signed, ok = parseSignedHeaders(signed); !ok {
		return nil, errorf(code, "SignedHeaders must be a list of distinct lower-case names including host")
	}
	if len(sig) != 64 {
		return nil, errorf(code, "the signature must be 64 hex digits")
	}
	return req, nil
}
