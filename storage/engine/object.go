package engine

import (
	"coffre/storage"
	"coffre/storage/blob"
)

// object is an open version of a file: the content reader and the description
// of the version it reads.
type object struct {
	*blob.Reader
	info storage.Info
}

func (o *object) Info() storage.Info { return o.info }
