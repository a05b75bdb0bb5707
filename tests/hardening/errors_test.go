package hardening

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/leverlink/leverlink/shared/app/apptest"
	"github.com/leverlink/leverlink/shared/httpapi"
)

// TestErrorsThatHelp: every error the functions answer is the JSON envelope
// (404, 405, dot segments, body too large), 422 never says unauthorized,
// the caller's valid X-Request-Id is echoed, and the stable code is logged.
func TestErrorsThatHelp(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	c := "/v1/companies/" + company
	tests := []struct {
		name     string
		h        func() answer
		status   int
		code     string
		field    string
		allowHas string
	}{
		{"unknown route", func() answer { return api(t, e, "GET", c+"/nope", "") }, 404, "not_found", "", ""},
		{"wrong method", func() answer { return api(t, e, "PATCH", c+"/links", "") }, 405, "method_not_allowed", "", "GET"},
		{"health wrong method", func() answer { return api(t, e, "POST", "/v1/health", "") }, 405, "method_not_allowed", "", "GET"},
		{"dot segment", func() answer { return api(t, e, "GET", c+"/links/../connection", "") }, 400, "invalid", "path", ""},
		{"single dot", func() answer { return api(t, e, "GET", c+"/./links", "") }, 400, "invalid", "path", ""},
		{"escaped dot segment", func() answer { return api(t, e, "GET", c+"/links/%2e%2e/connection", "") }, 400, "invalid", "path", ""},
		{"empty segment", func() answer { return api(t, e, "GET", "/v1/companies//"+company+"/links", "") }, 400, "invalid", "path", ""},
		{"body too large", func() answer {
			return api(t, e, "PUT", c+"/links/pos-1", `{"postingId":"`+strings.Repeat("p", httpapi.MaxBody)+`"}`)
		}, 400, "invalid", "body", ""},
		{"webhook GET", func() answer { return serve(t, e.Webhook, httptest.NewRequest("GET", "/v1/events", nil)) }, 405, "method_not_allowed", "", "POST"},
		{"callback POST", func() answer {
			return serve(t, e.Callback, httptest.NewRequest("POST", "/oauth/lever/callback", nil))
		}, 405, "method_not_allowed", "", "GET"},
		{"reload not connected is 422, never unauthorized", func() answer { return api(t, e, "POST", c+"/postings/reload", "") }, 422, "invalid", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.h()
			if a.status != tt.status || a.env.Error.Code != tt.code || a.env.Error.Field != tt.field || a.env.Error.Message == "" {
				t.Errorf("got %s, want %d %s field %q in the JSON envelope", a, tt.status, tt.code, tt.field)
			}
			if tt.allowHas != "" && !strings.Contains(a.header.Get("Allow"), tt.allowHas) {
				t.Errorf("Allow = %q, want it to list %s", a.header.Get("Allow"), tt.allowHas)
			}
			if a.header.Get("X-Request-Id") == "" {
				t.Error("no X-Request-Id")
			}
		})
	}

	t.Run("X-Request-Id", func(t *testing.T) {
		for _, tt := range []struct{ sent, want string }{
			{"client-req-42", "client-req-42"},
			{"bad id with spaces", ""},
			{"<script>", ""},
			{strings.Repeat("r", httpapi.MaxRequestIDLength+1), ""},
		} {
			req := httptest.NewRequest("GET", c+"/nope", nil)
			req.Header.Set("X-Request-Id", tt.sent)
			got := serve(t, e.API, req).header.Get("X-Request-Id")
			if tt.want != "" && got != tt.want {
				t.Errorf("sent %q: echoed %q, want %q", tt.sent, got, tt.want)
			}
			if tt.want == "" && (got == tt.sent || !httpapi.ValidRequestID(got)) {
				t.Errorf("sent %.20q: got %q, want a fresh valid id", tt.sent, got)
			}
		}
	})

	t.Run("the stable code is logged", func(t *testing.T) {
		req := httptest.NewRequest("PUT", c+"/links/pos-1", strings.NewReader(`{"postingId":1}`))
		req.Header.Set("Authorization", "Bearer "+apptest.APIKey)
		req.Header.Set("X-Request-Id", "log-code-check")
		if a := serve(t, e.API, req); a.status != 400 {
			t.Fatalf("got %s", a)
		}
		for _, line := range strings.Split(e.Logs.String(), "\n") {
			if strings.Contains(line, `"request_id":"log-code-check"`) && strings.Contains(line, `"code":"invalid"`) {
				return
			}
		}
		t.Errorf("logs %s: want the stable code of request log-code-check", e.Logs.String())
	})
}
