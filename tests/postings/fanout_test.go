package postings

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/app/apptest"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/posting"
)

// seedConnections writes n connections with the given status straight to
// the connections table (no OAuth: fan-out reads only ids and status),
// with 32 writers. Ids are prefix-00000 ... prefix-(n-1).
func seedConnections(t testing.TB, e *apptest.Env, prefix string, n int, status connection.Status) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("%s-%05d", prefix, i)
	}
	work := make(chan string)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				_, err := e.App.Connections.Update(context.Background(), id, func(c *connection.Connection) error {
					c.Status, c.Environment, c.ConnectedAt = status, connection.Production, time.Now()
					return nil
				})
				if err != nil {
					errs <- fmt.Errorf("seed %s: %w", id, err)
				}
			}
		}()
	}
	for _, id := range ids {
		work <- id
	}
	close(work)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	return ids
}

// requests records the refresh requests the refresher receives, decoded
// as it decodes them (lambdainvoke.Handler).
type requests struct {
	mu   sync.Mutex
	reqs []posting.RefreshRequest
	err  error
}

func (r *requests) Invoke(_ context.Context, payload []byte) ([]byte, error) {
	req, err := posting.DecodeRefreshRequest(payload)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil && r.err == nil {
		r.err = err
	}
	r.reqs = append(r.reqs, req)
	return []byte(`null`), nil
}

// TestFanOutManyCompanies: the schedule's invocation asks exactly once for
// every connected company's refresh, paging through the connections
// (ListActive pages 500: 1,200 connected companies take three pages), in
// at most posting.MaxFanOutInvocations refresh requests (asynchronous
// invocations of the refresher), and never for revoked or disconnected
// ones.
func TestFanOutManyCompanies(t *testing.T) {
	t.Parallel()
	e, _ := newEnv(t)
	rec := &requests{}
	e.Refresh.Function = rec // before any request: what the refresher receives
	const n = 1200
	start := time.Now()
	connected := seedConnections(t, e, "co", n, connection.Connected)
	seedConnections(t, e, "revoked", 40, connection.Revoked)
	seedConnections(t, e, "gone", 40, connection.NotConnected)
	t.Logf("seeded %d connections in %v", n+80, time.Since(start))

	ctx := ctxT(t)
	start = time.Now()
	out, err := e.App.RefreshJobs.Handle(ctx, json.RawMessage(`{}`)) // the EventBridge schedule
	if err != nil {
		t.Fatalf("scheduled invocation: %v", err)
	}
	elapsed := time.Since(start)
	if got, ok := out.(map[string]int); !ok || got["requested"] != n {
		t.Fatalf("scheduled invocation answered %v, want requested %d", out, n)
	}
	t.Logf("fan-out of %d companies: %v (%.0f companies/s)", n, elapsed, float64(n)/elapsed.Seconds())
	if st, err := e.Refresh.Wait(ctx); err != nil || st.Attempts != posting.MaxFanOutInvocations || st.Failed != 0 {
		t.Fatalf("refresh requests: %+v, %v; want %d, none failed", st, err, posting.MaxFanOutInvocations)
	}
	if rec.err != nil {
		t.Fatalf("a refresh request does not decode: %v", rec.err)
	}
	seen := map[string]int{}
	for _, r := range rec.reqs {
		for _, id := range r.CompanyIDs {
			seen[id]++
		}
	}
	if len(seen) != n {
		t.Errorf("distinct companies requested: %d, want %d", len(seen), n)
	}
	for _, id := range connected {
		if seen[id] != 1 {
			t.Errorf("company %s: requested %d times, want 1", id, seen[id])
		}
	}
	for id, c := range seen {
		if c != 1 || id[:2] != "co" {
			t.Errorf("unexpected refresh request for %s (%d)", id, c)
		}
	}
}

// BenchmarkFanOut10k measures one fan-out over 10,000 connected companies
// (the "must fit in one period": the schedule runs every 15 min).
// Run with
//
//	infra/emulators/with-emulators.sh go test -run '^$' -bench FanOut10k -benchtime 1x ./tests/postings/
func BenchmarkFanOut10k(b *testing.B) {
	e, _ := newEnv(b)
	rec := &requests{}
	e.Refresh.Function = rec
	const n = 10000
	start := time.Now()
	seedConnections(b, e, "co", n, connection.Connected)
	b.Logf("seeded %d connections in %v", n, time.Since(start))
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		got, err := e.App.Refresher.FanOut(ctx)
		if err != nil || got != n {
			b.Fatalf("fan-out: %d, %v; want %d", got, err, n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/fanout")
	if _, err := e.Refresh.Wait(ctx); err != nil {
		b.Fatal(err)
	}
	total := 0
	for _, r := range rec.reqs {
		total += len(r.CompanyIDs)
	}
	if total != n*b.N {
		b.Errorf("companies requested %d, want %d", total, n*b.N)
	}
}
