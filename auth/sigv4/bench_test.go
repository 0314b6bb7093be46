package sigv4

import (
	"context"
	"net/http/httptest"
	"testing"
)

// BenchmarkVerify verifies a GetObject request signed as aws-sdk-go-v2
// signs it: the per-request cost of authentication.
func BenchmarkVerify(b *testing.B) {
	req := httptest.NewRequest("GET", "http://127.0.0.1:9000/bench/s3-4KiB/000017", nil)
	req.Header.Set("User-Agent", "aws-sdk-go-v2/1.39.2 ua/2.1 os/linux lang/go#1.26 md/GOOS#linux md/GOARCH#amd64 api/s3#1.88.4 m/E,Z,e")
	req.Header.Set("Amz-Sdk-Invocation-Id", "4b5c3a8e-6f55-4c3e-9d0c-2f1f1f0c9d1e")
	req.Header.Set("Amz-Sdk-Request", "attempt=1; max=3")
	req.Header.Set("X-Amz-Checksum-Mode", "ENABLED")
	sign(b, req, creds(testKey, testSecret), emptySHA256, testTime)
	v := verifierAt(testTime)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, req); err != nil {
			b.Fatal(err)
		}
	}
}
