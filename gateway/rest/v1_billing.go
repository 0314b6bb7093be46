package rest

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"

	"coffre/billing"
	"coffre/storage/audit"
)

// The billing settings (seed 000_…txt, "Configuration Stripe"),
// administrators only. Coffre calls no payment service: it keeps these
// settings, secrets sealed (package billing), for the tools that do.
//
//	GET  /api/v1/stripe-config              {mode, dev: keys, prod: keys, updated_at, updated_by}
//	PUT  /api/v1/stripe-config              {dev?: keys, prod?: keys}; within keys, absent fields stay and "" removes
//	POST /api/v1/stripe-config/switch-mode  {mode?: "dev" | "prod"}; without a mode, the other one
//	GET  /api/v1/stripe-config/audit-logs   the changes and switches, paged like /api/v1/admin/audit-logs
//	                                        (filters from, to, user_id; format=csv)
//
// keys are {publishable_key, secret_key, webhook_secret}: publishable keys
// in full, secrets masked ("sk_live_…1234"). Keys must fit their mode
// (pk_test_, sk_test_ or rk_test_ in dev; pk_live_, sk_live_ or rk_live_ in
// prod; whsec_ for webhook secrets), so that live keys never serve as test
// ones; a mode may be switched to only once its publishable and secret keys
// are set. Changes are audited as stripe_config_change (the fields named,
// never their values), switches as stripe_mode_switch.

func (h *Handler) v1BillingRoutes() {
	h.v1("GET /api/v1/stripe-config", h.v1BillingGet)
	h.v1("PUT /api/v1/stripe-config", h.v1BillingPut)
	h.v1("POST /api/v1/stripe-config/switch-mode", h.v1BillingSwitch)
	h.v1("GET /api/v1/stripe-config/audit-logs", h.v1BillingAudit)
}

var (
	msgBillingSaved   = text{"Configuration Stripe enregistrée.", "Stripe configuration saved."}
	msgBillingKey     = text{"Clé invalide : elle doit commencer par %s, suivi de lettres, chiffres ou _.", "Invalid key: it must start with %s, followed by letters, digits or _."}
	msgBillingNoKeys  = text{"Les clés publiable et secrète de ce mode ne sont pas configurées.", "The publishable and secret keys of this mode are not configured."}
	msgBillingModeHow = text{"Le mode se change par POST /api/v1/stripe-config/switch-mode.", "The mode changes through POST /api/v1/stripe-config/switch-mode."}
)

// billingStore is the store of the billing settings, if the caller may use
// it.
func (c *call) billingStore() (*billing.Store, error) {
	if err := c.admin(); err != nil {
		return nil, err
	}
	if c.h.opts.Billing == nil {
		return nil, fail(http.StatusNotImplemented, msgNotSupported)
	}
	return c.h.opts.Billing, nil
}

type v1BillingKeys struct {
	PublishableKey string `json:"publishable_key"`
	SecretKey      string `json:"secret_key"`     // masked
	WebhookSecret  string `json:"webhook_secret"` // masked
}

type v1BillingConfig struct {
	Mode      string        `json:"mode"`
	Dev       v1BillingKeys `json:"dev"`
	Prod      v1BillingKeys `json:"prod"`
	UpdatedAt *string       `json:"updated_at"` // null before any change
	UpdatedBy *v1Member     `json:"updated_by"`
}

func (c *call) v1BillingObject(cfg billing.Config) v1BillingConfig {
	keys := func(k billing.Keys) v1BillingKeys {
		return v1BillingKeys{PublishableKey: k.PublishableKey, SecretKey: k.SecretKey, WebhookSecret: k.WebhookSecret}
	}
	o := v1BillingConfig{Mode: cfg.Mode, Dev: keys(cfg.Dev), Prod: keys(cfg.Prod)}
	if !cfg.Updated.IsZero() {
		o.UpdatedAt = ptr(v1Date(cfg.Updated))
	}
	if cfg.UpdatedBy != "" {
		o.UpdatedBy = &v1Member{ID: cfg.UpdatedBy}
		if u := c.user(cfg.UpdatedBy); u != nil {
			o.UpdatedBy.Login = u.Login
		}
	}
	return o
}

func (h *Handler) v1BillingGet(c *call) error {
	b, err := c.billingStore()
	if err != nil {
		return err
	}
	cfg, err := b.Get(c.ctx)
	if err != nil {
		return err
	}
	return c.v1OK(http.StatusOK, text{}, c.v1BillingObject(cfg))
}

func (h *Handler) v1BillingPut(c *call) error {
	b, err := c.billingStore()
	if err != nil {
		return err
	}
	var body map[string]json.RawMessage
	if err := c.decode(&body); err != nil {
		return err
	}
	var ch billing.Change
	f := fields{}
	for k, raw := range body {
		switch k {
		case billing.Dev:
			ch.Dev = billingKeysChange(f, k, raw)
		case billing.Prod:
			ch.Prod = billingKeysChange(f, k, raw)
		case "mode":
			f.add(k, msgBillingModeHow)
		default:
			f.add(k, msgUnknownField)
		}
	}
	if err := f.err(); err != nil {
		return err
	}
	cfg, err := b.Update(c.ctx, ch, c.auditEntry("", 0, "", ""))
	if err != nil {
		return billingError(err)
	}
	return c.v1OK(http.StatusOK, msgBillingSaved, c.v1BillingObject(cfg))
}

// billingKeysChange reads the keys object of one mode; wrong fields are
// added to f under "<mode>.<field>".
func billingKeysChange(f fields, mode string, raw json.RawMessage) billing.KeysChange {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		f.add(mode, fieldType, "object")
		return billing.KeysChange{}
	}
	var kc billing.KeysChange
	for k, v := range obj {
		field := mode + "." + k
		switch k {
		case "publishable_key":
			kc.PublishableKey = jsonString(f, field, v)
		case "secret_key":
			kc.SecretKey = jsonString(f, field, v)
		case "webhook_secret":
			kc.WebhookSecret = jsonString(f, field, v)
		default:
			f.add(field, msgUnknownField)
		}
	}
	return kc
}

// billingError gives the billing store's field errors their messages.
func billingError(err error) error {
	var fe *billing.FieldError
	switch {
	case !errors.As(err, &fe):
		return err
	case fe.Unconfigured:
		return invalid(fe.Field, msgBillingNoKeys)
	case fe.Expect != "":
		return invalid(fe.Field, msgBillingKey, fe.Expect)
	}
	return invalid(fe.Field, msgBadMode)
}

func (h *Handler) v1BillingSwitch(c *call) error {
	b, err := c.billingStore()
	if err != nil {
		return err
	}
	var in struct {
		Mode *string `json:"mode"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	if in.Mode == nil {
		cur, err := b.Get(c.ctx)
		if err != nil {
			return err
		}
		in.Mode = ptr(billing.Prod)
		if cur.Mode == billing.Prod {
			in.Mode = ptr(billing.Dev)
		}
	}
	cfg, err := b.SwitchMode(c.ctx, *in.Mode, c.auditEntry("", 0, "", ""))
	if err != nil {
		return billingError(err)
	}
	return c.v1OK(http.StatusOK, msgModeSwitched.format(cfg.Mode), c.v1BillingObject(cfg))
}

func (h *Handler) v1BillingAudit(c *call) error {
	if _, err := c.billingStore(); err != nil {
		return err
	}
	q, err := c.logQuery()
	if err != nil {
		return err
	}
	// Filtering by type narrows the billing entries; it never widens them.
	all := []string{billing.TypeChange, billing.TypeModeSwitch}
	asked := q.Types
	q.Types = all
	var keep func(audit.Entry) bool
	if len(asked) > 0 {
		keep = func(e audit.Entry) bool { return slices.Contains(asked, e.Type) }
	}
	return c.v1AuditAnswer(q, keep, "stripe-audit-logs.csv")
}
