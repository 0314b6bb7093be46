package engine

import (
	"context"
	"io"

	"coffre/storage"
)

func notYet(op string) error {
	return storage.Errorf(op, storage.NotSupported, "", "multipart uploads are not implemented yet")
}

func (n *namespace) CreateUpload(ctx context.Context, path string, opt storage.PutOptions) (storage.Upload, error) {
	return storage.Upload{}, notYet("create upload")
}

func (n *namespace) UploadPart(ctx context.Context, upload string, number int, r io.Reader, opt storage.PutOptions) (storage.Part, error) {
	return storage.Part{}, notYet("upload part")
}

func (n *namespace) Upload(ctx context.Context, upload string) (storage.Upload, error) {
	return storage.Upload{}, notYet("upload")
}

func (n *namespace) Uploads(ctx context.Context, path string) ([]storage.Upload, error) {
	return nil, notYet("uploads")
}

func (n *namespace) Parts(ctx context.Context, upload string) ([]storage.Part, error) {
	return nil, notYet("parts")
}

func (n *namespace) CompleteUpload(ctx context.Context, upload string, parts []storage.Part, opt storage.PutOptions) (storage.Info, error) {
	return storage.Info{}, notYet("complete upload")
}

func (n *namespace) AbortUpload(ctx context.Context, upload string) error {
	return notYet("abort upload")
}
