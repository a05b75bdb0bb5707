package throttle

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
)

// scripted answers Take from a list.
type scripted struct {
	answers []answer
	calls   int
}

type answer struct {
	wait time.Duration
	err  error
}

func (s *scripted) Take(context.Context, string, Bucket, time.Time) (time.Duration, error) {
	a := s.answers[s.calls]
	s.calls++
	return a.wait, a.err
}

func rateLimited(after time.Duration) error {
	e := apperr.E(apperr.RateLimited, "booked")
	e.RetryAfter = after
	return e
}

func TestLimiterWait(t *testing.T) {
	tests := []struct {
		name      string
		answers   []answer
		wantCalls int
		wantErr   apperr.Code
		minSleep  time.Duration
	}{
		{"token now", []answer{{0, nil}}, 1, "", 0},
		{"reserved: sleeps once, no second Take", []answer{{30 * time.Millisecond, nil}}, 1, "", 30 * time.Millisecond},
		{"booked ahead: retries after RetryAfter", []answer{{0, rateLimited(20 * time.Millisecond)}, {10 * time.Millisecond, nil}}, 2, "", 30 * time.Millisecond},
		{"storage failure", []answer{{0, apperr.Wrap(apperr.Transient, errors.New("x"), "down")}}, 1, apperr.Transient, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &scripted{answers: tt.answers}
			start := time.Now()
			err := Limiter{Store: s, Key: "k", Bucket: Bucket{Rate: 1, Burst: 1}}.Wait(context.Background())
			if apperr.CodeOf(err) != tt.wantErr {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if s.calls != tt.wantCalls {
				t.Errorf("Take calls = %d, want %d", s.calls, tt.wantCalls)
			}
			if d := time.Since(start); d < tt.minSleep {
				t.Errorf("returned after %v, want at least %v", d, tt.minSleep)
			}
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := (Limiter{Store: &scripted{answers: []answer{{time.Hour, nil}}}}).Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled wait: %v, want context.Canceled", err)
	}
}
