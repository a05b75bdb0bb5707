package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/leverlink/leverlink/infra/bench/harness"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
	"github.com/leverlink/leverlink/shared/posting"
	"github.com/leverlink/leverlink/shared/sqspoll"
)

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
}

type refreshResult struct {
	Companies, Postings, Pollers, Batch int
	Setup                               time.Duration
	Passes                              []refreshPass
}

func runRefresh(ctx context.Context, companies, postings, pollers int, progress func(string, ...any)) (refreshResult, error) {
	res := refreshResult{Companies: companies, Postings: postings, Pollers: pollers, Batch: 5}
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
		stats := &harness.BatchStats{}
		handler := func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
			// lambdahandler.Refreshes.HandleBatch, keeping each company's result.
			var resp events.SQSEventResponse
			for _, r := range ev.Records {
				companyID, _ := posting.DecodeRefresh([]byte(r.Body))
				out, err := env.App.Refresher.Refresh(ctx, companyID)
				mu.Lock()
				if err != nil {
					p.Errors++
					if len(p.FirstErrors) < 5 {
						p.FirstErrors = append(p.FirstErrors, companyID+": "+err.Error())
					}
					resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.MessageId})
				} else if !seen[companyID] {
					// A skipped company (lease held: in_progress) counts as
					// done, as on the schedule; the report shows how many.
					seen[companyID] = true
					if out.Skipped != "" {
						p.Skipped[out.Skipped]++
					}
					p.Fetched += out.Fetched
					p.Written += out.Written + out.Deleted
				}
				mu.Unlock()
			}
			return resp, nil
		}
		ddb0, sqs0, lev0 := env.DDB.Snapshot(), env.SQS.Snapshot(), env.Lever.Snapshot()
		start := time.Now()
		n, err := env.App.Refresher.FanOut(ctx)
		if err != nil {
			return err
		}
		p.FanOut = time.Since(start)
		if n != companies {
			return fmt.Errorf("fan-out enqueued %d, want %d", n, companies)
		}
		ps := harness.StartPollers(ctx, pollers, func() *sqspoll.Poller {
			return &sqspoll.Poller{Queue: env.App.RefreshQueue, Handler: stats.Wrap(harness.WithTimeout(handler, 120*time.Second)), Batch: 5, Wait: time.Second, Visibility: 5 * time.Second}
		})
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
		for i := 0; i < 100; i++ {
			if d, err := env.QueueDepth(ctx, env.Queues["RefreshQueue"]); err == nil && d == 0 {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		ps.Stop()
		p.DDB, p.SQS = env.DDB.Snapshot().Sub(ddb0), env.SQS.Snapshot().Sub(sqs0)
		p.LeverCalls = env.Lever.Snapshot().Sub(lev0).Total
		p.Busy = stats.Busy()
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
