package auth

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"

	"coffre/storage"
)

// AdminLogin is the login of the administrator created at first start.
const AdminLogin = "admin"

// BootstrapInput holds the administrator's credentials chosen by the operator
// (COFFRE_ADMIN_PASSWORD, COFFRE_ADMIN_ACCESS_KEY, COFFRE_ADMIN_SECRET_KEY,
// read by main). Empty fields are generated.
type BootstrapInput struct {
	Password  string
	AccessKey string
	SecretKey string
}

// Credentials are the administrator's credentials. Bootstrap fills in only the
// fields it generated, so that the caller can print those once.
type Credentials struct {
	Login     string
	Password  string
	AccessKey string
	SecretKey string
}

// Limits on operator-chosen credentials.
const (
	minPassword  = 8
	minAccessKey = 3
	maxAccessKey = 128
	minSecretKey = 8
	maxSecretKey = 128
)

// Bootstrap creates the administrator AdminLogin (role RoleAdmin) and its S3
// key if no such user exists yet; otherwise it changes nothing, ignores in and
// returns created == false. The user and its key are written in one batch.
func (s *Service) Bootstrap(ctx context.Context, in BootstrapInput) (created bool, generated Credentials, err error) {
	const op = "bootstrap"
	if err := validateInput(in); err != nil {
		return false, Credentials{}, storage.E(op, storage.Invalid, "", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return false, Credentials{}, err
	}
	var existing userRecord
	found, err := s.getJSON(userKey(AdminLogin), &existing)
	if err != nil {
		return false, Credentials{}, storage.E(op, storage.Unavailable, "", err)
	}
	if found {
		return false, Credentials{}, nil
	}

	generated.Login = AdminLogin
	full := in
	if full.Password == "" {
		full.Password = randomString(passwordAlphabet, 24)
		generated.Password = full.Password
	}
	if full.AccessKey == "" {
		full.AccessKey = randomString(accessAlphabet, 20)
		generated.AccessKey = full.AccessKey
	}
	if full.SecretKey == "" {
		full.SecretKey = randomString(secretAlphabet, 40)
		generated.SecretKey = full.SecretKey
	}

	var taken key
	if found, err := s.getJSON(accessKey(full.AccessKey), &taken); err != nil {
		return false, Credentials{}, storage.E(op, storage.Unavailable, "", err)
	} else if found {
		return false, Credentials{}, storage.Errorf(op, storage.Exists, "", "access key already belongs to %q", taken.Login)
	}

	hash, err := s.hash(full.Password)
	if err != nil {
		return false, Credentials{}, storage.E(op, storage.Other, "", err)
	}
	id, err := s.newUserID()
	if err != nil {
		return false, Credentials{}, metaErr(op, err)
	}
	u := &userRecord{ID: id, Login: AdminLogin, Role: RoleAdmin, Language: "auto", Password: hash, Created: s.now().UTC()}
	k, err := s.newKeyRecord(u, full.AccessKey, full.SecretKey)
	if err != nil {
		return false, Credentials{}, storage.E(op, storage.Other, "", err)
	}
	b := s.m.NewBatch()
	putUser(b, u)
	setJSON(b, accessKey(full.AccessKey), &k)
	b.Set(userKeyIndex(u.ID, full.AccessKey), nil)
	if err := commit(op, b); err != nil {
		return false, Credentials{}, err
	}
	s.log.Info("administrator created", "login", AdminLogin, "access_key", full.AccessKey)
	return true, generated, nil
}

func validateInput(in BootstrapInput) error {
	if in.Password != "" && len(in.Password) < minPassword {
		return fmt.Errorf("COFFRE_ADMIN_PASSWORD must be at least %d characters", minPassword)
	}
	if in.AccessKey != "" {
		if len(in.AccessKey) < minAccessKey || len(in.AccessKey) > maxAccessKey {
			return fmt.Errorf("COFFRE_ADMIN_ACCESS_KEY must be %d to %d characters", minAccessKey, maxAccessKey)
		}
		if strings.Trim(in.AccessKey, accessKeyChars) != "" {
			return fmt.Errorf("COFFRE_ADMIN_ACCESS_KEY may hold only letters, digits, '.', '_' and '-'")
		}
	}
	if in.SecretKey != "" && (len(in.SecretKey) < minSecretKey || len(in.SecretKey) > maxSecretKey) {
		return fmt.Errorf("COFFRE_ADMIN_SECRET_KEY must be %d to %d characters", minSecretKey, maxSecretKey)
	}
	return nil
}

const (
	accessKeyChars   = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-"
	accessAlphabet   = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	secretAlphabet   = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	passwordAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789" // no 0/O, 1/l/I
)

// randomString returns n characters drawn uniformly from alphabet with
// crypto/rand (rejection sampling, so no modulo bias).
func randomString(alphabet string, n int) string {
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	for len(out) < n {
		rand.Read(buf) // never fails (crypto/rand)
		for _, c := range buf {
			if int(c) < limit && len(out) < n {
				out = append(out, alphabet[int(c)%len(alphabet)])
			}
		}
	}
	return string(out)
}

// GeneratePassword returns a random 24-character password without
// look-alike characters, as Bootstrap generates.
func GeneratePassword() string { return randomString(passwordAlphabet, 24) }
