package export

import (
	"context"
	"fmt"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
)

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

// recordPostingSkip records the skip of an application that named its
// posting, with that posting (so the status judges it again); an exported
// or claimed marker is left alone.
func recordPostingSkip(ctx context.Context, markers Store, k Key, now time.Time, reason Reason, postingID string) error {
	if !recorded(reason) {
		return nil
	}
	if err := markers.SkipPosting(ctx, k, now, string(reason), postingID); err != nil && !apperr.Is(err, apperr.Conflict) {
		return fmt.Errorf("record skip: %w", err)
	}
	return nil
}

// loadSkippedPosting fills in, for the status, the posting a skipped application
// named when the status is not asked for a position: the marker records
// no position but the posting (SkipPosting, or Confirm).
func (s *Service) loadSkippedPosting(ctx context.Context, companyID string, f *facts) error {
	m := f.in.Marker
	if f.in.PositionID != "" || !f.in.MarkerFound || m.PositionID != "" || m.PostingID == "" || m.State != Skipped {
		return nil
	}
	f.in.PostingID = m.PostingID
	if !f.in.Conn.Active() {
		return nil
	}
	st, err := readPostingState(ctx, s.Postings, companyID, m.PostingID)
	if err != nil {
		return fmt.Errorf("export status: %w", err)
	}
	f.in.PostingState = st
	return nil
}
