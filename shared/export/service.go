package export

import (
	"context"
	"fmt"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/lever"
)

// StatusView answers "is this candidate in Lever, and if the Export button
// must be hidden, why" (GET /candidates/{id}/export).
type StatusView struct {
	CandidateID   string     `json:"candidateId"`
	State         string     `json:"state"` // not_exported | exporting | exported | failed | skipped
	Exportable    bool       `json:"exportable"`
	Reason        string     `json:"reason,omitempty"`
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

// View turns a marker into its public view (without exportability).
func View(m Marker) StatusView {
	v := StatusView{
		CandidateID: m.CandidateID, State: string(m.State), LeverURL: m.LeverURL,
		OpportunityID: m.OpportunityID, ContactID: m.ContactID, PostingID: m.PostingID,
		PositionID: m.PositionID, Attempts: m.Attempts, LastError: m.LastError, Reason: m.Reason,
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

// Status reports the candidate's export state and whether the Export button
// applies for positionID (may be empty), with the reason when it does not:
// already_exported, not_connected, position_not_linked.
func (s *Service) Status(ctx context.Context, companyID, candidateID, positionID string) (StatusView, error) {
	v, _, err := s.status(ctx, companyID, candidateID, positionID)
	return v, err
}

// status is Status, also returning the connection it read (zero when the
// candidate is already exported or the company has none).
func (s *Service) status(ctx context.Context, companyID, candidateID, positionID string) (StatusView, connection.Connection, error) {
	v := StatusView{CandidateID: candidateID, State: "not_exported"}
	m, err := s.Markers.Get(ctx, Key{CompanyID: companyID, CandidateID: candidateID})
	switch {
	case err == nil:
		v = View(m)
		if positionID == "" {
			positionID = m.PositionID
		}
	case !apperr.Is(err, apperr.NotFound):
		return StatusView{}, connection.Connection{}, fmt.Errorf("export status: %w", err)
	}
	reason, conn, err := s.blocker(ctx, companyID, positionID, v.State)
	if err != nil {
		return StatusView{}, conn, err
	}
	// Reason says why the Export button is hidden: it is set exactly when
	// the candidate is not exportable now. A stale reason of an earlier skip
	// or failure (e.g. position_not_linked before the position was linked)
	// must not contradict exportable: true; lastError keeps the detail.
	v.Exportable, v.Reason = reason == "", reason
	if v.Exportable && v.State == string(Exporting) {
		v.Exportable, v.Reason = false, "in_progress"
	}
	return v, conn, nil
}

// blocker returns why the candidate cannot be exported now, or "".
func (s *Service) blocker(ctx context.Context, companyID, positionID, state string) (string, connection.Connection, error) {
	if state == string(Exported) {
		return ReasonAlreadyExported, connection.Connection{}, nil
	}
	conn, err := s.Connections.Get(ctx, companyID)
	if apperr.Is(err, apperr.NotFound) || (err == nil && !conn.Active()) {
		return ReasonNotConnected, conn, nil
	}
	if err != nil {
		return "", conn, fmt.Errorf("export status: %w", err)
	}
	if positionID == "" {
		if conn.AllowGeneralOpportunity {
			return "", conn, nil
		}
		return ReasonPositionNotLinked, conn, nil
	}
	if _, err := s.Links.Get(ctx, companyID, positionID); apperr.Is(err, apperr.NotFound) {
		return ReasonPositionNotLinked, conn, nil
	} else if err != nil {
		return "", conn, fmt.Errorf("export status: %w", err)
	}
	return "", conn, nil
}

// ExportRequest is the body of POST /candidates/{candidateId}/export.
type ExportRequest struct {
	PositionID string          `json:"positionId,omitempty"`
	Candidate  event.Candidate `json:"candidate"`
}

// RequestExport queues a manual export (the Export button). Errors: apperr
// Invalid naming the field for a bad snapshot; apperr Conflict with Reason
// already_exported (the returned view carries the Lever URL); apperr Invalid
// with Reason position_not_linked / not_connected / no_consent when the
// candidate is not exportable (the API answers 422).
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
	v, conn, err := s.status(ctx, companyID, candidateID, in.PositionID)
	if err != nil {
		return StatusView{}, err
	}
	if v.State == string(Exported) {
		return v, apperr.E(apperr.Conflict, "candidate already exported to Lever").WithReason(ReasonAlreadyExported)
	}
	if !v.Exportable && v.Reason != "in_progress" {
		return v, apperr.E(apperr.Invalid, "candidate cannot be exported: %s", v.Reason).WithReason(v.Reason)
	}
	// Exportable (or in progress) means blocker read an active connection.
	if !conn.ExportBeforeConsent && (in.Candidate.Consent == nil || !in.Candidate.Consent.Granted) {
		v.Exportable, v.Reason = false, ReasonNoConsent
		return v, apperr.E(apperr.Invalid, "candidate has not given consent").WithReason(ReasonNoConsent)
	}
	now := s.now()
	job := Job{
		Kind: KindExport, CompanyID: companyID, CandidateID: candidateID,
		// Unique per request: the FIFO queue drops a message whose
		// deduplication id it saw in the last 5 minutes, so a per-minute id
		// silently swallowed a retry right after a failure. Double clicks
		// are harmless: the export claim lets one job write.
		EventID: fmt.Sprintf("manual-%s-%d", candidateID, now.UnixNano()), EventType: event.ContactAccepted,
		PositionID: in.PositionID, Manual: true, Origin: lever.OriginSourced, Candidate: &in.Candidate, EnqueuedAt: now,
	}
	body, err := job.Encode()
	if err != nil {
		return StatusView{}, apperr.Wrap(apperr.Internal, err, "encode job")
	}
	if err := s.Queue.Enqueue(ctx, job.GroupID(), job.DedupID(), body); err != nil {
		return StatusView{}, fmt.Errorf("request export: enqueue: %w", err)
	}
	v.State, v.Exportable, v.Reason = "queued", false, "in_progress"
	return v, nil
}

// Failed pages through the company's failed exports, newest first.
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
	out := make([]StatusView, 0, len(ms))
	for _, m := range ms {
		out = append(out, View(m))
	}
	return out, next, nil
}
