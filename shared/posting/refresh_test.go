package posting_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/lever"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
	"github.com/leverlink/leverlink/shared/link"
	"github.com/leverlink/leverlink/shared/memstore"
	"github.com/leverlink/leverlink/shared/posting"
)

// The refresher runs on the memory stores against the fake Lever over real
// HTTP: no emulator needed.

const company = "co-1"

// levers hands out a Lever client on a fixed token, or fails as asked.
type levers struct {
	api   string
	token string
	err   error
}

func (l *levers) PostingsLever(context.Context, connection.Connection) (posting.Lever, error) {
	if l.err != nil {
		return nil, l.err
	}
	return lever.New(lever.Config{BaseURL: l.api, Tokens: lever.StaticToken(l.token)}), nil
}

// batches records the refresh requests, decoded as the refresher does.
type batches struct {
	mu  sync.Mutex
	ids [][]string
	err error // the first payload that did not decode
}

func (b *batches) InvokeAsync(_ context.Context, payload []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	req, err := posting.DecodeRefreshRequest(payload)
	if err != nil && b.err == nil {
		b.err = err
	}
	b.ids = append(b.ids, slices.Clone(req.CompanyIDs))
	return nil
}

type env struct {
	fake     *leverfake.TestServer
	account  *leverfake.Account
	levers   *levers
	conns    *memstore.Connections
	postings *memstore.Postings
	links    *memstore.Links
	queue    *batches
	r        *posting.Refresher
}

func newEnv(t *testing.T) *env {
	t.Helper()
	fake := leverfake.Start(leverfake.Options{NoRateLimit: true})
	t.Cleanup(fake.Close)
	e := &env{fake: fake, account: fake.NewAccount("Acme")}
	e.levers = &levers{api: fake.Endpoints().APIBase, token: e.account.Authorize().AccessToken}
	e.conns, e.postings, e.links, e.queue = memstore.NewConnections(), memstore.NewPostings(), memstore.NewLinks(), &batches{}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	e.r = &posting.Refresher{
		Connections: e.conns, Postings: e.postings, Lease: e.postings, Links: e.links, Lever: e.levers,
		Revoker: &connection.Vault{Store: e.conns, Links: e.links, Log: log}, Invoker: e.queue, Log: log,
	}
	e.setStatus(t, company, connection.Connected, "offline_access postings:read:admin")
	return e
}

func (e *env) setStatus(t *testing.T, id string, st connection.Status, scopes string) {
	t.Helper()
	if _, err := e.conns.Update(context.Background(), id, func(c *connection.Connection) error {
		c.Status, c.Scopes = st, scopes
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func (e *env) link(t *testing.T, position, postingID string) {
	t.Helper()
	if _, err := e.links.Put(context.Background(), link.Link{CompanyID: company, PositionID: position, PostingID: postingID, Trigger: link.ContactAccepted}); err != nil {
		t.Fatal(err)
	}
}

// flags returns the company's link flags by position.
func (e *env) flags(t *testing.T) map[string]link.Flag {
	t.Helper()
	ls, err := e.links.List(context.Background(), company)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]link.Flag{}
	for _, l := range ls {
		out[l.PositionID] = l.Flag
	}
	return out
}

func (e *env) cachedIDs(t *testing.T) []string {
	t.Helper()
	c, err := e.postings.List(context.Background(), company)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range c.Postings {
		ids = append(ids, p.ID)
	}
	return ids
}

func TestRefresh(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		prepare   func(t *testing.T, e *env)
		want      posting.Result // CompanyID is filled in
		wantCode  apperr.Code
		wantCache []string // cached posting ids after the refresh
		wantFlags map[string]link.Flag
		wantConn  connection.Status
	}{
		{"first pass writes every posting and flags closed links", func(t *testing.T, e *env) {
			e.account.AddPosting(leverfake.Posting{ID: "p-open", Text: "Backend"})
			e.account.AddPosting(leverfake.Posting{ID: "p-closed", Text: "Frontend", State: "closed"})
			e.account.AddPosting(leverfake.Posting{ID: "p-internal", Text: "Ops", State: "internal"})
			e.link(t, "pos-a", "p-open")
			e.link(t, "pos-b", "p-closed")
		}, posting.Result{Fetched: 3, Written: 3, Pages: 1, Flagged: 1, Announced: 1}, "",
			[]string{"p-closed", "p-internal", "p-open"},
			map[string]link.Flag{"pos-a": link.FlagNone, "pos-b": link.FlagPostingClosed}, connection.Connected},
		{"second pass writes only what changed and deletes what is gone", func(t *testing.T, e *env) {
			e.account.AddPosting(leverfake.Posting{ID: "p-same", Text: "Same"})
			e.account.AddPosting(leverfake.Posting{ID: "p-edited", Text: "Edited in Lever"})
			if _, err := e.r.Refresh(context.Background(), company); err != nil {
				t.Fatal(err)
			}
			stale := []posting.Posting{{ID: "p-edited", Text: "Old title", State: "published"}, {ID: "p-gone", Text: "Deleted in Lever", State: "published"}}
			if err := e.postings.Apply(context.Background(), company, stale, nil, time.Time{}); err != nil {
				t.Fatal(err)
			}
			e.link(t, "pos-gone", "p-gone")
			e.link(t, "pos-never-cached", "p-unknown")
			e.link(t, "pos-same", "p-same")
		}, posting.Result{Fetched: 2, Written: 1, Deleted: 1, Pages: 1, Flagged: 2, Announced: 1}, "",
			[]string{"p-edited", "p-same"},
			map[string]link.Flag{"pos-gone": link.FlagPostingGone, "pos-never-cached": link.FlagPostingGone, "pos-same": link.FlagNone}, connection.Connected},
		{"a posting reopened clears its link's flag", func(t *testing.T, e *env) {
			e.account.AddPosting(leverfake.Posting{ID: "p-1", Text: "Back again"})
			e.link(t, "pos", "p-1")
			if _, err := e.links.SetFlags(context.Background(), company, map[string]link.Flag{"p-1": link.FlagPostingClosed}); err != nil {
				t.Fatal(err)
			}
		}, posting.Result{Fetched: 1, Written: 1, Pages: 1, Flagged: 1, Announced: 1}, "",
			[]string{"p-1"}, map[string]link.Flag{"pos": link.FlagNone}, connection.Connected},
		{"pages through every posting", func(t *testing.T, e *env) {
			e.account.AddPostings(130, leverfake.Posting{Text: "Role"})
		}, posting.Result{Fetched: 130, Written: 130, Pages: 2, Announced: 130}, "", nil, map[string]link.Flag{}, connection.Connected},
		{"confidential postings only with the confidential scope", func(t *testing.T, e *env) {
			e.account.AddPosting(leverfake.Posting{ID: "p-public", Text: "Public"})
			e.account.AddPosting(leverfake.Posting{ID: "p-secret", Text: "Secret", Confidentiality: "confidential"})
			e.setStatus(t, company, connection.Connected, "postings:read:admin confidential:access:admin")
		}, posting.Result{Fetched: 2, Written: 2, Pages: 1, Announced: 1}, "", []string{"p-public", "p-secret"}, map[string]link.Flag{}, connection.Connected},
		{"without it they are not fetched", func(t *testing.T, e *env) {
			e.account.AddPosting(leverfake.Posting{ID: "p-public", Text: "Public"})
			e.account.AddPosting(leverfake.Posting{ID: "p-secret", Text: "Secret", Confidentiality: "confidential"})
		}, posting.Result{Fetched: 1, Written: 1, Pages: 1, Announced: 1}, "", []string{"p-public"}, map[string]link.Flag{}, connection.Connected},
		{"never connected: skipped", func(t *testing.T, e *env) {
			if _, err := e.r.Refresh(context.Background(), "co-unknown"); err != nil {
				t.Fatal(err)
			}
			e.setStatus(t, company, connection.NotConnected, "")
		}, posting.Result{Skipped: "not_connected"}, "", nil, map[string]link.Flag{}, connection.NotConnected},
		{"revoked: skipped", func(t *testing.T, e *env) {
			e.setStatus(t, company, connection.Revoked, "")
		}, posting.Result{Skipped: "revoked"}, "", nil, map[string]link.Flag{}, connection.Revoked},
		{"another pass holds the lease: skipped", func(t *testing.T, e *env) {
			if err := e.postings.AcquireRefresh(context.Background(), company, "other", time.Now(), time.Minute); err != nil {
				t.Fatal(err)
			}
		}, posting.Result{Skipped: "in_progress"}, "", nil, map[string]link.Flag{}, connection.Connected},
		{"token refused by Lever: revoked, links kept (suspended)", func(t *testing.T, e *env) {
			e.link(t, "pos", "p-1")
			e.account.Revoke()
		}, posting.Result{Skipped: "revoked"}, "", nil, map[string]link.Flag{"pos": ""}, connection.Revoked},
		{"tokens cannot be opened: skipped", func(t *testing.T, e *env) {
			e.levers.err = apperr.E(apperr.Unauthorized, "cannot open").WithReason(connection.ReasonReauth)
		}, posting.Result{Skipped: connection.ReasonReauth}, "", nil, map[string]link.Flag{}, connection.Connected},
		{"connection ended meanwhile: skipped", func(t *testing.T, e *env) {
			e.levers.err = apperr.E(apperr.Unauthorized, "gone").WithReason(connection.ReasonNotConnected)
		}, posting.Result{Skipped: "not_connected"}, "", nil, map[string]link.Flag{}, connection.Connected},
		{"revoked by the vault meanwhile: skipped", func(t *testing.T, e *env) {
			e.levers.err = apperr.E(apperr.Unauthorized, "revoked").WithReason(connection.ReasonLeverRevoked)
		}, posting.Result{Skipped: "revoked"}, "", nil, map[string]link.Flag{}, connection.Connected},
		{"Lever down: transient, cache untouched", func(t *testing.T, e *env) {
			e.account.AddPosting(leverfake.Posting{ID: "p-1", Text: "X"})
			e.fake.FailNext("GET /postings", 10, leverfake.Failure{Status: 503})
		}, posting.Result{}, apperr.Transient, nil, map[string]link.Flag{}, connection.Connected},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			tt.prepare(t, e)
			before, _ := e.postings.RefreshedAt(context.Background(), company)

			got, err := e.r.Refresh(context.Background(), company)

			if apperr.CodeOf(err) != tt.wantCode {
				t.Fatalf("Refresh error = %v, want code %q", err, tt.wantCode)
			}
			if tt.wantCode == "" {
				want := tt.want
				want.CompanyID = company
				if got != want {
					t.Fatalf("Refresh = %+v\nwant      %+v", got, want)
				}
			}
			if tt.wantCache != nil && !slices.Equal(e.cachedIDs(t), tt.wantCache) {
				t.Errorf("cached ids = %v, want %v", e.cachedIDs(t), tt.wantCache)
			}
			after, _ := e.postings.RefreshedAt(context.Background(), company)
			if wrote := got.Skipped == "" && err == nil; wrote != after.After(before) {
				t.Errorf("refreshedAt %v → %v; want it advanced only by a pass that ran", before, after)
			}
			if tt.wantFlags != nil {
				if gotFlags := e.flags(t); fmt.Sprint(gotFlags) != fmt.Sprint(tt.wantFlags) {
					t.Errorf("link flags = %v, want %v", gotFlags, tt.wantFlags)
				}
			} else if n := len(e.flags(t)); n != 0 {
				t.Errorf("%d links left, want none", n)
			}
			if c, _ := e.conns.Get(context.Background(), company); c.Status != tt.wantConn {
				t.Errorf("connection status = %q, want %q", c.Status, tt.wantConn)
			}
			// The lease is always released (except the other pass's).
			if tt.want.Skipped != "in_progress" {
				if err := e.postings.AcquireRefresh(context.Background(), company, "next", time.Now(), time.Minute); err != nil {
					t.Errorf("lease still held after Refresh: %v", err)
				}
			}
		})
	}
}

func TestFanOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var want []string
	for i := range 23 {
		id := fmt.Sprintf("co-%02d", i)
		st := connection.Connected
		if i%5 == 0 {
			st = connection.Revoked
		} else {
			want = append(want, id)
		}
		e.setStatus(t, id, st, "")
	}
	want = append(want, company)
	slices.Sort(want)
	n, err := e.r.FanOut(context.Background())
	if err != nil || n != len(want) {
		t.Fatalf("FanOut = %d, %v; want %d", n, err, len(want))
	}
	if e.queue.err != nil {
		t.Fatalf("a refresh request does not decode: %v", e.queue.err)
	}
	var got []string
	for _, b := range e.queue.ids {
		got = append(got, b...)
	}
	if len(e.queue.ids) != 2 {
		t.Errorf("%d refresh requests for %d companies, want 2 (at least %d companies each)", len(e.queue.ids), len(want), posting.MinRequestCompanies)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("fanned out %v, want the connected companies %v", got, want)
	}
}

func TestReload(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		prepare    func(t *testing.T, e *env)
		wantCode   apperr.Code
		wantReason string
		wantSkip   string
	}{
		{"runs a pass", func(t *testing.T, e *env) { e.account.AddPosting(leverfake.Posting{Text: "X"}) }, "", "", ""},
		{"not connected", func(t *testing.T, e *env) { e.setStatus(t, company, connection.NotConnected, "") }, apperr.Invalid, "not_connected", ""},
		{"revoked in Lever", func(t *testing.T, e *env) { e.account.Revoke() }, apperr.Invalid, "lever_revoked", ""},
		{"tokens unusable", func(t *testing.T, e *env) {
			e.levers.err = apperr.E(apperr.Unauthorized, "x").WithReason(connection.ReasonReauth)
		}, apperr.Invalid, "reauth_required", ""},
		{"joins a pass that ends meanwhile", func(t *testing.T, e *env) {
			ctx := context.Background()
			if err := e.postings.AcquireRefresh(ctx, company, "other", time.Now(), time.Minute); err != nil {
				t.Fatal(err)
			}
			go func() {
				time.Sleep(30 * time.Millisecond)
				_ = e.postings.Apply(ctx, company, nil, nil, time.Now())
				_ = e.postings.ReleaseRefresh(ctx, company, "other")
			}()
		}, "", "", "joined"},
		{"gives up when the other pass outlasts the request", func(t *testing.T, e *env) {
			if err := e.postings.AcquireRefresh(context.Background(), company, "other", time.Now(), time.Minute); err != nil {
				t.Fatal(err)
			}
		}, apperr.Transient, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			tt.prepare(t, e)
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			res, err := posting.Reload(ctx, e.r, company, 5*time.Millisecond)
			if apperr.CodeOf(err) != tt.wantCode || apperr.ReasonOf(err) != tt.wantReason {
				t.Fatalf("Reload error = %v, want %q %q", err, tt.wantCode, tt.wantReason)
			}
			if err == nil && res.Skipped != tt.wantSkip {
				t.Fatalf("Reload = %+v, want skipped %q", res, tt.wantSkip)
			}
			if err == nil && tt.wantSkip == "" && res.Fetched != 1 {
				t.Fatalf("Reload = %+v, want one posting fetched", res)
			}
		})
	}
}

func TestList(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	v, err := posting.List(ctx, e.postings, company, "", "")
	if err != nil || len(v.Postings) != 0 || v.RefreshedAt != nil {
		t.Fatalf("List before any refresh = %+v, %v", v, err)
	}
	e.account.AddPosting(leverfake.Posting{ID: "b", Text: "Backend engineer", Categories: leverfake.Categories{Team: "Platform"}})
	e.account.AddPosting(leverfake.Posting{ID: "a", Text: "Account manager", Categories: leverfake.Categories{Location: "Paris"}})
	e.account.AddPosting(leverfake.Posting{ID: "c", Text: "Closed role", State: "closed"})
	if _, err := e.r.Refresh(ctx, company); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		state, q string
		want     []string
		wantErr  bool
	}{
		{"", "", []string{"a", "b"}, false},
		{"all", "", []string{"a", "b", "c"}, false},
		{"closed", "", []string{"c"}, false},
		{"", "platform", []string{"b"}, false},
		{"", "PARIS", []string{"a"}, false},
		{"bogus", "", nil, true},
	}
	for _, tt := range tests {
		v, err := posting.List(ctx, e.postings, company, tt.state, tt.q)
		if tt.wantErr {
			if e := apperr.As(err); e == nil || e.Field != "state" {
				t.Errorf("List(%q): %v, want Invalid naming state", tt.state, err)
			}
			continue
		}
		var ids []string
		for _, p := range v.Postings {
			ids = append(ids, p.ID)
		}
		if err != nil || !slices.Equal(ids, tt.want) || v.RefreshedAt == nil {
			t.Errorf("List(%q, %q) = %v, %v; want %v", tt.state, tt.q, ids, err, tt.want)
		}
	}
}

// bigContent is HTML whose content exceeds posting.MaxInlineContent.
func bigContent() *leverfake.PostingContent {
	item := "<li>" + strings.Repeat("x", 1000) + "</li>"
	return &leverfake.PostingContent{Description: "big", DescriptionHTML: "<div>big</div>",
		Lists: []leverfake.ContentList{{Text: "Huge", Content: strings.Repeat(item, posting.MaxInlineContent/1000+10)}}}
}

// TestRefreshOversizedContent: content too large for the cache item goes
// to the ContentStore when there is one (Full reads it back); without one
// the posting is cached without content and marked too_large, visibly;
// a deleted posting's stored content is removed.
func TestRefreshOversizedContent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, withStore := range []bool{false, true} {
		e := newEnv(t)
		var contents *memstore.PostingContents
		if withStore {
			contents = memstore.NewPostingContents()
			e.r.Contents = contents
		}
		p := e.account.AddPosting(leverfake.Posting{ID: "p-big", Text: "Big", Content: bigContent()})
		e.account.AddPosting(leverfake.Posting{ID: "p-small", Text: "Small"})
		if _, err := e.r.Refresh(ctx, company); err != nil {
			t.Fatal(err)
		}
		var store posting.ContentStore
		if contents != nil {
			store = contents
		}
		got, err := posting.Full(ctx, e.postings, store, company, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case withStore && (got.Content == nil || len(got.Content.Lists[0].Items) < 300 || got.ContentOmitted != ""):
			t.Fatalf("with a content store: content %v omitted %q, want the stored content", got.Content != nil, got.ContentOmitted)
		case !withStore && (got.Content != nil || got.ContentOmitted != posting.OmittedTooLarge):
			t.Fatalf("without a content store: content %v omitted %q, want none and too_large", got.Content != nil, got.ContentOmitted)
		}
		small, _ := posting.Full(ctx, e.postings, store, company, "p-small")
		if small.Content == nil || small.ContentOmitted != "" {
			t.Fatalf("small posting: %+v, want its content inline", small)
		}
		// Unchanged: nothing rewritten.
		if res, err := e.r.Refresh(ctx, company); err != nil || res.Written != 0 {
			t.Fatalf("unchanged refresh: %+v %v, want 0 written", res, err)
		}
		if withStore {
			e.account.DeletePosting(p.ID)
			if _, err := e.r.Refresh(ctx, company); err != nil {
				t.Fatal(err)
			}
			if _, err := contents.GetContent(ctx, company, p.ID); !apperr.Is(err, apperr.NotFound) {
				t.Fatalf("content of a deleted posting: %v, want NotFound", err)
			}
		}
	}
}

// TestRefreshWritesItsChanges: each refresh writes every change on the
// changed posting's item (Posting.Last), and posting.Written reads each
// change back from the item's before and after (as the dispatcher does
// from the table's change stream): published, updated [salary], closed,
// re-published (a new id although the content is the first
// publication's), closed and removed, one per refresh; an unchanged
// refresh writes nothing.
func TestRefreshWritesItsChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	p := e.account.AddPosting(leverfake.Posting{ID: "p-1", Text: "Backend"})
	type got struct {
		typ    posting.ChangeType
		fields []string
	}
	var ids []string
	step := func(name string, want ...got) {
		t.Helper()
		before, err := e.postings.List(ctx, company)
		if err != nil {
			t.Fatal(err)
		}
		res, err := e.r.Refresh(ctx, company)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		after, err := e.postings.List(ctx, company)
		if err != nil {
			t.Fatal(err)
		}
		var old, cur *posting.Posting
		if len(before.Postings) == 1 {
			old = &before.Postings[0]
		}
		if len(after.Postings) == 1 {
			cur = &after.Postings[0]
		}
		var gotChanges []got
		if c, ok := posting.Written(old, cur); ok {
			gotChanges = append(gotChanges, got{c.Type, c.Fields})
			ids = append(ids, c.ID)
			if again, _ := posting.Written(old, cur); again.ID != c.ID {
				t.Fatalf("%s: the same write read twice gives ids %s and %s", name, c.ID, again.ID)
			}
		}
		if !reflect.DeepEqual(gotChanges, want) || res.Announced != len(want) {
			t.Fatalf("%s: written changes %+v (announced %d), want %+v", name, gotChanges, res.Announced, want)
		}
		if len(want) == 0 && (res.Written != 0 || res.Deleted != 0) {
			t.Fatalf("%s: %+v, want nothing written", name, res)
		}
	}
	step("published", got{posting.Published, nil})
	step("unchanged")
	e.account.UpdatePosting(p.ID, func(p *leverfake.Posting) {
		p.SalaryRange = &leverfake.SalaryRange{Min: 1, Max: 2, Currency: "EUR", Interval: "per-year-salary"}
	})
	step("salary", got{posting.Updated, []string{posting.FieldSalary}})
	e.account.UpdatePosting(p.ID, func(p *leverfake.Posting) { p.State = "closed" })
	step("closed", got{posting.Closed, nil})
	e.account.UpdatePosting(p.ID, func(p *leverfake.Posting) { p.State = "published" })
	step("re-published", got{posting.Published, nil})
	e.account.UpdatePosting(p.ID, func(p *leverfake.Posting) { p.State = "closed" })
	step("closed again", got{posting.Closed, nil})
	e.account.DeletePosting(p.ID)
	step("removed", got{posting.Removed, nil})
	step("unchanged after removal")
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Fatalf("change ids %v: %s twice", ids, id)
		}
		seen[id] = true
	}
}
