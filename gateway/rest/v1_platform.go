package rest

import (
	"encoding/json"
	"net/http"

	"coffre/settings"
)

// The platform configuration (seed 000_…txt, "Configuration plateforme"),
// administrators only:
//
//	GET /api/v1/platform-config        {mode, public_url, support_email}
//	PUT /api/v1/platform-config        {public_url?, support_email?} ("" clears), audited as platform_config_change
//	PUT /api/v1/platform-config/mode   {mode: "dev" | "prod"}, audited as platform_mode_switch
//
// The mode changes only through its own route, so that a switch is always
// its own audit entry; a key that names no field is a 422, so that a
// misspelt one is not silently ignored. See settings.Platform for what the
// fields mean.

func (h *Handler) v1PlatformRoutes() {
	h.v1("GET /api/v1/platform-config", h.v1PlatformGet)
	h.v1("PUT /api/v1/platform-config", h.v1PlatformPut)
	h.v1("PUT /api/v1/platform-config/mode", h.v1PlatformMode)
}

var (
	msgPlatformSaved = text{"Configuration de la plateforme enregistrée.", "Platform configuration saved."}
	msgModeSwitched  = text{"Mode basculé en %s.", "Mode switched to %s."}
	msgUnknownField  = text{"Champ inconnu.", "Unknown field."}
	msgBadMode       = text{"Mode inconnu : dev ou prod.", "Unknown mode: dev or prod."}

	// platformMessages explains, per field, what settings refuses.
	platformMessages = map[string]text{
		"mode": msgBadMode,
		"public_url": {"Adresse http ou https absolue attendue, sans paramètres ni ancre (https://fichiers.exemple.fr).",
			"An absolute http or https address is expected, without query or fragment (https://files.example.com)."},
		"support_email": {"Une adresse électronique attendue (aide@exemple.fr).", "One e-mail address is expected (help@example.com)."},
	}
)

// platform returns the platform configuration: the defaults without a
// settings store.
func (c *call) platform() (settings.Platform, error) {
	if c.h.opts.Settings == nil {
		return settings.DefaultPlatform(), nil
	}
	return c.h.opts.Settings.Platform(c.ctx)
}

func (h *Handler) v1PlatformGet(c *call) error {
	if err := c.admin(); err != nil {
		return err
	}
	p, err := c.platform()
	if err != nil {
		return err
	}
	return c.v1OK(http.StatusOK, text{}, p)
}

func (h *Handler) v1PlatformPut(c *call) error {
	if err := c.admin(); err != nil {
		return err
	}
	var body map[string]json.RawMessage
	if err := c.decode(&body); err != nil {
		return err
	}
	var ch settings.PlatformChange
	f := fields{}
	for k, raw := range body {
		switch k {
		case "public_url":
			ch.PublicURL = jsonString(f, k, raw)
		case "support_email":
			ch.SupportEmail = jsonString(f, k, raw)
		case "mode":
			f.add(k, text{"Le mode se change par PUT /api/v1/platform-config/mode.", "The mode changes through PUT /api/v1/platform-config/mode."})
		default:
			f.add(k, msgUnknownField)
		}
	}
	if err := f.err(); err != nil {
		return err
	}
	if ch == (settings.PlatformChange{}) {
		p, err := c.platform() // nothing to change, nothing to audit
		if err != nil {
			return err
		}
		return c.v1OK(http.StatusOK, text{}, p)
	}
	return c.updatePlatform(ch, "platform_config_change", msgPlatformSaved)
}

func (h *Handler) v1PlatformMode(c *call) error {
	if err := c.admin(); err != nil {
		return err
	}
	var in struct {
		Mode *string `json:"mode"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	if in.Mode == nil {
		return invalid("mode", fieldRequired)
	}
	cur, err := c.platform()
	if err != nil {
		return err
	}
	msg := msgModeSwitched.format(*in.Mode)
	if cur.Mode == *in.Mode {
		return c.v1OK(http.StatusOK, msg, cur) // nothing to switch, nothing to audit
	}
	return c.updatePlatform(settings.PlatformChange{Mode: in.Mode}, "platform_mode_switch", msg)
}

// updatePlatform applies ch with an audit entry of type typ and answers the
// new configuration.
func (c *call) updatePlatform(ch settings.PlatformChange, typ string, msg text) error {
	if c.h.opts.Settings == nil {
		return fail(http.StatusNotImplemented, msgNotSupported)
	}
	p, err := c.h.opts.Settings.UpdatePlatform(c.ctx, ch, ptr(c.auditEntry(typ, 0, "config", "platform")))
	if err != nil {
		return settingsError(err, platformMessages)
	}
	return c.v1OK(http.StatusOK, msg, p)
}

// jsonString decodes a string field of a body, adding a field error (and
// returning nil) when it is something else.
func jsonString(f fields, field string, raw json.RawMessage) *string {
	var s *string
	if err := json.Unmarshal(raw, &s); err != nil || s == nil {
		f.add(field, fieldType, "string")
		return nil
	}
	return s
}
