package leverclient

import (
	"context"
	"time"

	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/throttle"
)

var _ export.Budget = (*Clients)(nil)

// Admit books calls Lever calls of a job of companyID on the company's
// bucket at once (throttle.Limiter.Admit): the returned context carries
// them to the clients Client builds, or nothing is booked and the answer is
// apperr RateLimited with RetryAfter (the job is handed back).
func (l *Clients) Admit(ctx context.Context, companyID string, calls int, within time.Duration) (context.Context, error) {
	return throttle.Limiter{Store: l.Buckets, Key: "lever/" + companyID, Bucket: l.Bucket}.Admit(ctx, calls, within)
}
