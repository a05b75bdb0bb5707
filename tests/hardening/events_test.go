package hardening

import (
	"encoding/base64"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/leverlink/leverlink/shared/app/apptest"
	"github.com/leverlink/leverlink/shared/httpapi"
	"github.com/leverlink/leverlink/shared/outbox"
)

// TestOutboundFeedInputs: the events feed's cursors are signed like every
// page cursor (a plain, changed, made-up, oversized or other company's one
// is 400 naming after), its limit is bounded, and the redeliver body is
// decoded exactly and bounded: every refusal is the envelope naming the
// field.
func TestOutboundFeedInputs(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	c := "/v1/companies/" + company
	codec := httpapi.FeedCursors(e.App.CursorKey)

	if a := api(t, e, "GET", c+"/events?after="+escape(codec.Encode(company, 0)), ""); a.status != 200 {
		t.Fatalf("a cursor this API signed for %s: %s, want 200", company, a)
	}
	bad := map[string]string{
		"plain sequence (unsigned)": outbox.EncodeCursor(0),
		"garbage":                   "%%%",
		"forged signature":          base64.RawURLEncoding.EncodeToString([]byte(outbox.EncodeCursor(0))) + "." + base64.RawURLEncoding.EncodeToString(make([]byte, 32)),
		"another company's":         codec.Encode("globex", 0),
		"too long":                  strings.Repeat("x", 1025),
	}
	for name, cur := range bad {
		t.Run("feed cursor "+name, func(t *testing.T) {
			if a := api(t, e, "GET", c+"/events?after="+escape(cur), ""); a.status != 400 || a.env.Error.Code != "invalid" || a.env.Error.Field != "after" {
				t.Errorf("got %s, want 400 invalid naming after", a)
			}
		})
		t.Run("redeliver cursor "+name, func(t *testing.T) {
			body := fmt.Sprintf(`{"after":%q}`, cur)
			if a := api(t, e, "POST", c+"/events/redeliver", body); a.status != 400 || a.env.Error.Field != "after" {
				t.Errorf("got %s, want 400 naming after", a)
			}
		})
	}
	for _, l := range []string{"0", "501", "ten", "-1"} {
		if a := api(t, e, "GET", c+"/events?limit="+l, ""); a.status != 400 || a.env.Error.Field != "limit" {
			t.Errorf("limit=%s: got %s, want 400 naming limit", l, a)
		}
	}
	bodies := map[string]string{
		"a key in another case": `{"After":""}`,
		"a duplicate key":       `{"after":"","after":""}`,
		"an unknown field":      `{"after":"","since":"x"}`,
		"not an object":         `["after"]`,
	}
	for name, body := range bodies {
		if a := api(t, e, "POST", c+"/events/redeliver", body); a.status != 400 || a.env.Error.Code != "invalid" {
			t.Errorf("redeliver with %s: got %s, want 400 invalid", name, a)
		}
	}
	if a := api(t, e, "GET", "/v1/companies/ac%E2%80%AEme/events", ""); a.status != 400 || a.env.Error.Field != "companyId" {
		t.Errorf("a bidi override in the company id: got %s, want 400 naming companyId", a)
	}
	if a := api(t, e, "PUT", c+"/events", "{}"); a.status != 405 || a.env.Error.Code != "method_not_allowed" {
		t.Errorf("PUT /events: got %s, want the 405 envelope", a)
	}
}

// TestLeverWebhookRouteRefusals: the route Lever delivers to refuses a bad
// company id (400 naming companyId) and an unsigned delivery (401), both
// as the envelope, before anything is read or written.
func TestLeverWebhookRouteRefusals(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	body := `{"id":"d1","event":"candidateStageChange","triggeredAt":1,"data":{"opportunityId":"opp-1"}}`
	cases := []struct {
		name, path  string
		status      int
		code, field string
	}{
		{"a space in the company id", "/v1/lever-webhooks/ac%20me", 400, "invalid", "companyId"},
		{"a bidi override in the company id", "/v1/lever-webhooks/ac%E2%80%AEme", 400, "invalid", "companyId"},
		{"unsigned, no webhooks registered", "/v1/lever-webhooks/" + company, 401, "unauthorized", ""},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "http://x/", strings.NewReader(body))
			if err := setTarget(req, tt.path); err != nil {
				t.Fatal(err)
			}
			a := serve(t, e.Webhook, req)
			if a.status != tt.status || a.env.Error.Code != tt.code || a.env.Error.Field != tt.field {
				t.Errorf("got %s, want %d %s naming %q", a, tt.status, tt.code, tt.field)
			}
			if a.header.Get("X-Request-Id") == "" {
				t.Error("no X-Request-Id")
			}
		})
	}
}
