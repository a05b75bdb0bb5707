package main

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/leverlink/leverlink/infra/bench/harness"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
	"github.com/leverlink/leverlink/shared/sqspoll"
)

// exportResult is one export throughput run.
type exportResult struct {
	Label          string
	Companies      int
	PerCompany     int
	Pollers        int
	Rate           float64
	Burst          int
	Elapsed        time.Duration
	PerCompanyRate []float64 // exports/s of each company
	LeverCalls     int       // during the drain
	Lever429       int       // answered 429 by the fake
	Failed         int       // markers failed
	NotExported    int
	Retried        int64 // batch items failed (retried)
	Intake         harness.Snapshot
	IntakeSQS      harness.Snapshot
	Drain          harness.Snapshot
	DrainSQS       harness.Snapshot
	Busy           time.Duration // exporter handler time
	IntakeTime     time.Duration
	Batches        int64
}

func (r exportResult) exports() int { return r.Companies * r.PerCompany }

func (r exportResult) callsPerExport() float64 { return float64(r.LeverCalls) / float64(r.exports()) }

func (r exportResult) ceiling() float64 { return 10 / r.callsPerExport() }

func (r exportResult) minRate() float64 {
	m := 0.0
	for i, v := range r.PerCompanyRate {
		if i == 0 || v < m {
			m = v
		}
	}
	return m
}

type exportRun struct {
	label      string
	companies  int
	perCompany int
	pollers    int
	rate       float64
	burst      int
	trickle    time.Duration // >0: send one event every trickle while one poller runs
	resume     int
}

func runExport(ctx context.Context, r exportRun) (exportResult, error) {
	res := exportResult{Label: r.label, Companies: r.companies, PerCompany: r.perCompany, Pollers: r.pollers, Rate: r.rate, Burst: r.burst}
	env, err := harness.New(ctx, harness.Options{
		Fake: leverfake.Options{Rate: 10, Burst: 20, Seed: 7}, Latency: 20 * time.Millisecond, Jitter: 60 * time.Millisecond,
		RateLimit: r.rate, Burst: r.burst, Count: true,
	})
	if err != nil {
		return res, err
	}
	defer env.Close()
	comps := make([]harness.Company, r.companies)
	for i := range comps {
		if comps[i], err = env.Connect(ctx, fmt.Sprintf("co%02d", i), 1, true); err != nil {
			return res, err
		}
	}
	resume := harness.Resume(r.resume)
	send := func(c harness.Company, i int) error {
		code, st, err := env.Send(harness.CandidateEvent(c.ID, fmt.Sprintf("cand%05d", i), resume))
		if err != nil {
			return err
		}
		if code != 202 || st != "queued" {
			return fmt.Errorf("webhook answered %d %q for %s/%d", code, st, c.ID, i)
		}
		return nil
	}
	stats := &harness.BatchStats{}
	mk := func() *sqspoll.Poller {
		p := env.ExportPoller(0, 60*time.Second)
		p.Handler = stats.Wrap(p.Handler)
		return p
	}

	ddb0, sqs0 := env.DDB.Snapshot(), env.SQS.Snapshot()
	var lever0 harness.LeverSnapshot
	var start time.Time
	var pollers *harness.Pollers
	if r.trickle > 0 {
		// Below the ceiling: one event at a time, one poller; what an
		// export costs when nothing waits on the company's bucket.
		lever0 = env.Lever.Snapshot()
		start = time.Now()
		pollers = harness.StartPollers(ctx, r.pollers, mk)
		for i := range r.perCompany {
			t0 := time.Now()
			if err := send(comps[i%len(comps)], i); err != nil {
				pollers.Stop()
				return res, err
			}
			res.IntakeTime += time.Since(t0)
			time.Sleep(r.trickle)
		}
		res.Intake = harness.Snapshot{}
	} else {
		t0 := time.Now()
		var wg sync.WaitGroup
		errs := make(chan error, len(comps))
		for _, c := range comps {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range r.perCompany {
					if err := send(c, i); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			return res, err
		}
		res.IntakeTime = time.Since(t0)
		res.Intake, res.IntakeSQS = env.DDB.Snapshot().Sub(ddb0), env.SQS.Snapshot().Sub(sqs0)
		ddb0, sqs0 = env.DDB.Snapshot(), env.SQS.Snapshot()
		env.Fake.ResetCounters()
		lever0 = env.Lever.Snapshot()
		start = time.Now()
		pollers = harness.StartPollers(ctx, r.pollers, mk)
	}

	want := r.perCompany
	if r.trickle > 0 {
		want = r.perCompany / len(comps)
	}
	done := make([]time.Duration, len(comps))
	// Twice the time the ceiling allows, plus 30 s: a job that failed waits
	// the queue's visibility timeout (6 minutes) before its retry, and the
	// run reports it as not exported instead of waiting for it.
	expected := time.Duration(float64(r.perCompany) * 3 / r.rate * float64(time.Second))
	deadline := time.Now().Add(2*expected + 30*time.Second)
	for time.Now().Before(deadline) {
		all := true
		for i, c := range comps {
			if done[i] > 0 {
				continue
			}
			if len(c.Account.Opportunities()) >= want && countNotes(c.Account) >= want {
				done[i] = time.Since(start)
			} else {
				all = false
			}
		}
		if all {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	res.Elapsed = time.Since(start)
	// let the last deletes land
	for i := 0; i < 100; i++ {
		if d, err := env.QueueDepth(ctx, env.Queues["ExportQueue"]); err == nil && d == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	pollers.Stop()
	res.Drain, res.DrainSQS = env.DDB.Snapshot().Sub(ddb0), env.SQS.Snapshot().Sub(sqs0)
	if r.trickle > 0 {
		res.Intake, res.IntakeSQS = harness.Snapshot{Ops: map[string]int{}}, harness.Snapshot{Ops: map[string]int{}}
	}
	ls := env.Lever.Snapshot().Sub(lever0)
	res.LeverCalls = ls.Total
	res.Lever429 = env.Fake.Counters()["429"]
	res.Busy, res.Batches, res.Retried = stats.Busy(), stats.Batches.Load(), stats.Failed.Load()
	for i, c := range comps {
		d, got := done[i], want
		if d == 0 {
			d, got = res.Elapsed, min(want, len(c.Account.Opportunities()))
		}
		res.PerCompanyRate = append(res.PerCompanyRate, float64(got)/d.Seconds())
		failed, _, err := env.App.Exports.List(ctx, c.ID, export.Failed, "", 1000)
		if err != nil {
			return res, err
		}
		res.Failed += len(failed)
		if n := len(c.Account.Opportunities()); n < want {
			res.NotExported += want - n
		}
	}
	if r.trickle > 0 {
		res.Companies, res.PerCompany = len(comps), want
	}
	return res, nil
}

func countNotes(a *leverfake.Account) int {
	n := 0
	for _, o := range a.Opportunities() {
		n += len(a.Notes(o.ID))
	}
	return n
}
