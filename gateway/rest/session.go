package rest

import (
	"net/http"

	"coffre/auth"
	"coffre/storage"
)

// Sessions: POST /api/auth {user, password} → {token}; DELETE /api/auth.

func (h *Handler) sessionRoutes() {
	h.public("POST /api/auth", h.login)
	h.handle("DELETE /api/auth", h.logout)
}

var msgBadLogin = text{"Identifiant ou mot de passe incorrect.", "Wrong login or password."}

func (h *Handler) login(c *call) error {
	var in struct {
		User     *string `json:"user"`
		Password *string `json:"password"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	f := fields{}
	if in.User == nil || *in.User == "" {
		f.add("user", fieldRequired)
	}
	if in.Password == nil || *in.Password == "" {
		f.add("password", fieldRequired)
	}
	if err := f.err(); err != nil {
		return err
	}
	p, err := h.opts.Auth.Login(c.ctx, *in.User, *in.Password, c.origin())
	if storage.Is(storage.Unauthenticated, err) {
		return &apiError{status: http.StatusUnauthorized, msg: msgBadLogin, err: err}
	}
	if err != nil {
		return err
	}
	token, info, err := h.opts.Auth.IssueToken(c.ctx, p.UserID, auth.SessionToken, "rest session")
	if err != nil {
		return err
	}
	return c.json(http.StatusOK, map[string]string{"token": token, "expires": date(info.Expires)})
}

func (h *Handler) logout(c *call) error {
	if err := h.opts.Auth.RevokeTokenValue(c.ctx, c.token); err != nil {
		return err
	}
	return c.noContent()
}
