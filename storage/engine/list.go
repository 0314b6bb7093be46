package engine

import (
	"context"

	"coffre/storage"
)

// listKeys lists the folder f in S3 key order, recursively or not (see
// storage.ListOptions).
func (n *namespace) listKeys(ctx context.Context, f found, opt storage.ListOptions, limit int) (storage.Page, error) {
	return storage.Page{}, storage.Errorf("list", storage.NotSupported, f.path(), "key order listings are not implemented yet")
}
