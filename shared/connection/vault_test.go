package connection_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/lever"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
	"github.com/leverlink/leverlink/shared/link"
)

const refreshLabel = "POST /oauth/token refresh_token"

func TestVaultAccessToken(t *testing.T) {
	t.Parallel()
	type setup struct {
		e       *env
		company string
		issued  string // the access token stored by connect ("" when none)
	}
	tests := []struct {
		name        string
		prepare     func(t *testing.T, s *setup)
		wantCode    apperr.Code
		wantReason  string
		wantStatus  connection.Status // "" when no connection is expected
		wantRefresh int               // refresh requests at the fake
		wantIssued  bool              // the token returned is the stored one (no refresh)
		wantLinks   int               // links left
	}{
		{"valid token: used as stored", func(t *testing.T, s *setup) {
			s.issued = s.e.connect(t, s.company, time.Now().Add(time.Hour)).AccessToken
		}, "", "", connection.Connected, 0, true, 1},
		{"inside the skew: refreshed", func(t *testing.T, s *setup) {
			s.e.connect(t, s.company, time.Now().Add(time.Minute))
		}, "", "", connection.Connected, 1, false, 1},
		{"expired: refreshed", func(t *testing.T, s *setup) {
			s.e.connect(t, s.company, time.Now().Add(-time.Hour))
		}, "", "", connection.Connected, 1, false, 1},
		{"no access token stored: refreshed", func(t *testing.T, s *setup) {
			s.e.connect(t, s.company, time.Now().Add(time.Hour))
			_, _ = s.e.conns.Update(context.Background(), s.company, func(c *connection.Connection) error { c.SealedAccess = nil; return nil })
		}, "", "", connection.Connected, 1, false, 1},
		{"grant revoked in Lever: invalid_grant revokes, links suspended", func(t *testing.T, s *setup) {
			s.e.connect(t, s.company, time.Now().Add(-time.Hour))
			s.e.account.Revoke()
		}, apperr.Unauthorized, connection.ReasonLeverRevoked, connection.Revoked, 1, false, 1},
		{"Lever down: transient, nothing changed", func(t *testing.T, s *setup) {
			s.e.connect(t, s.company, time.Now().Add(-time.Hour))
			s.e.fake.FailNext(refreshLabel, 1, leverfake.Failure{Status: 503})
		}, apperr.Transient, "", connection.Connected, 1, false, 1},
		{"never connected", func(t *testing.T, s *setup) {}, apperr.Unauthorized, connection.ReasonNotConnected, "", 0, false, 1},
		{"revoked", func(t *testing.T, s *setup) {
			s.e.connect(t, s.company, time.Now().Add(time.Hour))
			_, _ = s.e.conns.Update(context.Background(), s.company, func(c *connection.Connection) error { c.Status = connection.Revoked; return nil })
		}, apperr.Unauthorized, connection.ReasonLeverRevoked, connection.Revoked, 0, false, 1},
		{"disconnected", func(t *testing.T, s *setup) {
			s.e.connect(t, s.company, time.Now().Add(time.Hour))
			_, _ = s.e.conns.Update(context.Background(), s.company, func(c *connection.Connection) error { c.Status = connection.NotConnected; return nil })
		}, apperr.Unauthorized, connection.ReasonNotConnected, connection.NotConnected, 0, false, 1},
		{"sealed with another key: reauth_required, links kept", func(t *testing.T, s *setup) {
			s.e.connect(t, s.company, time.Now().Add(time.Hour))
			key := make([]byte, 32)
			_, _ = rand.Read(key)
			other, _ := connection.NewSealer(key)
			bad, _ := other.Seal(s.company, "x")
			_, _ = s.e.conns.Update(context.Background(), s.company, func(c *connection.Connection) error { c.SealedAccess = bad; return nil })
		}, apperr.Unauthorized, connection.ReasonReauth, connection.ReauthRequired, 0, false, 1},
		{"refresh token unopenable: reauth_required", func(t *testing.T, s *setup) {
			s.e.connect(t, s.company, time.Now().Add(-time.Hour))
			_, _ = s.e.conns.Update(context.Background(), s.company, func(c *connection.Connection) error { c.SealedRefresh = []byte("garbage"); return nil })
		}, apperr.Unauthorized, connection.ReasonReauth, connection.ReauthRequired, 0, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := &setup{e: newEnv(t), company: "co-1"}
			ctx := context.Background()
			if _, err := s.e.links.Put(ctx, link.Link{CompanyID: s.company, PositionID: "pos", PostingID: "post", Trigger: link.Never}); err != nil {
				t.Fatal(err)
			}
			tt.prepare(t, s)
			before, _ := s.e.conns.Get(ctx, s.company)

			tok, err := s.e.vault.AccessToken(ctx, s.company)

			if apperr.CodeOf(err) != tt.wantCode || apperr.ReasonOf(err) != tt.wantReason {
				t.Fatalf("AccessToken error = %v (code %q reason %q), want %q %q", err, apperr.CodeOf(err), apperr.ReasonOf(err), tt.wantCode, tt.wantReason)
			}
			if got := s.e.fake.Calls(refreshLabel); got != tt.wantRefresh {
				t.Errorf("refresh requests = %d, want %d", got, tt.wantRefresh)
			}
			if n, _ := s.e.links.List(ctx, s.company); len(n) != tt.wantLinks {
				t.Errorf("links left = %d, want %d", len(n), tt.wantLinks)
			}
			c, gerr := s.e.conns.Get(ctx, s.company)
			if tt.wantStatus == "" {
				if !apperr.Is(gerr, apperr.NotFound) {
					t.Errorf("a connection was created: %+v", c)
				}
				return
			}
			if c.Status != tt.wantStatus {
				t.Errorf("status = %q, want %q", c.Status, tt.wantStatus)
			}
			if c.LeaseOwner != "" {
				t.Errorf("lease left held by %q", c.LeaseOwner)
			}
			switch {
			case err != nil && tt.wantStatus == connection.Revoked && tt.wantRefresh > 0:
				if c.SealedAccess != nil || c.SealedRefresh != nil || c.RevokedReason != connection.ReasonLeverRevoked {
					t.Errorf("revoked connection keeps tokens or lacks the reason: %+v", c)
				}
			case err != nil && tt.wantCode == apperr.Transient:
				if !bytes.Equal(c.SealedRefresh, before.SealedRefresh) {
					t.Errorf("a failed refresh changed the stored refresh token")
				}
			case err == nil && tt.wantIssued:
				if tok != s.e.open(t, s.company, before.SealedAccess) {
					t.Errorf("returned a token other than the stored valid one")
				}
			case err == nil:
				// Rotation stored before use: the stored pair is the new one.
				if tok != s.e.open(t, s.company, c.SealedAccess) || !c.AccessExpiry.After(time.Now()) {
					t.Errorf("returned token is not the stored one, or expiry %v not ahead", c.AccessExpiry)
				}
				if bytes.Equal(c.SealedRefresh, before.SealedRefresh) {
					t.Errorf("the rotated refresh token was not stored")
				}
				if _, err := s.e.lever.client(tok).ListUsers(ctx, lever.ListUsersParams{}); err != nil {
					t.Errorf("the refreshed token is refused by Lever: %v", err)
				}
				// Reusing the rotated refresh token is refused, and (Auth0
				// rotation) revokes the whole family, new tokens included.
				if _, err := s.e.lever.Refresh(ctx, connection.Sandbox, s.e.open(t, s.company, before.SealedRefresh)); apperr.ReasonOf(err) != "invalid_grant" {
					t.Errorf("the old refresh token still works at Lever (%v): the fake does not rotate", err)
				}
				if _, err := s.e.lever.client(tok).ListUsers(ctx, lever.ListUsersParams{}); err == nil {
					t.Errorf("the family's access token still works after a rotated refresh token was reused")
				}
			}
		})
	}
}

// failingWrites is a connection store whose Update fails once fn has run
// while failing is set: the write of the rotated tokens never lands.
type failingWrites struct {
	connection.Store
	mu      sync.Mutex
	failing bool
}

func (f *failingWrites) Update(ctx context.Context, id string, fn func(*connection.Connection) error) (connection.Connection, error) {
	f.mu.Lock()
	failing := f.failing
	f.mu.Unlock()
	if failing {
		var c connection.Connection
		if err := fn(&c); err != nil {
			return connection.Connection{}, err
		}
		return connection.Connection{}, apperr.Wrap(apperr.Internal, errors.New("disk full"), "store down")
	}
	return f.Store.Update(ctx, id, fn)
}

func TestVaultRotatedTokenStoredBeforeUse(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.connect(t, "co-1", time.Now().Add(-time.Hour))
	store := &failingWrites{Store: e.conns}
	e.vault.Store = store
	store.failing = true
	tok, err := e.vault.AccessToken(context.Background(), "co-1")
	if err == nil || tok != "" {
		t.Fatalf("AccessToken = %q, %v: want no token when the rotated pair cannot be stored", tok, err)
	}
	if e.fake.Calls(refreshLabel) != 1 {
		t.Fatalf("refresh requests = %d, want 1", e.fake.Calls(refreshLabel))
	}
}

func TestVaultConcurrentCallersRefreshOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.connect(t, "co-1", time.Now().Add(-time.Hour))
	e.fake.SetLatency(20*time.Millisecond, 0) // the refresh takes a while: the others wait for it
	const n = 12
	toks := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			toks[i], errs[i] = e.vault.AccessToken(context.Background(), "co-1")
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || toks[i] != toks[0] {
			t.Fatalf("caller %d: %q, %v; want the one refreshed token (%q)", i, toks[i], errs[i], toks[0])
		}
	}
	if got := e.fake.Calls(refreshLabel); got != 1 {
		t.Fatalf("%d concurrent callers made %d refreshes, want 1", n, got)
	}
}

func TestVaultWaitsForAnotherHolder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.connect(t, "co-1", time.Now().Add(-time.Hour))
	if _, err := e.conns.AcquireLease(context.Background(), "co-1", "another-instance", time.Now(), time.Hour); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := e.vault.AccessToken(ctx, "co-1"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("AccessToken while another instance refreshes: %v, want to wait until ctx ends", err)
	}
	if e.fake.Calls(refreshLabel) != 0 {
		t.Fatal("refreshed while another instance held the lease")
	}
}

func TestVaultInvalidate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	issued := e.connect(t, "co-1", time.Now().Add(time.Hour))
	tokens := connection.Tokens{Vault: e.vault, CompanyID: "co-1"}
	ctx := context.Background()
	tokens.Invalidate(ctx, "not-the-current-token")
	if got, err := tokens.AccessToken(ctx); err != nil || got != issued.AccessToken {
		t.Fatalf("after invalidating another token: %q, %v; want the stored one", got, err)
	}
	tokens.Invalidate(ctx, issued.AccessToken)
	got, err := tokens.AccessToken(ctx)
	if err != nil || got == issued.AccessToken || e.fake.Calls(refreshLabel) != 1 {
		t.Fatalf("after invalidating the current token: %q, %v, %d refreshes; want a refreshed one", got, err, e.fake.Calls(refreshLabel))
	}
}

func TestVaultRevokeIdempotent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	if err := e.vault.Revoke(ctx, "never-connected", connection.ReasonLeverRevoked); err != nil {
		t.Fatalf("Revoke of an unknown company: %v", err)
	}
	if _, err := e.conns.Get(ctx, "never-connected"); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("Revoke created a connection: %v", err)
	}
	e.connect(t, "co-1", time.Now().Add(time.Hour))
	for range 2 {
		if err := e.vault.Revoke(ctx, "co-1", connection.ReasonLeverRevoked); err != nil {
			t.Fatalf("Revoke: %v", err)
		}
	}
	if c := e.stored(t, "co-1"); c.Status != connection.Revoked || c.SealedRefresh != nil {
		t.Fatalf("after Revoke: %+v", c)
	}
}

// TestTokensForUsesTheConnectionRead: a job's client opens the token of
// the connection it was given, without reading the store per call, until
// Lever rejects it (Invalidate); then the store answers again.
func TestTokensForUsesTheConnectionRead(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	issued := e.connect(t, "co-1", time.Now().Add(time.Hour))
	c := e.stored(t, "co-1")
	tokens := connection.TokensFor(e.vault, c)
	// The store changes after the job read the connection: the job's calls
	// keep the token it started with (no read per call)...
	_, _ = e.conns.Update(ctx, "co-1", func(c *connection.Connection) error { c.Status = connection.Revoked; return nil })
	for i := range 2 {
		if got, err := tokens.AccessToken(ctx); err != nil || got != issued.AccessToken {
			t.Fatalf("call %d: %q, %v; want the token of the connection read", i, got, err)
		}
	}
	// ...until Lever rejects it: then the store's answer stands.
	tokens.Invalidate(ctx, issued.AccessToken)
	_, err := tokens.AccessToken(ctx)
	if e := apperr.As(err); e == nil || e.Code != apperr.Unauthorized || e.Reason != connection.ReasonLeverRevoked {
		t.Fatalf("after Lever rejected the token of a revoked connection: %v, want unauthorized %s", err, connection.ReasonLeverRevoked)
	}
	// A connection read with its token due for refresh asks the vault.
	e.connect(t, "co-2", time.Now().Add(time.Minute))
	fresh := connection.TokensFor(e.vault, e.stored(t, "co-2"))
	if _, err := fresh.AccessToken(ctx); err != nil || e.fake.Calls(refreshLabel) != 1 {
		t.Fatalf("token inside the skew: %v, %d refreshes; want one refresh", err, e.fake.Calls(refreshLabel))
	}
}
