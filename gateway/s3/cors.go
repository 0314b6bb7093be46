package s3

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"coffre/storage"
)

// Bucket CORS (https://docs.aws.amazon.com/AmazonS3/latest/userguide/cors.html).
// The configuration is kept, validated and re-encoded, in the bucket root
// folder's metadata (metaCORS); DeleteBucketCors removes that one key and
// nothing else. A preflight (OPTIONS) is answered from it without
// credentials, and a browser's actual request from an allowed origin gets
// its Access-Control-* headers (corsHeaders, called by ServeHTTP).

// S3's limits on a CORS configuration.
const (
	maxCORSBody  = 64 << 10
	maxCORSRules = 100
)

type corsConfiguration struct {
	XMLName xml.Name   // CORSConfiguration, in any namespace when read
	Rules   []corsRule `xml:"CORSRule"`
}

type corsRule struct {
	ID             string   `xml:"ID,omitempty"`
	AllowedHeaders []string `xml:"AllowedHeader"`
	AllowedMethods []string `xml:"AllowedMethod"`
	AllowedOrigins []string `xml:"AllowedOrigin"`
	ExposeHeaders  []string `xml:"ExposeHeader"`
	MaxAgeSeconds  *int     `xml:"MaxAgeSeconds"`
}

// corsMethods are the methods a rule may allow.
var corsMethods = map[string]bool{"GET": true, "PUT": true, "POST": true, "DELETE": true, "HEAD": true}

// validate checks a configuration as S3 does.
func (c *corsConfiguration) validate() error {
	if c.XMLName.Local != "CORSConfiguration" {
		return malformedXML(fmt.Errorf("the document is <%s>, not <CORSConfiguration>", c.XMLName.Local))
	}
	if len(c.Rules) == 0 {
		return malformedXML(errors.New("a CORS configuration holds at least one CORSRule"))
	}
	if len(c.Rules) > maxCORSRules {
		return invalidRequest("a CORS configuration holds at most %d rules, not %d", maxCORSRules, len(c.Rules))
	}
	for i := range c.Rules {
		r := &c.Rules[i]
		if len(r.ID) > 255 {
			return invalidRequest("a CORSRule ID has at most 255 characters")
		}
		if len(r.AllowedMethods) == 0 || len(r.AllowedOrigins) == 0 {
			return malformedXML(fmt.Errorf("CORSRule %d needs at least one AllowedMethod and one AllowedOrigin", i+1))
		}
		for _, m := range r.AllowedMethods {
			if !corsMethods[m] {
				return invalidRequest("found unsupported HTTP method in CORS config. Unsupported method is %q (GET, PUT, POST, DELETE and HEAD are)", m)
			}
		}
		for _, o := range r.AllowedOrigins {
			if strings.Count(o, "*") > 1 {
				return invalidRequest("AllowedOrigin %q can not have more than one wildcard", o)
			}
		}
		for _, hd := range r.AllowedHeaders {
			if strings.Count(hd, "*") > 1 {
				return invalidRequest("AllowedHeader %q can not have more than one wildcard", hd)
			}
		}
		for _, hd := range r.ExposeHeaders {
			if strings.Contains(hd, "*") || strings.ContainsAny(hd, " \t,") {
				return invalidRequest("ExposeHeader %q is not a header name", hd)
			}
		}
		if r.MaxAgeSeconds != nil && *r.MaxAgeSeconds < 0 {
			return invalidRequest("MaxAgeSeconds must not be negative")
		}
	}
	return nil
}

// encode returns the configuration as stored and answered.
func (c *corsConfiguration) encode() (string, error) {
	c.XMLName = xml.Name{Space: s3NS, Local: "CORSConfiguration"}
	b, err := xml.Marshal(c)
	return string(b), err
}

func (h *Handler) putBucketCors(q *request) error {
	if _, err := bucketInfo(q); err != nil {
		return err
	}
	var c corsConfiguration
	if err := readXMLBody(q, maxCORSBody, &c); err != nil {
		return err
	}
	if err := c.validate(); err != nil {
		return err
	}
	doc, err := c.encode()
	if err != nil {
		return err
	}
	if err := setBucketMeta(q, metaCORS, doc); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) getBucketCors(q *request) error {
	b, err := bucketInfo(q)
	if err != nil {
		return err
	}
	doc, ok := b.Meta[metaCORS]
	if !ok {
		return errorf("NoSuchCORSConfiguration", http.StatusNotFound, "the bucket %q has no CORS configuration", q.bucket)
	}
	q.w.Header().Set("Content-Type", "application/xml")
	q.w.WriteHeader(http.StatusOK)
	io.WriteString(q.w, xml.Header)
	io.WriteString(q.w, doc)
	return nil
}

// deleteBucketCors removes the bucket's CORS configuration, and only it.
func (h *Handler) deleteBucketCors(q *request) error {
	if err := setBucketMeta(q, metaCORS, ""); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

// bucketCORS reads the CORS rules of a bucket for a request that carries
// no credentials (a preflight) or whose caller's rights do not matter to
// CORS. A browser sends preflights without credentials, so there is no
// caller whose namespace could read the bucket's settings: this reads them
// as an administrator, and must read nothing else — one Stat of the
// bucket's root folder, of which only the CORS rules are used. nil when the
// bucket is absent or has none.
func (h *Handler) bucketCORS(q *request) []corsRule {
	if q.bucket == "" {
		return nil
	}
	if names, err := storage.SplitPath("/" + q.bucket); err != nil || len(names) != 1 {
		return nil
	}
	p := storage.Principal{Admin: true, Login: "cors", Protocol: "s3", IP: clientIP(q.r.RemoteAddr), UserAgent: q.r.UserAgent()}
	info, err := h.opts.Service.As(p).Stat(q.r.Context(), "/"+q.bucket)
	if err != nil || !info.Dir {
		return nil
	}
	doc, ok := info.Meta[metaCORS]
	if !ok {
		return nil
	}
	var c corsConfiguration
	if err := xml.Unmarshal([]byte(doc), &c); err != nil {
		h.log.ErrorContext(q.r.Context(), "s3: a bucket's stored CORS configuration does not decode", "bucket", q.bucket, "err", err)
		return nil
	}
	return c.Rules
}

// wildcardMatch matches s against a pattern holding at most one "*".
func wildcardMatch(pattern, s string) bool {
	before, after, ok := strings.Cut(pattern, "*")
	if !ok {
		return pattern == s
	}
	return len(s) >= len(before)+len(after) && strings.HasPrefix(s, before) && strings.HasSuffix(s, after)
}

// match finds the first rule allowing origin, method and every header
// (compared without case), as S3 evaluates them.
func corsMatch(rules []corsRule, origin, method string, headers []string) *corsRule {
	for i := range rules {
		r := &rules[i]
		if !anyMatch(r.AllowedOrigins, origin, wildcardMatch) {
			continue
		}
		if !anyMatch(r.AllowedMethods, method, func(a, b string) bool { return a == b }) {
			continue
		}
		ok := true
		for _, hd := range headers {
			if !anyMatch(r.AllowedHeaders, hd, func(p, s string) bool { return wildcardMatch(strings.ToLower(p), s) }) {
				ok = false
				break
			}
		}
		if ok {
			return r
		}
	}
	return nil
}

func anyMatch(patterns []string, s string, match func(pattern, s string) bool) bool {
	for _, p := range patterns {
		if match(p, s) {
			return true
		}
	}
	return false
}

// allowOrigin sets the headers every answer to an allowed CORS request
// carries: the origin ("*" when the rule allows any), credentials for a
// named origin, and the exposed headers.
func allowOrigin(w http.Header, r *corsRule, origin string) {
	if anyMatch(r.AllowedOrigins, "*", func(p, s string) bool { return p == s }) {
		w.Set("Access-Control-Allow-Origin", "*")
	} else {
		w.Set("Access-Control-Allow-Origin", origin)
		w.Set("Access-Control-Allow-Credentials", "true")
	}
	if len(r.ExposeHeaders) > 0 {
		w.Set("Access-Control-Expose-Headers", strings.Join(r.ExposeHeaders, ", "))
	}
}

func corsForbidden(why string) *Error {
	return errorf("AccessForbidden", http.StatusForbidden, "CORSResponse: %s", why)
}

// preflight answers a CORS preflight (OPTIONS) from the bucket's CORS
// configuration (https://docs.aws.amazon.com/AmazonS3/latest/API/API_OPTIONSobject.html).
func (h *Handler) preflight(q *request) error {
	q.op = "PreflightRequest"
	origin := q.r.Header.Get("Origin")
	if origin == "" {
		return errorf("BadRequest", http.StatusBadRequest, "insufficient information: the Origin request header is needed")
	}
	method := q.r.Header.Get("Access-Control-Request-Method")
	if method == "" {
		return errorf("BadRequest", http.StatusBadRequest, "insufficient information: the Access-Control-Request-Method request header is needed")
	}
	var headers []string
	for _, v := range q.r.Header.Values("Access-Control-Request-Headers") {
		for _, hd := range strings.Split(v, ",") {
			if hd = strings.ToLower(strings.TrimSpace(hd)); hd != "" {
				headers = append(headers, hd)
			}
		}
	}
	w := q.w.Header()
	w.Add("Vary", "Origin, Access-Control-Request-Headers, Access-Control-Request-Method")
	rules := h.bucketCORS(q)
	if rules == nil {
		return corsForbidden("CORS is not enabled for this bucket.")
	}
	r := corsMatch(rules, origin, method, headers)
	if r == nil {
		return corsForbidden("This CORS request is not allowed. This is usually because the evaluation of Origin, request method / Access-Control-Request-Method or Access-Control-Request-Headers are not whitelisted by the resource's CORS spec.")
	}
	allowOrigin(w, r, origin)
	w.Set("Access-Control-Allow-Methods", strings.Join(r.AllowedMethods, ", "))
	if len(headers) > 0 {
		w.Set("Access-Control-Allow-Headers", strings.Join(headers, ", "))
	}
	if r.MaxAgeSeconds != nil {
		w.Set("Access-Control-Max-Age", strconv.Itoa(*r.MaxAgeSeconds))
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}

// corsHeaders adds the Access-Control-* headers to the answer of a
// browser's actual (non-OPTIONS) request whose Origin a rule of the bucket
// allows for the request's method; successes and errors alike carry them,
// so that the page can read either.
func (h *Handler) corsHeaders(q *request) {
	origin := q.r.Header.Get("Origin")
	if origin == "" || q.bucket == "" {
		return
	}
	q.w.Header().Add("Vary", "Origin")
	rules := h.bucketCORS(q)
	if rules == nil {
		return
	}
	if r := corsMatch(rules, origin, q.r.Method, nil); r != nil {
		allowOrigin(q.w.Header(), r, origin)
	}
}
