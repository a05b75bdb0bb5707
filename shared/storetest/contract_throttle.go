package storetest

import (
	"github.com/leverlink/leverlink/shared/apperr"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/throttle"
)

// ThrottleStoreContract checks an implementation of throttle.Store. It takes
// about two seconds (one test hammers a bucket in real time).
func ThrottleStoreContract(t *testing.T, newStore func(t *testing.T) throttle.Store) {
	store := newStore(t)

	t.Run("BurstThenReservations", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		key := ID("co")
		b := throttle.Bucket{Rate: 5, Burst: 5, MaxWait: time.Second}
		for i := range b.Burst {
			wait, err := store.Take(c, key, b, base)
			must(t, "Take", err)
			if wait != 0 {
				t.Fatalf("Take %d of the burst: wait %v, want a token now", i, wait)
			}
		}
		// Past the burst, tokens are reserved one period apart.
		reservations := []struct {
			at, want time.Duration
		}{
			{0, 200 * time.Millisecond},                      // slot at +200ms
			{100 * time.Millisecond, 300 * time.Millisecond}, // slot at +400ms
			{100 * time.Millisecond, 500 * time.Millisecond}, // slot at +600ms
		}
		for i, r := range reservations {
			wait, err := store.Take(c, key, b, base.Add(r.at))
			must(t, "Take", err)
			if d := wait - r.want; d < -time.Millisecond || d > time.Millisecond {
				t.Fatalf("reservation %d at +%v: wait %v, want %v", i, r.at, wait, r.want)
			}
		}
		// Booked more than MaxWait ahead: nothing reserved, RateLimited.
		for range 2 {
			_, _ = store.Take(c, key, b, base.Add(100*time.Millisecond)) // slots +800ms, +1s
		}
		_, err := store.Take(c, key, b, base.Add(100*time.Millisecond))
		wantCode(t, "Take past MaxWait", err, apperr.RateLimited)
		if e := apperr.As(err); e == nil || e.RetryAfter <= 0 {
			t.Fatalf("Take past MaxWait: %v, want a RetryAfter", err)
		}
		// An hour later the bucket is full again, not fuller.
		for i := range b.Burst {
			wait, err := store.Take(c, key, b, base.Add(time.Hour))
			must(t, "Take", err)
			if wait != 0 {
				t.Fatalf("Take %d an hour later: wait %v, want a token now", i, wait)
			}
		}
		if wait, err := store.Take(c, key, b, base.Add(time.Hour)); err != nil || wait == 0 {
			t.Fatalf("Take past the refilled burst: wait %v err %v, want a reservation", wait, err)
		}
		wait, err := store.Take(c, ID("co"), b, base)
		must(t, "Take other key", err)
		if wait != 0 {
			t.Fatalf("another key: wait %v, want its own full bucket", wait)
		}
	})

	t.Run("ConcurrentTakersStayUnderRate", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		key := ID("co")
		b := throttle.Bucket{Rate: 5, Burst: 5, MaxWait: 500 * time.Millisecond}
		const window = 2 * time.Second
		var used atomic.Int64
		start := time.Now()
		deadline := start.Add(window)
		var wg sync.WaitGroup
		var failed atomic.Value
		for range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					now := time.Now()
					wait, err := store.Take(c, key, b, now)
					if e := apperr.As(err); e != nil && e.Code == apperr.RateLimited {
						time.Sleep(e.RetryAfter)
						continue
					}
					if err != nil {
						failed.Store(err)
						return
					}
					if now.Add(wait).After(deadline) {
						return // its slot is past the window
					}
					time.Sleep(wait)
					used.Add(1)
				}
			}()
		}
		wg.Wait()
		if err, _ := failed.Load().(error); err != nil {
			t.Fatalf("Take: %v", err)
		}
		limit := float64(b.Burst) + b.Rate*window.Seconds() + 1
		got := used.Load()
		t.Logf("%d tokens used by 50 takers in %v (limit %.1f)", got, window, limit)
		if float64(got) > limit || float64(got) < limit/2 {
			t.Fatalf("%d tokens used by 50 concurrent takers in %v, want between %.1f and Burst + Rate×t + 1 = %.1f", got, window, limit/2, limit)
		}
	})
}
