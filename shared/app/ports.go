package app

import (
	"context"

	"github.com/leverlink/leverlink/shared/dynamo"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/link"
	"github.com/leverlink/leverlink/shared/posting"
	"github.com/leverlink/leverlink/shared/settings"
)

// Shape adapters between the adapters New builds and the ports the services
// declare, where the two differ only in shape. They decide nothing.

var (
	_ link.PostingGetter       = postingExists{}
	_ export.PostingReloader   = postingReloader{}
	_ posting.AnnounceSettings = announceSettings{}
)

// announceSettings reads announceInternalPostings from the company's
// settings (the default, false, for a company that never wrote any).
type announceSettings struct{ g settings.Getter }

// InternalAnnounced reports the company's announceInternalPostings.
func (a announceSettings) InternalAnnounced(ctx context.Context, companyID string) (bool, error) {
	s, err := settings.Of(ctx, a.g, companyID)
	if err != nil {
		return false, err
	}
	return s.AnnounceInternalPostings, nil
}

// postingExists answers a cached posting's state.
type postingExists struct{ s *dynamo.Postings }

func (p postingExists) Exists(ctx context.Context, companyID, postingID string) (string, error) {
	ps, err := p.s.Get(ctx, companyID, postingID)
	return ps.State, err
}

// postingReloader reloads a company's postings now (posting.Reload), for
// an export to a posting chosen at the moment of export.
type postingReloader struct{ r *posting.Refresher }

func (p postingReloader) Reload(ctx context.Context, companyID string) error {
	_, err := posting.Reload(ctx, p.r, companyID, 0)
	return err
}
