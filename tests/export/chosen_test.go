package export

import (
	"slices"
	"testing"

	"github.com/leverlink/leverlink/shared/lever/leverfake"
)

// chosenBody is the Export button body for a posting chosen now.
func chosenBody(postingID string, c map[string]any, extra ...map[string]any) map[string]any {
	b := map[string]any{"candidate": c, "postingId": postingID}
	for _, m := range extra {
		for k, v := range m {
			b[k] = v
		}
	}
	return b
}

func exportPath(candidateID string) string {
	return "/v1/companies/" + company + "/candidates/" + candidateID + "/export"
}

// statusFor is GET …/export?postingId=.
func (f *fixture) statusFor(candidateID, postingID string) statusView {
	f.t.Helper()
	var v statusView
	if code := f.Do("GET", exportPath(candidateID)+"?postingId="+postingID, nil, &v); code != 200 {
		f.t.Fatalf("GET export status of %s for posting %s: %d", candidateID, postingID, code)
	}
	return v
}

// TestExportToChosenPosting: Pin's "Export to ATS" / LinkedIn's 1-Click
// Export — the vendor picks a Lever posting at the moment of export, with
// no link. The opportunity lands on that posting; the status answers for
// the posting; a second export to another posting is 409 with the first
// Lever URL; later messages and notes follow the opportunity, and links
// changing do not stop them.
func TestExportToChosenPosting(t *testing.T) {
	f := setup(t)
	target := f.postings[1] // published, never linked
	if v := f.statusFor("pick-1", target.ID); !v.Exportable || v.Reason != "" || v.State != "not_exported" {
		t.Errorf("status before export: %+v, want exportable", v)
	}
	var v statusView
	if code := f.Do("POST", exportPath("pick-1"), chosenBody(target.ID, cand("pick-1")), &v); code != 202 {
		t.Fatalf("export to a chosen posting: got %d %+v, want 202", code, v)
	}
	f.drain(false)
	o := f.oneOpp(email("pick-1"))
	if !slices.Equal(o.Postings, []string{target.ID}) {
		t.Fatalf("opportunity postings: got %v, want [%s]", o.Postings, target.ID)
	}
	st := f.status("pick-1")
	if st.State != "exported" || st.PostingID != target.ID || st.PositionID != "" || st.LeverURL != o.URLs.Show {
		t.Errorf("status after export: %+v, want exported to %s with no position", st, target.ID)
	}
	if v := f.statusFor("pick-1", f.postings[0].ID); v.Exportable || v.Reason != "already_exported" || v.LeverURL != o.URLs.Show {
		t.Errorf("status for another posting: %+v, want already_exported with the Lever URL", v)
	}

	// Never twice, never moved: another posting is 409 with the first URL.
	var conflict errorAnswer
	if code := f.Do("POST", exportPath("pick-1"), chosenBody(f.postings[0].ID, cand("pick-1")), &conflict); code != 409 ||
		conflict.Error.Reason != "already_exported" || conflict.Export.LeverURL != o.URLs.Show || conflict.Export.PostingID != target.ID {
		t.Errorf("second export to another posting: got %d %+v, want 409 already_exported with %s", code, conflict, o.URLs.Show)
	}

	// Later messages and notes follow, whatever links do meanwhile.
	f.link("pos-x", target.ID, "")
	f.unlink("pos-x")
	f.send(msgEvent("pick-1", "pm-1", "inbound", "Happy to talk"), 202, "queued")
	f.send(noteEvent("pick-1", "pn-1", "Strong Go background"), 202, "queued")
	f.drain(false)
	notes := f.noteTexts(o.ID)
	if len(notes) != 2 {
		t.Fatalf("notes on the opportunity: got %d %q, want the message and the note", len(notes), notes)
	}
	if got := len(f.acct.Opportunities()); got != 1 {
		t.Errorf("opportunities: got %d, want 1", got)
	}
	f.noDuplicates()

	// Disconnecting stops them.
	if code := f.Do("DELETE", "/v1/companies/"+company+"/connection", nil, nil); code != 200 {
		t.Fatalf("disconnect: %d", code)
	}
	out := f.send(msgEvent("pick-1", "pm-2", "inbound", "Still there?"), 202, "skipped")
	if out["reason"] != "not_connected" {
		t.Errorf("message after disconnect: got %v, want skipped not_connected", out)
	}
}

// TestChosenPostingRefusals: an unknown posting (after one reload) is 422
// posting_not_found; a closed one 422 posting_closed unless allowClosed; a
// posting created in Lever after the last refresh is found by the reload;
// positionId with postingId is 400; the consent gate applies.
func TestChosenPostingRefusals(t *testing.T) {
	f := setup(t)
	closed := f.acct.AddPosting(leverfake.Posting{Text: "Old role", State: "closed"})
	fresh := f.acct.AddPosting(leverfake.Posting{Text: "New role", State: "published"})

	for _, tc := range []struct {
		name, candidate string
		body            map[string]any
		wantCode        int
		wantReason      string
		wantField       string
	}{
		{"unknown posting", "r-1", chosenBody("no-such-posting", cand("r-1")), 422, "posting_not_found", ""},
		{"closed posting", "r-2", chosenBody(closed.ID, cand("r-2")), 422, "posting_closed", ""},
		{"no consent", "r-3", chosenBody(fresh.ID, cand("r-3", map[string]any{"consent": nil})), 422, "no_consent", ""},
		{"position and posting", "r-4", chosenBody(fresh.ID, cand("r-4"), map[string]any{"positionId": "pos-1"}), 400, "", "postingId"},
		{"malformed posting id", "r-5", chosenBody("a/b", cand("r-5")), 400, "", "postingId"},
	} {
		var e errorAnswer
		code := f.Do("POST", exportPath(tc.candidate), tc.body, &e)
		if code != tc.wantCode || e.Error.Reason != tc.wantReason || e.Error.Field != tc.wantField {
			t.Errorf("%s: got %d %+v, want %d reason %q field %q", tc.name, code, e.Error, tc.wantCode, tc.wantReason, tc.wantField)
		}
		if tc.wantReason != "" && (e.Export.Exportable || e.Export.Reason != tc.wantReason) {
			t.Errorf("%s: export view %+v, want not exportable with reason %s", tc.name, e.Export, tc.wantReason)
		}
	}
	if v := f.statusFor("r-9", "no-such-posting"); v.Exportable || v.Reason != "posting_not_found" {
		t.Errorf("status for an unknown posting: %+v, want posting_not_found", v)
	}
	if v := f.statusFor("r-9", closed.ID); v.Exportable || v.Reason != "posting_closed" {
		t.Errorf("status for a closed posting: %+v, want posting_closed", v)
	}

	// A cached posting is not reloaded; allowClosed exports to a closed one.
	before := f.Fake.Calls("GET /postings")
	if code := f.Do("POST", exportPath("r-2"), chosenBody(closed.ID, cand("r-2"), map[string]any{"allowClosed": true}), nil); code != 202 {
		t.Errorf("closed posting with allowClosed: got %d, want 202", code)
	}
	if got := f.Fake.Calls("GET /postings"); got != before {
		t.Errorf("GET /postings calls for a cached posting: %d, want none", got-before)
	}
	// A posting created after the last refresh: the miss reloads once.
	newer := f.acct.AddPosting(leverfake.Posting{Text: "Newest role", State: "published"})
	if code := f.Do("POST", exportPath("r-6"), chosenBody(newer.ID, cand("r-6")), nil); code != 202 {
		t.Errorf("posting created after the last refresh: got %d, want 202", code)
	}
	if got := f.Fake.Calls("GET /postings"); got <= before {
		t.Errorf("the miss did not reload the postings")
	}
	f.drain(false)
	if o := f.oneOpp(email("r-2")); !slices.Equal(o.Postings, []string{closed.ID}) {
		t.Errorf("allowClosed export: postings %v, want [%s]", o.Postings, closed.ID)
	}
	if o := f.oneOpp(email("r-6")); !slices.Equal(o.Postings, []string{newer.ID}) {
		t.Errorf("fresh posting export: postings %v, want [%s]", o.Postings, newer.ID)
	}
	for _, c := range []string{"r-1", "r-3", "r-4", "r-5"} {
		if n := len(f.oppsOf(email(c))); n != 0 {
			t.Errorf("refused candidate %s: %d opportunities, want 0", c, n)
		}
	}
	f.noDuplicates()
}
