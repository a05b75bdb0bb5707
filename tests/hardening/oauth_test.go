package hardening

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/leverlink/leverlink/shared/app/apptest"
	"github.com/leverlink/leverlink/shared/config"
	"github.com/leverlink/leverlink/shared/httpapi"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
)

// consentQuery asks leverlink for an authorize URL for companyID, consents
// at the fake Lever and returns the query Lever sends back to the callback
// (code and state), without delivering it.
func consentQuery(t *testing.T, e *apptest.Env, companyID string) url.Values {
	t.Helper()
	var got struct {
		AuthorizeURL string `json:"authorizeUrl"`
	}
	if code := e.Do("POST", "/v1/companies/"+companyID+"/connection/authorize", map[string]any{"returnUrl": apptest.ReturnURL}, &got); code != 200 {
		t.Fatalf("authorize %s: %d", companyID, code)
	}
	leverURL := e.StartFlow(got.AuthorizeURL)
	if u, _ := url.Parse(leverURL); u.Query().Get("code_challenge_method") != "S256" || len(u.Query().Get("code_challenge")) != 43 {
		t.Fatalf("authorize URL %s: want a PKCE S256 challenge", leverURL)
	}
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(leverURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound || loc.Query().Get("code") == "" {
		t.Fatalf("fake authorize: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query()
}

// TestOAuthCodeBoundToItsFlow: the code of one company's flow cannot
// complete another company's flow (PKCE: the verifier comes from the state
// the callback receives), while each flow completes on its own.
func TestOAuthCodeBoundToItsFlow(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	acct := e.Fake.NewAccount("Victim Co")
	e.Fake.SetConsentAccount(acct.ID)
	acct.AddPosting(leverfake.Posting{Text: "Backend Engineer", State: "published"})

	victim := consentQuery(t, e, "victim-co")
	attacker := consentQuery(t, e, "attacker-co")
	swapped := url.Values{"code": {victim.Get("code")}, "state": {attacker.Get("state")}}
	loc := e.CallbackQuery(swapped.Encode())
	if loc == nil || loc.Query().Get("status") != "error" || loc.Query().Get("reason") != "exchange_failed" {
		t.Fatalf("victim's code with the attacker's state: redirect %v, want status=error reason=exchange_failed", loc)
	}
	var st struct{ Status string }
	if e.Do("GET", "/v1/companies/attacker-co/connection", nil, &st); st.Status != "not_connected" {
		t.Errorf("attacker-co status %q, want not_connected", st.Status)
	}
	if loc := e.Connect("own-co", nil); loc == nil || loc.Query().Get("status") != "connected" {
		t.Errorf("an ordinary flow: redirect %v, want connected", loc)
	}
}

// TestOAuthFlowBoundToTheBrowser: the authorizeUrl is leverlink's start
// link, which sets a short-lived, HttpOnly, SameSite=Lax flow cookie and
// redirects to Lever; a callback from a browser without that cookie (an
// admin lured to someone else's authorize link) connects nothing.
func TestOAuthFlowBoundToTheBrowser(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	e.Fake.SetConsentAccount(e.Fake.NewAccount("Victim Co").ID)
	var got struct {
		AuthorizeURL string `json:"authorizeUrl"`
	}
	if code := e.Do("POST", "/v1/companies/attacker-co/connection/authorize", map[string]any{"returnUrl": apptest.ReturnURL}, &got); code != 200 {
		t.Fatalf("authorize: %d", code)
	}
	start, _ := url.Parse(got.AuthorizeURL)
	if start.Path != httpapi.StartPath || !strings.HasPrefix(got.AuthorizeURL, apptest.PublicURL) {
		t.Fatalf("authorizeUrl %s: want leverlink's start link", got.AuthorizeURL)
	}
	rec := httptest.NewRecorder()
	e.Callback.ServeHTTP(rec, httptest.NewRequest("GET", start.RequestURI(), nil))
	cookies := rec.Result().Cookies()
	if rec.Code != http.StatusFound || len(cookies) != 1 || !cookies[0].HttpOnly || !cookies[0].Secure ||
		cookies[0].SameSite != http.SameSiteLaxMode || cookies[0].MaxAge <= 0 || cookies[0].MaxAge > 900 {
		t.Fatalf("start link: %d cookies %+v", rec.Code, cookies)
	}
	tampered := strings.Replace(start.RequestURI(), "sig=", "sig=x", 1)
	rec = httptest.NewRecorder()
	e.Callback.ServeHTTP(rec, httptest.NewRequest("GET", tampered, nil))
	if rec.Code != http.StatusBadRequest {
		t.Errorf("tampered start link: %d, want 400", rec.Code)
	}

	// The victim's browser consents at Lever and comes back without the cookie.
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Get(rec0Location(t, e, start))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	rec = httptest.NewRecorder()
	e.Callback.ServeHTTP(rec, httptest.NewRequest("GET", "/oauth/lever/callback?"+loc.RawQuery, nil))
	back, _ := url.Parse(rec.Header().Get("Location"))
	if rec.Code != http.StatusFound || back.Query().Get("reason") != "flow_not_started_in_this_browser" {
		t.Errorf("callback without the flow cookie: %d %s, want a redirect with reason flow_not_started_in_this_browser", rec.Code, back)
	}
	var st struct{ Status string }
	if e.Do("GET", "/v1/companies/attacker-co/connection", nil, &st); st.Status != "not_connected" {
		t.Errorf("attacker-co status %q, want not_connected", st.Status)
	}
}

// rec0Location is where the start link sends a browser (Lever's authorize
// URL).
func rec0Location(t *testing.T, e *apptest.Env, start *url.URL) string {
	t.Helper()
	rec := httptest.NewRecorder()
	e.Callback.ServeHTTP(rec, httptest.NewRequest("GET", start.RequestURI(), nil))
	return rec.Header().Get("Location")
}

// TestOAuthWithoutPKCE: LEVER_PKCE=off sends no challenge and still
// connects (Lever does not document PKCE; the fake accepts both).
func TestOAuthWithoutPKCE(t *testing.T) {
	t.Parallel()
	e := apptest.New(t, apptest.WithConfig(func(c *config.Config) { c.LeverNoPKCE = true }))
	e.Fake.SetConsentAccount(e.Fake.NewAccount("Acme").ID)
	if loc := e.Connect(company, nil); loc == nil || loc.Query().Get("status") != "connected" {
		t.Errorf("redirect %v, want connected", loc)
	}
}
