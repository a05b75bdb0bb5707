package leverclient

import (
	"context"

	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/lever"
	"github.com/leverlink/leverlink/shared/leversync"
	"github.com/leverlink/leverlink/shared/posting"
	"github.com/leverlink/leverlink/shared/throttle"
)

// Clients builds the Lever API client of a stored connection: tokens from
// Vault (refreshed ahead of expiry, once across instances), perform_as the
// connection's user, requests paced by the company's token bucket in
// Buckets. Safe for concurrent use.
type Clients struct {
	Config  Config
	Vault   *connection.Vault
	Buckets throttle.Store
	Bucket  throttle.Bucket // the per-company rate and burst
}

var (
	_ export.LeverFactory    = (*Clients)(nil)
	_ posting.LeverFactory   = (*Clients)(nil)
	_ leversync.LeverFactory = (*Clients)(nil)
)

// Client returns the API client of c. Errors: apperr Invalid naming
// environment when c's environment is unknown.
func (l *Clients) Client(c connection.Connection) (*lever.Client, error) {
	ep, err := l.Config.Endpoints(c.Environment)
	if err != nil {
		return nil, err
	}
	return lever.New(lever.Config{
		BaseURL: ep.APIBase, HTTPClient: l.Config.HTTPClient,
		Tokens:    connection.TokensFor(l.Vault, c),
		PerformAs: c.PerformAsID, OnCall: l.Config.OnCall, RedirectHosts: l.Config.RedirectHosts,
		Limiter: throttle.Limiter{Store: l.Buckets, Key: "lever/" + c.CompanyID, Bucket: l.Bucket},
	}), nil
}

// Lever implements export.LeverFactory.
func (l *Clients) Lever(_ context.Context, c connection.Connection) (export.Lever, error) {
	return l.Client(c)
}

// PostingsLever implements posting.LeverFactory.
func (l *Clients) PostingsLever(_ context.Context, c connection.Connection) (posting.Lever, error) {
	return l.Client(c)
}

// SyncLever implements leversync.LeverFactory.
func (l *Clients) SyncLever(_ context.Context, c connection.Connection) (leversync.Lever, error) {
	return l.Client(c)
}
