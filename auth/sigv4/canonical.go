package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// emptySHA256 is the hex SHA-256 of no bytes.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// uriEncode percent-encodes s as SigV4 asks: every byte except the
// unreserved characters A-Z a-z 0-9 - _ . ~ becomes %XX with upper-case hex;
// '/' is kept when keepSlash is set.
func uriEncode(s string, keepSlash bool) string {
	const hexdig = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9',
			c == '-', c == '_', c == '.', c == '~', c == '/' && keepSlash:
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexdig[c>>4])
			b.WriteByte(hexdig[c&15])
		}
	}
	return b.String()
}

// canonicalURI is the path as S3 canonicalises it: each segment of the
// escaped path decoded once and encoded once (S3 does not double-encode), so
// an encoded "%2F" inside a segment stays "%2F" and empty segments ("//")
// are kept.
func canonicalURI(u *url.URL) string {
	p := u.EscapedPath()
	if p == "" {
		return "/"
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if d, err := url.PathUnescape(s); err == nil {
			s = d
		}
		segs[i] = uriEncode(s, false)
	}
	return strings.Join(segs, "/")
}

// canonicalQuery sorts the query parameters by encoded key then value and
// re-encodes them; a parameter without '=' has an empty value. skip, when
// set, is left out (X-Amz-Signature of a presigned URL).
func canonicalQuery(raw, skip string) (string, error) {
	if raw == "" {
		return "", nil
	}
	type kv struct{ k, v string }
	var ps []kv
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k, err := url.QueryUnescape(k)
		if err != nil {
			return "", err
		}
		if v, err = url.QueryUnescape(v); err != nil {
			return "", err
		}
		if skip != "" && k == skip {
			continue
		}
		ps = append(ps, kv{uriEncode(k, false), uriEncode(v, false)})
	}
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].k != ps[j].k {
			return ps[i].k < ps[j].k
		}
		return ps[i].v < ps[j].v
	})
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(p.k)
		b.WriteByte('=')
		b.WriteString(p.v)
	}
	return b.String(), nil
}

// collapseSpaces trims v and replaces each run of spaces by one.
func collapseSpaces(v string) string {
	v = strings.TrimSpace(v)
	if !strings.Contains(v, "  ") {
		return v
	}
	var b strings.Builder
	space := false
	for i := 0; i < len(v); i++ {
		if v[i] == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// headerValues returns the values of the lower-case header name as the
// client sent them; net/http moves Host, Content-Length and
// Transfer-Encoding out of r.Header.
func headerValues(r *http.Request, name string) []string {
	switch name {
	case "host":
		return []string{r.Host}
	case "content-length":
		if vs := r.Header.Values(name); len(vs) > 0 {
			return vs
		}
		if r.ContentLength >= 0 {
			return []string{strconv.FormatInt(r.ContentLength, 10)}
		}
		return nil
	case "transfer-encoding":
		if len(r.TransferEncoding) > 0 {
			return []string{strings.Join(r.TransferEncoding, ",")}
		}
	}
	return r.Header.Values(name)
}

// canonicalHeaders builds the canonical headers block for the signed header
// names, in the order given. Every signed header must be present.
func canonicalHeaders(r *http.Request, signed []string) (string, *Error) {
	var b strings.Builder
	for _, name := range signed {
		vs := headerValues(r, name)
		if len(vs) == 0 {
			return "", errorf(AccessDenied, "signed header %q is missing from the request", name)
		}
		b.WriteString(name)
		b.WriteByte(':')
		for i, v := range vs {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(collapseSpaces(v))
		}
		b.WriteByte('\n')
	}
	return b.String(), nil
}

// parseSignedHeaders splits "host;x-amz-date" and checks that the names are
// lower case, unique and include host.
func parseSignedHeaders(s string) ([]string, bool) {
	if s == "" || len(s) > maxSignedHeaders {
		return nil, false
	}
	names := strings.Split(s, ";")
	host := false
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		if n == "" || n != strings.ToLower(n) || seen[n] {
			return nil, false
		}
		seen[n] = true
		host = host || n == "host"
	}
	return names, host
}

func sha256Hex(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// signingKey derives the key for one day, region and service.
func signingKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, "aws4_request")
}

// signatureMatches compares a hex signature from the request with the
// expected raw MAC in constant time.
func signatureMatches(got string, want []byte) bool {
	g, err := hex.DecodeString(got)
	if err != nil {
		return false
	}
	return hmac.Equal(g, want)
}
