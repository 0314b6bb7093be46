package rest

import (
	"errors"
	"log/slog"
	"net/http"
	"time"

	"coffre/annotation"
	"coffre/auth"
	"coffre/billing"
	"coffre/settings"
	"coffre/shares"
	"coffre/storage"
	"coffre/storage/audit"
)

// Features are the platform features /api/publicconfig announces and the
// endpoints honour.
type Features struct {
	Lock       bool // locks (PUT /api/lock/{id})
	LockRead   bool // read locks ("readable": false)
	Edit       bool // online editing (announced only)
	Trash      bool // announced only: deletes always go to the trash (only administrators destroy)
	Versioning bool // overwrites keep versions
}

// DefaultFeatures is what a zero Options.Features becomes.
var DefaultFeatures = Features{Lock: true, Trash: true, Versioning: true}

// Options configures the REST handler. Service and Auth are required.
type Options struct {
	// Service hands out namespaces bound to the authenticated caller.
	Service storage.Service
	// Auth checks credentials and stores users, groups and options.
	Auth *auth.Service
	// Audit is read by /api/logs, timelines and activity; nil answers them
	// with empty lists.
	Audit *audit.Log
	// Settings holds the runtime settings /api/config edits and
	// /api/publicconfig announces; nil serves settings.Defaults() and
	// refuses changes.
	Settings *settings.Store
	// Shares keeps the share and deposit links of /api/share, /api/sharelink
	// and /api/ulink; nil turns those routes off (501).
	Shares *shares.Store
	// Annotations stores the notes of /api/annotation(s); nil turns those
	// endpoints off (501).
	Annotations *annotation.Store
	// DriveStats, when set, reports each drive's usage and state for
	// /api/v1/admin/storage/stats (main reads the blob store's drives, which
	// this package does not see); nil lists no drives.
	DriveStats func() []DriveStat
	// Billing stores the Stripe settings of /api/v1/stripe-config; nil
	// turns those endpoints off (501).
	Billing *billing.Store
	// Logger receives errors worth an operator's attention (5xx). Nil
	// discards them.
	Logger *slog.Logger
	// Features announced by /api/publicconfig; the zero value means
	// DefaultFeatures.
	Features Features
	// Uploaded, when set, is called once per file an upload stores (the
	// file_uploads_total metric).
	Uploaded func()
	// MaxJSON bounds a JSON request body; 0 means 1 MiB.
	MaxJSON int64
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// DriveStat is one drive's figures for /api/v1/admin/storage/stats.
type DriveStat struct {
	Name       string
	Used, Free int64 // bytes; ignored when Err is set
	Err        error // why the drive could not be read; nil when it is up
}

// Handler serves the REST API. It is safe for concurrent use.
type Handler struct {
	opts Options
	log  *slog.Logger
	mux  *http.ServeMux
	now  func() time.Time
}

// New returns the REST handler.
func New(opts Options) (*Handler, error) {
	if opts.Service == nil || opts.Auth == nil {
		return nil, errors.New("rest: Options.Service and Options.Auth are required")
	}
	if opts.Features == (Features{}) {
		opts.Features = DefaultFeatures
	}
	if opts.MaxJSON <= 0 {
		opts.MaxJSON = 1 << 20
	}
	h := &Handler{opts: opts, log: opts.Logger, mux: http.NewServeMux(), now: opts.Now}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	if h.now == nil {
		h.now = time.Now
	}
	h.routes()
	return h, nil
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mux.ServeHTTP(w, r)
}
