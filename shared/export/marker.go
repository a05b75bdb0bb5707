// Package export holds the candidate export pipeline: export and push jobs
// run against Lever with exactly-once visible effects, the markers that make
// them so, and the answers the vendor UI needs (export status, failed list).
package export

import (
	"context"
	"time"
)

// State is the state of an export marker or an activity marker.
type State string

// Marker states.
const (
	Queued    State = "queued"    // a job is queued (webhook or Export button); no Lever write yet
	Exporting State = "exporting" // claimed: a Lever write may be in flight or its outcome unknown
	Exported  State = "exported"  // the Lever write is confirmed
	Failed    State = "failed"    // permanent failure; visible in GET /exports?state=failed, retryable by hand
	Skipped   State = "skipped"   // nothing to do (not connected, not linked, revoked, no consent)
	// Erased is the tombstone the vendor's DELETE …/candidates/{id} leaves
	// (shared/erasure): ids only, never exported again (Decide: erased).
	// No Store method but the erasure port writes or leaves it: Queue, Skip,
	// SkipPosting and Record leave it alone and Claim refuses it.
	Erased State = "erased"
)

// Key names one marker: the candidate's export marker when ActivityID is
// empty, otherwise the marker of one pushed activity (message or note).
type Key struct {
	CompanyID   string
	CandidateID string
	ActivityID  string
}

// Marker records one Lever write of leverlink: claimed before the write,
// confirmed after. It holds ids, never candidate profiles.
type Marker struct {
	Key
	State     State
	ClaimID   string    // the holder of the claim; empty once released or finished
	ClaimedAt time.Time // when the current claim was taken
	Attempts  int       // claims taken so far; > 1 means a retry that must look in Lever first

	PositionID    string
	PostingID     string
	ContactID     string
	OpportunityID string
	NoteID        string
	LeverURL      string
	Origin        string
	StageID       string // last lead stage set by leverlink (forward-only progression)
	Reason        string // stable reason code for failed / skipped
	LastError     string // a short, safe description of the last error
	ResumeDropped bool   // exported without the snapshot's resume (LastError says why)
	LastEventID   string // the webhook event whose Queue wrote last: its replay mark (Store.Queue)
	ExportedAt    time.Time
	UpdatedAt     time.Time
	Version       int64

	// Contains lists the activities ("message:<id>", "note:<id>") written
	// as part of this marker's note: the history marker's, recorded by
	// ClaimContaining (see inHistory).
	Contains []string
}

// Store persists export and activity markers.
//
// Get returns apperr NotFound when there is no marker.
//
// Queue records state queued (and positionID when not empty) when a job is
// accepted for k, so that the status answers in_progress until the job
// runs. It writes only when there is no marker or its state is queued,
// failed or skipped, with no claim; it reports whether it wrote (an
// exported or exporting marker is left alone: false, nil). Reason and
// lastError are kept. When it did not write, it returns the marker it left
// alone (so that the caller needs no read to learn why). With a non-empty
// eventID (a webhook event's id) Queue is also that event's replay mark: it
// records eventID as LastEventID in the same write, and when the marker
// already carries eventID it writes nothing, whatever the state, and
// returns apperr Conflict with Reason "replay" and the stored marker. An
// empty eventID keeps LastEventID. Of concurrent Queue calls for one key
// with the same eventID, at most one writes.
//
// ForgetEvent undoes Queue's replay mark: it removes LastEventID when it is
// eventID (one conditional write; no error, nothing written, when the
// marker carries another id or none), so that a retry of an event whose
// job could not be sent is processed.
//
// Claim takes the marker for claimID at now. It succeeds when there is no
// marker, or its state is queued, failed or skipped, or it is exporting with no
// holder, or its holder's claim is older than staleAfter; it then sets state
// exporting, increments Attempts and returns the marker as stored. It returns
// apperr Conflict with Reason "already_exported" when the marker is exported
// (the error is returned with the stored marker), Reason "erased" (with the
// stored tombstone) when the marker is erased, and Reason "in_progress"
// when another holder's claim is fresh. Of concurrent Claim calls for one key,
// exactly one succeeds.
//
// ClaimContaining is Claim that also records contains (Marker.Contains),
// the activities the claimed note includes, in the same conditional write,
// replacing those recorded before; Claim leaves them as they are. The
// history note's claim records its activities so that a push reading the
// history marker knows, from the claim on, whether the history holds it.
// At most event.MaxActivities ids of event.MaxIDLength characters (with
// their "message:" or "note:" prefix, about 260 KB at worst) are recorded,
// so the marker fits one DynamoDB item (400 KB).
//
// Confirm sets state exported, applies fn to the marker (to record ids) and
// clears the claim, only while claimID holds it (apperr Conflict otherwise).
// Release clears the claim but keeps state exporting (outcome unknown), with
// lastError recorded; Finish sets a final state (failed or skipped) with
// reason and lastError. Both require claimID to hold the claim (Conflict).
//
// Skip records state skipped with reason (and the position the event was
// about, when not empty) unless the marker is exported, erased or claimed; it is for
// events that never reached a claim. SkipPosting is Skip for an
// application that named its posting: it records the posting id instead
// of a position, so the status can judge it again.
//
// Record marks a marker exported in one conditional write (opportunity,
// note and reason recorded) unless it is exported, erased or claimed; it reports
// whether it wrote. It is for activities written as part of another note
// (the history), which need no claim of their own: an activity's marker
// recorded before the history (a push skipped not_exported) or queued
// after it (a retry), never one per activity of every history.
//
// List pages through a company's candidate export markers in the given
// state, most recently updated first; the cursor is opaque.
//
// All methods are safe for concurrent use.
type Store interface {
	Get(ctx context.Context, k Key) (Marker, error)
	Queue(ctx context.Context, k Key, now time.Time, positionID, eventID string) (stored Marker, wrote bool, err error)
	ForgetEvent(ctx context.Context, k Key, eventID string) error
	Claim(ctx context.Context, k Key, claimID string, now time.Time, staleAfter time.Duration) (Marker, error)
	ClaimContaining(ctx context.Context, k Key, claimID string, now time.Time, staleAfter time.Duration, contains []string) (Marker, error)
	Confirm(ctx context.Context, k Key, claimID string, now time.Time, fn func(*Marker)) (Marker, error)
	Release(ctx context.Context, k Key, claimID string, now time.Time, lastError string) error
	Finish(ctx context.Context, k Key, claimID string, now time.Time, state State, reason, lastError string) error
	Skip(ctx context.Context, k Key, now time.Time, reason, positionID string) error
	SkipPosting(ctx context.Context, k Key, now time.Time, reason, postingID string) error
	Record(ctx context.Context, k Key, now time.Time, opportunityID, noteID, reason string) (bool, error)
	List(ctx context.Context, companyID string, state State, cursor string, limit int) (ms []Marker, next string, err error)
}

// ActivityStore lists activity markers (pushed messages and notes), which
// Store.List leaves out.
//
// ListActivities pages through a company's activity markers in state
// (queued, failed or skipped; other states are apperr Invalid naming
// state), most recently updated first; the cursor is opaque.
//
// CandidateActivities returns up to limit of one candidate's activity
// markers that are queued, failed or skipped (not those pushed), most
// recently updated first.
//
// Both are safe for concurrent use.
type ActivityStore interface {
	ListActivities(ctx context.Context, companyID string, state State, cursor string, limit int) (ms []Marker, next string, err error)
	CandidateActivities(ctx context.Context, companyID, candidateID string, limit int) ([]Marker, error)
}

// ContactIndex remembers the Lever contact leverlink created or adopted for a
// LinkedIn profile URL, per company, so that a candidate known by LinkedIn URL
// is never created twice (Lever itself dedupes by email only).
//
// ContactByLinkedIn returns apperr NotFound when none is recorded; PutLinkedIn
// records one (first writer wins: a second Put for the same URL keeps the
// first contact and returns it).
type ContactIndex interface {
	ContactByLinkedIn(ctx context.Context, companyID, linkedinURL string) (string, error)
	PutLinkedIn(ctx context.Context, companyID, linkedinURL, contactID string) (string, error)
}
