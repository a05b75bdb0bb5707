package outbox_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/memstore"
	"github.com/leverlink/leverlink/shared/outbox"
)

const secret = "whsec-outbound-test"

// receiver is a vendor endpoint over real HTTP that verifies every
// delivery's signature and answers the first fail requests with status
// (or, when status is 0, not at all within the client's timeout).
type receiver struct {
	mu       sync.Mutex
	fail     int
	status   int
	attempts []string       // event ids, every request
	accepted []outbox.Event // answered 2xx, in order
	now      func() time.Time
	srv      *httptest.Server
}

func newReceiver(t *testing.T, fail, status int, now func() time.Time) *receiver {
	r := &receiver{fail: fail, status: status, now: now}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		if err := event.Verify(req.Header.Get(event.SignatureHeader), body, []string{secret}, r.now()); err != nil {
			t.Errorf("delivery signature: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var ev outbox.Event
		if err := json.Unmarshal(body, &ev); err != nil {
			t.Errorf("delivery body: %v", err)
		}
		if req.Header.Get(outbox.EventIDHeader) != ev.ID {
			t.Errorf("%s = %q, body id %q", outbox.EventIDHeader, req.Header.Get(outbox.EventIDHeader), ev.ID)
		}
		r.mu.Lock()
		r.attempts = append(r.attempts, ev.ID)
		failing := r.fail > 0
		if failing {
			r.fail--
		} else {
			r.accepted = append(r.accepted, ev)
		}
		r.mu.Unlock()
		if failing {
			if r.status == 0 {
				time.Sleep(300 * time.Millisecond)
			} else {
				w.WriteHeader(r.status)
			}
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) got() ([]string, []outbox.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.attempts...), append([]outbox.Event(nil), r.accepted...)
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newDispatcher(store outbox.Store, r *receiver, clk *clock) *outbox.Dispatcher {
	return &outbox.Dispatcher{
		Store:  store,
		Sender: &outbox.HTTPSender{URL: r.srv.URL, Secret: secret, Client: &http.Client{Timeout: 100 * time.Millisecond}, Now: clk.Now},
		Now:    clk.Now, Rand: func() float64 { return 0.5 },
	}
}

// history is a candidate's export and push, a connection and its revocation.
func history() []outbox.Change {
	m := func(cand, act string, st export.State, reason string, v int64) *export.Marker {
		x := marker(act, st, reason, v)
		x.CandidateID = cand
		return x
	}
	return []outbox.Change{
		{NewConn: conn(connection.Connected, 1)},
		{OldMarker: m("candA", "", export.Exporting, "", 1), NewMarker: m("candA", "", export.Exported, "", 2)},
		{OldMarker: m("candB", "", export.Exporting, "", 1), NewMarker: m("candB", "", export.Failed, "lever_rejected", 2)},
		{OldMarker: m("candA", "msg1", export.Exporting, "", 1), NewMarker: m("candA", "msg1", export.Failed, "lever_rejected", 2)},
		{NewMarker: m("candC", "", export.Skipped, "not_linked", 1)},
		{OldMarker: m("candA", "msg2", export.Exporting, "", 1), NewMarker: m("candA", "msg2", export.Failed, "invalid_job", 2)},
		{OldConn: conn(connection.Connected, 2), NewConn: conn(connection.Revoked, 3)},
	}
}

// drain sweeps, advancing the clock past every backoff, until nothing is
// pending or rounds run out.
func drain(t *testing.T, d *outbox.Dispatcher, store outbox.Store, clk *clock, rounds int) {
	t.Helper()
	ctx := context.Background()
	for range rounds {
		if p, _ := store.Pending(ctx, "co1", 100); len(p) == 0 {
			return
		}
		clk.Add(time.Hour)
		if err := d.Sweep(ctx); err != nil {
			t.Fatalf("Sweep: %v", err)
		}
	}
}

func TestDeliveryRetriesInOrderWithStableIDs(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
	}{{"5xx", http.StatusServiceUnavailable}, {"4xx", http.StatusBadRequest}, {"timeout", 0}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			clk := &clock{t: t0}
			r := newReceiver(t, 4, tc.status, clk.Now)
			store := memstore.NewOutbox()
			d := newDispatcher(store, r, clk)
			changes := history()
			if err := d.HandleChanges(ctx, changes); err != nil {
				t.Fatal(err)
			}
			// The stream delivers the batch again (a retry): nothing doubles.
			if err := d.HandleChanges(ctx, changes); err != nil {
				t.Fatal(err)
			}
			drain(t, d, store, clk, 20)

			feed := &outbox.Feed{Store: store, Delivering: true, Dispatcher: d}
			page, err := feed.List(ctx, "co1", "", 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Events) != len(changes) {
				t.Fatalf("feed has %d events, want %d (one per change)", len(page.Events), len(changes))
			}
			attempts, accepted := r.got()
			if len(attempts) <= len(accepted) {
				t.Fatalf("receiver saw %d attempts for %d accepted: the failures were not retried", len(attempts), len(accepted))
			}
			byID := map[string]outbox.Event{}
			for _, ev := range accepted {
				if _, dup := byID[ev.ID]; dup {
					t.Errorf("event %s accepted twice", ev.ID)
				}
				byID[ev.ID] = ev
			}
			wantTypes := []outbox.Type{outbox.ConnectionConnected, outbox.ExportSucceeded, outbox.ExportFailed, outbox.PushFailed, outbox.ExportSkipped, outbox.PushFailed, outbox.ConnectionRevoked}
			for i, e := range page.Events {
				if e.Sequence != int64(i+1) || e.Type != wantTypes[i] {
					t.Errorf("feed[%d] = #%d %s, want #%d %s", i, e.Sequence, e.Type, i+1, wantTypes[i])
				}
				if e.Delivery.State != outbox.Delivered {
					t.Errorf("feed[%d] %s delivery %+v, want delivered", i, e.Type, e.Delivery)
				}
				got, ok := byID[e.ID]
				if !ok {
					t.Errorf("feed event %s (%s) never accepted by the receiver", e.ID, e.Type)
					continue
				}
				if got.Sequence != e.Sequence || got.Type != e.Type || string(got.Data) != string(e.Data) {
					t.Errorf("delivered %+v differs from the feed's %+v", got, e.Event)
				}
			}
			// Per-candidate (and company-level) order of acceptance.
			last := map[string]int64{}
			for _, ev := range accepted {
				key := orderKey(t, ev)
				if ev.Sequence < last[key] {
					t.Errorf("%s #%d accepted after #%d of the same key %q", ev.Type, ev.Sequence, last[key], key)
				}
				last[key] = ev.Sequence
			}
		})
	}
}

// orderKey reads the candidate of a delivered event ("" for company events).
func orderKey(t *testing.T, ev outbox.Event) string {
	var d struct {
		CandidateID string `json:"candidateId"`
	}
	if err := json.Unmarshal(ev.Data, &d); err != nil {
		t.Fatal(err)
	}
	return d.CandidateID
}

func TestDeliveryParksAfterRetryingAndUnblocksTheCandidate(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: t0}
	r := newReceiver(t, 1<<30, http.StatusInternalServerError, clk.Now)
	store := memstore.NewOutbox()
	d := newDispatcher(store, r, clk)
	if err := d.HandleChanges(ctx, history()[1:2]); err != nil { // candA exported
		t.Fatal(err)
	}
	// 71 hours of hourly sweeps: still pending.
	for range 71 {
		clk.Add(time.Hour)
		if err := d.Sweep(ctx); err != nil {
			t.Fatal(err)
		}
	}
	es, _ := store.List(ctx, "co1", 0, 10)
	if es[0].Delivery.State != outbox.Pending || es[0].Delivery.LastError != "status 500" {
		t.Fatalf("after 71h: %+v, want pending with last error status 500", es[0].Delivery)
	}
	for range 3 {
		clk.Add(time.Hour)
		_ = d.Sweep(ctx)
	}
	es, _ = store.List(ctx, "co1", 0, 10)
	if es[0].Delivery.State != outbox.Parked {
		t.Fatalf("after 74h: %+v, want parked", es[0].Delivery)
	}
	if es[0].Delivery.Attempts < 72 {
		t.Errorf("parked after %d attempts, want at least 72 (hourly for 72h)", es[0].Delivery.Attempts)
	}
	// A parked event no longer holds its candidate's later events back.
	r.mu.Lock()
	r.fail = 0
	r.mu.Unlock()
	if err := d.HandleChanges(ctx, history()[3:4]); err != nil { // candA push failed
		t.Fatal(err)
	}
	_, accepted := r.got()
	if len(accepted) != 1 || accepted[0].Type != outbox.PushFailed {
		t.Fatalf("accepted %v, want the later push.failed", accepted)
	}
	// Redelivery from the start pushes the parked event again, same id.
	feed := &outbox.Feed{Store: store, Delivering: true, Dispatcher: d}
	n, err := feed.Redeliver(ctx, "co1", "")
	if err != nil || n != 2 {
		t.Fatalf("Redeliver = %d, %v; want 2", n, err)
	}
	_, accepted = r.got()
	if len(accepted) != 3 || accepted[1].ID != es[0].ID || accepted[1].Sequence != 1 {
		t.Fatalf("after redelivery accepted %+v, want the parked event #1 again", accepted)
	}
}

func TestFeedWithoutVendorURL(t *testing.T) {
	ctx := context.Background()
	store := memstore.NewOutbox()
	d := &outbox.Dispatcher{Store: store, Now: func() time.Time { return t0 }}
	if err := d.HandleChanges(ctx, history()); err != nil {
		t.Fatal(err)
	}
	feed := &outbox.Feed{Store: store, Dispatcher: d}
	var all []outbox.Entry
	cursor := ""
	for range 10 {
		p, err := feed.List(ctx, "co1", cursor, 3)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, p.Events...)
		if len(p.Events) == 0 {
			if p.Cursor != cursor {
				t.Errorf("empty page moved the cursor")
			}
			break
		}
		cursor = p.Cursor
	}
	if len(all) != len(history()) {
		t.Fatalf("paged %d events, want %d", len(all), len(history()))
	}
	for i, e := range all {
		if e.Sequence != int64(i+1) || e.Delivery.State != outbox.FeedOnly {
			t.Errorf("event %d: #%d %s, want #%d feed_only", i, e.Sequence, e.Delivery.State, i+1)
		}
	}
	if _, err := feed.Redeliver(ctx, "co1", ""); apperr.ReasonOf(err) != "no_vendor_url" {
		t.Errorf("Redeliver without a URL: %v, want conflict no_vendor_url", err)
	}
	for _, tc := range []struct{ after, field string }{{"garbage", "after"}, {outbox.EncodeCursor(2) + "x", "after"}} {
		if _, err := feed.List(ctx, "co1", tc.after, 0); apperr.CodeOf(err) != apperr.Invalid || apperr.As(err).Field != tc.field {
			t.Errorf("List(after %q) = %v, want invalid %s", tc.after, err, tc.field)
		}
	}
	if _, err := feed.List(ctx, "co1", "", outbox.MaxPage+1); apperr.As(err) == nil || apperr.As(err).Field != "limit" {
		t.Errorf("List(limit too big) = %v, want invalid limit", err)
	}
}
