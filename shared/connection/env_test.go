package connection_test

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/lever"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
	"github.com/leverlink/leverlink/shared/memstore"
)

// The domain tests run the connection package on the memory stores and the
// fake Lever over real HTTP: no emulator needed.

const redirectURL = "https://leverlink.example/oauth/callback"

// leverOAuth is connection.Lever and connection.Refresher over the real
// Lever client, pointed at the fake (what the application's Lever factory
// does for one environment).
type leverOAuth struct {
	oauth *lever.OAuth
	api   string
}

func grantOf(t lever.Token) connection.Grant {
	return connection.Grant{
		AccessToken: t.AccessToken, RefreshToken: t.RefreshToken, Expiry: t.Expiry, Scope: t.Scope,
		UserID: t.Claims.UserID, AccountID: t.Claims.AccountID,
	}
}

// The fake's OAuth client is built with the registered redirectURL, so the
// redirect URL passed by the service is the same and ignored here.
func (l leverOAuth) AuthCodeURL(_ connection.Environment, state, _, verifier string, extraScopes []string) string {
	return l.oauth.AuthCodeURLPKCE(state, verifier, extraScopes...)
}

func (l leverOAuth) Exchange(ctx context.Context, _ connection.Environment, code, _, verifier string) (connection.Grant, error) {
	t, err := l.oauth.ExchangePKCE(ctx, code, verifier)
	return grantOf(t), err
}

func (l leverOAuth) Refresh(ctx context.Context, _ connection.Environment, rt string) (connection.Grant, error) {
	t, err := l.oauth.Refresh(ctx, rt)
	return grantOf(t), err
}

func (l leverOAuth) client(token string) *lever.Client {
	return lever.New(lever.Config{BaseURL: l.api, Tokens: lever.StaticToken(token)})
}

func (l leverOAuth) UserByEmail(ctx context.Context, _ connection.Environment, token, email string) (connection.User, error) {
	u, err := l.client(token).UserByEmail(ctx, email)
	if apperr.ReasonOf(err) == "user_deactivated" {
		return connection.User{Email: email, Deactivated: true}, nil
	}
	return connection.User{ID: u.ID, Email: u.Email, Deactivated: !u.Active()}, err
}

func (l leverOAuth) UserByID(ctx context.Context, _ connection.Environment, token, id string) (connection.User, error) {
	us, err := l.client(token).ListUsers(ctx, lever.ListUsersParams{IncludeDeactivated: true})
	if err != nil {
		return connection.User{}, err
	}
	for _, u := range us {
		if u.ID == id {
			return connection.User{ID: u.ID, Email: u.Email, Deactivated: !u.Active()}, nil
		}
	}
	return connection.User{}, apperr.E(apperr.NotFound, "no such user")
}

// refreshes records the companies whose postings refresh was asked for.
type refreshes struct {
	mu  sync.Mutex
	ids []string
	err error
}

func (r *refreshes) EnqueueRefresh(_ context.Context, companyID string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ids = append(r.ids, companyID)
	return r.err
}

// env is one company's world: the fake Lever with one account, the memory
// stores, the vault and the service.
type env struct {
	fake    *leverfake.TestServer
	account *leverfake.Account
	lever   leverOAuth
	conns   *memstore.Connections
	states  *memstore.States
	links   *memstore.Links
	sealer  *connection.Sealer
	vault   *connection.Vault
	svc     *connection.Service
	refresh *refreshes
	now     time.Time
}

func newEnv(t *testing.T) *env {
	t.Helper()
	fake := leverfake.Start(leverfake.Options{})
	t.Cleanup(fake.Close)
	e := &env{fake: fake, account: fake.NewAccount("Acme"), now: time.Now()}
	e.lever = leverOAuth{
		oauth: lever.NewOAuth(lever.OAuthConfig{
			ClientID: leverfake.DefaultClientID, ClientSecret: leverfake.DefaultClientSecret,
			RedirectURL: redirectURL, Endpoints: fake.Endpoints(),
		}),
		api: fake.Endpoints().APIBase,
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	var err error
	if e.sealer, err = connection.NewSealer(key); err != nil {
		t.Fatal(err)
	}
	e.conns, e.states, e.links = memstore.NewConnections(), memstore.NewStates(), memstore.NewLinks()
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	e.vault = &connection.Vault{
		Store: e.conns, Sealer: e.sealer, Refresher: e.lever, Links: e.links, Log: log,
		Wait: 5 * time.Millisecond,
	}
	e.refresh = &refreshes{}
	e.svc = &connection.Service{
		Connections: e.conns, States: e.states, Vault: e.vault, Lever: e.lever, Refresh: e.refresh,
		AllowedOrigins: []string{"https://vendor.example"}, Log: log,
	}
	return e
}

// connect stores a connected company holding a fresh grant of the fake's
// account, its access token expiring at expiry.
func (e *env) connect(t *testing.T, companyID string, expiry time.Time) lever.Token {
	t.Helper()
	tok := e.account.Authorize()
	access, err := e.sealer.Seal(companyID, tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	refresh, err := e.sealer.Seal(companyID, tok.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.conns.Update(context.Background(), companyID, func(c *connection.Connection) error {
		c.Status, c.Environment = connection.Connected, connection.Sandbox
		c.SealedAccess, c.SealedRefresh, c.AccessExpiry = access, refresh, expiry
		c.PerformAsID, c.LeverAccountID = e.account.AdminID(), e.account.ID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return lever.Token{AccessToken: tok.AccessToken, RefreshToken: tok.RefreshToken, Expiry: tok.Expiry}
}

// authorize runs the browser's half of the OAuth flow: Authorize, then the
// fake's /authorize, and returns the callback's query.
func (e *env) authorize(t *testing.T, companyID string, in connection.AuthorizeInput) url.Values {
	t.Helper()
	u, err := e.svc.Authorize(context.Background(), companyID, redirectURL, in)
	if err != nil {
		t.Fatalf("Authorize: %v", err)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(u)
	if err != nil {
		t.Fatalf("GET authorize URL: %v", err)
	}
	_ = resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		t.Fatalf("authorize answered %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return loc.Query()
}

// stored returns the company's stored connection.
func (e *env) stored(t *testing.T, companyID string) connection.Connection {
	t.Helper()
	c, err := e.conns.Get(context.Background(), companyID)
	if err != nil {
		t.Fatalf("Get connection: %v", err)
	}
	return c
}

// open opens a sealed token of the company.
func (e *env) open(t *testing.T, companyID string, sealed []byte) string {
	t.Helper()
	s, err := e.sealer.Open(companyID, sealed)
	if err != nil {
		t.Fatalf("open sealed token: %v", err)
	}
	return s
}
