package postings

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/app/apptest"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/posting"
)

// postingEvent is one posting.* event as the feed and the vendor's
// endpoint carry it: the envelope with the change as data.
type postingEvent struct {
	ID       string         `json:"id"`
	Type     string         `json:"type"`
	Sequence int64          `json:"sequence"`
	Data     posting.Change `json:"data"`
}

// feedPostings reads the company's whole feed (GET …/events, paged) and
// returns its posting.* events in sequence order.
func feedPostings(t *testing.T, e *apptest.Env, companyID string) []postingEvent {
	t.Helper()
	var out []postingEvent
	cursor := ""
	for {
		var page struct {
			Events []postingEvent `json:"events"`
			Cursor string         `json:"cursor"`
		}
		if code := e.Do("GET", path(companyID, "/events?limit=2&after="+cursor), nil, &page); code != http.StatusOK {
			t.Fatalf("GET /events: %d", code)
		}
		if len(page.Events) == 0 {
			return out
		}
		for _, ev := range page.Events {
			if strings.HasPrefix(ev.Type, "posting.") {
				out = append(out, ev)
			}
		}
		cursor = page.Cursor
	}
}

// waitPostings polls the feed until it holds n posting events (the
// dispatcher reads the links table's stream) and returns them.
func waitPostings(t *testing.T, e *apptest.Env, companyID string, n int) []postingEvent {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		evs := feedPostings(t, e, companyID)
		if len(evs) >= n || time.Now().After(deadline) {
			if len(evs) != n {
				t.Fatalf("feed holds %d posting events %v, want %d", len(evs), eventTypes(evs), n)
			}
			return evs
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func eventTypes(evs []postingEvent) []string {
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Type)
	}
	return out
}

// receiver is the vendor's endpoint: it verifies each delivery's
// signature and keeps the posting events it accepts, once per id.
type receiver struct {
	mu   sync.Mutex
	got  []postingEvent
	seen map[string]bool
	srv  *httptest.Server
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{seen: map[string]bool{}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		if err := event.Verify(req.Header.Get(event.SignatureHeader), body, []string{apptest.VendorEventsSecret}, time.Now()); err != nil {
			t.Errorf("outbound event signature: %v", err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var ev postingEvent
		if err := json.Unmarshal(body, &ev); err != nil {
			t.Errorf("outbound event %s: %v", body, err)
		}
		r.mu.Lock()
		defer r.mu.Unlock()
		if strings.HasPrefix(ev.Type, "posting.") && !r.seen[ev.ID] {
			r.seen[ev.ID] = true
			r.got = append(r.got, ev)
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) events() []postingEvent {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// leverAPI sends one request to the fake Lever's API (as a Lever user's
// integration would: docs #create-a-posting, #update-a-posting) and
// returns the posting it answers.
func leverAPI(t *testing.T, method, url, token, body string) map[string]any {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: %d %s", method, url, resp.StatusCode, b)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	var out struct {
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s %s: decode %s: %v", method, url, b, err)
	}
	return out.Data
}

// TestPublishingChanges: a posting created, edited (salary changed),
// closed and deleted in the fake Lever yields exactly posting.published,
// posting.updated [salary], posting.closed and posting.removed, in that
// order, in the company's feed and at the vendor's endpoint (signed),
// across refreshes; a refresh that finds nothing changed announces nothing
// and writes no posting item; an internal-only posting is not announced
// (the company did not opt in).
func TestPublishingChanges(t *testing.T) {
	t.Parallel()
	vendor := newReceiver(t)
	e, _ := newEnv(t, apptest.WithVendorEvents(vendor.srv.URL))
	e.StartDispatcher()
	acct := connect(t, e, "pub")
	r, db := countingRefresher(t, e)
	ctx := ctxT(t)
	api := e.Fake.URL + "/v1"
	tok := acct.Authorize().AccessToken
	pa := "?perform_as=" + acct.AdminID()

	created := leverAPI(t, "POST", api+"/postings"+pa, tok, `{"text":"Infrastructure Engineer","state":"published",
		"distributionChannels":["public"],
		"categories":{"team":"Platform","department":"Engineering","location":"San Francisco","allLocations":["San Francisco","New York City"],"commitment":"Full-time"},
		"content":{"descriptionHtml":"<div>The <u><b>Infrastructure Engineer</b></u> will act as...</div><div>Superman.</div>",
		  "lists":[{"text":"Job requirements","content":"<li>Quick learner</li><li>Ambitious</li>"}],
		  "closingPostingHtml":"<div>Our company is <b>proud</b>.</div>"},
		"salaryDescriptionHtml":"<p>This is a salary description.</p>",
		"salaryRange":{"max":60000,"min":40000,"currency":"USD","interval":"per-year-salary"},
		"workplaceType":"remote","tags":["engineering"]}`)
	id, _ := created["id"].(string)
	leverAPI(t, "POST", api+"/postings"+pa, tok, `{"text":"Internal transfer","state":"published","distributionChannels":["internal"]}`)

	refresh := func(step string) posting.Result {
		t.Helper()
		db.reset()
		res, err := r.Refresh(ctx, "pub")
		if err != nil || res.Skipped != "" {
			t.Fatalf("%s: refresh %+v, %v", step, res, err)
		}
		return res
	}

	refresh("created")
	pub := waitPostings(t, e, "pub", 1)[0]
	if pub.Type != "posting.published" || pub.Data.PostingID != id || pub.Data.Type != posting.Published {
		t.Fatalf("after create: %+v, want posting.published of %s (the internal-only one is not announced)", pub, id)
	}
	if p := pub.Data.Posting; p == nil || p.SalaryRange == nil || p.SalaryRange.Max != 60000 || p.Content == nil ||
		p.Content.Text != "The Infrastructure Engineer will act as...\nSuperman.\n\nJob requirements\n- Quick learner\n- Ambitious\n\nOur company is proud." ||
		p.URLs == nil || !strings.HasSuffix(p.URLs.Apply, "/apply") || p.WorkplaceType != "remote" || len(p.AllLocations) != 2 {
		t.Fatalf("posting.published carries %+v, want the full posting", pub.Data.Posting)
	}

	// Unchanged: nothing announced, no posting item written (and, as the
	// final sequence shows, no event).
	res := refresh("unchanged")
	w := db.snapshot()
	if res.Announced != 0 || res.Written != 0 {
		t.Fatalf("unchanged refresh: result %+v; want nothing announced or written", res)
	}
	for _, k := range []string{"put posting", "delete posting", "update posting"} {
		if w[k] != 0 {
			t.Fatalf("unchanged refresh wrote %s %d times, want 0", k, w[k])
		}
	}

	// The API: GET /postings keeps its light shape; the full posting is
	// GET /postings/{postingId} and GET /postings?include=content.
	var light struct {
		Postings []map[string]any `json:"postings"`
	}
	if code := e.Do("GET", path("pub", "/postings?state=all"), nil, &light); code != http.StatusOK || len(light.Postings) != 2 {
		t.Fatalf("GET /postings: %d, %d postings; want 200 and 2", code, len(light.Postings))
	}
	for _, p := range light.Postings {
		for _, k := range []string{"content", "salaryRange", "distributionChannels", "urls", "createdAt", "tags"} {
			if _, ok := p[k]; ok {
				t.Fatalf("GET /postings item has %q; want the light shape: %v", k, p)
			}
		}
	}
	var full posting.Posting
	if code := e.Do("GET", path("pub", "/postings/"+id), nil, &full); code != http.StatusOK {
		t.Fatalf("GET /postings/%s: %d", id, code)
	}
	if full.Content == nil || full.Content.DescriptionHTML != "<div>The <u><b>Infrastructure Engineer</b></u> will act as...</div><div>Superman.</div>" ||
		full.SalaryDescription != "This is a salary description." || full.SalaryDescriptionHTML != "<p>This is a salary description.</p>" ||
		len(full.Content.Lists) != 1 || !slices.Equal(full.Content.Lists[0].Items, []string{"Quick learner", "Ambitious"}) ||
		!slices.Equal(full.DistributionChannels, []string{"public"}) || full.CreatedAt.IsZero() || !slices.Equal(full.Tags, []string{"engineering"}) {
		t.Fatalf("GET /postings/%s = %+v, want the full posting", id, full)
	}
	var withContent struct {
		Postings []posting.Posting `json:"postings"`
	}
	if code := e.Do("GET", path("pub", "/postings?include=content"), nil, &withContent); code != http.StatusOK || len(withContent.Postings) != 2 {
		t.Fatalf("GET /postings?include=content: %d, %d postings, want 200 and 2", code, len(withContent.Postings))
	}
	for _, p := range withContent.Postings {
		if p.Content == nil {
			t.Fatalf("include=content: posting %s without content", p.ID)
		}
	}
	var bad errorBody
	if code := e.Do("GET", path("pub", "/postings?include=everything"), nil, &bad); code != http.StatusBadRequest || bad.Error.Field != "include" {
		t.Fatalf("include=everything: %d %+v, want 400 naming include", code, bad)
	}
	if code := e.Do("GET", path("pub", "/postings/unknown-posting"), nil, &bad); code != http.StatusNotFound {
		t.Fatalf("GET unknown posting: %d, want 404", code)
	}
	if code := e.Do("GET", path("other-co", "/postings/"+id), nil, &bad); code != http.StatusNotFound {
		t.Fatalf("GET another company's posting: %d, want 404", code)
	}

	// Salary changed: posting.updated naming salary.
	leverAPI(t, "POST", api+"/postings/"+id+pa, tok, `{"salaryRange":{"max":70000,"min":50000,"currency":"USD","interval":"per-year-salary"}}`)
	if res := refresh("salary"); res.Written != 1 || res.Announced != 1 {
		t.Fatalf("salary change: %+v, want 1 posting written and announced", res)
	}
	upd := waitPostings(t, e, "pub", 2)[1]
	if upd.Type != "posting.updated" || !slices.Equal(upd.Data.Fields, []string{"salary"}) || upd.Data.Posting.SalaryRange.Max != 70000 {
		t.Fatalf("after salary change: %+v, want posting.updated [salary] with the new range", upd)
	}

	// Closed, then deleted; unchanged refreshes between announce nothing.
	leverAPI(t, "POST", api+"/postings/"+id+pa, tok, `{"state":"closed"}`)
	refresh("closed")
	refresh("unchanged after close")
	if !acct.DeletePosting(id) {
		t.Fatal("delete posting in the fake")
	}
	refresh("deleted")
	refresh("unchanged after delete")
	want := []string{"posting.published", "posting.updated", "posting.closed", "posting.removed"}
	evs := waitPostings(t, e, "pub", 4)
	if got := eventTypes(evs); !slices.Equal(got, want) {
		t.Fatalf("feed across refreshes: %v, want %v", got, want)
	}
	ids := map[string]bool{}
	for i, ev := range evs {
		ids[ev.ID], ids[ev.Data.ID] = true, true
		if ev.Data.PostingID != id || string(ev.Data.Type) != ev.Type || (i > 0 && ev.Sequence <= evs[i-1].Sequence) {
			t.Fatalf("event %d %+v: want %s's change as data, in sequence order", i, ev, id)
		}
	}
	if len(ids) != 8 {
		t.Fatalf("event and change ids %v: want 8 distinct", ids)
	}
	if evs[2].Data.State != "closed" || evs[2].Data.Posting == nil || evs[3].Data.Posting != nil {
		t.Fatalf("closed %+v / removed %+v: want state closed with the posting, and no posting on removed", evs[2].Data, evs[3].Data)
	}
	// The vendor's endpoint got the same events, once each, in order.
	deadline := time.Now().Add(30 * time.Second)
	for len(vendor.events()) < 4 && time.Now().Before(deadline) {
		e.Sweep()
		time.Sleep(100 * time.Millisecond)
	}
	got := vendor.events()
	if len(got) != 4 {
		t.Fatalf("vendor accepted %v, want the 4 events", eventTypes(got))
	}
	for i := range got {
		if got[i].ID != evs[i].ID || got[i].Sequence != evs[i].Sequence {
			t.Fatalf("vendor got #%d %s %s, feed has #%d %s %s", got[i].Sequence, got[i].Type, got[i].ID, evs[i].Sequence, evs[i].Type, evs[i].ID)
		}
	}
}

// TestInternalPostingsAnnouncedWhenOptedIn: once the company's settings
// say announceInternalPostings (PUT /settings), the app's refresher
// (POST /postings/reload) announces internal-only postings too; before,
// only public ones.
func TestInternalPostingsAnnouncedWhenOptedIn(t *testing.T) {
	t.Parallel()
	e, _ := newEnv(t)
	e.StartDispatcher()
	acct := connect(t, e, "intl")
	api := e.Fake.URL + "/v1"
	tok := acct.Authorize().AccessToken
	pa := "?perform_as=" + acct.AdminID()
	leverAPI(t, "POST", api+"/postings"+pa, tok, `{"text":"Public","state":"published","distributionChannels":["public"]}`)
	leverAPI(t, "POST", api+"/postings"+pa, tok, `{"text":"Internal transfer","state":"published","distributionChannels":["internal"]}`)
	leverAPI(t, "POST", api+"/postings"+pa, tok, `{"text":"Unlisted","state":"internal"}`)
	leverAPI(t, "POST", api+"/postings"+pa, tok, `{"text":"Draft","state":"draft"}`)
	announced := func(n int) []string {
		var got []string
		for _, ev := range waitPostings(t, e, "intl", n) {
			got = append(got, ev.Type+" "+ev.Data.Posting.Text)
		}
		slices.Sort(got)
		return got
	}
	reload(t, e, "intl")
	if got, want := announced(1), []string{"posting.published Public"}; !slices.Equal(got, want) {
		t.Fatalf("default settings: announced %v, want %v", got, want)
	}
	if code := e.Do("PUT", path("intl", "/settings"), map[string]any{"allowGeneralOpportunity": false, "exportBeforeConsent": false, "announceInternalPostings": true}, nil); code != http.StatusOK {
		t.Fatalf("PUT /settings: %d", code)
	}
	reload(t, e, "intl")
	want := []string{"posting.published Internal transfer", "posting.published Public", "posting.published Unlisted"}
	if got := announced(3); !slices.Equal(got, want) {
		t.Fatalf("announceInternalPostings: announced %v, want %v", got, want)
	}
}
