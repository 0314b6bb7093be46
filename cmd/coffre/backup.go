package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"coffre/admin"
	"coffre/storage/meta"
)

// coffre backup DEST writes a backup of the metadata store (a Pebble
// checkpoint and its manifest, sealed as on the drives: see checkpoint.go
// and seal.go) to the folder DEST, which must not exist. It is sealed too,
// though DEST is the operator's choice: it is the same code and format as a
// checkpoint (restore takes either), a backup copied elsewhere then reveals
// nothing, and restoring needs the master key anyway, every content being
// encrypted under it. The CLI cannot open the store beside a
// running server (the data-directory lock), so it asks the server through
// the control socket: a Unix socket, coffre.sock in the data directory,
// created with mode 0600, so only the server's own system user reaches it
// (the user that may run the offline commands anyway); nothing listens on
// the network and no credentials are involved. With the server stopped, the
// CLI writes the backup itself.
//
// coffre restore SRC (server stopped) puts a backup back: the rebuild of
// recover.go from SRC instead of the drives' checkpoints, so that contents
// written after the backup come back in lost+found; the current store is
// kept, renamed.
//
// Neither a backup nor a checkpoint holds the master key, and neither can
// be read without it: keep the key file (or storage.master_key) apart, and
// back it up too.

// controlSocket is the control socket's name in the data directory.
const controlSocket = "coffre.sock"

// maxSocketPath is the longest path of a Unix socket (sun_path less its NUL).
const maxSocketPath = 107

// errNoServer says that no server answers on the control socket.
var errNoServer = errors.New("no server answers")

// backupCmd is coffre backup DEST.
func backupCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("backup", stderr)
	cf := addCommonFlags(fs)
	pos, err := parseArgs(fs, args, "dest")
	if err != nil {
		return err
	}
	cfg, err := cf.config(fs, nil)
	if err != nil {
		return err
	}
	dest, err := filepath.Abs(pos[0])
	if err != nil {
		return err
	}
	if fileExists(dest) {
		return fmt.Errorf("%s exists: give the backup a new folder", dest)
	}
	how := "from the running server"
	err = askBackup(ctx, filepath.Join(cfg.DataDir, controlSocket), dest)
	if errors.Is(err, errNoServer) {
		how = "offline: no server was running"
		err = backupOffline(cfg, dest, newLogger(stderr, cfg.Log))
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "metadata backup written to %s (%s)\n", dest, how)
	fmt.Fprintln(stdout, keyNote(cfg))
	return nil
}

// keyNote says that backups do not hold the master key, and where it is.
func keyNote(cfg Config) string {
	where := "the key file " + cfg.Storage.MasterKeyFile
	if cfg.Storage.MasterKey != "" {
		where = "storage.master_key in the configuration"
	}
	return fmt.Sprintf("the master key is NOT part of backups: they are sealed under it, and neither they nor the store can be read without it; it is %s: keep a copy apart from the backups", where)
}

// askBackup asks the server listening on the control socket sock to write
// a backup to dest. errNoServer when nothing listens there.
func askBackup(ctx context.Context, sock, dest string) error {
	c := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", sock)
	}}}
	body, _ := json.Marshal(map[string]string{"dest": dest})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://coffre/backup", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("%w on %s", errNoServer, sock)
	}
	if err != nil {
		return fmt.Errorf("control socket %s: %w", sock, err)
	}
	defer resp.Body.Close()
	var res admin.BackupResult
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&res); err != nil {
		return fmt.Errorf("control socket %s: %s, unreadable answer: %w", sock, resp.Status, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the server could not write the backup: %s", res.Reason)
	}
	return nil
}

// backupOffline writes the backup itself, the server being stopped.
func backupOffline(cfg Config, dest string, log *slog.Logger) error {
	lock, err := lockDataDir(cfg.DataDir)
	if errors.Is(err, errLocked) {
		return fmt.Errorf("coffre serve holds %s but does not answer on its control socket %s: see its log", cfg.DataDir, filepath.Join(cfg.DataDir, controlSocket))
	}
	if err != nil {
		return err
	}
	defer lock.release()
	if !storeHasData(cfg.Storage.Meta) {
		return fmt.Errorf("no metadata store in %s", cfg.Storage.Meta)
	}
	key, err := masterKey(cfg, false, log)
	if err != nil {
		return err
	}
	m, err := meta.Open(cfg.Storage.Meta, meta.Options{})
	if err != nil {
		return err
	}
	return errors.Join(writeBackup(m, cfg, key, dest), m.Close())
}

// restoreCmd is coffre restore SRC.
func restoreCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("restore", stderr)
	cf := addCommonFlags(fs)
	pos, err := parseArgs(fs, args, "src")
	if err != nil {
		return err
	}
	cfg, err := cf.config(fs, nil)
	if err != nil {
		return err
	}
	src, err := filepath.Abs(pos[0])
	if err != nil {
		return err
	}
	man, err := readManifest(src)
	if err != nil {
		return fmt.Errorf("%s is not a backup made by coffre backup (nor a checkpoint folder of a drive): %w", src, err)
	}
	rb, release, err := openRebuild(cfg, stdout, stderr)
	if err != nil {
		return err
	}
	defer release()
	err = rb.run(ctx, []checkpointRef{{dir: src, drive: -1, man: man}}, false)
	if err == nil || errors.Is(err, errProblems) {
		fmt.Fprintln(stdout, keyNote(cfg))
	}
	return err
}

// controlLoop serves the control socket until ctx ends: POST /backup writes
// a backup of st's metadata store, sealed under key.
func controlLoop(cfg Config, st *store, key []byte, log *slog.Logger) func(context.Context) error {
	h := admin.BackupHandler(func(_ context.Context, dest string) error {
		return writeBackup(st.meta, cfg, key, dest)
	}, log)
	path := filepath.Join(cfg.DataDir, controlSocket)
	return func(ctx context.Context) error { return serveSocket(ctx, path, h, log) }
}

// serveSocket serves h on the Unix socket path (mode 0600) until ctx ends.
// A socket file left there is stale: the caller holds the data-directory
// lock.
func serveSocket(ctx context.Context, path string, h http.Handler, log *slog.Logger) error {
	if len(path) > maxSocketPath {
		return fmt.Errorf("control socket %s: the path is longer than %d bytes, too long for a Unix socket; coffre backup cannot reach this server (use a shorter data_dir)", path, maxSocketPath)
	}
	if fi, err := os.Lstat(path); err == nil && fi.Mode().Type() == os.ModeSocket {
		os.Remove(path)
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return fmt.Errorf("control socket: %w", err)
	}
	defer os.Remove(path)
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return fmt.Errorf("control socket: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	// Shutdown lets a backup in progress finish; the loop returns only then,
	// so the metadata store is not closed under it.
	shut := make(chan struct{})
	stop := context.AfterFunc(ctx, func() {
		srv.Shutdown(context.Background())
		close(shut)
	})
	log.Info("control socket listening", "socket", path)
	err = srv.Serve(ln)
	if !stop() {
		<-shut
	}
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}
