package admin

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"path/filepath"
	"time"
)

// BackupResult is the answer of POST /backup.
type BackupResult struct {
	Status string `json:"status"` // "ok" or "error"
	Dest   string `json:"dest,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// BackupHandler serves POST /backup for coffre backup: the JSON body
// {"dest": "/absolute/folder"} names a folder on the server's machine, which
// must not exist, and backup writes a backup of the metadata there (the
// master key is never part of it). 400 for a bad body or a relative path,
// 409 when dest exists, 500 when the backup fails.
//
// It checks no credentials: it is meant for the control socket, a Unix
// socket in the data directory that only the server's own system user can
// reach (the same user that may run the offline commands), never for a
// network listener.
func BackupHandler(backup func(ctx context.Context, dest string) error, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /backup", func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Dest string `json:"dest"`
		}
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10)).Decode(&req); err != nil || req.Dest == "" {
			writeJSON(w, http.StatusBadRequest, BackupResult{Status: "error", Reason: `want a JSON body {"dest": "/absolute/folder"}`})
			return
		}
		if !filepath.IsAbs(req.Dest) {
			writeJSON(w, http.StatusBadRequest, BackupResult{Status: "error", Reason: "dest must be an absolute path on the server's machine"})
			return
		}
		dest := filepath.Clean(req.Dest)
		start := time.Now()
		if err := backup(r.Context(), dest); err != nil {
			code := http.StatusInternalServerError
			if errors.Is(err, fs.ErrExist) {
				code = http.StatusConflict
			}
			log.Error("metadata backup failed", "dest", dest, "err", err)
			writeJSON(w, code, BackupResult{Status: "error", Dest: dest, Reason: err.Error()})
			return
		}
		log.Info("metadata backup written", "dest", dest, "took", time.Since(start).Round(time.Millisecond))
		writeJSON(w, http.StatusOK, BackupResult{Status: "ok", Dest: dest})
	})
	return mux
}
