package leverclient

import (
	"context"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/lever"
)

// OAuth is Lever's authorization server and the user lookups connecting
// needs, per environment. It needs no vault: the vault uses it to refresh.
// Safe for concurrent use.
type OAuth struct {
	Config Config
}

var (
	_ connection.Lever     = (*OAuth)(nil)
	_ connection.Refresher = (*OAuth)(nil)
)

// oauth returns env's OAuth client sending redirectURL as redirect_uri
// ("" for a token refresh, which sends none).
func (o *OAuth) oauth(env connection.Environment, redirectURL string) (*lever.OAuth, error) {
	ep, err := o.Config.Endpoints(env)
	if err != nil {
		return nil, err
	}
	return lever.NewOAuth(lever.OAuthConfig{
		ClientID: o.Config.ClientID, ClientSecret: o.Config.ClientSecret, RedirectURL: redirectURL,
		Endpoints: ep, HTTPClient: o.Config.HTTPClient, RedirectHosts: o.Config.RedirectHosts,
	}), nil
}

// AuthCodeURL implements connection.Lever; it is "" for an unknown
// environment.
func (o *OAuth) AuthCodeURL(env connection.Environment, state, redirectURL, verifier string, extraScopes []string) string {
	l, err := o.oauth(env, redirectURL)
	if err != nil {
		return ""
	}
	return l.AuthCodeURLPKCE(state, verifier, extraScopes...)
}

func grantOf(t lever.Token) connection.Grant {
	return connection.Grant{
		AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, Expiry: t.Expiry, Scope: t.Scope,
		UserID: t.Claims.UserID, AccountID: t.Claims.AccountID,
	}
}

// Exchange implements connection.Lever.
func (o *OAuth) Exchange(ctx context.Context, env connection.Environment, code, redirectURL, verifier string) (connection.Grant, error) {
	l, err := o.oauth(env, redirectURL)
	if err != nil {
		return connection.Grant{}, err
	}
	t, err := l.ExchangePKCE(ctx, code, verifier)
	if err != nil {
		return connection.Grant{}, err
	}
	return grantOf(t), nil
}

// Refresh implements connection.Refresher.
func (o *OAuth) Refresh(ctx context.Context, env connection.Environment, refreshToken string) (connection.Grant, error) {
	l, err := o.oauth(env, "")
	if err != nil {
		return connection.Grant{}, err
	}
	t, err := l.Refresh(ctx, refreshToken)
	if err != nil {
		return connection.Grant{}, err
	}
	return grantOf(t), nil
}

// staticClient is an API client on a token just obtained (before the
// connection is stored, so without the vault and the bucket).
func (o *OAuth) staticClient(env connection.Environment, accessToken string) (*lever.Client, error) {
	ep, err := o.Config.Endpoints(env)
	if err != nil {
		return nil, err
	}
	return lever.New(lever.Config{BaseURL: ep.APIBase, HTTPClient: o.Config.HTTPClient, Tokens: lever.StaticToken(accessToken), OnCall: o.Config.OnCall, RedirectHosts: o.Config.RedirectHosts}), nil
}

func userOf(u lever.User) connection.User {
	return connection.User{ID: u.ID, Email: u.Email, Deactivated: !u.Active()}
}

// UserByEmail implements connection.Lever. A deactivated user is returned
// with Deactivated set (not as NotFound).
func (o *OAuth) UserByEmail(ctx context.Context, env connection.Environment, accessToken, email string) (connection.User, error) {
	c, err := o.staticClient(env, accessToken)
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
// and deactivated). Errors: apperr NotFound when no user has the id.
func (o *OAuth) UserByID(ctx context.Context, env connection.Environment, accessToken, id string) (connection.User, error) {
	c, err := o.staticClient(env, accessToken)
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
