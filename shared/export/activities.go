package export

import (
	"context"
	"fmt"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/event"
)

// ListActivities pages through the company's pushes (messages, notes, the
// history note) in one state: failed (the API's default), skipped or
// queued, newest first. Errors: apperr Invalid naming state or cursor.
func (s *Service) ListActivities(ctx context.Context, companyID, state, cursor string, limit int) ([]ActivityView, string, error) {
	st := State(state)
	switch st {
	case Failed, Skipped, Queued:
	default:
		return nil, "", apperr.InvalidField("state", "must be failed, skipped or queued")
	}
	if limit <= 0 || limit > 100 {
		limit = 50
	}
	out := []ActivityView{}
	if s.Activities == nil {
		return out, "", nil
	}
	ms, next, err := s.Activities.ListActivities(ctx, companyID, st, cursor, limit)
	if err != nil {
		return nil, "", fmt.Errorf("list activities: %w", err)
	}
	for _, m := range ms {
		out = append(out, ActivityViewOf(m))
	}
	return out, next, nil
}

// ActivityRetry is the body of POST /exports/{candidateId}/activities/retry:
// the one message or note to push again. leverlink keeps ids, never texts,
// so the vendor sends the activity again (its id names the marker).
type ActivityRetry struct {
	Message *event.Message `json:"message,omitempty"`
	Note    *event.Note    `json:"note,omitempty"`
}

// RetryActivity queues a push again for an activity recorded failed or
// skipped. The push job looks in Lever for the note before writing it on a
// retry (writeNote), so a retry writes the note exactly once even when the
// failed attempt's answer was lost. Errors: apperr Invalid naming message
// or note for a bad body; apperr NotFound when no push of that activity
// was recorded (nor a history note holding it: inHistory); apperr Conflict
// with Reason not_failed when it is not failed or skipped (queued, running
// or pushed, also as part of the history note); apperr Invalid with the
// Reason of Decide's Skip (not_connected, lever_revoked, reauth_required,
// not_exported, position_not_linked; the API answers 422) with the view.
func (s *Service) RetryActivity(ctx context.Context, companyID, candidateID string, in ActivityRetry) (ActivityView, error) {
	job := Job{Kind: KindPush, CompanyID: companyID, CandidateID: candidateID, Message: in.Message, Note: in.Note}
	switch {
	case (in.Message == nil) == (in.Note == nil):
		return ActivityView{}, apperr.InvalidField("message", "send exactly one of message or note")
	case in.Message != nil:
		if err := in.Message.Validate("message"); err != nil {
			return ActivityView{}, err
		}
		job.EventType = event.MessageCreated
	default:
		if err := in.Note.Validate("note"); err != nil {
			return ActivityView{}, err
		}
		job.EventType = event.NoteCreated
	}
	ak := Key{CompanyID: companyID, CandidateID: candidateID, ActivityID: job.ActivityID()}
	m, found, err := readMarker(ctx, s.Markers, ak)
	if err != nil {
		return ActivityView{}, fmt.Errorf("retry activity: %w", err)
	}
	if !found {
		// Written as part of the history note, an activity has no marker
		// of its own: it is pushed (or being pushed), not missing.
		h, hFound, err := readMarker(ctx, s.Markers, historyKey(ak))
		if err != nil {
			return ActivityView{}, fmt.Errorf("retry activity: %w", err)
		}
		if inHistory(h, hFound, ak.ActivityID) == notInHistory {
			return ActivityView{}, apperr.E(apperr.NotFound, "no push of %s was recorded for candidate %s", ak.ActivityID, candidateID)
		}
		m = Marker{Key: ak, State: h.State, OpportunityID: h.OpportunityID, UpdatedAt: h.UpdatedAt}
	}
	v := ActivityViewOf(m)
	if m.State != Failed && m.State != Skipped {
		return v, apperr.E(apperr.Conflict, "only failed or skipped pushes can be retried (state is %s)", m.State).WithReason("not_failed")
	}
	conn, _, err := connection.Usable(ctx, s.Connections, companyID)
	if err != nil {
		return ActivityView{}, fmt.Errorf("retry activity: %w", err)
	}
	d := Input{Via: ViaButton, Job: KindPush, Conn: conn, Now: s.now()}
	if waitsOrActive(conn) {
		if err := readPushFacts(ctx, s.Markers, s.Links, Key{CompanyID: companyID, CandidateID: candidateID}, &d); err != nil {
			return ActivityView{}, fmt.Errorf("retry activity: %w", err)
		}
	}
	if dec := Decide(d); dec.Action == Skip {
		v.Reason = dec.Reason
		return v, apperr.E(apperr.Invalid, "the activity cannot be pushed: %s", dec.Reason).WithReason(string(dec.Reason))
	}
	now := s.now()
	job.EventID, job.EnqueuedAt = fmt.Sprintf("retry-%s-%d", ak.ActivityID, now.UnixNano()), now
	if _, _, err := s.Markers.Queue(ctx, ak, now, "", ""); err != nil {
		return ActivityView{}, fmt.Errorf("retry activity: record queued: %w", err)
	}
	if err := SendJob(ctx, s.Queue, s.Payloads, job); err != nil {
		return ActivityView{}, fmt.Errorf("retry activity: %w", err)
	}
	v.State = string(Queued)
	return v, nil
}
