package export_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/lever/leverfake"
)

const (
	createNote  = "POST /opportunities/:id/notes"
	changeStage = "PUT /opportunities/:id/stage"
)

// withHistory is a candidate whose snapshot carries a conversation and a
// team note.
func withHistory(id string) event.Candidate {
	c := cand(id)
	c.Messages = []event.Message{msg("m-1", "outbound"), msg("m-2", "inbound")}
	c.Notes = []event.Note{{ID: "n-1", CreatedAt: t0, Body: "Strong Go background"}}
	return c
}

// TestHistory: the snapshot's messages and notes are written once as one
// note, whose marker lists them so a later push of one writes nothing.
func TestHistory(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		prepare   func(t *testing.T, e *env) export.Job
		runs      []apperr.Code
		wantNotes int // notes on the opportunity
		wantPosts int // POST notes requests
	}{
		{"written once as one note", func(t *testing.T, e *env) export.Job {
			return exportJob(withHistory("c-1"), "pos-1")
		}, []apperr.Code{"", ""}, 1, 1},
		{"a lost note answer is found on the retry, not written again", func(t *testing.T, e *env) export.Job {
			e.fake.FailNext(createNote, 1, leverfake.Failure{Kind: leverfake.KindLostResponse})
			return exportJob(withHistory("c-1"), "pos-1")
		}, []apperr.Code{apperr.Transient, ""}, 1, 1},
		{"a refused note fails the history, not the export", func(t *testing.T, e *env) export.Job {
			e.fake.FailNext(createNote, 1, leverfake.Failure{Status: 400, Code: "BadRequestError", Message: "too long"})
			return exportJob(withHistory("c-1"), "pos-1")
		}, []apperr.Code{""}, 0, 1},
		{"no history: no note", func(t *testing.T, e *env) export.Job {
			return exportJob(cand("c-1"), "pos-1")
		}, []apperr.Code{""}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			j := tt.prepare(t, e)
			for i, want := range tt.runs {
				wantCode(t, "run "+string(rune('1'+i)), e.x.Run(context.Background(), j), want)
			}
			m := e.marker(t, "c-1", "")
			if m.State != export.Exported {
				t.Fatalf("export marker %s, want exported", m.State)
			}
			notes := e.notes(m.OpportunityID)
			if len(notes) != tt.wantNotes || e.account.Calls(createNote) != tt.wantPosts {
				t.Fatalf("notes %d (%d posts), want %d (%d)", len(notes), e.account.Calls(createNote), tt.wantNotes, tt.wantPosts)
			}
			if tt.wantPosts > 0 && tt.wantNotes == 0 {
				h := e.marker(t, "c-1", "history")
				if h.State != export.Failed || h.Reason != string(export.ReasonLeverRejected) || h.LastError == "" {
					t.Errorf("history marker %+v, want failed lever_rejected with the detail", h)
				}
			}
			if tt.wantNotes == 0 {
				return
			}
			for _, want := range []string{"History from " + source, "Hello from m-1", "Hello from m-2", "Strong Go background", "[leverlink ref c-1/history]"} {
				if !strings.Contains(notes[0], want) {
					t.Errorf("history note lacks %q:\n%s", want, notes[0])
				}
			}
			h := e.marker(t, "c-1", "history")
			if h.State != export.Exported || h.OpportunityID != m.OpportunityID || h.NoteID == "" {
				t.Errorf("history marker %+v, want exported with the note", h)
			}
			// The history marker lists its activities; none gets a
			// marker of its own.
			if want := []string{"message:m-1", "message:m-2", "note:n-1"}; !slices.Equal(h.Contains, want) {
				t.Errorf("history marker contains %q, want %q", h.Contains, want)
			}
			for _, a := range h.Contains {
				e.noMarker(t, "c-1", a)
			}
			// A push of a message of the history writes nothing.
			if err := e.x.Run(context.Background(), pushMsg("c-1", msg("m-2", "inbound"))); err != nil {
				t.Fatal(err)
			}
			if got := len(e.notes(m.OpportunityID)); got != 1 {
				t.Errorf("after pushing a message of the history: %d notes, want 1", got)
			}
		})
	}
}

// TestPush runs push jobs on an exported candidate: one note per activity,
// the lead stage moved forward only, and how failures settle.
func TestPush(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		prepare func(t *testing.T, e *env) []export.Job // jobs run in order after the export
		// unexported: the candidate is not exported first.
		unexported bool
		runs       []apperr.Code // the code of each job's run

		activity   string       // the activity marker checked
		wantState  export.State // "" for no activity marker
		wantReason string
		wantNotes  int    // notes on the opportunity
		wantStage  string // the opportunity's stage in Lever ("" skips)
		wantMoves  int    // stage change requests (-1 skips)
	}{
		{
			name:    "an outbound message: one note, stage to reached out",
			prepare: func(t *testing.T, e *env) []export.Job { return []export.Job{pushMsg("c-1", msg("m-9", "outbound"))} },
			runs:    []apperr.Code{""}, activity: "message:m-9", wantState: export.Exported, wantNotes: 1,
			wantStage: export.StageReachedOut, wantMoves: 1,
		},
		{
			name: "pushed twice: written once",
			prepare: func(t *testing.T, e *env) []export.Job {
				return []export.Job{pushMsg("c-1", msg("m-9", "outbound")), pushMsg("c-1", msg("m-9", "outbound"))}
			},
			runs: []apperr.Code{"", ""}, activity: "message:m-9", wantState: export.Exported, wantNotes: 1,
			wantStage: export.StageReachedOut, wantMoves: 1,
		},
		{
			name: "a reply moves to responded; a later outbound message never back",
			prepare: func(t *testing.T, e *env) []export.Job {
				return []export.Job{pushMsg("c-1", msg("m-8", "inbound")), pushMsg("c-1", msg("m-9", "outbound"))}
			},
			// Once at responded, reached out is never claimed.
			runs: []apperr.Code{"", ""}, activity: "stage:" + export.StageReachedOut, wantNotes: 2,
			wantStage: export.StageResponded, wantMoves: 1,
		},
		{
			name: "a recruiter moved the opportunity further in Lever: never moved back",
			prepare: func(t *testing.T, e *env) []export.Job {
				if err := e.client(t).ChangeStage(context.Background(), e.marker(t, "c-1", "").OpportunityID, "phone-interview"); err != nil {
					t.Fatal(err)
				}
				return []export.Job{pushMsg("c-1", msg("m-8", "inbound"))}
			},
			runs: []apperr.Code{""}, activity: "message:m-8", wantState: export.Exported, wantNotes: 1,
			wantStage: "phone-interview", wantMoves: 1, // the recruiter's move only
		},
		{
			name: "a team note: one note, no stage change",
			prepare: func(t *testing.T, e *env) []export.Job {
				return []export.Job{pushNote("c-1", event.Note{ID: "n-9", CreatedAt: t0, Body: "Call on Monday"})}
			},
			runs: []apperr.Code{""}, activity: "note:n-9", wantState: export.Exported, wantNotes: 1,
			wantStage: export.StageNewLead, wantMoves: 0,
		},
		{
			name: "a lost note answer is found on the retry",
			prepare: func(t *testing.T, e *env) []export.Job {
				e.fake.FailNext(createNote, 1, leverfake.Failure{Kind: leverfake.KindLostResponse})
				return []export.Job{pushMsg("c-1", msg("m-9", "outbound")), pushMsg("c-1", msg("m-9", "outbound"))}
			},
			runs: []apperr.Code{apperr.Transient, ""}, activity: "message:m-9", wantState: export.Exported, wantNotes: 1,
			wantStage: export.StageReachedOut, wantMoves: 1,
		},
		{
			name: "the stage change fails for now: retried, the note not written again",
			prepare: func(t *testing.T, e *env) []export.Job {
				e.fake.FailNext(changeStage, 1, leverfake.Failure{Status: 503})
				return []export.Job{pushMsg("c-1", msg("m-9", "outbound")), pushMsg("c-1", msg("m-9", "outbound"))}
			},
			runs: []apperr.Code{apperr.Transient, ""}, activity: "stage:" + export.StageReachedOut, wantState: export.Exported, wantNotes: 1,
			wantStage: export.StageReachedOut, wantMoves: 2,
		},
		{
			name: "Lever refuses the note: failed lever_rejected",
			prepare: func(t *testing.T, e *env) []export.Job {
				e.fake.FailNext(createNote, 1, leverfake.Failure{Status: 400, Code: "BadRequestError", Message: "bad"})
				return []export.Job{pushMsg("c-1", msg("m-9", "outbound"))}
			},
			// The stage is not checked: writeNote settles the failure
			// itself and push then moves the stage as if the note was
			// written (reported to the lead).
			runs: []apperr.Code{""}, activity: "message:m-9", wantState: export.Failed, wantReason: string(export.ReasonLeverRejected),
			wantNotes: 0, wantMoves: -1,
		},
		{
			name: "Lever refuses the token: revoked, the activity skipped",
			prepare: func(t *testing.T, e *env) []export.Job {
				e.account.Revoke()
				return []export.Job{pushMsg("c-1", msg("m-9", "outbound"))}
			},
			runs: []apperr.Code{""}, activity: "message:m-9", wantState: export.Skipped, wantReason: string(export.ReasonLeverRevoked),
		},
		{
			name: "tokens unusable: the activity skipped reauth_required",
			prepare: func(t *testing.T, e *env) []export.Job {
				e.levers.err = apperr.E(apperr.Unauthorized, "cannot open tokens").WithReason(connection.ReasonReauth)
				return []export.Job{pushMsg("c-1", msg("m-9", "outbound"))}
			},
			runs: []apperr.Code{""}, activity: "message:m-9", wantState: export.Skipped, wantReason: string(export.ReasonReauthRequired),
		},
		{
			name:       "candidate not exported: skipped not_exported",
			unexported: true,
			prepare:    func(t *testing.T, e *env) []export.Job { return []export.Job{pushMsg("c-1", msg("m-9", "outbound"))} },
			runs:       []apperr.Code{""}, activity: "message:m-9", wantState: export.Skipped, wantReason: string(export.ReasonNotExported),
		},
		{
			name:       "candidate's export in flight: retried later",
			unexported: true,
			prepare: func(t *testing.T, e *env) []export.Job {
				if _, err := e.exports.Claim(context.Background(), export.Key{CompanyID: company, CandidateID: "c-1"}, "other", t0, 0); err != nil {
					t.Fatal(err)
				}
				return []export.Job{pushMsg("c-1", msg("m-9", "outbound"))}
			},
			runs: []apperr.Code{apperr.Transient}, activity: "message:m-9",
		},
		{
			name: "position unlinked since the export: skipped position_not_linked",
			prepare: func(t *testing.T, e *env) []export.Job {
				if err := e.links.Delete(context.Background(), company, "pos-1"); err != nil {
					t.Fatal(err)
				}
				return []export.Job{pushMsg("c-1", msg("m-9", "outbound"))}
			},
			runs: []apperr.Code{""}, activity: "message:m-9", wantState: export.Skipped, wantReason: string(export.ReasonPositionNotLinked),
		},
		{
			name: "connection revoked: skipped lever_revoked",
			prepare: func(t *testing.T, e *env) []export.Job {
				e.setStatus(t, connection.Revoked)
				return []export.Job{pushMsg("c-1", msg("m-9", "outbound"))}
			},
			runs: []apperr.Code{""}, activity: "message:m-9", wantState: export.Skipped, wantReason: string(export.ReasonLeverRevoked),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			ctx := context.Background()
			c := cand("c-1")
			c.Messages = nil
			if !tt.unexported {
				if err := e.x.Run(ctx, exportJob(c, "pos-1")); err != nil {
					t.Fatal(err)
				}
				if st := e.oppOf(t, e.marker(t, "c-1", "").OpportunityID).Stage; st != export.StageNewLead {
					t.Fatalf("exported at stage %q, want %s", st, export.StageNewLead)
				}
			}
			jobs := tt.prepare(t, e)
			for i, j := range jobs {
				wantCode(t, "job "+string(rune('1'+i)), e.x.Run(ctx, j), tt.runs[i])
			}
			if tt.wantState == "" {
				e.noMarker(t, "c-1", tt.activity)
			} else if am := e.marker(t, "c-1", tt.activity); am.State != tt.wantState || am.Reason != tt.wantReason {
				t.Errorf("activity %s: state %q reason %q, want %q %q (lastError %q)", tt.activity, am.State, am.Reason, tt.wantState, tt.wantReason, am.LastError)
			}
			if tt.unexported {
				if n := len(e.opps()); n != 0 {
					t.Errorf("%d opportunities, want none", n)
				}
				return
			}
			oppID := e.marker(t, "c-1", "").OpportunityID
			if got := len(e.notes(oppID)); got != tt.wantNotes {
				t.Errorf("notes: %d, want %d", got, tt.wantNotes)
			}
			if tt.wantStage != "" {
				if got := e.oppOf(t, oppID).Stage; got != tt.wantStage {
					t.Errorf("stage %q, want %q", got, tt.wantStage)
				}
			}
			if got := e.account.Calls(changeStage); tt.wantMoves >= 0 && got != tt.wantMoves {
				t.Errorf("stage changes: %d, want %d", got, tt.wantMoves)
			}
		})
	}
}
