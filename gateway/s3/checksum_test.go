package s3

import (
	"net/http"
	"testing"
)

func TestDeclaredChecksum(t *testing.T) {
	for _, tc := range []struct {
		name        string
		hdr         map[string]string
		wantName    string
		wantValue   string
		invalidCode string
	}{
		{name: "none", hdr: nil},
		{name: "header", hdr: map[string]string{"X-Amz-Checksum-Crc32": "AAAAAA=="}, wantName: "x-amz-checksum-crc32", wantValue: "AAAAAA=="},
		{name: "header with its algorithm", hdr: map[string]string{"X-Amz-Checksum-Sha256": "x", "X-Amz-Sdk-Checksum-Algorithm": "sha256"}, wantName: "x-amz-checksum-sha256", wantValue: "x"},
		{name: "header and another algorithm", hdr: map[string]string{"X-Amz-Checksum-Sha256": "x", "X-Amz-Sdk-Checksum-Algorithm": "CRC32"}, invalidCode: "InvalidRequest"},
		{name: "two headers", hdr: map[string]string{"X-Amz-Checksum-Crc32": "a", "X-Amz-Checksum-Crc32c": "b"}, invalidCode: "InvalidRequest"},
		{name: "header and trailer", hdr: map[string]string{"X-Amz-Checksum-Crc32": "a", "X-Amz-Trailer": "x-amz-checksum-crc32"}, invalidCode: "InvalidRequest"},
		{name: "trailer", hdr: map[string]string{"X-Amz-Trailer": "x-amz-checksum-crc32", "X-Amz-Sdk-Checksum-Algorithm": "CRC32"}},
		{name: "algorithm only: computed", hdr: map[string]string{"X-Amz-Checksum-Algorithm": "CRC64NVME"}, wantName: "x-amz-checksum-crc64nvme"},
		{name: "unknown algorithm", hdr: map[string]string{"X-Amz-Checksum-Algorithm": "MD5"}, invalidCode: "InvalidRequest"},
		{name: "mode and type are no checksums", hdr: map[string]string{"X-Amz-Checksum-Mode": "ENABLED", "X-Amz-Checksum-Type": "FULL_OBJECT"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tc.hdr {
				h.Set(k, v)
			}
			name, value, err := declaredChecksum(h)
			if tc.invalidCode != "" {
				if err == nil || toS3(err).Code != tc.invalidCode {
					t.Fatalf("err %v, want %s", err, tc.invalidCode)
				}
				return
			}
			if err != nil || name != tc.wantName || value != tc.wantValue {
				t.Fatalf("%q %q %v, want %q %q", name, value, err, tc.wantName, tc.wantValue)
			}
		})
	}
}

func TestContentMD5Header(t *testing.T) {
	for v, ok := range map[string]bool{"1B2M2Y8AsgTpgAmY7PhCfg==": true, "1B2M2Y8AsgTpgAmY7PhC": false, "": false, "!!!!": false} {
		h := http.Header{"Content-Md5": {v}}
		sum, err := contentMD5(h)
		if ok != (err == nil) || ok && len(sum) != 16 || !ok && toS3(err).Code != "InvalidDigest" {
			t.Fatalf("%q: %x %v", v, sum, err)
		}
	}
	if sum, err := contentMD5(http.Header{}); sum != nil || err != nil {
		t.Fatalf("absent: %x %v", sum, err)
	}
}
