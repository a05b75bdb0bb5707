package export

import (
	"context"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/lever"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
)

// TestArchivedLeadGetsNewOpportunity: a person whose only opportunity on
// the posting (or only general one) is archived gets a new active
// opportunity on the same contact; the archived one is left alone.
func TestArchivedLeadGetsNewOpportunity(t *testing.T) {
	tests := []struct {
		name     string
		position string // "" = a general opportunity
	}{
		{name: "on the posting", position: "pos-1"},
		{name: "general", position: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := setup(t)
			ctx := context.Background()
			in := lever.OpportunityInput{Name: "Ada L.", Emails: []string{"ada@example.com"}, Origin: "sourced"}
			if tc.position != "" {
				f.link(tc.position, f.postings[0].ID, "")
				in.Postings = []string{f.postings[0].ID}
			} else {
				f.setSettings(map[string]bool{"allowGeneralOpportunity": true})
			}
			old, err := f.leverClient().CreateOpportunity(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if !f.acct.Archive(old.ID, leverfake.DefaultArchiveReasons[2].ID) {
				t.Fatal("archive the recruiter's opportunity")
			}
			f.send(candEvent("candidate.contact_accepted", tc.position, cand("cand-1", map[string]any{"emails": []string{"ada@example.com"}})), 202, "queued")
			f.drain(false)

			opps := f.oppsOf("ada@example.com")
			if len(opps) != 2 {
				t.Fatalf("opportunities: got %d, want 2 (archived + new active)", len(opps))
			}
			st := f.status("cand-1")
			if st.State != "exported" || st.OpportunityID == old.ID || st.OpportunityID == "" {
				t.Fatalf("status: got %+v, want exported to a new opportunity (not archived %s)", st, old.ID)
			}
			for _, o := range opps {
				switch o.ID {
				case old.ID:
					if o.Archived == nil {
						t.Errorf("the archived opportunity was unarchived")
					}
				case st.OpportunityID:
					if o.Archived != nil || o.Contact != old.Contact {
						t.Errorf("new opportunity: archived %v contact %s, want active on contact %s", o.Archived, o.Contact, old.Contact)
					}
				}
			}
			f.noDuplicates()
		})
	}
}

// TestSecondEmailDedupes: a person Lever knows by the second email of the
// snapshot is adopted, never given a second active opportunity.
func TestSecondEmailDedupes(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	f.link("pos-1", f.postings[0].ID, "")
	existing, err := f.leverClient().CreateOpportunity(ctx, lever.OpportunityInput{
		Name: "Ada L.", Emails: []string{"ada.work@example.com"}, Origin: "sourced", Postings: []string{f.postings[0].ID}})
	if err != nil {
		t.Fatal(err)
	}
	before := f.Fake.Calls("POST /opportunities")
	f.send(candEvent("candidate.contact_accepted", "pos-1", cand("cand-1", map[string]any{
		"emails": []string{"ada.home@example.com", "Ada.Work@example.com"}})), 202, "queued")
	f.drain(false)
	if st := f.status("cand-1"); st.State != "exported" || st.OpportunityID != existing.ID {
		t.Fatalf("status: got %+v, want exported onto the existing %s", st, existing.ID)
	}
	if got := f.Fake.Calls("POST /opportunities") - before; got != 0 {
		t.Errorf("POST /opportunities: got %d, want 0", got)
	}
	if got := len(f.acct.Opportunities()); got != 1 {
		t.Errorf("opportunities: got %d, want 1", got)
	}
}

// TestConfidentialLookup: with the confidential scope, the pre-create
// lookup asks confidentiality=all and finds the person's opportunity on a
// confidential posting instead of creating a second one.
func TestConfidentialLookup(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	secret := f.acct.AddPosting(leverfake.Posting{Text: "Stealth Lead", State: "published", Confidentiality: "confidential"})
	f.updateConn(func(c *connection.Connection) { c.Scopes += " " + connection.ScopeConfidential })
	if code := f.Do("POST", "/v1/companies/"+company+"/postings/reload", nil, nil); code != 200 {
		t.Fatalf("reload postings: %d", code)
	}
	f.link("pos-s", secret.ID, "")
	existing, err := f.leverClient().CreateOpportunity(ctx, lever.OpportunityInput{
		Name: "Ada L.", Emails: []string{"ada@example.com"}, Origin: "sourced", Postings: []string{secret.ID}})
	if err != nil {
		t.Fatal(err)
	}
	f.send(candEvent("candidate.contact_accepted", "pos-s", cand("cand-1", map[string]any{"emails": []string{"ada@example.com"}})), 202, "queued")
	f.drain(false)
	if st := f.status("cand-1"); st.State != "exported" || st.OpportunityID != existing.ID {
		t.Fatalf("status: got %+v, want exported onto the confidential %s", st, existing.ID)
	}
	if got := len(f.acct.Opportunities()); got != 1 {
		t.Errorf("opportunities: got %d, want 1", got)
	}
}

// TestUnknownContactRetriedWithout: a recorded LinkedIn contact that Lever
// no longer knows (deleted or merged) makes the exporter create once more
// without contact instead of failing.
func TestUnknownContactRetriedWithout(t *testing.T) {
	f := setup(t)
	f.link("pos-1", f.postings[0].ID, "")
	li := "https://www.linkedin.com/in/ada-lovelace"
	if _, err := f.App.Exports.PutLinkedIn(context.Background(), company, event.NormalizeLinkedIn(li), "merged-away-contact"); err != nil {
		t.Fatal(err)
	}
	f.send(candEvent("candidate.contact_accepted", "pos-1", cand("cand-1", map[string]any{"linkedinUrl": li})), 202, "queued")
	f.drain(false)
	st := f.status("cand-1")
	if st.State != "exported" || st.ContactID == "" || st.ContactID == "merged-away-contact" {
		t.Fatalf("status: got %+v, want exported on a live contact", st)
	}
	if got := f.Fake.Calls("POST /opportunities"); got != 2 {
		t.Errorf("POST /opportunities: got %d, want 2 (refused with contact, created without)", got)
	}
	f.oneOpp(email("cand-1"))
}

// TestPerformAsDeactivated: a perform-as user deactivated in Lever after
// connect is detected at the first refused write; the connection shows
// perform_as_inactive with the user's email; pushes and exports wait
// (nothing failed one by one, nothing written); PUT /connection/perform-as
// refuses a deactivated or unknown user, accepts an active one without
// reconnecting, and the waiting work then runs.
func TestPerformAsDeactivated(t *testing.T) {
	f := setup(t)
	f.link("pos-1", f.postings[0].ID, "")
	f.send(candEvent("candidate.contact_accepted", "pos-1", cand("cand-1")), 202, "queued")
	f.drain(false)
	o := f.oneOpp(email("cand-1"))
	admin := f.acct.AdminID()
	if !f.acct.DeactivateUser(admin) {
		t.Fatal("deactivate the perform-as user")
	}

	f.send(noteEvent("cand-1", "n-1", "While deactivated"), 202, "queued")
	if n := f.Drain(6 * time.Second); n == 0 {
		t.Errorf("the push did not wait (no retried message)")
	}
	var conn connection.View
	if code := f.Do("GET", "/v1/companies/"+company+"/connection", nil, &conn); code != 200 ||
		conn.Status != connection.PerformAsInactive || conn.PerformAs == nil || conn.PerformAs.Email == "" || conn.LastError != "perform_as_inactive" {
		t.Fatalf("connection: got %d %+v, want perform_as_inactive with the user's email", code, conn)
	}
	// A new candidate waits too: queued, not exported, not failed.
	f.send(candEvent("candidate.contact_accepted", "pos-1", cand("cand-2")), 202, "queued")
	f.Drain(4 * time.Second)
	if got := f.oppsOf(email("cand-2")); len(got) != 0 {
		t.Errorf("exported while the perform-as user is inactive: %d", len(got))
	}
	notesBefore := len(f.noteTexts(o.ID))
	if notesBefore != 0 {
		t.Errorf("notes while waiting: got %q, want none", f.noteTexts(o.ID))
	}
	var failed struct {
		Exports []map[string]any `json:"exports"`
	}
	if code := f.Do("GET", "/v1/companies/"+company+"/exports?state=failed", nil, &failed); code != 200 || len(failed.Exports) != 0 {
		t.Errorf("failed exports while waiting: got %d %v, want none", code, failed.Exports)
	}

	// Repair.
	gone := f.acct.AddUser(leverfake.User{Name: "Gone", Email: "gone@acme.example"})
	f.acct.DeactivateUser(gone.ID)
	for _, tc := range []struct {
		email string
		want  int
	}{
		{"not-an-email", 400},
		{"nobody@acme.example", 400},
		{"gone@acme.example", 400},
	} {
		var out errorAnswer
		if code := f.Do("PUT", "/v1/companies/"+company+"/connection/perform-as", map[string]any{"email": tc.email}, &out); code != tc.want || out.Error.Field != "email" {
			t.Errorf("PUT perform-as %s: got %d %+v, want %d naming email", tc.email, code, out.Error, tc.want)
		}
	}
	rec := f.acct.AddUser(leverfake.User{Name: "Rec", Email: "rec@acme.example"})
	conn = connection.View{}
	if code := f.Do("PUT", "/v1/companies/"+company+"/connection/perform-as", map[string]any{"email": "rec@acme.example"}, &conn); code != 200 ||
		conn.Status != connection.Connected || conn.PerformAs == nil || conn.PerformAs.ID != rec.ID || conn.LastError != "" {
		t.Fatalf("PUT perform-as rec: got %d %+v, want connected as %s", code, conn, rec.ID)
	}
	f.drain(false)
	if got := f.noteTexts(o.ID); len(got) != 1 {
		t.Errorf("notes after repair: got %d, want the waiting note", len(got))
	}
	if st := f.status("cand-2"); st.State != "exported" {
		t.Errorf("cand-2 after repair: got %+v, want exported", st)
	}
	f.noDuplicates()
}
