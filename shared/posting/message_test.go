package posting

import (
	"testing"

	"github.com/leverlink/leverlink/shared/apperr"
)

func TestRefreshMessageRoundTrip(t *testing.T) {
	for _, id := range []string{"acme", "co-1_x.y", `quo"te`, "café"} {
		body := EncodeRefresh(id)
		got, err := DecodeRefresh(body)
		if err != nil || got != id {
			t.Errorf("DecodeRefresh(EncodeRefresh(%q)): got %q, %v", id, got, err)
		}
	}
}

func TestDecodeRefreshRefuses(t *testing.T) {
	tests := []struct{ name, body string }{
		{"not json", `not json`},
		{"no company", `{}`},
		{"empty company", `{"companyId":""}`},
		{"wrong type", `{"companyId":7}`},
		{"id with a slash", `{"companyId":"a/b"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeRefresh([]byte(tt.body))
			if !apperr.Is(err, apperr.Invalid) {
				t.Errorf("DecodeRefresh(%s): got %q, %v; want an Invalid error", tt.body, got, err)
			}
		})
	}
}

func TestEncodeRefreshFormat(t *testing.T) {
	if got, want := string(EncodeRefresh("acme")), `{"companyId":"acme"}`; got != want {
		t.Errorf("EncodeRefresh: got %s, want %s", got, want)
	}
}
