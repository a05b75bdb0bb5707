package export

import (
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/link"
)

// Reason is a stable code saying why a candidate is not (or not now)
// exported, or why an activity was not pushed. It is the one vocabulary of
// the webhook answer (skipped, ignored), GET …/export, POST …/export (422,
// 409), GET /exports and the logs. docs/openapi.yaml (ExportReason) and
// docs/events.md list the same set; Reasons is that set.
type Reason string

// Reasons. Decide returns all but the last three; a job's outcome the last three.
const (
	// The candidate's opportunity exists (never exported twice).
	ReasonAlreadyExported Reason = "already_exported"
	// An export of the candidate is queued or running.
	ReasonInProgress Reason = "in_progress"
	// The company has no usable Lever connection (see connection.Unusable).
	ReasonNotConnected   Reason = connection.ReasonNotConnected
	ReasonLeverRevoked   Reason = connection.ReasonLeverRevoked
	ReasonReauthRequired Reason = connection.ReasonReauth
	// The perform-as user was deactivated in Lever: exports and pushes
	// wait (retried later) until PUT /connection/perform-as repairs it.
	ReasonPerformAsInactive Reason = connection.ReasonPerformAsInactive
	// The position has no link (and no general opportunity applies), or a
	// push's position was unlinked after the export.
	ReasonPositionNotLinked Reason = "position_not_linked"
	// The linked posting is closed, or gone from Lever: exports are held
	// until the link changes or the posting reopens. posting_closed is also
	// the answer for a closed posting chosen at the moment of export
	// (unless allowClosed).
	ReasonPostingClosed Reason = Reason(link.FlagPostingClosed)
	ReasonPostingGone   Reason = Reason(link.FlagPostingGone)
	// A posting chosen at the moment of export (after one reload), or
	// named by an application, is not among the company's Lever postings.
	ReasonPostingNotFound Reason = "posting_not_found"
	// The consent gate: no consent in the snapshot, nor by the event.
	ReasonNoConsent Reason = "no_consent"
	// The event is before the link's trigger (ignored, not recorded).
	ReasonTriggerNotReached Reason = "trigger_not_reached"
	// candidate.position_changed is never a trigger (ignored).
	ReasonPositionChanged Reason = "position_changed_is_not_a_trigger"
	// A push for a candidate that is not exported.
	ReasonNotExported Reason = "not_exported"
	// The vendor erased the candidate (DELETE …/candidates/{id}): only an
	// anonymous tombstone is left, and nothing is exported or pushed for
	// it again. Events are accepted (2xx) and skipped with this reason.
	ReasonErased Reason = "erased"
	// Lever refused the write (detail in lastError).
	ReasonLeverRejected Reason = "lever_rejected"
	// The job can never succeed (a malformed body; detail in lastError).
	ReasonInvalidJob Reason = "invalid_job"
	// The job was still failing (Lever or storage trouble) on the export
	// queue's last delivery before the dead-letter queue (OutcomeOfLast;
	// the last error in lastError): retry it by hand.
	ReasonRetriesExhausted Reason = "retries_exhausted"
)

// Reasons lists every reason, as documented.
var Reasons = []Reason{
	ReasonAlreadyExported, ReasonInProgress, ReasonNotConnected, ReasonLeverRevoked, ReasonReauthRequired, ReasonPerformAsInactive,
	ReasonPositionNotLinked, ReasonPostingClosed, ReasonPostingGone, ReasonPostingNotFound, ReasonNoConsent, ReasonTriggerNotReached,
	ReasonPositionChanged, ReasonNotExported, ReasonErased, ReasonLeverRejected, ReasonInvalidJob, ReasonRetriesExhausted,
}

// Internal reasons: recorded or returned, never shown as a reason.
const (
	// reasonInHistory marks an activity written as part of the history note.
	reasonInHistory = "in_history"
	// reasonExportInProgress is the transient error of a push that waits
	// for its candidate's export.
	reasonExportInProgress = "export_in_progress"
	// legacyRevoked is what markers recorded before lever_revoked.
	legacyRevoked = "revoked"
)

// ReasonOf reads a reason recorded on a marker, mapping earlier spellings to
// the current vocabulary.
func ReasonOf(s string) Reason {
	if s == legacyRevoked {
		return ReasonLeverRevoked
	}
	return Reason(s)
}

// attemptReason reports whether r is about the candidate's last attempt
// (its snapshot or Lever's answer) rather than about the company's setup,
// which Decide re-evaluates: such a reason stays visible on an exportable
// candidate.
func (r Reason) attemptReason() bool {
	switch r {
	case ReasonNoConsent, ReasonLeverRejected, ReasonInvalidJob, ReasonRetriesExhausted:
		return true
	}
	return false
}

// recorded reports whether a skip for r is written on the marker: every
// reason but erased, whose tombstone already says it (nothing new is
// written for an erased candidate, not even an activity marker).
func recorded(r Reason) bool { return r != ReasonErased }
