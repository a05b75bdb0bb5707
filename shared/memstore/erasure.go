package memstore

import (
	"context"
	"errors"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/erasure"
	"github.com/leverlink/leverlink/shared/export"
)

// The erasure port of Exports (shared/erasure), as shared/dynamo's
// erasure.go.

var _ erasure.Store = (*Exports)(nil)

// CandidateMarkers returns the candidate's export marker and all its
// activity markers, in any state.
func (s *Exports) CandidateMarkers(_ context.Context, companyID, candidateID string) ([]export.Marker, error) {
	if err := validKey(export.Key{CompanyID: companyID, CandidateID: candidateID}); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var ms []export.Marker
	for k, m := range s.markers {
		if k.CompanyID == companyID && k.CandidateID == candidateID {
			ms = append(ms, m)
		}
	}
	return ms, nil
}

// UpdateMarker is the versioned read-modify-write of marker k: fn runs
// outside the lock on a copy, which is stored only if the marker is still
// the version read.
func (s *Exports) UpdateMarker(ctx context.Context, k export.Key, fn func(m *export.Marker, found bool) error) (export.Marker, error) {
	if err := validKey(k); err != nil {
		return export.Marker{}, err
	}
	for attempt := 1; ; attempt++ {
		s.mu.Lock()
		cur, found := s.markers[k]
		s.mu.Unlock()
		if !found {
			cur = export.Marker{Key: k}
		}
		read := cur.Version
		if err := fn(&cur, found); err != nil {
			return export.Marker{}, err
		}
		cur.Key, cur.Version = k, read+1
		s.mu.Lock()
		stored, ok := s.markers[k]
		if ok == found && stored.Version == read {
			s.markers[k] = cur
			s.mu.Unlock()
			return cur, nil
		}
		s.mu.Unlock()
		if attempt >= updateAttempts {
			return export.Marker{}, apperr.E(apperr.Conflict, "marker %s/%s changed concurrently %d times", k.CompanyID, k.CandidateID, attempt)
		}
		if err := ctx.Err(); err != nil {
			return export.Marker{}, err
		}
	}
}

// DeleteMarker deletes marker k and reports whether it existed.
func (s *Exports) DeleteMarker(_ context.Context, k export.Key) (bool, error) {
	if err := validKey(k); err != nil {
		return false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.markers[k]
	delete(s.markers, k)
	return ok, nil
}

// ForgetContact deletes the company's LinkedIn entries recording contactID.
func (s *Exports) ForgetContact(_ context.Context, companyID, contactID string) (int, error) {
	if err := errors.Join(requireID("companyId", companyID), requireID("contactId", contactID)); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for k, id := range s.contacts {
		if k[0] == companyID && id == contactID {
			delete(s.contacts, k)
			n++
		}
	}
	return n, nil
}
