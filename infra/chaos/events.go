package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	mrand "math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/leverlink/leverlink/infra/bench/harness"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/lever"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
	"github.com/leverlink/leverlink/shared/outbox"
)

// eventsRun is the outbound-events side of a chaos run: the dispatcher
// reads the tables' streams throughout on a clock that runs ahead (so
// backoffs pass), Lever's webhooks are registered for every company and a
// share of them dropped.
type eventsRun struct {
	env    *harness.Env
	comps  []harness.Company
	c      config
	skew   atomic.Int64
	cancel context.CancelFunc
	wait   func()
}

func startEvents(ctx context.Context, env *harness.Env, comps []harness.Company, c config) (*eventsRun, error) {
	r := &eventsRun{env: env, comps: comps, c: c}
	now := func() time.Time { return time.Now().Add(time.Duration(r.skew.Load())) }
	env.App.Dispatcher.Now = now
	// Every Sync polls (a scheduled refresh a period later does).
	env.App.Syncer.PollEvery = time.Nanosecond
	for _, co := range comps {
		res, err := env.App.Syncer.Sync(ctx, co.ID)
		if err != nil {
			return nil, fmt.Errorf("sync %s: %w", co.ID, err)
		}
		if res.Registered != 4 {
			return nil, fmt.Errorf("sync %s registered %d Lever webhooks, want 4", co.ID, res.Registered)
		}
		co.Account.SetWebhookFaults(leverfake.WebhookFaults{DropRate: c.hookDrop})
	}
	dctx, cancel := context.WithCancel(ctx)
	wait, err := env.StartDispatcher(dctx)
	if err != nil {
		cancel()
		return nil, err
	}
	r.cancel, r.wait = cancel, wait
	return r, nil
}

func (r *eventsRun) stop() {
	r.cancel()
	r.wait()
}

// eventsResult is what the feed and the vendor show.
type eventsResult struct {
	exported, moved                int
	succeededOnce, succeededLost   int
	succeededDup, movedOnce        int
	movedLost, movedDup, extra     int
	feedEvents, undelivered        int
	vendorRequests, vendorFailures int
	badSignatures, hookDeliveries  int
	settle                         time.Duration
}

// finish moves a share of the exported candidates to another stage in
// Lever (their webhooks dropped at the configured rate), runs one refresh
// period's poll for every company, delivers until nothing is pending, and
// counts.
func (r *eventsRun) finish(ctx context.Context, cands []candidate) eventsResult {
	var res eventsResult
	env := r.env
	accounts := map[string]*leverfake.Account{}
	for _, co := range r.comps {
		accounts[co.ID] = co.Account
	}
	rng := mrand.New(mrand.NewPCG(r.c.seed, 5))
	opps := map[string]string{} // company/candidate → opportunity
	moved := map[string]bool{}
	for _, cd := range cands {
		m, err := env.App.Exports.Get(ctx, export.Key{CompanyID: cd.company, CandidateID: cd.id})
		if err != nil || m.State != export.Exported || m.OpportunityID == "" {
			continue
		}
		key := cd.company + "/" + cd.id
		opps[key] = m.OpportunityID
		if rng.Float64() < r.c.moveShare {
			if accounts[cd.company].ChangeStage(m.OpportunityID, lever.StageOffer) {
				moved[key] = true
			}
		}
	}
	res.exported, res.moved = len(opps), len(moved)
	log.Printf("chaos: %d exported candidates, %d moved to another stage in Lever; waiting for webhooks, then one poll", res.exported, res.moved)
	start := time.Now()
	time.Sleep(3 * time.Second) // the deliveries Lever makes
	for _, co := range r.comps {
		if _, err := env.App.Syncer.Sync(ctx, co.ID); err != nil {
			log.Printf("chaos: poll %s: %v (retried)", co.ID, err)
			if _, err := env.App.Syncer.Sync(ctx, co.ID); err != nil {
				log.Printf("chaos: poll %s: %v", co.ID, err)
			}
		}
	}
	// Deliver until nothing is pending and every expected event is in.
	deadline := time.Now().Add(3 * time.Minute)
	var counts map[string]map[outbox.Type]int
	var feed []outbox.Entry
	for {
		r.skew.Add(int64(time.Hour)) // backoffs pass
		if err := env.Sweep(ctx); err != nil {
			log.Printf("chaos: sweep: %v", err)
		}
		counts, feed = r.readFeeds(ctx)
		pending, _ := env.App.Outbox.PendingCompanies(ctx, 1)
		complete := len(pending) == 0
		for key := range opps {
			if counts[key][outbox.ExportSucceeded] == 0 || moved[key] && counts[key][outbox.CandidateStageChanged] == 0 {
				complete = false
				break
			}
		}
		if complete || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	res.settle = time.Since(start)
	for key := range opps {
		switch n := counts[key][outbox.ExportSucceeded]; {
		case n == 1:
			res.succeededOnce++
		case n == 0:
			res.succeededLost++
			if r.c.verbose {
				log.Printf("no export.succeeded: %s", key)
			}
		default:
			res.succeededDup++
		}
		n := counts[key][outbox.CandidateStageChanged]
		switch {
		case moved[key] && n == 1:
			res.movedOnce++
		case moved[key] && n == 0:
			res.movedLost++
			if r.c.verbose {
				log.Printf("move not announced: %s opportunity %s", key, opps[key])
			}
		case moved[key]:
			res.movedDup++
		case n > 0:
			res.extra += n
		}
	}
	vs := env.Vendor.Stats()
	res.feedEvents = len(feed)
	for _, e := range feed {
		if vs.Acked[e.ID] == 0 {
			res.undelivered++
		}
	}
	res.vendorRequests, res.vendorFailures, res.badSignatures = vs.Requests, vs.Failed, vs.Bad
	for _, a := range accounts {
		res.hookDeliveries += int(a.WebhookDeliveries())
	}
	return res
}

// readFeeds reads every company's whole feed: per company/candidate the
// count of each event type, and the entries.
func (r *eventsRun) readFeeds(ctx context.Context) (map[string]map[outbox.Type]int, []outbox.Entry) {
	counts := map[string]map[outbox.Type]int{}
	var all []outbox.Entry
	for _, co := range r.comps {
		var after int64
		for {
			es, err := r.env.App.Outbox.List(ctx, co.ID, after, 500)
			if err != nil {
				log.Printf("chaos: feed of %s: %v", co.ID, err)
				break
			}
			if len(es) == 0 {
				break
			}
			for _, e := range es {
				var d struct {
					CandidateID string `json:"candidateId"`
				}
				_ = json.Unmarshal(e.Data, &d)
				key := co.ID + "/" + d.CandidateID
				if counts[key] == nil {
					counts[key] = map[outbox.Type]int{}
				}
				counts[key][e.Type]++
			}
			all = append(all, es...)
			after = es[len(es)-1].Sequence
		}
	}
	return counts, all
}

func (e *eventsResult) ok() bool {
	return e.succeededLost == 0 && e.succeededDup == 0 && e.movedLost == 0 && e.movedDup == 0 && e.extra == 0 &&
		e.undelivered == 0 && e.badSignatures == 0
}

func (e *eventsResult) rows() [][]string {
	return [][]string{
		{"exported candidates / moved in Lever", fmt.Sprintf("%d / %d", e.exported, e.moved)},
		{"**export.succeeded exactly once / missing / more than once**", fmt.Sprintf("%d / %d / %d", e.succeededOnce, e.succeededLost, e.succeededDup)},
		{"**candidate.stage_changed exactly once / missing / more than once**", fmt.Sprintf("%d / %d / %d", e.movedOnce, e.movedLost, e.movedDup)},
		{"stage changes announced for candidates not moved", fmt.Sprint(e.extra)},
		{"feed events / **not acknowledged by the vendor**", fmt.Sprintf("%d / %d", e.feedEvents, e.undelivered)},
		{"vendor requests / answered 503 / bad signatures", fmt.Sprintf("%d / %d / %d", e.vendorRequests, e.vendorFailures, e.badSignatures)},
		{"Lever webhook deliveries received (after drops)", fmt.Sprint(e.hookDeliveries)},
		{"time to settle (webhooks, one poll, deliveries)", e.settle.Round(time.Millisecond).String()},
	}
}

func (e *eventsResult) summary() string {
	if e == nil {
		return ""
	}
	return fmt.Sprintf(", events missing %d, duplicated %d, undelivered %d", e.succeededLost+e.movedLost, e.succeededDup+e.movedDup+e.extra, e.undelivered)
}
