package lever_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/lever"
)

// expired returns the env's token pair with its access token already expired
// on the client side.
func expired(e *env) lever.Token {
	return lever.Token{AccessToken: e.tokens.AccessToken, RefreshToken: e.tokens.RefreshToken, Expiry: time.Now().Add(-time.Minute)}
}

func TestRotatingTokenSourceConcurrentRefresh(t *testing.T) {
	e := newEnv(t, noRate(), lever.Config{})
	var persisted atomic.Int32
	var saved atomic.Value
	src := lever.NewRotatingTokenSource(e.oauth(), expired(e), func(_ context.Context, tok lever.Token) error {
		persisted.Add(1)
		saved.Store(tok.RefreshToken)
		return nil
	})
	c := lever.New(lever.Config{BaseURL: e.ts.Endpoints().APIBase, HTTPClient: e.ts.Client(), Tokens: src})

	ctx := ctxT(t)
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 50 {
		wg.Go(func() {
			if _, err := c.ListStages(ctx); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	tests := []struct {
		name      string
		got, want int
	}{
		{"refreshes at the fake", e.ts.Calls("POST /oauth/token refresh_token"), 1},
		{"invalid_grant at the fake", e.ts.Calls("oauth invalid_grant"), 0},
		{"persist calls", int(persisted.Load()), 1},
		{"API calls", e.ts.Calls("GET /stages"), 50},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %d, want %d", tt.name, tt.got, tt.want)
		}
	}
	if cur := src.Current(); cur.RefreshToken != saved.Load() || cur.RefreshToken == e.tokens.RefreshToken {
		t.Error("the in-memory refresh token is not the persisted rotated one")
	}
	// oauth2.TokenSource view.
	ot, err := src.Token()
	if err != nil || ot.AccessToken != src.Current().AccessToken || !ot.Valid() {
		t.Errorf("Token() = %v, %v", ot, err)
	}
}

func TestRotatingTokenSourcePersistFailure(t *testing.T) {
	e := newEnv(t, noRate(), lever.Config{})
	fail := errors.New("dynamo down")
	var attempts atomic.Int32
	src := lever.NewRotatingTokenSource(e.oauth(), expired(e), func(context.Context, lever.Token) error {
		if attempts.Add(1) == 1 {
			return fail
		}
		return nil
	})
	ctx := ctxT(t)
	if _, err := src.AccessToken(ctx); !errors.Is(err, fail) {
		t.Fatalf("err = %v, want the persist error", err)
	}
	if src.Current().AccessToken != e.tokens.AccessToken {
		t.Fatal("an unpersisted token was adopted")
	}
	// The next call retries persisting the pending pair instead of spending
	// the old refresh token again.
	at, err := src.AccessToken(ctx)
	if err != nil || at == e.tokens.AccessToken {
		t.Fatalf("second call = %v", err)
	}
	if n := e.ts.Calls("POST /oauth/token refresh_token"); n != 1 {
		t.Errorf("refreshes = %d, want 1", n)
	}
	if n := e.ts.Calls("oauth invalid_grant"); n != 0 {
		t.Errorf("invalid_grant = %d, want 0", n)
	}
}

func TestRotatingTokenSourceInvalidateAndRevoke(t *testing.T) {
	e := newEnv(t, noRate(), lever.Config{})
	ctx := ctxT(t)
	src := lever.NewRotatingTokenSource(e.oauth(), lever.Token{AccessToken: e.tokens.AccessToken, RefreshToken: e.tokens.RefreshToken, Expiry: time.Now().Add(time.Hour)}, nil)
	c := lever.New(lever.Config{BaseURL: e.ts.Endpoints().APIBase, HTTPClient: e.ts.Client(), Tokens: src})

	// The fake expires the access token early: the client gets a 401,
	// invalidates, refreshes once and succeeds.
	e.ts.ExpireAccessTokens(e.acc.ID)
	if _, err := c.ListStages(ctx); err != nil {
		t.Fatal(err)
	}
	if n := e.ts.Calls("POST /oauth/token refresh_token"); n != 1 {
		t.Errorf("refreshes = %d, want 1", n)
	}
	// Invalidating a token that is no longer current does nothing.
	src.Invalidate(ctx, e.tokens.AccessToken)
	if _, err := c.ListStages(ctx); err != nil {
		t.Fatal(err)
	}
	if n := e.ts.Calls("POST /oauth/token refresh_token"); n != 1 {
		t.Errorf("refreshes = %d, want still 1", n)
	}
	// After revocation: 401, refresh → invalid_grant, surfaced as is.
	e.acc.Revoke()
	_, err := c.ListStages(ctx)
	checkCode(t, err, apperr.Unauthorized, "invalid_grant")
}

func TestRotatingTokenSourceHonoursContext(t *testing.T) {
	e := newEnv(t, noRate(), lever.Config{})
	e.ts.FailNext("POST /oauth/token refresh_token", 1, leverfakeHang())
	src := lever.NewRotatingTokenSource(e.oauth(), expired(e), nil)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			_, err := src.AccessToken(ctx)
			if apperr.CodeOf(err) != apperr.Transient {
				t.Errorf("err = %v, want transient", err)
			}
		})
	}
	wg.Wait()
}
