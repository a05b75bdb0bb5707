package memstore

import (
	"context"
	"errors"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
)

// Connections implements connection.Store in memory.
type Connections struct {
	mu    sync.Mutex
	conns map[string]connection.Connection
}

var _ connection.Store = (*Connections)(nil)

// NewConnections returns an empty connection store.
func NewConnections() *Connections {
	return &Connections{conns: map[string]connection.Connection{}}
}

func cloneConn(c connection.Connection) connection.Connection {
	c.SealedAccess, c.SealedRefresh = slices.Clone(c.SealedAccess), slices.Clone(c.SealedRefresh)
	return c
}

// Get returns the company's connection, or apperr NotFound.
func (s *Connections) Get(_ context.Context, companyID string) (connection.Connection, error) {
	if err := requireID("companyId", companyID); err != nil {
		return connection.Connection{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.conns[companyID]
	if !ok {
		return connection.Connection{}, apperr.E(apperr.NotFound, "no connection for company %s", companyID)
	}
	return cloneConn(c), nil
}

// updateAttempts bounds the optimistic retries of Update, as in the adapter.
const updateAttempts = 5

// Update reads, calls fn outside the lock and writes only if the version is
// still the one read (fn runs again after a concurrent write, up to five
// attempts, then apperr Conflict), like the DynamoDB adapter.
func (s *Connections) Update(ctx context.Context, companyID string, fn func(*connection.Connection) error) (connection.Connection, error) {
	if err := requireID("companyId", companyID); err != nil {
		return connection.Connection{}, err
	}
	for attempt := 1; ; attempt++ {
		s.mu.Lock()
		cur, found := s.conns[companyID]
		s.mu.Unlock()
		if !found {
			cur = connection.Connection{CompanyID: companyID}
		}
		cur = cloneConn(cur)
		read := cur.Version
		if err := fn(&cur); err != nil {
			return connection.Connection{}, err
		}
		cur.CompanyID, cur.Version = companyID, read+1
		s.mu.Lock()
		if s.conns[companyID].Version == read { // zero when missing
			s.conns[companyID] = cloneConn(cur)
			s.mu.Unlock()
			return cur, nil
		}
		s.mu.Unlock()
		if attempt >= updateAttempts {
			return connection.Connection{}, apperr.E(apperr.Conflict, "connection %s changed concurrently %d times", companyID, attempt)
		}
		if err := ctx.Err(); err != nil {
			return connection.Connection{}, err
		}
	}
}

// AcquireLease takes the refresh lease when it is free or expired at now.
func (s *Connections) AcquireLease(_ context.Context, companyID, owner string, now time.Time, ttl time.Duration) (connection.Connection, error) {
	if err := errors.Join(requireID("companyId", companyID), requireID("owner", owner)); err != nil {
		return connection.Connection{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.conns[companyID]
	if !ok {
		return connection.Connection{}, apperr.E(apperr.NotFound, "no connection for company %s", companyID)
	}
	if c.LeaseOwner != "" && !c.LeaseUntil.IsZero() && c.LeaseUntil.After(now) {
		return cloneConn(c), apperr.E(apperr.Conflict, "refresh lease held until %s", c.LeaseUntil.Format(time.RFC3339Nano)).WithReason("lease_held")
	}
	c.LeaseOwner, c.LeaseUntil, c.Version = owner, now.Add(ttl), c.Version+1
	s.conns[companyID] = c
	return cloneConn(c), nil
}

// ListActive pages through the ids of the companies whose status is one of
// connection.ReadableStatuses, in id order; the
// cursor is the offset into that order (opaque to callers).
func (s *Connections) ListActive(_ context.Context, cursor string, limit int) ([]string, string, error) {
	if limit <= 0 {
		limit = defaultPage
	}
	after := ""
	if cursor != "" {
		b, err := decodeCursor(cursor)
		if err != nil {
			return nil, "", err
		}
		after = string(b)
	}
	s.mu.Lock()
	var ids []string
	for id, c := range s.conns {
		if c.Unreadable() == "" && id > after {
			ids = append(ids, id)
		}
	}
	s.mu.Unlock()
	sort.Strings(ids)
	if len(ids) <= limit {
		return ids, "", nil
	}
	ids = ids[:limit]
	return ids, encodeCursor([]byte(ids[limit-1])), nil
}

// defaultPage is the page size used when a caller passes limit <= 0.
const defaultPage = 100
