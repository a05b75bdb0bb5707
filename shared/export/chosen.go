package export

import (
	"context"
	"fmt"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/posting"
)

// Export to a Lever posting chosen at the moment of export (Pin's "Export
// to ATS", LinkedIn's 1-Click Export): POST …/export {postingId} and GET
// …/export?postingId=. The posting must be among the company's cached
// postings (reloaded from Lever once on a miss) and, unless allowClosed,
// not closed. The job carries the posting id; the marker records it with
// no position, so the candidate's later messages and notes follow the
// opportunity whatever happens to links (Decide: pushes).

// PostingGetter reads one of the company's cached Lever postings (apperr
// NotFound when it is not among them).
type PostingGetter interface {
	Get(ctx context.Context, companyID, postingID string) (posting.Posting, error)
}

// PostingReloader refreshes the company's cached postings from Lever now
// (posting.Reload: a pass already running is joined).
type PostingReloader interface {
	Reload(ctx context.Context, companyID string) error
}

// reloadTimeout bounds the reload of a miss (the HTTP API allows 30 s).
const reloadTimeout = 15 * time.Second

// checkChosen validates a posting id given with (or instead of) a
// position id: exactly one of them, or neither. Errors name postingId.
func checkChosen(positionID, postingID string) error {
	if postingID == "" {
		return nil
	}
	if positionID != "" {
		return apperr.InvalidField("postingId", "give positionId (a linked position) or postingId (a posting chosen now), not both")
	}
	return event.CheckID("postingId", postingID)
}

// loadPosting fills in the chosen posting's state for Decide: the cached
// posting, or, when it is not cached, the posting after one reload from
// Lever ("" when still unknown: posting_not_found). It reads nothing when
// Decide would not look (an exported candidate, an unusable connection).
// Errors: the cache read's, and the reload's (apperr Transient when Lever
// does not answer in time).
func (s *Service) loadPosting(ctx context.Context, companyID, postingID string, in *Input) error {
	in.PostingID = postingID
	if (in.MarkerFound && in.Marker.State == Exported) || !waitsOrActive(in.Conn) {
		return nil
	}
	if s.Postings == nil {
		return apperr.E(apperr.Internal, "export service has no postings cache")
	}
	p, err := s.Postings.Get(ctx, companyID, postingID)
	if apperr.Is(err, apperr.NotFound) && s.Reloader != nil {
		rctx, cancel := context.WithTimeout(ctx, reloadTimeout)
		err = s.Reloader.Reload(rctx, companyID)
		cancel()
		if err != nil {
			return fmt.Errorf("reload postings for %s: %w", postingID, err)
		}
		p, err = s.Postings.Get(ctx, companyID, postingID)
	}
	switch {
	case apperr.Is(err, apperr.NotFound):
		in.PostingState = ""
	case err != nil:
		return fmt.Errorf("read posting: %w", err)
	default:
		in.PostingState = p.State
	}
	return nil
}

// StatusForPosting answers whether the Export button may show for
// postingID (GET …/export?postingId=): the candidate's status view with
// exportable and, when not, the reason, as Decide gives it for an export
// to that posting (posting_not_found, posting_closed, already_exported,
// not_connected, …). Errors: apperr Invalid naming postingId; store and
// reload errors.
func (s *Service) StatusForPosting(ctx context.Context, companyID, candidateID, postingID string) (StatusView, error) {
	if err := checkChosen("", postingID); err != nil {
		return StatusView{}, err
	}
	f, err := s.load(ctx, companyID, candidateID, "")
	if err != nil {
		return StatusView{}, err
	}
	f.in.PositionID = "" // judged for the posting, not the last position
	f.in.LinkFound = false
	if err := s.loadPosting(ctx, companyID, postingID, &f.in); err != nil {
		return StatusView{}, err
	}
	return view(f, candidateID), nil
}
