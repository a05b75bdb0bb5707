package lambdainvoke_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/lambdainvoke"
	"github.com/leverlink/leverlink/shared/posting"
)

// function is a Lambda function under test: what it received, and a gate
// its invocations wait on.
type function struct {
	mu       sync.Mutex
	payloads [][]byte
	gate     chan struct{} // closed: invocations return
	done     chan struct{} // one send per finished invocation
}

func newFunction() *function {
	return &function{gate: make(chan struct{}), done: make(chan struct{}, 100)}
}

// Invoke is the function's handler at the JSON boundary.
func (f *function) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	f.mu.Lock()
	f.payloads = append(f.payloads, append([]byte(nil), payload...))
	f.mu.Unlock()
	select {
	case <-f.gate:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	f.done <- struct{}{}
	return []byte(`null`), nil
}

func (f *function) received() [][]byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([][]byte(nil), f.payloads...)
}

// implementations builds each posting.AsyncInvoker over fn: the AWS Lambda
// adapter through the real SDK against a stub Lambda endpoint that queues
// each Event invocation and runs it (as Lambda's asynchronous queue does),
// and the in-process Local.
func implementations(t *testing.T) map[string]func(fn *function) posting.AsyncInvoker {
	return map[string]func(fn *function) posting.AsyncInvoker{
		"lambda": func(fn *function) posting.AsyncInvoker {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				if r.Header.Get("X-Amz-Invocation-Type") != "Event" {
					http.Error(w, `{"message":"not an Event invocation"}`, http.StatusBadRequest)
					return
				}
				go func() { _, _ = fn.Invoke(context.Background(), body) }()
				w.WriteHeader(http.StatusAccepted)
			}))
			t.Cleanup(srv.Close)
			client, err := lambdainvoke.NewClient(context.Background(), srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			return lambdainvoke.New(client, "leverlink-test-refresher")
		},
		"local": func(fn *function) posting.AsyncInvoker {
			l := &lambdainvoke.Local{Function: fn, FunctionName: "leverlink-test-refresher", Retries: 2}
			t.Cleanup(l.Close)
			return l
		},
	}
}

// TestAsyncInvokerContract runs the port's contract against every
// implementation: InvokeAsync returns once the invocation is queued, before
// it runs to its end, and the function receives the payload as sent,
// exactly once, also when the caller's context ends right after.
func TestAsyncInvokerContract(t *testing.T) {
	for name, build := range implementations(t) {
		t.Run(name, func(t *testing.T) {
			fn := newFunction()
			inv := build(fn)
			payloads := [][]byte{
				posting.EncodeRefreshRequest([]string{"acme"}, time.Now()),
				posting.EncodeRefreshRequest([]string{"co-1", "café", `quo"te`}, time.Now()),
			}
			for _, p := range payloads {
				ctx, cancel := context.WithCancel(context.Background())
				if err := inv.InvokeAsync(ctx, p); err != nil {
					t.Fatalf("InvokeAsync: %v", err)
				}
				cancel() // the caller's request ends; the invocation does not
			}
			close(fn.gate) // InvokeAsync returned while the invocations were blocked
			for range payloads {
				select {
				case <-fn.done:
				case <-time.After(10 * time.Second):
					t.Fatalf("received %d invocations, want %d", len(fn.received()), len(payloads))
				}
			}
			time.Sleep(50 * time.Millisecond) // nothing more arrives
			got := fn.received()
			if len(got) != len(payloads) {
				t.Fatalf("received %d invocations, want %d", len(got), len(payloads))
			}
			seen := map[string]int{}
			for _, p := range got {
				seen[string(p)]++
			}
			for _, p := range payloads {
				if seen[string(p)] != 1 {
					t.Errorf("payload %s received %d times, want once as sent", p, seen[string(p)])
				}
			}
		})
	}
}
