package export

import (
	"context"

	"github.com/leverlink/leverlink/shared/apperr"
)

// Retry queues a failed or skipped export again (POST /exports/{id}/retry
// and the setup page's Retry). The position defaults to the failed
// export's (unless the request names a postingId: an export to a
// posting chosen now is retried by naming it again). Errors: apperr Invalid
// with Reason erased (with the view) for an erased candidate; apperr
// Conflict with Reason not_failed for any other state; otherwise as
// RequestExport.
func (s *Service) Retry(ctx context.Context, companyID, candidateID string, in ExportRequest) (StatusView, error) {
	cur, err := s.Status(ctx, companyID, candidateID, in.PositionID)
	if err != nil {
		return StatusView{}, err
	}
	if cur.Reason == ReasonErased {
		return cur, apperr.E(apperr.Invalid, "candidate cannot be exported: %s", cur.Reason).WithReason(string(cur.Reason))
	}
	if cur.State != string(Failed) && cur.State != string(Skipped) {
		return StatusView{}, apperr.E(apperr.Conflict, "only failed or skipped exports can be retried (state is %s)", cur.State).WithReason("not_failed")
	}
	if in.PositionID == "" && in.PostingID == "" {
		in.PositionID = cur.PositionID
	}
	return s.RequestExport(ctx, companyID, candidateID, in)
}
