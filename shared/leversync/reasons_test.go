package leversync_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/connection"
	"github.com/leverlink/leverlink/shared/dynamo"
	"github.com/leverlink/leverlink/shared/dynamo/dynamotest"
	"github.com/leverlink/leverlink/shared/lever"
	"github.com/leverlink/leverlink/shared/leversync"
	"github.com/leverlink/leverlink/shared/outbox"
)

// fakeLever is one Lever account holding one archived opportunity; its
// archive reasons read answers reasonErrs in turn, then the reasons.
type fakeLever struct {
	leversync.Lever // unused methods panic
	opp             lever.Opportunity
	reasonErrs      []error
	reasonCalls     int
}

func (f *fakeLever) ListOpportunities(context.Context, lever.OppFilter) ([]lever.Opportunity, error) {
	return []lever.Opportunity{f.opp}, nil
}

func (f *fakeLever) ListDeletedOpportunities(context.Context, time.Time) ([]lever.DeletedOpportunity, error) {
	return nil, nil
}

func (f *fakeLever) ListStages(context.Context) ([]lever.Stage, error) {
	return []lever.Stage{{ID: "offer", Text: "Offer"}}, nil
}

func (f *fakeLever) ListArchiveReasons(context.Context) ([]lever.ArchiveReason, error) {
	f.reasonCalls++
	if f.reasonCalls <= len(f.reasonErrs) {
		return nil, f.reasonErrs[f.reasonCalls-1]
	}
	return []lever.ArchiveReason{{ID: "r-hired", Text: "Hired", Status: "active", Type: "hired"}}, nil
}

func (f *fakeLever) SyncLever(context.Context, connection.Connection) (leversync.Lever, error) {
	return f, nil
}

type conns struct{ c connection.Connection }

func (g conns) Get(context.Context, string) (connection.Connection, error) { return g.c, nil }

// eventStates records the events each committed state write becomes
// (outbox.Derive, as the change stream would).
type eventStates struct {
	leversync.StateStore
	events []outbox.Type
}

func (e *eventStates) Modify(ctx context.Context, co, opp string, fn func(*leversync.State) error) (leversync.State, error) {
	var old leversync.State
	s, err := e.StateStore.Modify(ctx, co, opp, func(s *leversync.State) error { old = *s; return fn(s) })
	if err == nil {
		for _, ev := range outbox.Derive(outbox.Change{OldLever: &old, NewLever: &s, At: s.UpdatedAt}) {
			e.events = append(e.events, ev.Type)
		}
	}
	return s, err
}

// TestHireWaitsForArchiveReasons: a hire seen while Lever's archive
// reasons cannot be read is written once the reasons are known, so one
// Lever change is one event; only a lasting failure (scope missing)
// announces an archive without names.
func TestHireWaitsForArchiveReasons(t *testing.T) {
	t.Parallel()
	e503 := apperr.E(apperr.Transient, "lever GET /archive_reasons: 503")
	e429 := apperr.E(apperr.RateLimited, "lever GET /archive_reasons: 429")
	e403 := apperr.E(apperr.Forbidden, "lever GET /archive_reasons: 403")
	tests := []struct {
		name       string
		reasonErrs []error
		syncErrs   []bool // per Sync: an error wanted
		want       []outbox.Type
	}{
		{"reasons readable", nil, []bool{false}, []outbox.Type{outbox.CandidateHired}},
		{"503 then readable", []error{e503}, []bool{true, false}, []outbox.Type{outbox.CandidateHired}},
		{"429 twice then readable", []error{e429, e429}, []bool{true, true, false}, []outbox.Type{outbox.CandidateHired}},
		// A lasting failure: the archive is announced without names; the
		// reasons are read again next poll, telling the hire late.
		{"scope missing: archived without names, as documented", []error{e403}, []bool{false, false}, []outbox.Type{outbox.CandidateArchived, outbox.CandidateHired}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db, tables := dynamotest.New(t)
			store := dynamo.NewLeverSync(db, tables)
			now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
			lv := &fakeLever{reasonErrs: tt.reasonErrs, opp: lever.Opportunity{
				ID: "opp-1", Stage: "offer", UpdatedAt: lever.TimestampOf(now.Add(-time.Minute)),
				Archived: &lever.Archived{Reason: "r-hired", ArchivedAt: lever.TimestampOf(now.Add(-time.Minute))},
			}}
			states := &eventStates{StateStore: store}
			s := &leversync.Syncer{Core: &leversync.Core{
				States: states, Records: store, Lever: lv,
				Connections: conns{connection.Connection{CompanyID: "co", Status: connection.Connected, ConnectedAt: now.Add(-time.Hour)}},
				Now:         func() time.Time { return now },
			}}
			if err := s.Track(ctx, "co", "cand-1", "opp-1", "offer"); err != nil {
				t.Fatal(err)
			}
			for i, wantErr := range tt.syncErrs {
				now = now.Add(leversync.DefaultPollEvery) // each Sync polls
				_, err := s.Sync(ctx, "co")
				if got := err != nil; got != wantErr {
					t.Errorf("sync %d: err = %v, want error %v", i+1, err, wantErr)
				}
				if err != nil && !errors.Is(err, e503) && !errors.Is(err, e429) {
					t.Errorf("sync %d: err = %v, want the reasons read's", i+1, err)
				}
				if err != nil && !leversync.Retryable(err) {
					t.Errorf("sync %d: err = %v (code %s), want retryable", i+1, err, apperr.CodeOf(err))
				}
			}
			if !slices.Equal(states.events, tt.want) {
				t.Errorf("events = %v, want %v", states.events, tt.want)
			}
			got, err := store.Get(ctx, "co", "opp-1")
			if err != nil {
				t.Fatal(err)
			}
			if !got.Hired || got.ArchiveReason != (leversync.Ref{ID: "r-hired", Name: "Hired"}) {
				t.Errorf("state = hired %v reason %+v, want hired under Hired", got.Hired, got.ArchiveReason)
			}
		})
	}
}
