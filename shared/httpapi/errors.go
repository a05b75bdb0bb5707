// Package httpapi holds the management API of the api function: routes
// under /v1/companies/{companyId}, bearer-key authentication, JSON decoding
// with field-naming errors, and the one place where application errors
// become HTTP statuses.
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/logging"
)

// ErrorBody is the JSON error envelope: {"error":{"code","message",...}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail describes one error; Code is stable (apperr codes), Reason a
// stable sub-code of leverlink's vocabulary, Field the offending input
// field, Detail an upstream code that is not leverlink's (Lever's own error
// code, e.g. TooManyRequests).
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	Reason  string `json:"reason,omitempty"`
	Detail  string `json:"detail,omitempty"`
}

// ownReason reports whether r is one of leverlink's reason codes, which are
// snake_case; Lever's error codes (ResourceNotFound, TooManyRequests, …)
// are CamelCase and never become a reason.
func ownReason(r string) bool {
	for _, c := range r {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// unprocessable are reasons for which a well-formed request cannot be
// carried out in the company's current state: 422.
var unprocessable = map[string]bool{
	"not_connected": true, "lever_revoked": true, "reauth_required": true, "perform_as_inactive": true,
	"position_not_linked": true, "no_consent": true,
	"not_exported": true, "posting_closed": true, "posting_gone": true, "posting_not_found": true,
	"posting_not_linkable": true, "erased": true,
}

// preconditions are the reasons of a failed or missing If-Match
// (settings.Service.Put): 412 and 428.
var preconditions = map[string]int{
	"stale_version": http.StatusPreconditionFailed, "if_match_required": http.StatusPreconditionRequired,
}

// Status returns the HTTP status for err.
func Status(err error) int {
	e := apperr.As(err)
	if e == nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return http.StatusServiceUnavailable
		}
		return http.StatusInternalServerError
	}
	if unprocessable[e.Reason] {
		return http.StatusUnprocessableEntity
	}
	if st, ok := preconditions[e.Reason]; ok {
		return st
	}
	switch e.Code {
	case apperr.Invalid:
		return http.StatusBadRequest
	case apperr.NotFound:
		return http.StatusNotFound
	case apperr.Conflict:
		return http.StatusConflict
	case apperr.Unauthorized:
		return http.StatusUnauthorized
	case apperr.Forbidden:
		return http.StatusForbidden
	case apperr.RateLimited:
		return http.StatusTooManyRequests
	case apperr.Transient:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// errorDetail is err's envelope detail. Its code always matches the
// status family: 422 answers code invalid (the request is well formed but
// cannot be carried out; reason says why), whatever the code of the error
// (an auth failure at Lever on reload is the company's state, not the
// caller's credentials). Internal errors never leak their text.
func errorDetail(err error) ErrorDetail {
	status := Status(err)
	e := apperr.As(err)
	if e == nil || status == http.StatusInternalServerError {
		return ErrorDetail{Code: string(apperr.Internal), Message: "internal error; see the logs with the request id"}
	}
	d := ErrorDetail{Code: string(e.Code), Message: e.Message, Field: e.Field, Reason: e.Reason}
	if !ownReason(d.Reason) {
		d.Reason, d.Detail = "", d.Reason
	}
	d.Code = envelopeCode(status, e.Code)
	if e.Code == apperr.Transient {
		d.Message = "temporary failure; retry later"
	}
	return d
}

// WriteError writes err as the JSON envelope. Internal errors never leak
// their text: they are logged with the request id and answered generically.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	status := Status(err)
	d := errorDetail(err)
	if status >= 500 {
		log.ErrorContext(r.Context(), "request failed", "method", r.Method, "route", r.Pattern, "status", status, "err", err)
	} else {
		log.InfoContext(r.Context(), "request refused", "method", r.Method, "route", r.Pattern, "status", status, "code", d.Code, "reason", d.Reason, "field", d.Field)
	}
	if id := logging.RequestID(r.Context()); id != "" {
		w.Header().Set("X-Request-Id", id)
	}
	if e := apperr.As(err); e != nil && e.RetryAfter > 0 && (status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests) {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds()))))
	}
	WriteJSON(w, status, ErrorBody{Error: d})
}

// WriteJSON writes v as JSON with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
