package storage

import "strings"

// Rights is a set of the seven rights of the product, granted on folders and
// inherited downwards.
type Rights uint8

const (
	Browse   Rights = 1 << iota // see and enter a folder
	Read                        // list a folder's files and their metadata, preview
	Download                    // get content
	Write                       // add new files and folders
	Edit                        // change an existing file: new version, rename
	Delete                      // delete
	Share                       // create share and deposit links

	AllRights = Browse | Read | Download | Write | Edit | Delete | Share
)

var rightNames = []string{"browse", "read", "download", "write", "edit", "delete", "share"}

func (r Rights) String() string {
	var parts []string
	for i, n := range rightNames {
		if r&(1<<i) != 0 {
			parts = append(parts, n)
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "|")
}

// Has reports whether r holds every right in want.
func (r Rights) Has(want Rights) bool { return r&want == want }

// Principal is an authenticated caller: a user, or a share link acting on a
// user's behalf. The zero Principal is anonymous and may do nothing.
type Principal struct {
	UserID string   // the user's stable ID, or "share:<id>" for a link
	Login  string   // for audit and version authorship
	Groups []string // group IDs the user belongs to
	Admin  bool     // administrators hold every right everywhere
	// Quota is how many bytes of content the user may own; 0 means no limit.
	Quota int64

	// Where the request comes from, for the audit log.
	IP, UserAgent string
	Protocol      string // "s3", "webdav", "rest", "web", "cli"
	// RequestID is the request's ID (X-Request-Id), for the log lines the
	// storage writes on its behalf; "" outside a request.
	RequestID string

	// Root, when non-zero, confines the principal below this node (share links).
	Root NodeID
	// Max, when non-zero, bounds the rights the principal may use anywhere.
	Max Rights
}

// Subject is whom a rights entry is for: a user or a group.
type Subject struct {
	Group bool   // false: a user
	ID    string // the user's or group's stable ID
}

// Grant is one rights entry on a folder. Entries are inherited downwards: for
// a principal and a node, the nearest folder (walking up from the node) that
// carries entries for the principal's user or any of their groups decides;
// the user's own entry wins, otherwise the union of the group entries.
type Grant struct {
	Folder  NodeID
	Path    string
	Subject Subject
	Rights  Rights
}
