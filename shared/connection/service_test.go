package connection

import (
	"testing"

	"github.com/leverlink/leverlink/shared/apperr"
)

func TestCheckReturnURL(t *testing.T) {
	s := &Service{AllowedOrigins: []string{"https://vendor.example", "http://localhost:8080/"}}
	tests := []struct {
		url     string
		wantErr bool
	}{
		{"https://vendor.example/settings", false},
		{"https://VENDOR.example:443/settings", false},
		{"http://localhost:8080/x", false},
		{"http://localhost:8081/x", true},
		{"http://vendor.example/settings", true},
		{"https://vendor.example.evil.test/", true},
		{"https://user@vendor.example/", true},
		{"javascript:alert(1)", true},
		{"/relative", true},
		{"", true},
	}
	for _, tt := range tests {
		err := s.CheckReturnURL(tt.url)
		if (err != nil) != tt.wantErr {
			t.Errorf("CheckReturnURL(%q) = %v, wantErr %v", tt.url, err, tt.wantErr)
		}
		if err != nil && apperr.As(err).Field != "returnUrl" {
			t.Errorf("CheckReturnURL(%q): field %q, want returnUrl", tt.url, apperr.As(err).Field)
		}
	}
}
