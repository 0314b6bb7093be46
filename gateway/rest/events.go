package rest

import (
	"coffre/storage"
	"coffre/storage/audit"
)

// Event is a timeline event (../shared/api/netexplorer-reference.md §21):
// type 1 annotation, 2 share link created, 3 download, 4 preview, 6 lock;
// Coffre adds 10 for other changes (upload, move, version restore …) and
// names the audit type in "action".
type Event struct {
	ID      uint64 `json:"id"`
	Type    int    `json:"type"`
	Action  string `json:"action"`
	Date    string `json:"date"`
	Owner   string `json:"owner"`
	OwnerID string `json:"owner_id"`
	Env     Env    `json:"env"`
	Data    any    `json:"data"`
}

// Env is the seed's environment object, from the audit entry's user agent.
type Env struct {
	Browser string `json:"browser"`
	OS      string `json:"os"`
	OSType  int    `json:"os_type"`
}

// eventTypes maps audit types to timeline types.
var eventTypes = map[string]int{
	"annotation":        1,
	"share_link_create": 2,
	"download":          3,
	"preview":           4,
	"lock":              6,
}

// events returns the newest audit entries about node id, at most limit, as
// timeline events. Without an audit log there are none.
func (c *call) events(id storage.NodeID, limit int) ([]Event, error) {
	out := []Event{}
	if c.h.opts.Audit == nil {
		return out, nil
	}
	page, err := c.h.opts.Audit.Query(c.ctx, audit.Query{ObjectID: uint64(id), Newest: true, Limit: limit})
	if err != nil {
		return nil, err
	}
	for _, e := range page.Entries {
		if !e.OK {
			continue
		}
		out = append(out, c.event(e))
	}
	return out, nil
}

// event describes one audit entry as a timeline event.
func (c *call) event(e audit.Entry) Event {
	typ, ok := eventTypes[e.Type]
	if !ok {
		typ = 10
	}
	return Event{
		ID: e.ID, Type: typ, Action: e.Type, Date: date(e.Time),
		Owner: fullName(c.user(e.UserID)), OwnerID: e.UserID,
		Env:  env(e.UserAgent),
		Data: map[string]string{"object": e.ObjectName, "detail": e.Detail},
	}
}

// env reads what a user agent says of the browser and system; os_type is
// 1 for Windows, 2 for macOS, 3 for Linux, 4 for Android, 5 for iOS, 0
// otherwise.
func env(ua string) Env {
	e := Env{Browser: ua}
	for _, o := range []struct {
		marker, name string
		typ          int
	}{
		{"Windows", "Windows", 1}, {"iPhone", "iOS", 5}, {"iPad", "iOS", 5}, {"Mac OS X", "Mac OS X", 2},
		{"Android", "Android", 4}, {"Linux", "Linux", 3},
	} {
		if containsFold(ua, o.marker) {
			e.OS, e.OSType = o.name, o.typ
			break
		}
	}
	return e
}
