package lever

import (
	"context"
	"sync"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
)

// Bucket is an in-process token bucket Limiter: rate requests per second
// on average, bursts up to burst. It paces one process only; instances
// sharing a Lever account need a shared bucket (see DESIGN.md §4). It is
// safe for concurrent use.
type Bucket struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
}

// NewBucket returns a full Bucket. Lever allows 10 req/s with bursts of 20
// per key; stay under that (e.g. NewBucket(8, 16)). rate <= 0 is treated as
// 1 and burst < 1 as 1.
func NewBucket(rate float64, burst int) *Bucket {
	if rate <= 0 {
		rate = 1
	}
	if burst < 1 {
		burst = 1
	}
	return &Bucket{rate: rate, burst: float64(burst), tokens: float64(burst), last: time.Now()}
}

// Wait blocks until a request may be sent. It returns apperr.RateLimited,
// without waiting, when ctx would end before a token is available, and
// apperr.Transient when ctx ends while waiting.
func (b *Bucket) Wait(ctx context.Context) error {
	b.mu.Lock()
	now := time.Now()
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	b.tokens-- // reserve, possibly going negative: later callers queue behind
	wait := time.Duration(0)
	if b.tokens < 0 {
		wait = time.Duration(-b.tokens / b.rate * float64(time.Second))
	}
	if dl, ok := ctx.Deadline(); ok && wait > 0 && time.Until(dl) < wait {
		b.tokens++ // give the reservation back
		b.mu.Unlock()
		e := apperr.E(apperr.RateLimited, "lever: local rate limit")
		e.RetryAfter = wait
		return e
	}
	b.mu.Unlock()
	if wait == 0 {
		return nil
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return apperr.Wrap(apperr.Transient, ctx.Err(), "lever: waiting for the local rate limit")
	}
}
