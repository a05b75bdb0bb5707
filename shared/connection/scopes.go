package connection

import "strings"

// HasScope reports whether the connection's granted scopes (Lever's
// space-separated scope string) include scope. Pure.
func (c Connection) HasScope(scope string) bool {
	for _, s := range strings.Fields(c.Scopes) {
		if s == scope {
			return true
		}
	}
	return false
}

// Confidentiality is the confidentiality parameter the connection's Lever
// lookups send: "all" when it holds ScopeConfidential (confidential
// postings and their opportunities are then visible), "" (Lever's default,
// non-confidential only) otherwise. Pure.
func (c Connection) Confidentiality() string {
	if c.HasScope(ScopeConfidential) {
		return "all"
	}
	return ""
}
