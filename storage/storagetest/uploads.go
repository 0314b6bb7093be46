package storagetest

import (
	"testing"

	"coffre/storage"
)

// testUploads: multipart uploads.
func testUploads(t *testing.T, ns storage.Namespace) {
	t.Skip("multipart uploads are not implemented yet")
}
