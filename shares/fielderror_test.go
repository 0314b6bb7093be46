package shares_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"coffre/auth"
	"coffre/shares"
	"coffre/storage"
)

// The store's field errors explain themselves in English and in French.
func TestFieldErrorsBilingual(t *testing.T) {
	f := newFixture(t)
	docs := []storage.NodeID{f.id(t, "/team/docs")}
	past := time.Unix(0, f.now.Load()).Add(-time.Hour)
	for _, tc := range []struct {
		field string
		in    shares.NewLink
	}{
		{"kind", shares.NewLink{Kind: 7, Targets: docs}},
		{"kind", shares.NewLink{Kind: shares.DepositLink, AllowUpload: true, Targets: docs}},
		{"name", shares.NewLink{Kind: shares.DownloadLink, Name: strings.Repeat("n", shares.MaxName+1), Targets: docs}},
		{"max_downloads", shares.NewLink{Kind: shares.DownloadLink, MaxDownloads: -1, Targets: docs}},
		{"upload_limit", shares.NewLink{Kind: shares.DownloadLink, UploadLimit: -1, Targets: docs}},
		{"consent_text", shares.NewLink{Kind: shares.DownloadLink, Consent: true, Targets: docs}},
		{"consent_text", shares.NewLink{Kind: shares.DownloadLink, ConsentText: strings.Repeat("c", shares.MaxConsentText+1), Targets: docs}},
		{"expires_at", shares.NewLink{Kind: shares.DownloadLink, Expires: past, Targets: docs}},
		{"targets", shares.NewLink{Kind: shares.DownloadLink}},
		{"targets", shares.NewLink{Kind: shares.DownloadLink, Targets: make([]storage.NodeID, shares.MaxTargets+1)}},
		{"targets", shares.NewLink{Kind: shares.DepositLink, Targets: append(docs, docs[0])}},
		{"allowed_ips", shares.NewLink{Kind: shares.DownloadLink, Targets: docs, AllowedIPs: make([]string, shares.MaxAllowedIPs+1)}},
		{"allowed_ips", shares.NewLink{Kind: shares.DownloadLink, Targets: docs, AllowedIPs: []string{"10.0.0.0/33"}}},
	} {
		_, _, err := f.links.Create(ctx, f.admin.Principal, tc.in)
		wantBilingual(t, err, tc.field)
	}
	_, err := f.links.List(ctx, shares.Query{})
	wantBilingual(t, err, "owner")
}

func wantBilingual(t *testing.T, err error, field string) {
	t.Helper()
	var fe *auth.FieldError
	if !storage.Is(storage.Invalid, err) || !errors.As(err, &fe) || fe.Field != field {
		t.Errorf("%v; want Invalid on %s", err, field)
		return
	}
	if fe.Msg == "" || fe.MsgFr == "" || fe.Msg == fe.MsgFr || !strings.HasSuffix(fe.MsgFr, ".") {
		t.Errorf("%s: English %q, French %q; want both, the French a sentence", field, fe.Msg, fe.MsgFr)
	}
}
