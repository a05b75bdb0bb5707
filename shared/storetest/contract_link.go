package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/link"
	"github.com/leverlink/leverlink/shared/posting"
)

// LinkStoreContract checks an implementation of link.Store.
func LinkStoreContract(t *testing.T, newStore func(t *testing.T) link.Store) {
	store := newStore(t)

	t.Run("GetUnknownIsNotFound", func(t *testing.T) {
		t.Parallel()
		_, err := store.Get(ctx(t), ID("co"), "pos")
		wantCode(t, "Get", err, apperr.NotFound)
	})

	t.Run("PutGetReplace", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		co := ID("co")
		l := link.Link{CompanyID: co, PositionID: "pos1", PostingID: "post1", Trigger: link.ContactAccepted, CreatedAt: base, UpdatedAt: base}
		got, err := store.Put(c, l)
		must(t, "Put", err)
		want := l
		want.Version = 1
		wantEqual(t, "Put", got, want)
		stored, err := store.Get(c, co, "pos1")
		must(t, "Get", err)
		wantEqual(t, "Get", stored, want)

		later := base.Add(time.Hour)
		got, err = store.Put(c, link.Link{CompanyID: co, PositionID: "pos1", PostingID: "post2", Trigger: link.Replied, CreatedAt: later, UpdatedAt: later})
		must(t, "Put (replace)", err)
		want = link.Link{CompanyID: co, PositionID: "pos1", PostingID: "post2", Trigger: link.Replied, CreatedAt: base, UpdatedAt: later, Version: 2}
		wantEqual(t, "Put (replace) keeps CreatedAt, advances Version", got, want)
		stored, err = store.Get(c, co, "pos1")
		must(t, "Get", err)
		wantEqual(t, "Get", stored, want)
	})

	t.Run("ListDeleteDeleteAll", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		co, other := ID("co"), ID("co")
		for _, pos := range []string{"p3", "p1", "p2", "p10"} {
			_, err := store.Put(c, link.Link{CompanyID: co, PositionID: pos, PostingID: "post-" + pos, Trigger: link.Never, CreatedAt: base, UpdatedAt: base})
			must(t, "Put", err)
		}
		_, err := store.Put(c, link.Link{CompanyID: other, PositionID: "p1", PostingID: "x", Trigger: link.Never, CreatedAt: base, UpdatedAt: base})
		must(t, "Put other", err)

		positions := func(company string) []string {
			t.Helper()
			ls, err := store.List(c, company)
			must(t, "List", err)
			var ps []string
			for _, l := range ls {
				if l.CompanyID != company {
					t.Fatalf("List(%s) returned a link of %s", company, l.CompanyID)
				}
				ps = append(ps, l.PositionID)
			}
			return ps
		}
		wantEqual(t, "List ordered by position id", positions(co), []string{"p1", "p10", "p2", "p3"})

		must(t, "Delete", store.Delete(c, co, "p2"))
		must(t, "Delete again (idempotent)", store.Delete(c, co, "p2"))
		_, err = store.Get(c, co, "p2")
		wantCode(t, "Get deleted", err, apperr.NotFound)
		wantEqual(t, "List after Delete", positions(co), []string{"p1", "p10", "p3"})

		n, err := store.DeleteAll(c, co)
		must(t, "DeleteAll", err)
		wantEqual(t, "DeleteAll count", n, 3)
		wantEqual(t, "List after DeleteAll", len(positions(co)), 0)
		n, err = store.DeleteAll(c, co)
		must(t, "DeleteAll again", err)
		wantEqual(t, "DeleteAll again count", n, 0)
		wantEqual(t, "other company untouched", positions(other), []string{"p1"})
	})

	t.Run("SetFlags", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		co := ID("co")
		for pos, post := range map[string]string{"pa": "A", "pb": "B", "pc": "C", "pa2": "A"} {
			_, err := store.Put(c, link.Link{CompanyID: co, PositionID: pos, PostingID: post, Trigger: link.ContactAccepted, CreatedAt: base, UpdatedAt: base})
			must(t, "Put", err)
		}
		steps := []struct {
			flags       map[string]link.Flag
			wantChanged int
			want        map[string]link.Flag // by position
		}{
			{map[string]link.Flag{"A": link.FlagPostingClosed, "B": link.FlagPostingGone, "Z": link.FlagPostingGone}, 3,
				map[string]link.Flag{"pa": link.FlagPostingClosed, "pa2": link.FlagPostingClosed, "pb": link.FlagPostingGone}},
			{map[string]link.Flag{"A": link.FlagPostingClosed, "B": link.FlagPostingGone}, 0,
				map[string]link.Flag{"pa": link.FlagPostingClosed, "pa2": link.FlagPostingClosed, "pb": link.FlagPostingGone}},
			{map[string]link.Flag{"A": link.FlagPostingGone}, 3,
				map[string]link.Flag{"pa": link.FlagPostingGone, "pa2": link.FlagPostingGone}},
			{nil, 2, map[string]link.Flag{}},
		}
		for i, s := range steps {
			n, err := store.SetFlags(c, co, s.flags)
			must(t, fmt.Sprintf("step %d: SetFlags", i), err)
			wantEqual(t, fmt.Sprintf("step %d: changed", i), n, s.wantChanged)
			ls, err := store.List(c, co)
			must(t, "List", err)
			got := map[string]link.Flag{}
			for _, l := range ls {
				if l.Flag != link.FlagNone {
					got[l.PositionID] = l.Flag
				}
			}
			wantEqual(t, fmt.Sprintf("step %d: flags", i), fmt.Sprint(got), fmt.Sprint(s.want))
		}
		l, err := store.Get(c, co, "pa")
		must(t, "Get", err)
		if l.Version != 4 {
			t.Fatalf("Version after 3 flag changes = %d, want 4", l.Version)
		}
	})
}

// PostingStoreContract checks an implementation of posting.Store.
func PostingStoreContract(t *testing.T, newStore func(t *testing.T) posting.Store) {
	store := newStore(t)
	post := func(id, state string) posting.Posting {
		return posting.Posting{
			ID: id, Text: "Backend engineer " + id, State: state, Team: "Eng", Department: "R&D",
			Location: "Paris", Commitment: "Full-time", URL: "https://jobs.lever.co/x/" + id, UpdatedAt: base,
		}
	}

	t.Run("UnknownCompanyIsEmpty", func(t *testing.T) {
		t.Parallel()
		got, err := store.List(ctx(t), ID("co"))
		must(t, "List", err)
		if len(got.Postings) != 0 || !got.RefreshedAt.IsZero() {
			t.Fatalf("List = %+v, want empty and never refreshed", got)
		}
		_, err = store.Get(ctx(t), ID("co"), "p1")
		wantCode(t, "Get", err, apperr.NotFound)
		at, err := store.RefreshedAt(ctx(t), ID("co"))
		must(t, "RefreshedAt", err)
		if !at.IsZero() {
			t.Fatalf("RefreshedAt = %v, want zero (never refreshed)", at)
		}
	})

	t.Run("FullPostingRoundTrips", func(t *testing.T) {
		// Everything a vendor publishes, and the refresher's bookkeeping
		// (Sums, Announced, the last change, content placement), comes
		// back as written.
		t.Parallel()
		c := ctx(t)
		co := ID("co")
		full := post("pf", "published")
		full.CreatedAt = base.Add(-time.Hour)
		full.DistributionChannels = []string{"internal", "public"}
		full.AllLocations = []string{"Paris", "Remote"}
		full.Level = "Senior"
		full.WorkplaceType = "hybrid"
		full.Country = "FR"
		full.Tags = []string{"go", "aws"}
		full.URLs = &posting.URLs{List: "https://jobs.lever.co/x", Show: "https://jobs.lever.co/x/pf", Apply: "https://jobs.lever.co/x/pf/apply"}
		full.SalaryRange = &posting.SalaryRange{Min: 40000, Max: 60000.5, Currency: "EUR", Interval: "per-year-salary"}
		full.SalaryDescription = "Good pay"
		full.SalaryDescriptionHTML = "<p>Good <b>pay</b></p>"
		full.Content = &posting.Content{
			Description: "Build things", DescriptionHTML: "<div>Build <b>things</b></div>",
			Lists:   []posting.ContentList{{Text: "You have", Content: "<li>Go</li><li>SQL</li>", Items: []string{"Go", "SQL"}}},
			Closing: "Equal opportunity", ClosingHTML: "<div>Equal opportunity</div>",
			Text: "Build things\n\nYou have\n- Go\n- SQL\n\nEqual opportunity",
		}
		full.Sums = map[string]string{"title": "aa", "content": "bb"}
		full.Announced = true
		full.Last = posting.Stamp{ID: "pc_1", Type: posting.Updated, Fields: []string{posting.FieldSalary, posting.FieldTags}}
		omitted := post("po", "published")
		omitted.ContentOmitted = posting.OmittedTooLarge
		stored := post("ps", "internal")
		stored.ContentStored = true
		must(t, "Apply", store.Apply(c, co, []posting.Posting{full, omitted, stored}, nil, base))
		for _, want := range []posting.Posting{full, omitted, stored} {
			got, err := store.Get(c, co, want.ID)
			must(t, "Get "+want.ID, err)
			wantEqual(t, "Get "+want.ID, got, want)
		}
		got, err := store.List(c, co)
		must(t, "List", err)
		wantEqual(t, "List", got.Postings, []posting.Posting{full, omitted, stored})
	})

	t.Run("ApplyListGet", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		co := ID("co")
		p2 := post("p2", "published")
		p2.Confidential = true
		must(t, "Apply", store.Apply(c, co, []posting.Posting{post("p3", "closed"), post("p1", "published"), p2}, nil, base))
		got, err := store.List(c, co)
		must(t, "List", err)
		wantEqual(t, "List", got, posting.Cache{Postings: []posting.Posting{post("p1", "published"), p2, post("p3", "closed")}, RefreshedAt: base})
		one, err := store.Get(c, co, "p2")
		must(t, "Get", err)
		wantEqual(t, "Get", one, p2)

		later := base.Add(15 * time.Minute)
		must(t, "Apply (change)", store.Apply(c, co, []posting.Posting{post("p1", "closed"), post("p4", "internal")}, []string{"p3", "p-unknown"}, later))
		got, err = store.List(c, co)
		must(t, "List", err)
		wantEqual(t, "List after change", got, posting.Cache{Postings: []posting.Posting{post("p1", "closed"), p2, post("p4", "internal")}, RefreshedAt: later})
		_, err = store.Get(c, co, "p3")
		wantCode(t, "Get deleted", err, apperr.NotFound)
		at, err := store.RefreshedAt(c, co)
		must(t, "RefreshedAt", err)
		wantEqual(t, "RefreshedAt", at, later)
		must(t, "Apply without refreshedAt", store.Apply(c, co, nil, []string{"p4"}, time.Time{}))
		at, err = store.RefreshedAt(c, co)
		must(t, "RefreshedAt", err)
		wantEqual(t, "RefreshedAt kept by an Apply without one", at, later)
	})

	t.Run("ApplyMany", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		co := ID("co")
		var put []posting.Posting
		var del []string
		for i := range 130 {
			put = append(put, post(fmt.Sprintf("p%03d", i), "published"))
			if i%2 == 0 {
				del = append(del, fmt.Sprintf("p%03d", i))
			}
		}
		must(t, "Apply", store.Apply(c, co, put, nil, base))
		must(t, "Apply (delete half)", store.Apply(c, co, nil, del, base.Add(time.Minute)))
		got, err := store.List(c, co)
		must(t, "List", err)
		if len(got.Postings) != 65 || got.Postings[0].ID != "p001" || !got.RefreshedAt.Equal(base.Add(time.Minute)) {
			t.Fatalf("List after deleting half of 130: %d postings, first %q, refreshedAt %v", len(got.Postings), got.Postings[0].ID, got.RefreshedAt)
		}
	})
}

// RefreshLeaseContract checks an implementation of posting.RefreshLease.
func RefreshLeaseContract(t *testing.T, newLease func(t *testing.T) posting.RefreshLease) {
	lease := newLease(t)

	t.Run("AcquireConflictExpiryRelease", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		co := ID("co")
		steps := []struct {
			op      string // acquire | release
			owner   string
			at      time.Duration
			wantErr apperr.Code
		}{
			{"acquire", "a", 0, ""},
			{"acquire", "b", 30 * time.Second, apperr.Conflict},
			{"acquire", "a", 30 * time.Second, ""}, // the holder may extend: now until +90s
			{"release", "b", 0, ""},                // not the holder: no error, no effect
			{"acquire", "b", 80 * time.Second, apperr.Conflict},
			{"release", "a", 0, ""},
			{"acquire", "b", 80 * time.Second, ""}, // freed
			{"acquire", "c", 139 * time.Second, apperr.Conflict},
			{"acquire", "c", 140 * time.Second, ""}, // expired at now
			{"release", "c", 0, ""},
			{"release", "c", 0, ""}, // idempotent
		}
		for i, s := range steps {
			var err error
			if s.op == "acquire" {
				err = lease.AcquireRefresh(c, co, s.owner, base.Add(s.at), time.Minute)
			} else {
				err = lease.ReleaseRefresh(c, co, s.owner)
			}
			wantCode(t, fmt.Sprintf("step %d: %s(%s)", i, s.op, s.owner), err, s.wantErr)
		}
	})

	t.Run("ConcurrentAcquireExactlyOne", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		co := ID("co")
		errs := race(30, func(i int) error { return lease.AcquireRefresh(c, co, fmt.Sprintf("o%d", i), base, time.Minute) })
		if n := winners(t, "AcquireRefresh", errs, apperr.Conflict); n != 1 {
			t.Fatalf("%d of 30 concurrent AcquireRefresh succeeded, want exactly 1", n)
		}
	})
}
