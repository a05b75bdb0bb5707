// Package throttle holds the per-company token bucket shared by every
// function instance, so that leverlink stays under Lever's rate limit
// (10 req/s steady, burst 20, per account).
package throttle

import (
	"context"
	"time"
)

// Bucket describes a token bucket: Rate tokens per second, at most Burst.
// MaxWait bounds how far ahead a token may be reserved (default 10s).
type Bucket struct {
	Rate    float64
	Burst   int
	MaxWait time.Duration
}

// DefaultMaxWait is the reservation horizon when Bucket.MaxWait is zero.
const DefaultMaxWait = 10 * time.Second

// Store takes one token from the bucket named key.
//
// Take reserves one token and returns when the caller may use it: 0 for
// now, else the wait (the bucket goes into debt, so the next caller is
// scheduled after this one and nobody polls). Used at their times, the
// tokens reserved by concurrent Take calls from any number of processes
// never exceed Burst + Rate×t over any window of t seconds. When the next
// free slot is more than MaxWait away, nothing is reserved and Take returns
// apperr RateLimited with RetryAfter. Errors are apperr Transient on storage
// failures.
type Store interface {
	Take(ctx context.Context, key string, b Bucket, now time.Time) (wait time.Duration, err error)
}
