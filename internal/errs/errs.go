// Package errs is Ortaq's one coded error type. Services return *Error for
// anything a user should be told; the message is a translation key, so the
// web layer says it in the reader's language. Anything else is an internal
// error: logged in full, shown as a generic message.
package errs

import (
	"errors"
	"fmt"
	"strings"
)

// Code classifies an error; web.Status maps each code to one HTTP status.
type Code string

const (
	Invalid         Code = "invalid"          // 422: input fails validation (see Fields)
	BadRequest      Code = "bad_request"      // 400: malformed request
	Unauthorized    Code = "unauthorized"     // 401: sign-in needed
	Forbidden       Code = "forbidden"        // 403: signed in, not allowed
	NotFound        Code = "not_found"        // 404
	Conflict        Code = "conflict"         // 409: e.g. already exists, already voted
	TooLarge        Code = "too_large"        // 413
	TooMany         Code = "too_many"         // 429: rate limited
	ConsentRequired Code = "consent_required" // 403: a minor's guardian has not consented yet
)

// Field is a problem with one input field. Row is set for imports.
type Field struct {
	Name string
	Key  string
	Args []any
	Row  int
}

// Error is a user-facing error: Key is its translation key, Args the
// named values for its placeholders ("name", value, …).
type Error struct {
	Code   Code
	Key    string
	Args   []any
	Fields []Field
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", e.Code, e.Key)
	for _, f := range e.Fields {
		fmt.Fprintf(&b, "; %s: %s", f.Name, f.Key)
	}
	return b.String()
}

// New returns an error with a code and a message key.
func New(code Code, key string, args ...any) *Error {
	return &Error{Code: code, Key: key, Args: args}
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// CodeOf returns err's code, or "" for internal errors.
func CodeOf(err error) Code {
	if e, ok := As(err); ok {
		return e.Code
	}
	return ""
}

// Fields collects field problems during validation.
type Fields []Field

// Add records a problem with field name.
func (fs *Fields) Add(name, key string, args ...any) {
	*fs = append(*fs, Field{Name: name, Key: key, Args: args})
}

// Has reports whether field name already has a problem.
func (fs Fields) Has(name string) bool {
	for _, f := range fs {
		if f.Name == name {
			return true
		}
	}
	return false
}

// Err returns an Invalid error carrying the fields, or nil if there are none.
func (fs Fields) Err() error {
	if len(fs) == 0 {
		return nil
	}
	return &Error{Code: Invalid, Key: "error.invalid", Fields: fs}
}
