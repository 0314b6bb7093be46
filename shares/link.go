package shares

import (
	"errors"
	"net/netip"
	"time"

	"coffre/storage"
)

// Kind tells download links from deposit links.
type Kind uint8

const (
	DownloadLink Kind = 1 // files and folders to browse and download (and upload, with AllowUpload)
	DepositLink  Kind = 2 // one folder to upload into, nothing else
)

func (k Kind) String() string {
	switch k {
	case DownloadLink:
		return "download"
	case DepositLink:
		return "deposit"
	}
	return "unknown"
}

// DefaultUploadLimit bounds each file uploaded through a link when the link
// sets no limit of its own.
const DefaultUploadLimit = 25 << 20

// Link is a share or deposit link, as its owner sees it: never its key nor
// its password.
type Link struct {
	ID       uint64
	Kind     Kind
	Name     string
	OwnerID  string // the user who made it; visits act with their rights, bounded
	ClientID string // the tenant it belongs to; "" for none
	// Targets are the shared files and folders; a deposit link has one
	// folder.
	Targets []storage.NodeID
	// Pinned, for a link that does not follow new versions (AutoUpdate
	// false), is the version of each file target shared.
	Pinned map[storage.NodeID]uint64

	AllowUpload   bool // a download link that also takes uploads into its folders
	PreviewOnly   bool // browse and preview, no download
	ForceDownload bool // pages download rather than display
	AutoUpdate    bool // follow the newest version of file targets
	Notify        bool // tell the owner of downloads (no mail is sent yet)
	HasPassword   bool
	Expires       time.Time // zero: never
	MaxDownloads  int       // 0: unlimited
	Downloads     int
	AllowedIPs    []netip.Prefix // empty: any address
	Disabled      bool
	Consent       bool   // visitors must accept ConsentText first
	ConsentText   string // shown before anything else
	ConsentVer    int    // raised whenever ConsentText changes
	UploadLimit   int64  // bytes per uploaded file; 0: DefaultUploadLimit
	Created       time.Time
	Updated       time.Time
	KeyHint       string // the key's first 6 characters, to recognise it
}

// Remaining is how many downloads the link still allows, or -1 for no
// limit.
func (l Link) Remaining() int {
	if l.MaxDownloads <= 0 {
		return -1
	}
	return max(0, l.MaxDownloads-l.Downloads)
}

// Valid reports whether the link serves anything at t, and if not, why.
func (l Link) Valid(t time.Time) error {
	switch {
	case l.Disabled:
		return ErrDisabled
	case !l.Expires.IsZero() && !t.Before(l.Expires):
		return ErrExpired
	case l.MaxDownloads > 0 && l.Downloads >= l.MaxDownloads:
		return ErrExhausted
	}
	return nil
}

// uploadLimit is the effective per-file upload limit.
func (l Link) uploadLimit() int64 {
	if l.UploadLimit > 0 {
		return l.UploadLimit
	}
	return DefaultUploadLimit
}

// rights is the most a visit may use, before the owner's own rights bound it.
func (l Link) rights() storage.Rights {
	if l.Kind == DepositLink {
		return storage.Write
	}
	r := storage.Browse | storage.Read
	if !l.PreviewOnly {
		r |= storage.Download
	}
	if l.AllowUpload {
		r |= storage.Write
	}
	return r
}

// Why a link serves nothing. Each is wrapped in a *storage.Error whose kind
// front ends map to a status: NotFound for an unknown key, Permission for an
// address not allowed, Unavailable with ErrExhausted … answered as 410 Gone
// by the front ends (errors.Is).
var (
	ErrUnknown   = errors.New("no such link")
	ErrDisabled  = errors.New("the link is disabled")
	ErrExpired   = errors.New("the link has expired")
	ErrExhausted = errors.New("the link's downloads are used up")
	ErrRevoked   = errors.New("the link's owner may no longer share what it points to")
	ErrAddress   = errors.New("the link may not be opened from this address")
	// ErrPassword and ErrConsent say what a visit still needs before it
	// may list, download or upload.
	ErrPassword = errors.New("the link's password is required")
	ErrConsent  = errors.New("the link's consent must be accepted first")
)

// Gone reports whether err means the link exists but serves nothing any
// more (HTTP 410).
func Gone(err error) bool {
	return errors.Is(err, ErrDisabled) || errors.Is(err, ErrExpired) || errors.Is(err, ErrExhausted) || errors.Is(err, ErrRevoked)
}
