package memstore

import (
	"context"
	"sync"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/export"
)

// Events implements export.SeenStore (event.SeenStore with Forget) in
// memory. Expired ids are dropped when they are marked again.
type Events struct {
	mu    sync.Mutex
	until map[string]time.Time
}

var _ export.SeenStore = (*Events)(nil)

// NewEvents returns an empty seen-event store.
func NewEvents() *Events { return &Events{until: map[string]time.Time{}} }

// MarkSeen records id until now+ttl: apperr Conflict (reason replay) when it
// is recorded and not expired at now.
func (s *Events) MarkSeen(_ context.Context, id string, now time.Time, ttl time.Duration) error {
	if err := requireID("id", id); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if u, ok := s.until[id]; ok && u.After(now) {
		return apperr.E(apperr.Conflict, "event %s already processed", id).WithReason("replay")
	}
	s.until[id] = now.Add(ttl)
	return nil
}

// Forget removes a seen-event record. Idempotent.
func (s *Events) Forget(_ context.Context, id string) error {
	if err := requireID("id", id); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.until, id)
	return nil
}
