package lever

import (
	"slices"
	"strings"

	"golang.org/x/oauth2"
)

// ScopeConfidential lets the app see confidential postings and
// opportunities ("Access all confidential data", Lever's scope list); asked
// for only when the company connects with confidential access.
const ScopeConfidential = "confidential:access:admin"

// AuthCodeURLWithScopes is AuthCodeURL asking for the configured scopes plus
// extra (each once, in order).
func (o *OAuth) AuthCodeURLWithScopes(state string, extra ...string) string {
	scopes := slices.Clone(o.cfg.Scopes)
	for _, s := range extra {
		if !slices.Contains(scopes, s) {
			scopes = append(scopes, s)
		}
	}
	return o.cfg.AuthCodeURL(state,
		oauth2.SetAuthURLParam("audience", o.audience),
		oauth2.SetAuthURLParam("prompt", "consent"),
		oauth2.SetAuthURLParam("scope", strings.Join(scopes, " ")),
	)
}
