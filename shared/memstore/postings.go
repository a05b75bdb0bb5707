package memstore

import (
	"context"
	"sort"
	"sync"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/posting"
)

// Postings implements posting.Store and posting.RefreshLease in memory.
type Postings struct {
	mu        sync.Mutex
	companies map[string]*postingCache
}

type postingCache struct {
	postings    map[string]posting.Posting
	refreshedAt time.Time
	leaseOwner  string
	leaseUntil  time.Time
}

var (
	_ posting.Store        = (*Postings)(nil)
	_ posting.RefreshLease = (*Postings)(nil)
)

// NewPostings returns an empty postings cache.
func NewPostings() *Postings { return &Postings{companies: map[string]*postingCache{}} }

// company returns the company's cache, created empty; s.mu must be held.
func (s *Postings) company(companyID string) *postingCache {
	c := s.companies[companyID]
	if c == nil {
		c = &postingCache{postings: map[string]posting.Posting{}}
		s.companies[companyID] = c
	}
	return c
}

// List returns the company's postings ordered by id (empty when none).
func (s *Postings) List(_ context.Context, companyID string) (posting.Cache, error) {
	if err := requireID("companyId", companyID); err != nil {
		return posting.Cache{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.company(companyID)
	out := posting.Cache{Postings: make([]posting.Posting, 0, len(c.postings)), RefreshedAt: c.refreshedAt}
	for _, p := range c.postings {
		out.Postings = append(out.Postings, p)
	}
	sort.Slice(out.Postings, func(i, j int) bool { return out.Postings[i].ID < out.Postings[j].ID })
	return out, nil
}

// RefreshedAt returns when the last refresh finished (zero when never).
func (s *Postings) RefreshedAt(_ context.Context, companyID string) (time.Time, error) {
	if err := requireID("companyId", companyID); err != nil {
		return time.Time{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.company(companyID).refreshedAt, nil
}

// Get returns one cached posting, or apperr NotFound.
func (s *Postings) Get(_ context.Context, companyID, postingID string) (posting.Posting, error) {
	if err := requireID("companyId", companyID); err != nil {
		return posting.Posting{}, err
	}
	if err := requireID("postingId", postingID); err != nil {
		return posting.Posting{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.company(companyID).postings[postingID]
	if !ok {
		return posting.Posting{}, apperr.E(apperr.NotFound, "posting %s is not cached", postingID)
	}
	return p, nil
}

// Apply writes put, deletes del and records refreshedAt (unless zero), at
// once.
func (s *Postings) Apply(_ context.Context, companyID string, put []posting.Posting, del []string, refreshedAt time.Time) error {
	if err := requireID("companyId", companyID); err != nil {
		return err
	}
	for _, p := range put {
		if err := requireID("id", p.ID); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.company(companyID)
	for _, p := range put {
		c.postings[p.ID] = p
	}
	for _, id := range del {
		delete(c.postings, id)
	}
	if !refreshedAt.IsZero() {
		c.refreshedAt = refreshedAt
	}
	return nil
}

// AcquireRefresh takes the refresh lease for owner until now+ttl: free,
// expired at now, or already owner's (extended); apperr Conflict otherwise.
func (s *Postings) AcquireRefresh(_ context.Context, companyID, owner string, now time.Time, ttl time.Duration) error {
	if err := requireID("companyId", companyID); err != nil {
		return err
	}
	if err := requireID("owner", owner); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.company(companyID)
	if c.leaseOwner != "" && c.leaseOwner != owner && c.leaseUntil.After(now) {
		return apperr.E(apperr.Conflict, "a postings refresh is already running").WithReason("lease_held")
	}
	c.leaseOwner, c.leaseUntil = owner, now.Add(ttl)
	return nil
}

// ReleaseRefresh frees the lease if owner holds it (no error otherwise).
func (s *Postings) ReleaseRefresh(_ context.Context, companyID, owner string) error {
	if err := requireID("companyId", companyID); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.company(companyID); c.leaseOwner == owner {
		c.leaseOwner, c.leaseUntil = "", time.Time{}
	}
	return nil
}
