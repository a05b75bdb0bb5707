package main

import (
	"strings"
	"testing"
	"time"

	"github.com/leverlink/leverlink/infra/bench/harness"
)

func snap(ops map[string]int, wru, rru float64) harness.Snapshot {
	return harness.Snapshot{Ops: ops, WRU: wru, RRU: rru}
}

func TestReportRender(t *testing.T) {
	light := exportResult{Label: "light load", Companies: 1, PerCompany: 10, Pollers: 1, Rate: 9.5, Burst: 19,
		Elapsed: 5 * time.Second, PerCompanyRate: []float64{2}, LeverCalls: 30, Batches: 10, Busy: 2 * time.Second,
		Drain:    snap(map[string]int{"UpdateItem": 100, "GetItem": 50}, 100, 50),
		DrainSQS: harness.Snapshot{Ops: map[string]int{"SendMessage": 10, "ReceiveMessage": 40, "DeleteMessage": 10}, FullReceives: 10}}
	rec := light
	rec.Label, rec.PerCompanyRate, rec.Lever429, rec.Failed = "1 company, bucket 9.5/s burst 19", []float64{3.1}, 0, 0
	rec.Intake = snap(map[string]int{"PutItem": 10}, 10, 0)
	dflt := rec
	dflt.Label, dflt.Rate, dflt.Burst, dflt.PerCompanyRate = "default", 8, 16, []float64{2.6}
	rep := &report{
		flags:   flags{rate: 9.5, burst: 19, exports: 10, parallel: 1, resume: 24 << 10},
		started: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), finished: time.Date(2026, 1, 2, 3, 14, 5, 0, time.UTC),
		exports: []exportResult{light, dflt, rec},
		webhook: &webhookResult{Sequential: 10, P50: 4 * time.Millisecond, P99: 30 * time.Millisecond},
		idle:    &idleResult{FanOut: 5 * time.Millisecond, DDB: snap(map[string]int{"Query": 20}, 0, 20)},
		bootstraps: []bootstrapResult{{Fn: "api", SizeArm64: 12e6, InitMed: 20 * time.Millisecond},
			{Fn: "exporter", SizeArm64: 16e6, InitMed: 60 * time.Millisecond}},
	}
	out := rep.render()
	for _, want := range []string{
		"## Targets", "## Export throughput", "## Webhook intake", "## Bootstraps", "## Cost",
		"| Lever calls per export (resume + history) | ≤ 3 | 3.00 (light load, no 429) | PASS |",
		"| webhook intake p99, in-process | ≤ 25 ms | 30.00 ms | FAIL |",
		"| largest bootstrap (linux/arm64) | ≤ 15 MB | 16.00 MB | FAIL |",
		"93.0%", // 3.1 exports/s vs ceiling 10/3
		"us-east-1", "$0.0000133334 per GB-second", "2026-01-02 03:04 UTC",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(out)
	}
}

func TestIdleAndFreeTier(t *testing.T) {
	u := idleUsage(&idleResult{FanOut: 10 * time.Millisecond, DDB: snap(nil, 0, 20)}, 2)
	if u.LambdaRequests != 2880 || u.Alarms != 2 || u.RRU != 2880 {
		t.Fatalf("idle usage %+v", u)
	}
	f := afterFreeTier(u)
	if f.LambdaRequests != 0 || f.LambdaGBSeconds != 0 || f.Alarms != 0 {
		t.Fatalf("after free tier %+v", f)
	}
	// One queue is long-polled while idle (the export queue, FIFO): refresh
	// requests are asynchronous invocations.
	if u.SQSFIFO != idlePollsPerQueueMonth || u.SQSStd != 0 {
		t.Fatalf("idle SQS requests: FIFO %v standard %v, want %d and 0", u.SQSFIFO, u.SQSStd, idlePollsPerQueueMonth)
	}
	if f.SQSFIFO+f.SQSStd != 0 {
		t.Fatalf("SQS after free tier %v, want 0 (%d polls < the 1M free requests)", f.SQSFIFO+f.SQSStd, idlePollsPerQueueMonth)
	}
	if got := splitComma("a,,b,"); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Fatalf("splitComma: %q", got)
	}
}
