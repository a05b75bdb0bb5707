package export

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/lever"
	"github.com/leverlink/leverlink/shared/link"
	"github.com/leverlink/leverlink/shared/settings"
)

// StatusView answers "is this candidate in Lever, and if the Export button
// must be hidden, why" (GET /candidates/{id}/export).
type StatusView struct {
	CandidateID   string     `json:"candidateId"`
	State         string     `json:"state"` // not_exported | queued | exporting | exported | failed | skipped | erased
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
	ResumeDropped bool       `json:"resumeDropped,omitempty"` // exported without its resume; lastError says why
	UpdatedAt     *time.Time `json:"updatedAt,omitempty"`
	// Activities are the candidate's pushes (messages, notes) that are
	// queued, failed or skipped, newest first (GET …/export only).
	Activities []ActivityView `json:"activities,omitempty"`
}

// ActivityView is the public form of an activity marker: one message or
// note push (GET /activities, GET …/export's activities).
type ActivityView struct {
	CandidateID   string     `json:"candidateId"`
	ActivityID    string     `json:"activityId"` // message:<id> | note:<id> | history
	State         string     `json:"state"`      // queued | exporting | exported | failed | skipped
	Reason        Reason     `json:"reason,omitempty"`
	LastError     string     `json:"lastError,omitempty"`
	OpportunityID string     `json:"opportunityId,omitempty"`
	Attempts      int        `json:"attempts,omitempty"`
	UpdatedAt     *time.Time `json:"updatedAt,omitempty"`
}

// ActivityViewOf turns an activity marker into its public view.
func ActivityViewOf(m Marker) ActivityView {
	v := ActivityView{
		CandidateID: m.CandidateID, ActivityID: m.ActivityID, State: string(m.State),
		LastError: m.LastError, OpportunityID: m.OpportunityID, Attempts: m.Attempts,
	}
	if r := ReasonOf(m.Reason); r != reasonInHistory {
		v.Reason = r
	}
	if !m.UpdatedAt.IsZero() {
		t := m.UpdatedAt
		v.UpdatedAt = &t
	}
	return v
}

// View turns a marker into its public view, with its recorded reason and
// without exportability (see Service.Status).
func View(m Marker) StatusView {
	v := StatusView{
		CandidateID: m.CandidateID, State: string(m.State), LeverURL: m.LeverURL,
		OpportunityID: m.OpportunityID, ContactID: m.ContactID, PostingID: m.PostingID,
		PositionID: m.PositionID, Attempts: m.Attempts, LastError: m.LastError, Reason: ReasonOf(m.Reason),
		ResumeDropped: m.ResumeDropped,
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
	Facts       FactsReader // the marker, connection and a given position's link in one request
	Markers     Store
	Settings    SettingsGetter  // nil: the defaults
	Postings    PostingGetter   // the cached postings, for postingId (chosen.go)
	Reloader    PostingReloader // reloads them once on a miss; nil: no reload
	Activities  ActivityStore   // nil: no activity listing (GET /activities answers empty)
	Queue       Enqueuer
	Payloads    Payloads // large jobs (claim check); nil: inline only
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

// load reads the candidate's marker, the company's connection and
// settings, and the link of positionID (the marker's position when empty)
// for Decide: the marker, the connection and a given position's link in
// one request (FactsReader); the marker's position's link in a second.
func (s *Service) load(ctx context.Context, companyID, candidateID, positionID string) (facts, error) {
	var f facts
	f.in.Now = s.now()
	got, err := readFacts(ctx, s.Facts, FactsQuery{CompanyID: companyID, PositionID: positionID, CandidateID: candidateID})
	if err != nil {
		return f, fmt.Errorf("export status: %w", err)
	}
	f.in.Marker, f.in.MarkerFound, f.in.Conn = got.Marker, got.MarkerFound, got.Conn
	f.in.Link, f.in.LinkFound = got.Link, got.LinkFound
	given := positionID != ""
	if !given {
		positionID = f.in.Marker.PositionID
	}
	f.in.PositionID = positionID
	if s.Settings != nil {
		if f.in.Settings, err = settings.Of(ctx, s.Settings, companyID); err != nil {
			return f, fmt.Errorf("export status: %w", err)
		}
	}
	switch {
	case !waitsOrActive(f.in.Conn):
		f.in.Link, f.in.LinkFound = link.Link{}, false // Decide looks at the link only for a usable connection
	case !given:
		if f.in.Link, f.in.LinkFound, err = readLink(ctx, s.Links, companyID, positionID); err != nil {
			return f, fmt.Errorf("export status: %w", err)
		}
	}
	return f, s.loadSkippedPosting(ctx, companyID, &f)
}

// view is the candidate's status view: the marker's view (not_exported
// without one) with exportable from Decide (ViaStatus): the Export button
// may be offered now. reason is, in this order:
//   - for a failed export, its failure reason (lever_rejected,
//     invalid_job; lastError has the detail): what the failed list is for;
//   - when not exportable, Decide's reason (already_exported, in_progress
//     for a queued or exporting marker,
//     not_connected, lever_revoked, reauth_required, position_not_linked,
//     posting_closed, posting_gone);
//   - when exportable, the recorded reason of the last skip if it is about
//     the candidate (no_consent), else none: a setup reason that no longer
//     holds (position_not_linked before the position was linked) would
//     contradict exportable: true.
//
// A marker records the position its job was queued for (failed ones too),
// so without an explicit positionId it is judged for that position.
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
	v := view(f, candidateID)
	if s.Activities != nil {
		ms, err := s.Activities.CandidateActivities(ctx, companyID, candidateID, 20)
		if err != nil {
			return StatusView{}, fmt.Errorf("export status: %w", err)
		}
		for _, m := range ms {
			v.Activities = append(v.Activities, ActivityViewOf(m))
		}
	}
	return v, nil
}

// ExportRequest is the body of POST /candidates/{candidateId}/export:
// positionId (a linked position) or postingId (a Lever posting chosen now,
// chosen.go), or neither (a general opportunity, where the company's
// settings allow it).
type ExportRequest struct {
	PositionID  string          `json:"positionId,omitempty" maxLength:"128"`
	PostingID   string          `json:"postingId,omitempty" maxLength:"128"`
	AllowClosed bool            `json:"allowClosed,omitempty"` // with postingId: a closed posting is fine
	Candidate   event.Candidate `json:"candidate"`
}

// RequestExport queues a manual export (the Export button), as Decide
// (ViaButton) allows: for positionId, or the position of the candidate's
// last attempt when empty; or to postingId, chosen now (chosen.go). Errors:
// apperr Invalid naming the field for a bad snapshot or both positionId and
// postingId; apperr Conflict with Reason already_exported (the returned
// view carries the Lever URL of the export: also when postingId names
// another posting, since a candidate is never exported twice nor moved);
// apperr Invalid with the Reason of a Skip (not_connected, lever_revoked,
// reauth_required, position_not_linked, posting_closed, posting_gone,
// posting_not_found, no_consent; the API answers 422) with the view.
// While an export is queued or running (Decide: Wait in_progress) nothing
// more is queued and the view says so (state queued or exporting,
// in_progress); a job for a perform_as_inactive connection is queued and
// waits in the exporter until the perform-as user is repaired.
// Otherwise the marker is recorded queued, then the job sent.
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
	if err := checkChosen(in.PositionID, in.PostingID); err != nil {
		return StatusView{}, err
	}
	f, err := s.load(ctx, companyID, candidateID, in.PositionID)
	if err != nil {
		return StatusView{}, err
	}
	if in.PostingID != "" {
		f.in.PositionID, f.in.LinkFound, f.in.AllowClosed = "", false, in.AllowClosed
		if err := s.loadPosting(ctx, companyID, in.PostingID, &f.in); err != nil {
			return StatusView{}, err
		}
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
	case Wait:
		if d.Reason != ReasonPerformAsInactive { // queued or running already: one job is enough
			return v, nil
		}
		// perform_as_inactive: queue; the job waits for the repair.
	}
	now := s.now()
	job := Job{
		Kind: KindExport, CompanyID: companyID, CandidateID: candidateID,
		// Unique per request: the FIFO queue drops a message whose
		// deduplication id it saw in the last 5 minutes, so a per-minute id
		// silently swallowed a retry right after a failure. Double clicks
		// are harmless: the export claim lets one job write.
		EventID: fmt.Sprintf("manual-%s-%d", candidateID, now.UnixNano()), EventType: event.ContactAccepted,
		PositionID: f.in.PositionID, PostingID: f.in.PostingID, AllowClosed: f.in.PostingID != "" && in.AllowClosed,
		Manual: true, Origin: lever.OriginSourced, Candidate: &in.Candidate, EnqueuedAt: now,
	}
	k := Key{CompanyID: companyID, CandidateID: candidateID}
	if _, _, err := s.Markers.Queue(ctx, k, now, job.PositionID, job.EventID); err != nil {
		return StatusView{}, fmt.Errorf("request export: record queued: %w", err)
	}
	if err := SendJob(ctx, s.Queue, s.Payloads, job); err != nil {
		// No job is on its way: forget the click's id so that the queued
		// marker no longer holds the button and the next click queues.
		if ferr := forgetQueued(ctx, s.Markers, k, job.EventID); ferr != nil {
			err = errors.Join(err, fmt.Errorf("forget the click: %w", ferr))
		}
		return StatusView{}, fmt.Errorf("request export: %w", err)
	}
	v.State, v.Exportable, v.Reason = string(Queued), false, ReasonInProgress
	v.PositionID = job.PositionID
	return v, nil
}

// Failed pages through the company's exports in one state (failed by
// default in the API), newest first, each with exportable and reason as
// Status gives them (one connection read per page, one link read per
// position).
func (s *Service) Failed(ctx context.Context, companyID, state, cursor string, limit int) ([]StatusView, string, error) {
	st := State(state)
	switch st {
	case Failed, Skipped, Queued, Exported, Exporting:
	default:
		return nil, "", apperr.InvalidField("state", "must be failed, skipped, queued, exported or exporting")
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
	var cs settings.Settings
	if s.Settings != nil {
		if cs, err = settings.Of(ctx, s.Settings, companyID); err != nil {
			return nil, "", fmt.Errorf("list exports: %w", err)
		}
	}
	type linked struct {
		l     link.Link
		found bool
	}
	links := map[string]linked{}
	out := make([]StatusView, 0, len(ms))
	for _, m := range ms {
		f := facts{in: Input{Conn: conn, Settings: cs, Marker: m, MarkerFound: true, PositionID: m.PositionID, Now: s.now()}}
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
