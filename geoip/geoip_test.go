package geoip_test

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"coffre/geoip"
	"coffre/shares"

	"github.com/maxmind/mmdbwriter"
	"github.com/maxmind/mmdbwriter/mmdbtype"
)

// Lookup is what shares.Options.Geo wants.
var _ = shares.Options{Geo: (*geoip.DB)(nil).Lookup}

// names is a "names" map of the City layout.
func names(byLang map[string]string) mmdbtype.Map {
	m := mmdbtype.Map{}
	for l, n := range byLang {
		m[mmdbtype.String(l)] = mmdbtype.String(n)
	}
	return m
}

// place is a record in the GeoIP2-City layout; a nil map leaves its part out.
func place(city, country map[string]string) mmdbtype.Map {
	rec := mmdbtype.Map{}
	if city != nil {
		rec["city"] = mmdbtype.Map{"geoname_id": mmdbtype.Uint32(1), "names": names(city)}
	}
	if country != nil {
		rec["country"] = mmdbtype.Map{"geoname_id": mmdbtype.Uint32(2), "iso_code": mmdbtype.String("XX"), "names": names(country)}
	}
	return rec
}

// writeDB writes a MaxMind DB of type dbType holding records by network,
// and returns its path.
func writeDB(t *testing.T, dbType string, records map[string]mmdbtype.Map) string {
	t.Helper()
	tree, err := mmdbwriter.New(mmdbwriter.Options{
		DatabaseType:            dbType,
		Languages:               []string{"en", "fr", "de"},
		IncludeReservedNetworks: true, // so that the private network below is in it: Lookup must refuse it itself
	})
	if err != nil {
		t.Fatal(err)
	}
	for cidr, rec := range records {
		_, network, err := net.ParseCIDR(cidr)
		if err != nil {
			t.Fatal(err)
		}
		if err := tree.Insert(network, rec); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), dbType+".mmdb")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tree.WriteTo(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func cityDB(t *testing.T) *geoip.DB {
	t.Helper()
	path := writeDB(t, "GeoLite2-City", map[string]mmdbtype.Map{
		"81.2.69.0/24": place(map[string]string{"en": "London", "fr": "Londres"},
			map[string]string{"en": "United Kingdom", "fr": "Royaume-Uni"}),
		// No English city name: the database's next language, fr, before de.
		"89.160.20.0/24": place(map[string]string{"de": "München", "fr": "Munich (fr)"},
			map[string]string{"en": "Germany", "de": "Deutschland"}),
		"2001:218::/32": place(nil, map[string]string{"en": "Japan"}),
		"10.0.0.0/8":    place(map[string]string{"en": "Intranet"}, map[string]string{"en": "Nowhere"}),
		"198.51.0.0/16": place(map[string]string{"ja": "東京"}, nil), // names in no listed language only
	})
	db, err := geoip.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestGeoLookup(t *testing.T) {
	db := cityDB(t)
	london := shares.Geo{City: "London", Country: "United Kingdom", Loc: "London, United Kingdom"}
	for _, c := range []struct {
		ip   string
		want shares.Geo
		ok   bool
	}{
		{"81.2.69.142", london, true},
		{"81.2.69.0", london, true},
		{"::ffff:81.2.69.142", london, true}, // IPv4 as a dual-stack listener reports it
		{"89.160.20.5", shares.Geo{City: "Munich (fr)", Country: "Germany", Loc: "Munich (fr), Germany"}, true},
		{"2001:218:1::7", shares.Geo{Country: "Japan", Loc: "Japan"}, true},
		{"81.2.70.1", shares.Geo{}, false},   // beside a known network
		{"2001:219::1", shares.Geo{}, false}, // beside a known network
		{"198.51.100.7", shares.Geo{}, false},
		{"10.1.2.3", shares.Geo{}, false}, // private, although the database has it
		{"192.168.1.1", shares.Geo{}, false},
		{"127.0.0.1", shares.Geo{}, false},
		{"::1", shares.Geo{}, false},
		{"fe80::1%eth0", shares.Geo{}, false},
		{"0.0.0.0", shares.Geo{}, false},
		{"", shares.Geo{}, false},
		{"not an address", shares.Geo{}, false},
		{"81.2.69.142:443", shares.Geo{}, false},
	} {
		got, ok := db.Lookup(c.ip)
		if ok != c.ok || got != c.want {
			t.Errorf("Lookup(%q) = %+v, %v; want %+v, %v", c.ip, got, ok, c.want, c.ok)
		}
	}
}

func TestGeoConcurrentLookupsAndClose(t *testing.T) {
	db := cityDB(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				if g, ok := db.Lookup("81.2.69.142"); ok && g.City != "London" {
					t.Errorf("Lookup = %+v", g)
					return
				}
			}
		})
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if g, ok := db.Lookup("81.2.69.142"); ok {
		t.Fatalf("Lookup after Close = %+v, true", g)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestGeoCountryDatabase(t *testing.T) {
	path := writeDB(t, "GeoLite2-Country", map[string]mmdbtype.Map{
		"81.2.69.0/24": place(nil, map[string]string{"en": "United Kingdom"}),
	})
	db, err := geoip.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if g, ok := db.Lookup("81.2.69.1"); !ok || g != (shares.Geo{Country: "United Kingdom", Loc: "United Kingdom"}) {
		t.Fatalf("Lookup = %+v, %v", g, ok)
	}
}

func TestGeoOpenErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good, err := os.ReadFile(writeDB(t, "GeoLite2-City", map[string]mmdbtype.Map{
		"81.2.69.0/24": place(map[string]string{"en": "London"}, nil),
	}))
	if err != nil {
		t.Fatal(err)
	}
	asn := writeDB(t, "GeoLite2-ASN", map[string]mmdbtype.Map{
		"81.2.69.0/24": {"autonomous_system_number": mmdbtype.Uint32(20712)},
	})
	for _, c := range []struct {
		name, path, want string
	}{
		{"missing", filepath.Join(dir, "GeoLite2-City.mmdb"), "does not exist"},
		{"empty", write("empty.mmdb", nil), "not a readable MaxMind DB file"},
		{"text", write("text.mmdb", []byte(strings.Repeat("not a database\n", 100))), "not a readable MaxMind DB file"},
		{"truncated", write("truncated.mmdb", good[:len(good)/2]), "not a readable MaxMind DB file"},
		{"directory", dir, "not a readable MaxMind DB file"},
		{"asn", asn, `is a "GeoLite2-ASN" database, which holds no locations`},
	} {
		db, err := geoip.Open(c.path)
		if err == nil {
			db.Close()
			t.Errorf("%s: Open succeeded", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.path) {
			t.Errorf("%s: error %q, want it to name %s and say %q", c.name, err, c.path, c.want)
		}
	}
}
