package export_test

import (
	"context"
	"testing"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
)

// step is one thing done to the environment, with the code its error must
// have ("" for none).
type step struct {
	name string
	do   func(t *testing.T, e *env) error
	want apperr.Code
}

// runJob is the step that runs j on the exporter.
func runJob(name string, j export.Job, want apperr.Code) step {
	return step{name: name, want: want, do: func(t *testing.T, e *env) error { return e.x.Run(context.Background(), j) }}
}

// claimHistory is the step in which another attempt claims c-1's history
// note, holding activities.
func claimHistory(activities ...string) step {
	return step{name: "another attempt claims the history", do: func(t *testing.T, e *env) error {
		k := export.Key{CompanyID: company, CandidateID: "c-1", ActivityID: "history"}
		_, err := e.exports.ClaimContaining(context.Background(), k, "other", t0, 0, activities)
		return err
	}}
}

// TestPushAndHistory: a push of an activity the history note holds writes
// nothing; one the history does not hold, or holds in a history that
// failed, is written once as its own note; one held by a history being
// written waits for it. Markers recorded for the history's activities
// before it (a skip) or queued after it (a retry) end exported.
func TestPushAndHistory(t *testing.T) {
	t.Parallel()
	exportWith := runJob("export", exportJob(withHistory("c-1"), "pos-1"), "")
	lateNote := event.Note{ID: "n-9", CreatedAt: t0, Body: "Call on Monday"}
	tests := []struct {
		name    string
		prepare func(t *testing.T, e *env)
		steps   []step

		activity   string       // the activity marker checked
		wantState  export.State // "" for no marker of its own
		wantReason string
		wantNotes  int // notes on the opportunity
		wantPosts  int // POST notes requests
	}{
		{
			name:     "a message of the exported history: no second note, no marker",
			steps:    []step{exportWith, runJob("push m-2", pushMsg("c-1", msg("m-2", "inbound")), "")},
			activity: "message:m-2", wantNotes: 1, wantPosts: 1,
		},
		{
			name:     "a note of the exported history: no second note",
			steps:    []step{exportWith, runJob("push n-1", pushNote("c-1", event.Note{ID: "n-1", CreatedAt: t0, Body: "Strong Go background"}), "")},
			activity: "note:n-1", wantNotes: 1, wantPosts: 1,
		},
		{
			name:     "a message not in the history: its own note, once",
			steps:    []step{exportWith, runJob("push m-3", pushMsg("c-1", msg("m-3", "inbound")), ""), runJob("again", pushMsg("c-1", msg("m-3", "inbound")), "")},
			activity: "message:m-3", wantState: export.Exported, wantNotes: 2, wantPosts: 2,
		},
		{
			name:     "a team note not in the history: its own note",
			steps:    []step{exportWith, runJob("push n-9", pushNote("c-1", lateNote), "")},
			activity: "note:n-9", wantState: export.Exported, wantNotes: 2, wantPosts: 2,
		},
		{
			name: "the history's outcome unknown: a push of one of its messages waits, then writes nothing",
			prepare: func(t *testing.T, e *env) {
				e.fake.FailNext(createNote, 1, leverfake.Failure{Kind: leverfake.KindLostResponse})
			},
			steps: []step{
				runJob("export", exportJob(withHistory("c-1"), "pos-1"), apperr.Transient),
				runJob("push m-1 while the history is unconfirmed", pushMsg("c-1", msg("m-1", "outbound")), apperr.Transient),
				runJob("export again", exportJob(withHistory("c-1"), "pos-1"), ""),
				runJob("push m-1 again", pushMsg("c-1", msg("m-1", "outbound")), ""),
			},
			activity: "message:m-1", wantNotes: 1, wantPosts: 1,
		},
		{
			name: "the history claimed by another attempt: a message it holds waits, another is written",
			steps: []step{
				runJob("export without history", exportJob(cand("c-1"), "pos-1"), ""),
				claimHistory("message:m-1"),
				runJob("push m-1", pushMsg("c-1", msg("m-1", "outbound")), apperr.Transient),
				runJob("push m-4", pushMsg("c-1", msg("m-4", "outbound")), ""),
			},
			activity: "message:m-1", wantNotes: 1, wantPosts: 1,
		},
		{
			name: "the history failed: a push of one of its messages writes it",
			prepare: func(t *testing.T, e *env) {
				e.fake.FailNext(createNote, 1, leverfake.Failure{Status: 400, Code: "BadRequestError", Message: "too long"})
			},
			steps:    []step{exportWith, runJob("push m-1", pushMsg("c-1", msg("m-1", "outbound")), "")},
			activity: "message:m-1", wantState: export.Exported, wantNotes: 1, wantPosts: 2,
		},
		{
			name: "a push skipped before the export: recorded exported with the history",
			steps: []step{
				runJob("push m-1 before the export", pushMsg("c-1", msg("m-1", "outbound")), ""),
				exportWith,
			},
			activity: "message:m-1", wantState: export.Exported, wantReason: "in_history", wantNotes: 1, wantPosts: 1,
		},
		{
			name: "a push queued again after the history: recorded exported, not written",
			steps: []step{
				exportWith,
				{name: "a retry queues m-1", do: func(t *testing.T, e *env) error {
					_, _, err := e.exports.Queue(context.Background(), export.Key{CompanyID: company, CandidateID: "c-1", ActivityID: "message:m-1"}, t0, "", "")
					return err
				}},
				runJob("push m-1", pushMsg("c-1", msg("m-1", "outbound")), ""),
			},
			activity: "message:m-1", wantState: export.Exported, wantReason: "in_history", wantNotes: 1, wantPosts: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			if tt.prepare != nil {
				tt.prepare(t, e)
			}
			for _, s := range tt.steps {
				wantCode(t, s.name, s.do(t, e), s.want)
			}
			if tt.wantState == "" {
				e.noMarker(t, "c-1", tt.activity)
			} else if am := e.marker(t, "c-1", tt.activity); am.State != tt.wantState || am.Reason != tt.wantReason {
				t.Errorf("activity %s: state %q reason %q, want %q %q", tt.activity, am.State, am.Reason, tt.wantState, tt.wantReason)
			}
			oppID := e.marker(t, "c-1", "").OpportunityID
			if got := len(e.notes(oppID)); got != tt.wantNotes || e.account.Calls(createNote) != tt.wantPosts {
				t.Errorf("notes %d (%d posts), want %d (%d)", got, e.account.Calls(createNote), tt.wantNotes, tt.wantPosts)
			}
			pending, err := e.exports.CandidateActivities(context.Background(), company, "c-1", 100)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range pending {
				if p.ActivityID == tt.activity {
					t.Errorf("activity %s still listed %s", tt.activity, p.State)
				}
			}
		})
	}
}

// TestRetryActivityInHistory: an activity written as part of the history
// note (or being written) is not retryable (Conflict not_failed), and one
// never recorded is NotFound.
func TestRetryActivityInHistory(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		prepare   func(t *testing.T, e *env)
		exportErr apperr.Code
		message   string
		wantCode  apperr.Code
		wantState string
	}{
		{"in the exported history", nil, "", "m-1", apperr.Conflict, string(export.Exported)},
		{"in a history being written", func(t *testing.T, e *env) {
			e.fake.FailNext(createNote, 1, leverfake.Failure{Kind: leverfake.KindLostResponse})
		}, apperr.Transient, "m-2", apperr.Conflict, string(export.Exporting)},
		{"in a failed history", func(t *testing.T, e *env) {
			e.fake.FailNext(createNote, 1, leverfake.Failure{Status: 400, Code: "BadRequestError", Message: "too long"})
		}, "", "m-1", apperr.NotFound, ""},
		{"never recorded", nil, "", "m-7", apperr.NotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			if tt.prepare != nil {
				tt.prepare(t, e)
			}
			wantCode(t, "export", e.x.Run(context.Background(), exportJob(withHistory("c-1"), "pos-1")), tt.exportErr)
			m := msg(tt.message, "outbound")
			v, err := e.svc.RetryActivity(context.Background(), company, "c-1", export.ActivityRetry{Message: &m})
			wantCode(t, "retry", err, tt.wantCode)
			if tt.wantCode == apperr.Conflict && (apperr.ReasonOf(err) != "not_failed" || v.State != tt.wantState || v.ActivityID != "message:"+tt.message) {
				t.Errorf("retry: %+v reason %q, want state %s, not_failed", v, apperr.ReasonOf(err), tt.wantState)
			}
			if n := len(e.queue.all()); n != 0 {
				t.Errorf("retry queued %d jobs, want none", n)
			}
		})
	}
}

// TestHistoryExhausted: an export job that exhausts its deliveries with
// the candidate exported and its history note unconfirmed records the
// history failed retries_exhausted, so a push of one of its messages no
// longer waits and writes its own note, once.
func TestHistoryExhausted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t)
	e.fake.FailNext(createNote, 100, leverfake.Failure{Status: 503})
	j := exportJob(withHistory("c-1"), "pos-1")
	err := e.x.Run(ctx, j)
	wantCode(t, "export", err, apperr.Transient)
	wantCode(t, "push while the history is unconfirmed", e.x.Run(ctx, pushMsg("c-1", msg("m-1", "outbound"))), apperr.Transient)
	if err := e.x.Exhaust(ctx, j, err); err != nil {
		t.Fatalf("Exhaust: %v", err)
	}
	if m := e.marker(t, "c-1", ""); m.State != export.Exported {
		t.Fatalf("export marker %s, want exported", m.State)
	}
	if h := e.marker(t, "c-1", "history"); h.State != export.Failed || h.Reason != string(export.ReasonRetriesExhausted) {
		t.Fatalf("history marker %s %s, want failed retries_exhausted", h.State, h.Reason)
	}
	e.fake.ClearFaults()
	for i := range 2 {
		wantCode(t, "push after the history failed", e.x.Run(ctx, pushMsg("c-1", msg("m-1", "outbound"))), "")
		if got := len(e.notes(e.marker(t, "c-1", "").OpportunityID)); got != 1 {
			t.Fatalf("push %d: %d notes, want 1 (m-1's own)", i+1, got)
		}
	}
	if am := e.marker(t, "c-1", "message:m-1"); am.State != export.Exported {
		t.Errorf("message:m-1 %s, want exported", am.State)
	}
}
