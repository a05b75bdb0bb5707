package connection

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
)

// Grant is what Lever's token endpoint returned, in plaintext. It lives only
// in memory, between the token endpoint and the Sealer.
type Grant struct {
	AccessToken  string
	RefreshToken string
	Expiry       time.Time
	Scope        string
	UserID       string // the token's user claim, when present
	AccountID    string // the token's account claim, when present
}

// Refresher exchanges a refresh token for a new grant in the connection's
// environment. An invalid_grant answer is an apperr Unauthorized error with
// Reason "invalid_grant"; refresh tokens are single use.
type Refresher interface {
	Refresh(ctx context.Context, env Environment, refreshToken string) (Grant, error)
}

// CredentialWatch learns from every token-endpoint answer (nil for
// success) whether this deployment's Lever client credentials work
// (health.Monitor). It must not fail.
type CredentialWatch interface {
	TokenResult(ctx context.Context, err error)
}

// LinkRemover removes every link of a company (disconnecting, or
// reconnecting another Lever account, unlinks all).
type LinkRemover interface {
	DeleteAll(ctx context.Context, companyID string) (int, error)
}

// Reasons recorded on a connection and returned in errors.
const (
	ReasonLeverRevoked = "lever_revoked" // Lever refused the grant
	ReasonDisconnected = "disconnected"  // the vendor disconnected
	ReasonNotConnected = "not_connected"
	ReasonReauth       = "reauth_required"
	// ReasonPerformAsInactive: the perform-as user is deactivated in Lever.
	ReasonPerformAsInactive = "perform_as_inactive"
)

// Vault hands out valid Lever access tokens for a company. It refreshes ahead
// of expiry under a lease held in the Store, so that across every function
// instance exactly one refresh happens per expiry; callers that lose the
// lease wait and re-read. The rotated refresh token is stored before the new
// access token is returned. Safe for concurrent use.
type Vault struct {
	Store     Store
	Sealer    *Sealer
	Refresher Refresher
	Links     LinkRemover
	Watch     CredentialWatch // nil: token answers are not watched
	Log       *slog.Logger

	Now      func() time.Time
	Skew     time.Duration // refresh this long before expiry (default 2m)
	LeaseTTL time.Duration // how long a refresh may take (default 30s)
	Wait     time.Duration // poll interval while another holder refreshes (default 50ms)
}

func (v *Vault) now() time.Time {
	if v.Now != nil {
		return v.Now()
	}
	return time.Now()
}

func (v *Vault) log() *slog.Logger {
	if v.Log != nil {
		return v.Log
	}
	return slog.Default()
}

func durOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}

// notActive is the error for a connection that cannot be used.
func notActive(c Connection) error {
	reason := c.Unusable()
	return apperr.E(apperr.Unauthorized, "Lever is not connected for this company (%s)", reason).WithReason(reason)
}

// AuthFailure is the one rule for an authentication failure met while
// calling Lever. ok is false when err is not one (not apperr Unauthorized).
// Otherwise reason is what the work is skipped with: lever_revoked when
// Lever refused the grant itself (Reason invalid_grant from the token
// endpoint, token_rejected from the API after a refresh) — revoke is then
// true: the connection must be revoked — and the vault's own reason
// (not_connected, lever_revoked, reauth_required) when the connection was
// already unusable. Pure; HandleAuthFailure applies it.
func AuthFailure(err error) (reason string, revoke, ok bool) {
	if !apperr.Is(err, apperr.Unauthorized) {
		return "", false, false
	}
	switch r := apperr.ReasonOf(err); r {
	case "invalid_grant", "token_rejected":
		return ReasonLeverRevoked, true, true
	case ReasonNotConnected, ReasonLeverRevoked, ReasonReauth:
		return r, false, true
	}
	return ReasonLeverRevoked, false, true
}

// HandleAuthFailure applies AuthFailure to err met while working for
// companyID: it revokes the connection (Revoke with lever_revoked: tokens
// deleted, links suspended) when Lever refused the grant, and returns the
// reason to skip the work with; ok is false (and nothing is done) when err
// is not an authentication failure. The error is Revoke's. It is the one
// owner of revocation after an auth failure: the vault's refresh, the
// exporter and the postings refresher all call it. Safe for concurrent use.
func (v *Vault) HandleAuthFailure(ctx context.Context, companyID string, err error) (reason string, ok bool, rerr error) {
	reason, revoke, ok := AuthFailure(err)
	if revoke {
		v.log().WarnContext(ctx, "lever refused the grant; revoking connection", "company_id", companyID, "reason", apperr.ReasonOf(err))
		if rerr := v.Revoke(ctx, companyID, ReasonLeverRevoked); rerr != nil {
			return reason, ok, rerr
		}
	}
	return reason, ok, nil
}

// AccessToken returns a valid access token for the company. Errors:
// apperr Unauthorized with Reason not_connected / lever_revoked /
// reauth_required when the connection cannot be used (a refresh answered
// invalid_grant revokes it first); apperr Transient when Lever or the store
// failed temporarily; the context's error when ctx ends while waiting for
// another holder's refresh.
func (v *Vault) AccessToken(ctx context.Context, companyID string) (string, error) {
	skew := durOr(v.Skew, 2*time.Minute)
	for {
		c, err := v.Store.Get(ctx, companyID)
		if apperr.Is(err, apperr.NotFound) {
			return "", apperr.E(apperr.Unauthorized, "Lever is not connected for this company").WithReason(ReasonNotConnected)
		}
		if err != nil {
			return "", fmt.Errorf("vault: %w", err)
		}
		if !c.holdsTokens() {
			return "", notActive(c)
		}
		now := v.now()
		if c.AccessExpiry.After(now.Add(skew)) && len(c.SealedAccess) > 0 {
			return v.open(ctx, c, c.SealedAccess)
		}
		tok, err := v.refresh(ctx, companyID, now, func(c Connection) bool {
			return c.AccessExpiry.After(now.Add(skew)) && len(c.SealedAccess) > 0
		})
		if apperr.Is(err, apperr.Conflict) {
			// Another instance holds the lease: wait for its refresh, re-read.
			select {
			case <-ctx.Done():
				return "", ctx.Err()
			case <-time.After(durOr(v.Wait, 50*time.Millisecond)):
			}
			continue
		}
		return tok, err
	}
}

// refresh takes the lease, refreshes and stores the rotated tokens unless
// fresh says the connection read under the lease needs none (someone else
// refreshed meanwhile). It returns apperr Conflict when another holder has
// the lease.
func (v *Vault) refresh(ctx context.Context, companyID string, now time.Time, fresh func(Connection) bool) (string, error) {
	owner := newOwner()
	c, err := v.Store.AcquireLease(ctx, companyID, owner, now, durOr(v.LeaseTTL, 30*time.Second))
	if err != nil {
		return "", err // Conflict: someone else refreshes
	}
	// Someone may have refreshed between our read and our lease.
	if c.holdsTokens() && fresh(c) {
		v.release(ctx, companyID, owner)
		return v.open(ctx, c, c.SealedAccess)
	}
	if !c.holdsTokens() {
		v.release(ctx, companyID, owner)
		return "", notActive(c)
	}
	rt, err := v.open(ctx, c, c.SealedRefresh)
	if err != nil {
		v.release(ctx, companyID, owner)
		return "", err
	}
	g, err := v.Refresher.Refresh(ctx, c.Environment, rt)
	if v.Watch != nil {
		v.Watch.TokenResult(ctx, err)
	}
	if err != nil {
		if _, revoke, _ := AuthFailure(err); revoke {
			if _, _, rerr := v.HandleAuthFailure(ctx, companyID, err); rerr != nil {
				return "", rerr
			}
			return "", apperr.Wrap(apperr.Unauthorized, err, "Lever revoked this company's access").WithReason(ReasonLeverRevoked)
		}
		v.release(ctx, companyID, owner)
		return "", fmt.Errorf("vault: refresh: %w", err)
	}
	access, err := v.Sealer.Seal(companyID, g.AccessToken)
	if err != nil {
		return "", err
	}
	refresh := c.SealedRefresh
	if g.RefreshToken != "" { // rotated: the old one is now dead
		if refresh, err = v.Sealer.Seal(companyID, g.RefreshToken); err != nil {
			return "", err
		}
	}
	// Store before use. The refresh token was consumed, so the rotated one is
	// written even if the lease expired meanwhile (losing it would lock the
	// company out); the version condition serialises with other writers.
	// The write outlives the caller's context and is retried: a caller that
	// gives up must not take the only valid refresh token with it.
	store := func() error {
		wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		_, err := v.Store.Update(wctx, companyID, func(cur *Connection) error {
			if !cur.holdsTokens() {
				return notActive(*cur)
			}
			cur.SealedAccess, cur.SealedRefresh, cur.AccessExpiry = access, refresh, g.Expiry
			cur.TokenRefreshedAt = v.now()
			if g.Scope != "" {
				cur.Scopes = g.Scope
			}
			cur.LeaseOwner, cur.LeaseUntil = "", time.Time{}
			cur.UpdatedAt = v.now()
			return nil
		})
		return err
	}
	err = store()
	for i := 0; err != nil && i < 3 && (apperr.Is(err, apperr.Transient) || apperr.Is(err, apperr.Conflict)); i++ {
		time.Sleep(time.Duration(100<<i) * time.Millisecond)
		err = store()
	}
	if err != nil {
		if !apperr.Is(err, apperr.Unauthorized) {
			v.log().ErrorContext(ctx, "rotated refresh token could not be stored: the connection will need to reconnect", "company_id", companyID, "err", err)
		}
		return "", fmt.Errorf("vault: store refreshed tokens: %w", err)
	}
	v.log().InfoContext(ctx, "lever token refreshed", "company_id", companyID)
	return g.AccessToken, nil
}

// DefaultKeepFresh is how old a connection's tokens may get before
// KeepFresh refreshes them: under a day, so the scheduled refresher
// (every 15 minutes by default) uses each refresh token daily.
const DefaultKeepFresh = 20 * time.Hour

// KeepFresh refreshes the company's tokens when Lever last issued them more
// than maxAge ago (DefaultKeepFresh when 0), even if the access token is
// still valid: Lever's refresh tokens die after 90 days unused (LEVER.md),
// so an idle company must not lose its grant. It reports whether it
// refreshed. Errors as AccessToken's (invalid_grant revokes first).
func (v *Vault) KeepFresh(ctx context.Context, companyID string, maxAge time.Duration) (bool, error) {
	maxAge = durOr(maxAge, DefaultKeepFresh)
	for {
		c, err := v.Store.Get(ctx, companyID)
		if apperr.Is(err, apperr.NotFound) {
			return false, apperr.E(apperr.Unauthorized, "Lever is not connected for this company").WithReason(ReasonNotConnected)
		}
		if err != nil {
			return false, fmt.Errorf("vault: %w", err)
		}
		if !c.holdsTokens() {
			return false, notActive(c)
		}
		now := v.now()
		fresh := func(c Connection) bool { return now.Sub(tokensIssuedAt(c)) < maxAge }
		if fresh(c) {
			return false, nil
		}
		_, err = v.refresh(ctx, companyID, now, fresh)
		if apperr.Is(err, apperr.Conflict) {
			select {
			case <-ctx.Done():
				return false, ctx.Err()
			case <-time.After(durOr(v.Wait, 50*time.Millisecond)):
			}
			continue
		}
		return err == nil, err
	}
}

// tokensIssuedAt is when Lever last issued the connection's tokens; for a
// connection stored before TokenRefreshedAt existed, its connect time.
func tokensIssuedAt(c Connection) time.Time {
	if !c.TokenRefreshedAt.IsZero() {
		return c.TokenRefreshedAt
	}
	return c.ConnectedAt
}

func (v *Vault) release(ctx context.Context, companyID, owner string) {
	_, err := v.Store.Update(ctx, companyID, func(cur *Connection) error {
		if cur.LeaseOwner != owner {
			return apperr.E(apperr.Conflict, "lease not held")
		}
		cur.LeaseOwner, cur.LeaseUntil = "", time.Time{}
		return nil
	})
	if err != nil && !apperr.Is(err, apperr.Conflict) {
		v.log().WarnContext(ctx, "release refresh lease", "company_id", companyID, "err", err)
	}
}

func (v *Vault) open(ctx context.Context, c Connection, sealed []byte) (string, error) {
	s, err := v.Sealer.Open(c.CompanyID, sealed)
	if err != nil {
		v.log().ErrorContext(ctx, "cannot open sealed token: wrong key or altered item", "company_id", c.CompanyID)
		v.markReauth(ctx, c.CompanyID, sealed)
		return "", apperr.Wrap(apperr.Unauthorized, err, "stored Lever tokens cannot be used; reconnect Lever").WithReason(ReasonReauth)
	}
	return s, nil
}

// markReauth records that the company's stored tokens cannot be opened
// (sealing key rotated, item altered or copied): status reauth_required, so
// GET /connection tells the admin to reconnect and jobs stop trying. The
// sealed tokens and the links are kept (reconnecting replaces the tokens and
// keeps the links). Only when the item still holds the unopenable value: a
// concurrent reconnect wins.
func (v *Vault) markReauth(ctx context.Context, companyID string, sealed []byte) {
	_, err := v.Store.Update(ctx, companyID, func(cur *Connection) error {
		if !cur.holdsTokens() || (!bytes.Equal(cur.SealedAccess, sealed) && !bytes.Equal(cur.SealedRefresh, sealed)) {
			return apperr.E(apperr.Conflict, "connection changed")
		}
		cur.Status = ReauthRequired
		cur.LastError = ReasonReauth
		cur.LeaseOwner, cur.LeaseUntil = "", time.Time{}
		cur.UpdatedAt = v.now()
		return nil
	})
	if err != nil && !apperr.Is(err, apperr.Conflict) && !apperr.Is(err, apperr.NotFound) {
		v.log().WarnContext(ctx, "mark connection reauth_required", "company_id", companyID, "err", err)
	}
}

// Invalidate marks the company's access token expired if it is still the
// given one, so the next AccessToken call refreshes. For a 401 from Lever.
func (v *Vault) Invalidate(ctx context.Context, companyID, token string) {
	_, err := v.Store.Update(ctx, companyID, func(cur *Connection) error {
		if !cur.holdsTokens() {
			return notActive(*cur)
		}
		if cur, err := v.Sealer.Open(companyID, cur.SealedAccess); err != nil || cur != token {
			return apperr.E(apperr.Conflict, "token already replaced")
		}
		cur.AccessExpiry = time.Time{}
		return nil
	})
	if err != nil && !apperr.Is(err, apperr.Conflict) && !apperr.Is(err, apperr.Unauthorized) {
		v.log().WarnContext(ctx, "invalidate access token", "company_id", companyID, "err", err)
	}
}

// Revoke marks the connection revoked with reason and deletes its tokens.
// The company's links are kept, suspended: an unusable connection skips
// every export with reason (export.Decide), and reconnecting the same
// Lever account makes them work again (Service.Callback); reconnecting
// another account or disconnecting removes them. Export markers are kept.
// Idempotent.
func (v *Vault) Revoke(ctx context.Context, companyID, reason string) error {
	_, err := v.Store.Update(ctx, companyID, func(cur *Connection) error {
		if cur.Version == 0 {
			return apperr.E(apperr.NotFound, "no connection")
		}
		cur.Status = Revoked
		cur.RevokedReason, cur.LastError = reason, reason
		clearTokens(cur)
		cur.UpdatedAt = v.now()
		return nil
	})
	if err != nil && !apperr.Is(err, apperr.NotFound) {
		return fmt.Errorf("vault: revoke: %w", err)
	}
	v.log().WarnContext(ctx, "lever connection revoked; links suspended", "company_id", companyID, "reason", reason)
	return nil
}

func clearTokens(c *Connection) {
	c.SealedAccess, c.SealedRefresh, c.AccessExpiry = nil, nil, time.Time{}
	c.LeaseOwner, c.LeaseUntil = "", time.Time{}
}

func newOwner() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Tokens binds the vault to one company, for the Lever client: it implements
// AccessToken(ctx) and Invalidate(ctx, token). The zero memo asks the vault
// (one store read) before every attempt; TokensFor remembers the token for
// the life of one client.
type Tokens struct {
	Vault     *Vault
	CompanyID string
	memo      *tokenMemo
}

// tokenMemo is the token one client is using, valid until exp.
type tokenMemo struct {
	mu    sync.Mutex
	known Connection // the connection as the caller read it
	token string
	exp   time.Time
}

// TokensFor returns the Tokens of c's company for one job's client: the
// first AccessToken opens the access token of c, which the caller has just
// read from the store (no second read), or asks the vault when it is
// missing or due for refresh; later calls reuse that token until it is due
// for refresh or Lever rejects it (Invalidate). A connection revoked or
// disconnected meanwhile stops new jobs, which read it again; a running
// job's calls fail when Lever rejects its token. Safe for concurrent use.
func TokensFor(v *Vault, c Connection) Tokens {
	return Tokens{Vault: v, CompanyID: c.CompanyID, memo: &tokenMemo{known: c}}
}

// AccessToken returns a valid access token (see Vault.AccessToken).
func (t Tokens) AccessToken(ctx context.Context) (string, error) {
	if t.memo == nil {
		return t.Vault.AccessToken(ctx, t.CompanyID)
	}
	m := t.memo
	m.mu.Lock()
	defer m.mu.Unlock()
	now := t.Vault.now()
	skew := durOr(t.Vault.Skew, 2*time.Minute)
	if m.token != "" && m.exp.After(now.Add(skew)) {
		return m.token, nil
	}
	m.token = ""
	c := m.known
	m.known = Connection{} // used once: a later call reads the store
	if c.CompanyID == t.CompanyID && c.holdsTokens() && c.AccessExpiry.After(now.Add(skew)) && len(c.SealedAccess) > 0 {
		tok, err := t.Vault.open(ctx, c, c.SealedAccess)
		if err != nil {
			return "", err
		}
		m.token, m.exp = tok, c.AccessExpiry
		return tok, nil
	}
	tok, err := t.Vault.AccessToken(ctx, t.CompanyID)
	if err != nil {
		return "", err
	}
	// The vault returned a token valid beyond the skew; keep it for one
	// skew's worth, the least the vault guarantees.
	m.token, m.exp = tok, now.Add(2*skew)
	return tok, nil
}

// Invalidate forces the next AccessToken to refresh (see Vault.Invalidate).
func (t Tokens) Invalidate(ctx context.Context, token string) {
	if m := t.memo; m != nil {
		m.mu.Lock()
		if m.token == token {
			m.token, m.exp = "", time.Time{}
		}
		m.known = Connection{}
		m.mu.Unlock()
	}
	t.Vault.Invalidate(ctx, t.CompanyID, token)
}

// holdsTokens reports whether the connection's tokens are live: connected,
// or waiting for a new perform-as user (the grant itself is fine then, and
// PUT /connection/perform-as needs a token to look the user up).
func (c Connection) holdsTokens() bool { return c.Unreadable() == "" }

// MarkPerformAsInactive records that Lever refused a write because the
// perform-as user userID is deactivated: a connected connection whose
// perform-as user is still userID becomes perform_as_inactive (work waits
// until SetPerformAs). A connection that changed meanwhile is left alone.
// Errors: the store's. Safe for concurrent use.
func (v *Vault) MarkPerformAsInactive(ctx context.Context, companyID, userID string) error {
	_, err := v.Store.Update(ctx, companyID, func(cur *Connection) error {
		if cur.Status != Connected || cur.PerformAsID != userID {
			return apperr.E(apperr.Conflict, "connection changed")
		}
		cur.Status, cur.LastError = PerformAsInactive, ReasonPerformAsInactive
		cur.UpdatedAt = v.now()
		return nil
	})
	if err != nil && !apperr.Is(err, apperr.Conflict) {
		return fmt.Errorf("vault: mark perform-as inactive: %w", err)
	}
	v.log().WarnContext(ctx, "perform-as user deactivated in Lever; exports wait for a new one", "company_id", companyID, "perform_as_id", userID)
	return nil
}
