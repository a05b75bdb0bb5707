package app

import (
	"slices"
	"testing"

	"github.com/leverlink/leverlink/shared/config"
)

// TestSetupOrigins: the setup page lives on the callback's origin, and the
// Lever round trip may return there besides the vendor's origins.
func TestSetupOrigins(t *testing.T) {
	tests := []struct {
		redirect    string
		wantBase    string
		wantReturns []string
	}{
		{"https://abc.execute-api.eu-west-1.amazonaws.com/oauth/lever/callback", "https://abc.execute-api.eu-west-1.amazonaws.com",
			[]string{"https://vendor.example", "https://abc.execute-api.eu-west-1.amazonaws.com"}},
		{"http://127.0.0.1:8080/oauth/lever/callback", "http://127.0.0.1:8080", []string{"https://vendor.example", "http://127.0.0.1:8080"}},
		{"", "", []string{"https://vendor.example"}},
		{"ftp://x/cb", "", []string{"https://vendor.example"}},
	}
	for _, tt := range tests {
		cfg := config.Config{LeverRedirectURL: tt.redirect, AllowedReturnOrigins: []string{"https://vendor.example"}}
		if got := setupBaseURL(cfg); got != tt.wantBase {
			t.Errorf("setupBaseURL(%q) = %q, want %q", tt.redirect, got, tt.wantBase)
		}
		if got := returnOrigins(cfg); !slices.Equal(got, tt.wantReturns) {
			t.Errorf("returnOrigins(%q) = %v, want %v", tt.redirect, got, tt.wantReturns)
		}
		if len(cfg.AllowedReturnOrigins) != 1 {
			t.Errorf("returnOrigins changed the configuration: %v", cfg.AllowedReturnOrigins)
		}
	}
}
