package jsondecode

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
)

func TestStrict(t *testing.T) {
	type inner struct {
		At   time.Time `json:"at"`
		Tags []string  `json:"tags"`
	}
	type consent struct {
		Granted bool `json:"granted" strict:"required"`
	}
	type outer struct {
		Name    string          `json:"name"`
		Inner   inner           `json:"inner"`
		Consent *consent        `json:"consent"`
		Any     json.RawMessage `json:"any"`
	}
	tests := []struct {
		prefix, body, wantField, wantMsg string
	}{
		{"", `{"name": 1}`, "name", "must be a string"},
		{"data", `{"inner": {"tags": "x"}}`, "data.inner.tags", "must be an array"},
		{"data", `[]`, "data", "must be a JSON object"},
		{"data", `{"nope": 1}`, "data.nope", "is not a known field"},
		{"", `{"inner": {"at": "yesterday"}}`, "inner.at", "RFC 3339 time such as 2026-01-02T15:04:05Z"},
		{"data", `{"inner": {"at": 5}}`, "data.inner.at", "RFC 3339"},
		{"data", `{"inner": {"zip": 1}}`, "data.inner.zip", "is not a known field"},
		{"", `{"NAME": "a"}`, "NAME", "case-sensitive: name"},
		{"", `{"name": "a", "name": "b"}`, "name", "more than once"},
		{"", `{"inner": {"tags": [], "tags": []}}`, "inner.tags", "more than once"},
		{"", `{"name": null}`, "name", "must not be null"},
		{"", `{"inner": null}`, "inner", "must not be null"},
		{"", "{\"name\": \"a\xffb\"}", "body", "UTF-8"},
		{"", `{"consent": {}}`, "consent.granted", "is required"},
		{"", `{"consent": {"granted": null}}`, "consent.granted", "must not be null"},
		{"", `{"any": {"a": 1, "a": 2}}`, "any.a", "more than once"},
		{"", `{"name": "a"`, "body", "ends too early"},
		{"data", `{"name": "a"} 1`, "data", "trailing data"},
	}
	for _, tt := range tests {
		var v outer
		e := apperr.As(Strict(tt.prefix, []byte(tt.body), &v))
		if e == nil || e.Code != apperr.Invalid || e.Field != tt.wantField || !strings.Contains(e.Message, tt.wantMsg) {
			t.Errorf("Strict(%q, %s) = %v, want invalid %s %q", tt.prefix, tt.body, e, tt.wantField, tt.wantMsg)
		}
	}
	var v outer
	if err := Strict("", []byte(`{"name":"a","inner":{"tags":["x"],"at":"2026-01-02T15:04:05.5+02:00"},"consent":{"granted":false},"any":[{"a":null}],"inner2":1}`[:0]), &v); err == nil {
		t.Error("empty body accepted")
	}
	if err := Strict("", []byte(`{"name":"a","inner":{"tags":["x"],"at":"2026-01-02T15:04:05.5+02:00"},"consent":{"granted":false},"any":[{"a":null}]}`), &v); err != nil || v.Inner.Tags[0] != "x" {
		t.Errorf("valid body: %v %+v", err, v)
	}
}
