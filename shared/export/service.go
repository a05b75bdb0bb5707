package export

import (
	"context"
	"fmt"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/lever"
	"github.com/leverlink/leverlink/shared/link"
)

// StatusView answers "is this candidate in Lever, and if the Export button
// must be hidden, why" (GET /candidates/{id}/export).
type StatusView struct {
	CandidateID   string     `json:"candidateId"`
	State         string     `json:"state"` // not_exported | exporting | exported | failed | skipped
	Exportable    bool       `json:"exportable"`
	Reason        Reason     `json:"reason,omitempty"`
	LeverURL      string     `json:"leverUrl,omitempty"`
	OpportunityID string     `json:"opportunityId,omitempty"`
	ContactID     string     `json:"contactId,omitempty"`
	PostingID     string     `json:"postingId,omitempty"`
	PositionID    string     `json:"positionId,omitempty"`
	ExportedAt    *time.Time `json:"exportedAt,omitempty"`
	Attempts      int        `json:"attempts,omitempty"`
	LastError     string     `json:"lastError,omitempty"`
	UpdatedAt     *time.Time `json:"updatedAt,omitempty"`
}

// View turns a marker into its public view, with its recorded reason and
// without exportability (see Service.Status).
func View(m Marker) StatusView {
	v := StatusView{
		CandidateID: m.CandidateID, State: string(m.State), LeverURL: m.LeverURL,
		OpportunityID: m.OpportunityID, ContactID: m.ContactID, PostingID: m.PostingID,
		PositionID: m.PositionID, Attempts: m.Attempts, LastError: m.LastError, Reason: ReasonOf(m.Reason),
	}
	if !m.ExportedAt.IsZero() {
		t := m.ExportedAt
		v.ExportedAt = &t
	}
	if !m.UpdatedAt.IsZero() {
		t := m.UpdatedAt
		v.UpdatedAt = &t
	}
	return v
}

// Service answers the API's export questions and queues manual exports.
// Safe for concurrent use.
type Service struct {
	Connections ConnectionGetter
	Links       LinkGetter
	Markers     Store
	Queue       Enqueuer
	Now         func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// facts are what one candidate's Decide looks at, read once.
type facts struct {
	in Input
}

// load reads the candidate's marker, the company's connection and the link
// of positionID (the marker's position when empty) for Decide.
func (s *Service) load(ctx context.Context, companyID, candidateID, positionID string) (facts, error) {
	var f facts
	var err error
	f.in.Marker, f.in.MarkerFound, err = readMarker(ctx, s.Markers, Key{CompanyID: companyID, CandidateID: candidateID})
	if err != nil {
		return f, fmt.Errorf("export status: %w", err)
	}
	if positionID == "" {
		positionID = f.in.Marker.PositionID
	}
	f.in.PositionID = positionID
	if f.in.Conn, _, err = connection.Usable(ctx, s.Connections, companyID); err != nil {
		return f, fmt.Errorf("export status: %w", err)
	}
	if waitsOrActive(f.in.Conn) {
		if f.in.Link, f.in.LinkFound, err = readLink(ctx, s.Links, companyID, positionID); err != nil {
			return f, fmt.Errorf("export status: %w", err)
		}
	}
	return f, nil
}

// view is the candidate's status view: the marker's view (not_exported
// without one) with exportable from Decide (ViaStatus): the Export button
// may be offered now. reason is, in this order:
//   - for a failed export, its failure reason (lever_rejected,
//     invalid_job; lastError has the detail): what the failed list is for;
//   - when not exportable, Decide's reason (already_exported, in_progress,
//     not_connected, lever_revoked, reauth_required, position_not_linked,
//     posting_closed, posting_gone);
//   - when exportable, the recorded reason of the last skip if it is about
//     the candidate (no_consent), else none: a setup reason that no longer
//     holds (position_not_linked before the position was linked) would
//     contradict exportable: true.
//
// A failed marker does not record its position: without an explicit
// positionId it is judged as for no position.
func view(f facts, candidateID string) StatusView {
	v := StatusView{CandidateID: candidateID, State: "not_exported"}
	if f.in.MarkerFound {
		v = View(f.in.Marker)
	}
	in := f.in
	in.Via, in.Job = ViaStatus, KindExport
	d := Decide(in)
	v.Exportable = d.Action == Export
	switch {
	case v.State == string(Failed) && v.Reason.attemptReason():
	case !v.Exportable:
		v.Reason = d.Reason
	case !v.Reason.attemptReason():
		v.Reason = ""
	}
	return v
}

// Status reports the candidate's export state and whether the Export button
// applies for positionID (may be empty: the position of its last export
// attempt), with the reason when it does not (see view).
func (s *Service) Status(ctx context.Context, companyID, candidateID, positionID string) (StatusView, error) {
	f, err := s.load(ctx, companyID, candidateID, positionID)
	if err != nil {
		return StatusView{}, err
	}
	return view(f, candidateID), nil
}

// ExportRequest is the body of POST /candidates/{candidateId}/export.
type ExportRequest struct {
	PositionID string          `json:"positionId,omitempty"`
	Candidate  event.Candidate `json:"candidate"`
}

// RequestExport queues a manual export (the Export button), as Decide
// (ViaButton) allows: for positionId, or the position of the candidate's
// last attempt when empty. Errors: apperr Invalid naming the field for a
// bad snapshot; apperr Conflict with Reason already_exported (the returned
// view carries the Lever URL); apperr Invalid with the Reason of a Skip
// (not_connected, lever_revoked, reauth_required, position_not_linked,
// posting_closed, posting_gone, no_consent; the API answers 422) with the
// view. An export in progress is queued again (the claim lets one write).
func (s *Service) RequestExport(ctx context.Context, companyID, candidateID string, in ExportRequest) (StatusView, error) {
	if in.Candidate.ID == "" {
		in.Candidate.ID = candidateID
	}
	if in.Candidate.ID != candidateID {
		return StatusView{}, apperr.InvalidField("candidate.id", "does not match the candidate id in the path")
	}
	if err := in.Candidate.Validate("candidate"); err != nil {
		return StatusView{}, err
	}
	if in.PositionID != "" {
		if err := event.CheckID("positionId", in.PositionID); err != nil {
			return StatusView{}, err
		}
	}
	f, err := s.load(ctx, companyID, candidateID, in.PositionID)
	if err != nil {
		return StatusView{}, err
	}
	v := view(f, candidateID)
	bin := f.in
	bin.Via, bin.Job, bin.Candidate = ViaButton, KindExport, &in.Candidate
	switch d := Decide(bin); d.Action {
	case Ignore: // already_exported
		return v, apperr.E(apperr.Conflict, "candidate already exported to Lever").WithReason(string(d.Reason))
	case Skip:
		v.Exportable, v.Reason = false, d.Reason
		return v, apperr.E(apperr.Invalid, "candidate cannot be exported: %s", d.Reason).WithReason(string(d.Reason))
	}
	// Export, or Wait (in progress): queue; the claim lets one job write.
	now := s.now()
	job := Job{
		Kind: KindExport, CompanyID: companyID, CandidateID: candidateID,
		// Unique per request: the FIFO queue drops a message whose
		// deduplication id it saw in the last 5 minutes, so a per-minute id
		// silently swallowed a retry right after a failure. Double clicks
		// are harmless: the export claim lets one job write.
		EventID: fmt.Sprintf("manual-%s-%d", candidateID, now.UnixNano()), EventType: event.ContactAccepted,
		PositionID: f.in.PositionID, Manual: true, Origin: lever.OriginSourced, Candidate: &in.Candidate, EnqueuedAt: now,
	}
	body, err := job.Encode()
	if err != nil {
		return StatusView{}, apperr.Wrap(apperr.Internal, err, "encode job")
	}
	if err := s.Queue.Enqueue(ctx, job.GroupID(), job.DedupID(), body); err != nil {
		return StatusView{}, fmt.Errorf("request export: enqueue: %w", err)
	}
	v.State, v.Exportable, v.Reason = "queued", false, ReasonInProgress
	return v, nil
}

// Failed pages through the company's exports in one state (failed by
// default in the API), newest first, each with exportable and reason as
// Status gives them (one connection read per page, one link read per
// position).
func (s *Service) Failed(ctx context.Context, companyID, state, cursor string, limit int) ([]StatusView, string, error) {
	st := State(state)
	switch st {
	case Failed, Skipped, Exported, Exporting:
	default:
		return nil, "", apperr.InvalidField("state", "must be failed, skipped, exported or exporting")
	}
	if limit <= 0 || limit > 100 {
		limit = 50
	}
	ms, next, err := s.Markers.List(ctx, companyID, st, cursor, limit)
	if err != nil {
		return nil, "", fmt.Errorf("list exports: %w", err)
	}
	conn, _, err := connection.Usable(ctx, s.Connections, companyID)
	if err != nil {
		return nil, "", fmt.Errorf("list exports: %w", err)
	}
	type linked struct {
		l     link.Link
		found bool
	}
	links := map[string]linked{}
	out := make([]StatusView, 0, len(ms))
	for _, m := range ms {
		f := facts{in: Input{Conn: conn, Marker: m, MarkerFound: true, PositionID: m.PositionID}}
		if waitsOrActive(conn) && m.PositionID != "" {
			got, ok := links[m.PositionID]
			if !ok {
				if got.l, got.found, err = readLink(ctx, s.Links, companyID, m.PositionID); err != nil {
					return nil, "", fmt.Errorf("list exports: %w", err)
				}
				links[m.PositionID] = got
			}
			f.in.Link, f.in.LinkFound = got.l, got.found
		}
		out = append(out, view(f, m.CandidateID))
	}
	return out, next, nil
}
