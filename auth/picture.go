package auth

import (
	"bytes"
	"context"
	"errors"

	"coffre/storage"
	"coffre/storage/meta"
)

// MaxPicture is the size of the largest profile picture SetPicture takes.
const MaxPicture = 1 << 20

// pictureFormats are the image formats a profile picture may have, told by
// their first bytes (the signatures of the WHATWG MIME Sniffing standard):
// what the client says the type is does not count.
var pictureFormats = []struct {
	mediaType string
	match     func(b []byte) bool
}{
	{"image/png", prefix("\x89PNG\r\n\x1a\n")},
	{"image/jpeg", prefix("\xff\xd8\xff")},
	{"image/gif", func(b []byte) bool { return prefix("GIF87a")(b) || prefix("GIF89a")(b) }},
	{"image/webp", func(b []byte) bool { return len(b) >= 14 && prefix("RIFF")(b) && string(b[8:14]) == "WEBPVP" }},
}

func prefix(sig string) func([]byte) bool {
	return func(b []byte) bool { return bytes.HasPrefix(b, []byte(sig)) }
}

// pictureType is the media type of a picture, "" when it is no accepted
// image.
func pictureType(data []byte) string {
	for _, f := range pictureFormats {
		if f.match(data) {
			return f.mediaType
		}
	}
	return ""
}

func pictureKey(userID string) []byte { return []byte("a/p/" + userID) }

// SetPicture stores the profile picture of the user with ID userID,
// replacing any other. Errors: NotFound for an unknown user, TooLarge above
// MaxPicture bytes, Invalid (field "picture") unless the content is a PNG,
// JPEG, GIF or WebP image.
func (s *Service) SetPicture(ctx context.Context, userID string, data []byte) error {
	const op = "set picture"
	if len(data) > MaxPicture {
		return storage.Errorf(op, storage.TooLarge, "", "a picture holds at most %d bytes", MaxPicture)
	}
	if pictureType(data) == "" {
		return invalid(op, "picture", "must be a PNG, JPEG, GIF or WebP image", "L'image doit être au format PNG, JPEG, GIF ou WebP.")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock() // the user must not be deleted meanwhile, leaving the picture behind
	defer s.mu.Unlock()
	if _, err := s.userByID(op, userID); err != nil {
		return err
	}
	b := s.m.NewBatch()
	b.Set(pictureKey(userID), data)
	return commit(op, b)
}

// Picture returns the profile picture of the user with ID userID and its
// media type; NotFound when the user has none.
func (s *Service) Picture(ctx context.Context, userID string) (data []byte, mediaType string, err error) {
	const op = "picture"
	data, err = s.m.Get(pictureKey(userID))
	if errors.Is(err, meta.ErrNotFound) {
		return nil, "", storage.Errorf(op, storage.NotFound, "", "no picture for user %q", userID)
	}
	if err != nil {
		return nil, "", metaErr(op, err)
	}
	return data, pictureType(data), nil
}

// DeletePicture removes the profile picture of the user with ID userID;
// having none is fine. NotFound for an unknown user.
func (s *Service) DeletePicture(ctx context.Context, userID string) error {
	const op = "delete picture"
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.userByID(op, userID); err != nil {
		return err
	}
	b := s.m.NewBatch()
	b.Delete(pictureKey(userID))
	return commit(op, b)
}
