// Package throttle holds the per-company token bucket shared by every
// function instance, so that leverlink stays under Lever's rate limit
// (10 req/s steady, burst 20, per account).
package throttle

import (
	"context"
	"time"
)

// Bucket describes a token bucket: Rate tokens per second, at most Burst.
type Bucket struct {
	Rate  float64
	Burst int
}

// Store takes one token from the bucket named key.
//
// Take returns 0 when a token was granted, or how long to wait before one
// will be available (no token is taken then). Concurrent Take calls from any
// number of processes never grant more than Burst + Rate×t tokens over any
// window of t seconds. Errors are apperr Transient on storage failures.
type Store interface {
	Take(ctx context.Context, key string, b Bucket, now time.Time) (wait time.Duration, err error)
}
