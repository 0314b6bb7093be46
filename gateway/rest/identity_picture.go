package rest

import (
	"errors"
	"io"
	"net/http"
	"strconv"

	"coffre/auth"
	"coffre/storage"
)

// Profile pictures: GET/POST/DELETE /api/account/picture and
// /api/user/{id}/picture. POST takes multipart/form-data with the image in
// the field "picture" (or "file"): PNG, JPEG, GIF or WebP by content, at
// most 1 MiB (auth.SetPicture judges both).

func (h *Handler) getAccountPicture(c *call) error { return c.sendPicture(c.p.UserID) }

func (h *Handler) postAccountPicture(c *call) error { return c.receivePicture(c.p.UserID) }

func (h *Handler) deleteAccountPicture(c *call) error { return c.removePicture(c.p.UserID) }

func (h *Handler) getUserPicture(c *call) error {
	u, err := c.targetUser()
	if err != nil {
		return err
	}
	return c.sendPicture(u.ID)
}

func (h *Handler) postUserPicture(c *call) error {
	u, err := c.managedUser()
	if err != nil {
		return err
	}
	return c.receivePicture(u.ID)
}

func (h *Handler) deleteUserPicture(c *call) error {
	u, err := c.managedUser()
	if err != nil {
		return err
	}
	return c.removePicture(u.ID)
}

// managedUser is the account of the path value "id" if the caller may
// change it.
func (c *call) managedUser() (auth.User, error) {
	u, err := c.targetUser()
	if err == nil {
		err = c.mayManage(u.Role)
	}
	return u, err
}

var (
	msgNoPicture        = text{"Aucune image de profil.", "No profile picture."}
	msgPictureMultipart = text{
		"Envoyez l'image en multipart/form-data dans le champ « picture » (ou « file »).",
		`Send the image as multipart/form-data in the field "picture" (or "file").`,
	}
)

func (c *call) sendPicture(userID string) error {
	data, mediaType, err := c.h.opts.Auth.Picture(c.ctx, userID)
	if storage.Is(storage.NotFound, err) {
		return &apiError{status: http.StatusNotFound, msg: msgNoPicture, err: err}
	}
	if err != nil {
		return err
	}
	hd := c.w.Header()
	hd.Set("Content-Type", mediaType)
	hd.Set("Content-Length", strconv.Itoa(len(data)))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "private, no-cache")
	c.w.WriteHeader(http.StatusOK)
	_, err = c.w.Write(data)
	return err
}

// receivePicture stores the picture of the request and answers "OK", as
// the seed does.
func (c *call) receivePicture(userID string) error {
	data, err := c.readPicture()
	if err != nil {
		return err
	}
	if err := c.h.opts.Auth.SetPicture(c.ctx, userID, data); err != nil {
		return err
	}
	return c.okText()
}

// readPicture reads the first part named "picture" or "file", at most one
// byte more than a picture may hold (auth then refuses it as too large).
func (c *call) readPicture() ([]byte, error) {
	c.r.Body = http.MaxBytesReader(c.w, c.r.Body, auth.MaxPicture+64<<10) // room for the other parts and headers
	mr, err := c.r.MultipartReader()
	if err != nil {
		return nil, invalid("picture", msgPictureMultipart)
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, invalid("picture", msgPictureMultipart)
		}
		if err != nil {
			return nil, multipartError(err)
		}
		if name := part.FormName(); name != "picture" && name != "file" {
			continue
		}
		data, err := io.ReadAll(io.LimitReader(part, auth.MaxPicture+1))
		if err != nil {
			return nil, multipartError(err)
		}
		return data, nil
	}
}

// multipartError is a body cut by the size bound (413) or malformed (400).
func multipartError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &apiError{status: http.StatusRequestEntityTooLarge, msg: msgTooLarge, err: err}
	}
	return &apiError{status: http.StatusBadRequest, msg: msgBadMultipart, err: err}
}

func (c *call) removePicture(userID string) error {
	if err := c.h.opts.Auth.DeletePicture(c.ctx, userID); err != nil {
		return err
	}
	return c.noContent()
}
