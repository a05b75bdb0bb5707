package export

import (
	"context"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/event"
)

// push runs a push job: Decide (ViaJob) on the connection, the candidate's
// export marker and its position's link, then write the message or note
// once on the exported opportunity (and, for a message, move the lead
// stage forward).
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
	cli, err := x.lever(ctx, conn)
	if err != nil {
		return x.settle(ctx, ak, "", err)
	}
	var text string
	if j.Message != nil {
		text = messageNote(j.CandidateID, *j.Message, x.Source)
	} else {
		text = teamNote(j.CandidateID, *j.Note, x.Source)
	}
	done, err := x.writeNote(ctx, cli, ak, m.OpportunityID, text)
	if err != nil {
		return x.settle(ctx, ak, "", err)
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
