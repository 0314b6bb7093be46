package auth

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"coffre/storage"
)

func TestPictures(t *testing.T) {
	f := newFixture(t, Options{})
	ctx := context.Background()
	u := f.user(t, "pat", "pat-password")
	if _, _, err := f.s.Picture(ctx, u.ID); !storage.Is(storage.NotFound, err) {
		t.Fatalf("no picture yet: %v", err)
	}
	for _, tc := range []struct {
		data      string
		mediaType string
	}{
		{"\x89PNG\r\n\x1a\n rest", "image/png"},
		{"\xff\xd8\xff\xe0 rest", "image/jpeg"},
		{"GIF89a rest", "image/gif"},
		{"GIF87a rest", "image/gif"},
		{"RIFF\x10\x00\x00\x00WEBPVP8 rest", "image/webp"},
	} {
		if err := f.s.SetPicture(ctx, u.ID, []byte(tc.data)); err != nil {
			t.Fatalf("%s: %v", tc.mediaType, err)
		}
		data, mt, err := f.s.Picture(ctx, u.ID)
		if err != nil || string(data) != tc.data || mt != tc.mediaType {
			t.Fatalf("got %q %s %v; want %q %s", data, mt, err, tc.data, tc.mediaType)
		}
	}
	for _, bad := range []string{"", "<svg xmlns='http://www.w3.org/2000/svg'/>", "RIFF\x10\x00\x00\x00WAVEfmt ", "GIF90a"} {
		var fe *FieldError
		if err := f.s.SetPicture(ctx, u.ID, []byte(bad)); !storage.Is(storage.Invalid, err) || !errors.As(err, &fe) || fe.Field != "picture" {
			t.Errorf("SetPicture(%q) = %v; want Invalid on picture", bad, err)
		}
	}
	big := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, MaxPicture)...)
	if err := f.s.SetPicture(ctx, u.ID, big); !storage.Is(storage.TooLarge, err) {
		t.Fatalf("oversized picture: %v", err)
	}
	if err := f.s.SetPicture(ctx, "u-unknown", []byte("GIF89a")); !storage.Is(storage.NotFound, err) {
		t.Fatalf("unknown user: %v", err)
	}
	if err := f.s.DeletePicture(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if err := f.s.DeletePicture(ctx, u.ID); err != nil {
		t.Fatalf("deleting no picture: %v", err)
	}
	if _, _, err := f.s.Picture(ctx, u.ID); !storage.Is(storage.NotFound, err) {
		t.Fatalf("deleted picture: %v", err)
	}
	// The picture goes with its user.
	if err := f.s.SetPicture(ctx, u.ID, []byte("GIF89a")); err != nil {
		t.Fatal(err)
	}
	if err := f.s.DeleteUser(ctx, "pat"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.m.Get(pictureKey(u.ID)); err == nil {
		t.Fatal("the picture outlived its user")
	}
}
