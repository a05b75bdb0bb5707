package lever_test

import (
	"context"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/lever"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
)

func TestBucketKeepsClientUnderFakeLimit(t *testing.T) {
	// The fake allows burst 5 at 50/s; the client paces itself at 40/s
	// burst 4 and never sees a 429.
	e := newEnv(t, leverfake.Options{Rate: 50, Burst: 5}, lever.Config{Limiter: lever.NewBucket(40, 4), Retry: lever.RetryPolicy{MaxAttempts: 1}})
	ctx := ctxT(t)
	start := time.Now()
	for range 24 {
		if _, err := e.client.ListStages(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if d := time.Since(start); d < 400*time.Millisecond {
		t.Errorf("24 calls took %v, want >= 0.5s of pacing minus the burst", d)
	}
	if n := e.ts.Calls("429"); n != 0 {
		t.Errorf("429s = %d, want 0", n)
	}
}

func TestBucketDeadline(t *testing.T) {
	b := lever.NewBucket(1, 1)
	if err := b.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := b.Wait(ctx)
	if apperr.CodeOf(err) != apperr.RateLimited || apperr.As(err).RetryAfter <= 0 {
		t.Errorf("err = %v, want rate_limited with RetryAfter", err)
	}
}
