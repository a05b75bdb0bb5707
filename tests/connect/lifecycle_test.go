package connect_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/app/apptest"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/health"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
)

// healthView is GET /v1/health.
func healthView(t *testing.T, e *apptest.Env) health.View {
	t.Helper()
	var v health.View
	if code := e.Do("GET", "/v1/health", nil, &v); code != http.StatusOK {
		t.Fatalf("GET /v1/health: got %d, want 200", code)
	}
	return v
}

// seedConnected stores a connection to acct as connecting would, with
// tokens the fake issued directly (for a deployment whose client secret
// Lever no longer accepts, which cannot connect).
func seedConnected(t *testing.T, e *apptest.Env, acct *leverfake.Account, companyID string) {
	t.Helper()
	tok := acct.Authorize()
	access, err := e.App.Vault.Sealer.Seal(companyID, tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	refresh, err := e.App.Vault.Sealer.Seal(companyID, tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if _, err := e.App.Connections.Update(context.Background(), companyID, func(c *connection.Connection) error {
		c.Status, c.Environment, c.LeverAccountID = connection.Connected, connection.Production, acct.ID
		c.PerformAsID, c.SealedAccess, c.SealedRefresh, c.AccessExpiry = acct.AdminID(), access, refresh, tok.Expiry
		c.Scopes, c.ConnectedAt, c.UpdatedAt, c.TokenRefreshedAt = tok.Scope, now, now, now
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestWrongClientSecretRevokesNobody: Lever refusing this deployment's
// client secret (the fake answers 401 access_denied, as the sandbox does)
// at a refresh leaves the connection and its links alone, logs the stable
// code with its metric, and GET /v1/health (vendor key only) reports
// broken.
func TestWrongClientSecretRevokesNobody(t *testing.T) {
	t.Parallel()
	e, acct := newEnv(t, apptest.WithFake(leverfake.Options{NoRateLimit: true, ClientSecret: "rotated-at-lever"}),
		apptest.WithAPIKeys(apptest.APIKey+",acme=acme-only-key"))
	if v := healthView(t, e); v.LeverCredentials != health.Unknown {
		t.Errorf("health before any token answer: got %+v, want unknown", v)
	}
	seedConnected(t, e, acct, "acme")
	positions := linkAll(t, e, "acme")
	expireStored(t, e, acct, "acme")

	var out map[string]any
	if code := e.Do("POST", "/v1/companies/acme/postings/reload", nil, &out); code == http.StatusOK || code == http.StatusUnprocessableEntity {
		t.Errorf("reload with refused client credentials: got %d %v, want a temporary error", code, out)
	}
	if _, err := e.App.Vault.AccessToken(context.Background(), "acme"); err == nil {
		t.Fatal("AccessToken with refused client credentials: got a token")
	}
	v := view(t, e, "acme")
	if v.Status != connection.Connected || v.LastError != "" || v.LinksSuspended {
		t.Errorf("connection after client credentials were refused: got %+v, want connected", v)
	}
	if got := links(t, e, "acme"); len(got) != len(positions) {
		t.Errorf("links: got %v, want %v", got, positions)
	}
	h := healthView(t, e)
	if h.LeverCredentials != health.Broken || h.Since == nil || h.Reason != "client_rejected" {
		t.Errorf("health: got %+v, want broken since a time, reason client_rejected", h)
	}
	logs := e.Logs.String()
	for _, want := range []string{`"level":"ERROR"`, `"alert":"lever_credentials_broken"`, `"LeverCredentialsBroken":1`, `"Namespace":"Leverlink"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s\n%s", want, logs)
		}
	}
	if code := e.DoKey("acme-only-key", "GET", "/v1/health", nil, nil); code != http.StatusForbidden {
		t.Errorf("GET /v1/health with a company-scoped key: got %d, want 403", code)
	}
	if code := e.DoKey("", "GET", "/v1/health", nil, nil); code != http.StatusUnauthorized {
		t.Errorf("GET /v1/health without key: got %d, want 401", code)
	}
}

// TestIdleTokensRefreshedDaily: a scheduled postings refresh refreshes
// tokens issued more than a day ago even though the access token is still
// valid, and the connection view shows tokenRefreshedAt and reconnectBy.
func TestIdleTokensRefreshedDaily(t *testing.T) {
	t.Parallel()
	e, _ := newEnv(t)
	mustConnect(t, e, "acme")
	v := view(t, e, "acme")
	if v.TokenRefreshedAt == nil || v.ReconnectBy == nil || v.ConnectedAt == nil {
		t.Fatalf("view: got %+v, want tokenRefreshedAt and reconnectBy", v)
	}
	if want := v.ConnectedAt.Add(connection.GrantLifetime); !v.ReconnectBy.Equal(want) {
		t.Errorf("reconnectBy: got %v, want %v", v.ReconnectBy, want)
	}
	before := e.Fake.Calls(refreshLabel)
	if _, err := e.App.Refresher.Refresh(context.Background(), "acme"); err != nil {
		t.Fatal(err)
	}
	if got := e.Fake.Calls(refreshLabel) - before; got != 0 {
		t.Errorf("refresh of fresh tokens: %d token calls, want 0", got)
	}
	// A day passes without activity (the access token is kept valid).
	dayAgo := time.Now().Add(-25 * time.Hour)
	if _, err := e.App.Connections.Update(context.Background(), "acme", func(c *connection.Connection) error {
		c.TokenRefreshedAt, c.AccessExpiry = dayAgo, time.Now().Add(time.Hour)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.App.Refresher.Refresh(context.Background(), "acme"); err != nil {
		t.Fatal(err)
	}
	if got := e.Fake.Calls(refreshLabel) - before; got != 1 {
		t.Errorf("refresh of day-old tokens: %d token calls, want 1", got)
	}
	if v := view(t, e, "acme"); v.TokenRefreshedAt == nil || !v.TokenRefreshedAt.After(dayAgo.Add(time.Hour)) {
		t.Errorf("tokenRefreshedAt after the daily refresh: got %v, want now", v.TokenRefreshedAt)
	}
}

// TestReconnectAnotherAccountRemovesLinks: links survive a revocation and
// a reconnect of the same Lever account (TestRevocation), but reconnecting
// a different Lever account removes them: its posting ids differ.
func TestReconnectAnotherAccountRemovesLinks(t *testing.T) {
	t.Parallel()
	e, acct := newEnv(t)
	mustConnect(t, e, "acme")
	linkAll(t, e, "acme")
	e.Fake.Revoke(acct.ID)
	expireStored(t, e, acct, "acme")
	if _, err := e.App.Vault.AccessToken(context.Background(), "acme"); err == nil {
		t.Fatal("AccessToken after revocation: got a token")
	}
	if got := links(t, e, "acme"); len(got) != 2 {
		t.Fatalf("links after revocation: got %v, want 2 kept", got)
	}
	other := e.Fake.NewAccount("Other Co")
	e.Fake.SetConsentAccount(other.ID)
	mustConnect(t, e, "acme")
	if got := links(t, e, "acme"); len(got) != 0 {
		t.Errorf("links after connecting another account: got %v, want none", got)
	}
	if v := view(t, e, "acme"); v.LeverAccountID != other.ID || v.Status != connection.Connected {
		t.Errorf("view: got %+v, want connected to %s", v, other.ID)
	}
}

// refreshLabel is the fake's counter of refresh-token grants.
const refreshLabel = "POST /oauth/token refresh_token"
