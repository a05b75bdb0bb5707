package leverfake

import (
	"net/http"
	"net/url"
)

// SetHome makes baseURL ("http://127.0.0.1:9001") the home of an account,
// standing for another Lever data center: requests for the account that
// reach any other listener are answered 307 to the same path on baseURL.
// "" removes the home. Lever says EU accounts' integration actions "will be
// re-directed automatically to the appropriate data center"
// (hire.lever.co/developer/oauth); whether that is an HTTP redirect is
// undocumented (LEVER.md Turn 2 ⚠️), so the fake models the harder case: a
// 307, which keeps method and body (RFC 9110 §15.4.8).
func (f *Fake) SetHome(accountID, baseURL string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a := f.accounts[accountID]; a != nil {
		a.home = baseURL
	}
}

// redirectHome answers 307 to the account's home when the request reached
// another listener, and reports whether it did. Call with f.mu held.
func (f *Fake) redirectHome(w http.ResponseWriter, r *http.Request, a *account) bool {
	if a == nil || a.home == "" {
		return false
	}
	home, err := url.Parse(a.home)
	if err != nil || home.Host == r.Host {
		return false
	}
	f.counters["307 redirect"]++
	a.counters["307 redirect"]++
	loc := *home
	loc.Path = r.URL.Path
	loc.RawQuery = r.URL.RawQuery
	w.Header().Set("Location", loc.String())
	writeError(w, http.StatusTemporaryRedirect, "TemporaryRedirect", "account is served by another data center")
	return true
}
