package export

import (
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/link"
	"github.com/leverlink/leverlink/shared/settings"
)

type decideCase struct {
	name string
	in   Input
	want Decision
}

// decideCases is the reason matrix: every rule of Decide, for every asker
// it applies to.
func decideCases() []decideCase {
	connected := connection.Connection{Status: connection.Connected}
	general := settings.Settings{AllowGeneralOpportunity: true}
	noGate := settings.Settings{ExportBeforeConsent: true}
	linked := link.Link{PositionID: "pos-1", PostingID: "post-1", Trigger: link.ContactAccepted}
	funnel := link.Link{PositionID: "pos-1", PostingID: "post-1", Trigger: link.Replied}
	closed := link.Link{PositionID: "pos-1", PostingID: "post-1", Trigger: link.ContactAccepted, Flag: link.FlagPostingClosed}
	gone := link.Link{PositionID: "pos-1", PostingID: "post-1", Trigger: link.ContactAccepted, Flag: link.FlagPostingGone}
	consented := &event.Candidate{ID: "c", Consent: &event.Consent{Granted: true}}
	refused := &event.Candidate{ID: "c", Consent: &event.Consent{Granted: false}}
	bare := &event.Candidate{ID: "c"}
	exported := Marker{State: Exported, PositionID: "pos-1"}
	exportedNoPos := Marker{State: Exported}
	exporting := Marker{State: Exporting, PositionID: "pos-1"}
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	queued := Marker{State: Queued, PositionID: "pos-1", UpdatedAt: at, LastEventID: "evt-1"}
	unsent := queued // its job could not be sent: the event id was forgotten
	unsent.LastEventID = ""
	skipped := Marker{State: Skipped, Reason: "no_consent"}
	failed := Marker{State: Failed, Reason: "lever_rejected"}

	// base is an automatic contact_accepted export onto a linked position.
	base := func(via Via) Input {
		return Input{Via: via, Job: KindExport, Conn: connected, Link: linked, LinkFound: true,
			Event: event.ContactAccepted, Candidate: consented, PositionID: "pos-1"}
	}
	with := func(in Input, fn func(*Input)) Input { fn(&in); return in }
	exportedChosen := Marker{State: Exported, PostingID: "post-9"}
	// chosen is a button-style export to posting post-9 in state.
	chosen := func(via Via, state string) Input {
		return Input{Via: via, Job: KindExport, Conn: connected, Candidate: consented, PostingID: "post-9", PostingState: state}
	}
	push := func(via Via, fn func(*Input)) Input {
		in := Input{Via: via, Job: KindPush, Conn: connected, Event: event.MessageCreated}
		fn(&in)
		return in
	}
	export := Decision{Action: Export}
	skip := func(r Reason) Decision { return Decision{Skip, r} }
	ignore := func(r Reason) Decision { return Decision{Ignore, r} }
	wait := Decision{Wait, ReasonInProgress}

	erased := Marker{State: Erased, OpportunityID: "opp-1"}
	return []decideCase{
		// 0. erased, before every other rule, for every asker and kind
		{"event: erased", with(base(ViaEvent), func(in *Input) { in.Marker, in.MarkerFound = erased, true }), skip(ReasonErased)},
		{"job: erased", with(base(ViaJob), func(in *Input) { in.Marker, in.MarkerFound = erased, true }), skip(ReasonErased)},
		{"status: erased", with(base(ViaStatus), func(in *Input) { in.Marker, in.MarkerFound = erased, true }), skip(ReasonErased)},
		{"button: erased", with(base(ViaButton), func(in *Input) { in.Marker, in.MarkerFound = erased, true }), skip(ReasonErased)},
		{"event: erased, revoked", with(base(ViaEvent), func(in *Input) {
			in.Marker, in.MarkerFound, in.Conn.Status = erased, true, connection.Revoked
		}), skip(ReasonErased)},
		{"event: erased, position_changed", with(base(ViaEvent), func(in *Input) {
			in.Marker, in.MarkerFound, in.Event = erased, true, event.PositionChanged
		}), skip(ReasonErased)},
		{"button: erased, posting chosen", with(chosen(ViaButton, "published"), func(in *Input) { in.Marker, in.MarkerFound = erased, true }), skip(ReasonErased)},
		{"push event: erased", push(ViaEvent, func(in *Input) { in.Marker, in.MarkerFound = erased, true }), skip(ReasonErased)},
		{"push job: erased, perform-as inactive", push(ViaJob, func(in *Input) {
			in.Marker, in.MarkerFound, in.Conn.Status = erased, true, connection.PerformAsInactive
		}), skip(ReasonErased)},
		// 1. exported
		{"event: exported", with(base(ViaEvent), func(in *Input) { in.Marker, in.MarkerFound = exported, true }), ignore(ReasonAlreadyExported)},
		{"status: exported", with(base(ViaStatus), func(in *Input) { in.Marker, in.MarkerFound = exported, true }), ignore(ReasonAlreadyExported)},
		{"button: exported", with(base(ViaButton), func(in *Input) { in.Marker, in.MarkerFound = exported, true }), ignore(ReasonAlreadyExported)},
		{"status: exported, then disconnected", with(base(ViaStatus), func(in *Input) {
			in.Marker, in.MarkerFound, in.Conn = exported, true, connection.Connection{}
		}), ignore(ReasonAlreadyExported)},
		// 2. connection
		{"event: no connection", with(base(ViaEvent), func(in *Input) { in.Conn = connection.Connection{} }), skip(ReasonNotConnected)},
		{"event: disconnected", with(base(ViaEvent), func(in *Input) { in.Conn.Status = connection.NotConnected }), skip(ReasonNotConnected)},
		{"event: revoked", with(base(ViaEvent), func(in *Input) { in.Conn.Status = connection.Revoked }), skip(ReasonLeverRevoked)},
		{"job: revoked", with(base(ViaJob), func(in *Input) { in.Conn.Status = connection.Revoked }), skip(ReasonLeverRevoked)},
		{"status: revoked", with(base(ViaStatus), func(in *Input) { in.Conn.Status = connection.Revoked }), skip(ReasonLeverRevoked)},
		{"button: revoked", with(base(ViaButton), func(in *Input) { in.Conn.Status = connection.Revoked }), skip(ReasonLeverRevoked)},
		{"button: reauth required", with(base(ViaButton), func(in *Input) { in.Conn.Status = connection.ReauthRequired }), skip(ReasonReauthRequired)},
		{"job: perform-as inactive waits", with(base(ViaJob), func(in *Input) { in.Conn.Status = connection.PerformAsInactive }), Decision{Wait, ReasonPerformAsInactive}},
		{"event: perform-as inactive waits", with(base(ViaEvent), func(in *Input) { in.Conn.Status = connection.PerformAsInactive }), Decision{Wait, ReasonPerformAsInactive}},
		{"event: perform-as inactive, before trigger: still ignored", with(base(ViaEvent), func(in *Input) {
			in.Conn.Status, in.Link, in.Event = connection.PerformAsInactive, funnel, event.FirstMessageSent
		}), ignore(ReasonTriggerNotReached)},
		{"job: perform-as inactive, posting closed: still held", with(base(ViaJob), func(in *Input) {
			in.Conn.Status, in.Link = connection.PerformAsInactive, closed
		}), skip(ReasonPostingClosed)},
		{"status: not connected beats not linked", with(base(ViaStatus), func(in *Input) { in.Conn, in.LinkFound = connection.Connection{}, false }), skip(ReasonNotConnected)},
		// 3. position_changed
		{"event: position changed", with(base(ViaEvent), func(in *Input) { in.Event = event.PositionChanged }), ignore(ReasonPositionChanged)},
		{"event: position changed, not connected", with(base(ViaEvent), func(in *Input) {
			in.Event, in.Conn = event.PositionChanged, connection.Connection{}
		}), skip(ReasonNotConnected)},
		// 4. position and link
		{"event: unlinked position", with(base(ViaEvent), func(in *Input) { in.LinkFound = false }), skip(ReasonPositionNotLinked)},
		{"job: unlinked meanwhile", with(base(ViaJob), func(in *Input) { in.LinkFound = false }), skip(ReasonPositionNotLinked)},
		{"status: unlinked", with(base(ViaStatus), func(in *Input) { in.LinkFound = false }), skip(ReasonPositionNotLinked)},
		{"button: unlinked", with(base(ViaButton), func(in *Input) { in.LinkFound = false }), skip(ReasonPositionNotLinked)},
		{"event: no position, no general", with(base(ViaEvent), func(in *Input) { in.PositionID, in.LinkFound = "", false }), skip(ReasonPositionNotLinked)},
		{"event: no position, general, accepted", with(base(ViaEvent), func(in *Input) { in.PositionID, in.LinkFound, in.Settings = "", false, general }), export},
		{"event: no position, general, applied", with(base(ViaEvent), func(in *Input) {
			in.PositionID, in.LinkFound, in.Settings, in.Event = "", false, general, event.Applied
		}), export},
		{"event: no position, general, funnel event", with(base(ViaEvent), func(in *Input) {
			in.PositionID, in.LinkFound, in.Settings, in.Event = "", false, general, event.Replied
		}), skip(ReasonPositionNotLinked)},
		{"status: no position, general", with(base(ViaStatus), func(in *Input) { in.PositionID, in.LinkFound, in.Settings = "", false, general }), export},
		{"status: no position, no general", with(base(ViaStatus), func(in *Input) { in.PositionID, in.LinkFound = "", false }), skip(ReasonPositionNotLinked)},
		{"button: no position, general", with(base(ViaButton), func(in *Input) { in.PositionID, in.LinkFound, in.Settings, in.Event = "", false, general, "" }), export},
		{"manual job: no position, general", with(base(ViaJob), func(in *Input) {
			in.PositionID, in.LinkFound, in.Settings, in.Manual, in.Event = "", false, general, true, event.Replied
		}), export},
		// 5. trigger
		{"event: trigger not reached", with(base(ViaEvent), func(in *Input) { in.Event = event.Replied }), ignore(ReasonTriggerNotReached)},
		{"event: funnel trigger reached", with(base(ViaEvent), func(in *Input) { in.Link, in.Event = funnel, event.RepliedInterested }), export},
		{"event: funnel trigger not reached", with(base(ViaEvent), func(in *Input) { in.Link, in.Event = funnel, event.FirstMessageSent }), ignore(ReasonTriggerNotReached)},
		{"event: trigger never", with(base(ViaEvent), func(in *Input) { in.Link.Trigger = link.Never }), ignore(ReasonTriggerNotReached)},
		{"job: trigger not evaluated", with(base(ViaJob), func(in *Input) { in.Link.Trigger = link.Never }), export},
		{"button: trigger never", with(base(ViaButton), func(in *Input) { in.Link.Trigger, in.Event = link.Never, "" }), export},
		{"event: trigger before closed flag", with(base(ViaEvent), func(in *Input) { in.Link, in.Event = closed, event.Replied }), ignore(ReasonTriggerNotReached)},
		// 6. link flags
		{"event: posting closed", with(base(ViaEvent), func(in *Input) { in.Link = closed }), skip(ReasonPostingClosed)},
		{"event: posting gone", with(base(ViaEvent), func(in *Input) { in.Link = gone }), skip(ReasonPostingGone)},
		{"job: posting closed meanwhile", with(base(ViaJob), func(in *Input) { in.Link = closed }), skip(ReasonPostingClosed)},
		{"status: posting gone", with(base(ViaStatus), func(in *Input) { in.Link = gone }), skip(ReasonPostingGone)},
		{"button: posting closed", with(base(ViaButton), func(in *Input) { in.Link = closed }), skip(ReasonPostingClosed)},
		{"event: closed beats no consent", with(base(ViaEvent), func(in *Input) {
			in.Link, in.Link.Trigger, in.Event, in.Candidate = closed, link.Replied, event.Replied, bare
		}), skip(ReasonPostingClosed)},
		// 4–6 for an application naming its posting (decidePosting)
		{"event: applied to a published posting, no position", with(base(ViaEvent), func(in *Input) {
			in.Event, in.Candidate, in.PositionID, in.Link, in.LinkFound = event.Applied, bare, "", link.Link{}, false
			in.PostingID, in.PostingState = "post-9", "published"
		}), export},
		{"event: applied to an internal posting", with(base(ViaEvent), func(in *Input) {
			in.Event, in.PostingID, in.PostingState = event.Applied, "post-9", "internal"
		}), export},
		{"event: applied to an unknown posting", with(base(ViaEvent), func(in *Input) {
			in.Event, in.PostingID, in.PostingState = event.Applied, "post-9", ""
		}), skip(ReasonPostingNotFound)},
		{"job: the named posting is checked again, still open", with(base(ViaJob), func(in *Input) {
			in.Event, in.PostingID, in.PostingState = event.Applied, "post-9", "published"
		}), export},
		{"job: the named posting closed since intake", with(base(ViaJob), func(in *Input) {
			in.Event, in.PostingID, in.PostingState = event.Applied, "post-9", "closed"
		}), skip(ReasonPostingClosed)},
		{"job: the named posting moved to draft since intake", with(base(ViaJob), func(in *Input) {
			in.Event, in.PostingID, in.PostingState = event.Applied, "post-9", "draft"
		}), skip(ReasonPostingClosed)},
		{"job: the named posting deleted since intake", with(base(ViaJob), func(in *Input) {
			in.Event, in.PostingID, in.PostingState = event.Applied, "post-9", ""
		}), skip(ReasonPostingNotFound)},
		{"event: applied to a draft posting", with(base(ViaEvent), func(in *Input) {
			in.Event, in.PostingID, in.PostingState = event.Applied, "post-9", "draft"
		}), skip(ReasonPostingClosed)},
		{"event: named posting replaces an unlinked position", with(base(ViaEvent), func(in *Input) {
			in.Event, in.Candidate, in.LinkFound, in.Link = event.Applied, bare, false, link.Link{}
			in.PostingID, in.PostingState = "post-9", "published"
		}), export},
		{"event: named posting still needs consent (gate kept)", with(base(ViaEvent), func(in *Input) {
			in.Event, in.PostingID, in.PostingState, in.Candidate = event.Replied, "post-9", "published", bare
			in.Link.Trigger = link.Replied
		}), skip(ReasonNoConsent)},
		{"event: named posting, exporting marker", with(base(ViaEvent), func(in *Input) {
			in.Event, in.PostingID, in.PostingState, in.Marker, in.MarkerFound = event.Applied, "post-9", "published", exporting, true
		}), wait},
		// 7. consent
		{"event: accepted is consent", with(base(ViaEvent), func(in *Input) { in.Candidate = bare }), export},
		{"event: applied is consent", with(base(ViaEvent), func(in *Input) { in.Candidate, in.Event = bare, event.Applied }), export},
		{"event: funnel without consent", with(base(ViaEvent), func(in *Input) { in.Link, in.Event, in.Candidate = funnel, event.Replied, bare }), skip(ReasonNoConsent)},
		{"event: funnel, refused", with(base(ViaEvent), func(in *Input) { in.Link, in.Event, in.Candidate = funnel, event.Replied, refused }), skip(ReasonNoConsent)},
		{"event: funnel with consent", with(base(ViaEvent), func(in *Input) { in.Link, in.Event = funnel, event.Replied }), export},
		{"event: funnel, gate off", with(base(ViaEvent), func(in *Input) { in.Link, in.Event, in.Candidate, in.Settings = funnel, event.Replied, bare, noGate }), export},
		{"button: no consent", with(base(ViaButton), func(in *Input) { in.Candidate, in.Event = bare, "" }), skip(ReasonNoConsent)},
		{"button: refused", with(base(ViaButton), func(in *Input) { in.Candidate = refused }), skip(ReasonNoConsent)},
		{"button: consent", base(ViaButton), export},
		{"button: gate off", with(base(ViaButton), func(in *Input) { in.Candidate, in.Settings = bare, noGate }), export},
		{"manual job: contact_accepted type is not consent", with(base(ViaJob), func(in *Input) { in.Candidate, in.Manual = bare, true }), skip(ReasonNoConsent)},
		{"manual job: consent", with(base(ViaJob), func(in *Input) { in.Manual = true }), export},
		{"automatic job: accepted is consent", with(base(ViaJob), func(in *Input) { in.Candidate = bare }), export},
		{"status: consent not checked", with(base(ViaStatus), func(in *Input) { in.Candidate, in.Event = nil, "" }), export},
		// 8. in progress
		{"event: exporting", with(base(ViaEvent), func(in *Input) { in.Marker, in.MarkerFound = exporting, true }), wait},
		{"status: exporting", with(base(ViaStatus), func(in *Input) { in.Marker, in.MarkerFound = exporting, true }), wait},
		{"button: exporting", with(base(ViaButton), func(in *Input) { in.Marker, in.MarkerFound = exporting, true }), wait},
		{"status: queued", with(base(ViaStatus), func(in *Input) {
			in.Marker, in.MarkerFound, in.Now = queued, true, at.Add(time.Minute)
		}), wait},
		{"button: queued (a second click queues nothing)", with(base(ViaButton), func(in *Input) {
			in.Marker, in.MarkerFound, in.Now = queued, true, at.Add(QueuedStaleAfter-time.Second)
		}), wait},
		{"button: queued, but its job could not be sent", with(base(ViaButton), func(in *Input) {
			in.Marker, in.MarkerFound, in.Now = unsent, true, at.Add(time.Second)
		}), export},
		{"status: queued, but its job could not be sent", with(base(ViaStatus), func(in *Input) {
			in.Marker, in.MarkerFound, in.Now = unsent, true, at.Add(time.Second)
		}), export},
		{"button: queued long ago (job lost?)", with(base(ViaButton), func(in *Input) {
			in.Marker, in.MarkerFound, in.Now = queued, true, at.Add(QueuedStaleAfter)
		}), export},
		{"status: exporting, revoked", with(base(ViaStatus), func(in *Input) {
			in.Marker, in.MarkerFound, in.Conn.Status = exporting, true, connection.Revoked
		}), skip(ReasonLeverRevoked)},
		// 9. export
		{"event: export", base(ViaEvent), export},
		{"job: export", base(ViaJob), export},
		{"status: skipped earlier, exportable now", with(base(ViaStatus), func(in *Input) { in.Marker, in.MarkerFound = skipped, true }), export},
		{"status: failed, exportable", with(base(ViaStatus), func(in *Input) { in.Marker, in.MarkerFound = failed, true }), export},

		// Pushes.
		{"push event: not connected", push(ViaEvent, func(in *Input) { in.Conn = connection.Connection{} }), skip(ReasonNotConnected)},
		{"push job: revoked", push(ViaJob, func(in *Input) { in.Conn.Status = connection.Revoked }), skip(ReasonLeverRevoked)},
		{"push event: no marker (never exported nor queued)", push(ViaEvent, func(*Input) {}), skip(ReasonNotExported)},
		{"push event: export queued", push(ViaEvent, func(in *Input) { in.Marker, in.MarkerFound = queued, true }), wait},
		{"push job: export queued", push(ViaJob, func(in *Input) { in.Marker, in.MarkerFound = queued, true }), wait},
		{"push job: no marker", push(ViaJob, func(*Input) {}), skip(ReasonNotExported)},
		{"push event: skipped candidate", push(ViaEvent, func(in *Input) { in.Marker, in.MarkerFound = skipped, true }), skip(ReasonNotExported)},
		{"push job: failed candidate", push(ViaJob, func(in *Input) { in.Marker, in.MarkerFound = failed, true }), skip(ReasonNotExported)},
		{"push event: exporting", push(ViaEvent, func(in *Input) { in.Marker, in.MarkerFound = exporting, true }), wait},
		{"push job: exporting", push(ViaJob, func(in *Input) { in.Marker, in.MarkerFound = exporting, true }), wait},
		{"push event: unlinked after export", push(ViaEvent, func(in *Input) { in.Marker, in.MarkerFound = exported, true }), skip(ReasonPositionNotLinked)},
		{"push job: unlinked after export", push(ViaJob, func(in *Input) { in.Marker, in.MarkerFound = exported, true }), skip(ReasonPositionNotLinked)},
		{"push event: exported, linked", push(ViaEvent, func(in *Input) {
			in.Marker, in.MarkerFound, in.Link, in.LinkFound = exported, true, linked, true
		}), export},
		{"push job: exported onto a closed posting", push(ViaJob, func(in *Input) {
			in.Marker, in.MarkerFound, in.Link, in.LinkFound = exported, true, closed, true
		}), export},
		{"push job: general opportunity", push(ViaJob, func(in *Input) { in.Marker, in.MarkerFound = exportedNoPos, true }), export},
		{"push job: exported to a chosen posting, no link", push(ViaJob, func(in *Input) { in.Marker, in.MarkerFound = exportedChosen, true }), export},
		// chosen posting (postingId, no position)
		{"button: chosen published posting", chosen(ViaButton, "published"), export},
		{"button: chosen internal posting", chosen(ViaButton, "internal"), export},
		{"status: chosen posting", chosen(ViaStatus, "published"), export},
		{"button: chosen posting unknown", chosen(ViaButton, ""), skip(ReasonPostingNotFound)},
		{"status: chosen posting unknown", chosen(ViaStatus, ""), skip(ReasonPostingNotFound)},
		{"button: chosen posting closed", chosen(ViaButton, "closed"), skip(ReasonPostingClosed)},
		{"status: chosen posting closed", chosen(ViaStatus, "closed"), skip(ReasonPostingClosed)},
		{"button: chosen posting closed, allowClosed", with(chosen(ViaButton, "closed"), func(in *Input) { in.AllowClosed = true }), export},
		{"manual job: chosen posting still open", with(chosen(ViaJob, "published"), func(in *Input) { in.Manual = true }), export},
		{"manual job: chosen posting closed since the click", with(chosen(ViaJob, "closed"), func(in *Input) { in.Manual = true }), skip(ReasonPostingClosed)},
		{"manual job: chosen posting closed, allowClosed", with(chosen(ViaJob, "closed"), func(in *Input) { in.Manual, in.AllowClosed = true, true }), export},
		{"manual job: chosen draft posting (the button allows it)", with(chosen(ViaJob, "draft"), func(in *Input) { in.Manual = true }), export},
		{"button: chosen posting, no consent", with(chosen(ViaButton, "published"), func(in *Input) { in.Candidate = bare }), skip(ReasonNoConsent)},
		{"button: chosen posting, exported elsewhere", with(chosen(ViaButton, "published"), func(in *Input) { in.Marker, in.MarkerFound = exported, true }), ignore(ReasonAlreadyExported)},
		{"button: chosen posting, revoked", with(chosen(ViaButton, ""), func(in *Input) { in.Conn.Status = connection.Revoked }), skip(ReasonLeverRevoked)},
		{"button: chosen posting needs no general setting", with(chosen(ViaButton, "published"), func(in *Input) { in.Settings = settings.Settings{} }), export},
	}
}

func TestDecide(t *testing.T) {
	t.Parallel()
	for _, tt := range decideCases() {
		if got := Decide(tt.in); got != tt.want {
			t.Errorf("%s: Decide = %s %q, want %s %q", tt.name, got.Action, got.Reason, tt.want.Action, tt.want.Reason)
		}
	}
}

// TestReasonsAreProduced: Reasons has no duplicate, and each of its
// reasons is produced by a row of the Decide matrix or of the OutcomeOf
// or OutcomeOfLast tables, and every reason those produce is in Reasons.
func TestReasonsAreProduced(t *testing.T) {
	t.Parallel()
	listed := map[Reason]bool{}
	for _, r := range Reasons {
		if listed[r] {
			t.Errorf("reason %s listed twice", r)
		}
		listed[r] = true
	}
	produced := map[Reason]bool{}
	for _, c := range decideCases() {
		produced[c.want.Reason] = true
	}
	for _, c := range outcomeCases() {
		produced[c.want.Reason] = true
	}
	for _, c := range lastOutcomeCases() {
		produced[c.want.Reason] = true
	}
	delete(produced, "")
	for r := range produced {
		if !listed[r] {
			t.Errorf("reason %s is produced but not in Reasons", r)
		}
	}
	for r := range listed {
		if !produced[r] {
			t.Errorf("reason %s is in Reasons but no case produces it", r)
		}
	}
}

func TestReasonOfLegacy(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Reason{"revoked": ReasonLeverRevoked, "no_consent": ReasonNoConsent, "": ""} {
		if got := ReasonOf(in); got != want {
			t.Errorf("ReasonOf(%q) = %q, want %q", in, got, want)
		}
	}
}
