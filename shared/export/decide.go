package export

import (
	"time"

	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/link"
	"github.com/leverlink/leverlink/shared/settings"
)

// Via says who asks Decide: it selects which rules apply.
type Via int

// Askers.
const (
	// ViaEvent is intake deciding on a webhook event: the link's trigger
	// and the event's consent apply.
	ViaEvent Via = iota
	// ViaJob is the exporter running a queued job: the trigger passed at
	// intake (or the job is manual) and is not evaluated again; the rest
	// is, since the company's setup may have changed meanwhile.
	ViaJob
	// ViaButton is the Export button (POST …/export): no trigger; consent
	// must be in the snapshot it sends.
	ViaButton
	// ViaStatus is the status (GET …/export, GET /exports): no trigger and,
	// without a snapshot, no consent gate.
	ViaStatus
)

// Action is what Decide says to do.
type Action int

// Actions.
const (
	// Export: queue (intake, button) or run (exporter) the export or push.
	Export Action = iota
	// Skip: nothing to do now; recorded on the marker with Reason (it may
	// change: the company reconnects, links the position, the posting
	// reopens, the candidate consents).
	Skip
	// Wait: another attempt is queued or running (in_progress). Intake and
	// the button queue anyway (FIFO per candidate orders them; the claim
	// lets one write); the exporter retries later.
	Wait
	// Ignore: nothing to do and nothing to record (trigger_not_reached,
	// position_changed_is_not_a_trigger, already_exported).
	Ignore
)

func (a Action) String() string {
	switch a {
	case Export:
		return "export"
	case Skip:
		return "skip"
	case Wait:
		return "wait"
	case Ignore:
		return "ignore"
	}
	return "unknown"
}

// Decision is the answer of Decide: what to do and, unless Export, why.
type Decision struct {
	Action Action
	Reason Reason
}

// Input is everything Decide looks at. Callers read the stores; Decide
// reads nothing.
type Input struct {
	Via Via
	Job Kind // KindExport (a candidate) or KindPush (a message or note)

	// Conn is the company's connection (the zero Connection when none).
	Conn connection.Connection
	// Settings are the company's settings (the defaults when none: the
	// safe answers). Callers may leave them zero and read them only when
	// Decide's answer depends on them (decideWithSettings).
	Settings settings.Settings
	// Link is the link of the position considered (LinkFound false when
	// the position is not linked or PositionID is empty). For a push, the
	// link of the position the candidate was exported for.
	Link      link.Link
	LinkFound bool
	// Marker is the candidate's export marker (MarkerFound false when the
	// candidate has none, or the caller lets Claim decide).
	Marker      Marker
	MarkerFound bool

	Event      event.Type       // the event (ViaEvent, ViaJob); "" otherwise
	Candidate  *event.Candidate // the snapshot; nil when unknown (ViaStatus, pushes)
	PositionID string           // the position considered; "" for none
	// PostingID is a Lever posting chosen at the moment of export (the
	// Export button with postingId, and its job) or named by an
	// application (candidate.applied with data.postingId, and its job),
	// "" otherwise; exactly one of PositionID and PostingID is set, or
	// neither (general).
	PostingID string
	// PostingState is the chosen posting's state in the company's cached
	// postings, "" when it is not among them.
	PostingState string
	// AllowClosed lets the button (and its job) export to a closed chosen
	// posting.
	AllowClosed bool
	Manual      bool // a job queued by the Export button (ViaJob)
	// Now is when the question is asked: a queued marker older than
	// QueuedStaleAfter no longer holds the Export button (its job may have
	// been lost). Zero: queued markers never go stale.
	Now time.Time
}

// QueuedStaleAfter is how long a queued marker holds the Export button:
// longer than a backlog takes to drain, so a second click only queues
// again when the first job was lost (a duplicate is harmless: the claim
// lets one job write).
const QueuedStaleAfter = 30 * time.Minute

// waiting reports whether the marker says a job is queued (recently, and
// sent) or running.
func (in Input) waiting() bool {
	if !in.MarkerFound {
		return false
	}
	switch in.Marker.State {
	case Exporting:
		return true
	case Queued:
		// A queued marker holds only while it names the event (or click)
		// whose job was sent: when the send failed, its id was forgotten
		// (Store.ForgetEvent) and no job is on its way.
		if in.Marker.LastEventID == "" {
			return false
		}
		return in.Now.IsZero() || in.Now.Sub(in.Marker.UpdatedAt) < QueuedStaleAfter
	}
	return false
}

// Decide is the one answer to "may this candidate be exported (or this
// activity pushed) now, and if not, why". Pure: it reads only in. The
// rules, in order, for an export:
//
//  1. an exported marker: Ignore already_exported;
//  2. an unusable connection: Skip not_connected / lever_revoked /
//     reauth_required (connection.Unusable); Wait perform_as_inactive (the
//     grant is fine: the work runs once the perform-as user is repaired);
//  3. ViaEvent: candidate.position_changed is Ignore
//     position_changed_is_not_a_trigger;
//  4. a chosen posting (PostingID; the button, the status, an
//     application and their jobs): Skip posting_not_found when it is not
//     among the company's cached postings, posting_closed when closed
//     unless AllowClosed, and for an application (ViaEvent, and its
//     automatic job) when not open for applications (draft, pending,
//     rejected). A job checks again, on the cache as the exporter reads
//     it: the posting may have closed since intake; no position: Skip
//     position_not_linked unless the company's settings allow general
//     opportunities and (ViaEvent, or an automatic job) the event is
//     contact_accepted or applied; a position without link: Skip
//     position_not_linked;
//  5. ViaEvent: a link whose trigger the event does not reach (link.Fires):
//     Ignore trigger_not_reached;
//  6. a link flagged posting_closed / posting_gone: Skip with the flag;
//  7. the consent gate, unless the company's settings opt out
//     (ExportBeforeConsent): ViaEvent and
//     automatic jobs need event.ConsentGiven; the button and its jobs need
//     consent.granted in the snapshot; ViaStatus does not check (no
//     snapshot): Skip no_consent;
//  8. an exporting marker, or a queued one younger than QueuedStaleAfter:
//     Wait in_progress;
//  9. otherwise Export.
//
// For a push: 0 (erased), 2 (connection), then the candidate's marker: none, failed or
// skipped is Skip not_exported (an export accepted before the push left a
// queued marker); queued or exporting is Wait in_progress (the push is
// queued behind the export: one FIFO group per candidate); exported with
// its position no longer linked is Skip position_not_linked; otherwise
// Export (an export to a chosen posting, or a general opportunity, has no
// position: no link holds its pushes). Link flags do not hold pushes: the
// opportunity exists already.
func Decide(in Input) Decision {
	if in.MarkerFound && in.Marker.State == Erased {
		return Decision{Skip, ReasonErased}
	}
	if in.Job == KindPush {
		return decidePush(in)
	}
	if in.MarkerFound && in.Marker.State == Exported {
		return Decision{Ignore, ReasonAlreadyExported}
	}
	if d, ok := connectionDecision(in); ok {
		return d
	}
	automatic := in.Via == ViaEvent || (in.Via == ViaJob && !in.Manual)
	if in.Via == ViaEvent && in.Event == event.PositionChanged {
		return Decision{Ignore, ReasonPositionChanged}
	}
	switch {
	case in.PostingID != "":
		switch {
		case in.PostingState == "":
			return Decision{Skip, ReasonPostingNotFound}
		case in.PostingState == postingClosed && !in.AllowClosed:
			return Decision{Skip, ReasonPostingClosed}
		case automatic && !openForApplications(in.PostingState):
			return Decision{Skip, ReasonPostingClosed}
		}
	case in.PositionID == "":
		if !in.Settings.AllowGeneralOpportunity || (automatic && in.Event != event.ContactAccepted && in.Event != event.Applied) {
			return Decision{Skip, ReasonPositionNotLinked}
		}
	default:
		if !in.LinkFound {
			return Decision{Skip, ReasonPositionNotLinked}
		}
		if in.Via == ViaEvent && !link.Fires(in.Link.Trigger, in.Event) {
			return Decision{Ignore, ReasonTriggerNotReached}
		}
		switch in.Link.Flag {
		case link.FlagPostingClosed:
			return Decision{Skip, ReasonPostingClosed}
		case link.FlagPostingGone:
			return Decision{Skip, ReasonPostingGone}
		}
	}
	if !in.Settings.ExportBeforeConsent && in.Via != ViaStatus {
		var c event.Candidate
		if in.Candidate != nil {
			c = *in.Candidate
		}
		consent := c.Consent != nil && c.Consent.Granted
		if automatic {
			consent = event.ConsentGiven(in.Event, c)
		}
		if !consent {
			return Decision{Skip, ReasonNoConsent}
		}
	}
	if in.waiting() {
		return Decision{Wait, ReasonInProgress}
	}
	return Decision{Action: Export}
}

// postingClosed is the Lever state of a closed posting.
const postingClosed = "closed"

// settingsMatter reports whether the company's settings could turn d, an
// answer given with default settings, into another: only Skip
// position_not_linked for no position (allowGeneralOpportunity) and Skip
// no_consent (exportBeforeConsent) can change, since the defaults are the
// strictest answers.
func settingsMatter(in Input, d Decision) bool {
	return d.Action == Skip && (d.Reason == ReasonNoConsent || (d.Reason == ReasonPositionNotLinked && in.PositionID == "" && in.PostingID == "" && in.Job == KindExport))
}

func decidePush(in Input) Decision {
	if d, ok := connectionDecision(in); ok {
		return d
	}
	if !in.MarkerFound {
		return Decision{Skip, ReasonNotExported}
	}
	switch in.Marker.State {
	case Queued, Exporting:
		return Decision{Wait, ReasonInProgress}
	case Exported:
	default:
		return Decision{Skip, ReasonNotExported}
	}
	if in.Marker.PositionID != "" && !in.LinkFound {
		return Decision{Skip, ReasonPositionNotLinked}
	}
	return Decision{Action: Export}
}

// connectionDecision is rule 2: ok is false when the connection is usable.
// A perform_as_inactive connection is decided as a usable one first; only
// work that would run now waits (an event before its trigger stays
// ignored, a closed posting still holds it).
func connectionDecision(in Input) (Decision, bool) {
	switch r := in.Conn.Unusable(); r {
	case "":
		return Decision{}, false
	case connection.ReasonPerformAsInactive:
		in.Conn.Status = connection.Connected
		d := Decide(in)
		if d.Action == Export {
			d = Decision{Wait, ReasonPerformAsInactive}
		}
		return d, true
	default:
		return Decision{Skip, Reason(r)}, true
	}
}

// waitsOrActive reports whether the facts behind Decide's later rules
// (links, markers) must be read for conn: it is usable, or only waits for
// its perform-as user.
func waitsOrActive(c connection.Connection) bool {
	return c.Unreadable() == ""
}
