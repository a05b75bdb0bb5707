package memstore

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"sync"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/export"
)

// Exports implements export.Store and export.ContactIndex in memory.
type Exports struct {
	mu       sync.Mutex
	markers  map[export.Key]export.Marker
	contacts map[[2]string]string // company, LinkedIn URL → contact id
}

var (
	_ export.Store        = (*Exports)(nil)
	_ export.ContactIndex = (*Exports)(nil)
)

// NewExports returns an empty marker store and contact index.
func NewExports() *Exports {
	return &Exports{markers: map[export.Key]export.Marker{}, contacts: map[[2]string]string{}}
}

func validKey(k export.Key) error {
	return errors.Join(requireID("companyId", k.CompanyID), requireID("candidateId", k.CandidateID))
}

// Get returns the marker, or apperr NotFound.
func (s *Exports) Get(_ context.Context, k export.Key) (export.Marker, error) {
	if err := validKey(k); err != nil {
		return export.Marker{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.markers[k]
	if !ok {
		return export.Marker{}, apperr.E(apperr.NotFound, "no export marker for candidate %s", k.CandidateID)
	}
	return m, nil
}

// Claim takes the marker for claimID (see export.Store).
func (s *Exports) Claim(ctx context.Context, k export.Key, claimID string, now time.Time, staleAfter time.Duration) (export.Marker, error) {
	return s.ClaimContaining(ctx, k, claimID, now, staleAfter, nil)
}

// ClaimContaining is Claim that also records contains when it is not
// empty (see export.Store).
func (s *Exports) ClaimContaining(_ context.Context, k export.Key, claimID string, now time.Time, staleAfter time.Duration, contains []string) (export.Marker, error) {
	if err := validKey(k); err != nil {
		return export.Marker{}, err
	}
	if err := requireID("claimId", claimID); err != nil {
		return export.Marker{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.markers[k]
	if ok {
		switch {
		case m.State == export.Exported:
			return m, apperr.E(apperr.Conflict, "candidate already exported").WithReason("already_exported")
		case m.State == export.Erased:
			return m, apperr.E(apperr.Conflict, "candidate erased").WithReason("erased")
		case m.State == export.Exporting && m.ClaimID != "" && !m.ClaimedAt.Before(now.Add(-staleAfter)):
			return m, apperr.E(apperr.Conflict, "export in progress").WithReason("in_progress")
		}
	}
	m.Key, m.State, m.ClaimID, m.ClaimedAt = k, export.Exporting, claimID, now
	if len(contains) > 0 {
		m.Contains = append([]string(nil), contains...)
	}
	m.Attempts++
	m.UpdatedAt, m.Reason = now, ""
	m.Version++
	s.markers[k] = m
	return m, nil
}

// claimLost is the error for an operation whose claim is not held.
func claimLost() error {
	return apperr.E(apperr.Conflict, "the claim is not held").WithReason("claim_lost")
}

// Confirm sets state exported, applies fn and clears the claim, while
// claimID holds it.
func (s *Exports) Confirm(_ context.Context, k export.Key, claimID string, now time.Time, fn func(*export.Marker)) (export.Marker, error) {
	if err := requireID("claimId", claimID); err != nil {
		return export.Marker{}, err
	}
	if err := validKey(k); err != nil {
		return export.Marker{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.markers[k]
	if !ok || m.ClaimID != claimID {
		return export.Marker{}, claimLost()
	}
	read := m.Version
	m.State = export.Exported
	if m.ExportedAt.IsZero() {
		m.ExportedAt = now
	}
	if fn != nil {
		fn(&m)
	}
	m.Key, m.State, m.ClaimID, m.UpdatedAt, m.Version = k, export.Exported, "", now, read+1
	s.markers[k] = m
	return m, nil
}

// Release clears the claim (state stays exporting) and records lastError.
func (s *Exports) Release(_ context.Context, k export.Key, claimID string, now time.Time, lastError string) error {
	return s.holder(k, claimID, func(m *export.Marker) error {
		m.LastError = lastError
		return nil
	}, now)
}

// Finish sets a final state (failed or skipped) with reason and lastError.
func (s *Exports) Finish(_ context.Context, k export.Key, claimID string, now time.Time, state export.State, reason, lastError string) error {
	if err := validKey(k); err != nil {
		return err
	}
	if err := requireID("claimId", claimID); err != nil {
		return err
	}
	if state != export.Failed && state != export.Skipped {
		return apperr.InvalidField("state", "a claim finishes as failed or skipped, not %q", state)
	}
	return s.holder(k, claimID, func(m *export.Marker) error {
		m.State, m.Reason, m.LastError = state, reason, lastError
		return nil
	}, now)
}

// holder applies fn to the marker while claimID holds it, then clears the
// claim; apperr Conflict (claim_lost) otherwise.
func (s *Exports) holder(k export.Key, claimID string, fn func(*export.Marker) error, now time.Time) error {
	if err := validKey(k); err != nil {
		return err
	}
	if err := requireID("claimId", claimID); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.markers[k]
	if !ok || m.ClaimID != claimID {
		return claimLost()
	}
	if err := fn(&m); err != nil {
		return err
	}
	m.ClaimID, m.UpdatedAt = "", now
	m.Version++
	s.markers[k] = m
	return nil
}

// writable reports whether Skip and Record may write m: missing, or
// neither exported, erased nor claimed.
func writable(m export.Marker, ok bool) bool {
	return !ok || (m.State != export.Exported && m.State != export.Erased && m.ClaimID == "")
}

// Skip records state skipped with reason unless the marker is exported or
// claimed.
func (s *Exports) Skip(_ context.Context, k export.Key, now time.Time, reason, positionID string) error {
	return s.skip(k, now, reason, positionID, "")
}

// SkipPosting is Skip recording the posting an application named.
func (s *Exports) SkipPosting(_ context.Context, k export.Key, now time.Time, reason, postingID string) error {
	return s.skip(k, now, reason, "", postingID)
}

func (s *Exports) skip(k export.Key, now time.Time, reason, positionID, postingID string) error {
	if err := validKey(k); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.markers[k]
	if !writable(m, ok) {
		return nil
	}
	m.Key, m.State, m.Reason, m.UpdatedAt = k, export.Skipped, reason, now
	if positionID != "" {
		m.PositionID = positionID
	}
	if postingID != "" {
		m.PostingID = postingID
	}
	m.Version++
	s.markers[k] = m
	return nil
}

// Record marks the marker exported unless it is exported or claimed, and
// reports whether it wrote.
func (s *Exports) Record(_ context.Context, k export.Key, now time.Time, opportunityID, noteID, reason string) (bool, error) {
	if err := validKey(k); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.markers[k]
	if !writable(m, ok) {
		return false, nil
	}
	m.Key, m.State, m.ClaimID = k, export.Exported, ""
	m.UpdatedAt, m.ExportedAt = now, now
	m.OpportunityID, m.NoteID, m.Reason = opportunityID, noteID, reason
	m.Version++
	s.markers[k] = m
	return true, nil
}

// listCursor is where a List page ended, bound to its listing.
type listCursor struct {
	Company   string       `json:"c"`
	State     export.State `json:"s"`
	UpdatedAt int64        `json:"u"`
	Candidate string       `json:"k"`
}

// List pages through a company's candidate markers in state, most recently
// updated first (then by candidate id, descending, as the adapter's index).
func (s *Exports) List(_ context.Context, companyID string, state export.State, cursor string, limit int) ([]export.Marker, string, error) {
	if err := requireID("companyId", companyID); err != nil {
		return nil, "", err
	}
	if limit <= 0 {
		limit = defaultPage
	}
	var after *listCursor
	if cursor != "" {
		b, err := decodeCursor(cursor)
		if err != nil {
			return nil, "", err
		}
		after = &listCursor{}
		if json.Unmarshal(b, after) != nil {
			return nil, "", apperr.InvalidField("cursor", "malformed cursor")
		}
		if after.Company != companyID || after.State != state {
			return nil, "", apperr.InvalidField("cursor", "cursor belongs to another listing")
		}
	}
	// less orders the index: newest first, then candidate id descending.
	less := func(u1 int64, c1 string, u2 int64, c2 string) bool { return u1 > u2 || (u1 == u2 && c1 > c2) }
	s.mu.Lock()
	var ms []export.Marker
	for k, m := range s.markers {
		if k.CompanyID == companyID && k.ActivityID == "" && m.State == state &&
			(after == nil || less(after.UpdatedAt, after.Candidate, m.UpdatedAt.UnixNano(), m.CandidateID)) {
			ms = append(ms, m)
		}
	}
	s.mu.Unlock()
	sort.Slice(ms, func(i, j int) bool {
		return less(ms[i].UpdatedAt.UnixNano(), ms[i].CandidateID, ms[j].UpdatedAt.UnixNano(), ms[j].CandidateID)
	})
	if len(ms) <= limit {
		return ms, "", nil
	}
	ms = ms[:limit]
	last := ms[limit-1]
	b, _ := json.Marshal(listCursor{companyID, state, last.UpdatedAt.UnixNano(), last.CandidateID})
	return ms, encodeCursor(b), nil
}

// ContactByLinkedIn returns the contact recorded for the URL, or apperr
// NotFound.
func (s *Exports) ContactByLinkedIn(_ context.Context, companyID, linkedinURL string) (string, error) {
	if err := errors.Join(requireID("companyId", companyID), requireID("linkedinUrl", linkedinURL)); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if id, ok := s.contacts[[2]string{companyID, linkedinURL}]; ok {
		return id, nil
	}
	return "", apperr.E(apperr.NotFound, "no contact recorded for this LinkedIn URL")
}

// PutLinkedIn records contactID unless one is recorded (first writer wins)
// and returns the recorded one.
func (s *Exports) PutLinkedIn(_ context.Context, companyID, linkedinURL, contactID string) (string, error) {
	if err := errors.Join(requireID("companyId", companyID), requireID("linkedinUrl", linkedinURL), requireID("contactId", contactID)); err != nil {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	k := [2]string{companyID, linkedinURL}
	if id, ok := s.contacts[k]; ok {
		return id, nil
	}
	s.contacts[k] = contactID
	return contactID, nil
}
