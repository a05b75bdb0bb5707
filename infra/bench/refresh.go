package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/leverlink/leverlink/infra/bench/harness"
	"github.com/leverlink/leverlink/shared/lambdahandler"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
	"github.com/leverlink/leverlink/shared/posting"
)

// lambdaFunc is a function at the Lambda JSON boundary (lambdainvoke.Handler).
type lambdaFunc func(context.Context, []byte) ([]byte, error)

func (f lambdaFunc) Invoke(ctx context.Context, p []byte) ([]byte, error) { return f(ctx, p) }

type refreshPass struct {
	Name        string
	FanOut      time.Duration
	Elapsed     time.Duration // fan-out + every company refreshed
	Companies   int
	LeverCalls  int
	Fetched     int
	Written     int
	Errors      int
	Skipped     map[string]int
	FirstErrors []string
	DDB         harness.Snapshot
	SQS         harness.Snapshot
	Busy        time.Duration
	Requests    int // refresh requests (asynchronous invocations), retries included
}

type refreshResult struct {
	Companies, Postings, Requests, Concurrency int
	Setup                                      time.Duration
	Passes                                     []refreshPass
}

// runRefresh measures the scheduled refresh: the fan-out's refresh requests
// run as the refresher runs them (lambdahandler.Refreshes.HandleRequest:
// RequestConcurrency companies at a time), in process through the
// harness's asynchronous invocations.
func runRefresh(ctx context.Context, companies, postings int, progress func(string, ...any)) (refreshResult, error) {
	res := refreshResult{Companies: companies, Postings: postings, Requests: len(posting.RequestChunks(make([]string, companies))), Concurrency: lambdahandler.RequestConcurrency}
	env, err := harness.New(ctx, harness.Options{
		Fake: leverfake.Options{Rate: 10, Burst: 20, Seed: 11}, Latency: 20 * time.Millisecond, Jitter: 60 * time.Millisecond,
		RateLimit: 10, Burst: 20, Count: true,
	})
	if err != nil {
		return res, err
	}
	defer env.Close()
	t0 := time.Now()
	comps := make([]harness.Company, companies)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	ids := make(chan int)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range ids {
				c, err := env.Connect(ctx, fmt.Sprintf("rc%05d", i), postings, false)
				if err != nil {
					select {
					case errs <- err:
					default:
					}
					continue
				}
				comps[i] = c
			}
		}()
	}
	for i := range companies {
		ids <- i
	}
	close(ids)
	wg.Wait()
	select {
	case err := <-errs:
		return res, err
	default:
	}
	res.Setup = time.Since(t0)
	progress("refresh: %d companies × %d postings connected in %s", companies, postings, res.Setup.Round(time.Millisecond))

	pass := func(name string) error {
		p := refreshPass{Name: name, Companies: companies, Skipped: map[string]int{}}
		var mu sync.Mutex
		seen := map[string]bool{}
		var busy atomic.Int64
		// lambdahandler.Refreshes.HandleRequest, keeping each company's result.
		refreshOne := func(ctx context.Context, companyID string, since time.Time) bool {
			out, err := env.App.Refresher.RefreshSince(ctx, companyID, since)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				p.Errors++
				if len(p.FirstErrors) < 5 {
					p.FirstErrors = append(p.FirstErrors, companyID+": "+err.Error())
				}
				return false
			}
			if !seen[companyID] {
				// A skipped company (lease held: in_progress) counts as
				// done, as on the schedule; the report shows how many.
				seen[companyID] = true
				if out.Skipped != "" {
					p.Skipped[out.Skipped]++
				}
				p.Fetched += out.Fetched
				p.Written += out.Written + out.Deleted
			}
			return true
		}
		env.Refresh.Function = lambdaFunc(func(ctx context.Context, payload []byte) ([]byte, error) {
			start := time.Now()
			defer func() { busy.Add(int64(time.Since(start))) }()
			req, err := posting.DecodeRefreshRequest(payload)
			if err != nil {
				return nil, err
			}
			var wg sync.WaitGroup
			var failed atomic.Int32
			slot := make(chan struct{}, lambdahandler.RequestConcurrency)
			for _, id := range req.CompanyIDs {
				wg.Add(1)
				slot <- struct{}{}
				go func() {
					defer func() { <-slot; wg.Done() }()
					if !refreshOne(ctx, id, req.RequestedAt) {
						failed.Add(1)
					}
				}()
			}
			wg.Wait()
			if n := failed.Load(); n > 0 {
				return nil, fmt.Errorf("%d companies failed", n)
			}
			return []byte(`null`), nil
		})
		ddb0, sqs0, lev0 := env.DDB.Snapshot(), env.SQS.Snapshot(), env.Lever.Snapshot()
		start := time.Now()
		n, err := env.App.Refresher.FanOut(ctx)
		if err != nil {
			return err
		}
		p.FanOut = time.Since(start)
		if n != companies {
			return fmt.Errorf("fan-out requested %d, want %d", n, companies)
		}
		deadline := time.Now().Add(30 * time.Minute)
		for time.Now().Before(deadline) {
			mu.Lock()
			k := len(seen)
			mu.Unlock()
			if k >= companies {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		p.Elapsed = time.Since(start)
		wctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
		st, err := env.Refresh.Wait(wctx)
		cancel()
		if err != nil {
			return fmt.Errorf("refresh pass %q: requests still running: %w", name, err)
		}
		p.Requests = st.Attempts
		p.DDB, p.SQS = env.DDB.Snapshot().Sub(ddb0), env.SQS.Snapshot().Sub(sqs0)
		p.LeverCalls = env.Lever.Snapshot().Sub(lev0).Total
		p.Busy = time.Duration(busy.Load())
		mu.Lock()
		if len(seen) < companies {
			mu.Unlock()
			return fmt.Errorf("refresh pass %q: only %d of %d companies refreshed", name, len(seen), companies)
		}
		mu.Unlock()
		res.Passes = append(res.Passes, p)
		for _, e := range p.FirstErrors {
			progress("refresh %s: retried after error: %s", name, e)
		}
		progress("refresh %s: skipped %v, %d errors (retried)", name, p.Skipped, p.Errors)
		progress("refresh %s: %s, %d Lever calls, %d postings written, %d DynamoDB write requests", name, p.Elapsed.Round(time.Millisecond), p.LeverCalls, p.Written, p.DDB.Writes())
		return nil
	}
	if err := pass("first (all new)"); err != nil {
		return res, err
	}
	if err := pass("unchanged"); err != nil {
		return res, err
	}
	changed := max(1, postings*5/100)
	for _, c := range comps {
		c.Account.AddPostings(changed, leverfake.Posting{Text: "New role", State: "published"})
	}
	if err := pass(fmt.Sprintf("%d new postings per company (~5%%)", changed)); err != nil {
		return res, err
	}
	return res, nil
}
