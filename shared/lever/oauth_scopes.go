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
	return o.AuthCodeURLPKCE(state, "", extra...)
}

// scopeOption is the scope parameter for the configured scopes plus extra
// (each once, in order); nil when extra adds nothing.
func (o *OAuth) scopeOption(extra []string) oauth2.AuthCodeOption {
	scopes := slices.Clone(o.cfg.Scopes)
	added := false
	for _, s := range extra {
		if !slices.Contains(scopes, s) {
			scopes = append(scopes, s)
			added = true
		}
	}
	if !added {
		return nil
	}
	return oauth2.SetAuthURLParam("scope", strings.Join(scopes, " "))
}
