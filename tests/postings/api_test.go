package postings

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/app/apptest"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/httpapi"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
)

// TestListPostingsFilters: GET /postings before any refresh and after the
// first one (requested by the OAuth callback), then its state
// and q filters (default published + internal, ordered by text).
func TestListPostingsFilters(t *testing.T) {
	t.Parallel()
	e, _ := newEnv(t)
	acct := connect(t, e, "acme")
	for _, p := range []leverfake.Posting{
		{Text: "Backend Engineer", State: "published", Categories: leverfake.Categories{Team: "Platform", Location: "Berlin"}},
		{Text: "Frontend Engineer", State: "internal", Categories: leverfake.Categories{Location: "Paris"}},
		{Text: "Data Scientist", State: "closed", Categories: leverfake.Categories{Department: "Science"}},
		{Text: "Sales Lead", State: "draft"},
		{Text: "Office Manager", State: "published", Categories: leverfake.Categories{Location: "Berlin"}},
		{Text: "Recruiter", State: "pending"},
	} {
		acct.AddPosting(p)
	}

	var empty postingList
	never := seedConnections(t, e, "never", 1, connection.Connected)[0] // connected without the callback's first refresh
	if code := e.Do("GET", path(never, "/postings"), nil, &empty); code != 200 || len(empty.Postings) != 0 || empty.RefreshedAt != nil {
		t.Fatalf("GET /postings before any refresh: %d %+v, want 200, no postings, refreshedAt null", code, empty)
	}
	var first postingList // the first refresh, requested by the callback, ran before the postings were added
	if code := e.Do("GET", path("acme", "/postings"), nil, &first); code != 200 || len(first.Postings) != 0 || first.RefreshedAt == nil {
		t.Fatalf("GET /postings after the first refresh: %d %+v, want 200, no postings, refreshedAt set", code, first)
	}
	reload(t, e, "acme")

	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", []string{"Backend Engineer", "Frontend Engineer", "Office Manager"}},
		{"?state=all", []string{"Backend Engineer", "Data Scientist", "Frontend Engineer", "Office Manager", "Recruiter", "Sales Lead"}},
		{"?state=closed", []string{"Data Scientist"}},
		{"?state=closed,draft", []string{"Data Scientist", "Sales Lead"}},
		{"?state=published", []string{"Backend Engineer", "Office Manager"}},
		{"?q=engineer", []string{"Backend Engineer", "Frontend Engineer"}},
		{"?q=BERLIN", []string{"Backend Engineer", "Office Manager"}},
		{"?q=platform", []string{"Backend Engineer"}},
		{"?state=all&q=science", []string{"Data Scientist"}},
		{"?state=closed&q=engineer", []string{}},
		{"?q=nothing-matches", []string{}},
	} {
		t.Run(tc.query, func(t *testing.T) {
			var out postingList
			if code := e.Do("GET", path("acme", "/postings"+tc.query), nil, &out); code != 200 {
				t.Fatalf("status %d, want 200", code)
			}
			got := []string{}
			for _, p := range out.Postings {
				got = append(got, p.Text)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
			if out.RefreshedAt == nil {
				t.Errorf("refreshedAt is null after a reload")
			}
		})
	}
	var eb errorBody
	if code := e.Do("GET", path("acme", "/postings?state=bogus"), nil, &eb); code != 400 || eb.Error.Field != "state" {
		t.Errorf("state=bogus: %d %+v, want 400 naming state", code, eb.Error)
	}
}

// TestConcurrentReloadsOneLeverPass: reloads of one company that overlap
// (slow Lever, 3 pages) make one Lever pass; each caller gets the list.
func TestConcurrentReloadsOneLeverPass(t *testing.T) {
	t.Parallel()
	e, _ := newEnv(t)
	acct := connect(t, e, "acme")
	acct.AddPostings(250, leverfake.Posting{Text: "Engineer"})
	e.Fake.SetLatency(150*time.Millisecond, 0)
	e.Fake.ResetCounters()

	const n = 8
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		codes   []int
		skipped []string
		sizes   []int
	)
	start := time.Now()
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			code, body := call(e, apptest.APIKey, "POST", path("acme", "/postings/reload"), nil)
			var out postingList
			_ = json.Unmarshal(body, &out)
			mu.Lock()
			defer mu.Unlock()
			codes, skipped, sizes = append(codes, code), append(skipped, out.Reload.Skipped), append(sizes, len(out.Postings))
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	calls := acct.Calls("GET /postings")
	t.Logf("%d concurrent reloads: %v, Lever GET /postings calls %d, outcomes %v", n, elapsed, calls, skipped)
	if calls != 3 {
		t.Errorf("Lever GET /postings calls = %d, want 3 (one pass of 3 pages)\n%s", calls, e.Logs.String())
	}
	for i := range n {
		if codes[i] != 200 || sizes[i] != 250 {
			t.Errorf("reload %d: status %d with %d postings, want 200 with 250", i, codes[i], sizes[i])
		}
	}
	slices.Sort(skipped)
	if want := append([]string{""}, slices.Repeat([]string{"joined"}, n-1)...); !slices.Equal(skipped, want) {
		t.Errorf("reload outcomes: got %q, want one pass and %d joined", skipped, n-1)
	}

	// A later reload is a new pass, not a stale answer.
	e.Fake.SetLatency(0, 0)
	e.Fake.ResetCounters()
	if out := reload(t, e, "acme"); out.Reload.Skipped != "" || acct.Calls("GET /postings") != 3 {
		t.Errorf("sequential reload: skipped %q with %d Lever calls, want a pass of 3", out.Reload.Skipped, acct.Calls("GET /postings"))
	}
}

// TestReloadDeadline: a reload that cannot finish before its deadline
// answers 503 (its own slow pass, or waiting for another one), and the
// refresh lease is released so the next reload works.
func TestReloadDeadline(t *testing.T) {
	t.Parallel()
	e, _ := newEnv(t)
	acct := connect(t, e, "acme")
	acct.AddPostings(120, leverfake.Posting{Text: "Engineer"})
	short := (&httpapi.Server{
		Keys:     httpapi.KeyFunc(func(context.Context) ([]string, error) { return []string{apptest.APIKey}, nil }),
		Postings: e.App.Postings, Refresher: e.App.Refresher, ReloadTimeout: 300 * time.Millisecond, Log: e.App.Log,
	}).Handler()
	shortReload := func() (int, errorBody) {
		req := httptest.NewRequest("POST", path("acme", "/postings/reload"), nil)
		req.Header.Set("Authorization", "Bearer "+apptest.APIKey)
		rec := httptest.NewRecorder()
		short.ServeHTTP(rec, req)
		var eb errorBody
		_ = json.Unmarshal(rec.Body.Bytes(), &eb)
		return rec.Code, eb
	}

	e.Fake.SetLatency(time.Second, 0)
	if code, eb := shortReload(); code != http.StatusServiceUnavailable || eb.Error.Code != "transient" {
		t.Errorf("slow own pass: %d %+v, want 503 transient", code, eb.Error)
	}

	// Waiting for another caller's slow pass.
	done := make(chan int, 1)
	go func() {
		code, _ := call(e, apptest.APIKey, "POST", path("acme", "/postings/reload"), nil)
		done <- code
	}()
	time.Sleep(200 * time.Millisecond)
	if code, eb := shortReload(); code != http.StatusServiceUnavailable {
		t.Errorf("waiting for another pass: %d %+v, want 503", code, eb.Error)
	}
	if code := <-done; code != 200 {
		t.Errorf("the slow reload: status %d, want 200", code)
	}

	e.Fake.SetLatency(0, 0)
	if out := reload(t, e, "acme"); out.Reload.Skipped != "" || len(out.Postings) != 120 {
		t.Errorf("reload after timeouts: skipped %q, %d postings; want a pass with 120", out.Reload.Skipped, len(out.Postings))
	}
}

// TestLinkErrors: PUT /links/{positionId} refuses what it must, with the
// stable code, reason and field; no refused request creates a link.
func TestLinkErrors(t *testing.T) {
	t.Parallel()
	const acmeKey = "acme=acme-key-0123456789"
	e, _ := newEnv(t, apptest.WithAPIKeys(apptest.APIKey+","+acmeKey))
	acct := connect(t, e, "acme")
	p := acct.AddPosting(leverfake.Posting{Text: "Backend"})
	reload(t, e, "acme")
	gacct := connect(t, e, "globex")
	g := gacct.AddPosting(leverfake.Posting{Text: "Globex role"})
	reload(t, e, "globex")
	uacct := connect(t, e, "umbrella")
	u := uacct.AddPosting(leverfake.Posting{Text: "Umbrella role"})
	reload(t, e, "umbrella")
	if code := e.Do("DELETE", path("umbrella", "/connection"), nil, nil); code != http.StatusOK {
		t.Fatalf("disconnect umbrella: %d", code)
	}
	putLink(t, e, "globex", "pos-g", map[string]any{"postingId": g.ID})
	hacct := connect(t, e, "hooli")
	h := hacct.AddPosting(leverfake.Posting{Text: "Hooli role"})
	reload(t, e, "hooli")
	if _, err := e.App.Connections.Update(ctxT(t), "hooli", func(c *connection.Connection) error {
		c.Status, c.LastError = connection.PerformAsInactive, connection.ReasonPerformAsInactive
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		name, key, company, position string
		body                         any
		status                       int
		code, field, reason          string
	}{
		{"unknown posting", apptest.APIKey, "acme", "pos-1", map[string]any{"postingId": "no-such-posting"}, 404, "not_found", "postingId", ""},
		{"missing postingId", apptest.APIKey, "acme", "pos-1", map[string]any{"trigger": "replied"}, 400, "invalid", "postingId", ""},
		{"unknown trigger", apptest.APIKey, "acme", "pos-1", map[string]any{"postingId": p.ID, "trigger": "hired"}, 400, "invalid", "trigger", ""},
		{"trigger in wrong case", apptest.APIKey, "acme", "pos-1", map[string]any{"postingId": p.ID, "trigger": "Replied"}, 400, "invalid", "trigger", ""},
		{"unknown field", apptest.APIKey, "acme", "pos-1", map[string]any{"postingId": p.ID, "posting": p.ID}, 400, "invalid", "posting", ""},
		{"malformed body", apptest.APIKey, "acme", "pos-1", "{", 400, "invalid", "body", ""},
		{"malformed position id", apptest.APIKey, "acme", strings.Repeat("x", 300), map[string]any{"postingId": p.ID}, 400, "invalid", "positionId", ""},
		{"never connected", apptest.APIKey, "initech", "pos-1", map[string]any{"postingId": p.ID}, 422, "invalid", "", "not_connected"},
		{"disconnected", apptest.APIKey, "umbrella", "pos-1", map[string]any{"postingId": u.ID}, 422, "invalid", "", "not_connected"},
		{"perform-as user deactivated", apptest.APIKey, "hooli", "pos-1", map[string]any{"postingId": h.ID}, 422, "invalid", "", "perform_as_inactive"},
		{"another company's posting", apptest.APIKey, "acme", "pos-1", map[string]any{"postingId": g.ID}, 404, "not_found", "postingId", ""},
		{"another company's position (scoped key)", "acme-key-0123456789", "globex", "pos-g", map[string]any{"postingId": g.ID}, 403, "forbidden", "", "wrong_company"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := call(e, tc.key, "PUT", path(tc.company, "/links/"+tc.position), tc.body)
			var eb errorBody
			_ = json.Unmarshal(body, &eb)
			if code != tc.status || eb.Error.Code != tc.code || eb.Error.Field != tc.field || eb.Error.Reason != tc.reason {
				t.Errorf("got %d %+v, want %d code=%s field=%q reason=%q", code, eb.Error, tc.status, tc.code, tc.field, tc.reason)
			}
		})
	}
	if code, body := call(e, "acme-key-0123456789", "DELETE", path("globex", "/links/pos-g"), nil); code != 403 {
		t.Errorf("DELETE another company's link with a scoped key: %d %s, want 403", code, body)
	}
	if code, _ := call(e, "acme-key-0123456789", "GET", path("globex", "/links"), nil); code != 403 {
		t.Errorf("GET another company's links with a scoped key: %d, want 403", code)
	}
	for _, c := range []string{"acme", "initech", "umbrella", "hooli"} {
		if got := links(t, e, c); len(got) != 0 {
			t.Errorf("refused requests created links for %s: %v", c, got)
		}
	}
	if got := links(t, e, "globex"); len(got) != 1 || got["pos-g"].PostingID != g.ID {
		t.Errorf("globex links: %v, want pos-g → %s untouched", got, g.ID)
	}
	if trig := putLink(t, e, "acme", "pos-1", map[string]any{"postingId": p.ID}).Trigger; trig != "contact_accepted" {
		t.Errorf("default trigger: %q, want contact_accepted", trig)
	}
	// The same position id in another company is another link.
	putLink(t, e, "globex", "pos-1", map[string]any{"postingId": g.ID})
	if code := e.Do("DELETE", path("globex", "/links/pos-1"), nil, nil); code != http.StatusNoContent {
		t.Errorf("DELETE globex pos-1: %d", code)
	}
	if got := links(t, e, "acme")["pos-1"]; got.PostingID != p.ID {
		t.Errorf("acme pos-1 after globex deleted its own pos-1: %+v", got)
	}
}

// TestLinkTriggersAndClosedPosting: every trigger is accepted and stored,
// re-linking replaces posting and trigger, and a link to a posting already
// closed is flagged at once.
func TestLinkTriggersAndClosedPosting(t *testing.T) {
	t.Parallel()
	e, _ := newEnv(t)
	acct := connect(t, e, "acme")
	p := acct.AddPosting(leverfake.Posting{Text: "Backend"})
	closed := acct.AddPosting(leverfake.Posting{Text: "Old role", State: "closed"})
	reload(t, e, "acme")
	for _, trig := range []string{"contact_accepted", "contact_info_found", "first_message_sent", "replied", "replied_interested", "never"} {
		if got := putLink(t, e, "acme", "pos-1", map[string]any{"postingId": p.ID, "trigger": trig}); got.Trigger != trig || got.Flag != "" {
			t.Errorf("trigger %s: got %+v", trig, got)
		}
	}
	got := putLink(t, e, "acme", "pos-1", map[string]any{"postingId": closed.ID})
	if got.PostingID != closed.ID || got.Trigger != "contact_accepted" || got.Flag != "posting_closed" {
		t.Errorf("re-link to a closed posting: got %+v, want %s, contact_accepted, posting_closed", got, closed.ID)
	}
	if l := links(t, e, "acme")["pos-1"]; l != got {
		t.Errorf("GET /links: %+v, want %+v", l, got)
	}
}

// TestDeleteLink: DELETE /links/{positionId} removes only that link, is
// idempotent, and GET /links shows the rest.
func TestDeleteLink(t *testing.T) {
	t.Parallel()
	e, _ := newEnv(t)
	acct := connect(t, e, "acme")
	p := acct.AddPosting(leverfake.Posting{Text: "Backend"})
	reload(t, e, "acme")
	putLink(t, e, "acme", "pos-1", map[string]any{"postingId": p.ID})
	putLink(t, e, "acme", "pos-2", map[string]any{"postingId": p.ID, "trigger": "never"})
	for i := range 2 {
		if code := e.Do("DELETE", path("acme", "/links/pos-1"), nil, nil); code != http.StatusNoContent {
			t.Errorf("DELETE #%d: status %d, want 204", i+1, code)
		}
	}
	got := links(t, e, "acme")
	if _, ok := got["pos-1"]; ok || len(got) != 1 || got["pos-2"].Trigger != "never" {
		t.Errorf("GET /links after DELETE: %v, want only pos-2", got)
	}
	if code := e.Do("DELETE", path("acme", "/links/never-linked"), nil, nil); code != http.StatusNoContent {
		t.Errorf("DELETE of a position never linked: %d, want 204", code)
	}
}

// TestRelinkAndUnlinkAffectFutureExportsOnly: after an export, changing the
// link sends the next candidates to the new posting while the exported one
// keeps its posting; unlinking stops exports and pushes and keeps the
// export marker.
func TestRelinkAndUnlinkAffectFutureExportsOnly(t *testing.T) {
	t.Parallel()
	e, _ := newEnv(t)
	acct := connect(t, e, "acme")
	p1 := acct.AddPosting(leverfake.Posting{Text: "Backend"})
	p2 := acct.AddPosting(leverfake.Posting{Text: "Platform"})
	reload(t, e, "acme")
	putLink(t, e, "acme", "pos-1", map[string]any{"postingId": p1.ID})

	now := time.Now().UTC().Format(time.RFC3339)
	accept := func(cand string) {
		t.Helper()
		ev := map[string]any{
			"id": "evt-" + cand, "type": "candidate.contact_accepted", "occurredAt": now, "companyId": "acme",
			"data": map[string]any{"positionId": "pos-1", "candidate": map[string]any{
				"id": cand, "firstName": "Ada", "lastName": cand, "emails": []string{cand + "@example.com"},
				"profileUrl": "https://market.example/c/" + cand,
			}},
		}
		if code, out := e.Send(ev); code != 202 {
			t.Fatalf("send %s: %d %v", cand, code, out)
		}
		if failed := e.Drain(20 * time.Second); failed != 0 {
			t.Fatalf("drain %s: %d failed\n%s", cand, failed, e.Logs.String())
		}
	}
	status := func(cand string) map[string]any {
		t.Helper()
		var st map[string]any
		if code := e.Do("GET", path("acme", "/candidates/"+cand+"/export"), nil, &st); code != 200 {
			t.Fatalf("status of %s: %d", cand, code)
		}
		return st
	}

	accept("cand-1")
	putLink(t, e, "acme", "pos-1", map[string]any{"postingId": p2.ID})
	accept("cand-2")
	for cand, want := range map[string]string{"cand-1": p1.ID, "cand-2": p2.ID} {
		if st := status(cand); st["state"] != "exported" || st["postingId"] != want {
			t.Errorf("%s after re-link: %v, want exported to %s", cand, st, want)
		}
	}
	if n := len(acct.Opportunities()); n != 2 {
		t.Errorf("opportunities: %d, want 2", n)
	}

	if code := e.Do("DELETE", path("acme", "/links/pos-1"), nil, nil); code != http.StatusNoContent {
		t.Fatalf("DELETE link: %d", code)
	}
	notesBefore := 0
	for _, o := range acct.Opportunities() {
		notesBefore += len(acct.Notes(o.ID))
	}
	accept("cand-3")
	msg := map[string]any{
		"id": "evt-msg-1", "type": "message.created", "occurredAt": now, "companyId": "acme",
		"data": map[string]any{"candidateId": "cand-1", "message": map[string]any{
			"id": "m-9", "direction": "inbound", "author": "Ada", "sentAt": now, "body": "Still interested",
		}},
	}
	if code, out := e.Send(msg); code != 202 && code != 200 {
		t.Fatalf("send message: %d %v", code, out)
	}
	if failed := e.Drain(20 * time.Second); failed != 0 {
		t.Fatalf("drain message: %d failed", failed)
	}
	if n := len(acct.Opportunities()); n != 2 {
		t.Errorf("opportunities after unlink: %d, want 2 (no export of cand-3)", n)
	}
	notesAfter := 0
	for _, o := range acct.Opportunities() {
		notesAfter += len(acct.Notes(o.ID))
	}
	if notesAfter != notesBefore {
		t.Errorf("notes after unlink: %d, want %d (pushes stop)", notesAfter, notesBefore)
	}
	if st := status("cand-1"); st["state"] != "exported" || st["postingId"] != p1.ID || st["leverUrl"] == "" {
		t.Errorf("cand-1 marker after unlink: %v, want kept (exported to %s with its Lever URL)", st, p1.ID)
	}
	if st := status("cand-3"); st["state"] == "exported" || st["reason"] != "position_not_linked" {
		t.Errorf("cand-3 after unlink: %v, want not exported, reason position_not_linked", st)
	}
}
