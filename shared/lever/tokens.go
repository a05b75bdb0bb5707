package lever

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/oauth2"

	"github.com/leverlink/leverlink/shared/apperr"
)

// TokenProvider supplies the access token for each API request. The Client
// calls AccessToken before every attempt and, when Lever answers 401,
// Invalidate with the rejected token before asking for a fresh one once.
//
// Implementations must be safe for concurrent use. The persistent vault in
// shared/connection implements it with a DynamoDB refresh lease;
// RotatingTokenSource and StaticToken are simpler implementations.
type TokenProvider interface {
	// AccessToken returns a currently valid access token, refreshing it if
	// needed. Errors should be *apperr.Error values (Unauthorized with Reason
	// "invalid_grant" when the grant is gone); the Client returns them as is.
	AccessToken(ctx context.Context) (string, error)
	// Invalidate reports that Lever rejected token. The next AccessToken call
	// must not return it again. It must be a no-op if token is no longer
	// current (another caller already replaced it).
	Invalidate(ctx context.Context, token string)
}

// StaticToken is a TokenProvider that always returns the same token and
// ignores invalidation; for tests and one-off tools.
type StaticToken string

// AccessToken returns t.
func (t StaticToken) AccessToken(context.Context) (string, error) { return string(t), nil }

// Invalidate does nothing.
func (StaticToken) Invalidate(context.Context, string) {}

// expiryLeeway is how long before its expiry a token is treated as expired.
const expiryLeeway = 10 * time.Second

// RotatingTokenSource keeps one connection's token pair in memory and
// refreshes it when it expires, handing every rotated pair to a persist
// callback before it is used. It implements both oauth2.TokenSource and
// TokenProvider.
//
// It is safe for concurrent use: callers share a single in-flight refresh
// (refresh tokens are single-use, so two refreshes would kill the grant), and
// callers waiting for it give up when their context is done. It coordinates
// only within one process; across processes use a leased vault.
type RotatingTokenSource struct {
	oauth   *OAuth
	persist func(context.Context, Token) error
	now     func() time.Time

	lock    chan struct{} // a mutex whose waiters honour their context
	tok     Token
	pending *Token // refreshed but not persisted yet: not usable
}

// NewRotatingTokenSource returns a source starting from current. persist is
// called with every new token pair after a refresh and before its access
// token is returned; if persist fails the error is returned, the new pair is
// not used, and persisting it is retried on the next call (its refresh token
// is the only valid one). persist may be nil when nothing needs saving.
func NewRotatingTokenSource(o *OAuth, current Token, persist func(context.Context, Token) error) *RotatingTokenSource {
	return &RotatingTokenSource{
		oauth:   o,
		persist: persist,
		now:     time.Now,
		lock:    make(chan struct{}, 1),
		tok:     current,
	}
}

// Token implements oauth2.TokenSource with a background context. The
// returned token carries no refresh token.
func (s *RotatingTokenSource) Token() (*oauth2.Token, error) {
	at, err := s.AccessToken(context.Background())
	if err != nil {
		return nil, err
	}
	s.lock <- struct{}{}
	exp := s.tok.Expiry
	<-s.lock
	return &oauth2.Token{AccessToken: at, TokenType: "Bearer", Expiry: exp}, nil
}

// AccessToken returns a valid access token, refreshing (once, for all
// concurrent callers) when the current one expires within 10 seconds.
//
// Errors: those of OAuth.Refresh (apperr.Unauthorized "invalid_grant" when
// the grant is gone), the persist callback's error, apperr.Unauthorized
// "invalid_grant" when there is no refresh token, and apperr.Transient when
// ctx ends while waiting.
func (s *RotatingTokenSource) AccessToken(ctx context.Context) (string, error) {
	select {
	case s.lock <- struct{}{}:
	case <-ctx.Done():
		return "", apperr.Wrap(apperr.Transient, ctx.Err(), "lever: waiting for token refresh")
	}
	defer func() { <-s.lock }()

	if s.pending != nil {
		if err := s.save(ctx, *s.pending); err != nil {
			return "", err
		}
		s.tok, s.pending = *s.pending, nil
	}
	if s.valid() {
		return s.tok.AccessToken, nil
	}
	if s.tok.RefreshToken == "" {
		return "", apperr.E(apperr.Unauthorized, "lever: access token expired and no refresh token").WithReason("invalid_grant")
	}
	nt, err := s.oauth.Refresh(ctx, s.tok.RefreshToken)
	if err != nil {
		return "", err
	}
	if nt.RefreshToken == "" { // Lever did not rotate: keep the old one.
		nt.RefreshToken = s.tok.RefreshToken
	}
	if err := s.save(ctx, nt); err != nil {
		s.pending = &nt
		return "", err
	}
	s.tok = nt
	return s.tok.AccessToken, nil
}

// Invalidate marks token expired if it is still the current one, so the next
// AccessToken call refreshes.
func (s *RotatingTokenSource) Invalidate(ctx context.Context, token string) {
	select {
	case s.lock <- struct{}{}:
	case <-ctx.Done():
		return
	}
	defer func() { <-s.lock }()
	if s.tok.AccessToken == token {
		s.tok.Expiry = time.Unix(1, 0)
	}
}

// Current returns a copy of the token pair in use (a secret: never log it).
func (s *RotatingTokenSource) Current() Token {
	s.lock <- struct{}{}
	defer func() { <-s.lock }()
	return s.tok
}

func (s *RotatingTokenSource) valid() bool {
	if s.tok.AccessToken == "" {
		return false
	}
	return s.tok.Expiry.IsZero() || s.now().Add(expiryLeeway).Before(s.tok.Expiry)
}

func (s *RotatingTokenSource) save(ctx context.Context, t Token) error {
	if s.persist == nil {
		return nil
	}
	if err := s.persist(ctx, t); err != nil {
		return fmt.Errorf("lever: persist rotated token: %w", err)
	}
	return nil
}

var (
	_ oauth2.TokenSource = (*RotatingTokenSource)(nil)
	_ TokenProvider      = (*RotatingTokenSource)(nil)
	_ TokenProvider      = StaticToken("")
)
