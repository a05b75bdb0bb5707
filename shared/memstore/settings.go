package memstore

import (
	"context"
	"sync"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/settings"
)

// Settings is an in-memory settings.Store for domain tests; it passes the
// same contract suite as the DynamoDB adapter. Safe for concurrent use.
type Settings struct {
	mu sync.Mutex
	m  map[string]settings.Settings
}

var _ settings.Store = (*Settings)(nil)

// NewSettings returns an empty settings store.
func NewSettings() *Settings { return &Settings{m: map[string]settings.Settings{}} }

// Get returns the company's settings, or apperr NotFound.
func (s *Settings) Get(_ context.Context, companyID string) (settings.Settings, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.m[companyID]
	if !ok {
		return settings.Settings{}, apperr.E(apperr.NotFound, "no settings for company %s", companyID)
	}
	return st, nil
}

// Update applies fn under the lock (see settings.Store): a concurrent
// write cannot happen between the read and the write.
func (s *Settings) Update(_ context.Context, companyID string, fn func(*settings.Settings) error) (settings.Settings, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.m[companyID]
	if !ok {
		cur = settings.Settings{CompanyID: companyID}
	}
	read := cur.Version
	if err := fn(&cur); err != nil {
		return settings.Settings{}, err
	}
	cur.CompanyID, cur.Version = companyID, read+1
	s.m[companyID] = cur
	return cur, nil
}
