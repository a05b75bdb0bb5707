package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/leverlink/leverlink/infra/bench/harness"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
)

type webhookResult struct {
	Sequential          int
	P50, P90, P99, Max  time.Duration
	Concurrent, Workers int
	CP50, CP99          time.Duration
	EventsPerSec        float64
	SeqEventsPerSec     float64
	BodyBytes           int
	Rejected            int
	DupP50, DupP99      time.Duration // replays (dropped by event id)
	Replays             int           // replays sent
}

func runWebhook(ctx context.Context, n, workers, resumeBytes int) (webhookResult, error) {
	res := webhookResult{Sequential: n, Concurrent: n, Workers: workers}
	env, err := harness.New(ctx, harness.Options{Fake: leverfake.Options{NoRateLimit: true}})
	if err != nil {
		return res, err
	}
	defer env.Close()
	if _, err := env.Connect(ctx, "hook", 1, true); err != nil {
		return res, err
	}
	resume := harness.Resume(resumeBytes)
	if b, err := json.Marshal(harness.CandidateEvent("hook", "size", resume)); err == nil {
		res.BodyBytes = len(b)
	}
	send := func(id string) (time.Duration, error) {
		ev := harness.CandidateEvent("hook", id, resume)
		t0 := time.Now()
		code, st, err := env.Send(ev)
		d := time.Since(t0)
		if err != nil {
			return d, err
		}
		if code != 202 || st != "queued" {
			return d, fmt.Errorf("webhook answered %d %q", code, st)
		}
		return d, nil
	}
	for i := range 50 { // warm-up: connections, caches
		if _, err := send(fmt.Sprintf("warm%04d", i)); err != nil {
			return res, err
		}
	}
	lat := make([]time.Duration, 0, n)
	t0 := time.Now()
	for i := range n {
		d, err := send(fmt.Sprintf("seq%06d", i))
		if err != nil {
			return res, err
		}
		lat = append(lat, d)
	}
	res.SeqEventsPerSec = float64(n) / time.Since(t0).Seconds()
	res.P50, res.P90, res.P99, res.Max = harness.Percentile(lat, 50), harness.Percentile(lat, 90), harness.Percentile(lat, 99), harness.Percentile(lat, 100)

	// Replays of events already queued: answered from the event id their
	// queued write recorded on the candidate's marker.
	res.Replays = min(200, n) // replays of the sequential phase's events only
	dups := make([]time.Duration, 0, res.Replays)
	for i := range res.Replays {
		ev := harness.CandidateEvent("hook", fmt.Sprintf("seq%06d", i), resume)
		t := time.Now()
		code, st, err := env.Send(ev)
		if err != nil {
			return res, fmt.Errorf("replay: %w", err)
		}
		if code != 200 || st != "duplicate" {
			return res, fmt.Errorf("replay answered %d %q, want 200 %q", code, st, "duplicate")
		}
		dups = append(dups, time.Since(t))
	}
	res.DupP50, res.DupP99 = harness.Percentile(dups, 50), harness.Percentile(dups, 99)

	var mu sync.Mutex
	clat := make([]time.Duration, 0, n)
	var wg sync.WaitGroup
	next := make(chan int)
	var firstErr error
	t0 = time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				d, err := send(fmt.Sprintf("par%06d", i))
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				clat = append(clat, d)
				mu.Unlock()
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return res, firstErr
	}
	res.EventsPerSec = float64(n) / time.Since(t0).Seconds()
	res.CP50, res.CP99 = harness.Percentile(clat, 50), harness.Percentile(clat, 99)
	return res, nil
}
