package leverfake

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

const (
	codeTTL      = 10 * time.Minute
	defaultScope = "offline_access opportunities:write:admin notes:write:admin files:write:admin postings:read:admin users:read:admin stages:read:admin"
	issuer       = "https://auth.leverfake.local/"
)

type authCode struct {
	accountID, userID, clientID, redirectURI, scope, audience string
	challenge                                                 string // PKCE S256 (pkce.go); "" without
	expires                                                   time.Time
}

type accessGrant struct {
	accountID, userID, clientID, scope, family string
	expires                                    time.Time
}

// refreshGrant is one live refresh token. family names the authorization it
// descends from (every rotation keeps it); started is when that
// authorization happened, issued when this token was minted.
type refreshGrant struct {
	accountID, userID, clientID, scope, audience, family string
	started, issued                                      time.Time
}

// Tokens is a token pair issued by the fake.
type Tokens struct {
	AccessToken  string    `json:"accessToken"`
	RefreshToken string    `json:"refreshToken,omitempty"`
	Expiry       time.Time `json:"expiry"`
	Scope        string    `json:"scope"`
}

// SetDenyConsent makes /authorize deny (error=access_denied with
// description) when description is non-empty, and consent again when empty.
func (f *Fake) SetDenyConsent(description string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.denyConsent = description
}

// SetConsentAccount selects the account that consents on /authorize when the
// request has no account= parameter. "" restores the default (the first
// account).
func (f *Fake) SetConsentAccount(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.consentAccount = id
}

// SetTokenTTL sets the lifetime of access tokens issued from now on.
func (f *Fake) SetTokenTTL(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.tokenTTL = d
}

// Revoke revokes every token of an account, as when a super admin removes
// the app under Lever's "Authorized Apps".
func (f *Fake) Revoke(accountID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for k, g := range f.access {
		if g.accountID == accountID {
			delete(f.access, k)
		}
	}
	for k, g := range f.refresh {
		if g.accountID == accountID {
			delete(f.refresh, k)
		}
	}
	for k, c := range f.codes {
		if c.accountID == accountID {
			delete(f.codes, k)
		}
	}
}

// spentToken remembers a rotated refresh token's family until the family
// itself would have expired.
type spentToken struct {
	family  string
	started time.Time
}

// maxSpent bounds the rotated tokens remembered before expired ones are
// pruned (long local runs and benchmarks refresh often).
const maxSpent = 10000

// rememberSpentLocked records a rotated refresh token for reuse detection.
// Call with f.mu held.
func (f *Fake) rememberSpentLocked(rt, family string, started time.Time) {
	if len(f.spent) >= maxSpent {
		cutoff := f.now().Add(-f.opts.RefreshLifetime)
		for k, sp := range f.spent {
			if sp.started.Before(cutoff) {
				delete(f.spent, k)
			}
		}
	}
	f.spent[rt] = spentToken{family: family, started: started}
}

// revokeFamilyLocked kills every access and refresh token descending from
// one authorization. Call with f.mu held.
func (f *Fake) revokeFamilyLocked(family string) {
	for k, g := range f.access {
		if g.family == family {
			delete(f.access, k)
		}
	}
	for k, g := range f.refresh {
		if g.family == family {
			delete(f.refresh, k)
		}
	}
}

// ExpireAccessTokens makes every current access token of an account expire
// now (refresh tokens stay valid).
func (f *Fake) ExpireAccessTokens(accountID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, g := range f.access {
		if g.accountID == accountID {
			g.expires = f.now().Add(-time.Second)
		}
	}
}

// authorize consents (or denies) at once and redirects to redirect_uri.
// Fake extensions: account= and user= choose who consents.
func (f *Fake) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f.mu.Lock()
	f.count(nil, "GET /authorize")
	f.mu.Unlock()
	if q.Get("client_id") != f.opts.ClientID {
		http.Error(w, "invalid client_id", http.StatusBadRequest)
		return
	}
	redirect := q.Get("redirect_uri")
	ru, err := url.Parse(redirect)
	if redirect == "" || err != nil || !ru.IsAbs() ||
		(len(f.opts.RedirectURIs) > 0 && !slices.Contains(f.opts.RedirectURIs, redirect)) {
		http.Error(w, "redirect_uri is missing or not registered", http.StatusBadRequest)
		return
	}
	back := func(v url.Values) {
		if s := q.Get("state"); s != "" {
			v.Set("state", s)
		}
		u := *ru
		rq := u.Query()
		for k, vs := range v {
			rq[k] = vs
		}
		u.RawQuery = rq.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
	}
	fail := func(code, desc string) {
		back(url.Values{"error": {code}, "error_description": {desc}})
	}
	if q.Get("response_type") != "code" {
		fail("unsupported_response_type", "response_type must be code")
		return
	}
	if q.Get("audience") == "" {
		fail("invalid_request", "audience is required")
		return
	}
	challenge, problem := pkceRequest(q)
	if problem != "" {
		fail("invalid_request", problem)
		return
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	if f.denyConsent != "" {
		fail("access_denied", f.denyConsent)
		return
	}
	accID := q.Get("account")
	if accID == "" {
		accID = f.consentAccount
	}
	if accID == "" && len(f.accountOrder) > 0 {
		accID = f.accountOrder[0]
	}
	if accID == "" {
		accID = f.newAccountLocked("Default Account").ID
	}
	a := f.accounts[accID]
	if a == nil {
		http.Error(w, "unknown account", http.StatusBadRequest)
		return
	}
	userID := q.Get("user")
	if userID == "" {
		userID = a.adminID
	}
	if !a.activeUser(userID) {
		fail("access_denied", "the consenting user is not an active user of the account")
		return
	}
	scope := q.Get("scope")
	if scope == "" {
		scope = "opportunities:read:admin"
	}
	code := secret(18)
	f.codes[code] = &authCode{
		accountID: a.id, userID: userID, clientID: f.opts.ClientID, redirectURI: redirect,
		scope: scope, audience: q.Get("audience"), challenge: challenge, expires: f.now().Add(codeTTL),
	}
	back(url.Values{"code": {code}})
}

// token implements the authorization_code and refresh_token grants.
func (f *Fake) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "malformed form")
		return
	}
	grant := r.PostForm.Get("grant_type")
	label := "POST /oauth/token " + grant
	id, sec := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if u, p, ok := r.BasicAuth(); ok {
		id, sec = u, p
	}

	f.mu.Lock()
	f.count(nil, label)
	fault, ok := f.pickFaultLocked(label)
	f.mu.Unlock()
	if ok && !f.preFault(w, r, fault) {
		return
	}
	rec := w
	var buf *bufferedResponse
	if ok && fault.applies() {
		buf = newBufferedResponse()
		rec = buf
	}
	f.tokenGrant(rec, r, grant, id, sec, label)
	if buf != nil {
		f.postFault(w, fault)
	}
}

func (f *Fake) tokenGrant(w http.ResponseWriter, r *http.Request, grant, id, sec, label string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if id != f.opts.ClientID || sec != f.opts.ClientSecret {
		// Wrong client credentials: 401 {"error":"access_denied"}, as Lever's
		// sandbox (Auth0) was reported to answer (LEVER.md Turn 2 ⚠️) — not
		// invalid_grant: the grant is fine, our client is not.
		f.counters["oauth access_denied"]++
		oauthError(w, http.StatusUnauthorized, "access_denied", "Unauthorized")
		return
	}
	switch grant {
	case "authorization_code":
		code := r.PostForm.Get("code")
		c := f.codes[code]
		delete(f.codes, code) // single use, even when the checks below fail
		if c == nil || f.now().After(c.expires) || c.clientID != id || c.redirectURI != r.PostForm.Get("redirect_uri") {
			f.counters["oauth invalid_grant"]++
			oauthError(w, http.StatusForbidden, "invalid_grant", "Invalid authorization code")
			return
		}
		if !pkceVerified(c.challenge, r.PostForm.Get("code_verifier")) {
			f.counters["oauth invalid_grant"]++
			oauthError(w, http.StatusForbidden, "invalid_grant", "Failed to verify code verifier")
			return
		}
		writeJSONRaw(w, http.StatusOK, f.tokenResponse(f.issueLocked(c.accountID, c.userID, c.clientID, c.scope, c.audience)))
	case "refresh_token":
		rt := r.PostForm.Get("refresh_token")
		g := f.refresh[rt]
		if g != nil && f.redirectHome(w, r, f.accounts[g.accountID]) {
			return
		}
		// Dead grants answer 403 invalid_grant "Unknown or invalid refresh
		// token." as Auth0 (Lever's sandbox auth server) does (LEVER.md §1,
		// Turn 2).
		dead := func(desc string) {
			f.counters["oauth invalid_grant"]++
			if g != nil {
				f.accounts[g.accountID].counters["oauth invalid_grant"]++
			}
			oauthError(w, http.StatusForbidden, "invalid_grant", desc)
		}
		if g == nil {
			// Reuse of a rotated refresh token revokes the whole family:
			// Auth0's refresh-token rotation reuse detection (LEVER.md §1:
			// the sandbox auth server is Auth0; single use is an assumption).
			if sp, ok := f.spent[rt]; ok {
				f.revokeFamilyLocked(sp.family)
				f.counters["oauth reuse_detected"]++
			}
			dead("Unknown or invalid refresh token.")
			return
		}
		now := f.now()
		switch {
		case g.clientID != id:
			dead("Unknown or invalid refresh token.")
			return
		case !now.Before(g.issued.Add(f.opts.RefreshIdle)), !now.Before(g.started.Add(f.opts.RefreshLifetime)):
			// "Refresh tokens will expire after one year or after 90 days
			// of inactivity" (docs #authentication, OAuth step 5).
			delete(f.refresh, rt)
			dead("Unknown or invalid refresh token.")
			return
		}
		delete(f.refresh, rt) // rotation: the old one is spent (LEVER.md §1 "Rotation")
		f.rememberSpentLocked(rt, g.family, g.started)
		f.accounts[g.accountID].counters[label]++
		writeJSONRaw(w, http.StatusOK, f.tokenResponse(f.issueFamilyLocked(g.accountID, g.userID, g.clientID, g.scope, g.audience, g.family, g.started)))
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "grant_type must be authorization_code or refresh_token")
	}
}

func (f *Fake) tokenResponse(t Tokens) map[string]any {
	m := map[string]any{
		"access_token": t.AccessToken,
		"token_type":   "Bearer",
		"scope":        t.Scope,
		"expires_in":   int64(t.Expiry.Sub(f.now()).Round(time.Second) / time.Second),
	}
	if t.RefreshToken != "" {
		m["refresh_token"] = t.RefreshToken
	}
	return m
}

// issueLocked starts a new authorization (token family) and mints its first
// tokens. Call with f.mu held.
func (f *Fake) issueLocked(accountID, userID, clientID, scope, audience string) Tokens {
	return f.issueFamilyLocked(accountID, userID, clientID, scope, audience, secret(12), f.now())
}

// issueFamilyLocked mints a JWT-shaped access token and, with
// offline_access, a refresh token, in an existing family. Call with f.mu
// held.
func (f *Fake) issueFamilyLocked(accountID, userID, clientID, scope, audience, family string, started time.Time) Tokens {
	if audience == "" {
		audience = "https://api.lever.co/v1/"
	}
	now := f.now()
	exp := now.Add(f.tokenTTL)
	header := b64json(map[string]string{"alg": "RS256", "typ": "JWT", "kid": "leverfake"})
	payload := b64json(map[string]any{
		"iss":                              issuer,
		"sub":                              userID + "@clients",
		"aud":                              []string{audience},
		"iat":                              now.Unix(),
		"exp":                              exp.Unix(),
		"scope":                            scope,
		"jti":                              secret(9),
		"https://oauth.lever.co/userId":    userID,
		"https://oauth.lever.co/accountId": accountID,
		"https://oauth.lever.co/clientId":  clientID,
	})
	at := header + "." + payload + "." + secret(32)
	f.access[at] = &accessGrant{accountID: accountID, userID: userID, clientID: clientID, scope: scope, family: family, expires: exp}
	t := Tokens{AccessToken: at, Expiry: exp, Scope: scope}
	if slices.Contains(strings.Fields(scope), "offline_access") {
		t.RefreshToken = "v1." + secret(36)
		f.refresh[t.RefreshToken] = &refreshGrant{
			accountID: accountID, userID: userID, clientID: clientID, scope: scope, audience: audience,
			family: family, started: started, issued: now,
		}
	}
	return t
}

// bearer resolves the request's access token to its account. Call with
// f.mu held.
func (f *Fake) bearer(r *http.Request) *account {
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || tok == "" {
		return nil
	}
	g := f.access[tok]
	if g == nil || !f.now().Before(g.expires) {
		return nil
	}
	return f.accounts[g.accountID]
}

func b64json(v any) string {
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSONRaw(w, status, map[string]string{"error": code, "error_description": desc})
}
