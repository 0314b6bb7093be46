package sigv4

import (
	"fmt"
	"net/http"
)

// Code is an S3 error code, answered as is in the <Code> element.
type Code string

// The codes Verify and Body return.
const (
	AccessDenied                      Code = "AccessDenied"
	InvalidAccessKeyID                Code = "InvalidAccessKeyId"
	SignatureDoesNotMatch             Code = "SignatureDoesNotMatch"
	RequestTimeTooSkewed              Code = "RequestTimeTooSkewed"
	AuthorizationHeaderMalformed      Code = "AuthorizationHeaderMalformed"
	AuthorizationQueryParametersError Code = "AuthorizationQueryParametersError"
	XAmzContentSHA256Mismatch         Code = "XAmzContentSHA256Mismatch"
	InvalidDigest                     Code = "InvalidDigest"
	BadDigest                         Code = "BadDigest"
	IncompleteBody                    Code = "IncompleteBody"
	InvalidRequest                    Code = "InvalidRequest"
	InvalidArgument                   Code = "InvalidArgument"
	MissingSecurityHeader             Code = "MissingSecurityHeader"
)

// Error is the one error type of this package. Err, when set, is the cause
// (a lookup failure or an I/O error from the request body).
type Error struct {
	Code    Code
	Message string
	Err     error
}

func (e *Error) Error() string {
	s := "sigv4: " + string(e.Code) + ": " + e.Message
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// HTTPStatus is the status S3 answers with for e.Code: 403 for the
// authentication failures, 400 for malformed requests and bodies.
func (e *Error) HTTPStatus() int {
	switch e.Code {
	case AccessDenied, InvalidAccessKeyID, SignatureDoesNotMatch, RequestTimeTooSkewed:
		return http.StatusForbidden
	}
	return http.StatusBadRequest
}

func errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}
