package lever_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/lever"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
)

// env is a fake Lever with one account and a client bound to it.
type env struct {
	ts     *leverfake.TestServer
	acc    *leverfake.Account
	tokens leverfake.Tokens
	client *lever.Client
	calls  *callLog
}

// callLog records OnCall reports.
type callLog struct {
	mu sync.Mutex
	n  map[string]int
}

func (l *callLog) record(endpoint string, status int, _ time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n[endpoint]++
}

func (l *callLog) get(endpoint string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.n[endpoint]
}

// newEnv starts a fake (rate limiting off unless opts say otherwise) with
// one account and returns a client with fast retries.
func newEnv(t testing.TB, opts leverfake.Options, cfg lever.Config) *env {
	t.Helper()
	ts := leverfake.Start(opts)
	t.Cleanup(ts.Close)
	acc := ts.NewAccount("Acme")
	tok := acc.Authorize()
	e := &env{ts: ts, acc: acc, tokens: tok, calls: &callLog{n: map[string]int{}}}
	cfg.BaseURL = ts.Endpoints().APIBase
	cfg.HTTPClient = ts.Client()
	if cfg.Tokens == nil {
		cfg.Tokens = lever.StaticToken(tok.AccessToken)
	}
	if cfg.PerformAs == "" {
		cfg.PerformAs = acc.AdminID()
	}
	if cfg.OnCall == nil {
		cfg.OnCall = e.calls.record
	}
	if cfg.Retry.BaseDelay == 0 {
		cfg.Retry.BaseDelay = time.Millisecond
		cfg.Retry.MaxDelay = 5 * time.Millisecond
	}
	e.client = lever.New(cfg)
	return e
}

func noRate() leverfake.Options { return leverfake.Options{NoRateLimit: true} }

func (e *env) oauth() *lever.OAuth {
	return lever.NewOAuth(lever.OAuthConfig{
		ClientID:     leverfake.DefaultClientID,
		ClientSecret: leverfake.DefaultClientSecret,
		RedirectURL:  "https://app.example/oauth/lever/callback",
		Endpoints:    e.ts.Endpoints(),
		HTTPClient:   e.ts.Client(),
	})
}

// checkCode fails the test unless err carries code (and reason, if given).
func checkCode(t *testing.T, err error, code apperr.Code, reason string) {
	t.Helper()
	if got := apperr.CodeOf(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
	if reason != "" && apperr.ReasonOf(err) != reason {
		t.Fatalf("error reason = %q (%v), want %q", apperr.ReasonOf(err), err, reason)
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// noFollow is an HTTP client that returns redirects instead of following.
func noFollow(c *http.Client) *http.Client {
	cc := *c
	cc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cc
}
