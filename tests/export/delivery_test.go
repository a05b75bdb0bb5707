package export

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
)

// TestDuplicateDelivery: the same event delivered twice (sequentially and
// concurrently) is queued once; the same job delivered twice by the queue
// writes once.
func TestDuplicateDelivery(t *testing.T) {
	f := setup(t)
	f.link("pos-1", f.postings[0].ID, "")
	ev := candEvent("candidate.contact_accepted", "pos-1", cand("dup-1"))
	var wg sync.WaitGroup
	codes := make([]int, 5)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i], _ = f.Send(ev)
		}()
	}
	wg.Wait()
	queued := 0
	for _, c := range codes {
		switch c {
		case 202:
			queued++
		case 200:
		default:
			t.Errorf("concurrent duplicate: status %d", c)
		}
	}
	if queued != 1 {
		t.Errorf("concurrent deliveries of one event: %d queued (%v), want 1", queued, codes)
	}
	f.send(ev, 200, "duplicate")

	// At-least-once delivery: the queue hands the same job out twice.
	job := export.Job{Kind: export.KindExport, CompanyID: company, CandidateID: "dup-2", EventID: "e-dup-2",
		EventType: event.ContactAccepted, PositionID: "pos-1", Origin: "sourced", Candidate: snapshot(t, cand("dup-2")), EnqueuedAt: time.Now()}
	body, _ := job.Encode()
	for _, d := range []string{"copy-1", "copy-2"} {
		if err := f.App.ExportQueue.Enqueue(context.Background(), job.GroupID(), d, body); err != nil {
			t.Fatal(err)
		}
	}
	f.drain(false)
	f.oneOpp(email("dup-1"))
	f.oneOpp(email("dup-2"))
	if got := f.Fake.Calls("POST /opportunities"); got != 2 {
		t.Errorf("POST /opportunities: %d calls, want 2", got)
	}
	f.noDuplicates()
}

// snapshot converts a test candidate map to the snapshot type.
func snapshot(t *testing.T, c map[string]any) *event.Candidate {
	t.Helper()
	b, _ := json.Marshal(c)
	var s event.Candidate
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return &s
}

// TestOutOfOrder: a push that reaches the exporter before its candidate's
// export is retried while the export is in progress, then written once the
// export is done; a push for a candidate that is not exported is skipped and
// its activity arrives with the export's history instead.
func TestOutOfOrder(t *testing.T) {
	f := setup(t, withShortStale)
	f.link("pos-1", f.postings[0].ID, "")
	ctx := context.Background()

	// The export's first attempt is applied in Lever but its answer lost:
	// the marker stays exporting and the message will be redelivered.
	f.Fake.FailNext("POST /opportunities", 1, leverfake.Failure{Kind: leverfake.KindLostResponse})
	f.send(candEvent("candidate.contact_accepted", "pos-1", cand("ooo-1")), 202, "queued")
	if _, failed, err := f.Exports.RunOnce(ctx); err != nil || failed != 1 {
		t.Fatalf("first attempt: failed %d err %v, want 1 failure", failed, err)
	}
	push := export.Job{Kind: export.KindPush, CompanyID: company, CandidateID: "ooo-1", EventID: "e-push",
		EventType: event.NoteCreated, Note: &event.Note{ID: "n1", CreatedAt: time.Now(), Body: "Early note"}, EnqueuedAt: time.Now()}
	body, _ := push.Encode()
	if err := f.App.ExportJobs.RunJob(ctx, body); !apperr.Is(err, apperr.Transient) || apperr.ReasonOf(err) != "export_in_progress" {
		t.Fatalf("push during the export: got %v, want a transient export_in_progress error (retried)", err)
	}
	f.drain(true)
	o := f.oneOpp(email("ooo-1"))
	if err := f.App.ExportJobs.RunJob(ctx, body); err != nil {
		t.Fatalf("push after the export: %v", err)
	}
	if notes := f.noteTexts(o.ID); len(notes) != 1 || !strings.Contains(notes[0], "Early note") {
		t.Errorf("notes: got %q, want the pushed note", notes)
	}

	// The vendor sent the note before the acceptance: the push is skipped
	// (nothing to push to, no export queued), the export carries it in its
	// history, once; re-sent after the acceptance it is queued behind the
	// export and finds it written.
	if out := f.send(noteEvent("ooo-2", "n1", "Note before accept"), 202, "skipped"); out["reason"] != "not_exported" {
		t.Errorf("push before any export: got %v, want skipped not_exported", out)
	}
	f.send(candEvent("candidate.contact_accepted", "pos-1", cand("ooo-2", map[string]any{
		"notes": []map[string]any{{"id": "n1", "createdAt": now(), "body": "Note before accept"}}})), 202, "queued")
	f.send(noteEvent("ooo-2", "n1", "Note before accept"), 202, "queued") // re-sent after
	f.drain(false)
	o2 := f.oneOpp(email("ooo-2"))
	if notes := f.noteTexts(o2.ID); len(notes) != 1 || countContaining(notes, "Note before accept") != 1 {
		t.Errorf("notes: got %q, want one history note with the early note", notes)
	}

	// A push for a candidate whose export was skipped is skipped too, and
	// the webhook says so.
	f.send(candEvent("candidate.contact_accepted", "pos-9", cand("ooo-3")), 202, "skipped")
	if out := f.send(noteEvent("ooo-3", "n1", "Not exported"), 202, "skipped"); out["reason"] != "not_exported" {
		t.Errorf("push for a skipped candidate: got %v, want skipped not_exported", out)
	}
	f.drain(false)
	if n := len(f.oppsOf(email("ooo-3"))); n != 0 {
		t.Errorf("skipped candidate: %d opportunities", n)
	}
	f.noDuplicates()
}

// TestPoisonMessages: a malformed job with readable ids is recorded as a
// failed export (visible in the failed list) and acknowledged; an
// unreadable body goes to the DLQ after maxReceiveCount without blocking
// other candidates.
func TestPoisonMessages(t *testing.T) {
	f := setup(t)
	f.Exports.Visibility = time.Second
	f.link("pos-1", f.postings[0].ID, "")
	ctx := context.Background()
	malformed := `{"kind":"export","companyId":"acme","candidateId":"bad-1","candidate":{"id":"someone-else"}}`
	if err := f.App.ExportQueue.Enqueue(ctx, "acme:bad-1", "poison-1", []byte(malformed)); err != nil {
		t.Fatal(err)
	}
	junk := []byte("this is not a job {")
	if err := f.App.ExportQueue.Enqueue(ctx, "acme:junk", "poison-2", junk); err != nil {
		t.Fatal(err)
	}
	f.send(candEvent("candidate.contact_accepted", "pos-1", cand("good-1")), 202, "queued")
	start := time.Now()
	f.drain(true)
	f.oneOpp(email("good-1"))
	if st := f.status("good-1"); st.State != "exported" {
		t.Errorf("the good candidate: %+v", st)
	}

	var list struct {
		Exports []statusView `json:"exports"`
	}
	if code := f.Do("GET", "/v1/companies/"+company+"/exports?state=failed", nil, &list); code != 200 {
		t.Fatalf("GET /exports: %d", code)
	}
	if len(list.Exports) != 1 || list.Exports[0].CandidateID != "bad-1" || list.Exports[0].State != "failed" ||
		list.Exports[0].Reason != "invalid_job" || !strings.Contains(list.Exports[0].LastError, "candidate.id") {
		t.Errorf("failed exports: got %+v, want bad-1 failed invalid_job naming candidate.id", list.Exports)
	}
	msgs, err := f.DLQ.Receive(ctx, 10, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || string(msgs[0].Body) != string(junk) {
		t.Errorf("DLQ: got %d messages, want the unreadable one", len(msgs))
	}
	t.Logf("poison handled in %s", time.Since(start).Round(100*time.Millisecond))
}

// downQueue refuses every job, as an SQS outage would.
type downQueue struct{}

func (downQueue) Enqueue(context.Context, string, string, []byte) error {
	return apperr.E(apperr.Transient, "queue down")
}

// TestReplayAnswers: at the webhook, a queued event's replay is answered
// duplicate, also after the export; a replay of an event that a later
// event of the same candidate superseded is answered from the candidate's
// state (ignored already_exported), then duplicate; and an event whose job
// could not be sent (503) leaves no replay mark, so the sender's retry is
// queued and exported once.
func TestReplayAnswers(t *testing.T) {
	f := setup(t)
	f.link("pos-1", f.postings[0].ID, "")
	first := candEvent("candidate.contact_accepted", "pos-1", cand("rp-1"))
	later := candEvent("candidate.contact_accepted", "pos-1", cand("rp-1"))
	f.send(first, 202, "queued")
	f.send(first, 200, "duplicate")
	f.send(later, 202, "queued")
	f.drain(false)
	f.oneOpp(email("rp-1"))
	f.send(later, 200, "duplicate")
	if out := f.send(first, 202, "ignored"); out["reason"] != "already_exported" {
		t.Errorf("replay of a superseded event after the export: %v, want ignored already_exported", out)
	}
	f.send(first, 200, "duplicate")

	// The queue refuses the job: 503, and nothing is remembered.
	ev := candEvent("candidate.contact_accepted", "pos-1", cand("rp-2"))
	q := f.App.Intake.Queue
	f.App.Intake.Queue = downQueue{}
	code, out := f.Send(ev)
	f.App.Intake.Queue = q
	if code != 503 {
		t.Fatalf("send with the queue down: %d %v, want 503", code, out)
	}
	f.send(ev, 202, "queued") // the sender's retry
	f.send(ev, 200, "duplicate")
	f.drain(false)
	f.oneOpp(email("rp-2"))
	f.send(ev, 200, "duplicate")
	if got := f.Fake.Calls("POST /opportunities"); got != 2 {
		t.Errorf("POST /opportunities: %d calls, want 2", got)
	}
	f.noDuplicates()
}

// TestExportButtonAfterAFailedSend: when the Export button's job cannot be
// sent (503), the candidate is not left "queued" with no job on its way:
// the status offers the button again at once, and the next click queues
// the job, which exports the candidate once.
func TestExportButtonAfterAFailedSend(t *testing.T) {
	f := setup(t)
	f.link("pos-1", f.postings[0].ID, "")
	path := "/v1/companies/" + company + "/candidates/btn-1/export"
	q := f.App.ExportSvc.Queue
	f.App.ExportSvc.Queue = downQueue{}
	code := f.Do("POST", path, exportBody("pos-1", cand("btn-1")), nil)
	f.App.ExportSvc.Queue = q
	if code != 503 {
		t.Fatalf("click with the queue down: %d, want 503", code)
	}
	var st struct {
		Exportable bool   `json:"exportable"`
		Reason     string `json:"reason"`
	}
	if code := f.Do("GET", path, nil, &st); code != 200 || !st.Exportable {
		t.Fatalf("status after the failed click: %d %+v, want the button offered", code, st)
	}
	var ans struct {
		State string `json:"state"`
	}
	if code := f.Do("POST", path, exportBody("pos-1", cand("btn-1")), &ans); code != 202 || ans.State != "queued" {
		t.Fatalf("the next click: %d %+v, want 202 queued", code, ans)
	}
	if code := f.Do("GET", path, nil, &st); code != 200 || st.Exportable || st.Reason != "in_progress" {
		t.Fatalf("status after the queued click: %d %+v, want in_progress", code, st)
	}
	f.drain(false)
	f.oneOpp(email("btn-1"))
	f.noDuplicates()
}
