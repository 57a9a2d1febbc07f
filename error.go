package actas

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to one HTTP status in the web package and to one exit
// message on the command line; callers branch on codes, never on message text.
const (
	ECONFLICT     = "conflict"     // the action conflicts with what is stored
	EINTERNAL     = "internal"     // a bug or an unavailable dependency
	EINVALID      = "invalid"      // malformed or impossible input
	ENOTFOUND     = "not_found"    // the named thing does not exist
	EUNAUTHORIZED = "unauthorized" // no valid credentials
	EFORBIDDEN    = "forbidden"    // credentials lack the role or assignment
)

// Error is the application error. Message is safe to show to users; the
// wrapped Err keeps the cause for logs.
type Error struct {
	Code    string
	Message string
	Err     error
}

// Error returns the message; the cause stays reachable through Unwrap (and
// is the text when there is no message).
func (e *Error) Error() string {
	if e.Message == "" && e.Err != nil {
		return e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err: the message of the
// first *Error in its chain, or a generic text that hides internal details.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Message != "" && e.Code != EINTERNAL {
		return e.Message
	}
	return "internal error"
}
