package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/BurntSushi/toml"
)

// TestExampleConfigIsDefault keeps config.example.toml equal to Default, and
// complete: every key of Config appears in it.
func TestExampleConfigIsDefault(t *testing.T) {
	var got Config
	md, err := toml.DecodeFile("../../config.example.toml", &got)
	if err != nil {
		t.Fatal(err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		t.Fatalf("config.example.toml has unknown keys %v", und)
	}
	if want := Default(); !reflect.DeepEqual(got, want) {
		t.Fatalf("config.example.toml differs from Default():\n got %+v\nwant %+v", got, want)
	}
	defined := map[string]bool{}
	for _, k := range md.Keys() {
		defined[k.String()] = true
	}
	for _, k := range tomlKeys(reflect.TypeOf(Config{}), "") {
		if !defined[k] {
			t.Errorf("config.example.toml does not document %s", k)
		}
	}
}

// tomlKeys lists the dotted keys of a config struct type.
func tomlKeys(t reflect.Type, prefix string) []string {
	var keys []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := prefix + f.Tag.Get("toml")
		if f.Type.Kind() == reflect.Struct && f.Type.String() != "time.Duration" {
			keys = append(keys, name)
			keys = append(keys, tomlKeys(f.Type, name+".")...)
			continue
		}
		keys = append(keys, name)
	}
	return keys
}

func writeConfig(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "coffre.toml")
	if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadConfigOverlaysDefaults(t *testing.T) {
	p := writeConfig(t, `
data_dir = "/srv/coffre"
[http]
addr = "0.0.0.0:80"
shutdown_timeout = "5s"
[storage]
drives = ["/mnt/a", "/mnt/b", "/mnt/c"]
data_shards = 2
parity_shards = 1
`)
	cfg, err := loadConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.HTTP.Addr != "0.0.0.0:80" || cfg.HTTP.ShutdownTimeout.Seconds() != 5 || cfg.S3.Addr != "127.0.0.1:9000" {
		t.Fatalf("http/s3 %+v %+v", cfg.HTTP, cfg.S3)
	}
	if err := cfg.resolve(); err != nil {
		t.Fatal(err)
	}
	if err := cfg.validate(); err != nil {
		t.Fatal(err)
	}
	if cfg.Storage.Meta != "/srv/coffre/meta" || cfg.Storage.MasterKeyFile != "/srv/coffre/master.key" ||
		!reflect.DeepEqual(cfg.Storage.Drives, []string{"/mnt/a", "/mnt/b", "/mnt/c"}) {
		t.Fatalf("resolved storage %+v", cfg.Storage)
	}
}

func TestLoadConfigRejectsUnknownKeys(t *testing.T) {
	p := writeConfig(t, "[http]\naddres = \"x\"\n[storage]\nblocksize = 1\n")
	_, err := loadConfig(p)
	if err == nil || !strings.Contains(err.Error(), "http.addres") || !strings.Contains(err.Error(), "storage.blocksize") {
		t.Fatalf("err = %v; want both unknown keys named", err)
	}
	if _, err := loadConfig(writeConfig(t, "data_dir = 3\n")); err == nil {
		t.Fatal("a wrongly typed value was accepted")
	}
	if _, err := loadConfig(filepath.Join(t.TempDir(), "missing.toml")); err == nil {
		t.Fatal("a missing config file was accepted")
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"bad addr", func(c *Config) { c.HTTP.Addr = "8080" }, "http.addr"},
		{"drive count", func(c *Config) { c.Storage.Drives = c.Storage.Drives[:3] }, "lists 3 folders"},
		{"no parity", func(c *Config) { c.Storage.ParityShards = 0; c.Storage.Drives = c.Storage.Drives[:2] }, "parity_shards"},
		{"block size", func(c *Config) { c.Storage.BlockSize = 100 }, "block_size"},
		{"inline", func(c *Config) { c.Storage.InlineLimit = -1 }, "inline_limit"},
		{"duplicate drive", func(c *Config) { c.Storage.Drives[1] = c.Storage.Drives[0] }, "same folder"},
		{"nested drive", func(c *Config) { c.Storage.Drives[1] = "drives/d1/x" }, "nested"},
		{"meta in drive", func(c *Config) { c.Storage.Meta = "drives/d2/meta" }, "overlap"},
		{"key in drive", func(c *Config) { c.Storage.MasterKeyFile = "drives/d3/key" }, "inside drive"},
		{"bad key", func(c *Config) { c.Storage.MasterKey = "abcd" }, "storage.master_key"},
		{"level", func(c *Config) { c.Log.Level = "loud" }, "log.level"},
		{"format", func(c *Config) { c.Log.Format = "xml" }, "log.format"},
		{"timeout", func(c *Config) { c.HTTP.ShutdownTimeout = 0 }, "shutdown_timeout"},
		{"headers", func(c *Config) { c.HTTP.MaxHeaderBytes = 10 }, "max_header_bytes"},
		{"s3 addr", func(c *Config) { c.S3.Addr = "9000" }, "s3.addr"},
		{"s3 on http", func(c *Config) { c.S3.Addr = c.HTTP.Addr }, "its own listener"},
		{"s3 region", func(c *Config) { c.S3.Region = "EU West" }, "s3.region"},
		{"s3 domain", func(c *Config) { c.S3.Domain = "https://s3.example.org" }, "s3.domain"},
		{"s3 domain port", func(c *Config) { c.S3.Domain = "s3.example.org:9000" }, "s3.domain"},
		{"s3 upload expiry", func(c *Config) { c.S3.UploadExpiry = 0 }, "s3.upload_expiry"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Default()
			c.DataDir = t.TempDir()
			tc.edit(&c)
			if err := c.resolve(); err != nil {
				t.Fatal(err)
			}
			err := c.validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("validate = %v; want an error about %q", err, tc.want)
			}
		})
	}
	c := Default()
	if err := c.resolve(); err != nil {
		t.Fatal(err)
	}
	if err := c.validate(); err != nil {
		t.Fatalf("Default does not validate: %v", err)
	}
}

func TestParseMasterKey(t *testing.T) {
	hex := strings.Repeat("ab", 32)
	for _, s := range []string{hex, " " + hex + "\n", "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=", "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s"} {
		k, err := parseMasterKey(s)
		if err != nil || len(k) != 32 || k[0] != 0xab {
			t.Errorf("parseMasterKey(%q) = %x, %v", s, k, err)
		}
	}
	for _, s := range []string{"", "abcd", strings.Repeat("ab", 31), strings.Repeat("zz", 32)} {
		if _, err := parseMasterKey(s); err == nil {
			t.Errorf("parseMasterKey(%q) accepted", s)
		}
	}
}

// TestS3Config: the [s3] section overlays its defaults; "off" and "" turn
// the endpoint off, and an address is then not checked.
func TestS3Config(t *testing.T) {
	cfg, err := loadConfig(writeConfig(t, "[s3]\naddr = \"0.0.0.0:9100\"\nregion = \"eu-west-3\"\ndomain = \"s3.example.org\"\nupload_expiry = \"24h\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := S3Config{Addr: "0.0.0.0:9100", Region: "eu-west-3", Domain: "s3.example.org", UploadExpiry: 24 * time.Hour}
	if cfg.S3 != want || !cfg.S3.enabled() {
		t.Fatalf("s3 %+v", cfg.S3)
	}
	for _, addr := range []string{"off", ""} {
		c := Default()
		c.S3.Addr = addr
		c.S3.Region = ""
		if err := c.resolve(); err != nil {
			t.Fatal(err)
		}
		if err := c.validate(); err != nil || c.S3.enabled() {
			t.Fatalf("s3.addr %q: enabled %v, %v", addr, c.S3.enabled(), err)
		}
	}
}
