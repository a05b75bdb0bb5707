package throttle

import (
	"context"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
)

func TestTakeN(t *testing.T) {
	t0 := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	b := Bucket{Rate: 10, Burst: 20}
	tests := []struct {
		name       string
		old        State
		found      bool
		n          int
		within     time.Duration
		wantWait   time.Duration
		wantTokens float64
		wantRetry  time.Duration // > 0: refused with this RetryAfter
	}{
		{"full bucket grants at once", State{}, false, 3, 0, 0, 17, 0},
		{"exactly the tokens there", State{Tokens: 3, RefilledAt: t0}, true, 3, 0, 0, 0, 0},
		{"short by one, within the horizon", State{Tokens: 2, RefilledAt: t0}, true, 3, 200 * time.Millisecond, 100 * time.Millisecond, -1, 0},
		{"short beyond the horizon: refused, come back when due", State{Tokens: -5, RefilledAt: t0}, true, 3, 200 * time.Millisecond, 0, 0, 600 * time.Millisecond},
		{"refill since the last write counts", State{Tokens: 0, RefilledAt: t0.Add(-300 * time.Millisecond)}, true, 3, 0, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next, wait, err := b.TakeN(tt.old, tt.found, t0, tt.n, tt.within)
			if tt.wantRetry > 0 {
				e := apperr.As(err)
				if e == nil || e.Code != apperr.RateLimited || e.RetryAfter != tt.wantRetry {
					t.Fatalf("TakeN = %v, want RateLimited with RetryAfter %s", err, tt.wantRetry)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if wait != tt.wantWait || next.Tokens != tt.wantTokens {
				t.Errorf("TakeN = wait %s tokens %g, want %s and %g", wait, next.Tokens, tt.wantWait, tt.wantTokens)
			}
		})
	}
	if _, _, err := b.TakeN(State{}, false, t0, 0, 0); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("TakeN(n=0) = %v, want Invalid", err)
	}
}

// TestAdmitBooksTheJobsCalls: an admitted job's calls use its booking (no
// store write each), paced from when they are due; past the booking, Wait
// takes from the store again; a refusal books nothing.
func TestAdmitBooksTheJobsCalls(t *testing.T) {
	t0 := time.Now()
	s := &scripted{answers: []answer{{State{Tokens: 1, RefilledAt: t0}, nil}, {State{}, nil}}}
	l := Limiter{Store: s, Key: "k", Bucket: Bucket{Rate: 20, Burst: 20}}
	ctx, err := l.Admit(context.Background(), 2, 100*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for i := range 2 {
		if err := l.Wait(ctx); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if s.calls != 1 {
		t.Errorf("store updates for two booked calls: %d, want the admission's only", s.calls)
	}
	if d := time.Since(start); d < 40*time.Millisecond {
		t.Errorf("second booked token (due 50 ms after the admission) used after %s", d)
	}
	if err := l.Wait(ctx); err != nil || s.calls != 2 {
		t.Errorf("a third call: err %v, store updates %d, want one more Take", err, s.calls)
	}
	other := Limiter{Store: s, Key: "other", Bucket: l.Bucket}
	if _, ok := ctx.Value(bookingKey{other.Key}).(*booking); ok {
		t.Error("a booking of k is visible to another key")
	}

	refuse := &scripted{answers: []answer{{State{Tokens: -10, RefilledAt: time.Now()}, nil}}}
	l.Store = refuse
	if _, err := l.Admit(context.Background(), 3, 100*time.Millisecond); !apperr.Is(err, apperr.RateLimited) || apperr.As(err).RetryAfter <= 0 {
		t.Errorf("Admit on a booked bucket = %v, want RateLimited with RetryAfter", err)
	}
}
