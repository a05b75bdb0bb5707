package lever

import "github.com/leverlink/leverlink/shared/apperr"

// Environment names accepted by EndpointsFor.
const (
	Production = "production"
	Sandbox    = "sandbox"
)

// Endpoints are the URLs of one Lever environment. All of them can be
// overridden, which is how tests and the local stack point at leverfake.
type Endpoints struct {
	AuthURL  string // OAuth authorize page
	TokenURL string // OAuth token endpoint
	APIBase  string // Data API base, without trailing slash
	Audience string // OAuth audience: the API base with a trailing slash
}

// EndpointsFor returns the endpoints of the named environment ("production"
// or "sandbox"). Any other name is an apperr.Invalid error on field
// "environment".
//
// Sandbox hosts follow LEVER.md §1: auth on sandbox-lever.auth0.com, API and
// audience on api.sandbox.lever.co.
func EndpointsFor(env string) (Endpoints, error) {
	switch env {
	case Production:
		return Endpoints{
			AuthURL:  "https://auth.lever.co/authorize",
			TokenURL: "https://auth.lever.co/oauth/token",
			APIBase:  "https://api.lever.co/v1",
			Audience: "https://api.lever.co/v1/",
		}, nil
	case Sandbox:
		return Endpoints{
			AuthURL:  "https://sandbox-lever.auth0.com/authorize",
			TokenURL: "https://sandbox-lever.auth0.com/oauth/token",
			APIBase:  "https://api.sandbox.lever.co/v1",
			Audience: "https://api.sandbox.lever.co/v1/",
		}, nil
	}
	return Endpoints{}, apperr.InvalidField("environment", "unknown Lever environment %q (want %q or %q)", env, Production, Sandbox)
}
