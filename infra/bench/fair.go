package main

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/leverlink/leverlink/infra/bench/harness"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
	"github.com/leverlink/leverlink/shared/stackdef"
	"github.com/leverlink/leverlink/shared/throttle"
)

// fairResult is the shared-pool run: one busy company draining a backlog
// while quiet companies send an export now and then, every company served
// by one pool of exporter batches sized like the template's mapping.
type fairResult struct {
	exportResult
	Quiet            int           // quiet companies
	QuietSent        int           // their exports
	QuietDone        int           // exported before the busy one finished + grace
	QuietP50         time.Duration // event accepted → opportunity and history in Lever
	QuietP99         time.Duration
	QuietMax         time.Duration
	QuietPer         []companyLatency
	BusyRate         float64 // busy company's exports/s
	BusyCeiling      float64 // 10 req/s ÷ Lever calls per export
	BucketWait       time.Duration
	Concurrency      int // concurrent batches (MaximumConcurrency)
	BatchSize        int
	HandedBack       int // messages handed back (ChangeMessageVisibility entries)
	Shards           int // FIFO groups per company (export.GroupShards)
	MaxReceives      int // highest ApproximateReceiveCount seen
	QuietEvery       time.Duration
	BusyElapsed      time.Duration
	BusyExports      int
	ReceivesPerMsg   float64
	DDBPerExport     float64
	WRUPerExport     float64
	HookDDBPerExport float64
	Stuck            int // markers left exporting at the end
}

// fairMaxReceives is the export queue's maxReceiveCount in the run.
var fairMaxReceives int

type companyLatency struct {
	ID       string
	N        int
	P50, P99 time.Duration
}

// runFair runs busy exports for company A on a shared pool while quiet
// companies each send one export every quietEvery (staggered).
func runFair(ctx context.Context, busy, quiet int, quietEvery time.Duration, rate float64, burst int, resumeBytes int) (fairResult, error) {
	var res fairResult
	res.Label = fmt.Sprintf("shared pool: 1 busy company × %d + %d quiet companies, one export each every %s", busy, quiet, quietEvery)
	res.Rate, res.Burst, res.Quiet, res.QuietEvery = rate, burst, quiet, quietEvery
	root, err := harness.ModuleRoot()
	if err != nil {
		return res, err
	}
	def, err := stackdef.Load(root+"/template.yaml", harness.Stage)
	if err != nil {
		return res, err
	}
	fairMaxReceives = def.MaxReceives("ExportQueue")
	m, _ := def.Mapping("ExportQueue")
	res.Concurrency, res.BatchSize = max(m.MaxConcurrency, 1), m.BatchSize
	res.Shards = export.GroupShards
	env, err := harness.New(ctx, harness.Options{
		Fake: leverfake.Options{Rate: 10, Burst: 20, Seed: 7}, Latency: 20 * time.Millisecond, Jitter: 60 * time.Millisecond,
		RateLimit: rate, Burst: burst, Count: true,
	})
	if err != nil {
		return res, err
	}
	defer env.Close()
	comps := make([]harness.Company, quiet+1)
	for i := range comps {
		if comps[i], err = env.Connect(ctx, fmt.Sprintf("co%02d", i), 1, true); err != nil {
			return res, err
		}
	}
	resume := harness.Resume(resumeBytes)
	send := func(c harness.Company, cand string) error {
		code, st, err := env.Send(harness.CandidateEvent(c.ID, cand, resume))
		if err != nil {
			return err
		}
		if code != 202 || st != "queued" {
			return fmt.Errorf("webhook answered %d %q for %s/%s", code, st, c.ID, cand)
		}
		return nil
	}
	ddb0, sqs0 := env.DDB.Snapshot(), env.SQS.Snapshot()
	for i := range busy {
		if err := send(comps[0], fmt.Sprintf("busy%05d", i)); err != nil {
			return res, err
		}
	}
	res.Intake, res.IntakeSQS = env.DDB.Snapshot().Sub(ddb0), env.SQS.Snapshot().Sub(sqs0)
	res.HookDDBPerExport = float64(res.Intake.Total()) / float64(busy)
	ddb0, sqs0 = env.DDB.Snapshot(), env.SQS.Snapshot()
	lever0 := env.Lever.Snapshot()
	wait0 := throttle.Waited()

	stats := &harness.BatchStats{}
	p := env.ExportPoller(0, 60*time.Second)
	var maxRecv atomic.Int64
	inner := p.Handler
	p.Handler = stats.Wrap(func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		for _, r := range ev.Records {
			n, _ := strconv.Atoi(r.Attributes["ApproximateReceiveCount"])
			for old := maxRecv.Load(); int64(n) > old && !maxRecv.CompareAndSwap(old, int64(n)); old = maxRecv.Load() {
			}
		}
		return inner(ctx, ev)
	})
	p.Batch, p.Concurrency = res.BatchSize, res.Concurrency
	pctx, stopPool := context.WithCancel(ctx)
	var poolWG sync.WaitGroup
	poolWG.Add(1)
	go func() { defer poolWG.Done(); p.Run(pctx) }()
	start := time.Now()

	// Quiet companies: one export every quietEvery each, staggered.
	var mu sync.Mutex
	sent := map[string]time.Time{} // email → accepted at
	owner := map[string]int{}
	var quietWG sync.WaitGroup
	qctx, stopQuiet := context.WithCancel(ctx)
	errs := make(chan error, quiet)
	for qi := 1; qi <= quiet; qi++ {
		quietWG.Add(1)
		go func(qi int) {
			defer quietWG.Done()
			offset := time.Duration(qi) * quietEvery / time.Duration(quiet)
			select {
			case <-qctx.Done():
				return
			case <-time.After(offset):
			}
			for n := 0; qctx.Err() == nil; n++ {
				cand := fmt.Sprintf("q%02d-%04d", qi, n)
				if err := send(comps[qi], cand); err != nil {
					errs <- err
					return
				}
				mu.Lock()
				sent[cand+"@"+comps[qi].ID+".mail.example"] = time.Now()
				owner[cand+"@"+comps[qi].ID+".mail.example"] = qi
				mu.Unlock()
				select {
				case <-qctx.Done():
				case <-time.After(quietEvery):
				}
			}
		}(qi)
	}
	lat := map[int][]time.Duration{}
	seen := map[string]bool{}
	var busyDone time.Duration
	expected := time.Duration(float64(busy) * 3 / rate * float64(time.Second))
	deadline := time.Now().Add(2*expected + 60*time.Second)
	var quietStopAt time.Time
	lastCount, lastProgress := 0, time.Duration(0)
	for time.Now().Before(deadline) {
		if busyDone == 0 {
			n := min(len(comps[0].Account.Opportunities()), countNotes(comps[0].Account))
			if n > lastCount {
				lastCount, lastProgress = n, time.Since(start)
			}
			// Done, or stalled for 30 s on a straggler (reported as
			// not exported; the rate is up to the last progress).
			if n >= busy || (n > 0 && time.Since(start)-lastProgress > 30*time.Second) {
				busyDone = lastProgress
				stopQuiet()
				quietStopAt = time.Now()
			}
		}
		for qi := 1; qi <= quiet; qi++ {
			a := comps[qi].Account
			for _, o := range a.Opportunities() {
				if len(o.Emails) == 0 || seen[o.Emails[0]] || len(a.Notes(o.ID)) == 0 {
					continue
				}
				mu.Lock()
				t0, ok := sent[o.Emails[0]]
				mu.Unlock()
				if ok {
					seen[o.Emails[0]] = true
					lat[qi] = append(lat[qi], time.Since(t0))
				}
			}
		}
		mu.Lock()
		allQuiet := len(seen) == len(sent)
		mu.Unlock()
		if busyDone > 0 && (allQuiet || time.Since(quietStopAt) > 30*time.Second) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	stopQuiet()
	quietWG.Wait()
	close(errs)
	if err := <-errs; err != nil {
		stopPool()
		return res, err
	}
	for i := 0; i < 100; i++ {
		if d, err := env.QueueDepth(ctx, env.Queues["ExportQueue"]); err == nil && d == 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	stopPool()
	poolWG.Wait()
	res.Elapsed = time.Since(start)
	if busyDone == 0 {
		busyDone = res.Elapsed
	}
	res.BusyElapsed = busyDone
	res.BusyExports = min(busy, len(comps[0].Account.Opportunities()), countNotes(comps[0].Account))
	res.NotExported = busy - res.BusyExports
	for _, c := range comps {
		for _, st := range []export.State{export.Failed, export.Exporting} {
			ms, _, err := env.App.Exports.List(ctx, c.ID, st, "", 1000)
			if err != nil {
				return res, err
			}
			if st == export.Failed {
				res.Failed += len(ms)
			} else {
				res.Stuck += len(ms)
			}
		}
	}
	res.Drain, res.DrainSQS = env.DDB.Snapshot().Sub(ddb0), env.SQS.Snapshot().Sub(sqs0)
	res.BucketWait = throttle.Waited() - wait0
	res.Busy, res.Batches, res.Retried = stats.Busy(), stats.Batches.Load(), stats.Failed.Load()
	res.LeverCalls = env.Lever.Snapshot().Sub(lever0).Total
	res.Lever429 = env.Fake.Counters()["429"]
	res.QuietSent = len(sent)
	res.Companies, res.PerCompany, res.Pollers = 1, busy+len(sent), res.Concurrency
	var all []time.Duration
	for qi := 1; qi <= quiet; qi++ {
		ds := lat[qi]
		all = append(all, ds...)
		res.QuietPer = append(res.QuietPer, companyLatency{ID: comps[qi].ID, N: len(ds), P50: harness.Percentile(ds, 50), P99: harness.Percentile(ds, 99)})
	}
	res.QuietDone = len(all)
	res.QuietP50, res.QuietP99, res.QuietMax = harness.Percentile(all, 50), harness.Percentile(all, 99), harness.Percentile(all, 100)
	n := float64(res.exports())
	res.BusyRate = float64(res.BusyExports) / busyDone.Seconds()
	res.BusyCeiling = 10 / (float64(res.LeverCalls) / n)
	res.HandedBack = res.DrainSQS.HandedBack
	res.MaxReceives = int(maxRecv.Load())
	res.ReceivesPerMsg = float64(res.DrainSQS.FullReceives*res.BatchSize) / n // upper bound: full receives × batch
	res.DDBPerExport = float64(res.Drain.Total())/n + res.HookDDBPerExport
	res.WRUPerExport = (res.Drain.WRU + res.Intake.WRU) / n
	return res, nil
}

// fairTable renders the per-company latencies.
func fairTable(r *fairResult) string {
	rows := [][]string{{"busy (co00)", fmt.Sprint(r.BusyExports), "—", "—", fmt.Sprintf("drained at %.2f/s (ceiling %.2f/s: %.1f%%)", r.BusyRate, r.BusyCeiling, r.BusyRate/r.BusyCeiling*100)}}
	for _, c := range r.QuietPer {
		rows = append(rows, []string{"quiet " + c.ID, fmt.Sprint(c.N), harness.Ms(c.P50), harness.Ms(c.P99), ""})
	}
	return harness.Table([]string{"company", "exports", "p50 latency", "p99 latency", "note"}, rows)
}
