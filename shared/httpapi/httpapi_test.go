package httpapi

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/leverlink/leverlink/shared/apperr"
)

func TestStatus(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{apperr.InvalidField("x", "bad"), 400},
		{apperr.E(apperr.Invalid, "no").WithReason("position_not_linked"), 422},
		{apperr.E(apperr.Unauthorized, "no").WithReason("lever_revoked"), 422},
		{apperr.E(apperr.Invalid, "no").WithReason("perform_as_inactive"), 422},
		{apperr.E(apperr.Unauthorized, "no key").WithReason("invalid_key"), 401},
		{apperr.E(apperr.Forbidden, "scope"), 403},
		{apperr.E(apperr.NotFound, "x"), 404},
		{apperr.E(apperr.Conflict, "x").WithReason("already_exported"), 409},
		{apperr.E(apperr.RateLimited, "x"), 429},
		{apperr.E(apperr.Transient, "x"), 503},
		{errors.New("boom"), 500},
	}
	for _, tt := range tests {
		if got := Status(tt.err); got != tt.want {
			t.Errorf("Status(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}

func TestDecodeNamesTheField(t *testing.T) {
	type in struct {
		Name  string   `json:"name"`
		Count int      `json:"count"`
		Tags  []string `json:"tags"`
	}
	tests := []struct {
		body, wantField, wantMsg string
	}{
		{`"{"`, "body", "must be a JSON object"},
		{`{"name": 7}`, "name", "must be a string"},
		{`{"count": "x"}`, "count", "must be a number"},
		{`{"tags": {}}`, "tags", "must be an array"},
		{`{"nme": "x"}`, "nme", "is not a known field"},
		{`{"name": "x"} {}`, "body", "trailing data"},
		{``, "body", "is required"},
		{`{`, "body", "not valid JSON"},
		{`{"name":"` + strings.Repeat("a", MaxBody) + `"}`, "body", "larger than"},
	}
	for _, tt := range tests {
		var v in
		err := Decode(httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tt.body)), &v, false)
		e := apperr.As(err)
		if e == nil || e.Code != apperr.Invalid || e.Field != tt.wantField || !strings.Contains(e.Message, tt.wantMsg) {
			t.Errorf("Decode(%.40q) = %v, want invalid %s %q", tt.body, err, tt.wantField, tt.wantMsg)
		}
	}
}

func TestWriteErrorHidesInternalText(t *testing.T) {
	rec := httptest.NewRecorder()
	WriteError(rec, httptest.NewRequest("GET", "/", nil), discardLogger(), errors.New("dynamo: table leverlink-prod-connections secret detail"))
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "secret detail") || !strings.Contains(rec.Body.String(), `"code":"internal"`) {
		t.Errorf("got %d %s", rec.Code, rec.Body.String())
	}
}

// TestCodeMatchesStatus: a 422 answers code invalid whatever the error's
// code (a Lever auth failure on reload is the company's state).
func TestCodeMatchesStatus(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want string
	}{
		{apperr.E(apperr.Unauthorized, "no").WithReason("lever_revoked"), "invalid"},
		{apperr.E(apperr.Invalid, "no").WithReason("not_connected"), "invalid"},
		{apperr.E(apperr.Unauthorized, "no key").WithReason("invalid_key"), "unauthorized"},
		{apperr.E(apperr.Conflict, "x").WithReason("not_failed"), "conflict"},
	} {
		if got := errorDetail(tt.err).Code; got != tt.want {
			t.Errorf("errorDetail(%v).Code = %q, want %q", tt.err, got, tt.want)
		}
	}
}

// TestLeverCodesAreDetail: Lever's own error codes go to detail, never to
// reason.
func TestLeverCodesAreDetail(t *testing.T) {
	d := errorDetail(apperr.E(apperr.RateLimited, "lever: slow down").WithReason("TooManyRequests"))
	if d.Reason != "" || d.Detail != "TooManyRequests" || d.Code != "rate_limited" {
		t.Errorf("Lever 429: got %+v, want no reason, detail TooManyRequests", d)
	}
	if d := errorDetail(apperr.E(apperr.Invalid, "no").WithReason("posting_not_linkable")); d.Reason != "posting_not_linkable" || d.Detail != "" {
		t.Errorf("own reason: got %+v", d)
	}
}

// TestRequestIDOnEveryAnswer: the edge's own answers (no route: 404; a
// known path with another method: 405) carry X-Request-Id too, the
// caller's when sent.
func TestRequestIDOnEveryAnswer(t *testing.T) {
	h := (&Server{Log: discardLogger()}).Handler()
	for _, tc := range []struct {
		method, path, id string
		want             int
	}{
		{"GET", "/nope", "", 404},
		{"GET", "/v1/companies/acme/nothing-here", "", 404},
		{"PATCH", "/v1/companies/acme/connection", "", 405},
		{"PATCH", "/v1/companies/acme/connection", "req-42", 405},
		{"GET", "/v1/companies/acme/../acme/connection", "req-43", 400},
	} {
		req := httptest.NewRequest(tc.method, tc.path, nil)
		if tc.id != "" {
			req.Header.Set("X-Request-Id", tc.id)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		id := rec.Header().Get("X-Request-Id")
		if rec.Code != tc.want || id == "" || (tc.id != "" && id != tc.id) {
			t.Errorf("%s %s: got %d with X-Request-Id %q, want %d with one", tc.method, tc.path, rec.Code, id, tc.want)
		}
	}
}
