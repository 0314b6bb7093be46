package auth

import (
	"encoding/json"
	"fmt"
	"net/mail"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on identity fields.
const (
	maxLogin    = 64
	maxName     = 128
	maxEmail    = 1024
	maxPassword = 1024
	maxPath     = 4096
)

// loginChars are the characters of a login, which is also a meta key
// component: ASCII letters (folded to lower case), digits, '.', '_', '-', '@'.
const loginChars = "abcdefghijklmnopqrstuvwxyz0123456789._-@"

// Languages are the user interface languages; "auto" follows the browser.
var Languages = []string{"auto", "fr", "en", "de", "es", "it", "nl"}

// normLogin folds a login to the form it is stored under.
func normLogin(login string) string { return strings.ToLower(strings.TrimSpace(login)) }

func validLogin(op, login string) error {
	switch {
	case login == "":
		return invalid(op, "login", "is required", "Ce champ est obligatoire.")
	case len(login) > maxLogin:
		return invalid(op, "login", fmt.Sprintf("must be at most %d characters", maxLogin), fmt.Sprintf("Au plus %d caractères.", maxLogin))
	case strings.Trim(login, loginChars) != "":
		return invalid(op, "login", "may hold only letters, digits, '.', '_', '-' and '@'",
			"Seuls les lettres, les chiffres et les caractères « . », « _ », « - » et « @ » sont permis.")
	case strings.IndexByte(".-_@", login[0]) >= 0:
		return invalid(op, "login", "must start with a letter or a digit", "Doit commencer par une lettre ou un chiffre.")
	}
	return nil
}

// validName checks a display name (first or last name, group or client name).
func validName(op, field, name string, required bool) error {
	switch {
	case name == "" && required:
		return invalid(op, field, "is required", "Ce champ est obligatoire.")
	case !utf8.ValidString(name):
		return invalid(op, field, "is not valid UTF-8", "Le texte n'est pas en UTF-8 valide.")
	case utf8.RuneCountInString(name) > maxName:
		return invalid(op, field, fmt.Sprintf("must be at most %d characters", maxName), fmt.Sprintf("Au plus %d caractères.", maxName))
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return invalid(op, field, "must not hold control characters", "Ne doit pas contenir de caractères de contrôle.")
	case strings.TrimSpace(name) != name:
		return invalid(op, field, "must not start or end with spaces", "Ne doit ni commencer ni finir par des espaces.")
	}
	return nil
}

// validEmail accepts "" or addresses separated by commas, each a bare
// address (RFC 5322 addr-spec).
func validEmail(op, email string) error {
	if email == "" {
		return nil
	}
	if len(email) > maxEmail {
		return invalid(op, "email", fmt.Sprintf("must be at most %d characters", maxEmail), fmt.Sprintf("Au plus %d caractères.", maxEmail))
	}
	for _, a := range strings.Split(email, ",") {
		a = strings.TrimSpace(a)
		p, err := mail.ParseAddress(a)
		if err != nil || p.Address != a || p.Name != "" {
			return invalid(op, "email", fmt.Sprintf("%q is not an e-mail address", a),
				fmt.Sprintf("Adresse e-mail invalide : « %s ».", a))
		}
	}
	return nil
}

func validLanguage(op, lang string) error {
	for _, l := range Languages {
		if lang == l {
			return nil
		}
	}
	return invalid(op, "language", "must be one of "+strings.Join(Languages, ", "),
		"Doit être l'une de ces valeurs : "+strings.Join(Languages, ", ")+".")
}

func validRole(op string, r Role) error {
	if !r.valid() {
		return invalid(op, "role", "must be 1 (administrator), 2 (manager), 3 (user) or 4 (guest)",
			"Doit valoir 1 (administrateur), 2 (gestionnaire), 3 (utilisateur) ou 4 (invité).")
	}
	return nil
}

func validPassword(op, pw string) error {
	switch {
	case len(pw) < minPassword:
		return invalid(op, "password", fmt.Sprintf("must be at least %d characters", minPassword), fmt.Sprintf("Au moins %d caractères.", minPassword))
	case len(pw) > maxPassword:
		return invalid(op, "password", fmt.Sprintf("must be at most %d bytes", maxPassword), fmt.Sprintf("Au plus %d octets.", maxPassword))
	}
	return nil
}

// validRoot checks a client's root folder: an absolute, clean path.
func validRoot(op, p string) error {
	switch {
	case p == "":
		return invalid(op, "root", "is required", "Ce champ est obligatoire.")
	case len(p) > maxPath || !utf8.ValidString(p):
		return invalid(op, "root", "is not a valid path", "Chemin invalide.")
	case !strings.HasPrefix(p, "/") || path.Clean(p) != p || strings.ContainsRune(p, 0):
		return invalid(op, "root", "must be an absolute path without '.', '..' or empty segments, like /clients/acme",
			"Doit être un chemin absolu sans segment « . », « .. » ni vide, comme /clients/acme.")
	}
	return nil
}

// unmarshal decodes a stored record.
func unmarshal(v []byte, into any) error {
	if err := json.Unmarshal(v, into); err != nil {
		return fmt.Errorf("auth: corrupt record: %w", err)
	}
	return nil
}
