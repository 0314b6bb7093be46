package rest

import (
	"encoding/json"
	"errors"
	"net/http"
	"slices"

	"coffre/auth"
	"coffre/storage"
	"coffre/storage/audit"
)

// Identities: the caller's account, users, groups and connection options
// (../shared/api/netexplorer-reference.md §3, §11, §13, §14).
//
// Who may do what: administrators (role 1) everything; managers (role 2)
// may see every account and group and create, change and delete the
// accounts of users and guests (roles 3 and 4), without making them
// administrators or managers or changing group memberships; everyone else
// sees only their own account (GET /api/user/{own id}) and changes it
// through /api/account.

func (h *Handler) identityRoutes() {
	h.handle("GET /api/account", h.getAccount)
	h.handle("PUT /api/account", h.putAccount)
	h.handle("GET /api/account/picture", h.getAccountPicture)
	h.handle("POST /api/account/picture", h.postAccountPicture)
	h.handle("DELETE /api/account/picture", h.deleteAccountPicture)
	h.public("POST /api/reset_password", h.resetPassword)

	h.handle("GET /api/users", h.listUsers)
	h.handle("GET /api/user/{id}", h.getUser)
	h.handle("GET /api/user/{id}/quota", h.getUserQuota)
	h.handle("POST /api/user", h.createUser)
	h.handle("PUT /api/user/{id}", h.updateUser)
	h.handle("DELETE /api/user/{id}", h.deleteUser)
	h.handle("GET /api/user/{id}/picture", h.getUserPicture)
	h.handle("POST /api/user/{id}/picture", h.postUserPicture)
	h.handle("DELETE /api/user/{id}/picture", h.deleteUserPicture)

	h.handle("GET /api/groups", h.listGroups)
	h.handle("GET /api/group/{id}", h.getGroup)
	h.handle("POST /api/group", h.createGroup)
	h.handle("PUT /api/group/{id}", h.updateGroup)
	h.handle("DELETE /api/group/{id}", h.deleteGroup)

	h.handle("GET /api/option/{id}", h.getOptions)
	h.handle("PUT /api/option/{id}", h.putOptions)
	h.handle("DELETE /api/option/{id}", h.deleteOptions)
}

var (
	msgOwnAccountOnly = text{"Vous ne pouvez consulter que votre propre compte.", "You may only see your own account."}
	msgStaffOnly      = text{
		"Réservé aux administrateurs et aux gestionnaires ; votre propre compte se modifie par /api/account.",
		"Administrators and managers only; change your own account through /api/account.",
	}
	msgManagerLimit = text{
		"Un gestionnaire ne gère que les comptes des utilisateurs et des invités (rôles 3 et 4).",
		"A manager manages only the accounts of users and guests (roles 3 and 4).",
	}
	msgMembershipAdmin = text{
		"Seuls les administrateurs peuvent changer les groupes d'un utilisateur.",
		"Only administrators may change a user's groups.",
	}
	msgNoUser  = text{"Cet utilisateur n'existe pas.", "No such user."}
	msgNoGroup = text{"Ce groupe n'existe pas.", "No such group."}
)

// callerRole is the caller's role; an account that vanished meanwhile
// counts as a guest.
func (c *call) callerRole() auth.Role {
	if u := c.user(c.p.UserID); u != nil {
		return u.Role
	}
	return auth.RoleGuest
}

// staff fails unless the caller is an administrator or a manager, who may
// see every account and group.
func (c *call) staff() error {
	if r := c.callerRole(); r != auth.RoleAdmin && r != auth.RoleManager {
		return fail(http.StatusForbidden, msgOwnAccountOnly)
	}
	return nil
}

// mayManage fails unless the caller may manage an account of role r (or
// give that role): administrators any, managers users and guests.
func (c *call) mayManage(r auth.Role) error {
	switch c.callerRole() {
	case auth.RoleAdmin:
		return nil
	case auth.RoleManager:
		if r == auth.RoleUser || r == auth.RoleGuest {
			return nil
		}
		return fail(http.StatusForbidden, msgManagerLimit)
	}
	return fail(http.StatusForbidden, msgStaffOnly)
}

// targetUser is the account whose ID is the path value "id", if the caller
// may see it: its own, or any for staff. Others are refused whether or not
// the account exists, so nothing leaks.
func (c *call) targetUser() (auth.User, error) {
	id := c.r.PathValue("id")
	if id != c.p.UserID {
		if err := c.staff(); err != nil {
			return auth.User{}, err
		}
	}
	return c.userByID(id)
}

// userByID is the account with this ID, a 404 when there is none.
func (c *call) userByID(id string) (auth.User, error) {
	u, err := c.h.opts.Auth.UserByID(c.ctx, id)
	if storage.Is(storage.NotFound, err) {
		return auth.User{}, &apiError{status: http.StatusNotFound, msg: msgNoUser, err: err}
	}
	return u, err
}

// groupByID is the group with this ID, a 404 when there is none.
func (c *call) groupByID(id string) (auth.Group, error) {
	g, err := c.h.opts.Auth.GroupByID(c.ctx, id)
	if storage.Is(storage.NotFound, err) {
		return auth.Group{}, &apiError{status: http.StatusNotFound, msg: msgNoGroup, err: err}
	}
	return g, err
}

// User is the seed's "Utilisateur". Coffre has no directory (ldap), no
// second factor (has_mfa_*, can_mfa_*) and lets everyone edit their
// account (can_edit_options).
type User struct {
	ID              string     `json:"id"`
	FirstName       string     `json:"firstname"`
	LastName        string     `json:"lastname"`
	Login           string     `json:"login"`
	Email           string     `json:"email"`
	Roots           []int64    `json:"roots"`
	Organization    string     `json:"organization"`
	Phone           string     `json:"phone"`
	Active          bool       `json:"active"`
	Language        string     `json:"language"`
	CurrentLanguage string     `json:"current_language,omitempty"` // GET /api/account only
	Quota           *int64     `json:"quota"`                      // null: unlimited
	Expire          *string    `json:"expire"`
	CreationDate    *string    `json:"creation_date"`
	LastLogin       *string    `json:"last_login"`
	LDAP            bool       `json:"ldap"`
	CanEditOptions  bool       `json:"can_edit_options"`
	CanAdmin        bool       `json:"can_admin"`
	CanAdminUsers   bool       `json:"can_admin_users"`
	Groups          []GroupRef `json:"groups"`
	HasMFAYubikey   bool       `json:"has_mfa_yubikey"`
	HasMFAOTP       bool       `json:"has_mfa_otp"`
	HasMFASMS       bool       `json:"has_mfa_sms"`
	CanMFAYubikey   bool       `json:"can_mfa_yubikey"`
	CanMFAOTP       bool       `json:"can_mfa_otp"`
	CanMFASMS       bool       `json:"can_mfa_sms"`
	MFARequired     bool       `json:"mfa_required"`
	Role            int        `json:"role"`
}

// GroupRef is a group as a User lists it.
type GroupRef struct {
	ID    string `json:"id"`
	Login string `json:"login"`
	LDAP  bool   `json:"ldap"`
}

// userObject describes an account: its root folders are what "/" holds for
// it, its last login is the newest successful one in the audit log.
func (c *call) userObject(u auth.User) (User, error) {
	roots, err := c.rootIDsOf(u.Login)
	if err != nil {
		return User{}, err
	}
	last, err := c.lastLogin(u.ID)
	if err != nil {
		return User{}, err
	}
	o := User{
		ID: u.ID, FirstName: u.FirstName, LastName: u.LastName, Login: u.Login, Email: u.Email,
		Roots: roots, Organization: u.Organization, Phone: u.Phone, Active: u.Active, Language: u.Language,
		Expire: optDate(u.Expires), CreationDate: optDate(u.Created), LastLogin: last,
		CanEditOptions: true, CanAdmin: u.Role == auth.RoleAdmin,
		CanAdminUsers: u.Role == auth.RoleAdmin || u.Role == auth.RoleManager,
		Groups:        []GroupRef{}, Role: int(u.Role),
	}
	if u.Quota > 0 {
		o.Quota = &u.Quota
	}
	for _, id := range u.Groups {
		g, err := c.h.opts.Auth.GroupByID(c.ctx, id)
		if storage.Is(storage.NotFound, err) {
			continue
		}
		if err != nil {
			return User{}, err
		}
		o.Groups = append(o.Groups, GroupRef{ID: g.ID, Login: g.Name})
	}
	return o, nil
}

// rootIDsOf are the IDs of the folders at the top of the tree as the user with
// this login sees it.
func (c *call) rootIDsOf(login string) ([]int64, error) {
	p, err := c.h.opts.Auth.Principal(c.ctx, login)
	if err != nil {
		return nil, err
	}
	ns := c.h.opts.Service.As(p)
	ids := []int64{}
	opt := storage.ListOptions{}
	for {
		page, err := ns.List(c.ctx, "/", opt)
		if err != nil {
			return nil, err
		}
		for _, it := range page.Items {
			if it.Dir {
				ids = append(ids, apiID(it.ID))
			}
		}
		if page.Next == "" {
			return ids, nil
		}
		opt.After = page.Next
	}
}

// lastLogin is the time of the user's newest successful login within the
// audit log's retention, or null. Failed logins with a wrong password carry
// no user ID, so the newest few entries of the user suffice.
func (c *call) lastLogin(userID string) (*string, error) {
	if c.h.opts.Audit == nil {
		return nil, nil
	}
	page, err := c.h.opts.Audit.Query(c.ctx, audit.Query{UserID: userID, Types: []string{"login"}, Newest: true, Limit: 20})
	if err != nil {
		return nil, err
	}
	for _, e := range page.Entries {
		if e.OK {
			return optDate(e.Time), nil
		}
	}
	return nil, nil
}

// optionalField is a JSON field that may be absent, null or a value, so that a
// partial update tells "leave it" from "clear it".
type optionalField[T any] struct {
	set  bool // present, null included
	null bool
	v    T
}

func (o *optionalField[T]) UnmarshalJSON(b []byte) error {
	o.set = true
	if string(b) == "null" {
		o.null = true
		return nil
	}
	return json.Unmarshal(b, &o.v)
}

var msgBadIDList = text{
	"Doit être une liste d'identifiants, ou d'objets portant un « id ».",
	`Must be a list of IDs, or of objects with an "id".`,
}

// idList reads a "groups" or "members" array: IDs, or objects with an "id"
// (the objects the API returns), without repeats.
func idList(field string, raw []json.RawMessage) ([]string, error) {
	ids := []string{}
	for _, r := range raw {
		var id string
		if err := json.Unmarshal(r, &id); err != nil {
			var obj struct {
				ID *string `json:"id"`
			}
			if json.Unmarshal(r, &obj) != nil || obj.ID == nil {
				return nil, invalid(field, msgBadIDList)
			}
			id = *obj.ID
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// fieldRenamed gives a field error from auth the name the request used for that
// field (auth's "password" is new_password on /api/account).
func fieldRenamed(err error, from, to string) error {
	var fe *auth.FieldError
	if errors.As(err, &fe) && fe.Field == from {
		return authFieldError(to, fe, err)
	}
	return err
}

// idsChanged reports whether two ID sets differ.
func idsChanged(have, want []string) bool {
	if len(have) != len(want) {
		return true
	}
	for _, id := range want {
		if !slices.Contains(have, id) {
			return true
		}
	}
	return false
}
