package connect_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/app/apptest"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/httpapi"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
)

// TestConnectFlow is the whole story: authorize URL → consent at the fake →
// callback → connected with the token's user as perform-as, tokens sealed
// and usable, the first postings refresh requested and run.
func TestConnectFlow(t *testing.T) {
	t.Parallel()
	e, acct := newEnv(t)

	if got := view(t, e, "acme"); got.Status != connection.NotConnected {
		t.Fatalf("before connecting: got status %q, want not_connected", got.Status)
	}
	authURL, _ := authorizeURL(t, e, "acme", nil)
	u, _ := url.Parse(authURL)
	q := u.Query()
	for k, want := range map[string]string{
		"client_id": leverfake.DefaultClientID, "redirect_uri": apptest.RedirectURL,
		"response_type": "code", "prompt": "consent",
	} {
		if got := q.Get(k); got != want {
			t.Errorf("authorize URL %s: got %q, want %q", k, got, want)
		}
	}
	if q.Get("audience") == "" || !strings.Contains(q.Get("scope"), "offline_access") {
		t.Errorf("authorize URL: got audience %q scope %q, want an audience and offline_access", q.Get("audience"), q.Get("scope"))
	}

	before := time.Now()
	loc := e.FollowConsent(authURL)
	if loc == nil {
		t.Fatalf("callback: got an error page, want a redirect\n%s", e.Logs.String())
	}
	if got, want := loc.Scheme+"://"+loc.Host+loc.Path, apptest.ReturnURL; got != want {
		t.Errorf("redirect: got %q, want the return URL %q", got, want)
	}
	if got := loc.Query().Get("status"); got != "connected" {
		t.Errorf("redirect status: got %q (reason %q), want connected", got, loc.Query().Get("reason"))
	}
	if loc.Query().Has("code") || loc.Query().Has("state") {
		t.Errorf("redirect %s: carries the OAuth code or state back to the vendor", loc)
	}

	v := view(t, e, "acme")
	if v.Status != connection.Connected || v.Environment != connection.Production {
		t.Errorf("GET connection: got status %q env %q, want connected production", v.Status, v.Environment)
	}
	if v.ConnectedAt == nil || v.ConnectedAt.Before(before.Add(-time.Second)) {
		t.Errorf("connectedAt: got %v, want about now", v.ConnectedAt)
	}
	if v.PerformAs == nil || v.PerformAs.ID != acct.AdminID() {
		t.Errorf("performAs: got %+v, want the consenting admin %s (token user claim)", v.PerformAs, acct.AdminID())
	}
	if v.LeverAccountID != acct.ID || v.LastError != "" {
		t.Errorf("got leverAccountId %q lastError %q, want %q and none", v.LeverAccountID, v.LastError, acct.ID)
	}

	// The vault hands out the token the fake issued, without a refresh.
	refreshes := e.Fake.Calls("POST /oauth/token refresh_token")
	tok, err := e.App.Vault.AccessToken(context.Background(), "acme")
	if err != nil || tok == "" {
		t.Fatalf("vault: got %q, %v; want a token", tok, err)
	}
	if got := e.Fake.Calls("POST /oauth/token refresh_token"); got != refreshes {
		t.Errorf("refreshes after connect: got %d, want %d", got, refreshes)
	}

	// The first postings refresh was requested by the callback (one
	// asynchronous invocation of the refresher) and ran.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if st, err := e.Refresh.Wait(ctx); st.Attempts != 1 || st.Failed != 0 || err != nil {
		t.Fatalf("refresh requests: got %d invocations, %d failed, %v; want 1, 0, nil", st.Attempts, st.Failed, err)
	}
	var list struct {
		Postings    []map[string]any `json:"postings"`
		RefreshedAt *time.Time       `json:"refreshedAt"`
	}
	if code := e.Do("GET", "/v1/companies/acme/postings", nil, &list); code != 200 || len(list.Postings) != 2 || list.RefreshedAt == nil {
		t.Errorf("postings after the first refresh: got %d with %d postings (refreshedAt %v), want 200 with 2", code, len(list.Postings), list.RefreshedAt)
	}
}

// TestConnectPerformAs covers the perform-as user: an explicit
// performAsEmail wins over the token's user; unknown and deactivated users
// are refused and nothing is stored.
func TestConnectPerformAs(t *testing.T) {
	t.Parallel()
	e, acct := newEnv(t)
	recruiter := acct.AddUser(leverfake.User{Name: "Rita Recruiter", Email: "rita@acme.example"})
	gone := acct.AddUser(leverfake.User{Name: "Gone User", Email: "gone@acme.example"})
	if !acct.DeactivateUser(gone.ID) {
		t.Fatal("deactivate user")
	}

	tests := []struct {
		name, company, email string
		wantStatus, reason   string
		wantID               string
	}{
		{"explicit email", "co-email", "rita@acme.example", "connected", "", recruiter.ID},
		{"token claim", "co-claim", "", "connected", "", acct.AdminID()},
		{"unknown email", "co-unknown", "nobody@acme.example", "error", "perform_as_not_found", ""},
		{"deactivated user", "co-deactivated", "gone@acme.example", "error", "perform_as_deactivated", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := map[string]any{"returnUrl": apptest.ReturnURL, "environment": "sandbox"}
			if tt.email != "" {
				body["performAsEmail"] = tt.email
			}
			loc := e.Connect(tt.company, body)
			if loc == nil {
				t.Fatalf("got an error page, want a redirect")
			}
			if got := loc.Query().Get("status"); got != tt.wantStatus || loc.Query().Get("reason") != tt.reason {
				t.Fatalf("redirect: got status %q reason %q, want %q %q", got, loc.Query().Get("reason"), tt.wantStatus, tt.reason)
			}
			v := view(t, e, tt.company)
			if tt.wantStatus != "connected" {
				if v.Status != connection.NotConnected || rawConnection(t, e, tt.company) != nil {
					t.Errorf("refused perform-as: got status %q and a stored item %t, want not_connected and none", v.Status, rawConnection(t, e, tt.company) != nil)
				}
				return
			}
			if v.Status != connection.Connected || v.Environment != connection.Sandbox || v.PerformAs == nil || v.PerformAs.ID != tt.wantID {
				t.Errorf("got %+v (performAs %+v), want connected sandbox as %s", v, v.PerformAs, tt.wantID)
			}
		})
	}
}

// TestAuthorizeValidation checks the authorize body: return URLs limited to
// the allowed origins, environment, performAsEmail, strict JSON.
func TestAuthorizeValidation(t *testing.T) {
	t.Parallel()
	e, _ := newEnv(t)
	tests := []struct {
		name      string
		body      any
		wantCode  int
		wantField string
	}{
		{"ok production", map[string]any{"returnUrl": apptest.ReturnURL, "environment": "production"}, 200, ""},
		{"ok sandbox", map[string]any{"returnUrl": apptest.ReturnURL, "environment": "sandbox"}, 200, ""},
		{"environment defaults to production", map[string]any{"returnUrl": apptest.ReturnURL}, 200, ""},
		{"origin case-insensitive", map[string]any{"returnUrl": "https://VENDOR.example/x?y=1"}, 200, ""},
		{"missing returnUrl", map[string]any{"environment": "production"}, 400, "returnUrl"},
		{"other origin", map[string]any{"returnUrl": "https://evil.example/settings"}, 400, "returnUrl"},
		{"suffix origin", map[string]any{"returnUrl": "https://vendor.example.evil.example/"}, 400, "returnUrl"},
		{"userinfo trick", map[string]any{"returnUrl": "https://vendor.example@evil.example/"}, 400, "returnUrl"},
		{"other scheme", map[string]any{"returnUrl": "http://vendor.example/settings"}, 400, "returnUrl"},
		{"javascript", map[string]any{"returnUrl": "javascript:alert(1)"}, 400, "returnUrl"},
		{"scheme-relative", map[string]any{"returnUrl": "//vendor.example/settings"}, 400, "returnUrl"},
		{"relative", map[string]any{"returnUrl": "/settings"}, 400, "returnUrl"},
		{"unknown environment", map[string]any{"returnUrl": apptest.ReturnURL, "environment": "staging"}, 400, "environment"},
		{"bad performAsEmail", map[string]any{"returnUrl": apptest.ReturnURL, "performAsEmail": "Rita <rita@acme.example>"}, 400, "performAsEmail"},
		{"unknown field", map[string]any{"returnUrl": apptest.ReturnURL, "scope": "all"}, 400, "scope"},
		{"wrong type", map[string]any{"returnUrl": 42}, 400, "returnUrl"},
		{"empty body", "", 400, "body"},
		{"not JSON", "{", 400, "body"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out struct {
				AuthorizeURL string              `json:"authorizeUrl"`
				Error        httpapi.ErrorDetail `json:"error"`
			}
			code := e.Do("POST", "/v1/companies/acme/connection/authorize", tt.body, &out)
			if code != tt.wantCode {
				t.Fatalf("got status %d (%+v), want %d", code, out.Error, tt.wantCode)
			}
			if tt.wantCode == 200 {
				if out.AuthorizeURL == "" {
					t.Errorf("got no authorizeUrl")
				}
				return
			}
			if out.Error.Code != "invalid" || out.Error.Field != tt.wantField {
				t.Errorf("got error %+v, want code invalid field %q", out.Error, tt.wantField)
			}
		})
	}
}

// TestDeniedConsent: the admin refuses at Lever → back to the vendor with
// status=error&reason=access_denied; no code exchange, nothing stored.
func TestDeniedConsent(t *testing.T) {
	t.Parallel()
	e, _ := newEnv(t)
	e.Fake.SetDenyConsent("The user denied access")
	loc := e.Connect("acme", nil)
	if loc == nil {
		t.Fatal("got an error page, want a redirect to the return URL")
	}
	if got := loc.Query(); got.Get("status") != "error" || got.Get("reason") != "access_denied" {
		t.Errorf("redirect: got %s, want status=error&reason=access_denied", loc.RawQuery)
	}
	if got := e.Fake.Calls("POST /oauth/token authorization_code"); got != 0 {
		t.Errorf("code exchanges: got %d, want 0", got)
	}
	if v := view(t, e, "acme"); v.Status != connection.NotConnected {
		t.Errorf("status: got %q, want not_connected", v.Status)
	}
	if rawConnection(t, e, "acme") != nil {
		t.Errorf("a connection item was stored after a denied consent")
	}
	// Consent given later: a new authorize works.
	e.Fake.SetDenyConsent("")
	mustConnect(t, e, "acme")
}

// TestCallbackStates: forged, tampered, missing, replayed, expired and
// other-company states change nothing; only the company a state was issued
// for is ever affected.
func TestCallbackStates(t *testing.T) {
	t.Parallel()
	e, _ := newEnv(t)
	type result struct {
		page     bool // error page (no trustworthy return URL)
		status   string
		reason   string
		redirect string
	}
	deliver := func(q url.Values) result {
		rec := callback(e, q)
		if rec.Code == http.StatusFound {
			loc, err := url.Parse(rec.Header().Get("Location"))
			if err != nil {
				t.Fatal(err)
			}
			return result{status: loc.Query().Get("status"), reason: loc.Query().Get("reason"), redirect: loc.Scheme + "://" + loc.Host + loc.Path}
		}
		if rec.Code != http.StatusBadRequest || rec.Header().Get("Location") != "" {
			t.Fatalf("callback: got %d location %q, want 302 or a 400 error page", rec.Code, rec.Header().Get("Location"))
		}
		return result{page: true, reason: strings.TrimSpace(rec.Body.String())}
	}
	unchanged := func(t *testing.T, companyID string, wantVersion string) {
		t.Helper()
		item := rawConnection(t, e, companyID)
		got := ""
		if item != nil {
			got = fmt.Sprint(item["version"])
		}
		if got != wantVersion {
			t.Errorf("company %s: stored version went from %q to %q, want unchanged", companyID, wantVersion, got)
		}
	}

	t.Run("forged", func(t *testing.T) {
		for _, st := range []string{"forged-state", strings.Repeat("A", 43), strings.Repeat("x", 200), ""} {
			res := deliver(url.Values{"state": {st}, "code": {"anything"}})
			if !res.page || !strings.Contains(res.reason, "invalid_state") {
				t.Errorf("state %.20q: got %+v, want the invalid_state error page", st, res)
			}
		}
		if e.Fake.Calls("POST /oauth/token authorization_code") != 0 {
			t.Errorf("a forged state led to a code exchange")
		}
		rec := callback(e, url.Values{"state": {"forged"}})
		if rec.Header().Get("X-Request-Id") == "" || rec.Header().Get("Cache-Control") != "no-store" || rec.Header().Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("error page headers: got %v, want X-Request-Id, no-store, no-referrer", rec.Header())
		}
		post := httptest.NewRecorder()
		e.Callback.ServeHTTP(post, httptest.NewRequest("POST", "/oauth/lever/callback?state=x", nil))
		if post.Code != http.StatusMethodNotAllowed {
			t.Errorf("POST to the callback: got %d, want 405", post.Code)
		}
		unchanged(t, "acme", "")
	})

	t.Run("tampered", func(t *testing.T) {
		authURL, st := authorizeURL(t, e, "acme", nil)
		q := consent(t, authURL)
		flip := "A"
		if st[len(st)-1] == 'A' {
			flip = "B"
		}
		q.Set("state", st[:len(st)-1]+flip)
		if res := deliver(q); !res.page {
			t.Errorf("tampered state: got %+v, want the error page", res)
		}
		unchanged(t, "acme", "")
	})

	t.Run("replayed", func(t *testing.T) {
		authURL, _ := authorizeURL(t, e, "replay-co", nil)
		q := consent(t, authURL)
		if res := deliver(q); res.status != "connected" {
			t.Fatalf("first delivery: got %+v, want connected", res)
		}
		version := fmt.Sprint(rawConnection(t, e, "replay-co")["version"])
		access, _ := tokens(t, e, "replay-co")
		exchanges := e.Fake.Calls("POST /oauth/token authorization_code")
		for range 2 {
			if res := deliver(q); !res.page || !strings.Contains(res.reason, "invalid_state") {
				t.Errorf("replay: got %+v, want the invalid_state error page", res)
			}
		}
		if got := e.Fake.Calls("POST /oauth/token authorization_code"); got != exchanges {
			t.Errorf("replay reached the token endpoint: %d exchanges, want %d", got, exchanges)
		}
		unchanged(t, "replay-co", version)
		if again, _ := tokens(t, e, "replay-co"); again != access {
			t.Errorf("replay replaced the access token")
		}
	})

	t.Run("concurrent replay", func(t *testing.T) {
		authURL, _ := authorizeURL(t, e, "race-co", nil)
		q := consent(t, authURL)
		results := make(chan result, 10)
		for range 10 {
			go func() {
				rec := callback(e, q)
				results <- result{page: rec.Code != http.StatusFound}
			}()
		}
		pages := 0
		for range 10 {
			if (<-results).page {
				pages++
			}
		}
		if pages != 9 {
			t.Errorf("10 concurrent deliveries of one state: got %d error pages, want 9 (the state is single use)", pages)
		}
		if got := e.Fake.Calls("POST /oauth/token authorization_code"); got != 2 {
			t.Errorf("code exchanges so far: got %d, want 2 (replay-co, race-co)", got)
		}
	})

	t.Run("expired", func(t *testing.T) {
		e.App.Connect.StateTTL = 50 * time.Millisecond
		authURL, _ := authorizeURL(t, e, "expired-co", nil)
		e.App.Connect.StateTTL = 0
		q := consent(t, authURL)
		time.Sleep(100 * time.Millisecond)
		exchanges := e.Fake.Calls("POST /oauth/token authorization_code")
		res := deliver(q)
		if res.page || res.status != "error" || res.reason != "state_expired" || res.redirect != apptest.ReturnURL {
			t.Errorf("expired state: got %+v, want a redirect with status=error&reason=state_expired", res)
		}
		if got := e.Fake.Calls("POST /oauth/token authorization_code"); got != exchanges {
			t.Errorf("an expired state led to a code exchange")
		}
		unchanged(t, "expired-co", "")
		if res := deliver(q); !res.page {
			t.Errorf("expired state delivered again: got %+v, want the error page (consumed)", res)
		}
	})

	t.Run("access denied with a valid state", func(t *testing.T) {
		_, st := authorizeURL(t, e, "denied-co", nil)
		q := url.Values{"state": {st}, "error": {"access_denied"}, "error_description": {"no"}}
		if res := deliver(q); res.status != "error" || res.reason != "access_denied" {
			t.Errorf("got %+v, want status=error reason=access_denied", res)
		}
		if res := deliver(q); !res.page {
			t.Errorf("second delivery: got %+v, want the error page", res)
		}
		unchanged(t, "denied-co", "")
	})

	t.Run("other company", func(t *testing.T) {
		// The attacker's state (company "mallory") with the code of acme's
		// consent: the state decides, so only mallory is affected, and the
		// browser goes to mallory's return URL.
		acmeURL, _ := authorizeURL(t, e, "acme", nil)
		acmeQ := consent(t, acmeURL)
		malloryReturn := apptest.ReturnOrigin + "/mallory"
		_, malloryState := authorizeURL(t, e, "mallory", map[string]any{"returnUrl": malloryReturn})
		mixed := url.Values{"state": {malloryState}, "code": {acmeQ.Get("code")}}
		if res := deliver(mixed); res.redirect != malloryReturn {
			t.Errorf("mixed callback: got %+v, want mallory's return URL", res)
		}
		if v := view(t, e, "acme"); v.Status != connection.NotConnected {
			t.Errorf("acme after a foreign state: got %q, want not_connected", v.Status)
		}
		unchanged(t, "acme", "")
		// acme's own state with its (now spent) code: refused, nothing stored.
		if res := deliver(acmeQ); res.status != "error" || res.reason != "exchange_failed" {
			t.Errorf("acme's state with a spent code: got %+v, want status=error reason=exchange_failed", res)
		}
		unchanged(t, "acme", "")
	})

	t.Run("missing code", func(t *testing.T) {
		_, st := authorizeURL(t, e, "nocode-co", nil)
		if res := deliver(url.Values{"state": {st}}); res.status != "error" || res.reason != "missing_code" {
			t.Errorf("got %+v, want status=error reason=missing_code", res)
		}
		unchanged(t, "nocode-co", "")
	})
}

// TestReconnect: a second consent replaces the tokens and keeps the links.
func TestReconnect(t *testing.T) {
	t.Parallel()
	e, _ := newEnv(t)
	mustConnect(t, e, "acme")
	positions := linkAll(t, e, "acme")
	access1, refresh1 := tokens(t, e, "acme")
	first := view(t, e, "acme")

	time.Sleep(10 * time.Millisecond)
	mustConnect(t, e, "acme")
	access2, refresh2 := tokens(t, e, "acme")
	if access2 == access1 || refresh2 == refresh1 {
		t.Errorf("reconnect: tokens not replaced (access same %t, refresh same %t)", access2 == access1, refresh2 == refresh1)
	}
	if got := links(t, e, "acme"); len(got) != len(positions) {
		t.Errorf("links after reconnect: got %v, want %v", got, positions)
	}
	v := view(t, e, "acme")
	if v.Status != connection.Connected || !v.ConnectedAt.After(*first.ConnectedAt) {
		t.Errorf("after reconnect: got %q connectedAt %v, want connected after %v", v.Status, v.ConnectedAt, first.ConnectedAt)
	}
	if tok, err := e.App.Vault.AccessToken(context.Background(), "acme"); err != nil || tok != access2 {
		t.Errorf("vault after reconnect: got the new token %t, err %v", tok == access2, err)
	}
}
