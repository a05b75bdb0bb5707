package events

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/app/apptest"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
	"github.com/leverlink/leverlink/shared/outbox"
)

const company = "acme"

// vendor is the vendor's endpoint: it verifies each delivery's signature
// with the stack's secret and fails the first `fail` requests with 503.
type vendor struct {
	t    *testing.T
	mu   sync.Mutex
	fail int
	// failEvery > 0 also fails every failEvery-th request (503).
	failEvery int
	requests  int
	accepted  []outbox.Event
	seen      map[string]bool
	// redelivering counts repeated ids again (after POST /redeliver).
	redelivering bool
	srv          *httptest.Server
}

func newVendor(t *testing.T, fail int) *vendor {
	v := &vendor{t: t, fail: fail}
	v.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := event.Verify(r.Header.Get(event.SignatureHeader), body, []string{apptest.VendorEventsSecret}, time.Now()); err != nil {
			t.Errorf("outbound event signature: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var ev outbox.Event
		if err := json.Unmarshal(body, &ev); err != nil {
			t.Errorf("outbound event body %s: %v", body, err)
		}
		v.mu.Lock()
		defer v.mu.Unlock()
		v.requests++
		if v.fail > 0 || v.failEvery > 0 && v.requests%v.failEvery == 0 {
			if v.fail > 0 {
				v.fail--
			}
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		// At least once: a redelivery of an accepted id is acknowledged
		// and not counted again (the receiver dedupes by id, as the docs
		// tell vendors to).
		if !v.seen[ev.ID] || v.redelivering {
			v.accepted = append(v.accepted, ev)
		}
		if v.seen == nil {
			v.seen = map[string]bool{}
		}
		v.seen[ev.ID] = true
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(v.srv.Close)
	return v
}

func (v *vendor) got() (int, []outbox.Event) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.requests, append([]outbox.Event(nil), v.accepted...)
}

// env is a connected leverlink whose dispatcher runs on a clock the test
// moves forward (so backoffs pass at once).
type env struct {
	*apptest.Env
	t      *testing.T
	acct   *leverfake.Account
	vendor *vendor
	skew   atomic.Int64
}

func setup(t *testing.T, fail int) *env {
	t.Helper()
	t.Parallel()
	v := newVendor(t, fail)
	e := &env{Env: apptest.New(t, apptest.WithVendorEvents(v.srv.URL)), t: t, vendor: v}
	e.App.Dispatcher.Now = func() time.Time { return time.Now().Add(time.Duration(e.skew.Load())) }
	e.StartDispatcher()
	e.acct = e.Fake.NewAccount("Acme")
	e.Fake.SetConsentAccount(e.acct.ID)
	return e
}

// waitFor sweeps, an hour later each time, until the vendor accepted n
// events or 30 seconds passed.
func (e *env) waitFor(n int) []outbox.Event {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if _, acc := e.vendor.got(); len(acc) >= n {
			return acc
		}
		e.skew.Add(int64(time.Hour))
		e.Sweep()
		time.Sleep(100 * time.Millisecond)
	}
	_, acc := e.vendor.got()
	e.t.Fatalf("vendor accepted %d events, want %d: %v\n%s", len(acc), n, types(acc), e.Logs.String())
	return nil
}

func types(evs []outbox.Event) []string {
	var out []string
	for _, ev := range evs {
		out = append(out, fmt.Sprintf("#%d %s", ev.Sequence, ev.Type))
	}
	return out
}

type feedPage struct {
	Events []struct {
		outbox.Event
		Delivery outbox.Delivery `json:"delivery"`
	} `json:"events"`
	Cursor string `json:"cursor"`
}

func TestEveryEventReachesTheVendorInOrderAndTheFeed(t *testing.T) {
	e := setup(t, 3)
	open := e.acct.AddPosting(leverfake.Posting{Text: "Backend Engineer", State: "published"})
	closed := e.acct.AddPosting(leverfake.Posting{Text: "Old role", State: "closed"})
	if loc := e.Connect(company, nil); loc == nil || loc.Query().Get("status") != "connected" {
		t.Fatalf("connect: %v", loc)
	}
	if code := e.Do("POST", "/v1/companies/"+company+"/postings/reload", nil, nil); code != 200 {
		t.Fatalf("reload: %d", code)
	}
	for pos, posting := range map[string]string{"pos-1": open.ID, "pos-old": closed.ID} {
		if code := e.Do("PUT", "/v1/companies/"+company+"/links/"+pos, map[string]any{"postingId": posting}, nil); code != 200 {
			t.Fatalf("link %s: %d", pos, code)
		}
	}
	send := func(cand, pos string) {
		ev := map[string]any{"id": fmt.Sprintf("evt-%s-%d", cand, time.Now().UnixNano()), "type": "candidate.contact_accepted",
			"occurredAt": time.Now().UTC().Format(time.RFC3339), "companyId": company,
			"data": map[string]any{"positionId": pos, "candidate": map[string]any{
				"id": cand, "firstName": "Ada", "lastName": "Lovelace", "emails": []string{cand + "@example.com"},
				"profileUrl": "https://market.example/c/" + cand, "consent": map[string]any{"granted": true, "at": "2026-01-02T10:00:00Z"}}}}
		if code, out := e.Send(ev); code != 202 {
			t.Fatalf("send %s: %d %v", cand, code, out)
		}
	}
	send("cand-a", "pos-1")
	send("cand-b", "pos-404") // not linked: skipped
	if n := e.Drain(30 * time.Second); n != 0 {
		t.Fatalf("drain: %d failed", n)
	}
	e.acct.Revoke()
	e.Do("POST", "/v1/companies/"+company+"/postings/reload", nil, nil) // Lever refuses: revoked

	accepted := e.waitFor(5)
	requests, _ := e.vendor.got()
	if requests < len(accepted)+3 {
		t.Errorf("vendor saw %d requests for %d events: the 3 failures were not retried", requests, len(accepted))
	}
	byType := map[outbox.Type]outbox.Event{}
	for _, ev := range accepted {
		if _, dup := byType[ev.Type]; dup {
			t.Errorf("%s accepted twice: %v", ev.Type, types(accepted))
		}
		byType[ev.Type] = ev
	}
	for _, typ := range []outbox.Type{outbox.ConnectionConnected, outbox.LinkPostingClosed, outbox.ExportSucceeded, outbox.ExportSkipped, outbox.ConnectionRevoked} {
		if _, ok := byType[typ]; !ok {
			t.Errorf("vendor never got %s: %v", typ, types(accepted))
		}
	}
	var succeeded outbox.ExportSucceededData
	_ = json.Unmarshal(byType[outbox.ExportSucceeded].Data, &succeeded)
	opps := e.acct.Opportunities()
	if len(opps) != 1 || succeeded.OpportunityID != opps[0].ID || succeeded.CandidateID != "cand-a" || succeeded.PostingID != open.ID || succeeded.LeverURL == "" {
		t.Errorf("export.succeeded data %+v, want cand-a's opportunity in Lever %v", succeeded, opps)
	}
	// Company-level events (connection, link) arrive in sequence order.
	var last int64
	for _, ev := range accepted {
		if ev.Type == outbox.ExportSucceeded || ev.Type == outbox.ExportSkipped {
			continue
		}
		if ev.Sequence < last {
			t.Errorf("company event #%d %s accepted after #%d: %v", ev.Sequence, ev.Type, last, types(accepted))
		}
		last = ev.Sequence
	}
	if byType[outbox.ConnectionConnected].Sequence > byType[outbox.ConnectionRevoked].Sequence {
		t.Errorf("connected after revoked in the feed: %v", types(accepted))
	}

	// The feed has the same events, ids and sequence, each delivered.
	var page feedPage
	if code := e.Do("GET", "/v1/companies/"+company+"/events?limit=2", nil, &page); code != 200 || len(page.Events) != 2 {
		t.Fatalf("feed: %d %+v", code, page)
	}
	all := page.Events
	for page.Cursor != "" {
		var next feedPage
		if code := e.Do("GET", "/v1/companies/"+company+"/events?after="+page.Cursor, nil, &next); code != 200 {
			t.Fatalf("feed after %s: %d", page.Cursor, code)
		}
		if len(next.Events) == 0 {
			break
		}
		all, page = append(all, next.Events...), next
	}
	if len(all) != len(accepted) {
		t.Fatalf("feed has %d events, vendor accepted %d: %v", len(all), len(accepted), types(accepted))
	}
	for i, fe := range all {
		if fe.Sequence != int64(i+1) {
			t.Errorf("feed[%d] sequence %d", i, fe.Sequence)
		}
		got := byType[fe.Type]
		if got.ID != fe.ID || got.Sequence != fe.Sequence {
			t.Errorf("feed %s #%d id %s; delivered #%d id %s", fe.Type, fe.Sequence, fe.ID, got.Sequence, got.ID)
		}
		if fe.Delivery.State != outbox.Delivered {
			t.Errorf("feed %s delivery %+v, want delivered", fe.Type, fe.Delivery)
		}
	}

	// Redelivery pushes them again with the same ids.
	e.vendor.mu.Lock()
	e.vendor.redelivering = true
	e.vendor.mu.Unlock()
	var rd map[string]int
	if code := e.Do("POST", "/v1/companies/"+company+"/events/redeliver", map[string]any{"after": ""}, &rd); code != 202 || rd["redelivering"] != len(all) {
		t.Fatalf("redeliver: %d %v", code, rd)
	}
	again := e.waitFor(2 * len(accepted))
	redelivered := map[string]bool{}
	for _, ev := range again[len(accepted):] {
		if byType[ev.Type].ID != ev.ID {
			t.Errorf("redelivered %s with id %s, first delivered as %s", ev.Type, ev.ID, byType[ev.Type].ID)
		}
		redelivered[ev.ID] = true
	}
	if len(redelivered) != len(accepted) {
		t.Errorf("redelivered %d distinct events, want all %d", len(redelivered), len(accepted))
	}

	// Another company's key cannot read this feed.
	if code := e.DoKey("wrong-key", "GET", "/v1/companies/"+company+"/events", nil, nil); code != 401 {
		t.Errorf("feed with a wrong key: %d, want 401", code)
	}
	if code := e.Do("GET", "/v1/companies/"+company+"/events?after=not-a-cursor", nil, nil); code != 400 {
		t.Errorf("feed with a bad cursor: %d, want 400", code)
	}
}

func TestFeedAloneWithoutVendorURL(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	e.StartDispatcher()
	acct := e.Fake.NewAccount("Acme")
	e.Fake.SetConsentAccount(acct.ID)
	if loc := e.Connect(company, nil); loc == nil || loc.Query().Get("status") != "connected" {
		t.Fatalf("connect: %v", loc)
	}
	var page feedPage
	deadline := time.Now().Add(20 * time.Second)
	for len(page.Events) == 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		e.Do("GET", "/v1/companies/"+company+"/events", nil, &page)
	}
	if len(page.Events) != 1 || page.Events[0].Type != outbox.ConnectionConnected || page.Events[0].Delivery.State != outbox.FeedOnly {
		t.Fatalf("feed = %+v, want connection.connected, feed_only", page.Events)
	}
	var errBody map[string]map[string]string
	if code := e.Do("POST", "/v1/companies/"+company+"/events/redeliver", map[string]any{}, &errBody); code != 409 || errBody["error"]["reason"] != "no_vendor_url" {
		t.Errorf("redeliver without a URL: %d %v, want 409 no_vendor_url", code, errBody)
	}
}
