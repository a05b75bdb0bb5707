// Package leverclient builds leverlink's Lever clients from its
// configuration: OAuth (authorize URL, code exchange, refresh, user lookups
// with a fresh token) and per-connection API clients whose tokens come from
// the vault and whose requests are paced by the company's shared token
// bucket. It adapts shared/lever to the ports of connection, export and
// posting.
package leverclient

import (
	"net/http"
	"strings"
	"time"

	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/lever"
)

// Config is what every Lever client shares.
type Config struct {
	ClientID     string
	ClientSecret string
	// AuthBaseURL, when set, replaces both environments' auth host: it
	// serves /authorize and /oauth/token (the fake Lever).
	AuthBaseURL string
	// APIBaseURL, when set, replaces both environments' /v1 API base.
	APIBaseURL string
	HTTPClient *http.Client // a 30s-timeout client when nil
	// OnCall, when set, observes every Lever HTTP attempt (benchmarks).
	OnCall func(endpoint string, status int, dur time.Duration)
	// RedirectHosts are extra hosts ("host:port") Lever's redirects may
	// lead to besides https hosts under lever.co: only the local stack and
	// tests set it (a fake "other region" account), production never.
	RedirectHosts []string
}

// Endpoints returns env's endpoints with the configured overrides. Errors:
// apperr Invalid naming environment for an unknown environment.
func (c Config) Endpoints(env connection.Environment) (lever.Endpoints, error) {
	ep, err := lever.EndpointsFor(string(env))
	if err != nil {
		return ep, err
	}
	if b := c.AuthBaseURL; b != "" {
		ep.AuthURL, ep.TokenURL = b+"/authorize", b+"/oauth/token"
	}
	if b := c.APIBaseURL; b != "" {
		ep.APIBase, ep.Audience = strings.TrimRight(b, "/"), strings.TrimRight(b, "/")+"/"
	}
	return ep, nil
}
