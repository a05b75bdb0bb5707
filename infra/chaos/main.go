// Command chaos exports thousands of candidates through leverlink while the
// fake Lever misbehaves (5xx, 429, timeouts, writes applied whose response
// is lost) and exporter pollers are killed at random moments (a crashed
// Lambda: its messages reappear after the visibility timeout), then checks
// that nothing was lost or written twice. It exits non-zero unless lost
// candidates, duplicate opportunities and duplicate notes are all 0.
//
// Outbound events run through it too (events.go): the vendor's endpoint
// (a local receiver verifying each signature) fails a share of deliveries
// and the fake Lever drops a share of the webhooks a recruiter's actions
// trigger; the run then also fails unless every export has exactly one
// export.succeeded id in the feed, received by the vendor, every Lever
// change is in the feed once, and each candidate's events are in order.
// Run it with `make chaos` (which starts the emulators).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/signal"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/leverlink/leverlink/infra/bench/harness"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
)

func main() {
	var (
		candidates = flag.Int("candidates", 5000, "candidates in all")
		companies  = flag.Int("companies", 20, "companies (fake Lever accounts)")
		pushShare  = flag.Float64("push-share", 0.3, "share of candidates that get a later message")
		pollers    = flag.Int("pollers", 8, "concurrent exporter pollers (Lambda concurrency)")
		visibility = flag.Duration("visibility", 8*time.Second, "visibility timeout of received messages")
		lambdaTO   = flag.Duration("lambda-timeout", 4*time.Second, "deadline of one batch (the Lambda timeout)")
		stale      = flag.Duration("stale-after", 5*time.Second, "export claim staleness (app.Options.StaleAfter)")
		clientTO   = flag.Duration("client-timeout", 2*time.Second, "Lever HTTP client timeout")
		killEvery  = flag.Duration("kill-every", 1500*time.Millisecond, "mean time between poller kills (0: none)")
		deadline   = flag.Duration("deadline", 9*time.Minute, "give up draining after this long")
		rate       = flag.Float64("rate", 10, "leverlink's per-company bucket (LEVER_RATE_LIMIT)")
		burst      = flag.Int("burst", 20, "LEVER_BURST")
		faults     = flag.Float64("faults", 1, "scale of the Lever fault rates (1: 5% 5xx, 5% 429, 2% timeouts, 1% applied-but-lost; 0: none)")
		seed       = flag.Uint64("seed", 42, "fault RNG seed")
		verbose    = flag.Bool("v", false, "print every duplicate and lost candidate")
		logPath    = flag.String("log", "", "write leverlink's JSON log to this file")
		vendorFail = flag.Float64("vendor-fail", 0.2, "share of outbound event deliveries the vendor's endpoint fails (a third each 5xx, 4xx, timeouts)")
		leverShare = flag.Float64("lever-share", 0.3, "share of exported candidates a recruiter moves in Lever (half of them archived too); 0: no Lever webhooks")
		leverDrop  = flag.Float64("lever-drop", 0.2, "share of recruiter actions whose Lever webhooks the fake drops")
		sweepEvery = flag.Duration("sweep-every", 2*time.Second, "the dispatcher's retry schedule (EventRetrySchedule)")
		eventsTO   = flag.Duration("events-deadline", 5*time.Minute, "give up waiting for outbound events to settle after this long")
		feedPage   = flag.Int("feed-page", 10, "page size when reading the events feed (small: the cursor is exercised)")
		pollEvery  = flag.Duration("poll-every", 30*time.Second, "Lever sync-back's Syncer.PollEvery, scaled down like the refresh period (the run's two refreshes are further apart)")
	)
	flag.Parse()
	log.SetFlags(log.Ltime)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, config{*candidates, *companies, *pushShare, *pollers, *visibility, *lambdaTO, *stale, *clientTO, *killEvery, *deadline, *rate, *burst, *faults, *seed, *verbose, *logPath,
		*vendorFail, *leverShare, *leverDrop, *sweepEvery, *eventsTO, *feedPage, *pollEvery}))
}

type config struct {
	candidates, companies int
	pushShare             float64
	pollers               int
	visibility, lambdaTO  time.Duration
	stale, clientTO       time.Duration
	killEvery, deadline   time.Duration
	rate                  float64
	burst                 int
	faults                float64
	seed                  uint64
	verbose               bool
	logPath               string
	vendorFail            float64
	leverShare, leverDrop float64
	sweepEvery            time.Duration
	eventsDeadline        time.Duration
	feedPage              int
	pollEvery             time.Duration
}

type candidate struct {
	company string
	id      string
	email   string
	push    bool
}

func run(ctx context.Context, c config) int {
	f := c.faults
	log.Printf("chaos: %d candidates over %d companies, %.0f%% with a later message; faults %.1f%% 5xx, %.1f%% 429, %.1f%% timeouts, %.1f%% applied-but-lost on every Lever endpoint; %d pollers, visibility %s, batch deadline %s, stale after %s, client timeout %s, a kill every ~%s (0: none)",
		c.candidates, c.companies, c.pushShare*100, 5*f, 5*f, 2*f, 1*f, c.pollers, c.visibility, c.lambdaTO, c.stale, c.clientTO, c.killEvery)
	var logTo slog.Handler
	if c.logPath != "" {
		lf, err := os.Create(c.logPath)
		if err != nil {
			log.Print(err)
			return 2
		}
		defer lf.Close()
		logTo = slog.NewJSONHandler(lf, nil)
	}
	log.Printf("chaos: outbound events: the vendor fails %.0f%% of deliveries; a recruiter acts on %.0f%% of exported candidates in Lever, %.0f%% of those actions' webhooks dropped",
		c.vendorFail*100, c.leverShare*100, c.leverDrop*100)
	track := newTracker(logTo)
	vend := newVendor(harness.VendorEventsSecret, c.vendorFail, 3*c.clientTO, c.seed)
	vsrv := httptest.NewServer(vend)
	defer vsrv.Close()
	env, err := harness.New(ctx, harness.Options{
		Log:     slog.New(track),
		Fake:    leverfake.Options{Rate: 10, Burst: 20, Seed: c.seed},
		Latency: 10 * time.Millisecond, Jitter: 40 * time.Millisecond,
		RateLimit: c.rate, Burst: c.burst,
		HTTPClient:      &http.Client{Timeout: c.clientTO},
		StaleAfter:      c.stale,
		VendorEventsURL: vsrv.URL + "/leverlink/events", LeverWebhooks: c.leverShare > 0,
	})
	if err != nil {
		log.Print(err)
		return 2
	}
	defer env.Close()
	stopDispatcher, err := env.StartDispatcher(ctx, c.sweepEvery)
	if err != nil {
		log.Print(err)
		return 2
	}
	defer stopDispatcher()

	comps := make([]harness.Company, c.companies)
	for i := range comps {
		if comps[i], err = env.Connect(ctx, fmt.Sprintf("chaos%02d", i), 1, true); err != nil {
			log.Print(err)
			return 2
		}
	}
	if c.leverShare > 0 {
		env.App.Syncer.PollEvery = c.pollEvery
		if err := enableSyncBack(ctx, env, comps, c); err != nil {
			log.Print(err)
			return 2
		}
	}
	rng := mrand.New(mrand.NewPCG(c.seed, 99))
	cands := make([]candidate, c.candidates)
	for i := range cands {
		co := comps[i%len(comps)].ID
		id := fmt.Sprintf("c%05d", i)
		cands[i] = candidate{company: co, id: id, email: id + "@" + co + ".mail.example", push: rng.Float64() < c.pushShare}
	}
	resume := harness.Resume(4 << 10)

	// Faults from the start: intake does not call Lever, the exporter does.
	// Timeouts hang 3× the client timeout, then end: with Hang 0 the fake
	// waits for the client to leave, which net/http never reports for a POST
	// whose body was not read (its handler would leak and Close would block).
	env.Fake.SetFaults(leverfake.AllEndpoints, leverfake.Faults{ErrorRate: 0.05 * f, Status: 503, TimeoutRate: 0.02 * f, Hang: 3 * c.clientTO, LostRate: 0.01 * f})
	// 429s on top: a second random draw would need another key, so inject
	// them as a share of errors: Faults has one Status, hence a wrapper.
	stop429 := inject429(env, 0.05*f, c.seed)
	defer stop429()

	// The exporter: pollers that get killed and replaced.
	pctx, pcancel := context.WithCancel(ctx)
	defer pcancel()
	stats := &harness.BatchStats{}
	var (
		mu      sync.Mutex
		cancels = map[int]context.CancelFunc{}
		nextID  int
		wg      sync.WaitGroup
		kills   atomic.Int64
	)
	startPoller := func() {
		mu.Lock()
		id := nextID
		nextID++
		cctx, cancel := context.WithCancel(pctx)
		cancels[id] = cancel
		mu.Unlock()
		p := env.ExportPoller(c.visibility, c.lambdaTO)
		p.Handler = stats.Wrap(track.Wrap(p.Handler))
		p.Log = nil
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.Run(cctx)
		}()
	}
	for range c.pollers {
		startPoller()
	}
	killDone := make(chan struct{})
	if c.killEvery > 0 {
		go func() {
			defer close(killDone)
			krng := mrand.New(mrand.NewPCG(c.seed, 7))
			for {
				wait := time.Duration(krng.Float64() * 2 * float64(c.killEvery))
				select {
				case <-pctx.Done():
					return
				case <-time.After(wait):
				}
				mu.Lock()
				var ids []int
				for id := range cancels {
					ids = append(ids, id)
				}
				victim := ids[krng.IntN(len(ids))]
				cancels[victim]()
				delete(cancels, victim)
				mu.Unlock()
				kills.Add(1)
				startPoller()
			}
		}()
	} else {
		close(killDone)
	}

	// Intake: every candidate, then the later messages, from 8 senders.
	start := time.Now()
	var rejected atomic.Int64
	sendAll := func(evs []map[string]any) {
		ch := make(chan map[string]any)
		var swg sync.WaitGroup
		for range 8 {
			swg.Add(1)
			go func() {
				defer swg.Done()
				for ev := range ch {
					code, st, err := env.SendUntilAccepted(ev, 20)
					if err != nil || code >= 300 || st != "queued" {
						rejected.Add(1)
						log.Printf("webhook: %d %q %v for %v", code, st, err, ev["id"])
					}
				}
			}()
		}
		for _, ev := range evs {
			ch <- ev
		}
		close(ch)
		swg.Wait()
	}
	var evs []map[string]any
	for _, cd := range cands {
		evs = append(evs, harness.CandidateEvent(cd.company, cd.id, resume))
	}
	sendAll(evs)
	log.Printf("chaos: %d candidate events accepted in %s", len(evs), time.Since(start).Round(time.Millisecond))
	evs = evs[:0]
	for _, cd := range cands {
		if cd.push {
			evs = append(evs, harness.MessageEvent(cd.company, cd.id, "later-"+cd.id))
		}
	}
	// A message the history note already holds, sent again (a vendor
	// resending its conversation): it must never be written a second time.
	for _, cd := range cands {
		if cd.push {
			evs = append(evs, harness.MessageEvent(cd.company, cd.id, historyMessage(cd.id)))
		}
	}
	sendAll(evs)
	pushes := len(evs)
	log.Printf("chaos: %d later message events accepted (%s since start)", pushes, time.Since(start).Round(time.Millisecond))

	// Drain: until every candidate is exported and the queue is empty.
	end := start.Add(c.deadline)
	exported := 0
	exportedSet := map[string]bool{}
	lastLog := time.Now()
	for time.Now().Before(end) && ctx.Err() == nil {
		exported = countExported(ctx, env, cands, exportedSet)
		depth, _ := env.QueueDepth(ctx, env.Queues["ExportQueue"])
		if exported == len(cands) && depth == 0 {
			break
		}
		if time.Since(lastLog) > 10*time.Second {
			log.Printf("chaos: %d/%d exported, %d messages in the queue, %d kills, %d Lever calls, %s", exported, len(cands), depth, kills.Load(), env.Lever.Snapshot().Total, time.Since(start).Round(time.Second))
			lastLog = time.Now()
		}
		time.Sleep(time.Second)
	}
	drain := time.Since(start)
	pcancel()
	<-killDone
	wg.Wait()

	// Lever sync-back, Lever's faults still on: once the exports are in
	// the feed (their opportunities followed), a recruiter acts on some
	// in Lever, the fake drops some webhooks, then one refresh period.
	var actions []leverAction
	if c.leverShare > 0 {
		waitFeeds(ctx, env, comps, cands, exportedSet, c, false, 0)
		actions = recruit(env, comps, cands, exportedSet, c)
		log.Printf("chaos: %d recruiter stage changes in Lever; waiting for webhooks, then one refresh period", len(actions))
		time.Sleep(5 * time.Second) // the fake's delivery retries
		if err := refreshAll(ctx, env, c); err != nil {
			log.Print(err)
		}
	}
	stop429()
	env.Fake.ClearFaults()
	stable := time.Duration(0)
	if c.leverShare > 0 {
		stable = 10 * time.Second
	}
	feeds := waitFeeds(ctx, env, comps, cands, exportedSet, c, true, stable)
	hookDeliveries := int64(0)
	for _, co := range comps {
		hookDeliveries += co.Account.WebhookDeliveries()
	}
	ev := checkEvents(feeds, opportunitiesByEmail(comps), hookDeliveries, cands, exportedSet, actions, vend.snapshot(), c.verbose)
	log.Printf("chaos: outbound events settled %s after the start", time.Since(start).Round(time.Second))

	return verdict(ctx, env, c, cands, pushes, drain, stats, track, kills.Load(), rejected.Load(), ev)
}

// inject429 makes a share of Lever API requests answer 429 with
// Retry-After 1 (as Lever's limiter does), in addition to the random faults
// SetFaults draws, by queueing FailNext faults at that rate.
func inject429(env *harness.Env, share float64, seed uint64) func() {
	stop := make(chan struct{})
	var once sync.Once
	go func() {
		rng := mrand.New(mrand.NewPCG(seed, 429))
		last := env.Fake.Counters()
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			now := env.Fake.Counters()
			n := 0
			for k, v := range now {
				if strings.HasPrefix(k, "GET /") || strings.HasPrefix(k, "POST /") || strings.HasPrefix(k, "PUT /") {
					n += v - last[k]
				}
			}
			last = now
			k := 0
			for range n {
				if rng.Float64() < share {
					k++
				}
			}
			if k > 0 {
				env.Fake.FailNext(leverfake.AllEndpoints, k, leverfake.Failure{Kind: leverfake.KindError, Status: 429, Code: "TooManyRequests", Message: "Rate limit exceeded (injected)", Header: map[string]string{"Retry-After": "1"}})
			}
		}
	}()
	return func() { once.Do(func() { close(stop) }) }
}

// countExported counts candidates whose marker is exported, reading only
// those not seen exported before (done is updated; exported is final).
func countExported(ctx context.Context, env *harness.Env, cands []candidate, done map[string]bool) int {
	for _, cd := range cands {
		if done[cd.id] {
			continue
		}
		m, err := env.App.Exports.Get(ctx, export.Key{CompanyID: cd.company, CandidateID: cd.id})
		if err == nil && m.State == export.Exported {
			done[cd.id] = true
		}
	}
	return len(done)
}

func verdict(ctx context.Context, env *harness.Env, c config, cands []candidate, pushes int, drain time.Duration, stats *harness.BatchStats, track *tracker, kills, rejected int64, ev eventsResult) int {
	byCompany := map[string]*leverfake.Account{}
	for _, a := range env.Fake.Accounts() {
		byCompany[strings.ToLower(strings.TrimPrefix(a.Name, "Company "))] = a
	}
	// Opportunities per candidate email, per account.
	oppsByEmail := map[string]int{}
	notesByOpp := map[string][]leverfake.Note{}
	oppByEmail := map[string]string{}
	for co, a := range byCompany {
		for _, o := range a.Opportunities() {
			for _, e := range o.Emails {
				oppsByEmail[co+"/"+strings.ToLower(e)]++
				oppByEmail[co+"/"+strings.ToLower(e)] = o.ID
			}
			notesByOpp[o.ID] = a.Notes(o.ID)
		}
	}
	var lost, notExported, failed, missingHistory, missingPush, historyTwice int
	var lostKeys []export.Key
	for _, cd := range cands {
		m, err := env.App.Exports.Get(ctx, export.Key{CompanyID: cd.company, CandidateID: cd.id})
		exported := err == nil && m.State == export.Exported
		if err == nil && m.State == export.Failed {
			failed++
		}
		if !exported {
			notExported++
		}
		key := cd.company + "/" + cd.email
		if !exported && oppsByEmail[key] == 0 {
			lost++
			lostKeys = append(lostKeys, export.Key{CompanyID: cd.company, CandidateID: cd.id})
			if c.verbose {
				log.Printf("lost: %s/%s marker %+v err %v", cd.company, cd.id, m, err)
			}
		}
		if oppID := oppByEmail[key]; oppID != "" {
			ns := notesByOpp[oppID]
			hist, push := false, false
			for _, n := range ns {
				t := noteText(n)
				if strings.Contains(t, "Follow-up "+historyMessage(cd.id)+" ") {
					historyTwice++
					log.Printf("history message written again: %s/%s opportunity %s note %s", cd.company, cd.id, oppID, n.ID)
				}
				if strings.Contains(t, "Strong profile.") || strings.Contains(t, "interested in a role") {
					hist = true
				}
				if strings.Contains(t, "Follow-up later-"+cd.id) {
					push = true
				}
			}
			if !hist {
				missingHistory++
				if c.verbose {
					log.Printf("no history note: %s/%s opportunity %s", cd.company, cd.id, oppID)
				}
			}
			if cd.push && !push {
				missingPush++
				if c.verbose {
					log.Printf("later message missing: %s/%s opportunity %s", cd.company, cd.id, oppID)
				}
			}
		}
	}
	dupOpps, dupNotes := 0, 0
	for _, d := range env.Fake.Duplicates() {
		switch d.Kind {
		case "opportunity":
			dupOpps += len(d.IDs) - 1
		case "note":
			dupNotes += len(d.IDs) - 1
		}
		{
			log.Printf("duplicate %s: account %s contact %s posting %s opportunity %s ids %v text %.60q", d.Kind, d.AccountID, d.ContactID, d.PostingID, d.OpportunityID, d.IDs, d.Text)
		}
	}
	dupNotes += historyTwice

	for key, n := range oppsByEmail { // same contact+posting twice is in Duplicates; also count per email
		if n > 1 && c.verbose {
			log.Printf("candidate %s has %d opportunities", key, n)
		}
	}
	dlq, _ := env.QueueDepth(ctx, env.Queues["ExportDLQ"])
	depth, _ := env.QueueDepth(ctx, env.Queues["ExportQueue"])
	counters := env.Fake.Counters()
	ls := env.Lever.Snapshot()

	fmt.Println()
	fmt.Println("## chaos result")
	fmt.Println()
	fmt.Print(harness.Table([]string{"measure", "value"}, [][]string{
		{"candidates / companies / later messages (half of them resent from the history)", fmt.Sprintf("%d / %d / %d", len(cands), c.companies, pushes)},
		{"**lost** (not exported, no opportunity in Lever)", fmt.Sprint(lost)},
		{"**duplicate opportunities**", fmt.Sprint(dupOpps)},
		{"**duplicate notes**", fmt.Sprint(dupNotes)},
		{"**history messages written again** (counted in duplicate notes)", fmt.Sprint(historyTwice)},
		{"not exported (marker not `exported`)", fmt.Sprint(notExported)},
		{"failed exports (marker `failed`)", fmt.Sprint(failed)},
		{"opportunities without their history note", fmt.Sprint(missingHistory)},
		{"later messages missing in Lever", fmt.Sprint(missingPush)},
		{"messages in the export DLQ / left in the queue", fmt.Sprintf("%d / %d", dlq, depth)},
		{"webhook events refused", fmt.Sprint(rejected)},
		{"time to drain", drain.Round(time.Millisecond).String()},
		{"poller kills", fmt.Sprint(kills)},
		{"batches / batch items retried", fmt.Sprintf("%d / %d", stats.Batches.Load(), stats.Failed.Load())},
		{"Lever calls (client attempts)", fmt.Sprint(ls.Total)},
		{"Lever answers: 429 / 5xx / other", fmt.Sprintf("%d / %d / %d", ls.ByStatus[429], count5xx(ls.ByStatus), ls.ByStatus[0])},
		{"fake: 429s from its own limiter", fmt.Sprint(counters["429"])},
	}))
	fmt.Println()
	fmt.Println("## outbound events")
	fmt.Println()
	fmt.Print(harness.Table([]string{"measure", "value"}, ev.rows))
	diagnose(ctx, env, track, c.lambdaTO, lostKeys, c.verbose)
	ok := lost == 0 && dupOpps == 0 && dupNotes == 0 && ev.ok()
	fmt.Printf("\nverdict: %s (lost %d, duplicate opportunities %d, duplicate notes %d; events: export.succeeded lost %d, duplicated %d, out of order %d, not received %d; Lever changes lost %d, announced twice %d)\n",
		harness.PassFail(ok), lost, dupOpps, dupNotes, ev.lost, ev.duplicated, ev.outOfOrder, ev.notReceived, ev.leverLost, ev.leverDup)
	if !ok {
		return 1
	}
	return 0
}

func count5xx(m map[int]int) int {
	n := 0
	for k, v := range m {
		if k >= 500 {
			n += v
		}
	}
	return n
}

func noteText(n leverfake.Note) string {
	t := n.Text
	for _, f := range n.Fields {
		t += "\n" + f.Text
	}
	return t
}

// historyMessage is the id of the first message of a candidate's history
// (harness.CandidateEvent).
func historyMessage(candidateID string) string { return "m1-" + candidateID }
