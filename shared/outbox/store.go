package outbox

import (
	"context"
	"time"
)

// Store is the per-company feed of outbound events with their delivery
// records.
//
// Append stores ev under the company's next sequence (1, 2, 3, ...: gapless
// and in commit order, so a reader's cursor never skips a later commit) with
// delivery d, kept until expiresAt (TTL), and returns it with appended
// true. When an event with ev.ID was appended before it stores nothing and
// returns the stored entry with appended false (a change seen twice is one
// event).
//
// List returns up to limit entries of companyID with a sequence greater
// than after, in sequence order. Pending returns up to limit entries of
// companyID in state pending, in sequence order. PendingCompanies returns
// the companies that have pending entries, each once.
//
// Modify reads the entry (companyID, seq), applies fn to a copy, and writes
// it back with Version+1 unless the stored version changed meanwhile
// (apperr Conflict): read-modify-write under a version condition. It
// returns apperr NotFound when there is no such entry; an error from fn is
// returned as is and nothing is written. Only Delivery may be changed.
//
// All methods are safe for concurrent use; of concurrent Appends of one id
// exactly one appends.
type Store interface {
	Append(ctx context.Context, ev Event, d Delivery, expiresAt time.Time) (e Entry, appended bool, err error)
	List(ctx context.Context, companyID string, after int64, limit int) ([]Entry, error)
	Pending(ctx context.Context, companyID string, limit int) ([]Entry, error)
	PendingCompanies(ctx context.Context, limit int) ([]string, error)
	Modify(ctx context.Context, companyID string, seq int64, fn func(*Entry) error) (Entry, error)
}
