package rest

import (
	"net/http"
	"time"

	"coffre/auth"
)

// The ConformVault-style API under /api/v1/ (../shared/seeds/000_…txt for
// the routes, 002_…txt for the answers).
//
// Every answer, success or error, is the envelope
//
//	{"success": true|false, "message": "…", "data": …, "errors": {field: ["…"]},
//	 "meta": {"version": "v1", "timestamp": "2024-01-15T17:30:00.000000Z", "pagination": {…}}}
//
// message is optional on success; data is absent on errors and deletions;
// errors holds the field errors of a 422 (validation); meta.pagination is on
// lists only. The statuses of the document: 401 without a valid bearer token
// (the tokens of POST /api/auth), 403 for a role that may not, 404 for what
// does not exist or is not the caller's to see, and for unknown /api/v1/
// paths, 422 for invalid input, 429 for too many attempts, 500 for the
// server's own failures; and the API's others where they apply (400
// malformed JSON, 409, 413, 423, 501, 503, 507).
//
// Lists are paged with page (from 1, default 1) and per_page (1 to 100,
// default 20), answered with meta.pagination {page, per_page, total,
// total_pages}; total_pages is 0 for an empty list.
//
// Roles (../shared/api/README.md): an administrator (role 1) is
// ConformVault's superadmin, a manager (role 2) its "msp", who sees and
// manages the clients (tenants) they are a member of.
//
// Dates are UTC with microseconds, as in the document
// ("2024-01-15T10:30:00.000000Z").

func (h *Handler) v1Routes() {
	h.v1ClientRoutes()   // v1_clients.go: /api/v1/clients
	h.v1AdminRoutes()    // v1_admin.go: /api/v1/admin/storage/stats, audit-logs, config
	h.v1PlatformRoutes() // v1_platform.go: /api/v1/platform-config
	h.v1BillingRoutes()  // v1_billing.go: /api/v1/stripe-config
	h.v1ShareLinkRoutes()
	h.mux.HandleFunc("/api/v1/", func(w http.ResponseWriter, r *http.Request) {
		h.newCall(w, r).v1Error(fail(http.StatusNotFound, msgNoRoute))
	})
}

// v1 registers an /api/v1/ endpoint: the caller must be authenticated, and
// every answer, errors included, is the envelope.
func (h *Handler) v1(pattern string, fn handler) {
	h.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		c := h.newCall(w, r)
		err := c.authenticate()
		if err == nil {
			err = fn(c)
		}
		if err != nil {
			c.v1Error(err)
		}
	})
}

// envelope is every /api/v1/ answer.
type envelope struct {
	Success bool                `json:"success"`
	Message string              `json:"message,omitempty"`
	Data    any                 `json:"data,omitempty"`
	Errors  map[string][]string `json:"errors,omitempty"`
	Detail  string              `json:"detail,omitempty"` // the namespace's explanation (a lock's holder, the quota exceeded)
	Meta    v1Meta              `json:"meta"`
}

type v1Meta struct {
	Version    string      `json:"version"`
	Timestamp  string      `json:"timestamp"`
	Pagination *pagination `json:"pagination,omitempty"`
}

// pagination is meta.pagination of a list.
type pagination struct {
	Page       int `json:"page"`
	PerPage    int `json:"per_page"`
	Total      int `json:"total"`
	TotalPages int `json:"total_pages"`
}

// v1Date formats a time as the v1 answers do.
func v1Date(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

// v1Write answers env with status.
func (c *call) v1Write(status int, env envelope) error {
	env.Meta.Version, env.Meta.Timestamp = "v1", v1Date(c.h.now())
	return c.json(status, env)
}

// v1OK answers data with status and, unless zero, msg.
func (c *call) v1OK(status int, msg text, data any) error {
	return c.v1Write(status, envelope{Success: true, Message: msg.in(c.lang()), Data: data})
}

// v1List answers one page of a list.
func (c *call) v1List(data any, p pagination) error {
	return c.v1Write(http.StatusOK, envelope{Success: true, Data: data, Meta: v1Meta{Pagination: &p}})
}

// v1Error answers err in the envelope; its status and message are those
// every endpoint gives.
func (c *call) v1Error(err error) {
	status, body := c.errorAnswer(err)
	_ = c.v1Write(status, envelope{Message: body.Message, Errors: body.Errors, Detail: body.Detail})
}

// v1 paging bounds.
const (
	v1PerPage    = 20
	v1MaxPerPage = 100
)

// v1Paging reads page and per_page.
func (c *call) v1Paging() (page, perPage int, err error) {
	f := fields{}
	if page, err = c.intParam("page", 1); err != nil || page < 1 {
		f.add("page", text{"Un entier à partir de 1 est attendu.", "An integer from 1 is expected."})
	}
	if perPage, err = c.intParam("per_page", v1PerPage); err != nil || perPage < 1 || perPage > v1MaxPerPage {
		f.add("per_page", text{"Doit être compris entre 1 et %d.", "Must be between 1 and %d."}, v1MaxPerPage)
	}
	return page, perPage, f.err()
}

// v1Pagination describes page of a list of total items.
func v1Pagination(page, perPage, total int) pagination {
	return pagination{Page: page, PerPage: perPage, Total: total, TotalPages: (total + perPage - 1) / perPage}
}

// v1Slice cuts one page out of all.
func v1Slice[T any](all []T, page, perPage int) ([]T, pagination) {
	out := []T{}
	if from := (page - 1) * perPage; from < len(all) {
		out = all[from:min(len(all), from+perPage)]
	}
	return out, v1Pagination(page, perPage, len(all))
}

var msgStaffV1 = text{"Réservé aux administrateurs et aux gestionnaires.", "Administrators and managers only."}

// v1Staff fails unless the caller is an administrator or a manager.
func (c *call) v1Staff() error {
	if c.p.Admin {
		return nil
	}
	if c.callerRole() != auth.RoleManager {
		return fail(http.StatusForbidden, msgStaffV1)
	}
	return nil
}

// record adds an entry for an action of the caller that its store does not
// audit itself; failing to record is logged and does not undo the action.
func (c *call) record(typ, kind, name, detail string) {
	if c.h.opts.Audit == nil {
		return
	}
	e := c.auditEntry(typ, 0, kind, name)
	e.Detail = detail
	if _, err := c.h.opts.Audit.Record(e); err != nil {
		c.h.log.ErrorContext(c.r.Context(), "audit entry lost", "type", typ, "err", err)
	}
}
