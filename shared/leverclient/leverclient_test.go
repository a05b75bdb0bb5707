package leverclient

import (
	"testing"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
)

func TestEndpoints(t *testing.T) {
	tests := []struct {
		name     string
		cfg      Config
		env      connection.Environment
		wantAuth string
		wantAPI  string
		wantAud  string
		wantCode apperr.Code
	}{
		{name: "production", env: connection.Production, wantAuth: "https://auth.lever.co/authorize", wantAPI: "https://api.lever.co/v1", wantAud: "https://api.lever.co/v1/"},
		{name: "sandbox", env: connection.Sandbox, wantAuth: "https://sandbox-lever.auth0.com/authorize", wantAPI: "https://api.sandbox.lever.co/v1", wantAud: "https://api.sandbox.lever.co/v1/"},
		{
			name: "fake overrides both environments", env: connection.Sandbox,
			cfg:      Config{AuthBaseURL: "http://127.0.0.1:8765", APIBaseURL: "http://127.0.0.1:8765/v1/"},
			wantAuth: "http://127.0.0.1:8765/authorize", wantAPI: "http://127.0.0.1:8765/v1", wantAud: "http://127.0.0.1:8765/v1/",
		},
		{name: "unknown environment", env: "staging", wantCode: apperr.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ep, err := tt.cfg.Endpoints(tt.env)
			if tt.wantCode != "" {
				if apperr.CodeOf(err) != tt.wantCode {
					t.Fatalf("Endpoints: got %v, want code %s", err, tt.wantCode)
				}
				if (&OAuth{Config: tt.cfg}).AuthCodeURL(tt.env, "s", "https://api.example/oauth/lever/callback", "", nil) != "" {
					t.Errorf("AuthCodeURL for an unknown environment: want \"\"")
				}
				return
			}
			if err != nil || ep.AuthURL != tt.wantAuth || ep.APIBase != tt.wantAPI || ep.Audience != tt.wantAud {
				t.Fatalf("Endpoints: got %+v, %v; want auth %s api %s audience %s", ep, err, tt.wantAuth, tt.wantAPI, tt.wantAud)
			}
			if tt.cfg.AuthBaseURL != "" && ep.TokenURL != tt.cfg.AuthBaseURL+"/oauth/token" {
				t.Errorf("token URL: got %s", ep.TokenURL)
			}
		})
	}
}
