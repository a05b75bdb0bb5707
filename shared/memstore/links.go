package memstore

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/link"
)

// Links implements link.Store in memory.
type Links struct {
	mu    sync.Mutex
	links map[string]map[string]link.Link // company → position → link
	now   func() time.Time
}

var _ link.Store = (*Links)(nil)

// NewLinks returns an empty link store.
func NewLinks() *Links { return &Links{links: map[string]map[string]link.Link{}, now: time.Now} }

// Get returns the link of a position, or apperr NotFound.
func (s *Links) Get(_ context.Context, companyID, positionID string) (link.Link, error) {
	if err := requireID("companyId", companyID); err != nil {
		return link.Link{}, err
	}
	if err := requireID("positionId", positionID); err != nil {
		return link.Link{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	l, ok := s.links[companyID][positionID]
	if !ok {
		return link.Link{}, apperr.E(apperr.NotFound, "position %s is not linked", positionID)
	}
	return l, nil
}

// Put creates or replaces a link: CreatedAt is kept from an existing link,
// UpdatedAt defaults to now, Version advances.
func (s *Links) Put(_ context.Context, l link.Link) (link.Link, error) {
	if err := requireID("companyId", l.CompanyID); err != nil {
		return link.Link{}, err
	}
	if err := requireID("positionId", l.PositionID); err != nil {
		return link.Link{}, err
	}
	if err := requireID("postingId", l.PostingID); err != nil {
		return link.Link{}, err
	}
	if l.UpdatedAt.IsZero() {
		l.UpdatedAt = s.now()
	}
	if l.CreatedAt.IsZero() {
		l.CreatedAt = l.UpdatedAt
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	co := s.links[l.CompanyID]
	if co == nil {
		co = map[string]link.Link{}
		s.links[l.CompanyID] = co
	}
	old, ok := co[l.PositionID]
	if ok {
		l.CreatedAt = old.CreatedAt
	}
	l.Version = old.Version + 1
	co[l.PositionID] = l
	return l, nil
}

// Delete removes a link; idempotent.
func (s *Links) Delete(_ context.Context, companyID, positionID string) error {
	if err := requireID("companyId", companyID); err != nil {
		return err
	}
	if err := requireID("positionId", positionID); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.links[companyID], positionID)
	return nil
}

// DeleteAll removes every link of a company and returns how many.
func (s *Links) DeleteAll(_ context.Context, companyID string) (int, error) {
	if err := requireID("companyId", companyID); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.links[companyID])
	delete(s.links, companyID)
	return n, nil
}

// List returns a company's links ordered by position id.
func (s *Links) List(_ context.Context, companyID string) ([]link.Link, error) {
	if err := requireID("companyId", companyID); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]link.Link, 0, len(s.links[companyID]))
	for _, l := range s.links[companyID] {
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PositionID < out[j].PositionID })
	return out, nil
}

// SetFlags sets the flag of the links whose posting id is a key of flags,
// clears the others' and returns how many links changed (each change
// advances Version).
func (s *Links) SetFlags(_ context.Context, companyID string, flags map[string]link.Flag) (int, error) {
	if err := requireID("companyId", companyID); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	changed := 0
	for pos, l := range s.links[companyID] {
		if want := flags[l.PostingID]; want != l.Flag {
			l.Flag = want
			l.Version++
			s.links[companyID][pos] = l
			changed++
		}
	}
	return changed, nil
}
