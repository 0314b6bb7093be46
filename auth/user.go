package auth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"slices"
	"time"

	"coffre/storage"
	"coffre/storage/meta"
)

// User is a user account as the API shows it: never its password.
type User struct {
	ID        string // stable and random; a login can change, the ID never does
	Login     string
	FirstName string
	LastName  string
	Email     string // one address or several separated by commas
	Language  string // auto, fr, en, de, es, it, nl
	Role      Role
	Active    bool
	Expires   time.Time // zero: never; from then on the account counts as inactive
	Quota     int64     // bytes of content the user may own; 0 unlimited
	Created   time.Time
	Groups    []string // IDs of the groups the user belongs to
	// HasPassword is false for accounts that can only use keys and tokens.
	HasPassword bool
	// Phone and Organization are free text kept for clients of the API
	// (NetExplorer's "phone" holds numbers separated by commas).
	Phone, Organization string
}

// userRecord is what a/u/<login> and a/i/<id> hold (the same bytes).
// Inactive rather than active, so that records written before the flag
// existed read as active.
type userRecord struct {
	ID        string    `json:"id"`
	Login     string    `json:"login"`
	FirstName string    `json:"firstname,omitempty"`
	LastName  string    `json:"lastname,omitempty"`
	Email     string    `json:"email,omitempty"`
	Phone     string    `json:"phone,omitempty"`
	Org       string    `json:"organization,omitempty"`
	Language  string    `json:"language,omitempty"`
	Role      Role      `json:"role"`
	Inactive  bool      `json:"inactive,omitempty"`
	Expires   time.Time `json:"expires,omitzero"`
	Quota     int64     `json:"quota,omitempty"`
	Created   time.Time `json:"created"`
	Groups    []string  `json:"groups,omitempty"`
	Password  string    `json:"password,omitempty"` // PHC string, see the package doc
}

func (u *userRecord) public() User {
	lang := u.Language
	if lang == "" {
		lang = "auto"
	}
	return User{
		ID: u.ID, Login: u.Login, FirstName: u.FirstName, LastName: u.LastName, Email: u.Email,
		Language: lang, Role: u.Role, Active: !u.Inactive, Expires: u.Expires, Quota: u.Quota,
		Created: u.Created, Groups: slices.Clone(u.Groups), HasPassword: u.Password != "",
		Phone: u.Phone, Organization: u.Org,
	}
}

// usable reports whether the account may authenticate at now.
func (u *userRecord) usable(now time.Time) bool {
	return !u.Inactive && (u.Expires.IsZero() || now.Before(u.Expires))
}

func (u *userRecord) principal() storage.Principal {
	return storage.Principal{
		UserID: u.ID,
		Login:  u.Login,
		Groups: slices.Clone(u.Groups),
		Admin:  u.Role == RoleAdmin,
		Quota:  u.Quota,
	}
}

// putUser adds both copies of u to b.
func putUser(b *meta.Batch, u *userRecord) {
	setJSON(b, userKey(u.Login), u)
	setJSON(b, userIDKey(u.ID), u)
}

// newUserID returns a random 128-bit ID not in use.
func (s *Service) newUserID() (string, error) {
	for {
		id := make([]byte, 16)
		rand.Read(id) // never fails (crypto/rand)
		sid := "u-" + hex.EncodeToString(id)
		var other userRecord
		found, err := s.getJSON(userIDKey(sid), &other)
		if err != nil || !found {
			return sid, err
		}
	}
}

// userByLogin reads a user record by login (one Get).
func (s *Service) userByLogin(op, login string) (*userRecord, error) {
	login = normLogin(login)
	if login == "" {
		return nil, storage.Errorf(op, storage.NotFound, "", "no user %q", login)
	}
	var u userRecord
	found, err := s.getJSON(userKey(login), &u)
	if err != nil {
		return nil, metaErr(op, err)
	}
	if !found {
		return nil, storage.Errorf(op, storage.NotFound, "", "no user %q", login)
	}
	return &u, nil
}

// userByID reads a user record by ID (one Get).
func (s *Service) userByID(op, id string) (*userRecord, error) {
	var u userRecord
	found := false
	var err error
	if id != "" {
		found, err = s.getJSON(userIDKey(id), &u)
	}
	if err != nil {
		return nil, metaErr(op, err)
	}
	if !found {
		return nil, storage.Errorf(op, storage.NotFound, "", "no user with ID %q", id)
	}
	return &u, nil
}

// GetUser returns the user with this login, or kind NotFound.
func (s *Service) GetUser(ctx context.Context, login string) (User, error) {
	u, err := s.userByLogin("get user", login)
	if err != nil {
		return User{}, err
	}
	return u.public(), nil
}

// UserByID returns the user with this ID, or kind NotFound.
func (s *Service) UserByID(ctx context.Context, id string) (User, error) {
	u, err := s.userByID("get user", id)
	if err != nil {
		return User{}, err
	}
	return u.public(), nil
}

// Principal returns the principal of the user with this login, whether or
// not the account may authenticate now (the CLI acts for administrators), or
// kind NotFound.
func (s *Service) Principal(ctx context.Context, login string) (storage.Principal, error) {
	u, err := s.userByLogin("principal", login)
	if err != nil {
		return storage.Principal{}, err
	}
	return u.principal(), nil
}

// Users lists users in login order, at most limit (0: 100, at most 1000)
// starting after the login after; next is the last login of the page when
// more may follow, "" at the end.
func (s *Service) Users(ctx context.Context, after string, limit int) (users []User, next string, err error) {
	limit = pageLimit(limit)
	var start []byte
	if after != "" {
		start = append(userKey(normLogin(after)), 0)
	}
	err = s.m.ScanPrefix(usersPrefix, start, func(_, v []byte) error {
		if len(users) == limit {
			next = users[len(users)-1].Login
			return meta.ErrStop
		}
		var u userRecord
		if err := unmarshal(v, &u); err != nil {
			return err
		}
		users = append(users, u.public())
		return ctx.Err()
	})
	if err != nil {
		return nil, "", metaErr("list users", err)
	}
	return users, next, nil
}

// pageLimit applies the paging defaults: 0 means 100, at most 1000.
func pageLimit(n int) int {
	switch {
	case n <= 0:
		return 100
	case n > 1000:
		return 1000
	}
	return n
}

// ActivePrincipal returns the principal of the user with this ID when the
// account is active and unexpired: a share link acts on its owner's behalf
// only while the owner may. NotFound when the account is gone;
// Unauthenticated when it is disabled or expired.
func (s *Service) ActivePrincipal(ctx context.Context, id string) (storage.Principal, error) {
	const op = "principal"
	u, err := s.userByID(op, id)
	if err != nil {
		return storage.Principal{}, err
	}
	if u.Inactive || !u.usable(s.now()) {
		return storage.Principal{}, storage.Errorf(op, storage.Unauthenticated, "", "account %q is disabled or expired", u.Login)
	}
	return u.principal(), nil
}
