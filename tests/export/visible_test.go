package export

import (
	"context"
	"strings"
	"testing"

	"github.com/leverlink/leverlink/shared/lever/leverfake"
)

// activityView is an entry of GET /activities and of GET …/export's
// activities.
type activityView struct {
	CandidateID string `json:"candidateId"`
	ActivityID  string `json:"activityId"`
	State       string `json:"state"`
	Reason      string `json:"reason"`
	LastError   string `json:"lastError"`
	Attempts    int    `json:"attempts"`
}

// statusWithActivities is GET …/export with its activities.
type statusWithActivities struct {
	statusView
	Activities []activityView `json:"activities"`
}

func (f *fixture) statusActivities(candidateID string) statusWithActivities {
	f.t.Helper()
	var v statusWithActivities
	if code := f.Do("GET", "/v1/companies/"+company+"/candidates/"+candidateID+"/export", nil, &v); code != 200 {
		f.t.Fatalf("GET export status of %s: %d", candidateID, code)
	}
	return v
}

// activities is GET /activities?state=state.
func (f *fixture) activities(state string) []activityView {
	f.t.Helper()
	var out struct {
		Activities []activityView `json:"activities"`
	}
	if code := f.Do("GET", "/v1/companies/"+company+"/activities?state="+state, nil, &out); code != 200 {
		f.t.Fatalf("GET /activities?state=%s: %d", state, code)
	}
	return out.Activities
}

func (f *fixture) queueDepth() int {
	f.t.Helper()
	n, err := f.App.ExportQueue.Depth(context.Background())
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

// TestQueuedIsAState: right after the webhook accepts an export, the status
// answers queued / in_progress and the Export button queues no second job;
// a message sent at once is queued behind the export and written once; a
// push for a candidate leverlink never saw is answered skipped
// not_exported and shown in that candidate's status.
func TestQueuedIsAState(t *testing.T) {
	f := setup(t)
	f.link("pos-1", f.postings[0].ID, "")
	f.send(candEvent("candidate.contact_accepted", "pos-1", cand("q-1")), 202, "queued")
	if st := f.status("q-1"); st.State != "queued" || st.Exportable || st.Reason != "in_progress" || st.PositionID != "pos-1" {
		t.Errorf("status right after the webhook: got %+v, want queued, not exportable, in_progress", st)
	}
	depth := f.queueDepth()
	var v statusView
	if code := f.Do("POST", "/v1/companies/"+company+"/candidates/q-1/export", exportBody("pos-1", cand("q-1")), &v); code != 202 ||
		v.State != "queued" || v.Exportable || v.Reason != "in_progress" {
		t.Errorf("Export button while queued: got %d %+v, want 202 queued in_progress", code, v)
	}
	if d := f.queueDepth(); d != depth {
		t.Errorf("Export button while queued: queue depth %d → %d, want no second job", depth, d)
	}
	f.send(msgEvent("q-1", "m-1", "outbound", "Right after accepting"), 202, "queued")

	// Never seen: nothing is queued for it, so the push cannot be written.
	if out := f.send(noteEvent("q-2", "n-1", "Never seen"), 202, "skipped"); out["reason"] != "not_exported" {
		t.Errorf("push for a candidate never exported: got %v, want skipped not_exported", out)
	}
	st := f.statusActivities("q-2")
	if st.State != "not_exported" || len(st.Activities) != 1 || st.Activities[0].ActivityID != "note:n-1" ||
		st.Activities[0].State != "skipped" || st.Activities[0].Reason != "not_exported" {
		t.Errorf("status of the never-exported candidate: got %+v, want its skipped push with not_exported", st)
	}
	if got := f.activities("skipped"); len(got) != 1 || got[0].CandidateID != "q-2" {
		t.Errorf("skipped activities: got %+v, want q-2's note", got)
	}

	f.drain(false)
	o := f.oneOpp(email("q-1"))
	if notes := f.noteTexts(o.ID); countContaining(notes, "Right after accepting") != 1 {
		t.Errorf("notes of q-1: got %q, want the message once", notes)
	}
	if st := f.status("q-1"); st.State != "exported" {
		t.Errorf("status after the export: %+v", st)
	}
	f.noDuplicates()
}

// TestFailedPushListedAndRetried: a note Lever refuses is recorded failed
// with its reason and Lever's error as detail, never logged as pushed,
// listed by GET /activities?state=failed and in the candidate's status; a
// retry writes it exactly once.
func TestFailedPushListedAndRetried(t *testing.T) {
	f := setup(t)
	f.link("pos-1", f.postings[0].ID, "")
	f.send(candEvent("candidate.contact_accepted", "pos-1", cand("fp-1")), 202, "queued")
	f.drain(false)
	o := f.oneOpp(email("fp-1"))

	f.Fake.FailNext("POST /opportunities/:id/notes", 1, leverfake.Failure{Kind: leverfake.KindError, Status: 400, Code: "BadRequestError", Message: "Note too long"})
	f.send(noteEvent("fp-1", "n-1", "Refused once"), 202, "queued")
	f.drain(false)
	if notes := f.noteTexts(o.ID); countContaining(notes, "Refused once") != 0 {
		t.Fatalf("notes: got %q, want the refused note absent", notes)
	}
	for _, line := range strings.Split(f.Logs.String(), "\n") {
		if strings.Contains(line, `"activity pushed"`) && strings.Contains(line, "note:n-1") {
			t.Errorf("the log claims a refused note was pushed: %s", line)
		}
	}

	failed := f.activities("failed")
	if len(failed) != 1 || failed[0].CandidateID != "fp-1" || failed[0].ActivityID != "note:n-1" ||
		failed[0].Reason != "lever_rejected" || !strings.Contains(failed[0].LastError, "Note too long") {
		t.Fatalf("failed activities: got %+v, want fp-1's note:n-1 lever_rejected with Lever's message", failed)
	}
	if failed[0].Reason == "BadRequestError" || strings.Contains(failed[0].Reason, "Request") {
		t.Errorf("Lever's raw code leaked into reason: %+v", failed[0])
	}
	if st := f.statusActivities("fp-1"); st.State != "exported" || len(st.Activities) != 1 || st.Activities[0].State != "failed" {
		t.Errorf("status of fp-1: got %+v, want exported with its failed note", st)
	}

	path := "/v1/companies/" + company + "/exports/fp-1/activities/retry"
	note := map[string]any{"note": map[string]any{"id": "n-1", "author": "Grace", "createdAt": now(), "body": "Refused once"}}
	var bad errorAnswer
	if code := f.Do("POST", path, map[string]any{}, &bad); code != 400 || bad.Error.Field != "message" {
		t.Errorf("retry without an activity: got %d %+v, want 400 naming message", code, bad)
	}
	var nf errorAnswer
	if code := f.Do("POST", path, map[string]any{"note": map[string]any{"id": "n-404", "author": "G", "createdAt": now(), "body": "x"}}, &nf); code != 404 {
		t.Errorf("retry of an activity never pushed: got %d %+v, want 404", code, nf)
	}
	var av activityView
	if code := f.Do("POST", path, note, &av); code != 202 || av.State != "queued" || av.ActivityID != "note:n-1" {
		t.Fatalf("retry: got %d %+v, want 202 queued", code, av)
	}
	var again errorAnswer
	if code := f.Do("POST", path, note, &again); code != 409 || again.Error.Reason != "not_failed" {
		t.Errorf("second retry while queued: got %d %+v, want 409 not_failed", code, again)
	}
	f.drain(false)
	if notes := f.noteTexts(o.ID); countContaining(notes, "Refused once") != 1 {
		t.Errorf("notes after the retry: got %q, want the note exactly once", notes)
	}
	if got := f.activities("failed"); len(got) != 0 {
		t.Errorf("failed activities after the retry: %+v, want none", got)
	}
	if st := f.statusActivities("fp-1"); len(st.Activities) != 0 {
		t.Errorf("status activities after the retry: %+v, want none", st.Activities)
	}
	if code := f.Do("POST", path, note, &again); code != 409 || again.Error.Reason != "not_failed" {
		t.Errorf("retry of a pushed note: got %d %+v, want 409 not_failed", code, again)
	}
	f.noDuplicates()
}

// TestUnlinkedPushVisible: a push dropped because its position was
// unlinked is answered skipped position_not_linked, shown in the
// candidate's status, and retryable once the position is linked again.
func TestUnlinkedPushVisible(t *testing.T) {
	f := setup(t)
	f.link("pos-1", f.postings[0].ID, "")
	f.send(candEvent("candidate.contact_accepted", "pos-1", cand("u-1")), 202, "queued")
	f.drain(false)
	o := f.oneOpp(email("u-1"))
	f.unlink("pos-1")
	if out := f.send(msgEvent("u-1", "m-1", "inbound", "While unlinked"), 202, "skipped"); out["reason"] != "position_not_linked" {
		t.Errorf("push after unlink: got %v, want skipped position_not_linked", out)
	}
	st := f.statusActivities("u-1")
	if len(st.Activities) != 1 || st.Activities[0].ActivityID != "message:m-1" || st.Activities[0].Reason != "position_not_linked" {
		t.Fatalf("status after the dropped push: %+v", st)
	}
	path := "/v1/companies/" + company + "/exports/u-1/activities/retry"
	msg := map[string]any{"message": map[string]any{"id": "m-1", "direction": "inbound", "author": "Grace", "sentAt": now(), "body": "While unlinked"}}
	var e errorAnswer
	if code := f.Do("POST", path, msg, &e); code != 422 || e.Error.Code != "invalid" || e.Error.Reason != "position_not_linked" {
		t.Errorf("retry while unlinked: got %d %+v, want 422 invalid position_not_linked", code, e)
	}
	f.link("pos-1", f.postings[0].ID, "")
	if code := f.Do("POST", path, msg, nil); code != 202 {
		t.Fatalf("retry once linked: %d", code)
	}
	f.drain(false)
	if notes := f.noteTexts(o.ID); countContaining(notes, "While unlinked") != 1 {
		t.Errorf("notes: got %q, want the message once", notes)
	}
}
