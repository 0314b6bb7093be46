package web

import (
	"net/http"
	"time"

	"coffre/shares"
	"coffre/storage"
)

// linkJSON describes a link to an API client: its settings, and what this
// request still lacks.
type linkJSON struct {
	Name               string     `json:"name"`
	Kind               string     `json:"kind"`                    // download or deposit
	ResourceType       string     `json:"resource_type,omitempty"` // file, folder or files, once the link may be listed
	FilesCount         *int       `json:"files_count,omitempty"`   // the files and folders shared, likewise
	CreatedAt          time.Time  `json:"created_at"`
	ExpiresAt          *time.Time `json:"expires_at"`
	RequiresPassword   bool       `json:"requires_password"`
	RequiresConsent    bool       `json:"requires_consent"`
	ConsentVersion     int        `json:"consent_version,omitempty"`
	NeedsPassword      bool       `json:"needs_password"`
	NeedsConsent       bool       `json:"needs_consent"`
	AllowDownload      bool       `json:"allow_download"`
	AllowUpload        bool       `json:"allow_upload"`
	UploadLimit        int64      `json:"upload_limit"`
	MaxDownloads       int        `json:"max_downloads"`
	RemainingDownloads *int       `json:"remaining_downloads"` // null: no limit
}

// uploadLimit is the largest file the link takes.
func uploadLimit(l shares.Link) int64 {
	if l.UploadLimit > 0 {
		return l.UploadLimit
	}
	return shares.DefaultUploadLimit
}

func canDownload(l shares.Link) bool { return l.Kind == shares.DownloadLink && !l.PreviewOnly }
func canUpload(l shares.Link) bool   { return l.Kind == shares.DepositLink || l.AllowUpload }

// home: GET /s/{token}, the link's information, or its page at the step
// the visitor is at: consent, password, then the files or the upload.
func home(q *req) error {
	vis := q.vis
	if !q.json {
		switch {
		case vis.NeedsConsent():
			return q.consentPage()
		case vis.NeedsPassword():
			return q.passwordPage(http.StatusOK, "")
		case vis.Link.Kind == shares.DepositLink:
			return q.depositPage()
		}
		v, err := q.view()
		if err != nil {
			return err
		}
		return q.listPage(v)
	}
	l := vis.Link
	out := linkJSON{
		Name: l.Name, Kind: l.Kind.String(), CreatedAt: l.Created.UTC(),
		RequiresPassword: l.HasPassword, RequiresConsent: l.Consent, ConsentVersion: l.ConsentVer,
		NeedsPassword: vis.NeedsPassword(), NeedsConsent: vis.NeedsConsent(),
		AllowDownload: canDownload(l), AllowUpload: canUpload(l), UploadLimit: uploadLimit(l), MaxDownloads: l.MaxDownloads,
	}
	if !l.Expires.IsZero() {
		t := l.Expires.UTC()
		out.ExpiresAt = &t
	}
	if n := l.Remaining(); n >= 0 {
		out.RemainingDownloads = &n
	}
	if l.Kind == shares.DownloadLink && !vis.NeedsConsent() && !vis.NeedsPassword() {
		roots, err := vis.Roots(q.ctx)
		if err != nil {
			return err
		}
		n := len(roots)
		out.FilesCount = &n
		out.ResourceType = resourceType(roots)
	}
	return q.writeJSON(http.StatusOK, out)
}

// resourceType says what a link shares: one file, one folder, or several.
func resourceType(roots []storage.Info) string {
	switch {
	case len(roots) != 1:
		return "files"
	case roots[0].Dir:
		return "folder"
	}
	return "file"
}

// encryptionJSON states what protects a link's content.
type encryptionJSON struct {
	AtRest        atRestJSON   `json:"at_rest"`
	ErasureCoding *erasureJSON `json:"erasure_coding,omitempty"`
	InTransit     struct {
		TLS bool `json:"tls"`
	} `json:"in_transit"`
}

type atRestJSON struct {
	Encrypted bool   `json:"encrypted"`
	Algorithm string `json:"algorithm"`
	DataKeys  string `json:"data_keys"`
	KeyWrap   string `json:"key_wrapping"`
	MasterKey string `json:"master_key"`
	Integrity string `json:"integrity"`
}

type erasureJSON struct {
	DataShards   int `json:"data_shards"`
	ParityShards int `json:"parity_shards"`
	DrivesLost   int `json:"tolerated_drive_losses"`
}

// encryptionInfo: GET /s/{token}/encryption-info. Facts of the platform,
// not of the link: they hold for every content (package storage/blob).
func encryptionInfo(q *req) error {
	if !q.json {
		return q.encryptionPage()
	}
	out := encryptionJSON{AtRest: atRestJSON{
		Encrypted: true,
		Algorithm: "AES-256-GCM",
		DataKeys:  "one random 256-bit data key per content",
		KeyWrap:   "each data key is stored only encrypted (AES-256-GCM) under the master key",
		MasterKey: "kept apart from the drives",
		Integrity: "AES-GCM authenticates every block; every shard block carries a checksum",
	}}
	if k, m := q.h.shards[0], q.h.shards[1]; k > 0 && m > 0 {
		out.ErasureCoding = &erasureJSON{DataShards: k, ParityShards: m, DrivesLost: m}
	}
	out.InTransit.TLS = q.secure()
	return q.writeJSON(http.StatusOK, out)
}
