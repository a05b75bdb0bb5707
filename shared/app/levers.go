package app

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/config"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/lever"
	"github.com/leverlink/leverlink/shared/posting"
	"github.com/leverlink/leverlink/shared/throttle"
)

// Levers builds Lever clients: OAuth per environment, and per-connection
// API clients whose tokens come from the vault and whose requests are paced
// by the company's shared token bucket. Safe for concurrent use.
type Levers struct {
	cfg          config.Config
	clientSecret string
	hc           *http.Client
	onCall       func(string, int, time.Duration)
	buckets      throttle.Store
	bucket       throttle.Bucket
	vault        *connection.Vault
}

// Endpoints returns env's endpoints with the configured overrides (the fake
// Lever: LEVER_AUTH_BASE_URL serves /authorize and /oauth/token,
// LEVER_API_BASE_URL is the /v1 base).
func (l *Levers) Endpoints(env connection.Environment) (lever.Endpoints, error) {
	ep, err := lever.EndpointsFor(string(env))
	if err != nil {
		return ep, err
	}
	if b := l.cfg.LeverAuthBaseURL; b != "" {
		ep.AuthURL, ep.TokenURL = b+"/authorize", b+"/oauth/token"
	}
	if b := l.cfg.LeverAPIBaseURL; b != "" {
		ep.APIBase, ep.Audience = strings.TrimRight(b, "/"), strings.TrimRight(b, "/")+"/"
	}
	return ep, nil
}

func (l *Levers) oauth(env connection.Environment) (*lever.OAuth, error) {
	ep, err := l.Endpoints(env)
	if err != nil {
		return nil, err
	}
	return lever.NewOAuth(lever.OAuthConfig{
		ClientID: l.cfg.LeverClientID, ClientSecret: l.clientSecret, RedirectURL: l.cfg.LeverRedirectURL,
		Endpoints: ep, HTTPClient: l.hc,
	}), nil
}

// AuthCodeURL implements connection.Lever.
func (l *Levers) AuthCodeURL(env connection.Environment, state string, extraScopes []string) string {
	o, err := l.oauth(env)
	if err != nil {
		return ""
	}
	return o.AuthCodeURLWithScopes(state, extraScopes...)
}

func grantOf(t lever.Token) connection.Grant {
	return connection.Grant{
		AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, Expiry: t.Expiry, Scope: t.Scope,
		UserID: t.Claims.UserID, AccountID: t.Claims.AccountID,
	}
}

// Exchange implements connection.Lever.
func (l *Levers) Exchange(ctx context.Context, env connection.Environment, code string) (connection.Grant, error) {
	o, err := l.oauth(env)
	if err != nil {
		return connection.Grant{}, err
	}
	t, err := o.Exchange(ctx, code)
	if err != nil {
		return connection.Grant{}, err
	}
	return grantOf(t), nil
}

// Refresh implements connection.Refresher.
func (l *Levers) Refresh(ctx context.Context, env connection.Environment, refreshToken string) (connection.Grant, error) {
	o, err := l.oauth(env)
	if err != nil {
		return connection.Grant{}, err
	}
	t, err := o.Refresh(ctx, refreshToken)
	if err != nil {
		return connection.Grant{}, err
	}
	return grantOf(t), nil
}

func (l *Levers) staticClient(env connection.Environment, accessToken string) (*lever.Client, error) {
	ep, err := l.Endpoints(env)
	if err != nil {
		return nil, err
	}
	return lever.New(lever.Config{BaseURL: ep.APIBase, HTTPClient: l.hc, Tokens: lever.StaticToken(accessToken), OnCall: l.onCall}), nil
}

func userOf(u lever.User) connection.User {
	return connection.User{ID: u.ID, Email: u.Email, Deactivated: !u.Active()}
}

// UserByEmail implements connection.Lever. A deactivated user is returned
// with Deactivated set (not as NotFound).
func (l *Levers) UserByEmail(ctx context.Context, env connection.Environment, accessToken, email string) (connection.User, error) {
	c, err := l.staticClient(env, accessToken)
	if err != nil {
		return connection.User{}, err
	}
	u, err := c.UserByEmail(ctx, email)
	if apperr.Is(err, apperr.NotFound) && apperr.ReasonOf(err) == "user_deactivated" {
		// The user exists but is deactivated: report it as such, so the
		// connect flow refuses it as perform_as_deactivated, not "unknown".
		return connection.User{Email: email, Deactivated: true}, nil
	}
	if err != nil {
		return connection.User{}, err
	}
	return userOf(u), nil
}

// UserByID implements connection.Lever (scans the account's users, active
// and deactivated).
func (l *Levers) UserByID(ctx context.Context, env connection.Environment, accessToken, id string) (connection.User, error) {
	c, err := l.staticClient(env, accessToken)
	if err != nil {
		return connection.User{}, err
	}
	us, err := c.ListUsers(ctx, lever.ListUsersParams{IncludeDeactivated: true})
	if err != nil {
		return connection.User{}, err
	}
	for _, u := range us {
		if u.ID == id {
			return userOf(u), nil
		}
	}
	return connection.User{}, apperr.E(apperr.NotFound, "no Lever user with the token's user id")
}

// Client returns the API client of a connection.
func (l *Levers) Client(c connection.Connection) (*lever.Client, error) {
	ep, err := l.Endpoints(c.Environment)
	if err != nil {
		return nil, err
	}
	return lever.New(lever.Config{
		BaseURL: ep.APIBase, HTTPClient: l.hc,
		Tokens:    connection.Tokens{Vault: l.vault, CompanyID: c.CompanyID},
		PerformAs: c.PerformAsID, OnCall: l.onCall,
		Limiter: throttle.Limiter{Store: l.buckets, Key: "lever/" + c.CompanyID, Bucket: l.bucket},
	}), nil
}

// Lever implements export.LeverFactory.
func (l *Levers) Lever(_ context.Context, c connection.Connection) (export.Lever, error) {
	return l.Client(c)
}

// PostingsLever implements posting.LeverFactory.
func (l *Levers) PostingsLever(_ context.Context, c connection.Connection) (posting.Lever, error) {
	return l.Client(c)
}
