package lever

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
)

// leverError is Lever's error body.
type leverError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// statusError maps a non-2xx API response to an *apperr.Error. label names
// the endpoint ("POST /opportunities"); body is Lever's response body, which
// is an error description, never our request.
func statusError(label string, status int, header http.Header, body []byte, now time.Time) *apperr.Error {
	var le leverError
	_ = json.Unmarshal(body, &le)
	detail := http.StatusText(status)
	if le.Code != "" {
		detail = le.Code
	}
	if le.Message != "" {
		detail += ": " + le.Message
	}
	msg := fmt.Sprintf("lever %s: %d %s", label, status, detail)
	var e *apperr.Error
	switch {
	case status == http.StatusUnauthorized:
		e = apperr.E(apperr.Unauthorized, "%s", msg)
	case status == http.StatusForbidden:
		e = apperr.E(apperr.Forbidden, "%s", msg)
	case status == http.StatusNotFound:
		e = apperr.E(apperr.NotFound, "%s", msg)
	case status == http.StatusTooManyRequests:
		e = apperr.E(apperr.RateLimited, "%s", msg)
		e.RetryAfter = parseRetryAfter(header.Get("Retry-After"), now)
	case status == http.StatusRequestTimeout, status >= 500:
		e = apperr.E(apperr.Transient, "%s", msg)
		e.RetryAfter = parseRetryAfter(header.Get("Retry-After"), now)
	case status >= 300 && status < 400:
		e = apperr.E(apperr.Transient, "lever %s: unexpected redirect (%d) not followed", label, status)
	case status >= 400:
		// 400, 422 and any other 4xx: the request is wrong; keep Lever's words.
		e = apperr.E(apperr.Invalid, "%s", msg)
	default:
		e = apperr.E(apperr.Internal, "%s", msg)
	}
	if le.Code != "" && e.Reason == "" {
		e.Reason = le.Code
	}
	return e
}

// parseRetryAfter reads a Retry-After value given in seconds or as an HTTP
// date. It returns 0 when the value is absent, malformed or in the past.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(secs * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// transportError strips the *url.Error wrapper, whose text carries the full
// request URL including the query (emails are PII), and returns the cause.
func transportError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
