package export_test

import (
	"context"
	"testing"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/event"
	"github.com/leverlink/leverlink/shared/export"
	"github.com/leverlink/leverlink/shared/lever"
	"github.com/leverlink/leverlink/shared/link"
)

// candEvent and msgEvent are parsed webhook events.
func candEvent(id string, typ event.Type, c event.Candidate, position string) event.Event {
	return event.Event{ID: id, Type: typ, CompanyID: company, OccurredAt: t0, Candidate: &event.CandidateData{Candidate: c, PositionID: position}}
}

func msgEvent(id, candidateID string, m event.Message) event.Event {
	return event.Event{ID: id, Type: event.MessageCreated, CompanyID: company, OccurredAt: t0, Message: &event.MessageData{CandidateID: candidateID, Message: m}}
}

func noteEvent(id, candidateID string, n event.Note) event.Event {
	return event.Event{ID: id, Type: event.NoteCreated, CompanyID: company, OccurredAt: t0, Note: &event.NoteData{CandidateID: candidateID, Note: n}}
}

// TestIntake: what intake answers for each event, what it records and
// what it queues.
func TestIntake(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		prepare func(t *testing.T, e *env)
		ev      event.Event

		want       export.Outcome
		wantCode   apperr.Code
		wantJob    *export.Job // the job queued (Kind, PositionID, Origin, ActivityID checked)
		wantMarker export.State
		activity   string // the marker checked
	}{
		{
			name:    "contact accepted on a linked position: queued export, sourced",
			ev:      candEvent("e-1", event.ContactAccepted, cand("c-1"), "pos-1"),
			want:    export.Outcome{Status: "queued"},
			wantJob: &export.Job{Kind: export.KindExport, PositionID: "pos-1", Origin: lever.OriginSourced}, wantMarker: export.Queued,
		},
		{
			name:    "applied: queued export, applied",
			ev:      candEvent("e-1", event.Applied, cand("c-1"), "pos-1"),
			want:    export.Outcome{Status: "queued"},
			wantJob: &export.Job{Kind: export.KindExport, PositionID: "pos-1", Origin: lever.OriginApplied}, wantMarker: export.Queued,
		},
		{
			name: "an event before the link's trigger: ignored, nothing recorded",
			ev:   candEvent("e-1", event.FirstMessageSent, cand("c-1"), "pos-1"),
			want: export.Outcome{Status: "ignored", Reason: export.ReasonTriggerNotReached},
		},
		{
			name: "position changed: ignored",
			ev:   candEvent("e-1", event.PositionChanged, cand("c-1"), "pos-1"),
			want: export.Outcome{Status: "ignored", Reason: export.ReasonPositionChanged},
		},
		{
			name: "position not linked: skipped and recorded",
			ev:   candEvent("e-1", event.ContactAccepted, cand("c-1"), "pos-9"),
			want: export.Outcome{Status: "skipped", Reason: export.ReasonPositionNotLinked}, wantMarker: export.Skipped,
		},
		{
			name:    "not connected: skipped not_connected",
			prepare: func(t *testing.T, e *env) { e.setStatus(t, connection.NotConnected) },
			ev:      candEvent("e-1", event.ContactAccepted, cand("c-1"), "pos-1"),
			want:    export.Outcome{Status: "skipped", Reason: export.ReasonNotConnected}, wantMarker: export.Skipped,
		},
		{
			name: "posting closed: skipped posting_closed",
			prepare: func(t *testing.T, e *env) {
				if _, err := e.links.SetFlags(context.Background(), company, map[string]link.Flag{e.postings[0].ID: link.FlagPostingClosed}); err != nil {
					t.Fatal(err)
				}
			},
			ev:   candEvent("e-1", event.ContactAccepted, cand("c-1"), "pos-1"),
			want: export.Outcome{Status: "skipped", Reason: export.ReasonPostingClosed}, wantMarker: export.Skipped,
		},
		{
			name: "already exported: ignored already_exported",
			prepare: func(t *testing.T, e *env) {
				if err := e.x.Run(context.Background(), exportJob(cand("c-1"), "pos-1")); err != nil {
					t.Fatal(err)
				}
			},
			ev:   candEvent("e-1", event.ContactAccepted, cand("c-1"), "pos-1"),
			want: export.Outcome{Status: "ignored", Reason: export.ReasonAlreadyExported}, wantMarker: export.Exported,
		},
		{
			name: "an export in flight: queued behind it",
			prepare: func(t *testing.T, e *env) {
				if _, err := e.exports.Claim(context.Background(), export.Key{CompanyID: company, CandidateID: "c-1"}, "other", t0, 0); err != nil {
					t.Fatal(err)
				}
			},
			ev:      candEvent("e-1", event.ContactAccepted, cand("c-1"), "pos-1"),
			want:    export.Outcome{Status: "queued"},
			wantJob: &export.Job{Kind: export.KindExport, PositionID: "pos-1", Origin: lever.OriginSourced}, wantMarker: export.Exporting,
		},
		{
			name: "replay of a skipped event: duplicate, nothing queued",
			prepare: func(t *testing.T, e *env) {
				if _, err := e.intake.Accept(context.Background(), candEvent("e-1", event.ContactAccepted, cand("c-1"), "pos-9")); err != nil {
					t.Fatal(err)
				}
			},
			ev:   candEvent("e-1", event.ContactAccepted, cand("c-1"), "pos-9"),
			want: export.Outcome{Status: "duplicate"}, wantMarker: export.Skipped,
		},
		{
			name: "replay of a queued event: duplicate, nothing queued again",
			prepare: func(t *testing.T, e *env) {
				if _, err := e.intake.Accept(context.Background(), candEvent("e-1", event.ContactAccepted, cand("c-1"), "pos-1")); err != nil {
					t.Fatal(err)
				}
				e.queue.reset()
			},
			ev:   candEvent("e-1", event.ContactAccepted, cand("c-1"), "pos-1"),
			want: export.Outcome{Status: "duplicate"}, wantMarker: export.Queued,
		},
		{
			name: "replay of a queued event after its export: duplicate",
			prepare: func(t *testing.T, e *env) {
				if _, err := e.intake.Accept(context.Background(), candEvent("e-1", event.ContactAccepted, cand("c-1"), "pos-1")); err != nil {
					t.Fatal(err)
				}
				e.runQueued(t)
			},
			ev:   candEvent("e-1", event.ContactAccepted, cand("c-1"), "pos-1"),
			want: export.Outcome{Status: "duplicate"}, wantMarker: export.Exported,
		},
		{
			name: "replay of an event a later one superseded, after the export: answered by the marker (ignored already_exported)",
			prepare: func(t *testing.T, e *env) {
				for _, id := range []string{"e-1", "e-2"} {
					if _, err := e.intake.Accept(context.Background(), candEvent(id, event.ContactAccepted, cand("c-1"), "pos-1")); err != nil {
						t.Fatal(err)
					}
				}
				e.runQueued(t)
			},
			ev:   candEvent("e-1", event.ContactAccepted, cand("c-1"), "pos-1"),
			want: export.Outcome{Status: "ignored", Reason: export.ReasonAlreadyExported}, wantMarker: export.Exported,
		},
		{
			name: "replay of a queued event whose job a failed send left unsent: processed",
			prepare: func(t *testing.T, e *env) {
				e.queue.err = apperr.E(apperr.Transient, "queue down")
				if _, err := e.intake.Accept(context.Background(), candEvent("e-1", event.ContactAccepted, cand("c-1"), "pos-1")); !apperr.Is(err, apperr.Transient) {
					t.Fatalf("Accept with the queue down: %v, want Transient", err)
				}
				e.queue.err = nil
			},
			ev:      candEvent("e-1", event.ContactAccepted, cand("c-1"), "pos-1"),
			want:    export.Outcome{Status: "queued"},
			wantJob: &export.Job{Kind: export.KindExport, PositionID: "pos-1", Origin: lever.OriginSourced}, wantMarker: export.Queued,
		},
		{
			name: "a message before any export: skipped not_exported on the activity",
			ev:   msgEvent("e-1", "c-1", msg("m-1", "outbound")),
			want: export.Outcome{Status: "skipped", Reason: export.ReasonNotExported}, wantMarker: export.Skipped, activity: "message:m-1",
		},
		{
			name: "a message right after an accepted export: queued behind it",
			prepare: func(t *testing.T, e *env) {
				if _, err := e.intake.Accept(context.Background(), candEvent("e-0", event.ContactAccepted, cand("c-1"), "pos-1")); err != nil {
					t.Fatal(err)
				}
				e.queue.reset()
			},
			ev:      msgEvent("e-1", "c-1", msg("m-1", "outbound")),
			want:    export.Outcome{Status: "queued"},
			wantJob: &export.Job{Kind: export.KindPush, Message: &event.Message{ID: "m-1"}}, wantMarker: export.Queued,
		},
		{
			name: "a note for a candidate whose export failed: skipped not_exported on the activity",
			prepare: func(t *testing.T, e *env) {
				k := export.Key{CompanyID: company, CandidateID: "c-1"}
				if _, err := e.exports.Claim(context.Background(), k, "x", t0, 0); err != nil {
					t.Fatal(err)
				}
				if err := e.exports.Finish(context.Background(), k, "x", t0, export.Failed, string(export.ReasonLeverRejected), "invalid"); err != nil {
					t.Fatal(err)
				}
			},
			ev:   noteEvent("e-1", "c-1", event.Note{ID: "n-1", CreatedAt: t0, Body: "hi"}),
			want: export.Outcome{Status: "skipped", Reason: export.ReasonNotExported}, wantMarker: export.Skipped, activity: "note:n-1",
		},
		{
			name:     "the queue fails: an error, and the sender's retry is processed",
			prepare:  func(t *testing.T, e *env) { e.queue.err = apperr.E(apperr.Transient, "queue down") },
			ev:       candEvent("e-1", event.ContactAccepted, cand("c-1"), "pos-1"),
			wantCode: apperr.Transient, wantMarker: export.Queued, // recorded before the send; the retry sends the job
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			ctx := context.Background()
			if tt.prepare != nil {
				tt.prepare(t, e)
			}
			got, err := e.intake.Accept(ctx, tt.ev)
			wantCode(t, "Accept", err, tt.wantCode)
			if got != tt.want {
				t.Errorf("outcome %+v, want %+v", got, tt.want)
			}
			jobs := e.queue.all()
			if tt.wantJob == nil && len(jobs) != 0 {
				t.Errorf("queued %+v, want nothing", jobs)
			}
			if tt.wantJob != nil {
				if len(jobs) != 1 {
					t.Fatalf("queued %d jobs, want 1", len(jobs))
				}
				j, w := jobs[0], tt.wantJob
				if j.Kind != w.Kind || j.PositionID != w.PositionID || j.Origin != w.Origin || j.ActivityID() != w.ActivityID() ||
					j.CompanyID != company || j.CandidateID != "c-1" || j.EventID != tt.ev.ID || j.EventType != tt.ev.Type {
					t.Errorf("queued %s (position %q origin %q activity %q), want %s (%q %q %q)", j, j.PositionID, j.Origin, j.ActivityID(), w.Kind, w.PositionID, w.Origin, w.ActivityID())
				}
			}
			if tt.wantMarker == "" {
				e.noMarker(t, "c-1", tt.activity)
			} else if m := e.marker(t, "c-1", tt.activity); m.State != tt.wantMarker || (m.State == export.Skipped && m.Reason != string(tt.want.Reason) && tt.want.Status == "skipped") {
				t.Errorf("marker %q %q, want %q %q", m.State, m.Reason, tt.wantMarker, tt.want.Reason)
			}
			if tt.wantCode != "" {
				// Nothing was recorded: the sender's retry goes through.
				e.queue.err = nil
				if got, err := e.intake.Accept(ctx, tt.ev); err != nil || got.Status != "queued" {
					t.Errorf("retry after failure: %+v, %v; want queued", got, err)
				}
			}
		})
	}
}
