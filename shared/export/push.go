package export

import (
	"context"
	"fmt"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/event"
)

// push runs a push job: Decide (ViaJob) on the connection, the candidate's
// export marker and its position's link, then write the message or note
// once on the exported opportunity (and, for a message, move the lead
// stage forward). The history marker says whether the history note holds
// the activity (inHistory): then nothing is written, and while that note
// is unconfirmed the job waits (Transient in_progress).
func (x *Exporter) push(ctx context.Context, j Job) error {
	ak := Key{CompanyID: j.CompanyID, CandidateID: j.CandidateID, ActivityID: j.ActivityID()}
	log := x.log().With("company_id", j.CompanyID, "candidate_id", j.CandidateID, "event_id", j.EventID, "job", "push", "activity_id", ak.ActivityID)
	conn, _, err := connection.Usable(ctx, x.Connections, j.CompanyID)
	if err != nil {
		return err
	}
	in := Input{Via: ViaJob, Job: KindPush, Conn: conn, Event: j.EventType}
	if waitsOrActive(conn) {
		if err := readPushFacts(ctx, x.Markers, x.Links, Key{CompanyID: j.CompanyID, CandidateID: j.CandidateID}, &in); err != nil {
			return err
		}
	}
	m := in.Marker
	switch d := Decide(in); d.Action {
	case Skip:
		log.InfoContext(ctx, "push skipped", "reason", d.Reason, "position_id", m.PositionID)
		return x.skip(ctx, ak, d.Reason, "")
	case Wait:
		if d.Reason == ReasonPerformAsInactive {
			return errPerformAsWait()
		}
		return apperr.E(apperr.Transient, "the candidate's export is not confirmed yet").WithReason(reasonExportInProgress)
	case Ignore:
		return nil
	}
	h, hFound, err := readMarker(ctx, x.Markers, historyKey(ak))
	if err != nil {
		return err
	}
	place := inHistory(h, hFound, ak.ActivityID)
	if place == pendingHistory {
		return apperr.E(apperr.Transient, "the history note holding %s is not confirmed yet", ak.ActivityID).WithReason(string(ReasonInProgress))
	}
	cli, err := x.lever(ctx, conn)
	if err != nil {
		return x.settle(ctx, ak, "", err)
	}
	done := true
	if place == heldByHistory {
		// In Lever as part of the history note: nothing is written;
		// a marker of the activity's own (a retry's queued one) is
		// marked exported with it.
		if err := x.recordHeld(ctx, ak, h); err != nil {
			return err
		}
	} else {
		var text string
		if j.Message != nil {
			text = messageNote(j.CandidateID, *j.Message, x.Source)
		} else {
			text = teamNote(j.CandidateID, *j.Note, x.Source)
		}
		if _, done, err = x.writeNote(ctx, cli, ak, m.OpportunityID, text, nil); err != nil {
			return x.settle(ctx, ak, "", err)
		}
	}
	if !done {
		// Recorded failed or skipped by writeNote (and logged there):
		// listed by GET /activities, retryable; never "pushed".
		return nil
	}
	log.InfoContext(ctx, "activity pushed", "opportunity_id", m.OpportunityID)
	if j.Message != nil {
		return x.settle(ctx, ak, "", x.progress(ctx, cli, m, stageFor([]event.Message{*j.Message})))
	}
	return nil
}

// recordHeld marks the marker of activity ak, held by the confirmed history
// h, exported as written in it, when there is one not exported yet (queued
// by a retry, or pending from before the history): read first, so that the
// usual case (no marker of its own) costs no write.
func (x *Exporter) recordHeld(ctx context.Context, ak Key, h Marker) error {
	am, found, err := readMarker(ctx, x.Markers, ak)
	if err != nil || !found || am.State == Exported {
		return err
	}
	if _, err := x.Markers.Record(ctx, ak, x.now(), h.OpportunityID, "", reasonInHistory); err != nil {
		return fmt.Errorf("record history activity: %w", err)
	}
	return nil
}
