package rest

import (
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"

	"coffre/auth"
	"coffre/storage"
	"coffre/storage/audit"
)

// The admin API (issue 8; seed 000_…txt "Administration"), for
// administrators and managers:
//
//	GET /api/v1/admin/storage/stats   drives, platform, per client and per user usage, trash; versions=1 adds
//	                                  the bytes of older versions (a walk of the whole tree, hence on demand)
//	GET /api/v1/admin/audit-logs      paged, newest first; filters from, to (ISO 8601 or a day, "to" then
//	                                  including that day), user_id, type (several separated by commas),
//	                                  object_id; format=csv streams every matching entry as CSV instead
//	GET /api/v1/admin/config          the runtime settings (package settings)
//	PUT /api/v1/admin/config          administrators only (the settings are the whole platform's):
//	                                  {default_language?, allow_guest?, platform_name?, session_idle?, session_limit?}, validated, audited
//	                                  as config_change
//
// A manager's figures are their clients': usage of the clients they are a
// member of and of those clients' members, audit entries of those users and
// their own; drives and platform totals are everyone's. Trash and versions
// are what the caller's namespace tells: everyone's for administrators, the
// caller's own for managers. The total of an audit list is counted up to
// 100,000 entries (logCountBound, as /api/logs), so that a page never reads
// more of a long log; beyond, total stops there.

func (h *Handler) v1AdminRoutes() {
	h.v1("GET /api/v1/admin/storage/stats", h.v1StorageStats)
	h.v1("GET /api/v1/admin/audit-logs", h.v1AuditLogs)
	h.v1("GET /api/v1/admin/config", h.v1ConfigGet)
	h.v1("PUT /api/v1/admin/config", h.v1ConfigPut)
}

// scopeUsers is whose figures a manager sees: the members of the clients cls
// (theirs) and themselves. It is nil for administrators, who see everyone's.
func (c *call) scopeUsers(cls []auth.Client) map[string]bool {
	if c.p.Admin {
		return nil
	}
	users := map[string]bool{c.p.UserID: true}
	for _, cl := range cls {
		for _, id := range cl.Members {
			users[id] = true
		}
	}
	return users
}

// Storage statistics.

type v1DriveStat struct {
	Name   string   `json:"name"`
	Online bool     `json:"online"`
	Used   *int64   `json:"used"` // null when the drive cannot be read
	Free   *int64   `json:"free"`
	Errors []string `json:"errors"` // why the drive cannot be read; [] when it is up
}

type v1Usage struct {
	ID    string `json:"id"`
	Name  string `json:"name,omitempty"`  // clients
	Login string `json:"login,omitempty"` // users
	Used  *int64 `json:"used"`            // null: a client's root folder gone or out of the caller's sight
	Quota *int64 `json:"quota"`           // null: none
}

type v1Stats struct {
	Drives   []v1DriveStat `json:"drives"`
	Platform struct {
		Used  int64  `json:"used"`
		Quota *int64 `json:"quota"` // null: none
	} `json:"platform"`
	Clients []v1Usage `json:"clients"`
	Users   []v1Usage `json:"users"`
	Trash   struct {
		Items int   `json:"items"`
		Bytes int64 `json:"bytes"`
	} `json:"trash"`
	Versions *struct {
		Bytes int64 `json:"bytes"` // versions older than the current ones
	} `json:"versions"` // null unless versions=1
}

// limit is a quota as the API shows it: null for none.
func limit(q int64) *int64 {
	if q <= 0 {
		return nil
	}
	return &q
}

func (h *Handler) v1StorageStats(c *call) error {
	if err := c.v1Staff(); err != nil {
		return err
	}
	cls, err := c.visibleClients()
	if err != nil {
		return err
	}
	var out v1Stats
	out.Drives = c.v1Drives()
	q, err := c.ns.Quotas(c.ctx)
	if err != nil {
		return err
	}
	out.Platform.Used, out.Platform.Quota = q.PlatformBytes, limit(q.PlatformQuota)
	if out.Clients, err = c.clientUsage(cls); err != nil {
		return err
	}
	if out.Users, err = c.userUsage(c.scopeUsers(cls)); err != nil {
		return err
	}
	items, err := c.ns.Trash(c.ctx, c.p.Admin)
	if err != nil {
		return err
	}
	out.Trash.Items = len(items)
	for _, it := range items {
		out.Trash.Bytes += it.Size
	}
	if c.flag("versions") {
		n, err := c.olderVersions("/")
		if err != nil {
			return err
		}
		out.Versions = &struct {
			Bytes int64 `json:"bytes"`
		}{n}
	}
	return c.v1OK(http.StatusOK, text{}, out)
}

func (c *call) v1Drives() []v1DriveStat {
	out := []v1DriveStat{}
	if c.h.opts.DriveStats == nil {
		return out
	}
	for _, d := range c.h.opts.DriveStats() {
		s := v1DriveStat{Name: d.Name, Online: d.Err == nil, Errors: []string{}}
		if d.Err != nil {
			s.Errors = append(s.Errors, d.Err.Error())
		} else {
			s.Used, s.Free = ptr(d.Used), ptr(d.Free)
		}
		out = append(out, s)
	}
	return out
}

// clientUsage is the usage under the root folder of each client of cls, as
// the caller's namespace tells it.
func (c *call) clientUsage(cls []auth.Client) ([]v1Usage, error) {
	out := []v1Usage{}
	for _, cl := range cls {
		u := v1Usage{ID: cl.ID, Name: cl.Name}
		use, err := c.ns.Usage(c.ctx, cl.Root)
		switch {
		case err == nil:
			u.Used, u.Quota = ptr(use.Bytes), limit(use.Quota)
		case !storage.Is(storage.NotFound, err):
			return nil, err
		}
		out = append(out, u)
	}
	return out, nil
}

// userUsage is the bytes each user has written (trash included) and their
// quota, as their own namespace tells it: for the users of scope, everyone
// when scope is nil.
func (c *call) userUsage(scope map[string]bool) ([]v1Usage, error) {
	out := []v1Usage{}
	after := ""
	for {
		users, next, err := c.h.opts.Auth.Users(c.ctx, after, 1000)
		if err != nil {
			return nil, err
		}
		for _, u := range users {
			if scope != nil && !scope[u.ID] {
				continue
			}
			p, err := c.h.opts.Auth.Principal(c.ctx, u.Login)
			if storage.Is(storage.NotFound, err) {
				continue // deleted meanwhile
			}
			if err != nil {
				return nil, err
			}
			q, err := c.h.opts.Service.As(p).Quotas(c.ctx)
			if err != nil {
				return nil, err
			}
			out = append(out, v1Usage{ID: u.ID, Login: u.Login, Used: ptr(q.UserBytes), Quota: limit(q.UserQuota)})
		}
		if next == "" {
			return out, nil
		}
		after = next
	}
}

// Audit logs.

// v1AuditEntry is an audit entry as the v1 API shows it.
type v1AuditEntry struct {
	ID         uint64 `json:"id"`
	CreatedAt  string `json:"created_at"`
	UserID     string `json:"user_id"`
	Login      string `json:"login"`
	IP         string `json:"ip"`
	UserAgent  string `json:"user_agent"`
	Protocol   string `json:"protocol"`
	Type       string `json:"type"`
	Success    bool   `json:"success"`
	ObjectID   uint64 `json:"object_id"`
	ObjectType string `json:"object_type"`
	ObjectName string `json:"object_name"`
	Detail     string `json:"detail"`
}

func v1AuditObject(e audit.Entry) v1AuditEntry {
	return v1AuditEntry{
		ID: e.ID, CreatedAt: v1Date(e.Time), UserID: e.UserID, Login: e.Login, IP: e.IP, UserAgent: e.UserAgent,
		Protocol: e.Protocol, Type: e.Type, Success: e.OK, ObjectID: e.ObjectID, ObjectType: e.ObjectType,
		ObjectName: e.ObjectName, Detail: e.Detail,
	}
}

func (h *Handler) v1AuditLogs(c *call) error {
	if err := c.v1Staff(); err != nil {
		return err
	}
	q, err := c.logQuery()
	if err != nil {
		return err
	}
	var keep func(audit.Entry) bool
	if !c.p.Admin {
		cls, err := c.visibleClients()
		if err != nil {
			return err
		}
		users := c.scopeUsers(cls)
		keep = func(e audit.Entry) bool { return users[e.UserID] }
	}
	return c.v1AuditAnswer(q, keep, "audit-logs.csv")
}

// v1AuditAnswer answers the entries q selects (those keep accepts, all when
// keep is nil): one page in the envelope, or every one as CSV with
// format=csv.
func (c *call) v1AuditAnswer(q audit.Query, keep func(audit.Entry) bool, filename string) error {
	switch c.r.URL.Query().Get("format") {
	case "", "json":
	case "csv":
		return c.auditCSV(q, keep, filename)
	default:
		return invalid("format", text{"Format inconnu : json ou csv.", "Unknown format: json or csv."})
	}
	page, perPage, err := c.v1Paging()
	if err != nil {
		return err
	}
	offset := (page - 1) * perPage
	entries, total, err := c.auditScan(q, keep, offset, perPage, max(logCountBound, offset+perPage))
	if err != nil {
		return err
	}
	out := make([]v1AuditEntry, 0, len(entries))
	for _, e := range entries {
		out = append(out, v1AuditObject(e))
	}
	return c.v1List(out, v1Pagination(page, perPage, total))
}

var auditCSVHeader = []string{"id", "created_at", "user_id", "login", "ip", "user_agent", "protocol", "type",
	"success", "object_id", "object_type", "object_name", "detail"}

// auditCSV streams the entries as CSV (RFC 4180) with a header row, a page
// of the log at a time. A failure before the first byte is answered in the
// envelope; after it, the status is sent and the failure is logged, the
// file then ending early.
func (c *call) auditCSV(q audit.Query, keep func(audit.Entry) bool, filename string) error {
	q.Limit = 1000
	var page audit.Page
	var err error
	if c.h.opts.Audit != nil {
		if page, err = c.h.opts.Audit.Query(c.ctx, q); err != nil {
			return err
		}
	}
	c.w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	c.w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	c.w.Header().Set("X-Content-Type-Options", "nosniff")
	w := csv.NewWriter(c.w)
	_ = w.Write(auditCSVHeader)
	for {
		for _, e := range page.Entries {
			if keep == nil || keep(e) {
				_ = w.Write(auditRow(e))
			}
		}
		if w.Flush(); w.Error() != nil || page.Next == "" {
			return nil // done, or the client is gone
		}
		q.Cursor = page.Next
		if page, err = c.h.opts.Audit.Query(c.ctx, q); err != nil {
			c.h.log.ErrorContext(c.r.Context(), "audit CSV cut short", "err", err)
			return nil
		}
	}
}

// auditRow is an entry as a CSV row. Text that a spreadsheet would take for
// a formula (starting with = + - @, a tab or a carriage return) is prefixed
// with an apostrophe, so that opening the export runs nothing (OWASP, CSV
// injection); names and user agents come from users.
func auditRow(e audit.Entry) []string {
	row := []string{strconv.FormatUint(e.ID, 10), v1Date(e.Time), e.UserID, e.Login, e.IP, e.UserAgent, e.Protocol,
		e.Type, strconv.FormatBool(e.OK), strconv.FormatUint(e.ObjectID, 10), e.ObjectType, e.ObjectName, e.Detail}
	for i, v := range row {
		if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
			row[i] = "'" + v
		}
	}
	return row
}

// Runtime settings.

func (h *Handler) v1ConfigGet(c *call) error {
	if err := c.v1Staff(); err != nil {
		return err
	}
	st, err := c.settings()
	if err != nil {
		return err
	}
	return c.v1OK(http.StatusOK, text{}, st)
}

var msgConfigSaved = text{"Configuration enregistrée.", "Configuration saved."}

func (h *Handler) v1ConfigPut(c *call) error {
	st, err := c.putSettings()
	if err != nil {
		return err
	}
	return c.v1OK(http.StatusOK, msgConfigSaved, st)
}
