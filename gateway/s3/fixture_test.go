package s3_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"

	"coffre/auth"
	"coffre/gateway"
	"coffre/gateway/s3"
	"coffre/storage"
	"coffre/storage/blob"
	"coffre/storage/engine"
	"coffre/storage/meta"
)

var ctx = context.Background()

// creds are one user's S3 credentials.
type creds struct {
	Access, Secret string
	Principal      storage.Principal
}

// server is the S3 handler over a real engine (Pebble, four drive folders,
// 2+2 erasure coding) and real auth, on a loopback HTTP server. Admin is an
// administrator; User ("bob") is an ordinary user who starts with no rights.
type server struct {
	URL         string
	Engine      *engine.Engine
	Auth        *auth.Service
	Admin, User creds
}

// newServer starts a server for one test; the test's cleanup stops it and
// checks the namespace's consistency.
func newServer(t testing.TB) *server {
	return newServerWith(t, func(*s3.Options) {})
}

// newServerWith lets a test change the handler's options.
func newServerWith(t testing.TB, configure func(*s3.Options)) *server {
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
	e, err := engine.New(m, b, engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := auth.New(m, bytes.Repeat([]byte{9}, 32), auth.Options{Argon2: auth.Argon2Params{Memory: 64, Time: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	s := &server{Engine: e, Auth: a}
	s.Admin = s.newUser(t, "admin", auth.RoleAdmin)
	s.User = s.newUser(t, "bob", auth.RoleUser)
	opts := s3.Options{Service: e, Keys: a.SecretKey}
	configure(&opts)
	ts := httptest.NewServer(gateway.Wrap(s3.New(opts), slog.New(slog.DiscardHandler)))
	s.URL = ts.URL
	t.Cleanup(func() {
		ts.Close()
		r, err := e.Verify(ctx)
		if err != nil {
			t.Errorf("verify: %v", err)
		}
		for _, p := range r.Problems {
			t.Errorf("verify: %s", p)
		}
		b.Close()
		m.Close()
	})
	return s
}

// newUser creates a user with an access key.
func (s *server) newUser(t testing.TB, login string, role auth.Role) creds {
	t.Helper()
	if _, err := s.Auth.CreateUser(ctx, auth.NewUser{Login: login, Role: role}); err != nil {
		t.Fatal(err)
	}
	k, secret, err := s.Auth.CreateKey(ctx, login)
	if err != nil {
		t.Fatal(err)
	}
	p, err := s.Auth.Principal(ctx, login)
	if err != nil {
		t.Fatal(err)
	}
	return creds{Access: k.AccessKey, Secret: secret, Principal: p}
}

// As is the namespace as a user sees it, to arrange or check state behind
// the S3 layer's back.
func (s *server) As(c creds) storage.Namespace { return s.Engine.As(c.Principal) }

// SDK is an aws-sdk-go-v2 S3 client for c, path style. Built from bare
// options, it sends no checksums; sdkVia (object_test.go) gives the default
// configuration's behaviour (trailing CRC32 on uploads).
func (s *server) SDK(c creds, optFns ...func(*awss3.Options)) *awss3.Client {
	return awss3.New(awss3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(s.URL),
		UsePathStyle: true,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: c.Access, SecretAccessKey: c.Secret}, nil
		}),
		HTTPClient: http.DefaultClient,
	}, optFns...)
}

// Minio is a minio-go client for c.
func (s *server) Minio(t testing.TB, c creds) *minio.Client {
	t.Helper()
	cl, err := minio.New(s.URL[len("http://"):], &minio.Options{
		Creds:        miniocreds.NewStaticV4(c.Access, c.Secret, ""),
		Region:       "us-east-1",
		BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		t.Fatal(err)
	}
	return cl
}
