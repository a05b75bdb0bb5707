package hardening

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/leverlink/leverlink/shared/app/apptest"
)

// TestNo500FromClientInput: every string is bounded at the edge (400 naming
// the field, never a DynamoDB "item too large" 500), and page cursors are
// signed: a made-up or changed one is 400 naming cursor.
func TestNo500FromClientInput(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	c := "/v1/companies/" + company
	long := func(n int) string { return strings.Repeat("x", n) }

	t.Run("a 500 KB returnUrl", func(t *testing.T) {
		body := fmt.Sprintf(`{"returnUrl":%q}`, apptest.ReturnURL+"?"+long(500_000))
		if a := api(t, e, "POST", c+"/connection/authorize", body); a.status != 400 || a.env.Error.Field != "returnUrl" {
			t.Errorf("got %.200s, want 400 naming returnUrl", a)
		}
	})
	bodies := []struct{ name, method, path, body, field string }{
		{"performAsEmail", "POST", "/connection/authorize", fmt.Sprintf(`{"returnUrl":%q,"performAsEmail":"%s@example.com"}`, apptest.ReturnURL, long(400)), "performAsEmail"},
		{"postingId", "PUT", "/links/pos-1", fmt.Sprintf(`{"postingId":%q}`, long(129)), "postingId"},
		{"export headline", "POST", "/candidates/c1/export", fmt.Sprintf(`{"candidate":{"id":"c1","headline":%q}}`, long(1001)), "candidate.headline"},
	}
	for _, tt := range bodies {
		t.Run(tt.name, func(t *testing.T) {
			if a := api(t, e, tt.method, c+tt.path, tt.body); a.status != 400 || a.env.Error.Field != tt.field {
				t.Errorf("got %.200s, want 400 naming %s", a, tt.field)
			}
		})
	}
	events := []struct{ candidate, field string }{
		{fmt.Sprintf(`{"id":"c1","firstName":%q}`, long(201)), "data.candidate.firstName"},
		{fmt.Sprintf(`{"id":"c1","emails":["a@example.com","%s@example.com"]}`, long(320)), "data.candidate.emails[1]"},
		{fmt.Sprintf(`{"id":"c1","location":{"city":%q}}`, long(201)), "data.candidate.location.city"},
		{fmt.Sprintf(`{"id":"c1","messages":[{"id":"m1","direction":"inbound","sentAt":"2026-01-02T10:00:00Z","body":%q}]}`, long(100_001)), "data.candidate.messages[0].body"},
		{fmt.Sprintf(`{"id":"c1","resume":{"contentBase64":"JVBERi0=","fileName":%q}}`, long(256)), "data.candidate.resume.fileName"},
	}
	for _, tt := range events {
		t.Run("event "+tt.field, func(t *testing.T) {
			if a := webhook(t, e, candEvent(tt.candidate)); a.status != 400 || a.env.Error.Field != tt.field {
				t.Errorf("got %.200s, want 400 naming %s", a, tt.field)
			}
		})
	}
	t.Run("query q", func(t *testing.T) {
		if a := api(t, e, "GET", c+"/postings?q="+long(201), ""); a.status != 400 || a.env.Error.Field != "q" {
			t.Errorf("got %s, want 400 naming q", a)
		}
	})
	cursors := map[string]string{
		"unsigned DynamoDB key": base64.URLEncoding.EncodeToString([]byte(`{"pk":{"S":"acme"},"sk":{"S":"export#c1"}}`)),
		"garbage":               "%%%",
		"forged signature":      base64.RawURLEncoding.EncodeToString([]byte("x")) + "." + base64.RawURLEncoding.EncodeToString(make([]byte, 32)),
		"too long":              long(1025),
	}
	for _, listing := range []string{"exports", "activities"} {
		for name, cur := range cursors {
			t.Run(listing+" cursor "+name, func(t *testing.T) {
				if a := api(t, e, "GET", c+"/"+listing+"?state=failed&cursor="+escape(cur), ""); a.status != 400 || a.env.Error.Field != "cursor" {
					t.Errorf("got %s, want 400 naming cursor", a)
				}
			})
		}
	}
}
