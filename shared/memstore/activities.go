package memstore

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/export"
)

// The queued state and the activity listings of Exports (tool issue 20):
// export.Store.Queue and export.ActivityStore, as shared/dynamo's
// activities.go.

var _ export.ActivityStore = (*Exports)(nil)

// Queue records state queued (and positionID when not empty) when there is
// no marker or it is queued, failed or skipped with no claim; it keeps
// reason and lastError and reports whether it wrote; a marker left alone
// is returned. A non-empty eventID is recorded as LastEventID, and a marker
// that carries it already is refused whatever its state (apperr Conflict,
// Reason replay, with the marker).
func (s *Exports) Queue(_ context.Context, k export.Key, now time.Time, positionID, eventID string) (export.Marker, bool, error) {
	if err := validKey(k); err != nil {
		return export.Marker{}, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.markers[k]
	if ok && eventID != "" && m.LastEventID == eventID {
		return m, false, apperr.E(apperr.Conflict, "event %s already queued for candidate %s", eventID, k.CandidateID).WithReason("replay")
	}
	if ok && (m.ClaimID != "" || (m.State != export.Queued && m.State != export.Failed && m.State != export.Skipped)) {
		return m, false, nil
	}
	m.Key, m.State, m.UpdatedAt = k, export.Queued, now
	if positionID != "" {
		m.PositionID = positionID
	}
	if eventID != "" {
		m.LastEventID = eventID
	}
	m.Version++
	s.markers[k] = m
	return m, true, nil
}

// ForgetEvent removes LastEventID when it is eventID (Version advances);
// otherwise it changes nothing.
func (s *Exports) ForgetEvent(_ context.Context, k export.Key, eventID string) error {
	if err := validKey(k); err != nil {
		return err
	}
	if err := requireID("eventId", eventID); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.markers[k]
	if !ok || m.LastEventID != eventID {
		return nil
	}
	m.LastEventID = ""
	m.Version++
	s.markers[k] = m
	return nil
}

func activityListed(st export.State) bool {
	return st == export.Queued || st == export.Failed || st == export.Skipped
}

// activityCursor is where a ListActivities page ended.
type activityCursor struct {
	Company   string       `json:"c"`
	State     export.State `json:"s"`
	UpdatedAt int64        `json:"u"`
	Key       string       `json:"k"`
}

// ListActivities pages through the company's activity markers in state
// (queued, failed or skipped), most recently updated first.
func (s *Exports) ListActivities(_ context.Context, companyID string, state export.State, cursor string, limit int) ([]export.Marker, string, error) {
	if err := requireID("companyId", companyID); err != nil {
		return nil, "", err
	}
	if !activityListed(state) {
		return nil, "", apperr.InvalidField("state", "activities are listed queued, failed or skipped, not %q", state)
	}
	if limit <= 0 {
		limit = defaultPage
	}
	var after *activityCursor
	if cursor != "" {
		b, err := decodeCursor(cursor)
		if err != nil {
			return nil, "", err
		}
		after = &activityCursor{}
		if json.Unmarshal(b, after) != nil {
			return nil, "", apperr.InvalidField("cursor", "malformed cursor")
		}
		if after.Company != companyID || after.State != state {
			return nil, "", apperr.InvalidField("cursor", "cursor belongs to another listing")
		}
	}
	sortKey := func(m export.Marker) string { return m.CandidateID + "#" + m.ActivityID }
	less := func(u1 int64, k1 string, u2 int64, k2 string) bool { return u1 > u2 || (u1 == u2 && k1 > k2) }
	s.mu.Lock()
	var ms []export.Marker
	for k, m := range s.markers {
		if k.CompanyID == companyID && k.ActivityID != "" && m.State == state &&
			(after == nil || less(after.UpdatedAt, after.Key, m.UpdatedAt.UnixNano(), sortKey(m))) {
			ms = append(ms, m)
		}
	}
	s.mu.Unlock()
	sort.Slice(ms, func(i, j int) bool {
		return less(ms[i].UpdatedAt.UnixNano(), sortKey(ms[i]), ms[j].UpdatedAt.UnixNano(), sortKey(ms[j]))
	})
	if len(ms) <= limit {
		return ms, "", nil
	}
	ms = ms[:limit]
	last := ms[limit-1]
	b, _ := json.Marshal(activityCursor{companyID, state, last.UpdatedAt.UnixNano(), sortKey(last)})
	return ms, encodeCursor(b), nil
}

// CandidateActivities returns up to limit (20 when limit <= 0) of the
// candidate's queued, failed or skipped activity markers, newest first.
func (s *Exports) CandidateActivities(_ context.Context, companyID, candidateID string, limit int) ([]export.Marker, error) {
	if err := validKey(export.Key{CompanyID: companyID, CandidateID: candidateID}); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 20
	}
	s.mu.Lock()
	var ms []export.Marker
	for k, m := range s.markers {
		if k.CompanyID == companyID && k.CandidateID == candidateID && k.ActivityID != "" && activityListed(m.State) {
			ms = append(ms, m)
		}
	}
	s.mu.Unlock()
	sort.Slice(ms, func(i, j int) bool {
		if !ms[i].UpdatedAt.Equal(ms[j].UpdatedAt) {
			return ms[i].UpdatedAt.After(ms[j].UpdatedAt)
		}
		return ms[i].ActivityID > ms[j].ActivityID
	})
	if len(ms) > limit {
		ms = ms[:limit]
	}
	return ms, nil
}
