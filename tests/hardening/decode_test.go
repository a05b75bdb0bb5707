package hardening

import (
	"fmt"
	"strings"
	"testing"

	"github.com/leverlink/leverlink/shared/app/apptest"
)

// TestIDsAndJSONAsDocumented: one id rule wherever an id enters (path,
// query, body, event) and exact decoding (case-sensitive keys, no duplicate
// keys, no null where a value is required, valid UTF-8), each refused with
// 400 naming the field.
func TestIDsAndJSONAsDocumented(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	badIDs := map[string]string{
		"space": "a b", "slash": "a/b", "hash": "a#b", "question": "a?b", "tab": "a\tb",
		"U+2028": "a\u2028b", "no-break space": "a\u00a0b", "ideographic space": "a\u3000b",
		"bidi override": "a\u202eb", "zero width": "a\u200bb", "replacement": "a\ufffdb",
		"too long": strings.Repeat("x", 129),
	}
	for name, id := range badIDs {
		t.Run("event id "+name, func(t *testing.T) {
			body := fmt.Sprintf(`{"id":%q,"type":"candidate.contact_accepted","occurredAt":%q,"companyId":%q,"data":{"candidate":{"id":"c1"}}}`, id, now(), company)
			if a := webhook(t, e, body); a.status != 400 || a.env.Error.Field != "id" {
				t.Errorf("got %s, want 400 naming id", a)
			}
		})
		t.Run("body candidate id "+name, func(t *testing.T) {
			if a := webhook(t, e, candEvent(fmt.Sprintf(`{"id":%q}`, id))); a.status != 400 || a.env.Error.Field != "data.candidate.id" {
				t.Errorf("got %s, want 400 naming data.candidate.id", a)
			}
		})
		t.Run("query positionId "+name, func(t *testing.T) {
			a := api(t, e, "GET", "/v1/companies/"+company+"/candidates/c1/export?positionId="+escape(id), "")
			if a.status != 400 || a.env.Error.Field != "positionId" {
				t.Errorf("got %s, want 400 naming positionId", a)
			}
		})
		if strings.ContainsAny(id, "/?#") {
			continue // these split the path: another route, or none
		}
		t.Run("path candidateId "+name, func(t *testing.T) {
			a := api(t, e, "GET", "/v1/companies/"+company+"/candidates/"+escape(id)+"/export", "")
			if a.status != 400 || a.env.Error.Field != "candidateId" {
				t.Errorf("got %s, want 400 naming candidateId", a)
			}
		})
	}
	t.Run("invalid UTF-8 in a path id", func(t *testing.T) {
		a := api(t, e, "GET", "/v1/companies/"+company+"/candidates/c%FF1/export", "")
		if a.status != 400 || a.env.Error.Field != "candidateId" {
			t.Errorf("got %s, want 400 naming candidateId", a)
		}
	})
	t.Run("valid ids are accepted", func(t *testing.T) {
		for _, id := range []string{"c-1", "cand:42", "ünïcødé-ok", "a.b_c~d@e"} {
			if a := webhook(t, e, candEvent(fmt.Sprintf(`{"id":%q}`, id))); a.status != 202 {
				t.Errorf("candidate id %q: got %s, want 202", id, a)
			}
		}
	})

	decoding := []struct {
		name, candidate, wantField string
	}{
		{"case-insensitive key", `{"id":"c1","firstname":"Ada"}`, "data.candidate.firstname"},
		{"duplicate key", `{"id":"c1","id":"c2"}`, "data.candidate.id"},
		{"consent without granted", `{"id":"c1","consent":{}}`, "data.candidate.consent.granted"},
		{"granted null", `{"id":"c1","consent":{"granted":null}}`, "data.candidate.consent.granted"},
		{"string null", `{"id":"c1","firstName":null}`, "data.candidate.firstName"},
		{"unknown nested field", `{"id":"c1","location":{"city":"Paris","zip":"75001"}}`, "data.candidate.location.zip"},
		{"bad consent time", `{"id":"c1","consent":{"granted":true,"at":"2026-13-01"}}`, "data.candidate.consent.at"},
		{"bad message time", `{"id":"c1","messages":[{"id":"m1","direction":"inbound","sentAt":"yesterday","body":"hi"}]}`, "data.candidate.messages[0].sentAt"},
	}
	for _, tt := range decoding {
		t.Run("event "+tt.name, func(t *testing.T) {
			a := webhook(t, e, candEvent(tt.candidate))
			if a.status != 400 || a.env.Error.Field != tt.wantField {
				t.Errorf("got %s, want 400 naming %s", a, tt.wantField)
			}
		})
	}
	t.Run("bad time names an RFC 3339 example", func(t *testing.T) {
		a := webhook(t, e, strings.Replace(candEvent(`{"id":"c1"}`), `"occurredAt":"`, `"occurredAt":"x`, 1))
		if a.status != 400 || a.env.Error.Field != "occurredAt" || !strings.Contains(a.env.Error.Message, "2026-01-02T15:04:05Z") {
			t.Errorf("got %s, want 400 naming occurredAt with an RFC 3339 example", a)
		}
	})
	t.Run("invalid UTF-8 in a body", func(t *testing.T) {
		a := webhook(t, e, candEvent("{\"id\":\"c1\",\"firstName\":\"A\xffda\"}"))
		if a.status != 400 || a.env.Error.Field != "body" || !strings.Contains(a.env.Error.Message, "UTF-8") {
			t.Errorf("got %s, want 400 naming body (UTF-8)", a)
		}
	})
	apiBodies := []struct {
		name, method, path, body, wantField string
	}{
		{"case-insensitive returnUrl", "POST", "/connection/authorize", `{"returnurl":"` + apptest.ReturnURL + `"}`, "returnurl"},
		{"duplicate returnUrl", "POST", "/connection/authorize", `{"returnUrl":"` + apptest.ReturnURL + `","returnUrl":"https://evil.example/"}`, "returnUrl"},
		{"case-insensitive postingId", "PUT", "/links/pos-1", `{"postingid":"p1"}`, "postingid"},
		{"null postingId", "PUT", "/links/pos-1", `{"postingId":null}`, "postingId"},
		{"export consent {}", "POST", "/candidates/c1/export", `{"candidate":{"id":"c1","consent":{}}}`, "candidate.consent.granted"},
	}
	for _, tt := range apiBodies {
		t.Run("api "+tt.name, func(t *testing.T) {
			a := api(t, e, tt.method, "/v1/companies/"+company+tt.path, tt.body)
			if a.status != 400 || a.env.Error.Field != tt.wantField {
				t.Errorf("got %s, want 400 naming %s", a, tt.wantField)
			}
		})
	}
}

// escape percent-encodes every byte that is not unreserved, so the id
// reaches the handler exactly.
func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
