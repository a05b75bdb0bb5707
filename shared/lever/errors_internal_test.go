package lever

import (
	"net/http"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"7", 7 * time.Second},
		{" 2 ", 2 * time.Second},
		{"0.5", 500 * time.Millisecond},
		{"0", 0},
		{"-3", 0},
		{"soon", 0},
		{now.Add(30 * time.Second).Format(http.TimeFormat), 30 * time.Second},
		{now.Add(-30 * time.Second).Format(http.TimeFormat), 0},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestStatusError(t *testing.T) {
	body := []byte(`{"code":"BadRequestError","message":"Invalid posting"}`)
	tests := []struct {
		status int
		want   apperr.Code
	}{
		{301, apperr.Transient},
		{400, apperr.Invalid},
		{401, apperr.Unauthorized},
		{403, apperr.Forbidden},
		{404, apperr.NotFound},
		{408, apperr.Transient},
		{409, apperr.Invalid},
		{422, apperr.Invalid},
		{429, apperr.RateLimited},
		{500, apperr.Transient},
		{503, apperr.Transient},
	}
	for _, tt := range tests {
		e := statusError("GET /x", tt.status, http.Header{}, body, time.Now())
		if e.Code != tt.want {
			t.Errorf("status %d: code %s, want %s", tt.status, e.Code, tt.want)
		}
	}
}

func TestBackoff(t *testing.T) {
	c := New(Config{Retry: RetryPolicy{BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}})
	for attempt := 1; attempt <= 6; attempt++ {
		d := min(100*time.Millisecond<<(attempt-1), time.Second)
		for range 50 {
			got := c.backoff(attempt, 0)
			if got < d/2 || got > d {
				t.Fatalf("backoff(%d) = %v, want in [%v, %v]", attempt, got, d/2, d)
			}
		}
	}
	if got := c.backoff(1, 3*time.Second); got != 3*time.Second {
		t.Errorf("backoff with Retry-After 3s = %v, want 3s", got)
	}
}

func TestParseClaims(t *testing.T) {
	tests := []struct {
		name  string
		token string
		ok    bool
		want  Claims
	}{
		{"opaque", "abcdef", false, Claims{}},
		{"bad base64", "a.!!!.c", false, Claims{}},
		{"not json", "a.bm90IGpzb24.c", false, Claims{}},
		{
			"lever jwt",
			// {"iss":"https://auth.lever.co/","aud":"https://api.lever.co/v1/","exp":1700000000,
			//  "https://oauth.lever.co/userId":"u1","https://oauth.lever.co/accountId":"a1","https://oauth.lever.co/clientId":"c1"}
			"eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2F1dGgubGV2ZXIuY28vIiwiYXVkIjoiaHR0cHM6Ly9hcGkubGV2ZXIuY28vdjEvIiwiZXhwIjoxNzAwMDAwMDAwLCJodHRwczovL29hdXRoLmxldmVyLmNvL3VzZXJJZCI6InUxIiwiaHR0cHM6Ly9vYXV0aC5sZXZlci5jby9hY2NvdW50SWQiOiJhMSIsImh0dHBzOi8vb2F1dGgubGV2ZXIuY28vY2xpZW50SWQiOiJjMSJ9.sig",
			true,
			Claims{UserID: "u1", AccountID: "a1", ClientID: "c1", Issuer: "https://auth.lever.co/", Audience: []string{"https://api.lever.co/v1/"}, ExpiresAt: time.Unix(1700000000, 0).UTC()},
		},
	}
	for _, tt := range tests {
		got, ok := ParseClaims(tt.token)
		if ok != tt.ok || got.UserID != tt.want.UserID || got.AccountID != tt.want.AccountID ||
			got.ClientID != tt.want.ClientID || got.Issuer != tt.want.Issuer || !got.ExpiresAt.Equal(tt.want.ExpiresAt) ||
			len(got.Audience) != len(tt.want.Audience) {
			t.Errorf("%s: ParseClaims = %+v, %v; want %+v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
}

func TestTokenErrorKind(t *testing.T) {
	tests := []struct {
		status int
		code   string
		want   TokenFailure
	}{
		{403, "invalid_grant", TokenReconnect},
		{400, "invalid_grant", TokenReconnect},
		{401, "invalid_client", TokenClientRejected},
		{400, "unauthorized_client", TokenClientRejected},
		{401, "access_denied", TokenClientRejected}, // Auth0 sandbox, wrong secret
		{403, "", TokenClientRejected},              // a bare 403 never means "reconnect"
		{401, "", TokenClientRejected},
		{500, "", TokenUnavailable},
		{503, "server_error", TokenUnavailable},
		{429, "", TokenUnavailable},
		{307, "", TokenUnavailable},
		{0, "", TokenUnavailable},
		{400, "invalid_request", TokenRequestRejected},
		{400, "unsupported_grant_type", TokenRequestRejected},
	}
	for _, tt := range tests {
		if got := tokenErrorKind(tt.status, tt.code); got != tt.want {
			t.Errorf("tokenErrorKind(%d, %q) = %q, want %q", tt.status, tt.code, got, tt.want)
		}
	}
}
