package s3

import (
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"

	"coffre/auth/sigv4"
	"coffre/storage"
)

// Error is an S3 error answer: a code from the S3 API, its HTTP status and a
// message for the person reading the client's output.
type Error struct {
	Code    string
	Status  int
	Message string
	Err     error // the cause, logged, never sent
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Code + ": " + e.Message + ": " + e.Err.Error()
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// errorf returns an S3 error with code and status.
func errorf(code string, status int, format string, args ...any) *Error {
	return &Error{Code: code, Status: status, Message: fmt.Sprintf(format, args...)}
}

// The S3 errors the layer answers with that are not a namespace error's
// translation.
func notImplemented(what string) *Error {
	return errorf("NotImplemented", http.StatusNotImplemented, "%s is not implemented", what)
}

func invalidArgument(format string, args ...any) *Error {
	return errorf("InvalidArgument", http.StatusBadRequest, format, args...)
}

func invalidRequest(format string, args ...any) *Error {
	return errorf("InvalidRequest", http.StatusBadRequest, format, args...)
}

func malformedXML(err error) *Error {
	return &Error{Code: "MalformedXML", Status: http.StatusBadRequest, Message: "the XML you provided was not well-formed or did not validate against our published schema", Err: err}
}

// kinds translates namespace error kinds. NotFound is resolved by the
// caller of toS3 (NoSuchBucket, NoSuchKey, NoSuchUpload …).
var kinds = map[storage.Kind]struct {
	code   string
	status int
}{
	storage.NotFound:        {"NoSuchKey", http.StatusNotFound},
	storage.Exists:          {"KeyConflict", http.StatusConflict},
	storage.Precondition:    {"PreconditionFailed", http.StatusPreconditionFailed},
	storage.Conflict:        {"KeyConflict", http.StatusConflict},
	storage.Locked:          {"Locked", http.StatusLocked},
	storage.Permission:      {"AccessDenied", http.StatusForbidden},
	storage.Unauthenticated: {"AccessDenied", http.StatusForbidden},
	storage.Invalid:         {"InvalidArgument", http.StatusBadRequest},
	storage.TooLarge:        {"EntityTooLarge", http.StatusBadRequest},
	storage.NoSpace:         {"QuotaExceeded", http.StatusForbidden},
	storage.Unavailable:     {"ServiceUnavailable", http.StatusServiceUnavailable},
	storage.Corrupt:         {"InternalError", http.StatusInternalServerError},
	storage.NotSupported:    {"NotImplemented", http.StatusNotImplemented},
}

// toS3 turns any error into the S3 error to answer. A namespace error keeps
// its message, which names the problem (a lock's holder, the right missing,
// the invalid path segment); an unexpected error becomes InternalError with
// a generic message.
func toS3(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var se *sigv4.Error
	if errors.As(err, &se) {
		return &Error{Code: string(se.Code), Status: se.HTTPStatus(), Message: se.Message, Err: err}
	}
	kind := storage.KindOf(err)
	if k, ok := kinds[kind]; ok {
		msg := err.Error() // names the problem: the lock's holder, the right missing, the bad segment
		switch kind {
		case storage.Unavailable:
			msg = "the storage is unavailable; please try again"
		case storage.Corrupt:
			msg = "we encountered an internal error; please try again"
		}
		return &Error{Code: k.code, Status: k.status, Message: msg, Err: err}
	}
	return &Error{Code: "InternalError", Status: http.StatusInternalServerError, Message: "we encountered an internal error; please try again", Err: err}
}

// errorBody is the XML document of an error answer.
type errorBody struct {
	XMLName   xml.Name `xml:"Error"`
	Code      string
	Message   string
	Resource  string `xml:",omitempty"`
	RequestID string `xml:"RequestId"`
}
