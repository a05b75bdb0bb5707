package lambdainvoke_test

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/lambdainvoke"
)

// failing fails its first n invocations (n < 0: always), or panics.
type failing struct {
	n     int32
	calls atomic.Int32
	panic bool
}

func (f *failing) Invoke(context.Context, []byte) ([]byte, error) {
	c := f.calls.Add(1)
	if f.panic {
		panic("boom")
	}
	if f.n < 0 || c <= f.n {
		return nil, errors.New("refresh of 1 company failed")
	}
	return []byte(`null`), nil
}

// queue records what reaches the on-failure destination.
type queue struct {
	mu     sync.Mutex
	bodies [][]byte
}

func (q *queue) Enqueue(_ context.Context, group, dedup string, body []byte) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.bodies = append(q.bodies, body)
	return nil
}

func (q *queue) got() [][]byte {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.bodies
}

// waitIdle waits until nothing runs and no retry is pending, summing the
// attempts.
func waitIdle(t *testing.T, l *lambdainvoke.Local) lambdainvoke.Stats {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var sum lambdainvoke.Stats
	for {
		s, err := l.Wait(ctx)
		if err != nil {
			t.Fatalf("Wait: %v", err)
		}
		sum.Attempts, sum.Failed, sum.DeadLettered = sum.Attempts+s.Attempts, sum.Failed+s.Failed, s.DeadLettered
		if s.Pending == 0 {
			return sum
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestLocalRetries(t *testing.T) {
	tests := []struct {
		name         string
		fn           *failing
		retries      int
		maxAge       time.Duration
		wantAttempts int
		wantFailed   int
		wantDead     string // the record's condition; "" none
	}{
		{"succeeds", &failing{}, 2, 0, 1, 0, ""},
		{"succeeds on the last retry", &failing{n: 2}, 2, 0, 3, 2, ""},
		{"fails every retry", &failing{n: -1}, 2, 0, 3, 3, "RetriesExhausted"},
		{"no retries", &failing{n: -1}, 0, 0, 1, 1, "RetriesExhausted"},
		{"too old to retry", &failing{n: -1}, 2, time.Millisecond, 1, 1, "EventAgeExceeded"},
		{"panics", &failing{panic: true}, 1, 0, 2, 2, "RetriesExhausted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dlq := &queue{}
			l := &lambdainvoke.Local{Function: tt.fn, FunctionName: "refresher", Retries: tt.retries, MaxAge: tt.maxAge,
				RetryDelays: []time.Duration{5 * time.Millisecond}, OnFailure: dlq}
			defer l.Close()
			payload := `{"kind":"postings.refresh","companyIds":["acme"],"requestedAt":"2026-11-30T18:00:00Z"}`
			if err := l.InvokeAsync(context.Background(), []byte(payload)); err != nil {
				t.Fatal(err)
			}
			s := waitIdle(t, l)
			if s.Attempts != tt.wantAttempts || s.Failed != tt.wantFailed {
				t.Errorf("attempts %d failed %d, want %d %d", s.Attempts, s.Failed, tt.wantAttempts, tt.wantFailed)
			}
			got := dlq.got()
			if tt.wantDead == "" {
				if len(got) != 0 || s.DeadLettered != 0 {
					t.Errorf("dead-lettered %d (%d records), want none", s.DeadLettered, len(got))
				}
				return
			}
			if len(got) != 1 || s.DeadLettered != 1 {
				t.Fatalf("dead-lettered %d (%d records), want 1", s.DeadLettered, len(got))
			}
			var rec struct {
				RequestContext struct {
					Condition string `json:"condition"`
					Count     int    `json:"approximateInvokeCount"`
				} `json:"requestContext"`
				RequestPayload  json.RawMessage `json:"requestPayload"`
				ResponsePayload struct {
					ErrorMessage string `json:"errorMessage"`
				} `json:"responsePayload"`
			}
			if err := json.Unmarshal(got[0], &rec); err != nil {
				t.Fatal(err)
			}
			if rec.RequestContext.Condition != tt.wantDead || rec.RequestContext.Count != tt.wantAttempts || string(rec.RequestPayload) != payload || rec.ResponsePayload.ErrorMessage == "" {
				t.Errorf("record %s: want condition %s, %d attempts, the payload and the error", got[0], tt.wantDead, tt.wantAttempts)
			}
		})
	}
}

// TestLocalWaitLeavesPendingRetries: Wait returns once nothing runs, with
// a retry still waiting for Lambda's delay; Close drops it.
func TestLocalWaitLeavesPendingRetries(t *testing.T) {
	fn := &failing{n: -1}
	l := &lambdainvoke.Local{Function: fn, FunctionName: "refresher", Retries: 2} // Lambda's one minute
	if err := l.InvokeAsync(context.Background(), []byte(`{}`)); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	s, err := l.Wait(ctx)
	if err != nil || s.Attempts != 1 || s.Failed != 1 || s.Pending != 1 {
		t.Fatalf("Wait = %+v, %v; want 1 attempt, 1 failed, 1 pending", s, err)
	}
	if s, _ := l.Wait(ctx); s.Attempts != 0 || s.Pending != 1 {
		t.Errorf("second Wait = %+v; want no new attempt, the retry still pending", s)
	}
	l.Close()
	if err := l.InvokeAsync(context.Background(), []byte(`{}`)); err == nil {
		t.Error("InvokeAsync after Close: nil error")
	}
	if got := fn.calls.Load(); got != 1 {
		t.Errorf("function called %d times, want 1 (the retry dropped by Close)", got)
	}
}

// TestLocalTimeout: an invocation runs under the function's timeout.
func TestLocalTimeout(t *testing.T) {
	var deadline atomic.Bool
	fn := handlerFunc(func(ctx context.Context, _ []byte) ([]byte, error) {
		_, ok := ctx.Deadline()
		deadline.Store(ok)
		<-ctx.Done()
		return nil, ctx.Err()
	})
	l := &lambdainvoke.Local{Function: fn, FunctionName: "refresher", Timeout: 20 * time.Millisecond}
	defer l.Close()
	_ = l.InvokeAsync(context.Background(), []byte(`{}`))
	if s := waitIdle(t, l); s.Failed != 1 || !deadline.Load() {
		t.Errorf("stats %+v, deadline set %v; want the invocation timed out", s, deadline.Load())
	}
}

type handlerFunc func(context.Context, []byte) ([]byte, error)

func (f handlerFunc) Invoke(ctx context.Context, p []byte) ([]byte, error) { return f(ctx, p) }
