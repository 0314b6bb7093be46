package rest_test

import (
	"net/http"
	"testing"
)

// The fixture's own plumbing: login, a token, errors in both languages.
func TestSessionAndErrors(t *testing.T) {
	s := newServer(t)
	r := s.Do(t, "", "GET", "/api/nothing-here", nil).Want(t, http.StatusNotFound)
	if m := r.Map(t); m["message"] == "" {
		t.Fatalf("no message in %s", r.Body)
	}
	r = s.Do(t, "", "POST", "/api/auth", map[string]string{"user": "bob", "password": "wrong"}, "Accept-Language", "en-GB,en;q=0.9").Want(t, http.StatusUnauthorized)
	if m := r.Map(t); m["message"] != "Wrong login or password." {
		t.Fatalf("English message: %s", r.Body)
	}
	r = s.Do(t, "", "POST", "/api/auth", map[string]string{"user": "bob", "password": "wrong"}).Want(t, http.StatusUnauthorized)
	if m := r.Map(t); m["message"] != "Identifiant ou mot de passe incorrect." {
		t.Fatalf("French message: %s", r.Body)
	}
	s.Do(t, "", "POST", "/api/auth", `{"user": "bob", "password": `).Want(t, http.StatusBadRequest)
	r = s.Do(t, "", "POST", "/api/auth", `{"user": 12, "password": "x"}`).Want(t, http.StatusUnprocessableEntity)
	if m := r.Map(t); m["errors"].(map[string]any)["user"] == nil {
		t.Fatalf("no field error for user: %s", r.Body)
	}
	s.Do(t, s.User.Token, "DELETE", "/api/auth", nil).Want(t, http.StatusNoContent)
	s.Do(t, s.User.Token, "DELETE", "/api/auth", nil).Want(t, http.StatusUnauthorized)
	// The legacy Token: header.
	s.Do(t, "", "DELETE", "/api/auth", nil, "Token", s.Admin.Token).Want(t, http.StatusNoContent)
}
