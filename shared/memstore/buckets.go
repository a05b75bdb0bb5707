package memstore

import (
	"context"
	"sync"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/throttle"
)

// Buckets implements throttle.Store in memory; the arithmetic is
// throttle.Bucket.Take's. Buckets are never forgotten.
type Buckets struct {
	mu      sync.Mutex
	buckets map[string]versioned[throttle.State]
}

// versioned is a value with the number of writes it has seen.
type versioned[T any] struct {
	v       T
	version int64
}

var _ throttle.Store = (*Buckets)(nil)

// NewBuckets returns an empty bucket store (every bucket starts full).
func NewBuckets() *Buckets { return &Buckets{buckets: map[string]versioned[throttle.State]{}} }

// Update reads the bucket, calls fn outside the lock and writes fn's state
// only if nobody wrote meanwhile; after a concurrent write fn runs again
// (eight attempts, as in the adapter, then apperr Conflict).
func (s *Buckets) Update(ctx context.Context, key string, fn func(old throttle.State, found bool) (throttle.State, error)) error {
	if err := requireID("key", key); err != nil {
		return err
	}
	for range takeAttempts {
		s.mu.Lock()
		old, found := s.buckets[key]
		s.mu.Unlock()
		next, err := fn(old.v, found)
		if err != nil {
			return err
		}
		s.mu.Lock()
		if s.buckets[key].version == old.version {
			s.buckets[key] = versioned[throttle.State]{next, old.version + 1}
			s.mu.Unlock()
			return nil
		}
		s.mu.Unlock()
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return apperr.E(apperr.Conflict, "bucket %s: lost %d concurrent writes", key, takeAttempts)
}

// takeAttempts bounds the optimistic retries of one Update.
const takeAttempts = 8
