package events

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/app/apptest"
	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/config"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/lever"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
	"github.com/leverlink/leverlink/shared/leverhook"
	"github.com/leverlink/leverlink/shared/outbox"
)

// lazyHandler serves h once set (the webhook function's URL must be known
// before the app that serves it is built).
type lazyHandler struct {
	mu sync.Mutex
	h  http.Handler
}

func (l *lazyHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	h := l.h
	l.mu.Unlock()
	h.ServeHTTP(w, r)
}

// syncEnv is a connected leverlink whose webhook function is served over
// real HTTP where the fake Lever delivers its webhooks, with candidates
// exported.
type syncEnv struct {
	*apptest.Env
	t       *testing.T
	acct    *leverfake.Account
	lever   *lever.Client // the recruiter, through Lever's own API
	hookURL string
	oppID   string            // cand-a's (newSyncEnv)
	opps    map[string]string // candidate id → opportunity id
}

// syncLinkedIn is the synced candidate's LinkedIn profile (what
// anonymisation forgets).
const syncLinkedIn = "https://www.linkedin.com/in/ada-syncback"

func newSyncEnv(t *testing.T) *syncEnv {
	t.Helper()
	e := newSyncEnvWith(t, "", []string{"cand-a"})
	e.oppID = e.opps["cand-a"]
	return e
}

// newSyncEnvWith builds a syncEnv posting outbound events to vendorURL
// ("": the feed alone) with each of cands exported and followed.
func newSyncEnvWith(t *testing.T, vendorURL string, cands []string) *syncEnv {
	t.Helper()
	t.Parallel()
	lazy := &lazyHandler{}
	srv := httptest.NewServer(lazy)
	t.Cleanup(srv.Close)
	e := &syncEnv{t: t, hookURL: srv.URL + "/v1/lever-webhooks", opps: map[string]string{}}
	opts := []apptest.Option{apptest.WithConfig(func(c *config.Config) { c.LeverWebhookURL = e.hookURL })}
	if vendorURL != "" {
		opts = append(opts, apptest.WithVendorEvents(vendorURL))
	}
	e.Env = apptest.New(t, opts...)
	lazy.mu.Lock()
	lazy.h = e.Webhook
	lazy.mu.Unlock()
	e.StartDispatcher()
	e.acct = e.Fake.NewAccount("Acme")
	e.Fake.SetConsentAccount(e.acct.ID)
	e.lever = lever.New(lever.Config{BaseURL: e.Fake.Endpoints().APIBase, HTTPClient: e.Fake.Client(),
		Tokens: lever.StaticToken(e.acct.Authorize().AccessToken), PerformAs: e.acct.AdminID()})

	open := e.acct.AddPosting(leverfake.Posting{Text: "Backend Engineer", State: "published"})
	if loc := e.Connect(company, nil); loc == nil || loc.Query().Get("status") != "connected" {
		t.Fatalf("connect: %v", loc)
	}
	if code := e.Do("POST", "/v1/companies/"+company+"/postings/reload", nil, nil); code != 200 {
		t.Fatalf("reload: %d", code)
	}
	if code := e.Do("PUT", "/v1/companies/"+company+"/links/pos-1", map[string]any{"postingId": open.ID}, nil); code != 200 {
		t.Fatalf("link: %d", code)
	}
	for _, cand := range cands {
		ev := map[string]any{"id": fmt.Sprintf("evt-%s-%d", cand, time.Now().UnixNano()), "type": "candidate.contact_accepted",
			"occurredAt": time.Now().UTC().Format(time.RFC3339), "companyId": company,
			"data": map[string]any{"positionId": "pos-1", "candidate": map[string]any{
				"id": cand, "firstName": "Ada", "lastName": "Lovelace", "emails": []string{cand + "@example.com"},
				"profileUrl": "https://market.example/c/" + cand, "consent": map[string]any{"granted": true, "at": "2026-01-02T10:00:00Z"}}}}
		if cand == "cand-a" {
			ev["data"].(map[string]any)["candidate"].(map[string]any)["linkedinUrl"] = syncLinkedIn
		}
		if code, out := e.Send(ev); code != 202 {
			t.Fatalf("send: %d %v", code, out)
		}
	}
	if n := e.Drain(60 * time.Second); n != 0 {
		t.Fatalf("drain: %d failed", n)
	}
	succeeded := e.waitFeed(func(evs []outbox.Event) bool { return count(evs, outbox.ExportSucceeded) == len(cands) })
	for _, ev := range succeeded {
		if ev.Type == outbox.ExportSucceeded {
			var data outbox.ExportSucceededData
			_ = json.Unmarshal(ev.Data, &data)
			e.opps[data.CandidateID] = data.OpportunityID
		}
	}
	// The dispatcher follows each exported opportunity once it recorded
	// export.succeeded.
	deadline := time.Now().Add(10 * time.Second)
	for _, opp := range e.opps {
		for {
			if _, err := e.App.LeverSync.Get(context.Background(), company, opp); err == nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("opportunity %s never tracked", opp)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	return e
}

// refresh is one refresh period: the schedule fans out, the refresher
// runs each refresh request (postings, then Lever sync-back).
func (e *syncEnv) refresh() {
	e.t.Helper()
	ctx := context.Background()
	if _, err := e.App.RefresherFunction()(ctx, json.RawMessage(`{"source":"aws.scheduler"}`)); err != nil {
		e.t.Fatal(err)
	}
	st, err := e.Refresh.Wait(ctx)
	if err != nil || st.Failed > 0 {
		e.t.Fatalf("refresh: %d failed, %v\n%s", st.Failed, err, e.Logs.String())
	}
}

func (e *syncEnv) feed() []outbox.Event {
	e.t.Helper()
	var page feedPage
	if code := e.Do("GET", "/v1/companies/"+company+"/events?limit=100", nil, &page); code != 200 {
		e.t.Fatalf("feed: %d", code)
	}
	out := make([]outbox.Event, 0, len(page.Events))
	for _, fe := range page.Events {
		out = append(out, fe.Event)
	}
	return out
}

// waitFeed polls the feed until ok holds (or fails after 15 seconds).
func (e *syncEnv) waitFeed(ok func([]outbox.Event) bool) []outbox.Event {
	e.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		evs := e.feed()
		if ok(evs) {
			return evs
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("feed never got there: %v\n%s", types(evs), e.Logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func count(evs []outbox.Event, typ outbox.Type) int {
	n := 0
	for _, ev := range evs {
		if ev.Type == typ {
			n++
		}
	}
	return n
}

func last(evs []outbox.Event, typ outbox.Type) outbox.Event {
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Type == typ {
			return evs[i]
		}
	}
	return outbox.Event{}
}

func (e *syncEnv) hiredReason() lever.ArchiveReason {
	rs, err := e.lever.ListArchiveReasons(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	for _, r := range rs {
		if r.Type == "hired" {
			return r
		}
	}
	e.t.Fatal("no hired archive reason")
	return lever.ArchiveReason{}
}

// With Lever's webhooks on: registered by the first refresh after connect,
// each recruiter action reaches the feed without waiting for a refresh, as
// one event, however many deliveries Lever makes (a hire is two webhooks:
// candidateArchiveChange and candidateHired) and however often the poll
// sees it again.
func TestLeverChangesReachTheFeedByWebhook(t *testing.T) {
	e := newSyncEnv(t)
	e.refresh()
	hooks := e.acct.Webhooks()
	if len(hooks) != 4 {
		t.Fatalf("webhooks after the first refresh: %+v, want 4", hooks)
	}
	for _, h := range hooks {
		if h.URL != e.hookURL+"/"+company {
			t.Errorf("webhook %s points at %s", h.Event, h.URL)
		}
	}
	ctx := context.Background()
	opp, err := e.lever.GetOpportunity(ctx, e.oppID)
	if err != nil {
		t.Fatal(err)
	}
	e.acct.SetWebhookFaults(leverfake.WebhookFaults{Duplicate: 1}) // the stage change arrives twice
	if err := e.lever.ChangeStage(ctx, e.oppID, lever.StageOffer); err != nil {
		t.Fatal(err)
	}
	evs := e.waitFeed(func(evs []outbox.Event) bool { return count(evs, outbox.CandidateStageChanged) == 1 })
	var stage outbox.CandidateStageData
	_ = json.Unmarshal(last(evs, outbox.CandidateStageChanged).Data, &stage)
	if stage.CandidateID != "cand-a" || stage.OpportunityID != e.oppID || stage.From.ID != opp.Stage || stage.To.ID != lever.StageOffer || stage.To.Name == "" {
		t.Errorf("candidate.stage_changed data %+v, want cand-a from %s to a named %s", stage, opp.Stage, lever.StageOffer)
	}

	hired := e.hiredReason()
	if _, err := e.lever.SetArchived(ctx, e.oppID, hired.ID); err != nil {
		t.Fatal(err)
	}
	evs = e.waitFeed(func(evs []outbox.Event) bool { return count(evs, outbox.CandidateHired) == 1 })
	var hire outbox.CandidateArchiveData
	_ = json.Unmarshal(last(evs, outbox.CandidateHired).Data, &hire)
	if hire.CandidateID != "cand-a" || hire.Reason.ID != hired.ID || hire.Reason.Name != hired.Text {
		t.Errorf("candidate.hired data %+v, want reason %+v", hire, hired)
	}
	// Deliveries and a poll later: still one event per change.
	time.Sleep(500 * time.Millisecond)
	e.acct.SetWebhookFaults(leverfake.WebhookFaults{})
	e.refresh()
	time.Sleep(500 * time.Millisecond)
	evs = e.feed()
	if count(evs, outbox.CandidateStageChanged) != 1 || count(evs, outbox.CandidateHired) != 1 || count(evs, outbox.CandidateArchived) != 0 {
		t.Errorf("feed %v: want one stage change and one hire", types(evs))
	}

	// GET …/export shows what Lever says now.
	var st struct {
		Lever *struct {
			Stage         struct{ ID, Name string }  `json:"stage"`
			Archived      bool                       `json:"archived"`
			ArchiveReason *struct{ ID, Name string } `json:"archiveReason"`
			Hired         bool                       `json:"hired"`
			Deleted       bool                       `json:"deleted"`
		} `json:"lever"`
	}
	if code := e.Do("GET", "/v1/companies/"+company+"/candidates/cand-a/export", nil, &st); code != 200 || st.Lever == nil {
		t.Fatalf("export status: %d %+v", code, st)
	}
	if st.Lever.Stage.ID != lever.StageOffer || !st.Lever.Archived || !st.Lever.Hired || st.Lever.ArchiveReason == nil || st.Lever.ArchiveReason.Name != hired.Text {
		t.Errorf("export status lever = %+v", *st.Lever)
	}

	// Deleted in Lever's app: candidate.deleted, once, and what leverlink
	// holds is anonymised (the LinkedIn index entry keyed by the profile
	// URL goes; the ids stay).
	if _, err := e.App.Exports.ContactByLinkedIn(ctx, company, event.NormalizeLinkedIn(syncLinkedIn)); err != nil {
		t.Fatalf("the LinkedIn index entry was not recorded (the anonymisation check would prove nothing): %v", err)
	}
	if !e.acct.DeleteOpportunity(e.oppID, "") {
		t.Fatal("delete refused")
	}
	e.waitFeed(func(evs []outbox.Event) bool { return count(evs, outbox.CandidateDeleted) == 1 })
	e.refresh()
	time.Sleep(300 * time.Millisecond)
	if evs = e.feed(); count(evs, outbox.CandidateDeleted) != 1 {
		t.Errorf("feed %v: want one candidate.deleted", types(evs))
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		_, err := e.App.Exports.ContactByLinkedIn(ctx, company, event.NormalizeLinkedIn(syncLinkedIn))
		if apperr.Is(err, apperr.NotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("LinkedIn index entry after candidate.deleted: %v, want NotFound (anonymised)", err)
		}
	}
	// Anonymised, ids kept: the status still names the opportunity.
	var after struct {
		OpportunityID string `json:"opportunityId"`
		Lever         *struct {
			Deleted bool `json:"deleted"`
		} `json:"lever"`
	}
	if code := e.Do("GET", "/v1/companies/"+company+"/candidates/cand-a/export", nil, &after); code != 200 || after.OpportunityID != e.oppID || after.Lever == nil || !after.Lever.Deleted {
		t.Errorf("export status after the deletion: %d %+v", code, after)
	}
	for _, ev := range evs {
		if strings.HasPrefix(string(ev.Type), "candidate.") {
			var d outbox.CandidateData
			_ = json.Unmarshal(ev.Data, &d)
			if d.CandidateID != "cand-a" || d.OpportunityID != e.oppID {
				t.Errorf("%s data %s", ev.Type, ev.Data)
			}
		}
	}
}

// With every Lever webhook dropped, the next refresh's poll finds the
// change; a later refresh does not announce it again.
func TestLeverChangesReachTheFeedByPollWhenWebhooksAreDropped(t *testing.T) {
	e := newSyncEnv(t)
	e.refresh()
	e.acct.SetWebhookFaults(leverfake.WebhookFaults{Drop: 1000})
	ctx := context.Background()
	if err := e.lever.ChangeStage(ctx, e.oppID, lever.StageOffer); err != nil {
		t.Fatal(err)
	}
	reasons, _ := e.lever.ListArchiveReasons(ctx)
	var underqualified lever.ArchiveReason
	for _, r := range reasons {
		if r.Type == "non-hired" && r.Status == "active" {
			underqualified = r
			break
		}
	}
	if _, err := e.lever.SetArchived(ctx, e.oppID, underqualified.ID); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	if evs := e.feed(); count(evs, outbox.CandidateStageChanged)+count(evs, outbox.CandidateArchived) != 0 {
		t.Fatalf("events without webhooks or a refresh: %v", types(evs))
	}
	e.refresh()
	evs := e.waitFeed(func(evs []outbox.Event) bool {
		return count(evs, outbox.CandidateStageChanged) == 1 && count(evs, outbox.CandidateArchived) == 1
	})
	var arch outbox.CandidateArchiveData
	_ = json.Unmarshal(last(evs, outbox.CandidateArchived).Data, &arch)
	if arch.Reason.ID != underqualified.ID || arch.Reason.Name != underqualified.Text {
		t.Errorf("candidate.archived data %+v, want %+v", arch, underqualified)
	}
	// Unarchived, also only seen by the poll.
	if _, err := e.lever.SetArchived(ctx, e.oppID, ""); err != nil {
		t.Fatal(err)
	}
	e.refresh()
	e.waitFeed(func(evs []outbox.Event) bool { return count(evs, outbox.CandidateUnarchived) == 1 })
	e.refresh()
	time.Sleep(300 * time.Millisecond)
	evs = e.feed()
	if count(evs, outbox.CandidateStageChanged) != 1 || count(evs, outbox.CandidateArchived) != 1 || count(evs, outbox.CandidateUnarchived) != 1 {
		t.Errorf("feed %v: want each change once", types(evs))
	}
	// A candidate leverlink did not export is none of the vendor's
	// business.
	other, err := e.lever.CreateOpportunity(ctx, lever.OpportunityInput{Name: "Bo", Emails: []string{"bo@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	e.acct.SetWebhookFaults(leverfake.WebhookFaults{})
	if err := e.lever.ChangeStage(ctx, other.ID, lever.StageOffer); err != nil {
		t.Fatal(err)
	}
	e.refresh()
	time.Sleep(300 * time.Millisecond)
	if got := count(e.feed(), outbox.CandidateStageChanged); got != 1 {
		t.Errorf("%d stage changes: an opportunity leverlink did not export was announced", got)
	}
}

// The webhook route refuses what Lever did not sign: no signature, a
// forged one, a stale one, and a company without webhooks.
func TestLeverWebhookRouteRefusesUnsigned(t *testing.T) {
	e := newSyncEnv(t)
	e.refresh()
	post := func(companyID string, body map[string]any) int {
		b, _ := json.Marshal(body)
		req := httptest.NewRequest("POST", "/v1/lever-webhooks/"+companyID, bytes.NewReader(b))
		rec := httptest.NewRecorder()
		e.Webhook.ServeHTTP(rec, req)
		return rec.Code
	}
	now := time.Now().UnixMilli()
	data := map[string]any{"opportunityId": e.oppID}
	for name, tc := range map[string]struct {
		company string
		body    map[string]any
	}{
		"unsigned":      {company, map[string]any{"id": "d1", "event": "candidateStageChange", "triggeredAt": now, "data": data}},
		"forged":        {company, map[string]any{"id": "d2", "event": "candidateStageChange", "triggeredAt": now, "token": "t", "signature": strings.Repeat("ab", 32), "data": data}},
		"other company": {"globex", map[string]any{"id": "d3", "event": "candidateStageChange", "triggeredAt": now, "token": "t", "signature": "x", "data": data}},
	} {
		if code := post(tc.company, tc.body); code != http.StatusUnauthorized {
			t.Errorf("%s: %d, want 401", name, code)
		}
	}
	if evs := e.feed(); count(evs, outbox.CandidateStageChanged) != 0 {
		t.Errorf("an unsigned delivery made an event: %v", types(evs))
	}
}

// Webhooks follow the connection: a reconnect replaces them (new ids and
// signature tokens), a disconnect removes them from Lever, and a delivery
// after that is refused.
func TestLeverWebhooksFollowTheConnection(t *testing.T) {
	e := newSyncEnv(t)
	e.refresh()
	first := e.acct.Webhooks()
	if len(first) != 4 {
		t.Fatalf("after connect: %d webhooks, want 4", len(first))
	}
	e.refresh()
	if again := e.acct.Webhooks(); len(again) != 4 || again[0].ID != first[0].ID {
		t.Fatalf("a second refresh changed the webhooks: %+v", again)
	}
	if loc := e.Connect(company, nil); loc == nil || loc.Query().Get("status") != "connected" {
		t.Fatalf("reconnect: %v", loc)
	}
	e.refresh()
	second := e.acct.Webhooks()
	if len(second) != 4 {
		t.Fatalf("after reconnect: %d webhooks, want 4", len(second))
	}
	for _, h := range second {
		for _, o := range first {
			if h.ID == o.ID || h.SignatureToken == o.SignatureToken {
				t.Errorf("webhook %s kept across a reconnect", h.Event)
			}
		}
	}
	if code := e.Do("DELETE", "/v1/companies/"+company+"/connection", nil, nil); code != 200 {
		t.Fatalf("disconnect: %d", code)
	}
	if left := e.acct.Webhooks(); len(left) != 0 {
		t.Errorf("after disconnect Lever still has %d webhooks", len(left))
	}
	// A delivery signed with a token of a removed webhook is refused.
	h := second[0]
	body := fmt.Sprintf(`{"id":"d9","event":%q,"triggeredAt":%d,"token":"tok","signature":"%s","data":{"opportunityId":%q}}`,
		h.Event, time.Now().UnixMilli(), signLever(h.SignatureToken, "tok", time.Now().UnixMilli()), e.oppID)
	rec := httptest.NewRecorder()
	e.Webhook.ServeHTTP(rec, httptest.NewRequest("POST", "/v1/lever-webhooks/"+company, strings.NewReader(body)))
	if rec.Code != http.StatusUnauthorized {
		t.Errorf("delivery after disconnect: %d, want 401", rec.Code)
	}
}

func signLever(signatureToken, token string, ms int64) string {
	return leverhook.Sign(signatureToken, token, fmt.Sprint(ms))
}

// Under faults - the vendor failing every fifth delivery, a fifth of
// Lever's webhooks dropped and another fifth duplicated - every export is
// one export.succeeded and every change in Lever one event, each with its
// own id, delivered in order per candidate, within one refresh period.
func TestSyncBackUnderFaults(t *testing.T) {
	v := newVendor(t, 0)
	v.failEvery = 5
	var cands []string
	for i := range 10 {
		cands = append(cands, fmt.Sprintf("cand-%02d", i))
	}
	e := newSyncEnvWith(t, v.srv.URL, cands)
	skew := time.Duration(0)
	var skewMu sync.Mutex
	now := func() time.Time { skewMu.Lock(); defer skewMu.Unlock(); return time.Now().Add(skew) }
	e.App.Dispatcher.Now = now
	e.App.SyncCore.Now = now
	e.refresh()
	if len(e.acct.Webhooks()) != 4 {
		t.Fatalf("webhooks: %+v", e.acct.Webhooks())
	}
	ctx := context.Background()
	hired := e.hiredReason()
	for i, cand := range cands {
		switch i % 5 {
		case 0:
			e.acct.SetWebhookFaults(leverfake.WebhookFaults{Drop: 1})
		case 1:
			e.acct.SetWebhookFaults(leverfake.WebhookFaults{Duplicate: 1})
		default:
			e.acct.SetWebhookFaults(leverfake.WebhookFaults{})
		}
		if err := e.lever.ChangeStage(ctx, e.opps[cand], lever.StageOffer); err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			if _, err := e.lever.SetArchived(ctx, e.opps[cand], hired.ID); err != nil {
				t.Fatal(err)
			}
		}
	}
	time.Sleep(time.Second) // the deliveries Lever did make
	// One refresh period later.
	skewMu.Lock()
	skew += 15 * time.Minute
	skewMu.Unlock()
	e.refresh()
	want := map[outbox.Type]int{outbox.ExportSucceeded: 10, outbox.CandidateStageChanged: 10, outbox.CandidateHired: 5}
	deadline := time.Now().Add(30 * time.Second)
	var accepted []outbox.Event
	for {
		e.Sweep()
		_, accepted = v.got()
		got := map[outbox.Type]int{}
		for _, ev := range accepted {
			got[ev.Type]++
		}
		if got[outbox.ExportSucceeded] == 10 && got[outbox.CandidateStageChanged] == 10 && got[outbox.CandidateHired] == 5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("vendor accepted %v, want %v", got, want)
		}
		skewMu.Lock()
		skew += time.Hour // backoffs pass
		skewMu.Unlock()
		time.Sleep(200 * time.Millisecond)
	}
	seen := map[string]bool{}
	perCand := map[string][]outbox.Type{}
	for _, ev := range accepted {
		if seen[ev.ID] {
			t.Errorf("event %s accepted twice", ev.ID)
		}
		seen[ev.ID] = true
		var d struct {
			CandidateID string `json:"candidateId"`
		}
		_ = json.Unmarshal(ev.Data, &d)
		perCand[d.CandidateID] = append(perCand[d.CandidateID], ev.Type)
	}
	for i, cand := range cands {
		wantSeq := []outbox.Type{outbox.ExportSucceeded, outbox.CandidateStageChanged}
		if i%2 == 0 {
			wantSeq = append(wantSeq, outbox.CandidateHired)
		}
		if fmt.Sprint(perCand[cand]) != fmt.Sprint(wantSeq) {
			t.Errorf("%s: delivered %v, want %v in this order", cand, perCand[cand], wantSeq)
		}
	}
	// The feed holds the same events, once each.
	// 25 + connection.connected + the open posting's posting.published
	// (the first refresh announces what is open).
	if evs := e.feed(); len(evs) != len(accepted) || len(evs) != 27 || count(evs, outbox.PostingPublished) != 1 {
		t.Errorf("feed has %d events, vendor accepted %d, want 27 with one posting.published: %v", len(evs), len(accepted), types(evs))
	}
	if requests, _ := v.got(); requests <= len(accepted) {
		t.Errorf("vendor saw %d requests for %d events: no delivery failed", requests, len(accepted))
	}
}

// A hire seen while Lever's archive reasons cannot be read (503s beyond
// the client's retries) is not recorded as a plain archive: the refresh
// fails and is retried, and the next one announces candidate.hired alone
// (before, candidate.archived came first: the chaos run's double
// announce).
func TestHireAnnouncedOnceWhenArchiveReasonsFail(t *testing.T) {
	e := newSyncEnv(t)
	e.refresh() // webhooks registered; the company's names cached
	e.acct.SetWebhookFaults(leverfake.WebhookFaults{Drop: 1000})
	ctx := context.Background()
	hired := e.hiredReason()
	if _, err := e.lever.SetArchived(ctx, e.oppID, hired.ID); err != nil {
		t.Fatal(err)
	}
	// Past the names' 5 minutes: the poll reads the reasons again, and
	// every attempt of the Lever client's fails.
	e.App.SyncCore.Now = func() time.Time { return time.Now().Add(6 * time.Minute) }
	e.Fake.FailNext("GET /archive_reasons", 3, leverfake.Failure{Kind: leverfake.KindError, Status: 503, Code: "ServiceUnavailable", Message: "Lever is down"})
	if _, err := e.App.RefresherFunction()(ctx, json.RawMessage(`{"source":"aws.scheduler"}`)); err != nil {
		t.Fatal(err)
	}
	if st, err := e.Refresh.Wait(ctx); err != nil || st.Failed != 1 || st.Pending != 1 {
		t.Fatalf("refresh while the reasons fail: %+v, %v; want the company's request failed, its retry pending", st, err)
	}
	time.Sleep(300 * time.Millisecond)
	if evs := e.feed(); count(evs, outbox.CandidateArchived)+count(evs, outbox.CandidateHired) != 0 {
		t.Fatalf("feed %v: an archive was announced before its reason's type was known", types(evs))
	}
	e.refresh()
	evs := e.waitFeed(func(evs []outbox.Event) bool { return count(evs, outbox.CandidateHired) == 1 })
	var hire outbox.CandidateArchiveData
	_ = json.Unmarshal(last(evs, outbox.CandidateHired).Data, &hire)
	if hire.Reason.ID != hired.ID || hire.Reason.Name != hired.Text {
		t.Errorf("candidate.hired data %+v, want reason %+v", hire, hired)
	}
	e.refresh()
	time.Sleep(300 * time.Millisecond)
	if evs = e.feed(); count(evs, outbox.CandidateHired) != 1 || count(evs, outbox.CandidateArchived) != 0 {
		t.Errorf("feed %v: want one candidate.hired and no candidate.archived", types(evs))
	}
}

// The vendor's DELETE of a candidate forgets its opportunity in Lever
// sync-back: the recruiter's later hire (by webhook), unarchive and stage
// change (seen only by the poll) and deletion in Lever make no candidate.*
// event and no write, and the export status shows no lever view. The
// DELETE itself announces nothing either.
func TestErasedCandidateIsAnnouncedNoMore(t *testing.T) {
	e := newSyncEnv(t)
	var skewMu sync.Mutex
	skew := time.Duration(0)
	e.App.SyncCore.Now = func() time.Time { skewMu.Lock(); defer skewMu.Unlock(); return time.Now().Add(skew) }
	e.refresh() // webhooks registered
	ctx := context.Background()
	if len(e.acct.Webhooks()) != 4 {
		t.Fatalf("webhooks: %+v", e.acct.Webhooks())
	}
	// Before the DELETE a change is announced (the path the rest of the
	// test proves silent works).
	if err := e.lever.ChangeStage(ctx, e.oppID, lever.StageOffer); err != nil {
		t.Fatal(err)
	}
	e.waitFeed(func(evs []outbox.Event) bool { return count(evs, outbox.CandidateStageChanged) == 1 })

	var rep struct {
		State   string `json:"state"`
		Removed struct {
			LeverState int `json:"leverState"`
		} `json:"removed"`
	}
	if code := e.Do("DELETE", "/v1/companies/"+company+"/candidates/cand-a", nil, &rep); code != 200 || rep.State != "erased" || rep.Removed.LeverState != 1 {
		t.Fatalf("DELETE: %d %+v, want erased with the Lever state removed", code, rep)
	}
	forgotten, err := e.App.LeverSync.Get(ctx, company, e.oppID)
	if err != nil || !forgotten.Forgotten || forgotten.Stage.ID != "" || forgotten.CandidateID != "cand-a" {
		t.Fatalf("Lever state after DELETE: %+v, %v; want a forgotten tombstone", forgotten, err)
	}
	// unchanged fails unless the tombstone is as the DELETE left it: no
	// write, so no change for the stream to turn into an event.
	unchanged := func(when string) {
		t.Helper()
		if got, err := e.App.LeverSync.Get(ctx, company, e.oppID); err != nil || got != forgotten {
			t.Fatalf("%s: Lever state %+v, %v; want the tombstone untouched %+v", when, got, err, forgotten)
		}
	}
	before, err := e.App.LeverSync.GetRecord(ctx, company)
	if err != nil {
		t.Fatal(err)
	}
	// delivered waits until leverlink verified a webhook delivery after
	// since (the deliveries did reach it).
	delivered := func(since time.Time) time.Time {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			rec, err := e.App.LeverSync.GetRecord(ctx, company)
			if err == nil && rec.LastDeliveryAt.After(since) {
				return rec.LastDeliveryAt
			}
			if time.Now().After(deadline) {
				t.Fatalf("no webhook delivery after %v: %+v %v", since, rec, err)
			}
		}
	}

	// Hired in Lever, by webhook (two deliveries).
	hired := e.hiredReason()
	if _, err := e.lever.SetArchived(ctx, e.oppID, hired.ID); err != nil {
		t.Fatal(err)
	}
	last := delivered(before.LastDeliveryAt)
	time.Sleep(300 * time.Millisecond) // the second delivery
	unchanged("after the hire's webhooks")

	// Unarchived and moved back with every webhook dropped: only the
	// poll of the next refresh period sees it.
	e.acct.SetWebhookFaults(leverfake.WebhookFaults{Drop: 1000})
	if _, err := e.lever.SetArchived(ctx, e.oppID, ""); err != nil {
		t.Fatal(err)
	}
	if err := e.lever.ChangeStage(ctx, e.oppID, lever.StageApplicantNew); err != nil {
		t.Fatal(err)
	}
	skewMu.Lock()
	skew += 15 * time.Minute
	skewMu.Unlock()
	e.refresh()
	if rec, err := e.App.LeverSync.GetRecord(ctx, company); err != nil || !rec.PolledAt.After(before.PolledAt) {
		t.Fatalf("the refresh did not poll: %+v %v", rec, err)
	}
	unchanged("after the poll")

	// Deleted in Lever: no candidate.deleted for an erased candidate.
	e.acct.SetWebhookFaults(leverfake.WebhookFaults{})
	if !e.acct.DeleteOpportunity(e.oppID, "") {
		t.Fatal("delete refused")
	}
	delivered(last)
	time.Sleep(300 * time.Millisecond)
	unchanged("after the deletion in Lever")

	evs := e.feed()
	for _, typ := range []outbox.Type{outbox.CandidateHired, outbox.CandidateArchived, outbox.CandidateUnarchived, outbox.CandidateDeleted} {
		if n := count(evs, typ); n != 0 {
			t.Errorf("%d %s after the DELETE: %v", n, typ, types(evs))
		}
	}
	if n := count(evs, outbox.CandidateStageChanged); n != 1 {
		t.Errorf("%d candidate.stage_changed, want only the one before the DELETE: %v", n, types(evs))
	}

	var st struct {
		State         string          `json:"state"`
		OpportunityID string          `json:"opportunityId"`
		Lever         json.RawMessage `json:"lever"`
	}
	if code := e.Do("GET", "/v1/companies/"+company+"/candidates/cand-a/export", nil, &st); code != 200 || st.State != "erased" || st.OpportunityID != e.oppID || st.Lever != nil {
		t.Errorf("export status after DELETE: %d %+v (lever %s), want erased, the opportunity id, no lever view", code, st, st.Lever)
	}
}
