package export

import (
	"context"
	"fmt"
	"testing"

	"github.com/leverlink/leverlink/shared/lever"
)

// funnel is Pin's funnel, in order.
var funnel = []string{"contact_info_found", "first_message_sent", "replied", "replied_interested"}

// TestPinTriggers: each funnel trigger fires on an event at or past its step
// and not on an earlier one; `never` fires on nothing (only the Export
// button). The company opted out of the consent gate (Pin-style early
// triggers), so snapshots carry no consent.
func TestPinTriggers(t *testing.T) {
	f := setup(t)
	f.setSettings(map[string]bool{"exportBeforeConsent": true})
	for _, tr := range append(append([]string{}, funnel...), "never") {
		f.link("p-"+tr, f.postings[0].ID, tr)
	}
	type sent struct {
		candidate string
		want      bool
	}
	var all []sent
	for ti, tr := range append(append([]string{}, funnel...), "never") {
		for ei, ev := range funnel {
			id := fmt.Sprintf("c%d-%d", ti, ei)
			want := tr != "never" && ei >= ti
			status := "ignored"
			if want {
				status = "queued"
			}
			out := f.send(candEvent("candidate."+ev, "p-"+tr, cand(id, map[string]any{"consent": nil})), 202, status)
			if !want && out["reason"] != "trigger_not_reached" {
				t.Errorf("trigger %s, event %s: got %v, want reason trigger_not_reached", tr, ev, out)
			}
			all = append(all, sent{id, want})
		}
	}
	f.drain(false)
	for _, s := range all {
		got := len(f.oppsOf(email(s.candidate)))
		if want := map[bool]int{true: 1, false: 0}[s.want]; got != want {
			t.Errorf("candidate %s: got %d opportunities, want %d", s.candidate, got, want)
		}
	}
	for _, o := range f.acct.Opportunities() {
		if o.Stage != "lead-new" {
			t.Errorf("opportunity %s: stage %q, want lead-new (Pin candidates sync as leads)", o.ID, o.Stage)
		}
	}

	// `never`: contact_accepted does not fire either; the Export button does.
	f.send(candEvent("candidate.contact_accepted", "p-never", cand("manual")), 202, "ignored")
	if code := f.Do("POST", "/v1/companies/"+company+"/candidates/manual/export", exportBody("p-never", cand("manual")), nil); code != 202 {
		t.Fatalf("Export button on a never link: got %d, want 202", code)
	}
	f.drain(false)
	f.oneOpp(email("manual"))
	f.noDuplicates()
}

// TestConsentGate: by default nothing is copied to Lever before consent; a
// funnel event carrying consent passes.
func TestConsentGate(t *testing.T) {
	f := setup(t)
	f.link("pos-1", f.postings[0].ID, "contact_info_found")
	out := f.send(candEvent("candidate.contact_info_found", "pos-1", cand("c-no", map[string]any{"consent": nil})), 202, "skipped")
	if out["reason"] != "no_consent" {
		t.Errorf("no consent: got %v, want skipped no_consent", out)
	}
	f.send(candEvent("candidate.contact_info_found", "pos-1", cand("c-yes")), 202, "queued")
	f.drain(false)
	if n := len(f.oppsOf(email("c-no"))); n != 0 {
		t.Errorf("candidate without consent: %d opportunities, want 0", n)
	}
	f.oneOpp(email("c-yes"))
	if st := f.status("c-no"); st.State != "skipped" {
		t.Errorf("status without consent: got %+v, want skipped", st)
	}
}

// leverClient is a direct client of the fake account, acting as a Lever
// user (to prepare data the way a recruiter would).
func (f *fixture) leverClient() *lever.Client {
	tok := f.acct.Authorize()
	return lever.New(lever.Config{BaseURL: f.Fake.URL + "/v1", Tokens: lever.StaticToken(tok.AccessToken), PerformAs: f.acct.AdminID()})
}

// TestDedupeByEmail: a contact already in Lever with the email gets the new
// opportunity; a second export for the same email and posting (another
// candidate id, e.g. the same person on two vendor positions linked to one
// posting) never creates a second opportunity.
func TestDedupeByEmail(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	existing, err := f.leverClient().CreateOpportunity(ctx, lever.OpportunityInput{Name: "Ada L.", Emails: []string{"ADA@example.com"}, Origin: "sourced"})
	if err != nil {
		t.Fatal(err)
	}
	f.link("pos-1", f.postings[0].ID, "")
	f.link("pos-2", f.postings[0].ID, "") // two vendor positions, one posting
	f.send(candEvent("candidate.contact_accepted", "pos-1", cand("cand-1", map[string]any{"emails": []string{"ada@example.com"}})), 202, "queued")
	f.drain(false)
	f.send(candEvent("candidate.contact_accepted", "pos-2", cand("cand-2", map[string]any{"emails": []string{"Ada@Example.com"}})), 202, "queued")
	f.drain(false)

	opps := f.oppsOf("ada@example.com")
	if len(opps) != 2 {
		t.Fatalf("opportunities of the email: got %d, want 2 (the existing general one + one on the posting)", len(opps))
	}
	var onPosting []string
	for _, o := range opps {
		if o.Contact != existing.Contact {
			t.Errorf("opportunity %s: contact %s, want the existing contact %s", o.ID, o.Contact, existing.Contact)
		}
		if len(o.Postings) == 1 && o.Postings[0] == f.postings[0].ID {
			onPosting = append(onPosting, o.ID)
		}
	}
	if len(onPosting) != 1 {
		t.Fatalf("opportunities on the posting: got %v, want 1", onPosting)
	}
	if got := len(f.acct.Contacts()); got != 1 {
		t.Errorf("contacts: got %d, want 1", got)
	}
	for _, c := range []string{"cand-1", "cand-2"} {
		if st := f.status(c); st.State != "exported" || st.OpportunityID != onPosting[0] {
			t.Errorf("status of %s: got %+v, want exported to %s", c, st, onPosting[0])
		}
	}
	if got := f.Fake.Calls("POST /opportunities"); got != 2 {
		t.Errorf("POST /opportunities: got %d, want 2 (the recruiter's and ours)", got)
	}
	f.noDuplicates()
}

// TestDedupeByLinkedIn: candidates without email but with the same LinkedIn
// profile (in any spelling) share one Lever contact.
func TestDedupeByLinkedIn(t *testing.T) {
	f := setup(t)
	f.link("pos-1", f.postings[0].ID, "")
	f.link("pos-2", f.postings[1].ID, "")
	noEmail := func(id, li string) map[string]any {
		return cand(id, map[string]any{"emails": nil, "linkedinUrl": li})
	}
	f.send(candEvent("candidate.contact_accepted", "pos-1", noEmail("li-1", "https://www.linkedin.com/in/Grace-Hopper/")), 202, "queued")
	f.drain(false)
	f.send(candEvent("candidate.contact_accepted", "pos-2", noEmail("li-2", "https://linkedin.com/in/grace-hopper?trk=x")), 202, "queued")
	f.send(candEvent("candidate.contact_accepted", "pos-1", noEmail("li-3", "http://fr.linkedin.com/in/grace-hopper")), 202, "queued")
	f.drain(false)

	opps := f.acct.Opportunities()
	if len(opps) != 2 {
		t.Fatalf("opportunities: got %d, want 2 (one per posting)", len(opps))
	}
	if opps[0].Contact != opps[1].Contact {
		t.Errorf("contacts: got %s and %s, want the same", opps[0].Contact, opps[1].Contact)
	}
	if got := len(f.acct.Contacts()); got != 1 {
		t.Errorf("contacts: got %d, want 1", got)
	}
	if a, b := f.status("li-1"), f.status("li-3"); a.OpportunityID == "" || a.OpportunityID != b.OpportunityID {
		t.Errorf("li-1 and li-3 (same posting): got opportunities %q and %q, want the same", a.OpportunityID, b.OpportunityID)
	}
	f.noDuplicates()
}
