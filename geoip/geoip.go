// Package geoip locates IP addresses with a MaxMind DB file, for the
// statistics of share and deposit links (shares.Options.Geo).
//
// It reads the City layout of GeoLite2-City and GeoIP2-City (and of the
// databases that copy it, such as DB-IP's City Lite); a Country database
// gives the country alone. Names are in English: an event stores one name,
// written once for readers of any language, and English is the language
// MaxMind's databases name the most places in. A record without an English
// name gets its name in the first language the database lists that it has.
//
// The file is memory-mapped: replace it by renaming a new file over it
// (as geoipupdate does), never by rewriting it in place; the new data is
// read at the next start.
package geoip

import (
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"coffre/shares"

	"github.com/oschwald/maxminddb-golang/v2"
)

// DB is an open MaxMind DB file. Its methods are safe for concurrent use.
type DB struct {
	mu sync.RWMutex // Close may not run during a lookup
	r  *maxminddb.Reader
	// languages is the order in which names are chosen: English, then the
	// database's languages in its order.
	languages []string
}

// Open opens the MaxMind DB file at path. A missing file, a file that is
// not a MaxMind DB (its metadata section, at the end, is checked), and a
// database without locations (such as an ASN database) are errors. Damage
// inside the data is not searched for, since that means reading the whole
// file at every start: the records it spoils are simply not found.
func Open(path string) (*DB, error) {
	r, err := maxminddb.Open(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("geoip: database %s does not exist (a GeoLite2-City or GeoIP2-City .mmdb file)", path)
	case errors.Is(err, fs.ErrPermission):
		return nil, fmt.Errorf("geoip: database %s cannot be read: %w", path, err)
	case err != nil:
		return nil, fmt.Errorf("geoip: %s is not a readable MaxMind DB file (.mmdb), or is damaged: %w", path, err)
	}
	if t := r.Metadata.DatabaseType; !locates(t) {
		r.Close()
		return nil, fmt.Errorf("geoip: %s is a %q database, which holds no locations; want a City database such as GeoLite2-City", path, t)
	}
	langs := []string{"en"}
	for _, l := range r.Metadata.Languages {
		if !slices.Contains(langs, l) {
			langs = append(langs, l)
		}
	}
	return &DB{r: r, languages: langs}, nil
}

// locates reports whether a database type names a database with the City
// or Country layout: MaxMind's City, Country and Enterprise databases and
// the others that name themselves after them.
func locates(dbType string) bool {
	for _, s := range []string{"City", "Country", "Enterprise"} {
		if strings.Contains(dbType, s) {
			return true
		}
	}
	return false
}

// record is the part of a City record that Lookup reads.
type record struct {
	City struct {
		Names map[string]string `maxminddb:"names"`
	} `maxminddb:"city"`
	Country struct {
		Names map[string]string `maxminddb:"names"`
	} `maxminddb:"country"`
}

// Lookup returns where ip is: its city and country names and "City,
// Country" (or the one of them the database knows). It reports false for
// addresses that are not public (private, loopback, link-local…), that the
// database does not know or cannot decode, for text that is not an
// address, and after Close. It has the signature of shares.Options.Geo.
func (db *DB) Lookup(ip string) (shares.Geo, bool) {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return shares.Geo{}, false
	}
	addr = addr.Unmap() // ::ffff:192.0.2.1, as dual-stack listeners report IPv4 clients
	if !addr.IsGlobalUnicast() || addr.IsPrivate() {
		return shares.Geo{}, false
	}
	db.mu.RLock()
	defer db.mu.RUnlock()
	if db.r == nil {
		return shares.Geo{}, false
	}
	var rec record
	res := db.r.Lookup(addr)
	if !res.Found() || res.Decode(&rec) != nil {
		return shares.Geo{}, false
	}
	g := shares.Geo{City: db.name(rec.City.Names), Country: db.name(rec.Country.Names)}
	switch {
	case g.City != "" && g.Country != "":
		g.Loc = g.City + ", " + g.Country
	case g.City != "" || g.Country != "":
		g.Loc = g.City + g.Country
	default:
		return shares.Geo{}, false
	}
	return g, true
}

// name picks a name in the first of db.languages that names has; names
// in no listed language (which the format forbids) are not used.
func (db *DB) name(names map[string]string) string {
	for _, l := range db.languages {
		if n := names[l]; n != "" {
			return n
		}
	}
	return ""
}

// Close releases the file. Lookups after Close report false; Close waits
// for the lookups under way.
func (db *DB) Close() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.r == nil {
		return nil
	}
	err := db.r.Close()
	db.r = nil
	return err
}
