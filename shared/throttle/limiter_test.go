package throttle

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
)

// scripted answers Update from a list: it calls fn with the scripted state,
// or returns the scripted error without calling it.
type scripted struct {
	answers []answer
	calls   int
}

type answer struct {
	old State
	err error
}

func (s *scripted) Update(_ context.Context, _ string, fn func(State, bool) (State, error)) error {
	a := s.answers[s.calls]
	s.calls++
	if a.err != nil {
		return a.err
	}
	_, err := fn(a.old, !a.old.RefilledAt.IsZero())
	return err
}

func rateLimited(after time.Duration) error {
	e := apperr.E(apperr.RateLimited, "booked")
	e.RetryAfter = after
	return e
}

func TestLimiterWait(t *testing.T) {
	t0 := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	owing := func(d time.Duration) State { return State{Tokens: 1 - d.Seconds(), RefilledAt: t0} } // Rate 1: d until the next token
	tests := []struct {
		name      string
		answers   []answer
		wantCalls int
		wantErr   apperr.Code
		minSleep  time.Duration
	}{
		{"token now", []answer{{State{}, nil}}, 1, "", 0},
		{"reserved: sleeps once, no second Take", []answer{{owing(30 * time.Millisecond), nil}}, 1, "", 30 * time.Millisecond},
		{"booked ahead: retries after RetryAfter", []answer{{State{}, rateLimited(20 * time.Millisecond)}, {owing(10 * time.Millisecond), nil}}, 2, "", 30 * time.Millisecond},
		{"contended: retries", []answer{{State{}, apperr.E(apperr.Conflict, "lost")}, {State{}, nil}}, 2, "", 0},
		{"storage failure", []answer{{State{}, apperr.Wrap(apperr.Transient, errors.New("x"), "down")}}, 1, apperr.Transient, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &scripted{answers: tt.answers}
			start := time.Now()
			err := Limiter{Store: s, Key: "k", Bucket: Bucket{Rate: 1, Burst: 1}, Now: func() time.Time { return t0 }}.Wait(context.Background())
			if apperr.CodeOf(err) != tt.wantErr {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if s.calls != tt.wantCalls {
				t.Errorf("Update calls = %d, want %d", s.calls, tt.wantCalls)
			}
			if d := time.Since(start); d < tt.minSleep {
				t.Errorf("returned after %v, want at least %v", d, tt.minSleep)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := &scripted{answers: []answer{{owing(time.Hour), nil}}}
	if err := (Limiter{Store: s, Bucket: Bucket{Rate: 1, Burst: 1, MaxWait: 2 * time.Hour}, Now: func() time.Time { return t0 }}).Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled wait: %v, want context.Canceled", err)
	}
}

func TestBucketTake(t *testing.T) {
	t0 := time.Date(2026, 3, 14, 9, 26, 53, 589793238, time.UTC)
	b := Bucket{Rate: 5, Burst: 5, MaxWait: time.Second} // one token per 200ms
	tests := []struct {
		name      string
		b         Bucket
		old       State
		found     bool
		now       time.Time
		want      State
		wantWait  time.Duration
		wantErr   apperr.Code
		wantRetry time.Duration
	}{
		{"missing bucket is full", b, State{}, false, t0,
			State{Tokens: 4, RefilledAt: t0, FullAt: t0.Add(200 * time.Millisecond)}, 0, "", 0},
		{"refill is capped at burst", b, State{Tokens: 0, RefilledAt: t0}, true, t0.Add(time.Hour),
			State{Tokens: 4, RefilledAt: t0.Add(time.Hour), FullAt: t0.Add(time.Hour + 200*time.Millisecond)}, 0, "", 0},
		{"partial refill", b, State{Tokens: 0.5, RefilledAt: t0}, true, t0.Add(100 * time.Millisecond),
			State{Tokens: 0, RefilledAt: t0.Add(100 * time.Millisecond), FullAt: t0.Add(1100 * time.Millisecond)}, 0, "", 0},
		{"empty: reserved one period ahead", b, State{Tokens: 0, RefilledAt: t0}, true, t0,
			State{Tokens: -1, RefilledAt: t0, FullAt: t0.Add(1200 * time.Millisecond)}, 200 * time.Millisecond, "", 0},
		{"in debt: after the earlier reservations", b, State{Tokens: -2, RefilledAt: t0}, true, t0.Add(100 * time.Millisecond),
			State{Tokens: -2.5, RefilledAt: t0.Add(100 * time.Millisecond), FullAt: t0.Add(1600 * time.Millisecond)}, 500 * time.Millisecond, "", 0},
		{"clock behind the stored refill: no refill", b, State{Tokens: 2, RefilledAt: t0}, true, t0.Add(-time.Minute),
			State{Tokens: 1, RefilledAt: t0, FullAt: t0.Add(800 * time.Millisecond)}, 0, "", 0},
		{"booked past MaxWait: nothing reserved", b, State{Tokens: -5, RefilledAt: t0}, true, t0,
			State{}, 0, apperr.RateLimited, 200 * time.Millisecond},
		{"default MaxWait is 10s", Bucket{Rate: 1, Burst: 1}, State{Tokens: -10, RefilledAt: t0}, true, t0,
			State{}, 0, apperr.RateLimited, time.Second},
		{"zero rate", Bucket{Burst: 1}, State{}, false, t0, State{}, 0, apperr.Invalid, 0},
		{"zero burst", Bucket{Rate: 1}, State{}, false, t0, State{}, 0, apperr.Invalid, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, wait, err := tt.b.Take(tt.old, tt.found, tt.now)
			if apperr.CodeOf(err) != tt.wantErr {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if tt.wantErr == apperr.RateLimited {
				e := apperr.As(err)
				if e.RetryAfter <= 0 || (tt.wantRetry > 0 && e.RetryAfter != tt.wantRetry) {
					t.Fatalf("RetryAfter = %v, want > 0 (%v)", e.RetryAfter, tt.wantRetry)
				}
			}
			if d := wait - tt.wantWait; d < -time.Microsecond || d > time.Microsecond {
				t.Errorf("wait = %v, want %v", wait, tt.wantWait)
			}
			if diff := got.Tokens - tt.want.Tokens; diff < -1e-9 || diff > 1e-9 || !got.RefilledAt.Equal(tt.want.RefilledAt) ||
				got.FullAt.Sub(tt.want.FullAt).Abs() > time.Microsecond {
				t.Errorf("state = %+v, want %+v", got, tt.want)
			}
		})
	}
}
