package throttle

import (
	"context"
	"fmt"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
)

// Limiter paces one key (one company) through a shared Store: Wait blocks
// until the bucket grants a token. It implements the Lever client's Limiter.
// Safe for concurrent use.
type Limiter struct {
	Store  Store
	Key    string
	Bucket Bucket
	Now    func() time.Time // time.Now when nil
}

// Wait uses the next token of a booking ctx carries for this key (Admit),
// sleeping until it is due; once the booking is used up, or without one,
// it reserves one token and sleeps until its time. When the bucket is
// booked further ahead than its MaxWait it sleeps the RetryAfter and tries
// again. It returns the context's error if ctx ends first (the reserved
// token is then lost, which only slows others down), or the store's error.
func (l Limiter) Wait(ctx context.Context) error {
	now := l.Now
	if now == nil {
		now = time.Now
	}
	if bk, ok := ctx.Value(bookingKey{l.Key}).(*booking); ok {
		if at, ok := bk.next(); ok {
			if d := at.Sub(now()); d > 0 && !sleep(ctx, d) {
				return ctx.Err()
			}
			return nil
		}
	}
	for {
		wait, err := Take(ctx, l.Store, l.Key, l.Bucket, now())
		if e := apperr.As(err); e != nil && e.Code == apperr.RateLimited && e.RetryAfter > 0 {
			wait = e.RetryAfter
			if !sleep(ctx, wait) {
				return ctx.Err()
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("throttle %s: %w", l.Key, err)
		}
		if wait > 0 && !sleep(ctx, wait) {
			return ctx.Err()
		}
		return nil
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	start := time.Now()
	defer func() { waited.Add(int64(time.Since(start))) }()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
