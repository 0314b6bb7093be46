package main

import (
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Config is the whole configuration of coffre serve and the offline commands.
// config.example.toml documents every key; Default holds the values used
// when neither a file nor a flag sets them.
type Config struct {
	// DataDir holds the lock file and, by default, the metadata store, the
	// drive folders and the master key file. Relative paths elsewhere in the
	// config are relative to it.
	DataDir   string          `toml:"data_dir"`
	HTTP      HTTPConfig      `toml:"http"`
	S3        S3Config        `toml:"s3"`
	WebDAV    WebDAVConfig    `toml:"webdav"`
	Storage   StorageConfig   `toml:"storage"`
	Scrub     ScrubConfig     `toml:"scrub"`
	Namespace NamespaceConfig `toml:"namespace"`
	Log       LogConfig       `toml:"log"`
	Links     LinksConfig     `toml:"links"`
	Recovery  RecoveryConfig  `toml:"recovery"` // checkpoint.go
}

// NamespaceConfig sets the rules of the one namespace: trash, versions,
// locks, the platform quota, the audit log and the background care.
type NamespaceConfig struct {
	TrashRetention      time.Duration `toml:"trash_retention"`
	MaxVersions         int           `toml:"max_versions"`
	LockTimeout         time.Duration `toml:"lock_timeout"`
	MaxLockTimeout      time.Duration `toml:"max_lock_timeout"`
	LockRead            bool          `toml:"lock_read"`
	Quota               int64         `toml:"quota"`
	AuditRetention      time.Duration `toml:"audit_retention"`
	MaintenanceInterval time.Duration `toml:"maintenance_interval"`
}

// HTTPConfig is the main listener: /health, /ready, /dav/ and /api/.
type HTTPConfig struct {
	Addr              string        `toml:"addr"`
	ReadHeaderTimeout time.Duration `toml:"read_header_timeout"`
	IdleTimeout       time.Duration `toml:"idle_timeout"`
	MaxHeaderBytes    int           `toml:"max_header_bytes"`
	ShutdownTimeout   time.Duration `toml:"shutdown_timeout"`
	RequestRate       float64       `toml:"request_rate"`  // per client address and second; 0: no limit
	RequestBurst      int           `toml:"request_burst"` // requests at once beyond the rate
}

// S3Config is the S3 endpoint: its own listener, the region it answers
// for, the domain of virtual-host style addressing, and how long an
// abandoned multipart upload is kept.
type S3Config struct {
	// Addr is host:port, or "" or "off" for no S3 endpoint.
	Addr         string        `toml:"addr"`
	Region       string        `toml:"region"`
	Domain       string        `toml:"domain"`
	UploadExpiry time.Duration `toml:"upload_expiry"`
}

// WebDAVConfig is the WebDAV front end, under /dav/ on the main listener.
type WebDAVConfig struct {
	// RefuseMacMetadata refuses the ._* and .DS_Store files macOS Finder
	// writes beside every file; by default they are stored like others.
	RefuseMacMetadata bool `toml:"refuse_mac_metadata"`
}

// enabled reports whether the S3 endpoint is served.
func (c S3Config) enabled() bool { return c.Addr != "" && c.Addr != "off" }

// StorageConfig places the metadata store, the drives and the master key.
type StorageConfig struct {
	Meta          string   `toml:"meta"`
	Drives        []string `toml:"drives"`
	DataShards    int      `toml:"data_shards"`
	ParityShards  int      `toml:"parity_shards"`
	BlockSize     int      `toml:"block_size"`
	InlineLimit   int      `toml:"inline_limit"`
	MasterKeyFile string   `toml:"master_key_file"`
	MasterKey     string   `toml:"master_key"`
}

// LogConfig sets the log level (debug, info, warn, error) and format (text, json).
type LogConfig struct {
	Level  string `toml:"level"`
	Format string `toml:"format"`
}

// LinksConfig sets the share and deposit links.
type LinksConfig struct {
	// GeoIPDB is a MaxMind City database (.mmdb) that locates the visitors
	// of links in their statistics; "" for no geolocation.
	GeoIPDB string `toml:"geoip_db"`
}

// Default returns the configuration used without a config file. Keep
// config.example.toml equal to it (TestExampleConfigIsDefault).
func Default() Config {
	return Config{
		DataDir: "data",
		HTTP: HTTPConfig{
			Addr:              "127.0.0.1:8080",
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       2 * time.Minute,
			MaxHeaderBytes:    64 << 10,
			ShutdownTimeout:   30 * time.Second,
			RequestRate:       500,
			RequestBurst:      1000,
		},
		S3: S3Config{
			Addr:         "127.0.0.1:9000",
			Region:       "us-east-1",
			Domain:       "",
			UploadExpiry: 7 * 24 * time.Hour,
		},
		Storage: StorageConfig{
			Meta:          "meta",
			Drives:        []string{"drives/d1", "drives/d2", "drives/d3", "drives/d4"},
			DataShards:    2,
			ParityShards:  2,
			BlockSize:     1 << 20,
			InlineLimit:   128 << 10,
			MasterKeyFile: "master.key",
			MasterKey:     "",
		},
		Scrub: ScrubConfig{Interval: 24 * time.Hour, Rate: 50 << 20, CollectInterval: 24 * time.Hour},
		Namespace: NamespaceConfig{
			TrashRetention:      30 * 24 * time.Hour,
			MaxVersions:         100,
			LockTimeout:         24 * time.Hour,
			MaxLockTimeout:      30 * 24 * time.Hour,
			LockRead:            false,
			Quota:               0,
			AuditRetention:      365 * 24 * time.Hour,
			MaintenanceInterval: time.Hour,
		},
		Log: LogConfig{Level: "info", Format: "text"},
		Links: LinksConfig{
			GeoIPDB: "",
		},
		Recovery: RecoveryConfig{CheckpointInterval: time.Hour, CheckpointChanges: 10000},
	}
}

// loadConfig returns Default overlaid with the TOML file at path (if path is
// not empty). Keys the file sets replace defaults, a drives list entirely.
// Unknown keys are errors, so that a typo never silently falls back.
func loadConfig(path string) (Config, error) {
	cfg := Default()
	if path == "" {
		return cfg, nil
	}
	md, err := toml.DecodeFile(path, &cfg)
	if err != nil {
		return Config{}, fmt.Errorf("config %s: %w", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		return Config{}, fmt.Errorf("config %s: unknown setting(s) %s (see config.example.toml)", path, strings.Join(keys, ", "))
	}
	return cfg, nil
}

// resolve makes the storage paths absolute: relative ones are taken from
// DataDir, which is itself taken from the working directory.
func (c *Config) resolve() error {
	dir, err := filepath.Abs(c.DataDir)
	if err != nil {
		return err
	}
	c.DataDir = dir
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return filepath.Clean(p)
		}
		return filepath.Join(dir, p)
	}
	c.Storage.Meta = abs(c.Storage.Meta)
	c.Storage.MasterKeyFile = abs(c.Storage.MasterKeyFile)
	drives := make([]string, len(c.Storage.Drives))
	for i, d := range c.Storage.Drives {
		drives[i] = abs(d)
	}
	c.Storage.Drives = drives
	if c.Links.GeoIPDB != "" { // abs would turn "" into "."
		c.Links.GeoIPDB = abs(c.Links.GeoIPDB)
	}
	return nil
}

// validate reports every problem of a resolved config at once.
func (c *Config) validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	if c.DataDir == "" {
		bad("data_dir is empty")
	}
	addrs := []struct{ name, addr string }{{"http.addr", c.HTTP.Addr}}
	if c.S3.enabled() {
		addrs = append(addrs, struct{ name, addr string }{"s3.addr", c.S3.Addr})
	}
	for _, a := range addrs {
		if _, _, err := net.SplitHostPort(a.addr); err != nil {
			bad("%s %q is not host:port: %v", a.name, a.addr, err)
		}
	}
	if c.S3.enabled() && c.S3.Addr == c.HTTP.Addr {
		bad("s3.addr and http.addr are both %s: the S3 endpoint needs its own listener", c.S3.Addr)
	}
	if !validRegion(c.S3.Region) {
		bad("s3.region %q: lowercase letters, digits and hyphens, such as \"us-east-1\" (empty accepts any region)", c.S3.Region)
	}
	if !validDomain(c.S3.Domain) {
		bad("s3.domain %q: a DNS name without scheme or port, such as \"s3.example.org\" (empty: path style only)", c.S3.Domain)
	}
	durations := []struct {
		name string
		d    time.Duration
	}{
		{"http.read_header_timeout", c.HTTP.ReadHeaderTimeout},
		{"http.idle_timeout", c.HTTP.IdleTimeout},
		{"http.shutdown_timeout", c.HTTP.ShutdownTimeout},
		{"namespace.trash_retention", c.Namespace.TrashRetention},
		{"namespace.lock_timeout", c.Namespace.LockTimeout},
		{"namespace.max_lock_timeout", c.Namespace.MaxLockTimeout},
		{"namespace.audit_retention", c.Namespace.AuditRetention},
		{"namespace.maintenance_interval", c.Namespace.MaintenanceInterval},
		{"s3.upload_expiry", c.S3.UploadExpiry},
	}
	for _, d := range durations {
		if d.d <= 0 {
			bad("%s must be positive, such as \"10s\"", d.name)
		}
	}
	if c.HTTP.RequestRate < 0 || c.HTTP.RequestBurst < 0 || c.HTTP.RequestRate > 0 && c.HTTP.RequestBurst < 1 {
		bad("http.request_rate %g and http.request_burst %d: requests per second (0: no limit) and a burst of at least 1", c.HTTP.RequestRate, c.HTTP.RequestBurst)
	}
	if c.Namespace.MaxVersions < 0 {
		bad("namespace.max_versions %d: 0 keeps every version, otherwise how many to keep", c.Namespace.MaxVersions)
	}
	if c.Namespace.Quota < 0 {
		bad("namespace.quota %d: bytes, 0 for no limit", c.Namespace.Quota)
	}
	if c.HTTP.MaxHeaderBytes < 4<<10 || c.HTTP.MaxHeaderBytes > 1<<20 {
		bad("http.max_header_bytes %d: must be from 4096 to 1048576", c.HTTP.MaxHeaderBytes)
	}
	c.Scrub.validate(bad)

	s := c.Storage
	if s.DataShards < 1 || s.ParityShards < 1 || s.DataShards+s.ParityShards > 32 {
		bad("storage.data_shards %d and parity_shards %d: each at least 1, together at most 32", s.DataShards, s.ParityShards)
	}
	if len(s.Drives) != s.DataShards+s.ParityShards {
		bad("storage.drives lists %d folders; data_shards + parity_shards = %d needs exactly that many", len(s.Drives), s.DataShards+s.ParityShards)
	}
	if s.BlockSize < 4<<10 || s.BlockSize > 64<<20 {
		bad("storage.block_size %d: must be from 4096 (4 KiB) to 67108864 (64 MiB)", s.BlockSize)
	}
	if s.InlineLimit < 0 || s.InlineLimit > 1<<20 {
		bad("storage.inline_limit %d: must be from 0 (never inline) to 1048576 (1 MiB)", s.InlineLimit)
	}
	if s.Meta == "" {
		bad("storage.meta is empty")
	}
	seen := map[string]int{}
	for i, d := range s.Drives {
		if d == "" || d == "." {
			bad("storage.drives[%d] is empty", i)
			continue
		}
		if j, dup := seen[d]; dup {
			bad("storage.drives[%d] and [%d] are the same folder %s", j, i, d)
		}
		seen[d] = i
		for j, e := range s.Drives[:i] {
			if within(d, e) || within(e, d) {
				bad("storage.drives[%d] %s and [%d] %s are nested", j, e, i, d)
			}
		}
		if within(s.Meta, d) || within(d, s.Meta) {
			bad("storage.meta %s and storage.drives[%d] %s overlap", s.Meta, i, d)
		}
		if s.MasterKey == "" && within(s.MasterKeyFile, d) {
			bad("storage.master_key_file %s is inside drive %s: the key must live apart from the data it protects", s.MasterKeyFile, d)
		}
	}
	if s.MasterKey != "" {
		if _, err := parseMasterKey(s.MasterKey); err != nil {
			bad("storage.master_key: %v", err)
		}
	} else if s.MasterKeyFile == "" || s.MasterKeyFile == "." {
		bad("storage.master_key_file is empty and storage.master_key is not set")
	}
	c.Recovery.validate(bad)
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level %q: want debug, info, warn or error", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		bad("log.format %q: want text or json", c.Log.Format)
	}
	if len(errs) > 0 {
		return fmt.Errorf("invalid configuration:\n  %w", joinIndented(errs))
	}
	return nil
}

// validRegion accepts "" and names such as "us-east-1" or "garage".
func validRegion(r string) bool {
	if len(r) > 64 {
		return false
	}
	for _, c := range r {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// validDomain accepts "" and DNS names: dot-separated labels of letters,
// digits and hyphens.
func validDomain(d string) bool {
	if d == "" {
		return true
	}
	if len(d) > 253 {
		return false
	}
	for _, l := range strings.Split(d, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, c := range l {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// within reports whether path p is dir or below it (both clean and absolute).
func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

func joinIndented(errs []error) error {
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return errors.New(strings.Join(msgs, "\n  "))
}

// parseMasterKey decodes a 32-byte key written as 64 hex digits or as
// standard base64 (with or without padding).
func parseMasterKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if b, err := hex.DecodeString(s); err == nil && len(b) == 32 {
		return b, nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == 32 {
			return b, nil
		}
	}
	return nil, errors.New("want 32 bytes as 64 hex digits or base64 (such as the output of openssl rand -hex 32)")
}

// fileExists reports whether path exists (an error other than not-existing
// counts as existing, so that callers do not overwrite what they cannot see).
func fileExists(path string) bool {
	_, err := os.Stat(path)
	return !errors.Is(err, os.ErrNotExist)
}
