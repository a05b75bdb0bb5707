package export

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
)

// Fate is how a job step ended.
type Fate int

// Fates.
const (
	FateDone    Fate = iota // nothing more to do
	FateRetry               // outcome unknown or temporary trouble: run again later
	FateFailed              // can never succeed as is: recorded failed, retryable by hand
	FateSkipped             // nothing to do now: recorded skipped
)

func (f Fate) String() string {
	return [...]string{"done", "retry", "failed", "skipped"}[f]
}

// JobOutcome is the typed outcome of a job step (DESIGN §4).
type JobOutcome struct {
	Fate       Fate
	RetryAfter time.Duration // FateRetry: how long Lever asked to wait (0: unknown)
	Reason     Reason        // FateFailed, FateSkipped
	Detail     string        // FateFailed: a short, safe description (never a body)
}

// OutcomeOf is the one mapping from a job step's error to its outcome:
// nil is done; a cancelled or timed-out context and apperr Transient,
// RateLimited, Conflict and Internal are retried (a concurrent holder, a
// lost answer, 429 with its Retry-After, 5xx); Unauthorized is skipped with
// the connection's reason (connection.AuthFailure: lever_revoked,
// reauth_required, not_connected); anything Lever or validation refuses
// (Invalid, Forbidden, NotFound) fails: invalid_job when a field of the
// job itself is invalid, lever_rejected otherwise, with the detail. Lever's
// own codes go to Detail, never to Reason. Pure.
func OutcomeOf(err error) JobOutcome {
	if err == nil {
		return JobOutcome{Fate: FateDone}
	}
	code := apperr.CodeOf(err)
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) ||
		code == apperr.Transient || code == apperr.RateLimited || code == apperr.Conflict || code == apperr.Internal:
		o := JobOutcome{Fate: FateRetry}
		if e := apperr.As(err); e != nil {
			o.RetryAfter = e.RetryAfter
		}
		return o
	case code == apperr.Unauthorized:
		reason, _, _ := connection.AuthFailure(err)
		return JobOutcome{Fate: FateSkipped, Reason: Reason(reason)}
	}
	reason := ReasonLeverRejected
	if code == apperr.Invalid && jobField(apperr.As(err).Field) {
		reason = ReasonInvalidJob
	}
	return JobOutcome{Fate: FateFailed, Reason: reason, Detail: safeError(err)}
}

// OutcomeOfLast is OutcomeOf for a job's last delivery (LastReceive): what
// would be retried fails instead, with reason retries_exhausted and the
// error as its detail, so that it is visible (failed list, status) and can
// be retried by hand rather than dead-lettered unseen. Other outcomes are
// OutcomeOf's. Pure.
func OutcomeOfLast(err error) JobOutcome {
	o := OutcomeOf(err)
	if o.Fate != FateRetry {
		return o
	}
	return JobOutcome{Fate: FateFailed, Reason: ReasonRetriesExhausted, Detail: safeError(err)}
}

// LastReceive is the one rule for "this delivery is the job's last": the
// export queue moves a message to its dead-letter queue once it has been
// received maxReceives times (the redrive policy's maxReceiveCount), so the
// delivery numbered maxReceives (SQS's ApproximateReceiveCount) is the last
// chance to record the job's fate. maxReceives < 1 (unknown) is never. Pure.
func LastReceive(receiveCount, maxReceives int) bool {
	return maxReceives >= 1 && receiveCount >= maxReceives
}

// jobField reports whether field names a part of the job itself (its body,
// kind, candidate snapshot, message or note), as DecodeJob and the
// snapshot's checks name them: such a job can never succeed.
func jobField(field string) bool {
	for _, p := range []string{"job", "kind", "candidate", "message", "note"} {
		if field == p || strings.HasPrefix(field, p+".") || strings.HasPrefix(field, p+"[") {
			return true
		}
	}
	return false
}

// ClaimResult is the typed answer of a claim.
type ClaimResult int

// Claim results.
const (
	Claimed              ClaimResult = iota // the caller holds the claim
	ClaimAlreadyExported                    // the write is confirmed: nothing to do (the stored marker is returned)
	ClaimInProgress                         // another holder's claim is fresh: retry later
	ClaimErased                             // the candidate is erased: never exported (the tombstone is returned)
)

// claim takes k's marker for claimID. It turns the Store's Conflict
// reasons into a ClaimResult; other errors are returned wrapped.
func (x *Exporter) claim(ctx context.Context, k Key, claimID string) (Marker, ClaimResult, error) {
	return x.claimContaining(ctx, k, claimID, nil)
}

// claimContaining is claim recording the activities the claimed note
// contains (Store.ClaimContaining) when there are any.
func (x *Exporter) claimContaining(ctx context.Context, k Key, claimID string, contains []string) (Marker, ClaimResult, error) {
	var m Marker
	var err error
	if len(contains) > 0 {
		m, err = x.Markers.ClaimContaining(ctx, k, claimID, x.now(), x.stale(), contains)
	} else {
		m, err = x.Markers.Claim(ctx, k, claimID, x.now(), x.stale())
	}
	switch {
	case err == nil:
		return m, Claimed, nil
	case apperr.ReasonOf(err) == string(ReasonAlreadyExported):
		return m, ClaimAlreadyExported, nil
	case apperr.ReasonOf(err) == string(ReasonInProgress):
		return m, ClaimInProgress, nil
	case apperr.ReasonOf(err) == string(ReasonErased):
		return m, ClaimErased, nil
	}
	name := k.ActivityID
	if name == "" {
		name = "export"
	}
	return m, Claimed, fmt.Errorf("claim %s: %w", name, err)
}

func (x *Exporter) skip(ctx context.Context, k Key, reason Reason, positionID string) error {
	return recordSkip(ctx, x.Markers, k, x.now(), reason, positionID)
}

// recordSkip records a skip on k; an exported or claimed marker (Conflict)
// is left alone. Shared by intake and the exporter. A skip for reason
// erased is not recorded (recorded reports it): the tombstone is the
// record, and nothing new is written for an erased candidate.
func recordSkip(ctx context.Context, markers Store, k Key, now time.Time, reason Reason, positionID string) error {
	if !recorded(reason) {
		return nil
	}
	if err := markers.Skip(ctx, k, now, string(reason), positionID); err != nil && !apperr.Is(err, apperr.Conflict) {
		return fmt.Errorf("record skip: %w", err)
	}
	return nil
}

// releaseTimeout bounds a release made after the job's context ended.
const releaseTimeout = 2 * time.Second

// release gives up claimID's claim on k, recording cause as the marker's
// last error, and returns cause. The job's context is often what ended the
// job (the batch deadline, a shutdown): the release runs on a context that
// keeps its values but not its end, bounded by releaseTimeout, so that the
// claim is freed at once and the vendor sees why the attempt stopped
// (lastError) instead of a held claim with no error until it goes stale.
// A failed release is logged: the claim then frees itself after StaleAfter.
func (x *Exporter) release(ctx context.Context, k Key, claimID string, cause error) error {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	if rerr := x.Markers.Release(rctx, k, claimID, x.now(), safeError(cause)); rerr != nil && !apperr.Is(rerr, apperr.Conflict) {
		x.log().WarnContext(ctx, "release claim", "company_id", k.CompanyID, "candidate_id", k.CandidateID, "activity_id", k.ActivityID, "err", rerr)
	}
	return cause
}

// settle applies OutcomeOf(err) to k: done returns nil; retry releases the
// claim (outcome unknown) and returns the error for a retry; skipped (auth
// trouble) lets the connection revoke itself when Lever refused the grant
// (HandleAuthFailure) and records the skip; failed is recorded with its
// reason and detail and acknowledged. claimID is "" when no claim is held
// (the inner step settled its own).
func (x *Exporter) settle(ctx context.Context, k Key, claimID string, err error) error {
	return x.apply(ctx, k, claimID, err, OutcomeOf(err), 0)
}

// apply records outcome o of err on k (see settle). A failure recorded
// without a claim held (claimID "") first claims the marker, taking over
// claims older than staleAfter (0: any claim).
func (x *Exporter) apply(ctx context.Context, k Key, claimID string, err error, o JobOutcome, staleAfter time.Duration) error {
	log := x.log().With("company_id", k.CompanyID, "candidate_id", k.CandidateID, "activity_id", k.ActivityID)
	switch o.Fate {
	case FateDone:
		return nil
	case FateRetry:
		if claimID != "" {
			return x.release(ctx, k, claimID, err)
		}
		return err
	case FateSkipped:
		if reason, ok, rerr := x.Revoker.HandleAuthFailure(ctx, k.CompanyID, err); rerr != nil {
			if claimID != "" {
				return x.release(ctx, k, claimID, rerr)
			}
			return rerr
		} else if ok {
			o.Reason = Reason(reason)
		}
		log.WarnContext(ctx, "job skipped: Lever access refused", "reason", o.Reason, "lever_reason", apperr.ReasonOf(err))
		if claimID != "" {
			if ferr := x.Markers.Finish(ctx, k, claimID, x.now(), Skipped, string(o.Reason), "Lever access refused: "+string(o.Reason)); ferr != nil && !apperr.Is(ferr, apperr.Conflict) {
				return ferr
			}
			return nil
		}
		return x.skip(ctx, k, o.Reason, "")
	}
	log.ErrorContext(ctx, "job failed", "reason", o.Reason, "err", err)
	if claimID == "" {
		claim := newClaimID()
		if _, cerr := x.Markers.Claim(ctx, k, claim, x.now(), staleAfter); apperr.Is(cerr, apperr.Conflict) {
			return nil // exported meanwhile, or held: nothing to record
		} else if cerr != nil {
			return fmt.Errorf("record failure: %w", cerr)
		}
		claimID = claim
	}
	if ferr := x.Markers.Finish(ctx, k, claimID, x.now(), Failed, string(o.Reason), o.Detail); ferr != nil && !apperr.Is(ferr, apperr.Conflict) {
		return ferr
	}
	return nil
}

// safeError is a short description of err for a marker: the application
// error's code, field and message, never the wrapped causes.
func safeError(err error) string {
	if e := apperr.As(err); e != nil {
		s := string(e.Code)
		if e.Field != "" {
			s += " " + e.Field
		}
		if e.Message != "" {
			s += ": " + e.Message
		}
		if len(s) > 300 {
			s = s[:300]
		}
		return s
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "transient: timed out"
	}
	return "internal error"
}

// Reject records a job that can never succeed (a malformed body) as failed
// for its candidate, with the validation error, so it is visible in the
// failed list instead of blocking its message group.
func (x *Exporter) Reject(ctx context.Context, k Key, cause error) error {
	return x.settle(ctx, k, "", cause)
}

// Exhaust records the fate of j on its last delivery (LastReceive), after
// its run returned cause: OutcomeOfLast, so trouble that would have been
// retried is recorded failed retries_exhausted (on the candidate's marker,
// or the activity's for a push) and the message can be acknowledged. It
// returns nil once recorded (or when the marker is exported meanwhile:
// nothing to record; or held by a fresh claim of another attempt, which
// records its own outcome), and the store's error otherwise (the message
// then goes to the dead-letter queue). An export job whose candidate was
// exported but whose history note is left unconfirmed (exporting) records
// the history note failed the same way: listed, and pushes of the
// activities it lists stop waiting for it (inHistory) and write their own
// notes.
func (x *Exporter) Exhaust(ctx context.Context, j Job, cause error) error {
	k := Key{CompanyID: j.CompanyID, CandidateID: j.CandidateID, ActivityID: j.ActivityID()}
	if err := x.apply(ctx, k, "", cause, OutcomeOfLast(cause), x.stale()); err != nil || j.Kind != KindExport {
		return err
	}
	hk := historyKey(k)
	h, found, err := readMarker(ctx, x.Markers, hk)
	if err != nil || !found || h.State != Exporting {
		return err
	}
	return x.apply(ctx, hk, "", cause, OutcomeOfLast(cause), x.stale())
}
