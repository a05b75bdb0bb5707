package export

import (
	"context"
	"fmt"

	"github.com/leverlink/leverlink/shared/apperr"
)

// progress moves the opportunity forward to target (a lead stage) if it is
// behind it in Lever; never backward, once per stage.
func (x *Exporter) progress(ctx context.Context, cli Lever, m Marker, target string) error {
	if target == "" || stageRank(m.StageID) >= stageRank(target) {
		return nil
	}
	later := []string{StageResponded}
	if target == StageResponded {
		later = nil
	}
	for _, s := range append(later, target) {
		k := Key{CompanyID: m.CompanyID, CandidateID: m.CandidateID, ActivityID: "stage:" + s}
		if cur, err := x.Markers.Get(ctx, k); err == nil && cur.State == Exported {
			return nil // already at (or past) target
		}
	}
	k := Key{CompanyID: m.CompanyID, CandidateID: m.CandidateID, ActivityID: "stage:" + target}
	claimID := newClaimID()
	_, claimed, err := x.claim(ctx, k, claimID)
	switch {
	case err != nil:
		return err
	case claimed == ClaimAlreadyExported:
		return nil
	case claimed == ClaimInProgress:
		return apperr.E(apperr.Transient, "another attempt holds the %s claim", k.ActivityID).WithReason(string(ReasonInProgress))
	}
	opp, err := cli.GetOpportunity(ctx, m.OpportunityID)
	if err != nil {
		return x.release(ctx, k, claimID, fmt.Errorf("read opportunity stage: %w", err))
	}
	if stageRank(opp.Stage) < stageRank(target) {
		if err := cli.ChangeStage(ctx, m.OpportunityID, target); err != nil {
			return x.settle(ctx, k, claimID, fmt.Errorf("change stage: %w", err))
		}
	}
	_, err = x.Markers.Confirm(ctx, k, claimID, x.now(), func(mk *Marker) { mk.OpportunityID, mk.StageID = m.OpportunityID, target })
	return err
}
