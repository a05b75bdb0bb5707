package setup

import (
	"net/http"
	"net/url"
	"strings"
)

// ContentSecurityPolicy is the page's policy: everything from the page's own
// origin only ('self'), no inline script or style, no plugins, and framing
// only by the page itself and the allowed origins. An allowed origin that is
// not a plain http(s) origin is left out (it could otherwise inject a
// directive).
func ContentSecurityPolicy(frameAncestors []string) string {
	anc := []string{"'self'"}
	for _, o := range frameAncestors {
		if src := cspOrigin(o); src != "" {
			anc = append(anc, src)
		}
	}
	return "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
		"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; " +
		"frame-ancestors " + strings.Join(anc, " ")
}

// cspOrigin returns o as a CSP source ("https://vendor.example"), or "".
func cspOrigin(o string) string {
	u, err := url.Parse(strings.TrimRight(strings.TrimSpace(o), "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil ||
		u.Path != "" || u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(u.Host, " ;,'\"") {
		return ""
	}
	return strings.ToLower(u.Scheme + "://" + u.Host)
}

// SecurityHeaders sets the headers of every setup response: the CSP, no
// caching (session answers and pages alike), no MIME sniffing, no referrer
// (the first load's URL holds the session token).
func SecurityHeaders(h http.Header, csp string) {
	h.Set("Content-Security-Policy", csp)
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cross-Origin-Opener-Policy", "same-origin-allow-popups")
}
