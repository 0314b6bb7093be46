package rest

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"coffre/auth"
	"coffre/storage"
)

// text is a message in the two languages of the API.
type text struct{ fr, en string }

func (t text) in(lang string) string {
	if lang == "en" {
		return t.en
	}
	return t.fr
}

// format fills a text's verbs (fmt) with args in both languages.
func (t text) format(args ...any) text {
	if len(args) == 0 {
		return t
	}
	return text{fmt.Sprintf(t.fr, args...), fmt.Sprintf(t.en, args...)}
}

// apiError is an answer other than success: a status, a message, field
// errors for 422, and the cause (logged for 5xx, never sent).
type apiError struct {
	status int
	msg    text
	fields map[string][]text
	detail string // the namespace's own explanation, in English (a lock's holder, the quota exceeded)
	retry  int    // seconds, for Retry-After
	err    error
}

func (e *apiError) Error() string {
	s := strconv.Itoa(e.status) + " " + e.msg.en
	if e.err != nil {
		s += ": " + e.err.Error()
	}
	return s
}

func (e *apiError) Unwrap() error { return e.err }

// fail returns an error answered with status and msg.
func fail(status int, msg text, args ...any) *apiError {
	return &apiError{status: status, msg: msg.format(args...)}
}

// Messages shared by several endpoints.
var (
	msgNotFound        = text{"L'élément demandé n'existe pas.", "The requested item does not exist."}
	msgExists          = text{"Un élément portant ce nom existe déjà.", "An item with this name already exists."}
	msgConflict        = text{"Opération impossible dans l'état actuel de l'élément.", "The operation conflicts with the item's current state."}
	msgPrecondition    = text{"La condition de la requête n'est pas remplie.", "The request's precondition failed."}
	msgLocked          = text{"L'élément est verrouillé par un autre utilisateur.", "The item is locked by another user."}
	msgPermission      = text{"Vous n'avez pas les droits nécessaires pour cette opération.", "You do not have the rights this operation needs."}
	msgUnauthenticated = text{"Authentification requise : jeton absent, invalide ou expiré.", "Authentication required: the token is missing, invalid or expired."}
	msgInvalid         = text{"La requête est invalide.", "The request is invalid."}
	msgValidation      = text{"Les données envoyées sont invalides.", "The data sent is invalid."}
	msgTooLarge        = text{"Le contenu envoyé est trop volumineux.", "The content sent is too large."}
	msgNoSpace         = text{"Quota d'espace disque dépassé.", "Disk quota exceeded."}
	msgUnavailable     = text{"Service temporairement indisponible, réessayez plus tard.", "Service temporarily unavailable; try again later."}
	msgTooMany         = text{"Trop de tentatives ; réessayez plus tard.", "Too many attempts; try again later."}
	msgInternal        = text{"Erreur interne du serveur.", "Internal server error."}
	msgNotSupported    = text{"Fonctionnalité non disponible.", "This feature is not available."}
	msgMalformedJSON   = text{"Le corps de la requête n'est pas un JSON valide.", "The request body is not valid JSON."}
	msgAdminOnly       = text{"Réservé aux administrateurs.", "Administrators only."}
	msgFeatureOff      = text{"Cette fonctionnalité est désactivée sur la plateforme.", "This feature is turned off on the platform."}

	fieldRequired = text{"Ce champ est obligatoire.", "This field is required."}
	fieldType     = text{"Ce champ doit être de type %s.", "This field must be of type %s."}
	fieldInvalid  = text{"Valeur invalide.", "Invalid value."}
)

// kinds translates namespace error kinds.
var kinds = map[storage.Kind]struct {
	status int
	msg    text
}{
	storage.NotFound:        {http.StatusNotFound, msgNotFound},
	storage.Exists:          {http.StatusConflict, msgExists},
	storage.Conflict:        {http.StatusConflict, msgConflict},
	storage.Precondition:    {http.StatusPreconditionFailed, msgPrecondition},
	storage.Locked:          {http.StatusLocked, msgLocked},
	storage.Permission:      {http.StatusForbidden, msgPermission},
	storage.Unauthenticated: {http.StatusUnauthorized, msgUnauthenticated},
	storage.Invalid:         {http.StatusUnprocessableEntity, msgInvalid},
	storage.TooLarge:        {http.StatusRequestEntityTooLarge, msgTooLarge},
	storage.NoSpace:         {http.StatusInsufficientStorage, msgNoSpace},
	storage.Unavailable:     {http.StatusServiceUnavailable, msgUnavailable},
	storage.NotSupported:    {http.StatusNotImplemented, msgNotSupported},
}

// toAPI turns any error into the answer to give.
func toAPI(err error) *apiError {
	var e *apiError
	if errors.As(err, &e) {
		return e
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &apiError{status: http.StatusRequestEntityTooLarge, msg: msgTooLarge, err: err}
	}
	if d, ok := auth.RetryAfter(err); ok {
		return &apiError{status: http.StatusTooManyRequests, msg: msgTooMany, retry: int(d.Seconds()) + 1, err: err}
	}
	var fe *auth.FieldError
	if errors.As(err, &fe) {
		return authFieldError(fe.Field, fe, err)
	}
	k := storage.KindOf(err)
	t, ok := kinds[k]
	if !ok {
		return &apiError{status: http.StatusInternalServerError, msg: msgInternal, err: err}
	}
	a := &apiError{status: t.status, msg: t.msg, err: err}
	var se *storage.Error
	if k != storage.NotFound && k != storage.Unavailable && errors.As(err, &se) && se.Err != nil {
		a.detail = se.Err.Error()
	}
	return a
}

// authFieldError is the 422 for fe, an input error of package auth (or of a
// package that reports its own with auth.FieldError), on the field the
// request calls name; err is its cause. The message is fe's French one, or
// its English one where fe has no French.
func authFieldError(name string, fe *auth.FieldError, err error) *apiError {
	msg := text{fr: fe.MsgFr, en: fe.Msg}
	if msg.fr == "" {
		msg.fr = fe.Msg
	}
	return &apiError{status: http.StatusUnprocessableEntity, msg: msgValidation,
		fields: map[string][]text{name: {msg}}, err: err}
}

// errorBody is the JSON of an error answer.
type errorBody struct {
	Message string              `json:"message"`
	Errors  map[string][]string `json:"errors,omitempty"`
	Detail  string              `json:"detail,omitempty"`
}

// writeError answers err in the call's language.
func (c *call) writeError(err error) {
	status, body := c.errorAnswer(err)
	_ = c.json(status, body)
}

// errorAnswer is the status and the body of the answer to err, in the
// call's language, with the headers it needs set; 5xx are logged.
func (c *call) errorAnswer(err error) (int, errorBody) {
	a := toAPI(err)
	if a.status >= 500 {
		c.h.log.ErrorContext(c.r.Context(), "rest request failed", "method", c.r.Method, "path", c.r.URL.Path, "status", a.status, "err", err)
	}
	lang := c.lang()
	body := errorBody{Message: a.msg.in(lang), Detail: a.detail}
	if len(a.fields) > 0 {
		body.Errors = make(map[string][]string, len(a.fields))
		for f, msgs := range a.fields {
			for _, m := range msgs {
				body.Errors[f] = append(body.Errors[f], m.in(lang))
			}
		}
	}
	if a.status == http.StatusUnauthorized {
		c.w.Header().Set("WWW-Authenticate", `Bearer realm="Coffre"`)
	}
	if a.retry > 0 {
		c.w.Header().Set("Retry-After", strconv.Itoa(a.retry))
	}
	return a.status, body
}

// fields collects validation errors, answered together as one 422.
type fields map[string][]text

func (f fields) add(field string, msg text, args ...any) {
	f[field] = append(f[field], msg.format(args...))
}

// err returns the 422 answer, or nil when nothing was added.
func (f fields) err() error {
	if len(f) == 0 {
		return nil
	}
	return &apiError{status: http.StatusUnprocessableEntity, msg: msgValidation, fields: f}
}

// invalid is a 422 for one field.
func invalid(field string, msg text, args ...any) error {
	f := fields{}
	f.add(field, msg, args...)
	return f.err()
}
