package web

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"coffre/auth"
	"coffre/shares"
	"coffre/storage"
)

// failure is an answer that is not the one asked for: a status, a stable
// code for API clients and a message for people.
type failure struct {
	status int
	code   string
	msg    text
	args   []any         // for msg's verbs
	retry  time.Duration // Retry-After, when above 0
	cause  error         // for the log
	// Of an upload: the file that failed and those stored before it.
	file     string
	uploaded []fileJSON
}

func (f *failure) Error() string {
	if f.cause != nil {
		return f.code + ": " + f.cause.Error()
	}
	return f.code
}

func (f *failure) text(lang string) string {
	if len(f.args) > 0 {
		return fmt.Sprintf(f.msg.in(lang), f.args...)
	}
	return f.msg.in(lang)
}

// header sets the headers the failure's status calls for.
func (f *failure) header(w http.ResponseWriter) {
	if f.retry > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(f.retry.Seconds()))))
	}
	if f.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Share-Password realm="share link"`)
	}
}

// failureOf maps an error to its answer: the reasons a link serves nothing
// first (they come wrapped in storage kinds), then the storage kinds.
func failureOf(err error) *failure {
	var f *failure
	if errors.As(err, &f) {
		return f
	}
	if d, ok := auth.RetryAfter(err); ok {
		return &failure{status: http.StatusTooManyRequests, code: "too_many_attempts", msg: msgWait, args: []any{waitText(d)}, retry: d}
	}
	for _, c := range []struct {
		err    error
		status int
		code   string
		msg    text
	}{
		{shares.ErrUnknown, http.StatusNotFound, "unknown_link", msgUnknown},
		{shares.ErrExpired, http.StatusGone, "expired", msgExpired},
		{shares.ErrExhausted, http.StatusGone, "exhausted", msgExhausted},
		{shares.ErrDisabled, http.StatusGone, "disabled", msgDisabled},
		{shares.ErrRevoked, http.StatusGone, "revoked", msgRevoked},
		{shares.ErrAddress, http.StatusForbidden, "address_not_allowed", msgAddress},
		{shares.ErrConsent, http.StatusForbidden, "consent_required", msgConsentRequired},
		{shares.ErrPassword, http.StatusUnauthorized, "password_required", msgPasswordRequired},
	} {
		if errors.Is(err, c.err) {
			return &failure{status: c.status, code: c.code, msg: c.msg}
		}
	}
	f = &failure{cause: err}
	switch storage.KindOf(err) {
	case storage.NotFound:
		f.status, f.code, f.msg = http.StatusNotFound, "not_found", msgNotFound
	case storage.Unauthenticated: // the password's check
		f.status, f.code, f.msg = http.StatusUnauthorized, "wrong_password", msgWrongPassword
	case storage.Permission:
		f.status, f.code, f.msg = http.StatusForbidden, "forbidden", msgForbidden
	case storage.Invalid:
		f.status, f.code, f.msg = http.StatusUnprocessableEntity, "invalid", msgInvalid
	case storage.TooLarge:
		f.status, f.code, f.msg = http.StatusRequestEntityTooLarge, "too_large", msgTooLargeAny
	case storage.NoSpace:
		f.status, f.code, f.msg = http.StatusInsufficientStorage, "no_space", msgNoSpace
	case storage.Exists, storage.Conflict, storage.Precondition:
		f.status, f.code, f.msg = http.StatusConflict, "conflict", msgConflict
	case storage.Locked:
		f.status, f.code, f.msg = http.StatusLocked, "locked", msgLocked
	case storage.Unavailable:
		f.status, f.code, f.msg = http.StatusServiceUnavailable, "unavailable", msgUnavailable
	default:
		f.status, f.code, f.msg = http.StatusInternalServerError, "internal", msgInternal
	}
	return f
}

// errorJSON is the body of a failure for API clients.
type errorJSON struct {
	Error    string     `json:"error"`
	Message  string     `json:"message"`
	File     string     `json:"file,omitempty"`
	Uploaded []fileJSON `json:"uploaded,omitempty"`
}

// fail answers err: JSON for API clients; for a browser, a page, or the
// link's page when the consent or the password is missing (it asks for
// them).
func (q *req) fail(err error) {
	f := failureOf(err)
	if f.status >= 500 {
		q.h.log.ErrorContext(q.r.Context(), "link request failed", "path", q.r.URL.Path, "status", f.status, "err", err)
	}
	f.header(q.w)
	if q.json {
		_ = q.writeJSON(f.status, errorJSON{Error: f.code, Message: f.text(q.lang), File: f.file, Uploaded: f.uploaded})
		return
	}
	if q.vis != nil && (f.code == "consent_required" || f.code == "password_required") {
		_ = q.redirect(q.base())
		return
	}
	if err := q.messagePage(f); err != nil {
		q.h.log.ErrorContext(q.r.Context(), "link error page failed", "path", q.r.URL.Path, "err", err)
	}
}
