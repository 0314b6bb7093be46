package rest_test

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strings"
	"testing"

	"coffre/auth"
	"coffre/gateway/rest"
	"coffre/storage/engine"
)

type billingKeysObj struct {
	PublishableKey string `json:"publishable_key"`
	SecretKey      string `json:"secret_key"`
	WebhookSecret  string `json:"webhook_secret"`
}

type billingObj struct {
	Mode      string         `json:"mode"`
	Dev       billingKeysObj `json:"dev"`
	Prod      billingKeysObj `json:"prod"`
	UpdatedAt *string        `json:"updated_at"`
	UpdatedBy *struct {
		ID    string `json:"id"`
		Login string `json:"login"`
	} `json:"updated_by"`
}

const (
	testDevSecret  = "sk_test_51DevSecretValueNeverShown0001"
	testProdSecret = "sk_live_51ProdSecretValueNeverShown9876"
	testHook       = "whsec_HookSecretValueNeverShownAbCd"
)

func TestV1Billing(t *testing.T) {
	s := newServer(t)
	admin := s.Admin.Token
	mia := s.NewAccount(t, "mia", auth.RoleManager)

	var b billingObj
	v1(t, s.Do(t, admin, "GET", "/api/v1/stripe-config", nil), http.StatusOK, &b)
	if b.Mode != "dev" || b.Dev != (billingKeysObj{}) || b.UpdatedAt != nil || b.UpdatedBy != nil {
		t.Fatalf("defaults %+v", b)
	}

	// Set dev keys: the secret is masked in the answer.
	r := s.Do(t, admin, "PUT", "/api/v1/stripe-config", map[string]any{
		"dev": map[string]any{"publishable_key": "pk_test_devPublishable", "secret_key": testDevSecret}})
	v1(t, r, http.StatusOK, &b)
	if b.Dev != (billingKeysObj{PublishableKey: "pk_test_devPublishable", SecretKey: "sk_test_…0001"}) ||
		b.UpdatedBy == nil || b.UpdatedBy.Login != "admin" || b.UpdatedAt == nil {
		t.Fatalf("after PUT %+v", b)
	}

	// Refused: a live key in dev, the mode here, unknown fields, wrong types.
	env := v1(t, s.Do(t, admin, "PUT", "/api/v1/stripe-config", map[string]any{
		"dev": map[string]any{"secret_key": testProdSecret}}), http.StatusUnprocessableEntity, nil)
	if len(env.Errors["dev.secret_key"]) != 1 || !strings.Contains(env.Errors["dev.secret_key"][0], "sk_test_") {
		t.Fatalf("live key in dev: %+v", env.Errors)
	}
	env = v1(t, s.Do(t, admin, "PUT", "/api/v1/stripe-config", map[string]any{
		"mode": "prod", "staging": map[string]any{}, "prod": map[string]any{"secret": "x", "webhook_secret": 7}}), http.StatusUnprocessableEntity, nil)
	for _, f := range []string{"mode", "staging", "prod.secret", "prod.webhook_secret"} {
		if len(env.Errors[f]) != 1 {
			t.Fatalf("errors %+v lack %s", env.Errors, f)
		}
	}
	v1(t, s.Do(t, admin, "PUT", "/api/v1/stripe-config", map[string]any{"prod": "sk_live_x"}), http.StatusUnprocessableEntity, nil)

	// prod has no keys yet: no switching to it.
	env = v1(t, s.Do(t, admin, "POST", "/api/v1/stripe-config/switch-mode", map[string]any{"mode": "prod"}), http.StatusUnprocessableEntity, nil)
	if len(env.Errors["mode"]) != 1 {
		t.Fatalf("unconfigured prod: %+v", env.Errors)
	}
	v1(t, s.Do(t, admin, "PUT", "/api/v1/stripe-config", map[string]any{
		"prod": map[string]any{"publishable_key": "pk_live_prodPublishable", "secret_key": testProdSecret, "webhook_secret": testHook}}), http.StatusOK, &b)
	if b.Prod != (billingKeysObj{PublishableKey: "pk_live_prodPublishable", SecretKey: "sk_live_…9876", WebhookSecret: "whsec_…AbCd"}) {
		t.Fatalf("prod keys %+v", b.Prod)
	}
	// Without a mode, switch-mode goes to the other one.
	env = v1(t, s.Do(t, admin, "POST", "/api/v1/stripe-config/switch-mode", nil), http.StatusOK, &b)
	if b.Mode != "prod" || env.Message != "Mode basculé en prod." {
		t.Fatalf("switch %+v %q", b, env.Message)
	}
	v1(t, s.Do(t, admin, "POST", "/api/v1/stripe-config/switch-mode", map[string]any{"mode": "test"}), http.StatusUnprocessableEntity, nil)
	raw := s.Do(t, admin, "GET", "/api/v1/stripe-config", nil).Want(t, http.StatusOK)
	v1(t, raw, http.StatusOK, &b)
	if b.Mode != "prod" || b.Dev.SecretKey != "sk_test_…0001" {
		t.Fatalf("read back %+v", b)
	}

	// The secrets appear nowhere in clear: not in answers, not in the
	// metadata store (records, audit entries, anything).
	for _, secret := range []string{testDevSecret, testProdSecret, testHook, "SecretValueNeverShown"} {
		if bytes.Contains(raw.Body, []byte(secret)) || bytes.Contains(r.Body, []byte(secret)) {
			t.Fatalf("%s in an answer", secret)
		}
	}
	keys := 0
	err := s.Meta.Scan(nil, nil, func(k, v []byte) error {
		keys++
		if bytes.Contains(k, []byte("SecretValueNeverShown")) || bytes.Contains(v, []byte("SecretValueNeverShown")) {
			t.Errorf("a secret in clear under %q", k)
		}
		return nil
	})
	if err != nil || keys < 10 {
		t.Fatalf("scanned %d keys: %v", keys, err)
	}

	// The audit log of these settings: two changes and a switch, paged;
	// filtered by type; as CSV.
	var logs []auditObj
	env = v1(t, s.Do(t, admin, "GET", "/api/v1/stripe-config/audit-logs?per_page=2", nil), http.StatusOK, &logs)
	if p := env.Meta.Pagination; p.Total != 3 || p.TotalPages != 2 || len(logs) != 2 || logs[0].Type != "stripe_mode_switch" || logs[1].Type != "stripe_config_change" {
		t.Fatalf("audit logs %+v %+v", logs, env.Meta.Pagination)
	}
	v1(t, s.Do(t, admin, "GET", "/api/v1/stripe-config/audit-logs?type=stripe_mode_switch", nil), http.StatusOK, &logs)
	if len(logs) != 1 || logs[0].UserID != s.Admin.Principal.UserID || !logs[0].Success {
		t.Fatalf("switches %+v", logs)
	}
	v1(t, s.Do(t, admin, "GET", "/api/v1/stripe-config/audit-logs?type=login", nil), http.StatusOK, &logs)
	if len(logs) != 0 {
		t.Fatalf("logins among the billing entries: %+v", logs)
	}
	rows, err := csv.NewReader(bytes.NewReader(s.Do(t, admin, "GET", "/api/v1/stripe-config/audit-logs?format=csv", nil).Want(t, http.StatusOK).Body)).ReadAll()
	if err != nil || len(rows) != 4 || rows[1][7] != "stripe_mode_switch" || rows[1][12] != "dev -> prod" {
		t.Fatalf("CSV %v %v", rows, err)
	}

	// Administrators only.
	for _, req := range [][2]string{{"GET", "/api/v1/stripe-config"}, {"PUT", "/api/v1/stripe-config"},
		{"POST", "/api/v1/stripe-config/switch-mode"}, {"GET", "/api/v1/stripe-config/audit-logs"}} {
		v1(t, s.Do(t, mia.Token, req[0], req[1], nil), http.StatusForbidden, nil)
	}

	// Without a billing store the endpoints are off.
	off := newServerWith(t, engine.Options{}, func(o *rest.Options) { o.Billing = nil })
	v1(t, off.Do(t, off.Admin.Token, "GET", "/api/v1/stripe-config", nil), http.StatusNotImplemented, nil)
}
