package storetest

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/erasure"
	"github.com/leverlink/leverlink/shared/leversync"
)

// LeverSyncStore is both sync-back stores and the erasure's port to them
// (dynamo.LeverSync, memstore.LeverSync).
type LeverSyncStore interface {
	leversync.StateStore
	leversync.RecordStore
	erasure.LeverStates
}

// LeverSyncContract checks an implementation of leversync.StateStore,
// leversync.RecordStore and erasure.LeverStates.
func LeverSyncContract(t *testing.T, newStore func(t *testing.T) LeverSyncStore) {
	store := newStore(t)

	t.Run("TrackFirstWriterWinsAndModifyUnderVersion", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		company := ID("co")
		if _, err := store.Get(c, company, "o1"); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("Get of an untracked opportunity: %v, want not found", err)
		}
		if _, err := store.Modify(c, company, "o1", func(*leversync.State) error { return nil }); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("Modify of an untracked opportunity: %v, want not found", err)
		}
		first := leversync.State{CompanyID: company, OpportunityID: "o1", CandidateID: "c1", Stage: leversync.Ref{ID: "applicant-new"}, UpdatedAt: base}
		if err := store.Track(c, first); err != nil {
			t.Fatal(err)
		}
		second := first
		second.CandidateID, second.Stage.ID = "c2", "offer"
		if err := store.Track(c, second); err != nil {
			t.Fatalf("second Track: %v, want nil (first writer wins)", err)
		}
		got, err := store.Get(c, company, "o1")
		if err != nil || got.CandidateID != "c1" || got.Stage.ID != "applicant-new" || got.Version != 1 {
			t.Fatalf("Get = %+v, %v; want the first tracking at version 1", got, err)
		}
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := store.Modify(c, company, "o1", func(s *leversync.State) error {
					s.Stage.Name += "x"
					return nil
				}); err != nil && !apperr.Is(err, apperr.Conflict) {
					t.Errorf("Modify: %v", err)
				}
			}()
		}
		wg.Wait()
		got, _ = store.Get(c, company, "o1")
		if int(got.Version)-1 != len(got.Stage.Name) {
			t.Errorf("version %d after %d applied modifications: a write was lost", got.Version, len(got.Stage.Name))
		}
		want := leversync.State{CompanyID: company, OpportunityID: "o1", CandidateID: "c1",
			Stage: leversync.Ref{ID: "offer", Name: "Offer"}, PrevStage: leversync.Ref{ID: "applicant-new", Name: "New"},
			Archived: true, ArchiveReason: leversync.Ref{ID: "r", Name: "Hired"}, Hired: true, Deleted: true,
			LeverUpdatedAt: base.Add(time.Minute), UpdatedAt: base.Add(2 * time.Minute)}
		out, err := store.Modify(c, company, "o1", func(s *leversync.State) error {
			v := s.Version
			*s = want
			s.Version = v
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		got, _ = store.Get(c, company, "o1")
		want.Version = out.Version
		if got != want {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
		}
	})

	// An erased candidate's opportunity is forgotten for good: the
	// tombstone holds ids only, a second forget writes nothing, and a Track
	// arriving after it (the dispatcher lagging behind the erasure) keeps
	// it.
	t.Run("ForgetIsFinalAndTrackKeepsIt", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		company := ID("co")
		for _, bad := range []struct{ field, co, opp, cand string }{
			{"companyId", "", "o1", "c1"}, {"opportunityId", company, "", "c1"}, {"candidateId", company, "o1", ""},
		} {
			if _, err := store.ForgetOpportunity(c, bad.co, bad.opp, bad.cand, base); !apperr.Is(err, apperr.Invalid) || !strings.Contains(err.Error(), bad.field) {
				t.Errorf("ForgetOpportunity without %s: %v, want invalid naming it", bad.field, err)
			}
		}

		// Tracked, with Lever data: forgotten (true), the data cleared.
		tracked := leversync.State{CompanyID: company, OpportunityID: "o1", CandidateID: "c1", Stage: leversync.Ref{ID: "applicant-new"}, UpdatedAt: base}
		if err := store.Track(c, tracked); err != nil {
			t.Fatal(err)
		}
		if _, err := store.Modify(c, company, "o1", func(s *leversync.State) error {
			s.PrevStage, s.Stage = s.Stage, leversync.Ref{ID: "offer", Name: "Offer"}
			s.Archived, s.Hired, s.ArchiveReason = true, true, leversync.Ref{ID: "r", Name: "Hired"}
			s.LeverUpdatedAt = base.Add(time.Second)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		at := base.Add(time.Minute)
		forgot, err := store.ForgetOpportunity(c, company, "o1", "c1", at)
		if err != nil || !forgot {
			t.Fatalf("ForgetOpportunity of a tracked state = %v, %v; want true", forgot, err)
		}
		want := leversync.State{CompanyID: company, OpportunityID: "o1", CandidateID: "c1", Forgotten: true, UpdatedAt: at, Version: 3}
		if got, err := store.Get(c, company, "o1"); err != nil || got != want {
			t.Fatalf("after forget:\n got %+v, %v\nwant %+v", got, err, want)
		}
		if forgot, err := store.ForgetOpportunity(c, company, "o1", "c1", at.Add(time.Minute)); err != nil || forgot {
			t.Errorf("second ForgetOpportunity = %v, %v; want false", forgot, err)
		}
		if err := store.Track(c, tracked); err != nil {
			t.Errorf("Track after forget: %v, want nil (first writer wins)", err)
		}
		if got, err := store.Get(c, company, "o1"); err != nil || got != want {
			t.Errorf("after a second forget and a Track:\n got %+v, %v\nwant %+v (nothing written)", got, err, want)
		}

		// Not tracked yet: the tombstone is created (false), and the Track
		// arriving later keeps it.
		forgot, err = store.ForgetOpportunity(c, company, "o2", "c2", at)
		if err != nil || forgot {
			t.Fatalf("ForgetOpportunity of an untracked opportunity = %v, %v; want false", forgot, err)
		}
		late := leversync.State{CompanyID: company, OpportunityID: "o2", CandidateID: "c2", Stage: leversync.Ref{ID: "applicant-new"}, UpdatedAt: at.Add(time.Second)}
		if err := store.Track(c, late); err != nil {
			t.Fatalf("late Track: %v, want nil", err)
		}
		want2 := leversync.State{CompanyID: company, OpportunityID: "o2", CandidateID: "c2", Forgotten: true, UpdatedAt: at, Version: 1}
		if got, err := store.Get(c, company, "o2"); err != nil || got != want2 {
			t.Errorf("after a late Track:\n got %+v, %v\nwant %+v", got, err, want2)
		}
		// Another company's opportunity of the same id is untouched.
		other := ID("co")
		if _, err := store.Get(c, other, "o2"); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("another company's o2: %v, want not found", err)
		}
	})

	t.Run("RecordsCreateModifyDelete", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		company := ID("co")
		if _, err := store.GetRecord(c, company); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("GetRecord of none: %v, want not found", err)
		}
		sealed := []byte{1, 2, 3, 0, 255}
		if _, err := store.ModifyRecord(c, company, func(r *leversync.Record) error {
			if r.Version != 0 || r.CompanyID != company {
				t.Errorf("a new record starts as %+v", *r)
			}
			r.URL = "https://x/v1/lever-webhooks/" + company
			r.Hooks = []leversync.Hook{{ID: "w1", Event: "candidateHired", SealedToken: sealed}}
			r.RegisteredAt, r.PolledAt, r.PollFrom, r.HookError = base, base.Add(time.Second), base.Add(time.Second), "forbidden"
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		got, err := store.GetRecord(c, company)
		if err != nil || got.Version != 1 || len(got.Hooks) != 1 || !bytes.Equal(got.Hooks[0].SealedToken, sealed) ||
			!got.PolledAt.Equal(base.Add(time.Second)) || got.HookError != "forbidden" {
			t.Fatalf("GetRecord = %+v, %v", got, err)
		}
		if _, err := store.ModifyRecord(c, company, func(r *leversync.Record) error { return apperr.E(apperr.Invalid, "no") }); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("fn's error: %v", err)
		}
		if err := store.DeleteRecord(c, company); err != nil {
			t.Fatal(err)
		}
		if err := store.DeleteRecord(c, company); err != nil {
			t.Errorf("deleting none: %v", err)
		}
		if _, err := store.GetRecord(c, company); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("after delete: %v", err)
		}
	})
}
