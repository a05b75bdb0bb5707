// Command bench measures leverlink in one process against DynamoDB Local,
// fauxqs and the fake Lever, and writes docs/benchmarks.md (issue #7):
// export throughput against Lever's ceiling, Lever / DynamoDB / SQS calls
// per export, webhook intake latency, postings refresh at scale, bootstrap
// sizes and init times, and the AWS cost they imply. Run it with
// `make bench` (which starts the emulators).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/leverlink/leverlink/infra/bench/harness"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
)

type flags struct {
	companies, postings, exports, parallel, pollers int
	hookEvents, hookWorkers, resume, initRuns       int
	rate                                            float64
	burst                                           int
	skip                                            string
	fairBusy, fairQuiet                             int
	fairEvery                                       time.Duration
	out                                             string
}

func main() {
	var f flags
	flag.IntVar(&f.companies, "companies", 1000, "refresh: connected companies")
	flag.IntVar(&f.postings, "postings", 100, "refresh: postings per company")
	flag.IntVar(&f.exports, "exports", 300, "export throughput: candidates per company")
	flag.IntVar(&f.parallel, "parallel", 5, "export throughput: companies in the parallel run")
	flag.IntVar(&f.pollers, "pollers", 4, "export throughput: concurrent exporter pollers per company")
	flag.IntVar(&f.hookEvents, "webhook-events", 2000, "webhook: events per phase")
	flag.IntVar(&f.hookWorkers, "webhook-workers", 8, "webhook: concurrent senders in the throughput phase")
	flag.IntVar(&f.resume, "resume-bytes", 24<<10, "resume size in every export")
	flag.IntVar(&f.initRuns, "init-runs", 5, "cold starts measured per function")
	flag.Float64Var(&f.rate, "rate", 9.5, "LEVER_RATE_LIMIT benchmarked (the default), beside 8 (the former default) and 10 (Lever's)")
	flag.IntVar(&f.burst, "burst", 19, "LEVER_BURST benchmarked (the default)")
	flag.StringVar(&f.skip, "skip", "", "comma-separated parts to skip: fair,export,webhook,refresh,bootstrap")
	flag.IntVar(&f.fairBusy, "fair-busy", 2000, "fairness: exports of the busy company on the shared pool")
	flag.IntVar(&f.fairQuiet, "fair-quiet", 10, "fairness: quiet companies")
	flag.DurationVar(&f.fairEvery, "fair-every", 5*time.Second, "fairness: each quiet company sends one export this often")
	flag.StringVar(&f.out, "out", "", "report path (default docs/benchmarks.md in the module)")
	flag.Parse()
	log.SetFlags(log.Ltime)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if f.out == "" {
		root, err := harness.ModuleRoot()
		if err != nil {
			log.Fatal(err)
		}
		f.out = filepath.Join(root, "docs", "benchmarks.md")
	}
	rep := &report{flags: f, started: time.Now()}
	skip := map[string]bool{}
	for _, s := range splitComma(f.skip) {
		skip[s] = true
	}
	progress := func(format string, args ...any) { log.Printf(format, args...) }

	// The phases share one DynamoDB Local (in memory, 512 MB heap) and one
	// fauxqs. The webhook's latency goes first, on emulators nothing has
	// loaded yet, and the fairness run's backlog last: after it, in a
	// trial, the webhook's p50 went from 8.7 ms to 84 ms and a refresh
	// pass from 5 s to 16 s.

	if !skip["webhook"] {
		progress("webhook: %d sequential + %d concurrent (%d workers) signed events…", f.hookEvents, f.hookEvents, f.hookWorkers)
		res, err := runWebhook(ctx, f.hookEvents, f.hookWorkers, f.resume)
		if err != nil {
			log.Fatalf("webhook: %v", err)
		}
		progress("webhook: p50 %s p99 %s, %.0f events/s with %d workers", harness.Ms(res.P50), harness.Ms(res.P99), res.EventsPerSec, f.hookWorkers)
		rep.webhook = &res
	}
	if !skip["export"] {
		runs := []exportRun{
			{label: "light load (one event every 400 ms, 1 poller)", companies: 1, perCompany: 40, pollers: 1, rate: f.rate, burst: f.burst, trickle: 400 * time.Millisecond, resume: f.resume},
			{label: "1 company, bucket 8/s burst 16 (the former default)", companies: 1, perCompany: f.exports, pollers: f.pollers, rate: 8, burst: 16, resume: f.resume},
			{label: "1 company, bucket 10/s burst 20 (= Lever's)", companies: 1, perCompany: f.exports, pollers: f.pollers, rate: 10, burst: 20, resume: f.resume},
			{label: fmt.Sprintf("1 company, bucket %g/s burst %d (the default)", f.rate, f.burst), companies: 1, perCompany: f.exports, pollers: f.pollers, rate: f.rate, burst: f.burst, resume: f.resume},
			{label: fmt.Sprintf("%d companies in parallel, bucket %g/s burst %d", f.parallel, f.rate, f.burst), companies: f.parallel, perCompany: f.exports, pollers: f.pollers * f.parallel / 2, rate: f.rate, burst: f.burst, resume: f.resume},
		}
		for _, r := range runs {
			progress("export: %s: %d × %d candidates, %d pollers…", r.label, r.companies, r.perCompany, r.pollers)
			res, err := runExport(ctx, r)
			if err != nil {
				log.Fatalf("export %s: %v", r.label, err)
			}
			progress("export: %s: %.2f exports/s/company (min), %.2f Lever calls/export, %d 429s, %d failed, %s",
				r.label, res.minRate(), res.callsPerExport(), res.Lever429, res.Failed, res.Elapsed.Round(time.Millisecond))
			rep.exports = append(rep.exports, res)
		}
	}
	if !skip["refresh"] {
		progress("refresh: %d companies × %d postings…", f.companies, f.postings)
		res, err := runRefresh(ctx, f.companies, f.postings, progress)
		if err != nil {
			log.Fatalf("refresh: %v", err)
		}
		rep.refresh = &res
		progress("idle: scheduled fan-out with no company connected…")
		idle, err := runIdle(ctx)
		if err != nil {
			log.Fatalf("idle: %v", err)
		}
		rep.idle = &idle
	}
	if !skip["fair"] {
		progress("fair: shared pool, busy company × %d, %d quiet companies every %s…", f.fairBusy, f.fairQuiet, f.fairEvery)
		res, err := runFair(ctx, f.fairBusy, f.fairQuiet, f.fairEvery, f.rate, f.burst, f.resume)
		if err != nil {
			log.Fatalf("fair: %v", err)
		}
		progress("fair: quiet p50 %s p99 %s (%d/%d), busy %.2f/s of %.2f/s ceiling, bucket wait %s of %s busy, %d handed back, max receive count %d, %d failed, %d not exported",
			harness.Ms(res.QuietP50), harness.Ms(res.QuietP99), res.QuietDone, res.QuietSent, res.BusyRate, res.BusyCeiling, res.BucketWait.Round(time.Millisecond), res.Busy.Round(time.Millisecond), res.HandedBack, res.MaxReceives, res.Failed, res.NotExported)
		rep.fair = &res
	}
	if !skip["bootstrap"] {
		progress("bootstrap: building 5 functions for linux/arm64 and the host, %d cold starts each…", f.initRuns)
		res, err := runBootstraps(f.initRuns)
		if err != nil {
			log.Fatalf("bootstrap: %v", err)
		}
		rep.bootstraps = res
	}
	rep.finished = time.Now()
	if err := os.MkdirAll(filepath.Dir(f.out), 0o755); err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(f.out, []byte(rep.render()), 0o644); err != nil {
		log.Fatal(err)
	}
	progress("wrote %s", f.out)
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			if i > start {
				out = append(out, s[start:i])
			}
			start = i + 1
		}
	}
	return out
}

type idleResult struct {
	FanOut time.Duration
	DDB    harness.Snapshot
	SQS    harness.Snapshot
}

// runIdle times one scheduled invocation of the refresher with no company
// connected (the only work leverlink does by itself while idle).
func runIdle(ctx context.Context) (idleResult, error) {
	var res idleResult
	env, err := harness.New(ctx, harness.Options{Fake: leverfake.Options{NoRateLimit: true}, Count: true})
	if err != nil {
		return res, err
	}
	defer env.Close()
	if _, err := env.App.Refresher.FanOut(ctx); err != nil { // warm
		return res, err
	}
	d0, s0 := env.DDB.Snapshot(), env.SQS.Snapshot()
	var ds []time.Duration
	for range 20 {
		t := time.Now()
		if _, err := env.App.Refresher.FanOut(ctx); err != nil {
			return res, err
		}
		ds = append(ds, time.Since(t))
	}
	res.FanOut = harness.Percentile(ds, 50)
	res.DDB, res.SQS = env.DDB.Snapshot().Sub(d0), env.SQS.Snapshot().Sub(s0)
	return res, nil
}
