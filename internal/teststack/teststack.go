// Package teststack builds, for tests of the front ends and tools, the real
// stack Coffre serves: Pebble in a temporary folder, four drive folders with
// 2+2 erasure coding, the engine, the identities and the audit log. No mocks.
package teststack

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"coffre/auth"
	"coffre/storage"
	"coffre/storage/audit"
	"coffre/storage/blob"
	"coffre/storage/engine"
	"coffre/storage/meta"
)

// Stack is a running engine and auth service over one metadata store.
type Stack struct {
	Meta   *meta.Store
	Blob   *blob.Store
	Engine *engine.Engine
	Auth   *auth.Service
	Audit  *audit.Log // receives the engine's and auth's entries
}

// User is a user made for a test, with a password and an S3 access key.
type User struct {
	Login, Password string
	Access, Secret  string // S3 access key and its secret
	Principal       storage.Principal
}

// New opens a stack in a temporary folder of t. When the test ends, after
// the cleanups registered later (servers stop first), it checks that the
// namespace's records agree with each other (engine.Verify) and closes the
// stack.
func New(t testing.TB, opts engine.Options) *Stack {
	t.Helper()
	dir := t.TempDir()
	m, err := meta.Open(filepath.Join(dir, "meta"), meta.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var drives []blob.Drive
	for i := 1; i <= 4; i++ {
		d, err := blob.LocalDrive(filepath.Join(dir, fmt.Sprintf("d%d", i)))
		if err != nil {
			t.Fatal(err)
		}
		drives = append(drives, d)
	}
	b, err := blob.New(m, drives, blob.Options{DataShards: 2, ParityShards: 2, MasterKey: bytes.Repeat([]byte{7}, 32)})
	if err != nil {
		t.Fatal(err)
	}
	al, err := audit.New(m, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if opts.Audit == nil {
		opts.Audit = al
	}
	e, err := engine.New(m, b, opts)
	if err != nil {
		t.Fatal(err)
	}
	a, err := auth.New(m, bytes.Repeat([]byte{9}, 32), auth.Options{Argon2: auth.Argon2Params{Memory: 64, Time: 1, Threads: 1}, Audit: al})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		r, err := e.Verify(context.Background())
		if err != nil {
			t.Errorf("verify: %v", err)
		}
		for _, p := range r.Problems {
			t.Errorf("verify: %s", p)
		}
		m.Close()
	})
	return &Stack{Meta: m, Blob: b, Engine: e, Auth: a, Audit: al}
}

// NewUser creates a user with a password ("<login>-secret-password") and an
// S3 access key.
func (s *Stack) NewUser(t testing.TB, login string, role auth.Role) User {
	t.Helper()
	ctx := context.Background()
	u := User{Login: login, Password: login + "-secret-password"}
	if _, err := s.Auth.CreateUser(ctx, auth.NewUser{Login: login, Role: role, Password: u.Password}); err != nil {
		t.Fatal(err)
	}
	k, secret, err := s.Auth.CreateKey(ctx, login)
	if err != nil {
		t.Fatal(err)
	}
	if u.Principal, err = s.Auth.Principal(ctx, login); err != nil {
		t.Fatal(err)
	}
	u.Access, u.Secret = k.AccessKey, secret
	return u
}

// As is the namespace as u sees it, to arrange or check state behind a
// front end's back.
func (s *Stack) As(u User) storage.Namespace { return s.Engine.As(u.Principal) }
