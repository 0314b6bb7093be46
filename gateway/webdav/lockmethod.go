package webdav

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	xwebdav "golang.org/x/net/webdav"

	"coffre/storage"
)

// maxXMLBody bounds the request bodies parsed as XML.
const maxXMLBody = 1 << 20

// lockInfo is a parsed DAV:lockinfo (RFC 4918 §14.11).
type lockInfo struct {
	shared bool
	owner  string // self-contained XML content of DAV:owner
}

// lock serves LOCK (RFC 4918 §9.10): a new lock, or with an empty body the
// refresh of the lock whose token the If header presents.
func (q *request) lock() error {
	d, err := parseTimeout(q.r.Header.Get("Timeout"))
	if err != nil {
		return err
	}
	body, err := readBody(q.r)
	if err != nil {
		return err
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return q.refresh(d)
	}
	li, err := parseLockInfo(body)
	if err != nil {
		return err
	}
	deep := true
	switch q.r.Header.Get("Depth") {
	case "", "infinity":
	case "0":
		deep = false
	default:
		return errorf(http.StatusBadRequest, "LOCK takes Depth 0 or infinity")
	}
	if q.path == "/" {
		return errorf(http.StatusForbidden, "the top cannot be locked")
	}
	info, err := q.ns.Stat(q.r.Context(), q.path)
	created := false
	if storage.Is(storage.NotFound, err) {
		// RFC 4918 §7.3: locking an unmapped URL creates an empty resource.
		if err := q.refused(q.path); err != nil {
			return err
		}
		if err := q.confirm(target{path: q.path, membership: true}); err != nil {
			return err
		}
		info, err = q.ns.Put(q.r.Context(), q.path, strings.NewReader(""), storage.PutOptions{Size: 0, IfNoneMatch: "*"})
		if storage.Is(storage.NotFound, err) {
			return errorf(http.StatusConflict, "the folder does not exist")
		}
		created = err == nil
	}
	if err != nil {
		return err
	}
	l, err := q.ls.create(xwebdav.LockDetails{Root: q.path, Duration: d, OwnerXML: li.owner, ZeroDepth: !deep}, li.shared)
	if errors.Is(err, xwebdav.ErrLocked) {
		return davError(http.StatusLocked, "<D:no-conflicting-lock/>", "locked")
	}
	if err != nil {
		return err
	}
	q.w.Header().Set("Lock-Token", "<"+l.Token+">")
	code := http.StatusOK
	if created {
		code = http.StatusCreated
	}
	q.writeLockDiscovery(code, l, info.Dir)
	return nil
}

// refresh extends the lock named by the If header (RFC 4918 §9.10.2).
func (q *request) refresh(d time.Duration) error {
	lists, ok := parseIf(q.r.Header.Get("If"))
	if !ok {
		return errorf(http.StatusBadRequest, "a lock refresh needs an If header with the lock token")
	}
	var token string
	for t := range tokens(lists) {
		token = t
	}
	if token == "" {
		return errorf(http.StatusBadRequest, "a lock refresh needs an If header with the lock token")
	}
	locks, err := q.ns.Locks(q.r.Context(), q.path)
	if err != nil {
		return err
	}
	var found bool
	for _, l := range locks {
		found = found || l.Token == token
	}
	if !found {
		return davError(http.StatusPreconditionFailed, "<D:lock-token-matches-request-uri/>", "no such lock on this resource")
	}
	l, err := q.ns.RefreshLock(q.r.Context(), token, timeout(d))
	if storage.Is(storage.NotFound, err) || storage.Is(storage.Permission, err) {
		return davError(http.StatusPreconditionFailed, "<D:lock-token-matches-request-uri/>", "no such lock")
	}
	if err != nil {
		return err
	}
	info, err := q.ns.Stat(q.r.Context(), q.path)
	if err != nil {
		return err
	}
	q.writeLockDiscovery(http.StatusOK, l, info.Dir)
	return nil
}

// unlock serves UNLOCK (RFC 4918 §9.11).
func (q *request) unlock() error {
	t := q.r.Header.Get("Lock-Token")
	if len(t) < 3 || t[0] != '<' || t[len(t)-1] != '>' {
		return errorf(http.StatusBadRequest, "missing or malformed Lock-Token header")
	}
	token := t[1 : len(t)-1]
	locks, err := q.ns.Locks(q.r.Context(), q.path)
	if err != nil {
		return err
	}
	applies := false
	for _, l := range locks {
		if l.Token == token && (l.Path == q.path || l.Deep && under(q.path, l.Path)) {
			applies = true
		}
	}
	if !applies {
		return davError(http.StatusConflict, "<D:lock-token-matches-request-uri/>", "the lock does not apply to this resource")
	}
	switch err := q.ls.Unlock(time.Now(), token); {
	case errors.Is(err, xwebdav.ErrForbidden):
		return errorf(http.StatusForbidden, "the lock is someone else's")
	case errors.Is(err, xwebdav.ErrNoSuchLock):
		return davError(http.StatusConflict, "<D:lock-token-matches-request-uri/>", "no such lock")
	case err != nil:
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

// writeLockDiscovery answers a LOCK with the lock (RFC 4918 §9.10.1).
func (q *request) writeLockDiscovery(code int, l storage.Lock, dir bool) {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n" + `<D:prop xmlns:D="DAV:"><D:lockdiscovery>`)
	q.h.activeLock(&b, l, dir, time.Now())
	b.WriteString(`</D:lockdiscovery></D:prop>`)
	q.w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	q.w.Header().Set("Content-Length", strconv.Itoa(b.Len()))
	q.w.WriteHeader(code)
	io.WriteString(q.w, b.String())
}

// activeLock writes a DAV:activelock element; rootDir says whether the
// locked node is a folder.
func (h *Handler) activeLock(b *strings.Builder, l storage.Lock, rootDir bool, now time.Time) {
	b.WriteString(`<D:activelock><D:locktype><D:write/></D:locktype><D:lockscope>`)
	if l.Shared {
		b.WriteString(`<D:shared/>`)
	} else {
		b.WriteString(`<D:exclusive/>`)
	}
	b.WriteString(`</D:lockscope><D:depth>`)
	if l.Deep {
		b.WriteString("infinity")
	} else {
		b.WriteString("0")
	}
	b.WriteString(`</D:depth>`)
	if l.Owner != "" {
		b.WriteString(`<D:owner>`)
		b.WriteString(ownerXML(l.Owner))
		b.WriteString(`</D:owner>`)
	}
	secs := int64(l.Expires.Sub(now) / time.Second)
	b.WriteString(`<D:timeout>Second-`)
	b.WriteString(strconv.FormatInt(max(secs, 0), 10))
	b.WriteString(`</D:timeout><D:locktoken><D:href>`)
	b.WriteString(xmlEscape(l.Token))
	b.WriteString(`</D:href></D:locktoken><D:lockroot><D:href>`)
	b.WriteString(xmlEscape(h.href(l.Path, rootDir)))
	b.WriteString(`</D:href></D:lockroot></D:activelock>`)
}

// ownerXML is a lock's owner as XML content: as stored when it is
// well-formed XML (from a WebDAV LOCK), escaped text otherwise (an owner
// from another protocol).
func ownerXML(owner string) string {
	d := xml.NewDecoder(strings.NewReader("<o>" + owner + "</o>"))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return owner
		}
		if err != nil {
			return xmlEscape(owner)
		}
	}
}

// parseTimeout reads a Timeout header (RFC 4918 §10.7): the first value
// understood of "Second-N" or "Infinite" (-1); 0 when absent.
func parseTimeout(s string) (time.Duration, error) {
	if strings.TrimSpace(s) == "" {
		return 0, nil
	}
	for _, v := range strings.Split(s, ",") {
		v = strings.TrimSpace(v)
		if strings.EqualFold(v, "Infinite") {
			return -1, nil
		}
		if n, ok := strings.CutPrefix(v, "Second-"); ok {
			secs, err := strconv.ParseUint(n, 10, 64)
			if err == nil {
				return time.Duration(min(secs, 1<<32)) * time.Second, nil
			}
		}
	}
	return 0, errorf(http.StatusBadRequest, "malformed Timeout header")
}

// readBody reads an XML request body, up to maxXMLBody.
func readBody(r *http.Request) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r.Body, maxXMLBody+1))
	if err != nil {
		return nil, errorf(http.StatusBadRequest, "reading the body: %v", err)
	}
	if len(b) > maxXMLBody {
		return nil, errorf(http.StatusRequestEntityTooLarge, "XML body over %d bytes", maxXMLBody)
	}
	return b, nil
}

// parseLockInfo parses a DAV:lockinfo body.
func parseLockInfo(body []byte) (lockInfo, error) {
	bad := func(msg string) (lockInfo, error) {
		return lockInfo{}, errorf(http.StatusBadRequest, "lockinfo: %s", msg)
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	root, err := rootElement(d)
	if err != nil || root.Name != (xml.Name{Space: "DAV:", Local: "lockinfo"}) {
		return bad("not a DAV:lockinfo document")
	}
	var li lockInfo
	var scope, typ bool
	for {
		t, err := token(d)
		if err != nil {
			return bad(err.Error())
		}
		switch t := t.(type) {
		case xml.EndElement:
			if !scope || !typ {
				return bad("lockscope and locktype are required")
			}
			return li, nil
		case xml.StartElement:
			switch t.Name {
			case xml.Name{Space: "DAV:", Local: "lockscope"}:
				names, err := childNames(d)
				if err != nil || len(names) != 1 {
					return bad("lockscope holds one element")
				}
				switch names[0] {
				case xml.Name{Space: "DAV:", Local: "exclusive"}:
				case xml.Name{Space: "DAV:", Local: "shared"}:
					li.shared = true
				default:
					return bad("unknown lockscope")
				}
				scope = true
			case xml.Name{Space: "DAV:", Local: "locktype"}:
				names, err := childNames(d)
				if err != nil || len(names) != 1 || names[0] != (xml.Name{Space: "DAV:", Local: "write"}) {
					return lockInfo{}, errorf(http.StatusNotImplemented, "only write locks exist")
				}
				typ = true
			case xml.Name{Space: "DAV:", Local: "owner"}:
				if li.owner, err = innerXML(d); err != nil {
					return bad(err.Error())
				}
			default:
				if err := skip(d); err != nil {
					return bad(err.Error())
				}
			}
		}
	}
}
