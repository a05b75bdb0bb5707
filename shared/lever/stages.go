package lever

import "context"

// Stage is a pipeline stage. Built-in ids are slugs such as "lead-new",
// "lead-reached-out", "lead-responded", "applicant-new" and "offer", but
// resolve them through ListStages rather than hard-coding them.
type Stage struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// Stage ids of Lever's default pipeline (LEVER.md §8).
const (
	StageLeadNew        = "lead-new"
	StageLeadReachedOut = "lead-reached-out"
	StageLeadResponded  = "lead-responded"
	StageApplicantNew   = "applicant-new"
	StageOffer          = "offer"
)

// ListStages returns every stage of the account (GET /stages).
// Errors: see the package documentation.
func (c *Client) ListStages(ctx context.Context) ([]Stage, error) {
	return listAll[Stage](ctx, c, "/stages", "GET /stages", nil)
}
