package export

import (
	"context"
	"time"
)

// Budget books a job's Lever calls on its company's token bucket before the
// job runs (leverclient.Clients implements it). Admit returns a context
// carrying the booked calls to the job's Lever client when the last of
// them is due within `within`; otherwise it books nothing and returns
// apperr RateLimited with RetryAfter (when the calls would be due): the job
// should be handed back to the queue until then instead of holding a
// Lambda asleep. Other errors: apperr Transient (storage). Safe for
// concurrent use.
type Budget interface {
	Admit(ctx context.Context, companyID string, calls int, within time.Duration) (context.Context, error)
}

// AdmitWithin is how long an admitted job may wait for its booked Lever
// calls: about one call's worth at Lever's 10 requests/s. A job whose calls
// are further away is handed back (Exporter.Admit).
const AdmitWithin = 100 * time.Millisecond

// LeverCalls is how many Lever calls a job makes when nothing goes wrong:
// an export looks the contact up and creates the opportunity, and writes
// the history note when the snapshot has any; a push writes one note.
// Calls beyond these (the sourcing user's lookup, cached per instance; a
// retry; an adoption) take tokens one by one: booking them would waste
// the company's budget whenever they are not made. Pure.
func LeverCalls(j Job) int {
	if j.Kind != KindExport || j.Candidate == nil {
		return 1
	}
	n := 2
	if len(j.Candidate.Messages) > 0 || len(j.Candidate.Notes) > 0 {
		n++
	}
	return n
}

// Admit books j's Lever calls on its company's bucket (Budget, within
// AdmitWithin) and returns the context to run j with. Without a Budget it
// returns ctx. A refusal is apperr RateLimited with RetryAfter: hand the job
// back (lambdahandler.Exports does).
func (x *Exporter) Admit(ctx context.Context, j Job) (context.Context, error) {
	if x.Budget == nil {
		return ctx, nil
	}
	return x.Budget.Admit(ctx, j.CompanyID, LeverCalls(j), AdmitWithin)
}

// FailureReceives is how many deliveries of a job are kept for attempts
// that can fail: a job is handed back (MayHandBack) only while that many
// deliveries are left before the export queue's maxReceiveCount, so
// hand-backs never push a job to the dead-letter queue and a failing job
// is tried at least FailureReceives times before it is recorded
// retries_exhausted (LastReceive). template.yaml's maxReceiveCount is
// FailureReceives + the hand-backs allowed (docs/architecture.md).
const FailureReceives = 8

// MayHandBack reports whether the delivery numbered receiveCount (SQS's
// ApproximateReceiveCount; 0 unknown) may be handed back instead of run:
// while receiveCount ≤ maxReceives − FailureReceives. Past that the job
// runs and its calls wait on the bucket. Pure.
func MayHandBack(receiveCount, maxReceives int) bool {
	return receiveCount >= 1 && receiveCount <= maxReceives-FailureReceives
}

// maxHandBack bounds a hand-back's delay.
const maxHandBack = 5 * time.Minute

// HandBackDelay is how long a job refused by its company's budget stays
// invisible: until its calls are due (the refusal's RetryAfter), in whole
// seconds as SQS counts them, at least one second and at most five
// minutes. Pure.
func HandBackDelay(retryAfter time.Duration) time.Duration {
	d := (retryAfter + time.Second - 1).Truncate(time.Second)
	return min(max(d, time.Second), maxHandBack)
}
