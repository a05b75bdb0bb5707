package export

import (
	"context"
	"fmt"
	"strings"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/lever"
)

// ensureHistory writes the snapshot's messages and notes as one note on the
// exported opportunity, once, and records each included activity as pushed
// so a later push of the same message or note is not written again.
func (x *Exporter) ensureHistory(ctx context.Context, conn connection.Connection, m Marker, j Job) error {
	c := j.Candidate
	if c == nil || (len(c.Messages) == 0 && len(c.Notes) == 0) || m.OpportunityID == "" {
		return nil
	}
	hk := Key{CompanyID: j.CompanyID, CandidateID: j.CandidateID, ActivityID: "history"}
	// No read first: the claim itself answers already exported (one
	// conditional write either way, and none wasted on the first attempt).
	cli, err := x.Lever.Lever(ctx, conn)
	if err != nil {
		return err
	}
	done, err := x.writeNote(ctx, cli, hk, m.OpportunityID, historyNote(*c, x.Source))
	if err != nil || !done {
		// Not written (the history marker records why): its
		// activities are not in Lever either.
		return err
	}
	// Record every activity of the history as pushed, also when the history
	// note was written by an earlier attempt that crashed before recording
	// them: otherwise a later push of one of them would write it again.
	now := x.now()
	var ids []string
	for _, msg := range c.Messages {
		ids = append(ids, "message:"+msg.ID)
	}
	for _, n := range c.Notes {
		ids = append(ids, "note:"+n.ID)
	}
	// One conditional write each (no claim needed: nothing is written to
	// Lever for them); a marker already exported, or held by a push, stays.
	for _, id := range ids {
		k := Key{CompanyID: j.CompanyID, CandidateID: j.CandidateID, ActivityID: id}
		if _, err := x.Markers.Record(ctx, k, now, m.OpportunityID, "", reasonInHistory); err != nil {
			return fmt.Errorf("record history activity: %w", err)
		}
	}
	return nil
}

// writeNote claims the activity, writes the note (looking for it first on a
// retry) and confirms. done reports whether the note is in Lever (written
// now or before); done false with a nil error means Lever refused it and
// the activity's marker records it failed or skipped (settle).
func (x *Exporter) writeNote(ctx context.Context, cli Lever, k Key, opportunityID, text string) (done bool, err error) {
	claimID := newClaimID()
	m, claimed, err := x.claim(ctx, k, claimID)
	switch {
	case err != nil:
		return false, err
	case claimed == ClaimAlreadyExported:
		return true, nil
	case claimed == ClaimInProgress:
		return false, apperr.E(apperr.Transient, "another attempt holds the %s claim", k.ActivityID).WithReason(string(ReasonInProgress))
	}
	noteID := ""
	if m.Attempts > 1 {
		notes, err := cli.ListNotes(ctx, opportunityID)
		if err != nil {
			return false, x.release(ctx, k, claimID, fmt.Errorf("look for note %s: %w", k.ActivityID, err))
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
			return false, x.settle(ctx, k, claimID, fmt.Errorf("create note %s: %w", k.ActivityID, err))
		}
	}
	if _, err := x.Markers.Confirm(ctx, k, claimID, x.now(), func(mk *Marker) {
		mk.OpportunityID, mk.NoteID = opportunityID, noteID
		mk.Reason, mk.LastError = "", ""
	}); err != nil {
		return false, fmt.Errorf("confirm %s: %w", k.ActivityID, err)
	}
	return true, nil
}
