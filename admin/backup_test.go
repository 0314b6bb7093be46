package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestBackupHandler: the destination reaches the backup function cleaned;
// a bad body or a relative path is 400 without calling it, an existing
// destination 409, another failure 500, and only POST is served.
func TestBackupHandler(t *testing.T) {
	var got []string
	h := BackupHandler(func(_ context.Context, dest string) error {
		got = append(got, dest)
		switch dest {
		case "/srv/exists":
			return fmt.Errorf("%s: %w", dest, fs.ErrExist)
		case "/srv/fails":
			return fmt.Errorf("disk full")
		}
		return nil
	}, nil)
	for _, tc := range []struct {
		method, body string
		code         int
		reason       string
	}{
		{"POST", `{"dest": "/srv/backups/./b1"}`, 200, ""},
		{"POST", `{"dest": "backups/b1"}`, 400, "absolute"},
		{"POST", `{"dest": ""}`, 400, "dest"},
		{"POST", `not json`, 400, "dest"},
		{"POST", `{"dest": "/srv/exists"}`, 409, "file already exists"},
		{"POST", `{"dest": "/srv/fails"}`, 500, "disk full"},
		{"GET", ``, 405, ""},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tc.method, "/backup", strings.NewReader(tc.body)))
		if rec.Code != tc.code {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.body, rec.Code, tc.code)
			continue
		}
		if tc.code == http.StatusMethodNotAllowed {
			continue
		}
		var res BackupResult
		if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil || !strings.Contains(res.Reason, tc.reason) || (tc.code == 200) != (res.Status == "ok") {
			t.Errorf("%s: %+v %v", tc.body, res, err)
		}
	}
	if strings.Join(got, " ") != "/srv/backups/b1 /srv/exists /srv/fails" {
		t.Fatalf("backup called with %q", got)
	}
}
