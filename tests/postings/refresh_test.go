package postings

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/lambdainvoke"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
	"github.com/leverlink/leverlink/shared/posting"
)

// TestRefreshPagesAndWritesOnlyChanges: 257 postings of every state over
// three Lever pages are all cached by the first pass; a second pass over
// unchanged postings writes no posting item (only the meta item: lease
// acquire, refreshedAt, lease release); one changed posting is one write.
func TestRefreshPagesAndWritesOnlyChanges(t *testing.T) {
	t.Parallel()
	e, ed := newEnv(t)
	acct := connect(t, e, "acme")
	ps := acct.AddPostings(250, leverfake.Posting{Text: "Engineer", State: "published", Categories: leverfake.Categories{Team: "Platform", Location: "Paris"}})
	for _, s := range []string{"internal", "internal", "internal", "closed", "closed", "draft", "pending"} {
		ps = append(ps, acct.AddPosting(leverfake.Posting{Text: "Role " + s, State: s}))
	}
	r, db := countingRefresher(t, e)
	ctx := ctxT(t)

	e.Fake.ResetCounters()
	start := time.Now()
	res, err := r.Refresh(ctx, "acme")
	if err != nil {
		t.Fatalf("first refresh: %v", err)
	}
	t.Logf("first refresh of %d postings: %v, writes %v", len(ps), time.Since(start), db.snapshot())
	if res.Fetched != 257 || res.Pages != 3 || res.Written != 257 || res.Deleted != 0 {
		t.Errorf("first refresh: got fetched=%d pages=%d written=%d deleted=%d, want 257 3 257 0", res.Fetched, res.Pages, res.Written, res.Deleted)
	}
	if got := acct.Calls("GET /postings"); got != 3 {
		t.Errorf("first refresh: GET /postings calls = %d, want 3 (pages of 100)", got)
	}
	if got := db.snapshot()["put posting"]; got != 257 {
		t.Errorf("first refresh: posting puts = %d, want 257", got)
	}
	cache, err := e.App.Postings.List(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if len(cache.Postings) != 257 || cache.RefreshedAt.IsZero() {
		t.Fatalf("cache after first refresh: %d postings, refreshedAt %v; want 257 and set", len(cache.Postings), cache.RefreshedAt)
	}
	first := cache.RefreshedAt

	// Unchanged: zero posting writes.
	db.reset()
	time.Sleep(2 * time.Millisecond)
	res, err = r.Refresh(ctx, "acme")
	if err != nil {
		t.Fatalf("second refresh: %v", err)
	}
	w := db.snapshot()
	t.Logf("unchanged refresh: result %+v, writes %v", res, w)
	if res.Written != 0 || res.Deleted != 0 || res.Flagged != 0 {
		t.Errorf("unchanged refresh: got written=%d deleted=%d flagged=%d, want 0 0 0", res.Written, res.Deleted, res.Flagged)
	}
	for _, k := range []string{"put posting", "update posting", "delete posting", "put link", "update link", "delete link"} {
		if w[k] != 0 {
			t.Errorf("unchanged refresh: %s = %d, want 0", k, w[k])
		}
	}
	if w["BatchWriteItem calls"] != 0 {
		t.Errorf("unchanged refresh: %d BatchWriteItem calls, want 0", w["BatchWriteItem calls"])
	}
	// Allowed: the meta item (lease acquire, refreshedAt, lease release).
	if w["update meta"] != 3 {
		t.Errorf("unchanged refresh: meta updates = %d, want 3 (lease, refreshedAt, release)", w["update meta"])
	}
	cache, _ = e.App.Postings.List(ctx, "acme")
	if !cache.RefreshedAt.After(first) {
		t.Errorf("refreshedAt: got %v, want after %v", cache.RefreshedAt, first)
	}

	// One posting changes at Lever: one write.
	ed.setState(ps[0].ID, "closed")
	db.reset()
	res, err = r.Refresh(ctx, "acme")
	if err != nil {
		t.Fatalf("third refresh: %v", err)
	}
	if res.Written != 1 || db.snapshot()["put posting"] != 1 {
		t.Errorf("one change: got written=%d posting puts=%d, want 1 1", res.Written, db.snapshot()["put posting"])
	}
	got, err := e.App.Postings.Get(ctx, "acme", ps[0].ID)
	if err != nil || got.State != "closed" {
		t.Errorf("changed posting: got %+v, %v; want state closed", got, err)
	}
}

// TestClosedPostingFlagsLinks: a posting closed at Lever flags every link
// to it (through the refresh requests, visible in GET /links); reopening clears
// the flag; other links are untouched.
func TestClosedPostingFlagsLinks(t *testing.T) {
	t.Parallel()
	e, ed := newEnv(t)
	acct := connect(t, e, "acme")
	p1 := acct.AddPosting(leverfake.Posting{Text: "Backend"})
	p2 := acct.AddPosting(leverfake.Posting{Text: "Frontend"})
	reload(t, e, "acme")
	putLink(t, e, "acme", "pos-1", map[string]any{"postingId": p1.ID})
	putLink(t, e, "acme", "pos-2", map[string]any{"postingId": p2.ID})
	putLink(t, e, "acme", "pos-3", map[string]any{"postingId": p1.ID, "trigger": "replied"})

	steps := []struct {
		name  string
		edit  func()
		flags map[string]string
	}{
		{"closed at Lever", func() { ed.setState(p1.ID, "closed") }, map[string]string{"pos-1": "posting_closed", "pos-2": "", "pos-3": "posting_closed"}},
		{"still closed", func() {}, map[string]string{"pos-1": "posting_closed", "pos-2": "", "pos-3": "posting_closed"}},
		{"reopened", func() { ed.setState(p1.ID, "published") }, map[string]string{"pos-1": "", "pos-2": "", "pos-3": ""}},
	}
	for _, st := range steps {
		st.edit()
		if _, err := e.App.Refresher.FanOut(ctxT(t)); err != nil {
			t.Fatalf("%s: fan-out: %v", st.name, err)
		}
		if _, failed := drainRefresh(t, e); failed != 0 {
			t.Fatalf("%s: %d refresh messages failed\n%s", st.name, failed, e.Logs.String())
		}
		got := links(t, e, "acme")
		for pos, want := range st.flags {
			if got[pos].Flag != want {
				t.Errorf("%s: %s flag = %q, want %q", st.name, pos, got[pos].Flag, want)
			}
		}
		if got["pos-3"].Trigger != "replied" || got["pos-1"].PostingID != p1.ID {
			t.Errorf("%s: flagging changed a link: %+v", st.name, got)
		}
	}
}

// TestPostingGoneAtLever: a posting Lever no longer returns is deleted from
// the cache and its links are flagged posting_gone — and stay flagged on
// later refreshes; it can no longer be linked.
func TestPostingGoneAtLever(t *testing.T) {
	t.Parallel()
	e, ed := newEnv(t)
	acct := connect(t, e, "acme")
	p1 := acct.AddPosting(leverfake.Posting{Text: "Backend"})
	p2 := acct.AddPosting(leverfake.Posting{Text: "Frontend"})
	reload(t, e, "acme")
	putLink(t, e, "acme", "pos-1", map[string]any{"postingId": p1.ID})
	putLink(t, e, "acme", "pos-2", map[string]any{"postingId": p2.ID})

	ed.remove(p1.ID)
	for pass := 1; pass <= 3; pass++ {
		out := reload(t, e, "acme")
		if pass == 1 && out.Reload.Deleted != 1 {
			t.Errorf("pass %d: reload deleted %d, want 1", pass, out.Reload.Deleted)
		}
		for _, p := range out.Postings {
			if p.ID == p1.ID {
				t.Errorf("pass %d: GET /postings?state=all still lists the deleted posting", pass)
			}
		}
		if _, err := e.App.Postings.Get(ctxT(t), "acme", p1.ID); err == nil {
			t.Errorf("pass %d: deleted posting still cached", pass)
		}
		got := links(t, e, "acme")
		if got["pos-1"].Flag != "posting_gone" || got["pos-2"].Flag != "" {
			t.Errorf("pass %d: flags pos-1=%q pos-2=%q, want posting_gone and none", pass, got["pos-1"].Flag, got["pos-2"].Flag)
		}
	}
	var eb errorBody
	if code := e.Do("PUT", path("acme", "/links/pos-3"), map[string]any{"postingId": p1.ID}, &eb); code != http.StatusNotFound || eb.Error.Field != "postingId" {
		t.Errorf("link to a deleted posting: status %d %+v, want 404 naming postingId", code, eb.Error)
	}
}

// TestRevokedGrantDuringRefresh: Lever revoked the app; the requested
// refresh revokes the connection and keeps the links (suspended), the
// request succeeds (no retry), and the company leaves the fan-out.
func TestRevokedGrantDuringRefresh(t *testing.T) {
	t.Parallel()
	e, _ := newEnv(t)
	acct := connect(t, e, "acme")
	p := acct.AddPosting(leverfake.Posting{Text: "Backend"})
	reload(t, e, "acme")
	putLink(t, e, "acme", "pos-1", map[string]any{"postingId": p.ID})
	putLink(t, e, "acme", "pos-2", map[string]any{"postingId": p.ID})
	drainRefresh(t, e) // the refresh the OAuth callback requested

	acct.Revoke()
	if n, err := e.App.Refresher.FanOut(ctxT(t)); err != nil || n != 1 {
		t.Fatalf("fan-out: %d, %v; want 1", n, err)
	}
	received, failed := drainRefresh(t, e)
	if received != 1 || failed != 0 {
		t.Errorf("refresh requests: ran %d failed %d, want 1 0 (a revocation is not a retry)", received, failed)
	}
	var conn map[string]any
	if code := e.Do("GET", path("acme", "/connection"), nil, &conn); code != 200 || conn["status"] != string(connection.Revoked) {
		t.Errorf("GET /connection: %d %v, want status revoked", code, conn)
	}
	if got := links(t, e, "acme"); len(got) != 2 {
		t.Errorf("links after revocation: %v, want both kept (suspended)", got)
	}
	if n, err := e.App.Refresher.FanOut(ctxT(t)); err != nil || n != 0 {
		t.Errorf("fan-out after revocation: %d, %v; want 0", n, err)
	}
	var eb errorBody
	if code := e.Do("POST", path("acme", "/postings/reload"), nil, &eb); code != http.StatusUnprocessableEntity {
		t.Errorf("reload after revocation: status %d %+v, want 422", code, eb.Error)
	}
	if code := e.Do("PUT", path("acme", "/links/pos-1"), map[string]any{"postingId": p.ID}, &eb); code != http.StatusUnprocessableEntity || eb.Error.Reason != "lever_revoked" {
		t.Errorf("link after revocation: status %d %+v, want 422 lever_revoked", code, eb.Error)
	}
}

// TestRefreshRequestPartialFailure: in one refresh request, the company
// whose Lever answers 503 fails the request (naming it, for Lambda to
// retry); the others are refreshed. The retry redoes only the failed
// company: the others are joined (no Lever call). Through the asynchronous
// invocation, the failed request waits for Lambda's retry.
func TestRefreshRequestPartialFailure(t *testing.T) {
	t.Parallel()
	e, ed := newEnv(t)
	accts := map[string]*leverfake.Account{}
	for _, id := range []string{"co-a", "co-b", "co-c"} {
		accts[id] = connect(t, e, id) // its first refresh ran: no postings yet
	}
	for id, acct := range accts {
		acct.AddPostings(3, leverfake.Posting{Text: id})
	}
	drainRefresh(t, e)
	tok, err := e.App.Vault.AccessToken(ctxT(t), "co-b")
	if err != nil {
		t.Fatal(err)
	}
	ed.failToken(tok, http.StatusServiceUnavailable)

	payload := posting.EncodeRefreshRequest([]string{"co-a", "co-b", "co-c"}, time.Now())
	_, err = e.App.RefreshJobs.Handle(ctxT(t), payload)
	if err == nil || !strings.Contains(err.Error(), "1 of 3 companies failed (co-b)") {
		t.Fatalf("RefreshJobs.Handle: %v, want an error naming co-b", err)
	}
	for id, want := range map[string]int{"co-a": 3, "co-b": 0, "co-c": 3} {
		c, err := e.App.Postings.List(ctxT(t), id)
		if err != nil || len(c.Postings) != want {
			t.Errorf("%s cache: %d postings (%v); want %d", id, len(c.Postings), err, want)
		}
	}
	if c, _ := e.App.Connections.Get(ctxT(t), "co-b"); c.Status != connection.Connected {
		t.Errorf("co-b status after a 503: %s, want connected", c.Status)
	}

	// Lambda's retry of the same request: co-a and co-c are joined.
	calls := accts["co-a"].Calls("GET /postings") + accts["co-c"].Calls("GET /postings")
	ed.failToken(tok, 0)
	if _, err := e.App.RefreshJobs.Handle(ctxT(t), payload); err != nil {
		t.Fatalf("retry: %v", err)
	}
	if got := accts["co-a"].Calls("GET /postings") + accts["co-c"].Calls("GET /postings"); got != calls {
		t.Errorf("the retry read co-a's and co-c's postings again (%d calls, was %d)", got, calls)
	}
	if c, _ := e.App.Postings.List(ctxT(t), "co-b"); len(c.Postings) != 3 {
		t.Errorf("co-b cache after the retry: %d postings, want 3", len(c.Postings))
	}

	// The same through the schedule's asynchronous invocation: it fails,
	// and its retry waits for Lambda's delay.
	ed.failToken(tok, http.StatusServiceUnavailable)
	if _, err := e.App.Refresher.FanOut(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	st, err := e.Refresh.Wait(ctxT(t))
	if err != nil || st.Attempts != 1 || st.Failed != 1 || st.Pending != 1 {
		t.Errorf("refresh request: %+v, %v; want 1 invocation failed, its retry pending", st, err)
	}
}

// TestRefreshRequestDeadLettered: a refresh request that fails every
// retry the template allows lands in the refresh DLQ as Lambda's
// invocation record, naming the company, and is counted.
func TestRefreshRequestDeadLettered(t *testing.T) {
	t.Parallel()
	e, ed := newEnv(t)
	e.Refresh.RetryDelays = []time.Duration{10 * time.Millisecond} // before any request; Lambda waits 1 and 2 minutes
	connect(t, e, "co-b")
	tok, err := e.App.Vault.AccessToken(ctxT(t), "co-b")
	if err != nil {
		t.Fatal(err)
	}
	ed.failToken(tok, http.StatusServiceUnavailable)
	drainRefresh(t, e)
	if _, err := e.App.Refresher.FanOut(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	var st lambdainvoke.Stats
	for st = (lambdainvoke.Stats{Pending: 1}); st.Pending > 0; {
		s, err := e.Refresh.Wait(ctxT(t))
		if err != nil {
			t.Fatal(err)
		}
		st.Attempts, st.Failed, st.Pending, st.DeadLettered = st.Attempts+s.Attempts, st.Failed+s.Failed, s.Pending, s.DeadLettered
		time.Sleep(20 * time.Millisecond)
	}
	if st.Attempts != 3 || st.Failed != 3 || st.DeadLettered != 1 {
		t.Errorf("refresh request: %+v; want 3 failed invocations (2 retries), dead-lettered", st)
	}
	msgs, err := e.RefreshDLQ.Receive(ctxT(t), 10, time.Second, time.Minute)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("refresh DLQ: %d messages, %v; want 1", len(msgs), err)
	}
	var rec struct {
		RequestContext struct {
			Condition string `json:"condition"`
		} `json:"requestContext"`
		RequestPayload posting.RefreshRequest `json:"requestPayload"`
	}
	if err := json.Unmarshal(msgs[0].Body, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.RequestContext.Condition != "RetriesExhausted" || !slices.Equal(rec.RequestPayload.CompanyIDs, []string{"co-b"}) {
		t.Errorf("DLQ record %s: want RetriesExhausted for co-b", msgs[0].Body)
	}
}

// TestConfidentialPostingsWhenGrantAllows: confidential postings are cached
// only when the grant carries the confidential scope.
func TestConfidentialPostingsWhenGrantAllows(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		scopes string
		want   int
	}{
		{"default scopes", "", 1},
		{"confidential:access:admin granted", "confidential:access:admin", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, _ := newEnv(t)
			acct := connect(t, e, "acme")
			acct.AddPosting(leverfake.Posting{Text: "Public"})
			acct.AddPosting(leverfake.Posting{Text: "Secret", Confidentiality: "confidential"})
			if tc.scopes != "" {
				if _, err := e.App.Connections.Update(ctxT(t), "acme", func(c *connection.Connection) error {
					c.Scopes += " " + tc.scopes
					return nil
				}); err != nil {
					t.Fatal(err)
				}
			}
			out := reload(t, e, "acme")
			if len(out.Postings) != tc.want {
				t.Errorf("postings: got %d, want %d", len(out.Postings), tc.want)
			}
			for _, p := range out.Postings {
				if p.Confidential != (p.Text == "Secret") {
					t.Errorf("posting %q confidential = %v", p.Text, p.Confidential)
				}
			}
		})
	}
}

// TestUnopenableTokensDuringRefresh: stored tokens that cannot be opened
// (sealing key rotated, item altered) are not a Lever revocation: the
// connection becomes reauth_required, the links are kept, the requested
// refresh succeeds and a reload answers 422 reauth_required.
func TestUnopenableTokensDuringRefresh(t *testing.T) {
	t.Parallel()
	e, _ := newEnv(t)
	acct := connect(t, e, "acme")
	p := acct.AddPosting(leverfake.Posting{Text: "Backend"})
	reload(t, e, "acme")
	putLink(t, e, "acme", "pos-1", map[string]any{"postingId": p.ID})
	drainRefresh(t, e)
	if _, err := e.App.Connections.Update(ctxT(t), "acme", func(c *connection.Connection) error {
		c.SealedAccess = []byte("not a sealed token at all, sealed with another key")
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	var eb errorBody
	if code := e.Do("POST", path("acme", "/postings/reload"), nil, &eb); code != http.StatusUnprocessableEntity || eb.Error.Reason != "reauth_required" {
		t.Errorf("reload: %d %+v, want 422 reauth_required", code, eb.Error)
	}
	var conn map[string]any
	if code := e.Do("GET", path("acme", "/connection"), nil, &conn); code != 200 || conn["status"] != string(connection.ReauthRequired) {
		t.Errorf("GET /connection: %d %v, want status reauth_required", code, conn)
	}
	if got := links(t, e, "acme"); len(got) != 1 {
		t.Errorf("links: %v, want pos-1 kept (reconnecting keeps them)", got)
	}
	if n, err := e.App.Refresher.FanOut(ctxT(t)); err != nil || n != 0 {
		t.Errorf("fan-out: %d, %v; want 0 (not connected)", n, err)
	}
}
