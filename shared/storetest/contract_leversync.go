package storetest

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/leversync"
)

// LeverSyncStore is both sync-back stores (dynamo.LeverSync).
type LeverSyncStore interface {
	leversync.StateStore
	leversync.RecordStore
}

// LeverSyncContract checks an implementation of leversync.StateStore and
// leversync.RecordStore.
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
