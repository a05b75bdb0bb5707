package export

import (
	"context"
	"testing"

	"github.com/leverlink/leverlink/shared/lever/leverfake"
	"github.com/leverlink/leverlink/shared/link"
)

// TestClosedPostingHoldsExports: a link to a closed posting holds its
// exports: the event is skipped posting_closed, the status and the Export
// button say so; a link whose posting is gone says posting_gone; once the
// flag clears (the posting reopened), the button exports.
func TestClosedPostingHoldsExports(t *testing.T) {
	f := setup(t)
	closed := f.acct.AddPosting(leverfake.Posting{Text: "Closed role", State: "closed"})
	if code := f.Do("POST", "/v1/companies/"+company+"/postings/reload", nil, nil); code != 200 {
		t.Fatalf("reload postings: status %d", code)
	}
	f.link("pos-c", closed.ID, "")

	if out := f.send(candEvent("candidate.contact_accepted", "pos-c", cand("held-1")), 202, "skipped"); out["reason"] != "posting_closed" {
		t.Errorf("event onto a closed posting: got %v, want skipped posting_closed", out)
	}
	if st := f.status("held-1"); st.State != "skipped" || st.Exportable || st.Reason != "posting_closed" {
		t.Errorf("status: got %+v, want skipped, not exportable, posting_closed", st)
	}
	var got errorAnswer
	if code := f.Do("POST", "/v1/companies/"+company+"/candidates/held-1/export", exportBody("pos-c", cand("held-1")), &got); code != 422 ||
		got.Error.Reason != "posting_closed" || got.Export.Reason != "posting_closed" || got.Export.Exportable {
		t.Errorf("Export button: got %d %+v, want 422 posting_closed", code, got)
	}

	ctx := context.Background()
	if _, err := f.App.Links.SetFlags(ctx, company, map[string]link.Flag{closed.ID: link.FlagPostingGone}); err != nil {
		t.Fatal(err)
	}
	if out := f.send(candEvent("candidate.contact_accepted", "pos-c", cand("held-2")), 202, "skipped"); out["reason"] != "posting_gone" {
		t.Errorf("event onto a gone posting: got %v, want skipped posting_gone", out)
	}
	if st := f.status("held-1"); st.Exportable || st.Reason != "posting_gone" {
		t.Errorf("status once gone: got %+v, want not exportable, posting_gone", st)
	}

	// Reopened: the refresher clears the flag.
	if _, err := f.App.Links.SetFlags(ctx, company, map[string]link.Flag{}); err != nil {
		t.Fatal(err)
	}
	if st := f.status("held-1"); !st.Exportable || st.Reason != "" {
		t.Errorf("status once reopened: got %+v, want exportable, no reason", st)
	}
	if code := f.Do("POST", "/v1/companies/"+company+"/candidates/held-1/export", exportBody("pos-c", cand("held-1")), nil); code != 202 {
		t.Fatalf("Export button once reopened: %d", code)
	}
	f.drain(false)
	if o := f.oneOpp(email("held-1")); len(o.Applications) == 0 {
		t.Errorf("exported without the posting: %+v", o)
	}
	if n := len(f.oppsOf(email("held-2"))); n != 0 {
		t.Errorf("held-2 was exported while the posting was gone: %d opportunities", n)
	}
}

// TestPushAnswers: the webhook answers a push the way its job will end: a
// push after the position was unlinked is skipped position_not_linked; one
// for a candidate whose export was skipped is skipped not_exported.
func TestPushAnswers(t *testing.T) {
	f := setup(t)
	f.link("pos-1", f.postings[0].ID, "")
	f.send(candEvent("candidate.contact_accepted", "pos-1", cand("p-1")), 202, "queued")
	f.drain(false)
	o := f.oneOpp(email("p-1"))
	f.send(noteEvent("p-1", "n-1", "Linked"), 202, "queued")
	f.drain(false)

	f.unlink("pos-1")
	if out := f.send(noteEvent("p-1", "n-2", "After unlink"), 202, "skipped"); out["reason"] != "position_not_linked" {
		t.Errorf("push after unlink: got %v, want skipped position_not_linked", out)
	}
	if out := f.send(msgEvent("p-1", "m-1", "outbound", "After unlink"), 202, "skipped"); out["reason"] != "position_not_linked" {
		t.Errorf("message after unlink: got %v, want skipped position_not_linked", out)
	}
	f.drain(false)
	if notes := f.noteTexts(o.ID); countContaining(notes, "After unlink") != 0 || countContaining(notes, "Linked") != 1 {
		t.Errorf("notes: got %q, want only the note pushed while linked", notes)
	}

	f.send(candEvent("candidate.contact_accepted", "pos-9", cand("p-2")), 202, "skipped")
	if out := f.send(noteEvent("p-2", "n-1", "Never exported"), 202, "skipped"); out["reason"] != "not_exported" {
		t.Errorf("push for a skipped candidate: got %v, want skipped not_exported", out)
	}
}

// TestViewsAgree: GET …/export and GET /exports give one candidate the same
// exportable and reason: a candidate skipped for consent stays exportable
// (the button sends a snapshot that may carry consent) with reason
// no_consent in both.
func TestViewsAgree(t *testing.T) {
	f := setup(t)
	f.link("pos-1", f.postings[0].ID, "replied")
	f.send(candEvent("candidate.replied", "pos-1", cand("nc-1", map[string]any{"consent": nil})), 202, "skipped")
	st := f.status("nc-1")
	if st.State != "skipped" || !st.Exportable || st.Reason != "no_consent" {
		t.Errorf("status: got %+v, want skipped, exportable, no_consent", st)
	}
	var list struct {
		Exports []statusView `json:"exports"`
	}
	if code := f.Do("GET", "/v1/companies/"+company+"/exports?state=skipped", nil, &list); code != 200 || len(list.Exports) != 1 {
		t.Fatalf("skipped list: %d %+v", code, list)
	}
	if l := list.Exports[0]; l.Exportable != st.Exportable || l.Reason != st.Reason {
		t.Errorf("list: got exportable %v reason %q, status says %v %q", l.Exportable, l.Reason, st.Exportable, st.Reason)
	}
}
