package auth

import (
	"context"
	"time"

	"coffre/storage"
	"coffre/storage/meta"
)

// NewUser is what CreateUser needs. Only Login is required.
type NewUser struct {
	Login     string
	FirstName string
	LastName  string
	Email     string
	Language  string // "" means auto
	Role      Role   // 0 means RoleUser
	Disabled  bool   // create the account inactive
	Expires   time.Time
	Quota     int64
	// Password is the initial password; "" creates an account that only
	// keys and tokens open.
	Password string
	// Phone and Organization are free text (see User).
	Phone, Organization string
}

// UserChange lists the fields UpdateUser changes; nil fields stay.
type UserChange struct {
	Login     *string
	FirstName *string
	LastName  *string
	Email     *string
	Language  *string
	Role      *Role
	Active    *bool
	Expires   *time.Time // a zero time removes the expiry
	Quota     *int64
	Password  *string // "" removes the password
	// Phone and Organization are free text (see User).
	Phone, Organization *string
}

func validateUser(op string, u *userRecord) error {
	if err := validLogin(op, u.Login); err != nil {
		return err
	}
	if err := validName(op, "firstname", u.FirstName, false); err != nil {
		return err
	}
	if err := validName(op, "lastname", u.LastName, false); err != nil {
		return err
	}
	if err := validName(op, "phone", u.Phone, false); err != nil {
		return err
	}
	if err := validName(op, "organization", u.Org, false); err != nil {
		return err
	}
	if err := validEmail(op, u.Email); err != nil {
		return err
	}
	if err := validLanguage(op, u.Language); err != nil {
		return err
	}
	if err := validRole(op, u.Role); err != nil {
		return err
	}
	if u.Quota < 0 {
		return invalid(op, "quota", "must be 0 (unlimited) or a number of bytes", "Doit être 0 (illimité) ou un nombre d'octets.")
	}
	return nil
}

// CreateUser creates a user with a new random ID. Errors: Invalid naming the
// field, Exists when the login is taken.
func (s *Service) CreateUser(ctx context.Context, in NewUser) (User, error) {
	const op = "create user"
	now := s.now().UTC()
	u := &userRecord{
		Login: normLogin(in.Login), FirstName: in.FirstName, LastName: in.LastName, Email: in.Email,
		Language: in.Language, Role: in.Role, Inactive: in.Disabled, Expires: in.Expires.UTC(), Quota: in.Quota,
		Created: now, Phone: in.Phone, Org: in.Organization,
	}
	if in.Expires.IsZero() {
		u.Expires = time.Time{}
	}
	if u.Language == "" {
		u.Language = "auto"
	}
	if u.Role == 0 {
		u.Role = RoleUser
	}
	if err := validateUser(op, u); err != nil {
		return User{}, err
	}
	if in.Password != "" {
		if err := validPassword(op, in.Password); err != nil {
			return User{}, err
		}
		h, err := s.hash(in.Password)
		if err != nil {
			return User{}, storage.E(op, storage.Other, "", err)
		}
		u.Password = h
	}
	if err := ctx.Err(); err != nil {
		return User{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.userByLogin(op, u.Login); err == nil {
		return User{}, storage.Errorf(op, storage.Exists, "", "login %q is taken", u.Login)
	} else if !storage.Is(storage.NotFound, err) {
		return User{}, err
	}
	id, err := s.newUserID()
	if err != nil {
		return User{}, metaErr(op, err)
	}
	u.ID = id
	b := s.m.NewBatch()
	putUser(b, u)
	if err := commit(op, b); err != nil {
		return User{}, err
	}
	s.log.Info("user created", "login", u.Login, "id", u.ID, "role", int(u.Role))
	return u.public(), nil
}

// UpdateUser changes the fields set in ch. A new password replaces the old
// one, drops the verification cache and ends the user's sessions. The last
// active administrator cannot lose its role or be deactivated (Conflict).
func (s *Service) UpdateUser(ctx context.Context, login string, ch UserChange) (User, error) {
	const op = "update user"
	var newHash string
	if ch.Password != nil && *ch.Password != "" {
		if err := validPassword(op, *ch.Password); err != nil {
			return User{}, err
		}
		h, err := s.hash(*ch.Password)
		if err != nil {
			return User{}, storage.E(op, storage.Other, "", err)
		}
		newHash = h
	}
	if err := ctx.Err(); err != nil {
		return User{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old, err := s.userByLogin(op, login)
	if err != nil {
		return User{}, err
	}
	u := *old
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	if ch.Login != nil {
		u.Login = normLogin(*ch.Login)
	}
	set(&u.FirstName, ch.FirstName)
	set(&u.LastName, ch.LastName)
	set(&u.Email, ch.Email)
	set(&u.Phone, ch.Phone)
	set(&u.Org, ch.Organization)
	set(&u.Language, ch.Language)
	if ch.Role != nil {
		u.Role = *ch.Role
	}
	if ch.Active != nil {
		u.Inactive = !*ch.Active
	}
	if ch.Expires != nil {
		u.Expires = ch.Expires.UTC()
		if ch.Expires.IsZero() {
			u.Expires = time.Time{}
		}
	}
	if ch.Quota != nil {
		u.Quota = *ch.Quota
	}
	if ch.Password != nil {
		u.Password = newHash
	}
	if err := validateUser(op, &u); err != nil {
		return User{}, err
	}
	if old.Role == RoleAdmin && !old.Inactive && (u.Role != RoleAdmin || u.Inactive) {
		if err := s.needOtherAdmin(op, u.ID); err != nil {
			return User{}, err
		}
	}
	b := s.m.NewBatch()
	if u.Login != old.Login {
		if _, err := s.userByLogin(op, u.Login); err == nil {
			b.Discard()
			return User{}, storage.Errorf(op, storage.Exists, "", "login %q is taken", u.Login)
		} else if !storage.Is(storage.NotFound, err) {
			b.Discard()
			return User{}, err
		}
		b.Delete(userKey(old.Login))
	}
	putUser(b, &u)
	passwordChanged := ch.Password != nil
	if passwordChanged {
		if err := s.deleteTokens(b, u.ID, SessionToken); err != nil {
			b.Discard()
			return User{}, metaErr(op, err)
		}
	}
	if err := commit(op, b); err != nil {
		return User{}, err
	}
	if passwordChanged || u.Inactive || u.Login != old.Login {
		s.cache.drop(u.ID)
	}
	s.log.Info("user changed", "login", u.Login, "id", u.ID)
	return u.public(), nil
}

// SetPassword replaces a user's password (see UpdateUser).
func (s *Service) SetPassword(ctx context.Context, login, password string) error {
	_, err := s.UpdateUser(ctx, login, UserChange{Password: &password})
	return err
}

// DeleteUser removes a user with its S3 keys, tokens, connection options,
// picture and memberships. The ID is never handed out again. The last active
// administrator cannot be deleted (Conflict).
func (s *Service) DeleteUser(ctx context.Context, login string) error {
	const op = "delete user"
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.userByLogin(op, login)
	if err != nil {
		return err
	}
	if u.Role == RoleAdmin && !u.Inactive {
		if err := s.needOtherAdmin(op, u.ID); err != nil {
			return err
		}
	}
	b := s.m.NewBatch()
	b.Delete(userKey(u.Login))
	b.Delete(userIDKey(u.ID))
	b.Delete(userOptionsKey(u.ID))
	b.Delete(pictureKey(u.ID))
	err = s.m.ScanPrefix(userKeysPrefix(u.ID), nil, func(k, _ []byte) error {
		b.Delete(accessKey(string(k[len(userKeysPrefix(u.ID)):])))
		b.Delete(k)
		return nil
	})
	if err == nil {
		err = s.deleteTokens(b, u.ID, 0)
	}
	if err == nil {
		err = s.dropMember(b, u)
	}
	if err != nil {
		b.Discard()
		return metaErr(op, err)
	}
	if err := commit(op, b); err != nil {
		return err
	}
	s.cache.drop(u.ID)
	s.log.Info("user deleted", "login", u.Login, "id", u.ID)
	return nil
}

// needOtherAdmin fails with Conflict unless an active administrator other
// than id exists.
func (s *Service) needOtherAdmin(op, id string) error {
	found := false
	err := s.m.ScanPrefix(usersPrefix, nil, func(_, v []byte) error {
		var u userRecord
		if err := unmarshal(v, &u); err != nil {
			return err
		}
		if u.ID != id && u.Role == RoleAdmin && !u.Inactive {
			found = true
			return meta.ErrStop
		}
		return nil
	})
	if err != nil {
		return metaErr(op, err)
	}
	if !found {
		return storage.Errorf(op, storage.Conflict, "", "this is the last active administrator")
	}
	return nil
}
