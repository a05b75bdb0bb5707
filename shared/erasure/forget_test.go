package erasure_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/erasure"
	"github.com/leverlink/leverlink/shared/leversync"
	"github.com/leverlink/leverlink/shared/memstore"
	"github.com/leverlink/leverlink/shared/outbox"
)

// streamed is the sync-back store as the change stream sees it: every
// write it commits (Track, Modify, ForgetOpportunity) becomes the events
// outbox.Derive makes of it, as the dispatcher would.
type streamed struct {
	*memstore.LeverSync
	t      *testing.T
	events []outbox.Type
}

// observe runs write and derives the events of the state change it made.
func (s *streamed) observe(companyID, oppID string, write func() error) error {
	ctx := context.Background()
	var old *leversync.State
	if o, err := s.LeverSync.Get(ctx, companyID, oppID); err == nil {
		old = &o
	} else if !apperr.Is(err, apperr.NotFound) {
		s.t.Fatal(err)
	}
	err := write()
	n, gerr := s.LeverSync.Get(ctx, companyID, oppID)
	if gerr != nil || old != nil && old.Version == n.Version {
		return err // nothing written
	}
	for _, ev := range outbox.Derive(outbox.Change{OldLever: old, NewLever: &n, At: n.UpdatedAt}) {
		s.events = append(s.events, ev.Type)
	}
	return err
}

func (s *streamed) Track(ctx context.Context, st leversync.State) error {
	return s.observe(st.CompanyID, st.OpportunityID, func() error { return s.LeverSync.Track(ctx, st) })
}

func (s *streamed) Modify(ctx context.Context, co, opp string, fn func(*leversync.State) error) (leversync.State, error) {
	var out leversync.State
	err := s.observe(co, opp, func() error {
		var err error
		out, err = s.LeverSync.Modify(ctx, co, opp, fn)
		return err
	})
	return out, err
}

func (s *streamed) ForgetOpportunity(ctx context.Context, co, opp, cand string, at time.Time) (bool, error) {
	var forgot bool
	err := s.observe(co, opp, func() error {
		var err error
		forgot, err = s.LeverSync.ForgetOpportunity(ctx, co, opp, cand, at)
		return err
	})
	return forgot, err
}

// TestEraseSilencesLever: after the vendor's DELETE, no Lever change to
// the candidate's opportunity is written or announced, whichever came
// first: the opportunity's tracking (the dispatcher on time) or the
// erasure (the dispatcher lagging: its Track arrives later and keeps the
// tombstone). Erasing is itself silent, and the Report counts the Lever
// state only when one was forgotten.
func TestEraseSilencesLever(t *testing.T) {
	t.Parallel()
	hire := func(at time.Time) leversync.Observation {
		return leversync.Observation{OpportunityID: "opp-c1", At: at, Stage: leversync.Ref{ID: "offer", Name: "Offer"},
			Archived: true, Hired: true, ArchiveReason: leversync.Ref{ID: "r-hired", Name: "Hired"}}
	}
	tests := []struct {
		name          string
		trackFirst    bool
		wantLever     int // Removed.LeverState
		wantBeforeDel []outbox.Type
	}{
		{"tracked, then erased", true, 1, []outbox.Type{outbox.CandidateStageChanged}},
		{"erased, then the late Track", false, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			exports := seeded(t)
			states := &streamed{LeverSync: memstore.NewLeverSync(), t: t}
			now := t0.Add(time.Hour)
			core := &leversync.Core{States: states, Now: func() time.Time { return now }}
			svc := service(exports, now)
			svc.Lever = states

			if tt.trackFirst {
				if err := core.Track(ctx, "acme", "c1", "opp-c1", "applicant-new"); err != nil {
					t.Fatal(err)
				}
				// A change before the erasure is announced.
				if changed, err := core.Apply(ctx, "acme", leversync.Observation{OpportunityID: "opp-c1", At: t0.Add(time.Minute),
					Stage: leversync.Ref{ID: "phone-screen", Name: "Phone screen"}}); err != nil || !changed {
					t.Fatalf("Apply before the erasure = %v, %v; want applied", changed, err)
				}
				// Archived too: forgetting must not read as an unarchive.
				if changed, err := core.Apply(ctx, "acme", leversync.Observation{OpportunityID: "opp-c1", At: t0.Add(2 * time.Minute),
					Stage: leversync.Ref{ID: "phone-screen"}, Archived: true, ArchiveReason: leversync.Ref{ID: "r-under"}}); err != nil || !changed {
					t.Fatalf("archive before the erasure = %v, %v; want applied", changed, err)
				}
				tt.wantBeforeDel = append(tt.wantBeforeDel, outbox.CandidateArchived)
			}
			if got, want := states.events, tt.wantBeforeDel; !slices.Equal(got, want) {
				t.Fatalf("events before the erasure = %v, want %v", got, want)
			}

			rep, err := svc.Erase(ctx, "acme", "c1")
			if err != nil {
				t.Fatal(err)
			}
			if rep.Removed.LeverState != tt.wantLever {
				t.Errorf("Removed.LeverState = %d, want %d", rep.Removed.LeverState, tt.wantLever)
			}
			if !tt.trackFirst {
				// The dispatcher processes the earlier "exported" write now.
				if err := core.Track(ctx, "acme", "c1", "opp-c1", "applicant-new"); err != nil {
					t.Fatal(err)
				}
			}
			forgotten, err := states.Get(ctx, "acme", "opp-c1")
			if err != nil {
				t.Fatal(err)
			}
			want := leversync.State{CompanyID: "acme", OpportunityID: "opp-c1", CandidateID: "c1", Forgotten: true, UpdatedAt: now, Version: forgotten.Version}
			if forgotten != want {
				t.Fatalf("state after the erasure = %+v, want the tombstone %+v", forgotten, want)
			}

			// The recruiter moves, hires, unarchives and deletes in Lever:
			// nothing is written, nothing announced.
			for i, o := range []leversync.Observation{hire(t0.Add(time.Hour + time.Minute)), {OpportunityID: "opp-c1", At: t0.Add(2 * time.Hour), Stage: leversync.Ref{ID: "offer"}},
				{OpportunityID: "opp-c1", At: t0.Add(3 * time.Hour), Deleted: true}} {
				if changed, err := core.Apply(ctx, "acme", o); err != nil || changed {
					t.Errorf("Apply %d after the erasure = %v, %v; want unchanged", i, changed, err)
				}
			}
			if got, _ := states.Get(ctx, "acme", "opp-c1"); got != forgotten {
				t.Errorf("state after Lever changes = %+v, want the tombstone unchanged", got)
			}
			if got := states.events; !slices.Equal(got, tt.wantBeforeDel) {
				t.Errorf("events = %v, want only those before the erasure %v", got, tt.wantBeforeDel)
			}

			// A second DELETE forgets nothing more.
			again, err := svc.Erase(ctx, "acme", "c1")
			if err != nil || again.Removed != (erasure.Removed{}) {
				t.Errorf("second Erase = %+v, %v; want nothing removed", again, err)
			}
			intact(t, exports)
		})
	}
}
