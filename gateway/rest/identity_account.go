package rest

import (
	"net/http"
	"slices"
	"strings"

	"coffre/auth"
	"coffre/storage"
	"coffre/storage/audit"
)

// The caller's own account: GET and PUT /api/account, and the public
// POST /api/reset_password.

func (h *Handler) getAccount(c *call) error {
	u, err := c.userByID(c.p.UserID)
	if err != nil {
		return err
	}
	o, err := c.userObject(u)
	if err != nil {
		return err
	}
	o.CurrentLanguage = c.currentLanguage(u.Language)
	return c.json(http.StatusOK, o)
}

// currentLanguage is the language the user interface uses: the account's,
// or for "auto" the browser's first choice when Coffre has it, else French.
func (c *call) currentLanguage(lang string) string {
	if lang != "auto" {
		return lang
	}
	if l := preferred(c.r.Header.Get("Accept-Language")); l != "auto" && slices.Contains(auth.Languages, l) {
		return l
	}
	return "fr"
}

var msgWrongPassword = text{"Le mot de passe actuel est incorrect.", "The current password is wrong."}

// putAccount changes the caller's own account; only the fields sent
// change. A new password needs the current one and ends every session of
// the account, this one included: the answer then carries a new session
// "token" for the caller.
func (h *Handler) putAccount(c *call) error {
	var in struct {
		OldPassword  *string `json:"old_password"`
		NewPassword  *string `json:"new_password"`
		LastName     *string `json:"lastname"`
		FirstName    *string `json:"firstname"`
		Email        *string `json:"email"`
		Phone        *string `json:"phone"`
		Organization *string `json:"organization"`
		Language     *string `json:"language"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	f := fields{}
	if in.NewPassword != nil && (in.OldPassword == nil || *in.OldPassword == "") {
		f.add("old_password", fieldRequired)
	}
	if in.OldPassword != nil && (in.NewPassword == nil || *in.NewPassword == "") {
		f.add("new_password", fieldRequired)
	}
	if err := f.err(); err != nil {
		return err
	}
	if in.NewPassword != nil {
		if err := c.checkPassword(*in.OldPassword); err != nil {
			return err
		}
	}
	u, err := h.opts.Auth.UpdateUser(c.ctx, c.p.Login, auth.UserChange{
		FirstName: in.FirstName, LastName: in.LastName, Email: in.Email, Phone: in.Phone,
		Organization: in.Organization, Language: in.Language, Password: in.NewPassword,
	})
	if err != nil {
		return fieldRenamed(err, "password", "new_password")
	}
	o, err := c.userObject(u)
	if err != nil {
		return err
	}
	o.CurrentLanguage = c.currentLanguage(u.Language)
	if in.NewPassword == nil {
		return c.json(http.StatusOK, o)
	}
	token, _, err := h.opts.Auth.IssueToken(c.ctx, u.ID, auth.SessionToken, "rest session")
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, struct {
		User
		Token string `json:"token"`
	}{o, token})
}

// checkPassword verifies the caller's current password as a login does, so
// that a stolen session cannot guess it faster than the login form: the
// same back-off applies, and the attempt is audited.
func (c *call) checkPassword(password string) error {
	_, err := c.h.opts.Auth.Login(c.ctx, c.p.Login, password, c.origin())
	if storage.Is(storage.Unauthenticated, err) {
		return invalid("old_password", msgWrongPassword)
	}
	return err
}

// Coffre sends no e-mail yet, so a reset request can only be recorded for
// the administrators, who reset the password themselves.
var msgResetRecorded = text{
	"Demande enregistrée. Cette plateforme n'envoie pas d'e-mail : si ce compte existe, un administrateur doit réinitialiser son mot de passe.",
	"Request recorded. This platform sends no e-mail: if this account exists, an administrator must reset its password.",
}

// maxLoginOrEmail bounds what a reset request may name.
const maxLoginOrEmail = 1024

// resetPassword records a password reset request in the audit log (type
// password_reset_request) and answers 202 with the same message whether or
// not an account matches, so that nobody learns which accounts exist.
func (h *Handler) resetPassword(c *call) error {
	var in struct {
		LoginOrEmail *string `json:"login_or_email"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	asked := ""
	if in.LoginOrEmail != nil {
		asked = strings.TrimSpace(*in.LoginOrEmail)
	}
	if asked == "" {
		return invalid("login_or_email", fieldRequired)
	}
	if len(asked) > maxLoginOrEmail {
		return invalid("login_or_email", text{"Au plus %d caractères.", "At most %d characters."}, maxLoginOrEmail)
	}
	if h.opts.Audit != nil {
		u, err := c.accountNamed(asked)
		if err != nil {
			return err
		}
		detail := "matches no account"
		if u != nil {
			detail = "matches the account " + u.Login + " (" + u.ID + ")"
		}
		o := c.origin()
		_, err = h.opts.Audit.Record(audit.Entry{
			IP: o.IP, UserAgent: o.UserAgent, Protocol: o.Protocol, Type: "password_reset_request", OK: true,
			ObjectType: "user", ObjectName: asked,
			Detail: detail + "; no e-mail is sent: an administrator must reset the password",
		})
		if err != nil {
			return err
		}
	}
	return c.json(http.StatusAccepted, map[string]string{"message": msgResetRecorded.in(c.lang())})
}

// accountNamed is the account whose login or one of whose e-mail addresses
// is name (without case), or nil. Every account is read whatever the
// answer, so that the time taken does not tell either.
func (c *call) accountNamed(name string) (*auth.User, error) {
	all, err := c.allUsers()
	if err != nil {
		return nil, err
	}
	var found *auth.User
	for i, u := range all {
		match := strings.EqualFold(u.Login, name)
		for _, a := range strings.Split(u.Email, ",") {
			match = match || strings.EqualFold(strings.TrimSpace(a), name)
		}
		if match && found == nil {
			found = &all[i]
		}
	}
	return found, nil
}

// allUsers reads every account, in login order.
func (c *call) allUsers() ([]auth.User, error) {
	var all []auth.User
	after := ""
	for {
		page, next, err := c.h.opts.Auth.Users(c.ctx, after, 1000)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		if next == "" {
			return all, nil
		}
		after = next
	}
}
