package rest

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"coffre/storage"
	"coffre/storage/audit"
)

// The audit log (netexplorer-reference.md §23 and §28 Activity).
//
//	GET /api/logs                  administrators: paged entries, newest first; filters user_id, type
//	                               (several separated by commas), object_id, from, to (dates; a bare
//	                               day as "to" includes that day)
//	GET /api/log/{id}              administrators: one entry
//	GET /api/activity/file/{id}    [{id, date, owner, owner_id, type}], newest first, paged by offset
//	GET /api/activity/folder/{id}  and limit, for a node the caller sees
//
// Types are Coffre's audit types ("login", "upload", "download", "delete",
// "lock", "right_change", "annotation", …), statut is ADMLLOG_OK or
// ADMLLOG_ERROR as in the seed.

func (h *Handler) logRoutes() {
	h.handle("GET /api/logs", h.logList)
	h.handle("GET /api/log/{id}", h.logGet)
	h.handle("GET /api/activity/file/{id}", h.activity)
	h.handle("GET /api/activity/folder/{id}", h.activity)
}

// LogEntry is the seed's "Entrée de journal".
type LogEntry struct {
	ID         uint64 `json:"id"`
	UserID     string `json:"user_id"`
	User       string `json:"user"`
	Date       string `json:"date"`
	Message    string `json:"message"`
	IP         string `json:"ip"`
	UserAgent  string `json:"user_agent"`
	Type       string `json:"type"`
	Statut     string `json:"statut"`
	ObjectID   uint64 `json:"object_id"`
	ObjectType string `json:"object_type"`
	Object     string `json:"object"`
	Protocol   string `json:"protocol"` // Coffre's addition: rest, webdav, s3, web, cli, engine
}

var msgGuest = text{"Invité", "Guest"}

func (c *call) logEntry(e audit.Entry) LogEntry {
	statut := "ADMLLOG_OK"
	if !e.OK {
		statut = "ADMLLOG_ERROR"
	}
	return LogEntry{
		ID: e.ID, UserID: e.UserID, User: c.logActor(e), Date: date(e.Time), Message: e.Detail,
		IP: e.IP, UserAgent: e.UserAgent, Type: e.Type, Statut: statut,
		ObjectID: e.ObjectID, ObjectType: e.ObjectType, Object: e.ObjectName, Protocol: e.Protocol,
	}
}

// logActor names who did what an entry records: the user's full name, else
// the login recorded (a deleted user, a share link, a failed login),
// "Guest" for nobody.
func (c *call) logActor(e audit.Entry) string {
	if n := fullName(c.user(e.UserID)); n != "" {
		return n
	}
	if e.Login != "" {
		return e.Login
	}
	return msgGuest.in(c.lang())
}

// logCountBound bounds how many entries /api/logs counts for
// nb_total_objects: the count is exact up to it and says "at least" beyond,
// so that a page never reads more than that many entries of a long log.
const logCountBound = 100_000

func (h *Handler) logList(c *call) error {
	if err := c.admin(); err != nil {
		return err
	}
	offset, limit, err := c.paging()
	if err != nil {
		return err
	}
	q, err := c.logQuery()
	if err != nil {
		return err
	}
	entries, total, err := c.auditScan(q, nil, offset, limit, max(logCountBound, offset+limit))
	if err != nil {
		return err
	}
	out := make([]LogEntry, 0, len(entries))
	for _, e := range entries {
		out = append(out, c.logEntry(e))
	}
	return c.json(http.StatusOK, list{OffsetStart: offset, NbObjects: len(out), NbObjets: len(out), NbTotal: total, Objects: out})
}

// logQuery reads the filters of /api/logs.
func (c *call) logQuery() (audit.Query, error) {
	v := c.r.URL.Query()
	q := audit.Query{Newest: true, UserID: v.Get("user_id")}
	for _, t := range strings.Split(v.Get("type"), ",") {
		if t = strings.TrimSpace(t); t != "" {
			q.Types = append(q.Types, t)
		}
	}
	f := fields{}
	if s := v.Get("object_id"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || n == 0 {
			f.add("object_id", fieldType, "integer")
		}
		q.ObjectID = n
	}
	msgDate := text{"Date attendue (ISO 8601 ou AAAA-MM-JJ).", "A date is expected (ISO 8601 or YYYY-MM-DD)."}
	if s := v.Get("from"); s != "" {
		var ok bool
		if q.From, ok = parseDate(s); !ok {
			f.add("from", msgDate)
		}
	}
	if s := v.Get("to"); s != "" {
		var ok bool
		if q.To, ok = parseDate(s); !ok {
			f.add("to", msgDate)
		} else if len(s) == len("2006-01-02") {
			q.To = q.To.Add(24 * time.Hour)
		}
	}
	if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
		f.add("to", text{"Doit suivre from.", "Must come after from."})
	}
	return q, f.err()
}

// auditScan pages through the entries q selects (those keep accepts, all
// when keep is nil), and returns limit of them from offset and how many
// there are, counted up to countTo. Without an audit log there are none.
func (c *call) auditScan(q audit.Query, keep func(audit.Entry) bool, offset, limit, countTo int) ([]audit.Entry, int, error) {
	out := []audit.Entry{}
	if c.h.opts.Audit == nil {
		return out, 0, nil
	}
	q.Limit = min(1000, max(100, countTo))
	n := 0
	for {
		page, err := c.h.opts.Audit.Query(c.ctx, q)
		if err != nil {
			return nil, 0, err
		}
		for _, e := range page.Entries {
			if keep != nil && !keep(e) {
				continue
			}
			if n >= offset && len(out) < limit {
				out = append(out, e)
			}
			if n++; n >= countTo {
				return out, n, nil
			}
		}
		if page.Next == "" {
			return out, n, nil
		}
		q.Cursor = page.Next
	}
}

func (h *Handler) logGet(c *call) error {
	if err := c.admin(); err != nil {
		return err
	}
	id, err := strconv.ParseUint(c.r.PathValue("id"), 10, 64)
	if err != nil || h.opts.Audit == nil {
		return fail(http.StatusNotFound, msgNotFound)
	}
	e, err := h.opts.Audit.Get(id)
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, c.logEntry(e))
}

// Activity is one event of GET /api/activity/….
type Activity struct {
	ID      uint64 `json:"id"`
	Date    string `json:"date"`
	Owner   string `json:"owner"`
	OwnerID string `json:"owner_id"`
	Type    string `json:"type"`
}

func (h *Handler) activity(c *call) error {
	var info storage.Info
	var err error
	if strings.HasPrefix(c.r.URL.Path, "/api/activity/file/") {
		info, err = c.file("id")
	} else {
		info, err = c.folder("id")
	}
	if err != nil {
		return err
	}
	offset, limit, err := c.paging()
	if err != nil {
		return err
	}
	q := audit.Query{ObjectID: uint64(info.ID), Newest: true}
	ok := func(e audit.Entry) bool { return e.OK }
	entries, _, err := c.auditScan(q, ok, offset, limit, offset+limit)
	if err != nil {
		return err
	}
	out := make([]Activity, 0, len(entries))
	for _, e := range entries {
		out = append(out, Activity{ID: e.ID, Date: date(e.Time), Owner: c.logActor(e), OwnerID: e.UserID, Type: e.Type})
	}
	return c.json(http.StatusOK, out)
}
