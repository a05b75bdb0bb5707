// Package apperr holds leverlink's one application error type.
//
// Every package returns errors that wrap an *Error (directly or through
// fmt.Errorf("...: %w", err)); the edges translate the Code and nothing else:
// HTTP status in the api/webhook/oauth handlers, retry vs. fail vs. skip in
// the exporter. Messages are safe to show to API callers; the wrapped cause is
// for logs and must never carry secrets, tokens or candidate PII.
package apperr

import (
	"errors"
	"fmt"
	"time"
)

// Code is a stable, machine-readable error class. The string values are part
// of the public API (JSON error envelope) and must not change.
type Code string

// The stable error codes.
const (
	Invalid      Code = "invalid"      // the caller sent something wrong; retrying will not help
	NotFound     Code = "not_found"    // the thing does not exist (or is not visible to the caller)
	Conflict     Code = "conflict"     // a condition failed: already exists, version moved, lease held
	Unauthorized Code = "unauthorized" // credentials missing, wrong, expired or revoked
	Forbidden    Code = "forbidden"    // authenticated but not allowed
	RateLimited  Code = "rate_limited" // slow down; RetryAfter may say for how long
	Transient    Code = "transient"    // a temporary failure; retrying later may succeed
	Internal     Code = "internal"     // a bug or an unexpected state; details only in logs
)

// Error is the application error. Field names the offending input field for
// Invalid errors ("candidate.emails[1]"); Reason is an optional stable
// sub-code ("already_exported", "invalid_grant"); RetryAfter is set for
// RateLimited errors when the peer said how long to wait.
type Error struct {
	Code       Code
	Message    string
	Field      string
	Reason     string
	RetryAfter time.Duration
	Err        error
}

// Error implements error. It includes the cause, so it is for logs; use
// Message for text shown to API callers.
func (e *Error) Error() string {
	s := string(e.Code)
	if e.Field != "" {
		s += " " + e.Field
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// E builds an *Error with a formatted message.
func E(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap builds an *Error of the given code around a cause.
func Wrap(code Code, err error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// InvalidField is an Invalid error naming the offending field.
func InvalidField(field, format string, args ...any) *Error {
	return &Error{Code: Invalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// WithReason returns e with its Reason set; it modifies and returns e.
func (e *Error) WithReason(reason string) *Error { e.Reason = reason; return e }

// CodeOf returns the Code of the first *Error in err's chain, Internal for
// any other non-nil error, and "" for nil.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Is reports whether err carries the given code.
func Is(err error, code Code) bool { return err != nil && CodeOf(err) == code }

// As returns the first *Error in err's chain, or nil.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// ReasonOf returns the Reason of the first *Error in err's chain, or "".
func ReasonOf(err error) string {
	if e := As(err); e != nil {
		return e.Reason
	}
	return ""
}
