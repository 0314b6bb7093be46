package rest_test

import (
	"net/http"
	"testing"
)

// fieldMessage is the one message of a 422's field and its message.
func fieldMessage(t *testing.T, r response, field string) (message, msg string) {
	t.Helper()
	m := r.Want(t, http.StatusUnprocessableEntity).Map(t)
	errs, _ := m["errors"].(map[string]any)
	msgs, _ := errs[field].([]any)
	if len(msgs) != 1 {
		t.Fatalf("errors on %s: %s", field, r.Body)
	}
	message, _ = m["message"].(string)
	msg, _ = msgs[0].(string)
	return message, msg
}

// A field error from package auth is answered in the caller's language:
// French by default, English when Accept-Language prefers it or, without
// that header, when the caller's own language setting is English.
func TestIdentityFieldErrorLanguage(t *testing.T) {
	s := newServer(t)
	const (
		validationFr = "Les données envoyées sont invalides."
		validationEn = "The data sent is invalid."
		loginFr      = "Seuls les lettres, les chiffres et les caractères « . », « _ », « - » et « @ » sont permis."
		loginEn      = "may hold only letters, digits, '.', '_', '-' and '@'"
		passwordFr   = "Au moins 8 caractères."
		passwordEn   = "must be at least 8 characters"
	)
	badLogin := map[string]any{"login": "no space", "password": "dan-password"}
	for _, tc := range []struct {
		headers        []string
		message, login string
	}{
		{nil, validationFr, loginFr},
		{[]string{"Accept-Language", "fr-FR,fr;q=0.9,en;q=0.8"}, validationFr, loginFr},
		{[]string{"Accept-Language", "en"}, validationEn, loginEn},
		{[]string{"Accept-Language", "en-GB,en;q=0.9,fr;q=0.5"}, validationEn, loginEn},
		{[]string{"Accept-Language", "de"}, validationFr, loginFr},
	} {
		message, msg := fieldMessage(t, s.Do(t, s.Admin.Token, "POST", "/api/user", badLogin, tc.headers...), "login")
		if message != tc.message || msg != tc.login {
			t.Errorf("POST /api/user with %v: %q, login %q; want %q, %q", tc.headers, message, msg, tc.message, tc.login)
		}
	}

	// auth's "password" is new_password on /api/account, in either language.
	short := map[string]any{"old_password": s.User.Password, "new_password": "short"}
	if _, msg := fieldMessage(t, s.Do(t, s.User.Token, "PUT", "/api/account", short), "new_password"); msg != passwordFr {
		t.Errorf("new_password: %q; want %q", msg, passwordFr)
	}
	if _, msg := fieldMessage(t, s.Do(t, s.User.Token, "PUT", "/api/account", short, "Accept-Language", "en"), "new_password"); msg != passwordEn {
		t.Errorf("new_password in English: %q; want %q", msg, passwordEn)
	}

	// Without Accept-Language, the user's own language decides; the header
	// wins over it.
	s.Do(t, s.User.Token, "PUT", "/api/account", map[string]any{"language": "en"}).Want(t, http.StatusOK)
	if message, msg := fieldMessage(t, s.Do(t, s.User.Token, "PUT", "/api/account", short), "new_password"); message != validationEn || msg != passwordEn {
		t.Errorf("for a user who chose English: %q, new_password %q; want %q, %q", message, msg, validationEn, passwordEn)
	}
	if _, msg := fieldMessage(t, s.Do(t, s.User.Token, "PUT", "/api/account", short, "Accept-Language", "fr"), "new_password"); msg != passwordFr {
		t.Errorf("for a user who chose English, asking French: %q; want %q", msg, passwordFr)
	}
}
