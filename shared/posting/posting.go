// Package posting holds the per-company cache of Lever postings that feeds
// the link dropdown, and its refresh from Lever.
package posting

import (
	"context"
	"time"
)

// Posting is the cached view of one Lever posting: only what the link
// dropdown and link validation need.
type Posting struct {
	ID           string    `json:"id"`
	Text         string    `json:"text"`
	State        string    `json:"state"` // published, internal, closed, draft, pending, rejected
	Confidential bool      `json:"confidential"`
	Team         string    `json:"team,omitempty"`
	Department   string    `json:"department,omitempty"`
	Location     string    `json:"location,omitempty"`
	Commitment   string    `json:"commitment,omitempty"`
	URL          string    `json:"url,omitempty"`
	UpdatedAt    time.Time `json:"updatedAt"` // Lever's updatedAt
}

// Cache is one company's cached postings and when they were last refreshed.
type Cache struct {
	Postings    []Posting
	RefreshedAt time.Time // zero when never refreshed
}

// Store persists the postings cache.
//
// List returns the company's cached postings ordered by id (empty, not an
// error, when none). Get returns apperr NotFound for an unknown posting.
// Apply writes the given postings, deletes the given ids and records
// refreshedAt, in as few requests as possible; it does not compare: callers
// pass only what changed. RefreshedAt is the cheap read of when the last
// refresh finished (zero when never). Safe for concurrent use.
type Store interface {
	List(ctx context.Context, companyID string) (Cache, error)
	RefreshedAt(ctx context.Context, companyID string) (time.Time, error)
	Get(ctx context.Context, companyID, postingID string) (Posting, error)
	Apply(ctx context.Context, companyID string, put []Posting, del []string, refreshedAt time.Time) error
}

// RefreshLease collapses concurrent refreshes of one company into one Lever
// pass across all function instances.
//
// AcquireRefresh takes the company's refresh lease for owner until now+ttl and
// returns apperr Conflict when another owner holds an unexpired one.
// ReleaseRefresh frees it if owner still holds it (no error otherwise).
type RefreshLease interface {
	AcquireRefresh(ctx context.Context, companyID, owner string, now time.Time, ttl time.Duration) error
	ReleaseRefresh(ctx context.Context, companyID, owner string) error
}
