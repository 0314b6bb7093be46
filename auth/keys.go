package auth

import (
	"context"
	"errors"
	"sort"
	"time"

	"coffre/storage"
	"coffre/storage/meta"
)

// AccessKey describes an S3 access key; the secret is never listed.
type AccessKey struct {
	AccessKey string
	UserID    string
	Created   time.Time
}

// key is the record stored at a/k/<access key>.
type key struct {
	UserID  string    `json:"user,omitempty"`
	Login   string    `json:"login"`  // the owner's login when the key was made (logins change; UserID decides)
	Secret  []byte    `json:"secret"` // sealed, see the package doc
	Created time.Time `json:"created"`
}

// newKeyRecord seals secret for access and returns the record.
func (s *Service) newKeyRecord(u *userRecord, access, secret string) (key, error) {
	sealed, err := seal(s.aead, []byte(secret), []byte(access))
	if err != nil {
		return key{}, err
	}
	return key{UserID: u.ID, Login: u.Login, Secret: sealed, Created: s.now().UTC()}, nil
}

// CreateKey makes a new S3 key for login: a 20-character access key and a
// 40-character secret, returned once; the secret is stored sealed.
func (s *Service) CreateKey(ctx context.Context, login string) (AccessKey, string, error) {
	const op = "create key"
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.userByLogin(op, login)
	if err != nil {
		return AccessKey{}, "", err
	}
	var access string
	for {
		access = randomString(accessAlphabet, 20)
		var other key
		found, err := s.getJSON(accessKey(access), &other)
		if err != nil {
			return AccessKey{}, "", metaErr(op, err)
		}
		if !found {
			break
		}
	}
	secret := randomString(secretAlphabet, 40)
	k, err := s.newKeyRecord(u, access, secret)
	if err != nil {
		return AccessKey{}, "", storage.E(op, storage.Other, "", err)
	}
	b := s.m.NewBatch()
	setJSON(b, accessKey(access), &k)
	b.Set(userKeyIndex(u.ID, access), nil)
	if err := commit(op, b); err != nil {
		return AccessKey{}, "", err
	}
	s.log.Info("access key created", "login", u.Login, "access_key", access)
	return AccessKey{AccessKey: access, UserID: u.ID, Created: k.Created}, secret, nil
}

// Keys lists login's access keys, oldest first, without their secrets.
func (s *Service) Keys(ctx context.Context, login string) ([]AccessKey, error) {
	const op = "list keys"
	u, err := s.userByLogin(op, login)
	if err != nil {
		return nil, err
	}
	var out []AccessKey
	p := userKeysPrefix(u.ID)
	err = s.m.ScanPrefix(p, nil, func(k, _ []byte) error {
		access := string(k[len(p):])
		var r key
		found, err := s.getJSON(accessKey(access), &r)
		if err != nil {
			return err
		}
		if found {
			out = append(out, AccessKey{AccessKey: access, UserID: u.ID, Created: r.Created})
		}
		return ctx.Err()
	})
	if err != nil {
		return nil, metaErr(op, err)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.Before(out[j].Created) })
	return out, nil
}

// RevokeKey deletes login's access key (NotFound when login holds no such
// key).
func (s *Service) RevokeKey(ctx context.Context, login, access string) error {
	const op = "revoke key"
	s.mu.Lock()
	defer s.mu.Unlock()
	u, err := s.userByLogin(op, login)
	if err != nil {
		return err
	}
	var k key
	found, err := s.getJSON(accessKey(access), &k)
	if err != nil {
		return metaErr(op, err)
	}
	if !found || k.UserID != u.ID {
		return storage.Errorf(op, storage.NotFound, "", "%s has no access key %q", u.Login, access)
	}
	b := s.m.NewBatch()
	b.Delete(accessKey(access))
	b.Delete(userKeyIndex(u.ID, access))
	if err := commit(op, b); err != nil {
		return err
	}
	s.log.Info("access key revoked", "login", u.Login, "access_key", access)
	return nil
}

// SecretKey returns the principal owning an S3 access key, used from o, and
// the plaintext secret for SigV4 verification. An unknown key, or a
// disabled or expired owner, fails with Unauthenticated; connection options
// refuse with Permission.
func (s *Service) SecretKey(ctx context.Context, access string, o Origin) (storage.Principal, string, error) {
	const op = "secret key"
	var k key
	found, err := s.getJSON(accessKey(access), &k)
	if err != nil {
		return storage.Principal{}, "", metaErr(op, err)
	}
	if !found {
		return storage.Principal{}, "", storage.Errorf(op, storage.Unauthenticated, "", "unknown access key")
	}
	u, err := s.userByID(op, k.UserID)
	if storage.Is(storage.NotFound, err) {
		return storage.Principal{}, "", storage.Errorf(op, storage.Unauthenticated, "", "unknown access key")
	} else if err != nil {
		return storage.Principal{}, "", err
	}
	if err := s.admit(op, u, o.IP); err != nil {
		return storage.Principal{}, "", err
	}
	plain, err := open(s.aead, k.Secret, []byte(access))
	if err != nil {
		return storage.Principal{}, "", storage.E(op, storage.Corrupt, "", err)
	}
	return u.principal(), string(plain), nil
}

// upgrade brings records of earlier versions to the current layout: user
// records get their a/i/<id> copy, key records their owner's ID and their
// a/ku/ index. It writes nothing when everything is current.
func (s *Service) upgrade() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.m.NewBatch()
	byLogin := map[string]*userRecord{}
	err := s.m.ScanPrefix(usersPrefix, nil, func(_, v []byte) error {
		var u userRecord
		if err := unmarshal(v, &u); err != nil {
			return err
		}
		byLogin[u.Login] = &u
		if _, err := s.m.Get(userIDKey(u.ID)); errors.Is(err, meta.ErrNotFound) {
			setJSON(b, userIDKey(u.ID), &u)
		} else if err != nil {
			return err
		}
		return nil
	})
	if err == nil {
		err = s.m.ScanPrefix(keysPrefix, nil, func(kk, v []byte) error {
			var k key
			if err := unmarshal(v, &k); err != nil {
				return err
			}
			if k.UserID == "" {
				if u := byLogin[k.Login]; u != nil {
					k.UserID = u.ID
					setJSON(b, kk, &k)
					b.Set(userKeyIndex(u.ID, string(kk[len(keysPrefix):])), nil)
				}
			}
			return nil
		})
	}
	if err != nil {
		b.Discard()
		return err
	}
	if b.Empty() {
		b.Discard()
		return nil
	}
	return b.Commit()
}
