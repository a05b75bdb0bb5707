package export

import (
	"slices"
	"testing"

	"github.com/leverlink/leverlink/shared/app/apptest"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
)

// appliedTo is a candidate.applied naming the posting applied to (no
// position, no link).
func appliedTo(postingID string, c map[string]any) map[string]any {
	ev := candEvent("candidate.applied", "", c)
	ev["data"].(map[string]any)["postingId"] = postingID
	return ev
}

// TestAppliedToPublishedPosting: an application to a posting the vendor
// published lands on that posting with origin applied and the marketplace
// as source, without any link; it is deduped like any export; an unknown
// posting is skipped posting_not_found and a closed one posting_closed,
// visibly in the status, also when the posting closes between intake and
// export; postingId on another event type is refused naming the field.
func TestAppliedToPublishedPosting(t *testing.T) {
	f := setup(t)
	closed := f.acct.AddPosting(leverfake.Posting{Text: "Old role", State: "closed"})
	if code := f.Do("POST", "/v1/companies/"+company+"/postings/reload", nil, nil); code != 200 {
		t.Fatalf("reload: %d", code)
	}
	target := f.postings[1].ID

	f.send(appliedTo(target, cand("pa-1", map[string]any{"consent": nil})), 202, "queued")
	f.send(appliedTo(target, cand("pa-1", map[string]any{"consent": nil})), 202, "queued") // a second application: deduped
	f.drain(false)
	o := f.oneOpp(email("pa-1"))
	if o.Origin != "applied" || !slices.Equal(o.Sources, []string{apptest.Marketplace}) || !slices.Equal(o.Postings, []string{target}) {
		t.Fatalf("opportunity: origin %q sources %v postings %v, want applied [%s] [%s]", o.Origin, o.Sources, o.Postings, apptest.Marketplace, target)
	}
	if st := f.status("pa-1"); st.State != "exported" || st.PostingID != target || st.OpportunityID != o.ID {
		t.Fatalf("status: %+v, want exported on %s", st, target)
	}
	f.noDuplicates()

	out := f.send(appliedTo("no-such-posting", cand("pa-2")), 202, "skipped")
	if out["reason"] != "posting_not_found" {
		t.Errorf("unknown posting: %v, want skipped posting_not_found", out)
	}
	out = f.send(appliedTo(closed.ID, cand("pa-3")), 202, "skipped")
	if out["reason"] != "posting_closed" {
		t.Errorf("closed posting: %v, want skipped posting_closed", out)
	}
	for c, want := range map[string]string{"pa-2": "posting_not_found", "pa-3": "posting_closed"} {
		if st := f.status(c); st.State != "skipped" || st.Exportable || st.Reason != want {
			t.Errorf("status of %s: %+v, want skipped, not exportable, %s", c, st, want)
		}
	}
	f.drain(false)
	for _, c := range []string{"pa-2", "pa-3"} {
		if n := len(f.oppsOf(email(c))); n != 0 {
			t.Errorf("%s: %d opportunities, want 0", c, n)
		}
	}

	// Accepted while open, closed in Lever before the exporter runs: the
	// job checks the posting again and skips it, visibly.
	late := f.acct.AddPosting(leverfake.Posting{Text: "Closing soon", State: "published"})
	if code := f.Do("POST", "/v1/companies/"+company+"/postings/reload", nil, nil); code != 200 {
		t.Fatalf("reload: %d", code)
	}
	f.send(appliedTo(late.ID, cand("pa-5")), 202, "queued")
	f.acct.UpdatePosting(late.ID, func(p *leverfake.Posting) { p.State = "closed" })
	if code := f.Do("POST", "/v1/companies/"+company+"/postings/reload", nil, nil); code != 200 {
		t.Fatalf("reload: %d", code)
	}
	f.drain(false)
	if st := f.status("pa-5"); st.State != "skipped" || st.Reason != "posting_closed" {
		t.Errorf("status of an application whose posting closed before export: %+v, want skipped posting_closed", st)
	}
	if n := len(f.oppsOf(email("pa-5"))); n != 0 {
		t.Errorf("pa-5: %d opportunities on a closed posting, want 0", n)
	}

	bad := candEvent("candidate.replied", "", cand("pa-4"))
	bad["data"].(map[string]any)["postingId"] = target
	if out := f.send(bad, 400, ""); !containsField(out, "data.postingId") {
		t.Errorf("postingId on candidate.replied: %v, want 400 naming data.postingId", out)
	}
}

func containsField(out map[string]any, field string) bool {
	e, _ := out["error"].(map[string]any)
	return e != nil && e["field"] == field
}
