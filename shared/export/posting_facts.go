package export

import (
	"context"
	"fmt"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/posting"
)

// PostingGetter reads one posting of the company's postings cache
// (posting.Store.Get): apperr NotFound when it is not cached.
type PostingGetter interface {
	Get(ctx context.Context, companyID, postingID string) (posting.Posting, error)
}

// readPostingState returns the cached state of postingID ("" when it is
// not cached, or when postings is nil: the posting rule then skips
// posting_not_found, visibly, rather than exporting blind).
func readPostingState(ctx context.Context, postings PostingGetter, companyID, postingID string) (string, error) {
	if postingID == "" || postings == nil {
		return "", nil
	}
	p, err := postings.Get(ctx, companyID, postingID)
	if apperr.Is(err, apperr.NotFound) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("read posting: %w", err)
	}
	return p.State, nil
}
