package jsondecode

import (
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
	type outer struct {
		Name  string `json:"name"`
		Inner inner  `json:"inner"`
	}
	tests := []struct {
		prefix, body, wantField, wantMsg string
	}{
		{"", `{"name": 1}`, "name", "must be a string"},
		{"data", `{"inner": {"tags": "x"}}`, "data.inner.tags", "must be an array"},
		{"data", `[]`, "data", "must be a JSON object"},
		{"data", `{"nope": 1}`, "data.nope", "is not a known field"},
		{"", `{"inner": {"at": "yesterday"}}`, "body", "not RFC 3339"},
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
	if err := Strict("", []byte(`{"name":"a","inner":{"tags":["x"]}}`), &v); err != nil || v.Inner.Tags[0] != "x" {
		t.Errorf("valid body: %v %+v", err, v)
	}
}
