package storetest

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/throttle"
)

// ThrottleStoreContract checks an implementation of throttle.Store, alone
// (Update) and under throttle.Take's arithmetic. It takes about two seconds
// (one test hammers a bucket in real time).
func ThrottleStoreContract(t *testing.T, newStore func(t *testing.T) throttle.Store) {
	store := newStore(t)

	t.Run("UpdateStoresWhatFnReturns", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		key := ID("co")
		want := throttle.State{Tokens: -1.25, RefilledAt: base, FullAt: base.Add(time.Second)}
		boom := errors.New("boom")
		steps := []struct {
			name      string
			fn        func(old throttle.State, found bool) (throttle.State, error)
			wantErr   error
			wantOld   throttle.State
			wantFound bool
		}{
			{"aborted create", func(throttle.State, bool) (throttle.State, error) { return want, boom }, boom, throttle.State{}, false},
			{"create", func(throttle.State, bool) (throttle.State, error) { return want, nil }, nil, throttle.State{}, false},
			{"aborted update", func(throttle.State, bool) (throttle.State, error) { return throttle.State{Tokens: 9}, boom }, boom, want, true},
			{"read back", func(old throttle.State, _ bool) (throttle.State, error) { return old, nil }, nil, want, true},
		}
		for _, s := range steps {
			var old throttle.State
			var found bool
			err := store.Update(c, key, func(o throttle.State, f bool) (throttle.State, error) {
				old, found = o, f
				return s.fn(o, f)
			})
			if !errors.Is(err, s.wantErr) || (err != nil && s.wantErr == nil) {
				t.Fatalf("%s: Update error %v, want %v", s.name, err, s.wantErr)
			}
			wantEqual(t, s.name+": fn saw found", found, s.wantFound)
			wantEqual(t, s.name+": fn saw state", old, s.wantOld)
		}
		wantCode(t, "Update of an empty key", store.Update(c, "", func(o throttle.State, _ bool) (throttle.State, error) { return o, nil }), apperr.Invalid)
	})

	t.Run("UpdateRetriesAfterConcurrentWrite", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		key := ID("co")
		calls := 0
		err := store.Update(c, key, func(old throttle.State, _ bool) (throttle.State, error) {
			calls++
			if calls == 1 { // a concurrent writer gets in between read and write
				if err := store.Update(c, key, func(o throttle.State, _ bool) (throttle.State, error) {
					return throttle.State{Tokens: o.Tokens + 1, RefilledAt: base}, nil
				}); err != nil {
					return old, err
				}
			}
			return throttle.State{Tokens: old.Tokens + 10, RefilledAt: base}, nil
		})
		must(t, "Update", err)
		if calls != 2 {
			t.Fatalf("fn called %d times, want 2 (once more after the conflict)", calls)
		}
		must(t, "Update (read)", store.Update(c, key, func(old throttle.State, _ bool) (throttle.State, error) {
			if old.Tokens != 11 {
				t.Errorf("stored Tokens = %v, want 11 (both writes applied)", old.Tokens)
			}
			return old, nil
		}))
	})

	t.Run("BurstThenReservations", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		key := ID("co")
		b := throttle.Bucket{Rate: 5, Burst: 5, MaxWait: time.Second}
		for i := range b.Burst {
			wait, err := throttle.Take(c, store, key, b, base)
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
			wait, err := throttle.Take(c, store, key, b, base.Add(r.at))
			must(t, "Take", err)
			if d := wait - r.want; d < -time.Millisecond || d > time.Millisecond {
				t.Fatalf("reservation %d at +%v: wait %v, want %v", i, r.at, wait, r.want)
			}
		}
		// Booked more than MaxWait ahead: nothing reserved, RateLimited.
		for range 2 {
			_, _ = throttle.Take(c, store, key, b, base.Add(100*time.Millisecond)) // slots +800ms, +1s
		}
		_, err := throttle.Take(c, store, key, b, base.Add(100*time.Millisecond))
		wantCode(t, "Take past MaxWait", err, apperr.RateLimited)
		if e := apperr.As(err); e == nil || e.RetryAfter <= 0 {
			t.Fatalf("Take past MaxWait: %v, want a RetryAfter", err)
		}
		// An hour later the bucket is full again, not fuller.
		for i := range b.Burst {
			wait, err := throttle.Take(c, store, key, b, base.Add(time.Hour))
			must(t, "Take", err)
			if wait != 0 {
				t.Fatalf("Take %d an hour later: wait %v, want a token now", i, wait)
			}
		}
		if wait, err := throttle.Take(c, store, key, b, base.Add(time.Hour)); err != nil || wait == 0 {
			t.Fatalf("Take past the refilled burst: wait %v err %v, want a reservation", wait, err)
		}
		wait, err := throttle.Take(c, store, ID("co"), b, base)
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
		// Enough takers to contend on every read-modify-write; more only
		// slows an emulator on a loaded machine past the context deadline.
		const takers = 20
		var used atomic.Int64
		start := time.Now()
		deadline := start.Add(window)
		var wg sync.WaitGroup
		var failed atomic.Value
		for range takers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					now := time.Now()
					if !now.Before(deadline) {
						return
					}
					wait, err := throttle.Take(c, store, key, b, now)
					if e := apperr.As(err); e != nil && e.Code == apperr.RateLimited {
						time.Sleep(e.RetryAfter)
						continue
					}
					if err != nil {
						failed.Store(err)
						return
					}
					// The token is used wait after Take returned, as the
					// Limiter does: the caller's now may be behind the
					// bucket's (Take took a while, or another process's
					// clock is ahead), and the wait counts from the bucket's.
					if time.Now().Add(wait).After(deadline) {
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
		t.Logf("%d tokens used by %d takers in %v (limit %.1f)", got, takers, window, limit)
		// The bound is the contract; how close a store gets to it is a
		// speed matter (make bench): an emulator on a loaded machine may
		// grant few, but it must grant some.
		if float64(got) > limit || got < 1 {
			t.Fatalf("%d tokens used by %d concurrent takers in %v, want between 1 and Burst + Rate×t + 1 = %.1f", got, takers, window, limit)
		}
	})
}
