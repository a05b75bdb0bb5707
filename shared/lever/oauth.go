package lever

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/leverlink/leverlink/shared/apperr"
)

// DefaultScopes is the scope set requested when OAuthConfig.Scopes is empty
// (LEVER.md §1, "suggested scope set").
var DefaultScopes = []string{
	"offline_access",
	"opportunities:write:admin",
	"notes:write:admin",
	"files:write:admin",
	"postings:read:admin",
	"users:read:admin",
	"stages:read:admin",
	// Sync-back (docs/events.md "Outbound events"): register webhooks
	// ("Manage all webhooks") and name archive reasons, telling a hire
	// from other archive reasons ("View all archived reasons").
	"webhooks:write:admin",
	"archive_reasons:read:admin",
}

// JWT claim names Lever puts in its access tokens.
const (
	ClaimUserID    = "https://oauth.lever.co/userId"
	ClaimAccountID = "https://oauth.lever.co/accountId"
	ClaimClientID  = "https://oauth.lever.co/clientId"
)

// OAuthConfig configures an OAuth client for one Lever environment.
type OAuthConfig struct {
	ClientID     string
	ClientSecret string
	RedirectURL  string    // must exactly match the URL registered with Lever
	Scopes       []string  // DefaultScopes when empty
	Endpoints    Endpoints // from EndpointsFor, or overridden for leverfake
	// HTTPClient is used for token requests; a client with a 30s timeout
	// when nil. It is copied: the copy follows 307/308 only to https hosts
	// under lever.co or RedirectHosts.
	HTTPClient *http.Client
	// RedirectHosts are extra hosts ("host:port") token-endpoint redirects
	// may lead to (tests, local stack).
	RedirectHosts []string
}

// OAuth runs Lever's authorization-code flow and refreshes tokens. It holds
// no per-connection state and is safe for concurrent use.
type OAuth struct {
	cfg      *oauth2.Config
	audience string
	hc       *http.Client
}

// NewOAuth returns an OAuth client for cfg.
func NewOAuth(cfg OAuthConfig) *OAuth {
	scopes := cfg.Scopes
	if len(scopes) == 0 {
		scopes = DefaultScopes
	}
	return &OAuth{
		cfg: &oauth2.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			RedirectURL:  cfg.RedirectURL,
			Scopes:       append([]string(nil), scopes...),
			Endpoint: oauth2.Endpoint{
				AuthURL:  cfg.Endpoints.AuthURL,
				TokenURL: cfg.Endpoints.TokenURL,
				// Lever's samples send the client credentials in the form body.
				AuthStyle: oauth2.AuthStyleInParams,
			},
		},
		audience: cfg.Endpoints.Audience,
		hc:       tokenHTTPClient(cfg.HTTPClient, newRedirectPolicy(cfg.RedirectHosts)),
	}
}

func tokenHTTPClient(base *http.Client, p redirectPolicy) *http.Client {
	var hc http.Client
	if base != nil {
		hc = *base
	} else {
		hc.Timeout = 30 * time.Second
	}
	hc.CheckRedirect = p.checkRedirect
	return &hc
}

// AuthCodeURL returns the URL to send the admin's browser to. It carries
// client_id, redirect_uri, response_type=code, scope, state, audience and
// prompt=consent. The caller must make state single-use and check it on the
// callback.
func (o *OAuth) AuthCodeURL(state string) string {
	return o.cfg.AuthCodeURL(state,
		oauth2.SetAuthURLParam("audience", o.audience),
		oauth2.SetAuthURLParam("prompt", "consent"),
	)
}

// Token is an OAuth token pair as Lever issued it. RefreshToken is
// single-use: after a refresh only the returned one is valid. Claims are read
// from the access token when it is a JWT (zero otherwise). A Token is a
// secret: never log it.
type Token struct {
	AccessToken  string
	RefreshToken string
	Expiry       time.Time // zero if Lever did not say
	Scope        string
	Claims       Claims
}

// Claims are the fields leverlink reads from a Lever access token. They are
// parsed without signature verification: use them to label a connection, not
// to authorize anything.
type Claims struct {
	UserID    string // https://oauth.lever.co/userId
	AccountID string // https://oauth.lever.co/accountId
	ClientID  string // https://oauth.lever.co/clientId
	Issuer    string
	Audience  []string
	ExpiresAt time.Time
}

// ParseClaims decodes the payload of a JWT-shaped access token. It reports
// false, with zero Claims, when the token is not a JWT or the payload is not
// JSON; it never verifies the signature.
func ParseClaims(accessToken string) (Claims, bool) {
	parts := strings.Split(accessToken, ".")
	if len(parts) != 3 {
		return Claims{}, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return Claims{}, false
	}
	var p struct {
		UserID    string          `json:"https://oauth.lever.co/userId"`
		AccountID string          `json:"https://oauth.lever.co/accountId"`
		ClientID  string          `json:"https://oauth.lever.co/clientId"`
		Iss       string          `json:"iss"`
		Aud       json.RawMessage `json:"aud"`
		Exp       float64         `json:"exp"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return Claims{}, false
	}
	c := Claims{UserID: p.UserID, AccountID: p.AccountID, ClientID: p.ClientID, Issuer: p.Iss}
	if p.Exp > 0 {
		c.ExpiresAt = time.Unix(int64(p.Exp), 0).UTC()
	}
	// aud is either a string or an array of strings.
	var one string
	if json.Unmarshal(p.Aud, &one) == nil && one != "" {
		c.Audience = []string{one}
	} else {
		_ = json.Unmarshal(p.Aud, &c.Audience)
	}
	return c, true
}

// Exchange trades an authorization code for tokens.
//
// Errors (classify them with TokenFailureOf): apperr.Unauthorized with
// Reason "invalid_grant" when Lever rejects the code (used, expired, wrong
// redirect_uri); apperr.Transient with Reason "client_rejected" when it
// rejects our client credentials (invalid_client, 401/403 without
// invalid_grant); apperr.Transient for 5xx and network failures;
// apperr.RateLimited for 429; apperr.Invalid for other 4xx.
func (o *OAuth) Exchange(ctx context.Context, code string) (Token, error) {
	t, err := o.cfg.Exchange(o.ctx(ctx), code)
	if err != nil {
		return Token{}, tokenError(ctx, "exchange", err)
	}
	return tokenFrom(t), nil
}

// Refresh trades a refresh token for a new token pair. The refresh token
// passed in must be treated as spent whether or not Refresh succeeds; persist
// the returned RefreshToken before using the access token.
//
// Errors as for Exchange: a dead, reused or revoked refresh token is
// apperr.Unauthorized with Reason "invalid_grant" (TokenReconnect: the
// customer must reconnect); wrong client credentials are never that.
func (o *OAuth) Refresh(ctx context.Context, refreshToken string) (Token, error) {
	// A fresh TokenSource per call: the oauth2 package keeps no state here.
	ts := o.cfg.TokenSource(o.ctx(ctx), &oauth2.Token{RefreshToken: refreshToken})
	t, err := ts.Token()
	if err != nil {
		return Token{}, tokenError(ctx, "refresh", err)
	}
	return tokenFrom(t), nil
}

func (o *OAuth) ctx(ctx context.Context) context.Context {
	return context.WithValue(ctx, oauth2.HTTPClient, o.hc)
}

func tokenFrom(t *oauth2.Token) Token {
	tok := Token{AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, Expiry: t.Expiry}
	if s, ok := t.Extra("scope").(string); ok {
		tok.Scope = s
	}
	tok.Claims, _ = ParseClaims(t.AccessToken)
	return tok
}

// TokenFailure classifies an error of Exchange or Refresh (RFC 6749 §5.2).
type TokenFailure string

const (
	// TokenNoFailure: the error is nil or did not come from the token
	// endpoint.
	TokenNoFailure TokenFailure = ""
	// TokenReconnect: Lever answered invalid_grant (the refresh token is
	// expired, revoked or already used, or the code is bad). Only the
	// company's admin can fix it by connecting again. apperr.Unauthorized,
	// Reason "invalid_grant".
	TokenReconnect TokenFailure = "reconnect"
	// TokenClientRejected: Lever refused our own client credentials
	// (invalid_client, unauthorized_client, or 401/403 without
	// invalid_grant — the sandbox answers 401 access_denied). Every
	// connection is affected and none must be revoked: the deployment's
	// Lever client id/secret need fixing. apperr.Transient, Reason
	// "client_rejected", so callers retry later.
	TokenClientRejected TokenFailure = "client_rejected"
	// TokenUnavailable: 5xx, 429, timeouts, an unusable answer: retry
	// later. apperr.Transient or apperr.RateLimited.
	TokenUnavailable TokenFailure = "unavailable"
	// TokenRequestRejected: another 4xx (invalid_request, invalid_scope,
	// unsupported_grant_type): a bug on our side. apperr.Invalid.
	TokenRequestRejected TokenFailure = "request_rejected"
)

// Reasons set on token-endpoint errors.
const (
	ReasonInvalidGrant   = "invalid_grant"
	ReasonClientRejected = "client_rejected"
)

// TokenFailureOf classifies an error returned by Exchange or Refresh.
func TokenFailureOf(err error) TokenFailure {
	if err == nil {
		return TokenNoFailure
	}
	switch apperr.ReasonOf(err) {
	case ReasonInvalidGrant:
		return TokenReconnect
	case ReasonClientRejected:
		return TokenClientRejected
	}
	switch apperr.CodeOf(err) {
	case apperr.Transient, apperr.RateLimited:
		return TokenUnavailable
	case apperr.Invalid:
		return TokenRequestRejected
	}
	return TokenNoFailure
}

// tokenErrorKind decides what a token-endpoint error answer means, from the
// RFC 6749 §5.2 error code first and the status second: a 401 or 403 alone
// never means the grant is gone (LEVER.md Turn 2).
func tokenErrorKind(status int, code string) TokenFailure {
	switch {
	case code == "invalid_grant":
		return TokenReconnect
	case code == "invalid_client", code == "unauthorized_client",
		status == http.StatusUnauthorized, status == http.StatusForbidden:
		return TokenClientRejected
	case status == http.StatusTooManyRequests, status >= 500, status == 0,
		status >= 300 && status < 400:
		return TokenUnavailable
	}
	return TokenRequestRejected
}

// tokenError maps an oauth2 error to an apperr without keeping the raw
// response body or URL in the chain.
func tokenError(ctx context.Context, op string, err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		status := 0
		var header http.Header
		if re.Response != nil {
			status = re.Response.StatusCode
			header = re.Response.Header
		}
		msg := "lever token " + op + " failed"
		if status != 0 {
			msg += ": HTTP " + http.StatusText(status)
		}
		if re.ErrorCode != "" {
			msg += ": " + re.ErrorCode
		}
		if re.ErrorDescription != "" {
			msg += ": " + re.ErrorDescription
		}
		switch tokenErrorKind(status, re.ErrorCode) {
		case TokenReconnect:
			return apperr.E(apperr.Unauthorized, "%s", msg).WithReason(ReasonInvalidGrant)
		case TokenClientRejected:
			return apperr.E(apperr.Transient, "%s", msg).WithReason(ReasonClientRejected)
		case TokenUnavailable:
			if status == http.StatusTooManyRequests {
				e := apperr.E(apperr.RateLimited, "%s", msg)
				e.RetryAfter = parseRetryAfter(header.Get("Retry-After"), time.Now())
				return e
			}
			e := apperr.E(apperr.Transient, "%s", msg)
			if status >= 500 {
				e.RetryAfter = parseRetryAfter(header.Get("Retry-After"), time.Now())
			}
			return e
		default:
			return apperr.E(apperr.Invalid, "%s", msg).WithReason(re.ErrorCode)
		}
	}
	if ctx.Err() != nil {
		return apperr.Wrap(apperr.Transient, ctx.Err(), "lever token %s: context done", op)
	}
	// The oauth2 package flattens transport errors into text ("oauth2: cannot
	// fetch token: Post ..."), so classify by prefix and keep only our words.
	if strings.HasPrefix(err.Error(), "oauth2: cannot fetch token") {
		return apperr.E(apperr.Transient, "lever token %s: connection failed", op)
	}
	return apperr.E(apperr.Transient, "lever token %s: unusable token response", op)
}
