package s3_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/minio/minio-go/v7"
	miniocreds "github.com/minio/minio-go/v7/pkg/credentials"

	"coffre/auth"
	"coffre/gateway"
	"coffre/gateway/s3"
	"coffre/internal/teststack"
	"coffre/storage/engine"
)

var ctx = context.Background()

// creds are one user's credentials: their S3 access key and principal.
type creds = teststack.User

// server is the S3 handler over a real engine (Pebble, four drive folders,
// 2+2 erasure coding) and real auth, on a loopback HTTP server. Admin is an
// administrator; User ("bob") is an ordinary user who starts with no rights.
type server struct {
	*teststack.Stack
	URL         string
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
	st := teststack.New(t, engine.Options{})
	s := &server{Stack: st, Admin: st.NewUser(t, "admin", auth.RoleAdmin), User: st.NewUser(t, "bob", auth.RoleUser)}
	opts := s3.Options{Service: st.Engine, Keys: st.Auth.SecretKey}
	configure(&opts)
	ts := httptest.NewServer(gateway.Wrap(s3.New(opts), slog.New(slog.DiscardHandler)))
	t.Cleanup(ts.Close)
	s.URL = ts.URL
	return s
}

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
