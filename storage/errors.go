package storage

import (
	"errors"
	"fmt"
)

// Kind classifies an error so that callers branch on what happened, never on
// message strings. Each front end maps kinds to its wire format in one function.
type Kind uint8

const (
	Other           Kind = iota // an unexpected failure (I/O, bug)
	NotFound                    // no such file or folder, or the caller may not know it exists
	Exists                      // the target name is taken
	Precondition                // a conditional request failed (If-Match, create-only)
	Conflict                    // the request contradicts the tree (move into itself, parent is a file, folder not empty)
	Locked                      // another principal holds a lock on the target
	Permission                  // the caller may see the target but lacks the right to act on it
	Unauthenticated             // no valid credentials
	Invalid                     // malformed input: bad path, bad name, bad argument
	TooLarge                    // the input exceeds a size limit
	NoSpace                     // a quota or the drives are full
	Unavailable                 // not enough drives, or the store is shutting down; retry later
	Corrupt                     // content failed its checksums beyond repair
	NotSupported                // the operation is not implemented
)

var kindNames = [...]string{
	Other:           "other error",
	NotFound:        "not found",
	Exists:          "already exists",
	Precondition:    "precondition failed",
	Conflict:        "conflict",
	Locked:          "locked",
	Permission:      "permission denied",
	Unauthenticated: "unauthenticated",
	Invalid:         "invalid argument",
	TooLarge:        "too large",
	NoSpace:         "no space left",
	Unavailable:     "unavailable",
	Corrupt:         "corrupt content",
	NotSupported:    "not supported",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// Error is the error type of every Namespace method.
type Error struct {
	Op   string // the operation, such as "put" or "move"
	Path string // the path concerned, if any
	Kind Kind
	Err  error // the underlying cause, if any
}

// E builds an *Error. err may be nil.
func E(op string, kind Kind, path string, err error) *Error {
	return &Error{Op: op, Kind: kind, Path: path, Err: err}
}

// Errorf builds an *Error whose cause is a formatted message.
func Errorf(op string, kind Kind, path, format string, args ...any) *Error {
	return &Error{Op: op, Kind: kind, Path: path, Err: fmt.Errorf(format, args...)}
}

func (e *Error) Error() string {
	s := e.Op
	if e.Path != "" {
		s += " " + e.Path
	}
	s += ": " + e.Kind.String()
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the Kind of the outermost *Error in err's chain whose kind is
// not Other, or Other.
func KindOf(err error) Kind {
	for err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return Other
		}
		if e.Kind != Other {
			return e.Kind
		}
		err = e.Err
	}
	return Other
}

// Is reports whether err is of the given kind.
func Is(kind Kind, err error) bool { return err != nil && KindOf(err) == kind }
