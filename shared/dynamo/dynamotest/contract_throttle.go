package dynamotest

import (
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

	t.Run("BurstThenRate", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		key := ID("co")
		b := throttle.Bucket{Rate: 5, Burst: 5}
		for i := range b.Burst {
			wait, err := store.Take(c, key, b, base)
			must(t, "Take", err)
			if wait != 0 {
				t.Fatalf("Take %d of the burst: wait %v, want a token", i, wait)
			}
		}
		wait, err := store.Take(c, key, b, base)
		must(t, "Take", err)
		if wait <= 0 || wait > 200*time.Millisecond {
			t.Fatalf("Take past the burst: wait %v, want (0, 200ms]", wait)
		}
		wait2, err := store.Take(c, key, b, base.Add(100*time.Millisecond))
		must(t, "Take", err)
		if wait2 <= 0 || wait2 > 100*time.Millisecond {
			t.Fatalf("Take half a period later: wait %v, want (0, 100ms]", wait2)
		}
		steps := []struct {
			at       time.Duration
			wantWait bool
		}{
			{200 * time.Millisecond, false}, // one token refilled
			{200 * time.Millisecond, true},
			{time.Hour, false}, // refilled to Burst, not more
			{time.Hour, false},
			{time.Hour, false},
			{time.Hour, false},
			{time.Hour, false},
			{time.Hour, true},
		}
		for i, s := range steps {
			wait, err := store.Take(c, key, b, base.Add(s.at))
			must(t, "Take", err)
			if (wait > 0) != s.wantWait {
				t.Fatalf("step %d: Take at +%v: wait %v, want wait=%v", i, s.at, wait, s.wantWait)
			}
		}
		wait, err = store.Take(c, ID("co"), b, base)
		must(t, "Take other key", err)
		if wait != 0 {
			t.Fatalf("another key: wait %v, want its own full bucket", wait)
		}
	})

	t.Run("ConcurrentTakersStayUnderRate", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		key := ID("co")
		b := throttle.Bucket{Rate: 5, Burst: 5}
		const window = 2 * time.Second
		var granted atomic.Int64
		start := time.Now()
		deadline := start.Add(window)
		var wg sync.WaitGroup
		var failed atomic.Value
		for range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Now().Before(deadline) {
					wait, err := store.Take(c, key, b, time.Now())
					if err != nil {
						failed.Store(err)
						return
					}
					if wait == 0 {
						granted.Add(1)
						continue
					}
					time.Sleep(min(wait, 20*time.Millisecond))
				}
			}()
		}
		wg.Wait()
		if err, _ := failed.Load().(error); err != nil {
			t.Fatalf("Take: %v", err)
		}
		elapsed := time.Since(start).Seconds()
		limit := float64(b.Burst) + b.Rate*elapsed + 1
		got := granted.Load()
		t.Logf("%d tokens granted in %.2fs (limit %.1f)", got, elapsed, limit)
		if got == 0 || float64(got) > limit {
			t.Fatalf("%d tokens granted to 50 concurrent takers in %.2fs, want > 0 and <= Burst + Rate×t + 1 = %.1f", got, elapsed, limit)
		}
	})
}
