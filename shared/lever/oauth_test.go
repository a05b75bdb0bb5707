package lever_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/lever"
)

func TestEndpointsFor(t *testing.T) {
	tests := []struct {
		env      string
		auth     string
		token    string
		api      string
		audience string
		code     apperr.Code
	}{
		{lever.Production, "https://auth.lever.co/authorize", "https://auth.lever.co/oauth/token", "https://api.lever.co/v1", "https://api.lever.co/v1/", ""},
		{lever.Sandbox, "https://sandbox-lever.auth0.com/authorize", "https://sandbox-lever.auth0.com/oauth/token", "https://api.sandbox.lever.co/v1", "https://api.sandbox.lever.co/v1/", ""},
		{"staging", "", "", "", "", apperr.Invalid},
	}
	for _, tt := range tests {
		got, err := lever.EndpointsFor(tt.env)
		if apperr.CodeOf(err) != tt.code {
			t.Errorf("%s: err = %v, want code %q", tt.env, err, tt.code)
		}
		want := lever.Endpoints{AuthURL: tt.auth, TokenURL: tt.token, APIBase: tt.api, Audience: tt.audience}
		if got != want {
			t.Errorf("%s: got %+v, want %+v", tt.env, got, want)
		}
	}
}

func TestAuthCodeURL(t *testing.T) {
	e := newEnv(t, noRate(), lever.Config{})
	u, err := url.Parse(e.oauth().AuthCodeURL("state-123"))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	want := map[string]string{
		"client_id":     "leverfake-client",
		"redirect_uri":  "https://app.example/oauth/lever/callback",
		"response_type": "code",
		"state":         "state-123",
		"audience":      e.ts.Endpoints().Audience,
		"prompt":        "consent",
		"scope":         strings.Join(lever.DefaultScopes, " "),
	}
	for k, v := range want {
		if got := q.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if !strings.HasPrefix(u.String(), e.ts.Endpoints().AuthURL+"?") {
		t.Errorf("url %s does not start with the authorize endpoint", u)
	}
}

// authorize follows the authorize URL and returns the callback query.
func authorize(t *testing.T, e *env, o *lever.OAuth, state string) url.Values {
	t.Helper()
	resp, err := noFollow(e.ts.Client()).Get(o.AuthCodeURL(state))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize status = %d, want 302", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(loc.String(), "https://app.example/oauth/lever/callback?") {
		t.Fatalf("redirected to %s", loc)
	}
	return loc.Query()
}

func TestOAuthFlow(t *testing.T) {
	e := newEnv(t, noRate(), lever.Config{})
	o := e.oauth()
	ctx := ctxT(t)

	cb := authorize(t, e, o, "s1")
	if cb.Get("state") != "s1" || cb.Get("code") == "" {
		t.Fatalf("callback = %v, want code and state s1", cb)
	}
	tok, err := o.Exchange(ctx, cb.Get("code"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok.RefreshToken, "v1.") || tok.AccessToken == "" {
		t.Errorf("token pair incomplete: refresh prefix ok=%v access empty=%v", strings.HasPrefix(tok.RefreshToken, "v1."), tok.AccessToken == "")
	}
	if d := time.Until(tok.Expiry); d < 59*time.Minute || d > 61*time.Minute {
		t.Errorf("expiry in %v, want about 1h", d)
	}
	if tok.Scope != strings.Join(lever.DefaultScopes, " ") {
		t.Errorf("scope = %q", tok.Scope)
	}
	if tok.Claims.AccountID != e.acc.ID || tok.Claims.UserID != e.acc.AdminID() || tok.Claims.ClientID != "leverfake-client" {
		t.Errorf("claims = %+v, want account %s user %s", tok.Claims, e.acc.ID, e.acc.AdminID())
	}

	// The code is single use.
	_, err = o.Exchange(ctx, cb.Get("code"))
	checkCode(t, err, apperr.Unauthorized, "invalid_grant")

	// The access token works on the API.
	c := lever.New(lever.Config{BaseURL: e.ts.Endpoints().APIBase, HTTPClient: e.ts.Client(), Tokens: lever.StaticToken(tok.AccessToken)})
	users, err := c.ListUsers(ctx, lever.ListUsersParams{})
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 1 || users[0].ID != e.acc.AdminID() {
		t.Errorf("users = %+v, want the admin", users)
	}
}

func TestOAuthDenied(t *testing.T) {
	e := newEnv(t, noRate(), lever.Config{})
	e.ts.SetDenyConsent("The user declined")
	cb := authorize(t, e, e.oauth(), "s2")
	want := url.Values{"error": {"access_denied"}, "error_description": {"The user declined"}, "state": {"s2"}}
	if cb.Encode() != want.Encode() {
		t.Errorf("callback = %v, want %v", cb, want)
	}
}

func TestOAuthWrongSecret(t *testing.T) {
	e := newEnv(t, noRate(), lever.Config{})
	cb := authorize(t, e, e.oauth(), "s")
	bad := lever.NewOAuth(lever.OAuthConfig{
		ClientID: "leverfake-client", ClientSecret: "wrong", RedirectURL: "https://app.example/oauth/lever/callback",
		Endpoints: e.ts.Endpoints(), HTTPClient: e.ts.Client(),
	})
	_, err := bad.Exchange(ctxT(t), cb.Get("code"))
	// Our client credentials are wrong: never "the company must reconnect".
	checkCode(t, err, apperr.Transient, lever.ReasonClientRejected)
	if got := lever.TokenFailureOf(err); got != lever.TokenClientRejected {
		t.Errorf("TokenFailureOf = %q, want %q", got, lever.TokenClientRejected)
	}
}

func TestRefreshRotation(t *testing.T) {
	e := newEnv(t, noRate(), lever.Config{})
	o := e.oauth()
	ctx := ctxT(t)
	first := e.tokens.RefreshToken

	t2, err := o.Refresh(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	if t2.RefreshToken == "" || t2.RefreshToken == first {
		t.Fatalf("refresh token did not rotate")
	}
	if t2.Claims.AccountID != e.acc.ID {
		t.Errorf("claims account = %q, want %q", t2.Claims.AccountID, e.acc.ID)
	}
	t3, err := o.Refresh(ctx, t2.RefreshToken)
	if err != nil {
		t.Fatalf("rotated refresh token rejected: %v", err)
	}
	// Reusing a spent token is invalid_grant and, as with Auth0's rotation,
	// revokes the whole family: the newest token dies too.
	_, err = o.Refresh(ctx, first)
	checkCode(t, err, apperr.Unauthorized, "invalid_grant")
	if got := lever.TokenFailureOf(err); got != lever.TokenReconnect {
		t.Errorf("TokenFailureOf = %q, want %q", got, lever.TokenReconnect)
	}
	_, err = o.Refresh(ctx, t3.RefreshToken)
	checkCode(t, err, apperr.Unauthorized, "invalid_grant")
	c := lever.New(lever.Config{BaseURL: e.ts.Endpoints().APIBase, HTTPClient: e.ts.Client(), Tokens: lever.StaticToken(t3.AccessToken)})
	_, err = c.ListStages(ctx)
	checkCode(t, err, apperr.Unauthorized, "token_rejected")
}

func TestRevokedGrant(t *testing.T) {
	e := newEnv(t, noRate(), lever.Config{})
	ctx := ctxT(t)
	if _, err := e.client.ListStages(ctx); err != nil {
		t.Fatal(err)
	}
	e.acc.Revoke()

	_, err := e.client.ListStages(ctx)
	checkCode(t, err, apperr.Unauthorized, "token_rejected")
	_, err = e.oauth().Refresh(ctx, e.tokens.RefreshToken)
	checkCode(t, err, apperr.Unauthorized, "invalid_grant")
	if strings.Contains(err.Error(), e.tokens.RefreshToken) {
		t.Error("error text contains the refresh token")
	}
}
