package rest_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// v1Envelope is the envelope every /api/v1/ answer is.
type v1Envelope struct {
	Success bool                `json:"success"`
	Message string              `json:"message"`
	Data    json.RawMessage     `json:"data"`
	Errors  map[string][]string `json:"errors"`
	Meta    struct {
		Version    string `json:"version"`
		Timestamp  string `json:"timestamp"`
		Pagination *struct {
			Page       int `json:"page"`
			PerPage    int `json:"per_page"`
			Total      int `json:"total"`
			TotalPages int `json:"total_pages"`
		} `json:"pagination"`
	} `json:"meta"`
}

// v1 checks that r has status and is an envelope of the right shape, and
// returns it; data, when not nil, receives the envelope's data.
func v1(t testing.TB, r response, status int, data any) v1Envelope {
	t.Helper()
	r.Want(t, status)
	var env v1Envelope
	r.JSON(t, &env)
	var keys map[string]json.RawMessage
	r.JSON(t, &keys)
	if _, ok := keys["success"]; !ok {
		t.Fatalf("no success in %s", r.Body)
	}
	if env.Success != (status < 300) {
		t.Fatalf("success %v with status %d: %s", env.Success, status, r.Body)
	}
	if env.Meta.Version != "v1" {
		t.Fatalf("meta.version %q: %s", env.Meta.Version, r.Body)
	}
	if ts, err := time.Parse("2006-01-02T15:04:05.000000Z", env.Meta.Timestamp); err != nil || time.Since(ts) > time.Hour {
		t.Fatalf("meta.timestamp %q: %v", env.Meta.Timestamp, err)
	}
	if !env.Success {
		if env.Message == "" {
			t.Fatalf("an error without a message: %s", r.Body)
		}
		if _, ok := keys["data"]; ok {
			t.Fatalf("an error with data: %s", r.Body)
		}
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Fatalf("Content-Type %q", ct)
	}
	if data != nil {
		if err := json.Unmarshal(env.Data, data); err != nil {
			t.Fatalf("data: %v in %s", err, r.Body)
		}
	}
	return env
}

func TestV1Envelope(t *testing.T) {
	s := newServer(t)

	// 401: no token, a wrong one; in English on demand.
	env := v1(t, s.Do(t, "", "GET", "/api/v1/clients", nil), http.StatusUnauthorized, nil)
	if env.Message != "Authentification requise : jeton absent, invalide ou expiré." {
		t.Fatalf("401 message %q", env.Message)
	}
	r := s.Do(t, "not-a-token", "GET", "/api/v1/admin/audit-logs", nil, "Accept-Language", "en")
	if env := v1(t, r, http.StatusUnauthorized, nil); env.Message != "Authentication required: the token is missing, invalid or expired." {
		t.Fatalf("401 message %q", env.Message)
	}
	if r.Header.Get("WWW-Authenticate") == "" {
		t.Fatal("401 without WWW-Authenticate")
	}
	for _, path := range []string{"/api/v1/stripe-config", "/api/v1/platform-config", "/api/v1/admin/config", "/api/v1/admin/storage/stats"} {
		v1(t, s.Do(t, "", "GET", path, nil), http.StatusUnauthorized, nil)
	}

	// 403: a plain user.
	for _, path := range []string{"/api/v1/clients", "/api/v1/admin/storage/stats", "/api/v1/admin/audit-logs",
		"/api/v1/admin/config", "/api/v1/platform-config", "/api/v1/stripe-config", "/api/v1/stripe-config/audit-logs"} {
		v1(t, s.Do(t, s.User.Token, "GET", path, nil), http.StatusForbidden, nil)
	}

	// 404: an unknown ID, unknown routes (with or without a token).
	if env := v1(t, s.Do(t, s.Admin.Token, "GET", "/api/v1/clients/c-0123", nil), http.StatusNotFound, nil); env.Message != "Ce client n'existe pas." {
		t.Fatalf("404 message %q", env.Message)
	}
	v1(t, s.Do(t, s.Admin.Token, "GET", "/api/v1/nothing/here", nil), http.StatusNotFound, nil)
	v1(t, s.Do(t, "", "POST", "/api/v1/", nil), http.StatusNotFound, nil)
	// The rest of /api/ keeps its own answers.
	if m := s.Do(t, "", "GET", "/api/nothing", nil).Want(t, http.StatusNotFound).Map(t); m["success"] != nil {
		t.Fatalf("a v1 envelope outside /api/v1: %v", m)
	}

	// 422: field errors under errors; paging bounds.
	env = v1(t, s.Do(t, s.Admin.Token, "POST", "/api/v1/clients", map[string]any{"name": "a/b"}), http.StatusUnprocessableEntity, nil)
	if env.Message != "Les données envoyées sont invalides." || len(env.Errors["name"]) != 1 {
		t.Fatalf("422: %+v", env)
	}
	env = v1(t, s.Do(t, s.Admin.Token, "GET", "/api/v1/clients?page=0&per_page=101", nil), http.StatusUnprocessableEntity, nil)
	if len(env.Errors["page"]) != 1 || len(env.Errors["per_page"]) != 1 {
		t.Fatalf("paging 422: %+v", env.Errors)
	}
	v1(t, s.Do(t, s.Admin.Token, "POST", "/api/v1/clients", map[string]any{"name": 12}), http.StatusUnprocessableEntity, nil)
	// 400: malformed JSON.
	v1(t, s.Do(t, s.Admin.Token, "POST", "/api/v1/clients", `{"name": `), http.StatusBadRequest, nil)

	// Success: data and meta; an empty list is [] with its pagination.
	var list []any
	env = v1(t, s.Do(t, s.Admin.Token, "GET", "/api/v1/clients", nil), http.StatusOK, &list)
	if list == nil || len(list) != 0 || env.Meta.Pagination == nil || *env.Meta.Pagination != (struct {
		Page       int `json:"page"`
		PerPage    int `json:"per_page"`
		Total      int `json:"total"`
		TotalPages int `json:"total_pages"`
	}{1, 20, 0, 0}) {
		t.Fatalf("empty list: %+v %+v", list, env.Meta.Pagination)
	}
}
