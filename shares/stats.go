package shares

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"strings"
	"time"

	"coffre/storage"
	"coffre/storage/meta"
)

// Geo is where an address is, when a GeoIP database says.
type Geo struct {
	City    string `json:"city"`
	Country string `json:"country"`
	Loc     string `json:"loc"` // "City, Country"
}

// Event is one statistics event of a link.
type Event struct {
	ID        uint64         `json:"id"`
	Date      time.Time      `json:"date"`
	Action    string         `json:"action"` // access, download, upload, password_failure, consent
	IP        string         `json:"ip"`
	UserAgent string         `json:"user_agent"`
	Browser   string         `json:"browser"`
	OS        string         `json:"os"`
	OSType    int            `json:"os_type"`
	Node      storage.NodeID `json:"node,omitempty"` // the file downloaded or uploaded
	Geo       *Geo           `json:"geo,omitempty"`
}

// event adds to b the statistics event of link id. Under mu (it hands out
// an ID).
func (s *Store) event(b *meta.Batch, id uint64, v Visitor, action string, node storage.NodeID) {
	e := Event{ID: s.nextID(b), Date: s.now().UTC(), Action: action, IP: v.IP, UserAgent: v.UserAgent, Node: node}
	e.Browser, e.OS, e.OSType = ParseUserAgent(v.UserAgent)
	if s.opts.Geo != nil {
		if g, ok := s.opts.Geo(v.IP); ok {
			e.Geo = &g
		}
	}
	data, _ := json.Marshal(e)
	b.Set(cat(prefixEvent, u64(id), u64(e.ID)), data)
}

// Events returns the statistics of link id, oldest first.
func (s *Store) Events(ctx context.Context, id uint64) ([]Event, error) {
	const op = "link statistics"
	var out []Event
	prefix := cat(prefixEvent, u64(id))
	err := s.m.ScanPrefix(prefix, nil, func(k, v []byte) error {
		var e Event
		if err := json.Unmarshal(v, &e); err != nil {
			return storage.Errorf(op, storage.Corrupt, "", "event %d: %v", binary.BigEndian.Uint64(k[len(k)-8:]), err)
		}
		out = append(out, e)
		return ctx.Err()
	})
	if err != nil {
		return nil, storage.E(op, storage.KindOf(err), "", err)
	}
	return out, nil
}

// ParseUserAgent names the browser and the system of a User-Agent header,
// and the system's os_type as the NetExplorer objects number them: 1
// Windows, 2 macOS, 3 Linux, 4 Android, 5 iOS, 0 unknown.
func ParseUserAgent(ua string) (browser, os string, osType int) {
	for _, o := range []struct {
		marker, name string
		typ          int
	}{
		{"Windows", "Windows", 1}, {"iPhone", "iOS", 5}, {"iPad", "iOS", 5}, {"Mac OS X", "Mac OS X", 2},
		{"Macintosh", "Mac OS X", 2}, {"Android", "Android", 4}, {"Linux", "Linux", 3},
	} {
		if strings.Contains(ua, o.marker) {
			os, osType = o.name, o.typ
			break
		}
	}
	browser = ua
	for _, b := range []struct{ marker, name string }{
		{"Edg/", "Edge"}, {"OPR/", "Opera"}, {"Firefox/", "Firefox"}, {"Chrome/", "Chrome"}, {"Safari/", "Safari"},
		{"curl/", "curl"}, {"Wget/", "Wget"},
	} {
		if i := strings.Index(ua, b.marker); i >= 0 {
			version := ua[i+len(b.marker):]
			if j := strings.IndexAny(version, " ;)"); j >= 0 {
				version = version[:j]
			}
			if b.name == "Safari" { // Safari's own version is in Version/
				if k := strings.Index(ua, "Version/"); k >= 0 {
					version = ua[k+len("Version/"):]
					if j := strings.IndexAny(version, " ;)"); j >= 0 {
						version = version[:j]
					}
				}
			}
			browser = strings.TrimSpace(b.name + " " + version)
			break
		}
	}
	return browser, os, osType
}
