package lever

import (
	"context"
)

// TokenProvider supplies the access token for each API request. The Client
// calls AccessToken before every attempt and, when Lever answers 401,
// Invalidate with the rejected token before asking for a fresh one once.
//
// Implementations must be safe for concurrent use. The persistent vault in
// shared/connection implements it with a DynamoDB refresh lease; StaticToken
// is the trivial one.
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

var _ TokenProvider = StaticToken("")
