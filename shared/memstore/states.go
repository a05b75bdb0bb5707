package memstore

import (
	"context"
	"sync"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
)

// States implements connection.StateStore in memory.
type States struct {
	mu     sync.Mutex
	states map[string]connection.State
}

var _ connection.StateStore = (*States)(nil)

// NewStates returns an empty OAuth state store.
func NewStates() *States { return &States{states: map[string]connection.State{}} }

// Put stores a new state: apperr Conflict when the id exists and has not
// expired by the wall clock (an expired one is replaced, as in the adapter).
func (s *States) Put(_ context.Context, st connection.State) error {
	if err := requireID("id", st.ID); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.states[st.ID]; ok && (old.ExpiresAt.IsZero() || !old.ExpiresAt.Before(time.Now())) {
		return apperr.E(apperr.Conflict, "oauth state exists")
	}
	s.states[st.ID] = st
	return nil
}

// Consume deletes and returns the state, or apperr NotFound.
func (s *States) Consume(_ context.Context, id string) (connection.State, error) {
	if err := requireID("id", id); err != nil {
		return connection.State{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.states[id]
	if !ok {
		return connection.State{}, apperr.E(apperr.NotFound, "unknown or used oauth state")
	}
	delete(s.states, id)
	return st, nil
}
