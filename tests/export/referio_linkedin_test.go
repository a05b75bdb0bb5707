package export

import (
	"context"
	"slices"
	"testing"

	"github.com/leverlink/leverlink/shared/app/apptest"
)

// TestApplied: a Refer.io-style application is exported with origin
// applied, the marketplace as source, as a new applicant; it fires on any
// trigger but never.
func TestApplied(t *testing.T) {
	f := setup(t)
	f.link("pos-1", f.postings[0].ID, "replied_interested")
	f.link("pos-n", f.postings[1].ID, "never")
	f.send(candEvent("candidate.applied", "pos-1", cand("app-1", map[string]any{"consent": nil})), 202, "queued")
	f.send(candEvent("candidate.applied", "pos-n", cand("app-2")), 202, "ignored")
	f.drain(false)
	o := f.oneOpp(email("app-1"))
	if o.Origin != "applied" || !slices.Equal(o.Sources, []string{apptest.Marketplace}) {
		t.Errorf("origin/sources: got %q %v, want applied [%s]", o.Origin, o.Sources, apptest.Marketplace)
	}
	if o.Stage != "applicant-new" || !slices.Equal(o.Postings, []string{f.postings[0].ID}) {
		t.Errorf("stage/postings: got %q %v", o.Stage, o.Postings)
	}
	if n := len(f.oppsOf(email("app-2"))); n != 0 {
		t.Errorf("application on a never link: %d opportunities, want 0", n)
	}
}

// TestGeneralOpportunityAndLeadStages: LinkedIn-style — a candidate with
// no position becomes a general opportunity when the company allows it,
// and correspondence moves the lead forward only.
func TestGeneralOpportunityAndLeadStages(t *testing.T) {
	f := setup(t)
	// Not allowed yet: skipped.
	out := f.send(candEvent("candidate.contact_accepted", "", cand("gen-0")), 202, "skipped")
	if out["reason"] != "position_not_linked" {
		t.Errorf("general opportunity not allowed: got %v", out)
	}
	f.setSettings(map[string]bool{"allowGeneralOpportunity": true})
	f.send(candEvent("candidate.contact_accepted", "", cand("gen-1")), 202, "queued")
	f.drain(false)
	o := f.oneOpp(email("gen-1"))
	if len(o.Postings) != 0 || o.Stage != "lead-new" {
		t.Fatalf("general opportunity: postings %v stage %q, want none and lead-new", o.Postings, o.Stage)
	}
	stage := func() string {
		for _, x := range f.acct.Opportunities() {
			if x.ID == o.ID {
				return x.Stage
			}
		}
		return ""
	}
	for i, step := range []struct{ direction, want string }{
		{"outbound", "lead-reached-out"},
		{"inbound", "lead-responded"},
		{"outbound", "lead-responded"}, // forward only
	} {
		f.send(msgEvent("gen-1", "gm-"+string(rune('a'+i)), step.direction, "message "+step.direction), 202, "queued")
		f.drain(false)
		if got := stage(); got != step.want {
			t.Errorf("after message %d (%s): stage %q, want %q", i, step.direction, got, step.want)
		}
	}
	if got := len(f.noteTexts(o.ID)); got != 3 {
		t.Errorf("notes: got %d, want 3", got)
	}

	// A recruiter moved the lead on in Lever: an inbound reply never moves
	// it back.
	f.send(candEvent("candidate.contact_accepted", "", cand("gen-2")), 202, "queued")
	f.drain(false)
	o2 := f.oneOpp(email("gen-2"))
	if err := f.leverClient().ChangeStage(context.Background(), o2.ID, "phone-interview"); err != nil {
		t.Fatal(err)
	}
	f.send(msgEvent("gen-2", "x1", "inbound", "Thanks!"), 202, "queued")
	f.drain(false)
	if got := f.oneOpp(email("gen-2")).Stage; got != "phone-interview" {
		t.Errorf("stage after a reply on a moved opportunity: %q, want phone-interview", got)
	}
	f.noDuplicates()
}
