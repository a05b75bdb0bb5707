package throttle

import (
	"context"
	"fmt"
	"time"
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

// Wait takes one token, sleeping as long as the bucket says. It returns the
// context's error if ctx ends first, or the store's error.
func (l Limiter) Wait(ctx context.Context) error {
	now := l.Now
	if now == nil {
		now = time.Now
	}
	for {
		wait, err := l.Store.Take(ctx, l.Key, l.Bucket, now())
		if err != nil {
			return fmt.Errorf("throttle %s: %w", l.Key, err)
		}
		if wait <= 0 {
			return nil
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}
