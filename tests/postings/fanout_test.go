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

// TestFanOutManyCompanies: the schedule's invocation enqueues exactly one
// refresh message per connected company, paging through the connections
// (ListActive pages 500: 1,200 connected companies take three pages), and
// none for revoked or disconnected ones.
func TestFanOutManyCompanies(t *testing.T) {
	t.Parallel()
	e, _ := newEnv(t)
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
	if got, ok := out.(map[string]int); !ok || got["enqueued"] != n {
		t.Fatalf("scheduled invocation answered %v, want enqueued %d", out, n)
	}
	t.Logf("fan-out of %d companies: %v (%.0f companies/s)", n, elapsed, float64(n)/elapsed.Seconds())

	seen := map[string]int{}
	for {
		msgs, err := e.App.RefreshQueue.Receive(ctx, 10, time.Second, 5*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if len(msgs) == 0 {
			break
		}
		for _, m := range msgs {
			var body struct {
				CompanyID string `json:"companyId"`
			}
			if err := json.Unmarshal(m.Body, &body); err != nil {
				t.Fatalf("message body %q: %v", m.Body, err)
			}
			seen[body.CompanyID]++
		}
	}
	if len(seen) != n {
		t.Errorf("distinct companies in the refresh queue: %d, want %d", len(seen), n)
	}
	for _, id := range connected {
		if seen[id] != 1 {
			t.Errorf("company %s: %d messages, want 1", id, seen[id])
		}
	}
	for id, c := range seen {
		if c != 1 || id[:2] != "co" {
			t.Errorf("unexpected refresh message for %s (%d)", id, c)
		}
	}
}

// BenchmarkFanOut10k measures one fan-out over 10,000 connected companies
// (the "must fit in one period": the schedule runs every 15 min and
// the refresher times out after 120 s). Run with
//
//	infra/emulators/with-emulators.sh go test -run '^$' -bench FanOut10k -benchtime 1x ./tests/postings/
func BenchmarkFanOut10k(b *testing.B) {
	e, _ := newEnv(b)
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
	depth, err := e.App.RefreshQueue.Depth(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if depth != n*b.N {
		b.Errorf("refresh queue depth %d, want %d", depth, n*b.N)
	}
}
