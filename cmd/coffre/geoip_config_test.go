package main

import (
	"path/filepath"
	"testing"
)

// links.geoip_db is a path like the others: relative to data_dir, absolute
// as given, and empty (no geolocation) stays empty.
func TestConfigGeoIPDB(t *testing.T) {
	for _, c := range []struct{ set, want string }{
		{"", ""},
		{"GeoLite2-City.mmdb", "/srv/coffre/GeoLite2-City.mmdb"},
		{"geo/../GeoIP2-City.mmdb", "/srv/coffre/GeoIP2-City.mmdb"},
		{"/var/lib/GeoIP/GeoLite2-City.mmdb", "/var/lib/GeoIP/GeoLite2-City.mmdb"},
	} {
		cfg, err := loadConfig(writeConfig(t, "data_dir = \"/srv/coffre\"\n[links]\ngeoip_db = \""+c.set+"\"\n"))
		if err != nil {
			t.Fatal(err)
		}
		if err := cfg.resolve(); err != nil {
			t.Fatal(err)
		}
		if got := cfg.Links.GeoIPDB; got != filepath.FromSlash(c.want) {
			t.Errorf("geoip_db %q resolves to %q, want %q", c.set, got, c.want)
		}
		if err := cfg.validate(); err != nil {
			t.Errorf("geoip_db %q: %v", c.set, err)
		}
	}
}
