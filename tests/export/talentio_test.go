package export

import (
	"slices"
	"strings"
	"testing"

	"github.com/leverlink/leverlink/shared/app/apptest"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
)

// TestAutoExportOnAccept: talent.io — a candidate who accepts the contact
// request on a linked position is exported to the linked posting, once, with
// the seed's fields, and the history as one note.
func TestAutoExportOnAccept(t *testing.T) {
	f := setup(t)
	f.link("pos-1", f.postings[0].ID, "")
	c := cand("cand-1", map[string]any{
		"phones": []string{"+33 6 12 34 56 78"}, "headline": "Backend dev",
		"location":    map[string]any{"city": "Paris", "country": "France"},
		"linkedinUrl": "https://www.linkedin.com/in/ada-l/",
		"tags":        []string{"go"},
		"resume":      map[string]any{"contentBase64": "JVBERi0xLjQK", "fileName": "ada.pdf", "contentType": "application/pdf"},
		"messages": []map[string]any{
			{"id": "m1", "direction": "outbound", "sentAt": "2026-01-01T10:00:00Z", "body": "Hello Ada"},
			{"id": "m2", "direction": "inbound", "sentAt": "2026-01-01T11:00:00Z", "body": "Hi!"},
		},
		"notes": []map[string]any{{"id": "n1", "createdAt": "2026-01-01T12:00:00Z", "body": "Strong Go"}},
	})
	f.send(candEvent("candidate.contact_accepted", "pos-1", c), 202, "queued")
	f.drain(false)

	o := f.oneOpp(email("cand-1"))
	if got, want := o.Postings, []string{f.postings[0].ID}; !slices.Equal(got, want) {
		t.Errorf("postings: got %v, want %v", got, want)
	}
	if got, want := o.Sources, []string{apptest.Marketplace}; !slices.Equal(got, want) {
		t.Errorf("sources: got %v, want %v", got, want)
	}
	if o.Origin != "sourced" {
		t.Errorf("origin: got %q, want sourced", o.Origin)
	}
	if o.Name != "Ada Lovelace-cand-1" || o.Headline != "Backend dev" || o.Location != "Paris, France" {
		t.Errorf("name/headline/location: got %q %q %q", o.Name, o.Headline, o.Location)
	}
	for _, l := range []string{"https://market.example/c/cand-1", "https://www.linkedin.com/in/ada-l/"} {
		if !slices.Contains(o.Links, l) {
			t.Errorf("links: got %v, want %s among them (profile URL is always exported)", o.Links, l)
		}
	}
	if len(o.Phones) != 1 || o.Phones[0].Value != "+33 6 12 34 56 78" {
		t.Errorf("phones: got %v", o.Phones)
	}
	if !slices.Equal(o.Tags, []string{"go"}) {
		t.Errorf("tags: got %v", o.Tags)
	}
	if files := f.acct.Files(o.ID); len(files) != 1 || !files[0].Resume || files[0].Name != "ada.pdf" {
		t.Errorf("resume: got %+v, want one resumeFile ada.pdf", files)
	}
	notes := f.noteTexts(o.ID)
	if len(notes) != 1 {
		t.Fatalf("notes: got %d, want 1 (the history)", len(notes))
	}
	for _, s := range []string{"Hello Ada", "Hi!", "Strong Go"} {
		if !strings.Contains(notes[0], s) {
			t.Errorf("history note lacks %q:\n%s", s, notes[0])
		}
	}
	st := f.status("cand-1")
	if st.State != "exported" || st.Exportable || st.Reason != "already_exported" || st.LeverURL != o.URLs.Show ||
		st.OpportunityID != o.ID || st.ContactID != o.Contact || st.PostingID != f.postings[0].ID {
		t.Errorf("status: got %+v, want exported with the opportunity's ids and urls.show %s", st, o.URLs.Show)
	}
	// A history message pushed again later is not written twice.
	f.send(msgEvent("cand-1", "m2", "inbound", "Hi!"), 202, "queued")
	f.drain(false)
	if got := len(f.noteTexts(o.ID)); got != 1 {
		t.Errorf("notes after re-pushing a history message: got %d, want 1", got)
	}
	f.noDuplicates()
	if strings.Contains(f.Logs.String(), email("cand-1")) {
		t.Errorf("logs contain a candidate email")
	}
}

// TestExportButton: the Export button for candidates who accepted before
// the link existed, and every reason it is hidden.
func TestExportButton(t *testing.T) {
	f := setup(t)
	path := func(id string) string { return "/v1/companies/" + company + "/candidates/" + id + "/export" }

	// Accepted before the link: skipped, not exported automatically.
	f.send(candEvent("candidate.contact_accepted", "pos-1", cand("early")), 202, "skipped")
	if st := f.status("early"); st.State != "skipped" || st.Reason != "position_not_linked" || st.Exportable {
		t.Errorf("status before link: got %+v, want skipped, not exportable, position_not_linked", st)
	}
	f.link("pos-1", f.postings[0].ID, "")
	if st := f.statusAt("early", "pos-1"); !st.Exportable || st.Reason != "" || st.State != "skipped" {
		t.Errorf("status after link: got %+v, want skipped, exportable, no reason", st)
	}

	var v statusView
	if code := f.Do("POST", path("early"), exportBody("pos-1", cand("early")), &v); code != 202 || v.State != "queued" {
		t.Fatalf("Export button: got %d %+v, want 202 queued", code, v)
	}
	f.drain(false)
	o := f.oneOpp(email("early"))
	if !slices.Equal(o.Postings, []string{f.postings[0].ID}) {
		t.Errorf("postings: got %v", o.Postings)
	}

	var conflict errorAnswer
	if code := f.Do("POST", path("early"), exportBody("pos-1", cand("early")), &conflict); code != 409 ||
		conflict.Error.Reason != "already_exported" || conflict.Export.LeverURL != o.URLs.Show {
		t.Errorf("second Export: got %d %+v, want 409 already_exported with leverUrl %s", code, conflict, o.URLs.Show)
	}

	f.link("pos-2", f.postings[1].ID, "")
	for _, tc := range []struct {
		name, candidate, position string
		body                      map[string]any
		prepare                   func()
		wantReason                string
	}{
		{name: "position not linked", candidate: "c-unlinked", position: "pos-9", wantReason: "position_not_linked"},
		{name: "no position and no general opportunities", candidate: "c-nopos", position: "", wantReason: "position_not_linked"},
		{name: "no consent", candidate: "c-noconsent", position: "pos-2", body: map[string]any{"consent": nil}, wantReason: "no_consent"},
		{name: "consent refused", candidate: "c-refused", position: "pos-2", body: map[string]any{"consent": map[string]any{"granted": false}}, wantReason: "no_consent"},
	} {
		var got errorAnswer
		c := cand(tc.candidate)
		if tc.body != nil {
			c = cand(tc.candidate, tc.body)
		}
		if code := f.Do("POST", path(tc.candidate), exportBody(tc.position, c), &got); code != 422 || got.Error.Reason != tc.wantReason {
			t.Errorf("%s: got %d %+v, want 422 %s", tc.name, code, got, tc.wantReason)
		}
	}

	// Not connected: disconnect, then the button answers 422 not_connected.
	if code := f.Do("DELETE", "/v1/companies/"+company+"/connection", nil, nil); code != 200 {
		t.Fatalf("disconnect: %d", code)
	}
	var got errorAnswer
	if code := f.Do("POST", path("c-late"), exportBody("pos-2", cand("c-late")), &got); code != 422 || got.Error.Reason != "not_connected" {
		t.Errorf("not connected: got %d %+v, want 422 not_connected", code, got)
	}
	if st := f.status("c-late"); st.Exportable || st.Reason != "not_connected" {
		t.Errorf("status when not connected: got %+v", st)
	}
	// The exported candidate stays exported, with its Lever URL.
	if st := f.status("early"); st.State != "exported" || st.LeverURL != o.URLs.Show {
		t.Errorf("status of the exported candidate after disconnect: got %+v", st)
	}
	if got := len(f.acct.Opportunities()); got != 1 {
		t.Errorf("opportunities: got %d, want 1", got)
	}
	f.drain(false)
}

// TestPushAfterExport: messages and team notes created after the export are
// pushed, one note each; a replayed push is written once.
func TestPushAfterExport(t *testing.T) {
	f := setup(t)
	f.link("pos-1", f.postings[0].ID, "")
	f.send(candEvent("candidate.contact_accepted", "pos-1", cand("cand-1")), 202, "queued")
	f.drain(false)
	o := f.oneOpp(email("cand-1"))
	if n := len(f.noteTexts(o.ID)); n != 0 {
		t.Fatalf("notes after an export without history: got %d, want 0", n)
	}

	msg := msgEvent("cand-1", "m-10", "outbound", "Would you like to chat?")
	f.send(msg, 202, "queued")
	f.send(noteEvent("cand-1", "n-10", "Great call today"), 202, "queued")
	f.send(msgEvent("cand-1", "m-11", "inbound", "Sure, tomorrow"), 202, "queued")
	f.send(msg, 200, "duplicate") // the same event again
	f.drain(false)

	notes := f.noteTexts(o.ID)
	if len(notes) != 3 {
		t.Fatalf("notes: got %d %q, want 3", len(notes), notes)
	}
	for _, s := range []string{"Would you like to chat?", "Great call today", "Sure, tomorrow"} {
		if got := countContaining(notes, s); got != 1 {
			t.Errorf("notes containing %q: got %d, want 1", s, got)
		}
	}
	// The same message under a new event id is still written once.
	f.send(msgEvent("cand-1", "m-10", "outbound", "Would you like to chat?"), 202, "queued")
	f.drain(false)
	if got := len(f.noteTexts(o.ID)); got != 3 {
		t.Errorf("notes after a re-sent message: got %d, want 3", got)
	}
	f.noDuplicates()
}

// TestPositionChangeStaysOnPosting: once exported, a candidate is never
// moved to another posting nor exported twice.
func TestPositionChangeStaysOnPosting(t *testing.T) {
	f := setup(t)
	f.link("pos-1", f.postings[0].ID, "")
	f.link("pos-2", f.postings[1].ID, "")
	f.send(candEvent("candidate.contact_accepted", "pos-1", cand("cand-1")), 202, "queued")
	f.drain(false)

	f.send(candEvent("candidate.position_changed", "pos-2", cand("cand-1")), 202, "ignored")
	f.send(candEvent("candidate.contact_accepted", "pos-2", cand("cand-1")), 202, "")
	f.send(candEvent("candidate.replied", "pos-2", cand("cand-1")), 202, "")
	// Even a manual export for the new position is refused.
	var got errorAnswer
	if code := f.Do("POST", "/v1/companies/"+company+"/candidates/cand-1/export", exportBody("pos-2", cand("cand-1")), &got); code != 409 {
		t.Errorf("Export button for the new position: got %d %+v, want 409", code, got)
	}
	f.drain(false)

	o := f.oneOpp(email("cand-1"))
	if !slices.Equal(o.Postings, []string{f.postings[0].ID}) {
		t.Errorf("postings: got %v, want only the first posting", o.Postings)
	}
	if st := f.status("cand-1"); st.PostingID != f.postings[0].ID || st.PositionID != "pos-1" {
		t.Errorf("status: got %+v, want the first posting/position", st)
	}
	if got := f.Fake.Calls("POST /opportunities"); got != 1 {
		t.Errorf("POST /opportunities: got %d calls, want 1", got)
	}
}

// TestUnlinkStopsExportsAndPushes: after DELETE /links/{pos}, accepts are no
// longer exported and exported candidates get no more pushes; what was
// exported stays.
func TestUnlinkStopsExportsAndPushes(t *testing.T) {
	f := setup(t)
	f.link("pos-1", f.postings[0].ID, "")
	f.send(candEvent("candidate.contact_accepted", "pos-1", cand("cand-1")), 202, "queued")
	f.drain(false)
	o := f.oneOpp(email("cand-1"))

	f.unlink("pos-1")
	f.send(candEvent("candidate.contact_accepted", "pos-1", cand("cand-2")), 202, "skipped")
	f.send(msgEvent("cand-1", "m-1", "outbound", "After unlink"), 202, "")
	f.send(noteEvent("cand-1", "n-1", "After unlink note"), 202, "")
	f.drain(false)

	if got := len(f.acct.Opportunities()); got != 1 {
		t.Errorf("opportunities: got %d, want 1 (the one exported before the unlink)", got)
	}
	if got := f.noteTexts(o.ID); len(got) != 0 {
		t.Errorf("notes after unlink: got %q, want none", got)
	}
	if st := f.status("cand-2"); st.State != "skipped" || st.Reason != "position_not_linked" {
		t.Errorf("status of the later candidate: got %+v", st)
	}
	if st := f.status("cand-1"); st.State != "exported" || st.LeverURL != o.URLs.Show {
		t.Errorf("status of the exported candidate: got %+v", st)
	}
}

// TestRevokeStopsEverything: the customer revokes the app in Lever; the next
// job finds out, marks the connection revoked, removes every link and skips;
// later events are skipped without calling Lever.
func TestRevokeStopsEverything(t *testing.T) {
	f := setup(t)
	f.link("pos-1", f.postings[0].ID, "")
	f.link("pos-2", f.postings[1].ID, "")
	f.send(candEvent("candidate.contact_accepted", "pos-1", cand("cand-1")), 202, "queued")
	f.drain(false)
	o := f.oneOpp(email("cand-1"))

	f.Fake.Revoke(f.acct.ID)
	f.send(noteEvent("cand-1", "n-1", "After revoke"), 202, "queued")
	f.send(candEvent("candidate.contact_accepted", "pos-2", cand("cand-2")), 202, "queued")
	f.drain(false)

	var conn map[string]any
	if code := f.Do("GET", "/v1/companies/"+company+"/connection", nil, &conn); code != 200 || conn["status"] != "revoked" {
		t.Errorf("connection: got %d %v, want revoked", code, conn)
	}
	var links struct {
		Links []map[string]any `json:"links"`
	}
	if code := f.Do("GET", "/v1/companies/"+company+"/links", nil, &links); code != 200 || len(links.Links) != 2 {
		t.Errorf("links: got %d %v, want both kept (suspended)", code, links)
	}
	if got := f.noteTexts(o.ID); len(got) != 0 {
		t.Errorf("notes after revoke: got %q", got)
	}
	if got := len(f.acct.Opportunities()); got != 1 {
		t.Errorf("opportunities: got %d, want 1", got)
	}
	if st := f.status("cand-2"); st.State != "skipped" || st.Exportable || st.Reason != "lever_revoked" {
		t.Errorf("status of cand-2: got %+v, want skipped, not exportable (lever_revoked)", st)
	}

	before := f.Fake.Counters()
	out := f.send(candEvent("candidate.contact_accepted", "pos-1", cand("cand-3")), 202, "skipped")
	if out["reason"] != "lever_revoked" {
		t.Errorf("event after revoke: got %v, want skipped lever_revoked", out)
	}
	f.send(msgEvent("cand-1", "m-9", "outbound", "later"), 202, "skipped")
	f.drain(false)
	if after := f.Fake.Counters(); !mapsEqual(before, after) {
		t.Errorf("Lever was called after revoke: before %v after %v", before, after)
	}
	if st := f.status("cand-1"); st.State != "exported" || st.LeverURL != o.URLs.Show {
		t.Errorf("the exported candidate stays exported: got %+v", st)
	}
	_ = leverfake.Options{}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
