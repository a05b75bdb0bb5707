package export

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/lever"
)

// historyActivity is the history note's activity id.
const historyActivity = "history"

// historyKey is the key of the history note's marker of k's candidate.
func historyKey(k Key) Key {
	return Key{CompanyID: k.CompanyID, CandidateID: k.CandidateID, ActivityID: historyActivity}
}

// historyActivities lists the activities the history note of c contains,
// as their markers name them.
func historyActivities(c event.Candidate) []string {
	ids := make([]string, 0, len(c.Messages)+len(c.Notes))
	for _, msg := range c.Messages {
		ids = append(ids, "message:"+msg.ID)
	}
	for _, n := range c.Notes {
		ids = append(ids, "note:"+n.ID)
	}
	return ids
}

// historyPlace is where an activity stands with respect to its
// candidate's history note (inHistory).
type historyPlace int

// Places of an activity with respect to its history note.
const (
	notInHistory   historyPlace = iota // the activity gets its own note
	heldByHistory                      // the confirmed history note holds it: it is in Lever
	pendingHistory                     // a history note that holds it may be being written: wait
)

// inHistory is the one rule saying whether activity activityID was, or may
// be being, written as part of its candidate's history note, from the
// history marker h (found false: there is none). The history's claim
// records the activities the note holds (Store.ClaimContaining) and its
// confirm keeps them, so: a history exported that lists the activity holds
// it; one claimed, or exporting with its outcome unknown, that lists it
// may hold it; a history failed or skipped (not in Lever), missing, or not
// listing the activity does not. Pure.
func inHistory(h Marker, found bool, activityID string) historyPlace {
	if !found || !slices.Contains(h.Contains, activityID) {
		return notInHistory
	}
	switch h.State {
	case Exported:
		return heldByHistory
	case Exporting, Queued:
		return pendingHistory
	}
	return notInHistory
}

// ensureHistory writes the snapshot's messages and notes as one note on the
// exported opportunity, once. Its marker lists the activities it holds
// (from its claim on), which is what a later push of one of them reads
// (inHistory): no marker is written per activity. Markers recorded for
// those activities before the history (a push skipped not_exported, a
// failed push) are marked exported as part of it (recordInHistory).
func (x *Exporter) ensureHistory(ctx context.Context, conn connection.Connection, m Marker, j Job) error {
	c := j.Candidate
	if c == nil || (len(c.Messages) == 0 && len(c.Notes) == 0) || m.OpportunityID == "" {
		return nil
	}
	hk := historyKey(Key{CompanyID: j.CompanyID, CandidateID: j.CandidateID})
	// No read first: the claim itself answers already exported (one
	// conditional write either way, and none wasted on the first attempt).
	cli, err := x.Lever.Lever(ctx, conn)
	if err != nil {
		return err
	}
	h, done, err := x.writeNote(ctx, cli, hk, m.OpportunityID, historyNote(*c, x.Source), historyActivities(*c))
	if err != nil || !done {
		// Not written (the history marker records why): its
		// activities are not in Lever either.
		return err
	}
	return x.recordInHistory(ctx, h)
}

// pendingScan bounds the activity markers of one candidate that
// recordInHistory looks at (queued, failed or skipped ones).
const pendingScan = 10000

// recordInHistory marks exported, as written in the history h, the markers
// of h's activities that are queued, failed or skipped: recorded before
// the history (a push skipped not_exported before the candidate was
// exported), so that the activity lists and the candidate's status do not
// show as pending what the history note holds. One query of the
// candidate's pending activity markers (usually none), and one conditional
// write for each of those the history holds. Also run when an earlier
// attempt wrote the history, in case it crashed before this.
func (x *Exporter) recordInHistory(ctx context.Context, h Marker) error {
	if len(h.Contains) == 0 {
		return nil
	}
	pending, err := x.Activities.CandidateActivities(ctx, h.CompanyID, h.CandidateID, pendingScan)
	if err != nil {
		return fmt.Errorf("read pending activities: %w", err)
	}
	now := x.now()
	for _, p := range pending {
		if inHistory(h, true, p.ActivityID) != heldByHistory {
			continue
		}
		// A marker held by a push, or exported meanwhile, stays.
		if _, err := x.Markers.Record(ctx, p.Key, now, h.OpportunityID, "", reasonInHistory); err != nil {
			return fmt.Errorf("record history activity: %w", err)
		}
	}
	return nil
}

// writeNote claims the activity (recording the activities the note
// contains, if any: Store.ClaimContaining), writes the note (looking for it
// first on a retry) and confirms. done reports whether the note is in
// Lever (written now or before), with its marker as stored; done false
// with a nil error means Lever refused it and the activity's marker
// records it failed or skipped (settle).
func (x *Exporter) writeNote(ctx context.Context, cli Lever, k Key, opportunityID, text string, contains []string) (written Marker, done bool, err error) {
	claimID := newClaimID()
	m, claimed, err := x.claimContaining(ctx, k, claimID, contains)
	switch {
	case err != nil:
		return Marker{}, false, err
	case claimed == ClaimAlreadyExported:
		return m, true, nil
	case claimed == ClaimInProgress:
		return Marker{}, false, apperr.E(apperr.Transient, "another attempt holds the %s claim", k.ActivityID).WithReason(string(ReasonInProgress))
	}
	noteID := ""
	if m.Attempts > 1 {
		notes, err := cli.ListNotes(ctx, opportunityID)
		if err != nil {
			return Marker{}, false, x.release(ctx, k, claimID, fmt.Errorf("look for note %s: %w", k.ActivityID, err))
		}
		r := ref(k.CandidateID, k.ActivityID)
		for _, n := range notes {
			if strings.Contains(n.Body(), r) {
				noteID = n.ID
				break
			}
		}
	}
	if noteID == "" {
		noteID, err = cli.CreateNote(ctx, opportunityID, lever.NoteInput{Value: text})
		if err != nil {
			return Marker{}, false, x.settle(ctx, k, claimID, fmt.Errorf("create note %s: %w", k.ActivityID, err))
		}
	}
	m, err = x.Markers.Confirm(ctx, k, claimID, x.now(), func(mk *Marker) {
		mk.OpportunityID, mk.NoteID = opportunityID, noteID
		mk.Reason, mk.LastError = "", ""
	})
	if err != nil {
		return Marker{}, false, fmt.Errorf("confirm %s: %w", k.ActivityID, err)
	}
	return m, true, nil
}
