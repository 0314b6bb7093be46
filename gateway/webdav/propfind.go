package webdav

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	xwebdav "golang.org/x/net/webdav"

	"coffre/storage"
)

// propfindPage is how many children one namespace listing returns.
const propfindPage = 1000

// propRequest is a parsed DAV:propfind (RFC 4918 §14.20).
type propRequest struct {
	propname bool
	allprop  bool
	names    []xml.Name // prop, or allprop's include
}

// propfind serves PROPFIND (RFC 4918 §9.1) with Depth 0 or 1, from the
// namespace's metadata: it never opens content. Depth infinity, and a
// missing Depth (which means infinity), get 403 propfind-finite-depth
// (§9.1.1): a tree walk is what S3 and REST listings are for.
func (q *request) propfind() error {
	depth := 0
	switch q.r.Header.Get("Depth") {
	case "0":
	case "1":
		depth = 1
	case "", "infinity":
		return davError(http.StatusForbidden, "<D:propfind-finite-depth/>", "PROPFIND with Depth infinity is refused")
	default:
		return errorf(http.StatusBadRequest, "malformed Depth header")
	}
	body, err := readBody(q.r)
	if err != nil {
		return err
	}
	pr, err := parsePropfind(body)
	if err != nil {
		return err
	}
	info, err := q.ns.Stat(q.r.Context(), q.path)
	if err != nil {
		return err
	}
	locks, err := q.ns.Locks(q.r.Context(), q.path)
	if err != nil && !storage.Is(storage.Invalid, err) { // the top has no locks
		return err
	}
	pw := &propWriter{q: q, pr: pr, locks: locks, now: time.Now(), usage: map[string]storage.Usage{}}
	if slices.Contains(pr.names, propQuotaAvailable) || slices.Contains(pr.names, propQuotaUsed) {
		// Errors of the quota look-ups come before the 207: answer them.
		if err := pw.loadQuotas(info); err != nil {
			return err
		}
	}

	q.w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	q.w.WriteHeader(http.StatusMultiStatus)
	bw := bufio.NewWriterSize(q.w, 64<<10)
	pw.w = bw
	bw.WriteString(`<?xml version="1.0" encoding="utf-8"?>` + "\n" + `<D:multistatus xmlns:D="DAV:">`)
	pw.response(info)
	if depth == 1 && info.Dir {
		after := ""
		for {
			page, err := q.ns.List(q.r.Context(), q.path, storage.ListOptions{After: after, Limit: propfindPage})
			if err != nil {
				// The 207 is on its way: cut the connection rather than
				// pass a partial listing for a complete one.
				q.h.log.ErrorContext(q.r.Context(), "webdav propfind listing failed", "path", q.path, "err", err)
				panic(http.ErrAbortHandler)
			}
			for _, it := range page.Items {
				pw.response(it)
			}
			if page.Next == "" {
				break
			}
			after = page.Next
		}
	}
	bw.WriteString("</D:multistatus>\n")
	if err := bw.Flush(); err != nil {
		// The 207 has begun: nothing more can be said to the client.
		q.h.log.DebugContext(q.r.Context(), "webdav propfind answer cut", "path", q.path, "err", err)
	}
	return nil
}

// propWriter writes the DAV:response elements of one PROPFIND.
type propWriter struct {
	q     *request
	pr    propRequest
	w     *bufio.Writer
	locks []storage.Lock // on, above and below the request's node
	now   time.Time
	// Quotas, loaded when asked for.
	quotas *storage.Quotas
	room   int64                    // Options.Room's answer, -1 if unknown
	usage  map[string]storage.Usage // by folder path
	ok     bytes.Buffer             // scratch: the 200 and 404 propstats
	nf     bytes.Buffer
}

// response writes one node's DAV:response.
func (pw *propWriter) response(info storage.Info) {
	w := pw.w
	w.WriteString("<D:response><D:href>")
	w.WriteString(xmlEscape(pw.q.h.href(info.Path, info.Dir)))
	w.WriteString("</D:href>")
	pw.ok.Reset()
	pw.nf.Reset()
	dead := decodeDeadProps(info.Meta)
	switch {
	case pw.pr.propname:
		for _, n := range allProps {
			if !(fileOnly(n) && info.Dir) {
				writeEmpty(&pw.ok, n)
			}
		}
		for _, n := range sortedNames(dead) {
			writeEmpty(&pw.ok, n)
		}
	case pw.pr.allprop:
		for _, n := range allProps {
			pw.prop(info, n)
		}
		for _, n := range sortedNames(dead) {
			writeProp(&pw.ok, n, string(dead[n].InnerXML))
		}
		for _, n := range pw.pr.names {
			if !slices.Contains(allProps, n) {
				pw.named(info, n, dead)
			}
		}
	default:
		for _, n := range pw.pr.names {
			pw.named(info, n, dead)
		}
	}
	if pw.ok.Len() > 0 || pw.nf.Len() == 0 {
		w.WriteString("<D:propstat><D:prop>")
		w.Write(pw.ok.Bytes())
		w.WriteString("</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>")
	}
	if pw.nf.Len() > 0 {
		w.WriteString("<D:propstat><D:prop>")
		w.Write(pw.nf.Bytes())
		w.WriteString("</D:prop><D:status>HTTP/1.1 404 Not Found</D:status></D:propstat>")
	}
	w.WriteString("</D:response>")
}

// sortedNames are the names of dead properties in Clark order, so that
// answers are stable.
func sortedNames(dead map[xml.Name]xwebdav.Property) []xml.Name {
	names := slices.Collect(maps.Keys(dead))
	slices.SortFunc(names, func(a, b xml.Name) int { return strings.Compare(clark(a), clark(b)) })
	return names
}

// named writes a property asked for by name: a dead one, a live one, or
// its absence.
func (pw *propWriter) named(info storage.Info, n xml.Name, dead map[xml.Name]xwebdav.Property) {
	if p, ok := dead[n]; ok {
		writeProp(&pw.ok, n, string(p.InnerXML))
		return
	}
	if !pw.prop(info, n) {
		writeEmpty(&pw.nf, n)
	}
}

// prop writes the live property n of info to the 200 propstat; false if
// the node has no such property.
func (pw *propWriter) prop(info storage.Info, n xml.Name) bool {
	if info.Dir && fileOnly(n) || !info.Dir && dirOnly(n) {
		return false
	}
	b := &pw.ok
	open := func() { b.WriteString("<D:" + n.Local + ">") }
	end := func() { b.WriteString("</D:" + n.Local + ">") }
	switch n {
	case propResourceType:
		if info.Dir {
			b.WriteString("<D:resourcetype><D:collection/></D:resourcetype>")
		} else {
			b.WriteString("<D:resourcetype/>")
		}
		return true
	case propDisplayName:
		if info.Path == "/" {
			return false
		}
		open()
		b.WriteString(xmlEscape(info.Name))
	case propContentLength:
		open()
		b.WriteString(strconv.FormatInt(info.Size, 10))
	case propLastModified:
		if info.ModTime.IsZero() {
			return false
		}
		open()
		b.WriteString(info.ModTime.UTC().Format(http.TimeFormat))
	case propCreationDate:
		if info.Created.IsZero() {
			return false
		}
		open()
		b.WriteString(info.Created.UTC().Format(time.RFC3339))
	case propContentType:
		open()
		b.WriteString(xmlEscape(contentType(info)))
	case propETag:
		open()
		b.WriteString(xmlEscape(info.ETag()))
	case propLockDiscovery:
		open()
		var sb strings.Builder
		for _, l := range pw.locks {
			if l.Path == info.Path || l.Deep && under(info.Path, l.Path) {
				pw.q.h.activeLock(&sb, l, l.Path != info.Path || info.Dir, pw.now)
			}
		}
		b.WriteString(sb.String())
	case propSupportedLock:
		if info.Path == "/" {
			return false
		}
		open()
		b.WriteString(supportedLock)
	case propQuotaUsed, propQuotaAvailable:
		used, avail, ok := pw.quota(info)
		v := used
		if n == propQuotaAvailable {
			v = avail
		}
		if !ok || v < 0 {
			return false
		}
		open()
		b.WriteString(strconv.FormatInt(v, 10))
	default:
		return false
	}
	end()
	return true
}

const supportedLock = `<D:lockentry><D:lockscope><D:exclusive/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>` +
	`<D:lockentry><D:lockscope><D:shared/></D:lockscope><D:locktype><D:write/></D:locktype></D:lockentry>`

// writeProp writes a property with its (self-contained) XML content.
func writeProp(b *bytes.Buffer, n xml.Name, inner string) {
	start, end := tagNames(n)
	b.WriteString("<" + start + ">")
	b.WriteString(inner)
	b.WriteString("</" + end + ">")
}

func writeEmpty(b *bytes.Buffer, n xml.Name) {
	start, _ := tagNames(n)
	b.WriteString("<" + start + "/>")
}

// tagNames are the start tag (with its namespace declaration) and end tag
// of a property element. DAV: properties use the document's D prefix.
func tagNames(n xml.Name) (start, end string) {
	switch n.Space {
	case "DAV:":
		return "D:" + n.Local, "D:" + n.Local
	case "":
		return n.Local, n.Local
	}
	return "X:" + n.Local + ` xmlns:X="` + xmlAttr(n.Space) + `"`, "X:" + n.Local
}

// parsePropfind parses a PROPFIND body; an empty one means allprop.
func parsePropfind(body []byte) (propRequest, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return propRequest{allprop: true}, nil
	}
	bad := func(msg string) (propRequest, error) {
		return propRequest{}, errorf(http.StatusBadRequest, "propfind: %s", msg)
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	root, err := rootElement(d)
	if err != nil || root.Name != (xml.Name{Space: "DAV:", Local: "propfind"}) {
		return bad("not a DAV:propfind document")
	}
	var pr propRequest
	var prop bool
	for {
		t, err := token(d)
		if err != nil {
			return bad(err.Error())
		}
		switch t := t.(type) {
		case xml.EndElement:
			if pr.propname && (pr.allprop || prop) || pr.allprop && prop || !pr.propname && !pr.allprop && !prop {
				return bad("one of prop, allprop and propname is required")
			}
			return pr, nil
		case xml.StartElement:
			switch t.Name {
			case xml.Name{Space: "DAV:", Local: "propname"}:
				pr.propname = true
				err = skip(d)
			case xml.Name{Space: "DAV:", Local: "allprop"}:
				pr.allprop = true
				err = skip(d)
			case xml.Name{Space: "DAV:", Local: "prop"}, xml.Name{Space: "DAV:", Local: "include"}:
				prop = prop || t.Name.Local == "prop"
				var names []xml.Name
				names, err = childNames(d)
				pr.names = append(pr.names, names...)
			default:
				err = skip(d)
			}
			if err != nil {
				return bad(err.Error())
			}
		}
	}
}

// loadQuotas fetches what the quota properties of info and its children
// need: the caller's and platform's quotas, and the usage of info and the
// folders above it.
func (pw *propWriter) loadQuotas(info storage.Info) error {
	q, err := pw.q.ns.Quotas(pw.q.r.Context())
	if err != nil {
		return err
	}
	pw.quotas = &q
	pw.room = -1
	if pw.q.h.opts.Room != nil {
		pw.room = pw.q.h.opts.Room()
	}
	if !info.Dir {
		return nil
	}
	for p := info.Path; p != "/"; p = parentOf(p) {
		u, err := pw.q.ns.Usage(pw.q.r.Context(), p)
		if err != nil {
			return err
		}
		pw.usage[p] = u
	}
	return nil
}

// quota returns the RFC 4331 values of a folder: the bytes stored below it
// (the caller's own at the top), and how many more may be written there
// under the tightest limit, the drives' room included; -1 if no limit
// applies and the room is unknown. Listed folders' usage is fetched as
// needed (one counter each).
func (pw *propWriter) quota(info storage.Info) (used, avail int64, ok bool) {
	if pw.quotas == nil {
		return 0, 0, false
	}
	q := *pw.quotas
	avail = -1
	tighten := func(limit, used int64) {
		if limit > 0 {
			left := max(limit-used, 0)
			if avail < 0 || left < avail {
				avail = left
			}
		}
	}
	if pw.room >= 0 {
		avail = pw.room
	}
	tighten(q.UserQuota, q.UserBytes)
	tighten(q.PlatformQuota, q.PlatformBytes)
	if info.Path == "/" {
		return q.UserBytes, avail, true
	}
	for p := info.Path; p != "/"; p = parentOf(p) {
		u, found := pw.usage[p]
		if !found {
			var err error
			if u, err = pw.q.ns.Usage(pw.q.r.Context(), p); err != nil {
				return 0, 0, false
			}
			pw.usage[p] = u
		}
		if p == info.Path {
			used = u.Bytes
		}
		tighten(u.Quota, u.Bytes)
	}
	return used, avail, true
}
