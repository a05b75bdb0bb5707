package lever

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// maxRedirects bounds the redirects followed for one request.
const maxRedirects = 5

// redirectPolicy decides which redirect targets may receive our bearer
// token or client secret. Lever documents 301 "resource moved" with the new
// address in Location (#responses-and-errors) and says EU accounts'
// actions are "re-directed automatically to the appropriate data center"
// (hire.lever.co/developer/oauth); whether that is an HTTP 3xx is
// undocumented (LEVER.md Turn 2 ⚠️). So redirects are followed only to
// https hosts under lever.co, plus hosts (host:port) a test or the local
// stack lists explicitly.
type redirectPolicy struct {
	extra []string // lower-case host:port
}

func newRedirectPolicy(extra []string) redirectPolicy {
	p := redirectPolicy{}
	for _, h := range extra {
		if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
			p.extra = append(p.extra, h)
		}
	}
	return p
}

// allowed reports whether a request may be sent to u after a redirect.
func (p redirectPolicy) allowed(u *url.URL) bool {
	if slices.Contains(p.extra, strings.ToLower(u.Host)) {
		return u.Scheme == "http" || u.Scheme == "https"
	}
	host := strings.ToLower(u.Hostname())
	return u.Scheme == "https" && (host == "lever.co" || strings.HasSuffix(host, ".lever.co"))
}

// isRedirect reports whether status is a redirect the client follows.
func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// checkRedirect is the http.Client hook for the token endpoint: Go replays
// the form body on 307/308 (the request has GetBody) and sends no
// Authorization (the client credentials are in the body), so it may follow
// those to an allowed host; a 301/302 would turn the POST into a GET and
// lose the form, so it stops there and the answer is classified as an error.
func (p redirectPolicy) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return http.ErrUseLastResponse
	}
	if req.Response != nil && req.Response.StatusCode != http.StatusTemporaryRedirect && req.Response.StatusCode != http.StatusPermanentRedirect {
		return http.ErrUseLastResponse
	}
	if !p.allowed(req.URL) {
		return http.ErrUseLastResponse
	}
	return nil
}
