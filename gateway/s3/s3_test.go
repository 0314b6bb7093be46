package s3_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	awss3 "github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// apiCode is the S3 error code of an SDK error, "" for none.
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestUnsignedRequestIsRefused(t *testing.T) {
	s := newServer(t)
	resp, err := http.Get(s.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "<Code>AccessDenied</Code>") {
		t.Fatalf("anonymous GET / = %d %s", resp.StatusCode, body)
	}
}

func TestWrongSecretIsRefused(t *testing.T) {
	s := newServer(t)
	bad := s.Admin
	bad.Secret = "x" + bad.Secret[1:]
	_, err := s.SDK(bad).ListBuckets(ctx, &awss3.ListBucketsInput{})
	if apiCode(err) != "SignatureDoesNotMatch" {
		t.Fatalf("ListBuckets with a wrong secret: %v", err)
	}
}

func TestUnknownSubresourceIsNotImplemented(t *testing.T) {
	s := newServer(t)
	_, err := s.SDK(s.Admin).GetBucketPolicy(ctx, &awss3.GetBucketPolicyInput{Bucket: awsString("b")})
	if apiCode(err) != "NotImplemented" {
		t.Fatalf("GetBucketPolicy: %v", err)
	}
}

func awsString(s string) *string { return &s }
