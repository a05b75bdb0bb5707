package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	mrand "math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/leverlink/leverlink/infra/bench/harness"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
	"github.com/leverlink/leverlink/shared/leversync"
	"github.com/leverlink/leverlink/shared/outbox"
)

// The outbound events part of a chaos run (tool issue 11, "#9"): the
// vendor's endpoint fails a share of deliveries, the fake Lever drops a
// share of its webhooks, and afterwards every export must have exactly one
// export.succeeded id in the feed that the vendor received, every Lever
// change made by a recruiter must be in the feed once, and each
// candidate's events must be in order in the feed and at the vendor.

// Where the recruiter moves and archives exported opportunities.
const (
	actionStage    = "phone-interview"
	reasonHired    = "16308515-dc77-4aa7-b3af-96161b2b4e9b" // DefaultArchiveReasons "Hired"
	reasonNotHired = "63dd55b2-a99f-4e7b-985f-22c7bf80ab42" // "Underqualified"
)

// enableSyncBack grants the companies webhooks:write:admin (which the
// OAuth flow asks for and harness.Connect's grant lacks) and runs one
// refresh period, which registers their Lever webhooks.
func enableSyncBack(ctx context.Context, env *harness.Env, comps []harness.Company, c config) error {
	for _, co := range comps {
		if _, err := env.App.Connections.Update(ctx, co.ID, func(cn *connection.Connection) error {
			if !cn.HasScope(leversync.ScopeWebhooks) {
				cn.Scopes += " " + leversync.ScopeWebhooks
			}
			return nil
		}); err != nil {
			return fmt.Errorf("grant webhooks to %s: %w", co.ID, err)
		}
	}
	if err := refreshAll(ctx, env, c); err != nil {
		return err
	}
	missing := 0
	for _, co := range comps {
		if n := len(co.Account.Webhooks()); n < len(leversync.Events) {
			missing++
		}
	}
	if missing > 0 {
		return fmt.Errorf("%d companies without their Lever webhooks after a refresh", missing)
	}
	return nil
}

// refreshAll is one refresh period: the refresher's schedule fans out
// refresh requests, asynchronous invocations of the refresher (the
// harness runs them in process, under the template's timeout); a failed
// request is retried as Lambda retries it (after 5 s here) until none
// runs or waits. A request given up (its record in the refresh DLQ) is an
// error.
func refreshAll(ctx context.Context, env *harness.Env, c config) error {
	before, err := env.Refresh.Wait(ctx)
	if err != nil {
		return err
	}
	if _, err := env.App.RefreshJobs.Handle(ctx, json.RawMessage(`{"source":"aws.scheduler"}`)); err != nil {
		return fmt.Errorf("refresh fan-out: %w", err)
	}
	end := time.Now().Add(c.eventsDeadline)
	for time.Now().Before(end) && ctx.Err() == nil {
		st, err := env.Refresh.Wait(ctx)
		if err != nil {
			return err
		}
		if st.DeadLettered > before.DeadLettered {
			return fmt.Errorf("%d refresh requests failed every retry", st.DeadLettered-before.DeadLettered)
		}
		if st.Pending == 0 {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("the refresh requests did not finish in %s", c.eventsDeadline)
}

// leverAction is what a recruiter did in Lever to one exported
// opportunity: a stage change, then for some an archive (hired or not).
type leverAction struct {
	company, candidate, opportunity string
	reason                          string // archive reason id; "" not archived
	hired                           bool
	stageDropped, archiveDropped    bool // every webhook delivery of that action dropped
}

// recruit moves a share of the exported candidates' opportunities to
// actionStage and archives half of those (every other one hired), as a
// recruiter would in Lever. Before each action a draw decides whether the
// fake Lever drops every webhook delivery it triggers (its drop fault, set
// for that action only).
func recruit(env *harness.Env, comps []harness.Company, cands []candidate, exported map[string]bool, c config) []leverAction {
	accts := map[string]*leverfake.Account{}
	for _, co := range comps {
		accts[co.ID] = co.Account
	}
	oppOf := opportunitiesByEmail(comps)
	rng := mrand.New(mrand.NewPCG(c.seed, 11))
	var out []leverAction
	act := func(acc *leverfake.Account, do func() bool) (ok, dropped bool) {
		if dropped = rng.Float64() < c.leverDrop; dropped {
			acc.SetWebhookFaults(leverfake.WebhookFaults{Drop: 8}) // more than one action triggers
		}
		ok = do()
		acc.SetWebhookFaults(leverfake.WebhookFaults{})
		return ok, dropped
	}
	for _, cd := range cands {
		if !exported[cd.id] || rng.Float64() >= c.leverShare {
			continue
		}
		opp := oppOf[cd.company+"/"+cd.email]
		acc := accts[cd.company]
		if opp == "" {
			continue // the main verdict reports it
		}
		a := leverAction{company: cd.company, candidate: cd.id, opportunity: opp}
		ok, dropped := act(acc, func() bool { return acc.ChangeStage(opp, actionStage) })
		if !ok {
			log.Printf("lever: stage change of %s/%s refused", cd.company, cd.id)
			continue
		}
		a.stageDropped = dropped
		if rng.Float64() < 0.5 {
			a.reason, a.hired = reasonNotHired, len(out)%2 == 0
			if a.hired {
				a.reason = reasonHired
			}
			ok, dropped := act(acc, func() bool { return acc.Archive(opp, a.reason) })
			if !ok {
				log.Printf("lever: archive of %s/%s refused", cd.company, cd.id)
				a.reason = ""
			} else {
				a.archiveDropped = dropped
			}
		}
		out = append(out, a)
	}
	return out
}

// feedData is what the checks read of an event's data.
type feedData struct {
	CandidateID   string        `json:"candidateId"`
	PostingID     string        `json:"postingId"`
	OpportunityID string        `json:"opportunityId"`
	To            leversync.Ref `json:"to"`
	Reason        leversync.Ref `json:"reason"`
}

// readFeeds reads every company's feed through the API.
func readFeeds(ctx context.Context, env *harness.Env, comps []harness.Company, page int) (map[string][]harness.FeedEvent, error) {
	out := map[string][]harness.FeedEvent{}
	for _, co := range comps {
		evs, err := env.Feed(ctx, co.ID, page)
		if err != nil {
			return out, err
		}
		out[co.ID] = evs
	}
	return out, nil
}

// settled reports whether the feeds hold an export.succeeded for every
// exported candidate and (when delivered) every event is delivered (or
// parked), and how many events there are and are not delivered.
func settled(feeds map[string][]harness.FeedEvent, cands []candidate, exported map[string]bool, delivered bool) (bool, int, int) {
	succeeded := map[string]bool{}
	total, undelivered := 0, 0
	for co, evs := range feeds {
		for _, e := range evs {
			total++
			if e.Delivery.State != outbox.Delivered && e.Delivery.State != outbox.Parked {
				undelivered++
			}
			if e.Type == outbox.ExportSucceeded {
				var d feedData
				_ = json.Unmarshal(e.Data, &d)
				succeeded[co+"/"+d.CandidateID] = true
			}
		}
	}
	for _, cd := range cands {
		if exported[cd.id] && !succeeded[cd.company+"/"+cd.id] {
			return false, total, undelivered
		}
	}
	return undelivered == 0 || !delivered, total, undelivered
}

// waitFeeds reads the feeds until they are settled (delivered: every event
// delivered too) and, when stableFor > 0, unchanged for stableFor (late
// Lever changes), or until the events deadline.
func waitFeeds(ctx context.Context, env *harness.Env, comps []harness.Company, cands []candidate, exported map[string]bool, c config, delivered bool, stableFor time.Duration) map[string][]harness.FeedEvent {
	start := time.Now()
	end := start.Add(c.eventsDeadline)
	lastTotal, stableSince, lastLog := -1, time.Now(), time.Now()
	var feeds map[string][]harness.FeedEvent
	for ctx.Err() == nil {
		var err error
		if feeds, err = readFeeds(ctx, env, comps, c.feedPage); err != nil {
			log.Printf("read the feeds: %v", err)
		}
		ok, total, undelivered := settled(feeds, cands, exported, delivered)
		if total != lastTotal {
			lastTotal, stableSince = total, time.Now()
		}
		if ok && time.Since(stableSince) >= stableFor {
			return feeds
		}
		if time.Now().After(end) {
			log.Printf("events: not settled after %s: %d events, %d not delivered", c.eventsDeadline, total, undelivered)
			return feeds
		}
		if time.Since(lastLog) > 10*time.Second {
			log.Printf("events: %d in the feeds, %d not yet delivered (%s)", total, undelivered, time.Since(start).Round(time.Second))
			lastLog = time.Now()
		}
		time.Sleep(2 * time.Second)
	}
	return feeds
}

// eventsResult is the outbound events verdict.
type eventsResult struct {
	rows                              [][]string
	lost, duplicated, outOfOrder      int // export.succeeded lost or doubled; order broken in the feed or at the vendor
	notReceived, leverLost, leverDup  int
	badSignature, wrongOpp, feedGaps  int
	undelivered, phantom, idMismatch  int
	actions, archives, droppedActions int
	leverLostDropped                  int // lost changes whose webhooks were dropped
}

func (r eventsResult) ok() bool {
	return r.lost == 0 && r.duplicated == 0 && r.outOfOrder == 0 && r.notReceived == 0 && r.leverLost == 0 && r.leverDup == 0 &&
		r.badSignature == 0 && r.wrongOpp == 0 && r.feedGaps == 0 && r.undelivered == 0 && r.phantom == 0 && r.idMismatch == 0
}

// opportunitiesByEmail maps company/email to the opportunity in Lever.
func opportunitiesByEmail(comps []harness.Company) map[string]string {
	out := map[string]string{}
	for _, co := range comps {
		for _, o := range co.Account.Opportunities() {
			for _, e := range o.Emails {
				out[co.ID+"/"+strings.ToLower(e)] = o.ID
			}
		}
	}
	return out
}

// checkEvents compares the feeds with the exports (oppOf: company/email →
// the opportunity in Lever), the recruiter's actions and what the vendor
// received; hookDeliveries is only reported.
func checkEvents(feeds map[string][]harness.FeedEvent, oppOf map[string]string, hookDeliveries int64, cands []candidate, exported map[string]bool, actions []leverAction, v vendorSnapshot, verbose bool) eventsResult {
	var r eventsResult
	type typed struct {
		ids map[string]bool
		to  []string // stage ids of stage changes, reason ids of archives
	}
	byCand := map[string]map[outbox.Type]*typed{} // company/candidate → type → ids
	feedOrder := map[string][]string{}            // order key → ids in sequence order
	feedIDs := map[string]bool{}
	total := 0
	for co, evs := range feeds {
		for i, e := range evs {
			total++
			if e.Sequence != int64(i+1) {
				r.feedGaps++
			}
			if e.Delivery.State != outbox.Delivered {
				r.undelivered++
			}
			var d feedData
			_ = json.Unmarshal(e.Data, &d)
			k := eventOrderKey(co, string(e.Type), d.CandidateID, d.PostingID)
			if !feedIDs[e.ID] {
				feedOrder[k] = append(feedOrder[k], e.ID)
			}
			feedIDs[e.ID] = true
			if d.CandidateID == "" {
				continue
			}
			if byCand[k] == nil {
				byCand[k] = map[outbox.Type]*typed{}
			}
			t := byCand[k][e.Type]
			if t == nil {
				t = &typed{ids: map[string]bool{}}
				byCand[k][e.Type] = t
			}
			t.ids[e.ID] = true
			switch e.Type {
			case outbox.CandidateStageChanged:
				t.to = append(t.to, d.To.ID)
			case outbox.CandidateArchived, outbox.CandidateHired:
				t.to = append(t.to, d.Reason.ID)
			case outbox.ExportSucceeded:
				if want := oppOf[co+"/"+d.CandidateID+"@"+co+".mail.example"]; d.OpportunityID != want {
					r.wrongOpp++
					if verbose {
						log.Printf("export.succeeded %s of %s names opportunity %s, Lever has %s", e.ID, k, d.OpportunityID, want)
					}
				}
			}
			// Per-candidate meaning: nothing about the opportunity in Lever
			// before it was exported; an archive after the stage change.
			if byCand[k][outbox.ExportSucceeded] == nil && strings.HasPrefix(string(e.Type), "candidate.") {
				r.outOfOrder++
			}
		}
	}
	for _, cd := range cands {
		if !exported[cd.id] {
			continue
		}
		k := orderKey(cd.company, cd.id)
		var ids []string
		if t := byCand[k][outbox.ExportSucceeded]; t != nil {
			for id := range t.ids {
				ids = append(ids, id)
			}
		}
		switch {
		case len(ids) == 0:
			r.lost++
			if verbose {
				log.Printf("no export.succeeded in the feed for %s", k)
			}
		case len(ids) > 1:
			r.duplicated++
			log.Printf("%d export.succeeded ids for %s: %v", len(ids), k, ids)
		}
		for _, id := range ids {
			if v.acks[id] == 0 {
				r.notReceived++
				if verbose {
					log.Printf("the vendor never acknowledged export.succeeded %s of %s", id, k)
				}
			}
		}
	}
	for _, a := range actions {
		r.actions++
		if a.stageDropped {
			r.droppedActions++
		}
		if a.archiveDropped {
			r.droppedActions++
		}
		k := orderKey(a.company, a.candidate)
		check := func(types []outbox.Type, want string, dropped bool) {
			n, got := 0, ""
			for _, typ := range types {
				if t := byCand[k][typ]; t != nil {
					n += len(t.ids)
					if len(t.to) > 0 {
						got = t.to[len(t.to)-1]
					}
				}
			}
			switch {
			case n == 0:
				r.leverLost++
				if dropped {
					r.leverLostDropped++
				}
				if verbose {
					log.Printf("lever change lost: %s %v (opportunity %s)", k, types, a.opportunity)
				}
			case n > 1:
				r.leverDup++
				log.Printf("lever change announced %d times: %s %v", n, k, types)
			case got != want:
				r.leverLost++
				log.Printf("lever change announced wrong: %s %v to %s, want %s", k, types, got, want)
			}
		}
		check([]outbox.Type{outbox.CandidateStageChanged}, actionStage, a.stageDropped)
		if a.reason != "" {
			r.archives++
			check([]outbox.Type{outbox.CandidateArchived, outbox.CandidateHired}, a.reason, a.archiveDropped)
			if t := byCand[k][outbox.CandidateHired]; a.hired != (t != nil) {
				r.leverLost++
				log.Printf("hire announced wrong: %s hired %v", k, a.hired)
			}
		}
		// The stage change comes before the archive in the feed.
		if ord := feedOrder[k]; a.reason != "" {
			st, ar := -1, -1
			for i, id := range ord {
				if t := byCand[k][outbox.CandidateStageChanged]; t != nil && t.ids[id] && st < 0 {
					st = i
				}
				for _, typ := range []outbox.Type{outbox.CandidateArchived, outbox.CandidateHired} {
					if t := byCand[k][typ]; t != nil && t.ids[id] && ar < 0 {
						ar = i
					}
				}
			}
			if st >= 0 && ar >= 0 && ar < st {
				r.outOfOrder++
			}
		}
	}
	// The vendor acknowledged each order key's events in feed order.
	mismatch := 0
	for k, ids := range feedOrder {
		if !slices.Equal(v.order[k], ids) {
			mismatch++
			if verbose {
				log.Printf("vendor order of %s %v, feed %v", k, v.order[k], ids)
			}
		}
	}
	r.outOfOrder += mismatch + v.outOfOrder
	for id := range v.acks {
		if !feedIDs[id] {
			r.phantom++
		}
	}
	r.badSignature = v.byStatus["bad signature"] + v.byStatus["bad body"]
	r.idMismatch = v.idMismatch
	r.rows = [][]string{
		{"**exports without an `export.succeeded` in the feed** (lost)", fmt.Sprint(r.lost)},
		{"**exports with two or more `export.succeeded` ids** (duplicated)", fmt.Sprint(r.duplicated)},
		{"**out of order** (per candidate: feed meaning, vendor vs feed order, vendor arrivals)", fmt.Sprintf("%d (%d vendor vs feed, %d arrivals)", r.outOfOrder, mismatch, v.outOfOrder)},
		{"**`export.succeeded` never received by the vendor**", fmt.Sprint(r.notReceived)},
		{"**Lever changes lost / announced twice**", fmt.Sprintf("%d / %d", r.leverLost, r.leverDup)},
		{"Lever changes lost whose webhooks were dropped", fmt.Sprint(r.leverLostDropped)},
		{"`export.succeeded` naming another opportunity", fmt.Sprint(r.wrongOpp)},
		{"feed events / not delivered / sequence gaps", fmt.Sprintf("%d / %d / %d", total, r.undelivered, r.feedGaps)},
		{"vendor: deliveries / 2xx / 5xx / 4xx / timeouts", fmt.Sprintf("%d / %d / %d / %d / %d", v.deliveries, v.byStatus["2xx"], v.byStatus["5xx"], v.byStatus["4xx"], v.byStatus["timeout"])},
		{"vendor: ids received / received more than once / not in the feed", fmt.Sprintf("%d / %d / %d", len(v.acks), countOver(v.acks, 1), r.phantom)},
		{"vendor: bad signatures / event id header mismatches", fmt.Sprintf("%d / %d", r.badSignature, r.idMismatch)},
		{"recruiter actions in Lever: stage changes / archives / with every webhook dropped", fmt.Sprintf("%d / %d / %d", r.actions, r.archives, r.droppedActions)},
		{"Lever webhook deliveries leverlink answered 2xx", fmt.Sprint(hookDeliveries)},
	}
	return r
}

func countOver(m map[string]int, n int) int {
	k := 0
	for _, v := range m {
		if v > n {
			k++
		}
	}
	return k
}
