package rest

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"coffre/auth"
	"coffre/settings"
	"coffre/storage"
	"coffre/storage/audit"
)

// Platform configuration (netexplorer-reference.md §25, §26).
//
//	GET /api/publicconfig  no account needed: {features, languages, default_language, platform_name, allow_guest}
//	GET /api/config        administrators: {config: {default_language, allow_guest, platform_name, session_idle, session_limit}, features, languages}
//	PUT /api/config        administrators: {config: {…}} (or the settings at the top level), partial → as GET
//	GET /api/fzen?info=…   administrators: storage figures, sections chosen by the bits of info (default 1)

func (h *Handler) configRoutes() {
	h.public("GET /api/publicconfig", h.publicConfig)
	h.handle("GET /api/config", h.configGet)
	h.handle("PUT /api/config", h.configPut)
	h.handle("GET /api/fzen", h.fzen)
}

// featureFlags is the features object of /api/publicconfig.
type featureFlags struct {
	Lock       bool `json:"lock"`
	LockRead   bool `json:"lock_read"`
	Edit       bool `json:"edit"`
	Trash      bool `json:"trash"`
	Versioning bool `json:"versioning"`
}

func (h *Handler) publicFeatures() featureFlags {
	f := h.opts.Features
	return featureFlags{Lock: f.Lock, LockRead: f.LockRead, Edit: f.Edit, Trash: f.Trash, Versioning: f.Versioning}
}

// settings returns the runtime settings: the defaults without a store.
func (c *call) settings() (settings.Settings, error) {
	if c.h.opts.Settings == nil {
		return settings.Defaults(), nil
	}
	return c.h.opts.Settings.Get(c.ctx)
}

func (h *Handler) publicConfig(c *call) error {
	st, err := c.settings()
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, struct {
		Features        featureFlags `json:"features"`
		Languages       []string     `json:"languages"`
		DefaultLanguage string       `json:"default_language"`
		PlatformName    string       `json:"platform_name"`
		AllowGuest      bool         `json:"allow_guest"`
	}{h.publicFeatures(), auth.Languages, st.DefaultLanguage, st.PlatformName, st.AllowGuest})
}

// configAnswer is what GET and PUT /api/config answer.
func (c *call) configAnswer(st settings.Settings) error {
	return c.json(http.StatusOK, struct {
		Config    settings.Settings `json:"config"`
		Features  featureFlags      `json:"features"`
		Languages []string          `json:"languages"`
	}{st, c.h.publicFeatures(), auth.Languages})
}

func (h *Handler) configGet(c *call) error {
	if err := c.admin(); err != nil {
		return err
	}
	st, err := c.settings()
	if err != nil {
		return err
	}
	return c.configAnswer(st)
}

// configMessages explains, per setting, what settings.Store refuses.
var configMessages = map[string]text{
	"default_language": {"Langue inconnue : auto, fr, en, de, es, it ou nl.", "Unknown language: auto, fr, en, de, es, it or nl."},
	"platform_name": {"De 1 à 100 caractères, sans espace au début ni à la fin.",
		"1 to 100 characters, without blanks at either end."},
	"session_idle":  seconds(settings.MinSessionIdle, settings.MaxSessionIdle),
	"session_limit": seconds(settings.MinSessionLimit, settings.MaxSessionLimit),
}

// seconds is the message of a number of seconds out of [lo, hi].
func seconds(lo, hi int) text {
	return text{fmt.Sprintf("Un nombre entier de secondes, de %d à %d.", lo, hi),
		fmt.Sprintf("A whole number of seconds, from %d to %d.", lo, hi)}
}

func (h *Handler) configPut(c *call) error {
	st, err := c.putSettings()
	if err != nil {
		return err
	}
	return c.configAnswer(st)
}

// putSettings applies the body of a PUT of the settings (administrators
// only), audited as config_change, and returns the new settings.
func (c *call) putSettings() (settings.Settings, error) {
	if err := c.admin(); err != nil {
		return settings.Settings{}, err
	}
	if c.h.opts.Settings == nil {
		return settings.Settings{}, fail(http.StatusNotImplemented, msgNotSupported)
	}
	ch, err := c.configChange()
	if err != nil {
		return settings.Settings{}, err
	}
	st, err := c.h.opts.Settings.Update(c.ctx, ch, ptr(c.auditEntry("config_change", 0, "config", "config")))
	return st, settingsError(err, configMessages)
}

// settingsError gives the settings store's field errors their messages
// (msgs, by field); other errors stay as they are.
func settingsError(err error, msgs map[string]text) error {
	var fe *settings.FieldError
	if errors.As(err, &fe) {
		return invalid(fe.Field, msgs[fe.Field])
	}
	return err
}

// configChange reads the body of PUT /api/config: the settings inside
// "config", or at the top level. A key that names no setting is a 422, so
// that a misspelt setting is not silently ignored.
func (c *call) configChange() (settings.Change, error) {
	var body map[string]json.RawMessage
	if err := c.decode(&body); err != nil {
		return settings.Change{}, err
	}
	if raw, ok := body["config"]; ok {
		body = nil
		if err := json.Unmarshal(raw, &body); err != nil {
			return settings.Change{}, invalid("config", fieldType, "object")
		}
	}
	var ch settings.Change
	f := fields{}
	for k, raw := range body {
		var err error
		switch k {
		case "default_language":
			err = json.Unmarshal(raw, &ch.DefaultLanguage)
		case "allow_guest":
			err = json.Unmarshal(raw, &ch.AllowGuest)
		case "platform_name":
			err = json.Unmarshal(raw, &ch.PlatformName)
		case "session_idle":
			err = json.Unmarshal(raw, &ch.SessionIdle)
		case "session_limit":
			err = json.Unmarshal(raw, &ch.SessionLimit)
		default:
			f.add(k, text{"Paramètre inconnu.", "Unknown setting."})
			continue
		}
		if err != nil || string(raw) == "null" {
			f.add(k, fieldInvalid)
		}
	}
	return ch, f.err()
}

// auditEntry describes an action of the caller on an object, for the audit
// log.
func (c *call) auditEntry(typ string, id uint64, kind, name string) audit.Entry {
	return audit.Entry{
		UserID: c.p.UserID, Login: c.p.Login, IP: c.p.IP, UserAgent: c.p.UserAgent, Protocol: c.p.Protocol,
		Type: typ, OK: true, ObjectID: id, ObjectType: kind, ObjectName: name,
	}
}

// The sections of /api/fzen (netexplorer-reference.md §29).
const (
	fzenStorage  = 1  // storage.main and storage.trashes.total
	fzenTrashes  = 2  // storage.trashes.users
	fzenVersions = 16 // storage.versions: bytes of versions older than the current ones
)

// fzenUsage is one user's share of a total.
type fzenUsage struct {
	ID    string `json:"id"`
	User  string `json:"user"`
	Login string `json:"login"`
	Size  int64  `json:"size"`
}

// fzen answers what the namespace can tell of the platform's storage. Left
// out: expire (the platform does not expire: null), private (the namespace
// has no personal spaces apart), slots, visits, stats, outlook and
// docsigning (no such features).
func (h *Handler) fzen(c *call) error {
	if err := c.admin(); err != nil {
		return err
	}
	mask, err := c.intParam("info", fzenStorage)
	if err != nil {
		return err
	}
	q, err := c.ns.Quotas(c.ctx)
	if err != nil {
		return err
	}
	type main struct {
		Used    int64  `json:"used"`
		Free    *int64 `json:"free"`    // null without a platform quota
		Quota   *int64 `json:"quota"`   // null: none
		Percent *int   `json:"percent"` // null without a platform quota
	}
	type trashes struct {
		Total int64        `json:"total"`
		Users *[]fzenUsage `json:"users,omitempty"`
	}
	out := struct {
		Expire  *int64 `json:"expire"`
		Storage struct {
			Main     main    `json:"main"`
			Trashes  trashes `json:"trashes"`
			Versions *int64  `json:"versions,omitempty"`
		} `json:"storage"`
	}{}
	out.Storage.Main.Used = q.PlatformBytes
	if q.PlatformQuota > 0 {
		out.Storage.Main.Quota = ptr(q.PlatformQuota)
		out.Storage.Main.Free = ptr(max(0, q.PlatformQuota-q.PlatformBytes))
		out.Storage.Main.Percent = ptr(int(q.PlatformBytes * 100 / q.PlatformQuota))
	}
	items, err := c.ns.Trash(c.ctx, true)
	if err != nil {
		return err
	}
	byUser := map[string]int64{}
	var order []string
	for _, it := range items {
		out.Storage.Trashes.Total += it.Size
		if _, ok := byUser[it.DeletedBy]; !ok {
			order = append(order, it.DeletedBy)
		}
		byUser[it.DeletedBy] += it.Size
	}
	if mask&fzenTrashes != 0 {
		users := []fzenUsage{}
		for _, id := range order {
			u := fzenUsage{ID: id, Size: byUser[id]}
			if a := c.user(id); a != nil {
				u.User, u.Login = fullName(a), a.Login
			}
			users = append(users, u)
		}
		slices.SortStableFunc(users, func(a, b fzenUsage) int { return cmp.Compare(b.Size, a.Size) })
		out.Storage.Trashes.Users = &users
	}
	if mask&fzenVersions != 0 {
		n, err := c.olderVersions("/")
		if err != nil {
			return err
		}
		out.Storage.Versions = &n
	}
	return c.json(http.StatusOK, out)
}

// olderVersions adds up the sizes of the versions older than the current
// one of every file below dir: a walk of the whole tree, which is why
// /api/fzen does it only when asked (bit 16).
func (c *call) olderVersions(dir string) (int64, error) {
	var total int64
	opt := storage.ListOptions{}
	for {
		page, err := c.ns.List(c.ctx, dir, opt)
		if err != nil {
			return 0, err
		}
		for _, it := range page.Items {
			switch {
			case it.Dir:
				n, err := c.olderVersions(it.Path)
				if err != nil {
					return 0, err
				}
				total += n
			case it.Versions > 1:
				vs, err := c.ns.Versions(c.ctx, it.Path)
				if err != nil {
					return 0, err
				}
				for _, v := range vs {
					if v.ID != it.VersionID {
						total += v.Size
					}
				}
			}
		}
		if page.Next == "" {
			return total, nil
		}
		opt.After = page.Next
	}
}
