package storetest

import (
	"errors"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/leverlink/leverlink/shared/apperr"
	"github.com/leverlink/leverlink/shared/erasure"
	"github.com/leverlink/leverlink/shared/export"
)

// ErasureStore is the store ErasureStoreContract checks: the erasure port
// beside the marker store and the contact index it erases from (one
// adapter implements all three).
type ErasureStore interface {
	erasure.Store
	export.Store
	export.ContactIndex
}

// ErasureStoreContract checks erasure.Store, and that an erased marker (the
// tombstone) is left alone by every export.Store write and refused by Claim.
func ErasureStoreContract(t *testing.T, newStore func(t *testing.T) ErasureStore) {
	store := newStore(t)
	const stale = 5 * time.Minute

	// seed gives a candidate an exported marker and two activity markers.
	seed := func(t *testing.T, k export.Key) {
		t.Helper()
		c := ctx(t)
		_, err := store.Claim(c, k, "c1", base, stale)
		must(t, "Claim", err)
		_, err = store.Confirm(c, k, "c1", base.Add(time.Second), func(m *export.Marker) {
			m.OpportunityID, m.ContactID, m.LeverURL, m.PositionID = "opp-"+k.CandidateID, "con-"+k.CandidateID, "https://lever.example/o", "pos-1"
		})
		must(t, "Confirm", err)
		for _, a := range []string{"message:m1", "history"} {
			_, err := store.Record(c, export.Key{CompanyID: k.CompanyID, CandidateID: k.CandidateID, ActivityID: a}, base.Add(2*time.Second), "opp-"+k.CandidateID, "", "in_history")
			must(t, "Record "+a, err)
		}
	}
	ids := func(ms []export.Marker) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.CandidateID+"/"+m.ActivityID)
		}
		sort.Strings(out)
		return out
	}

	t.Run("CandidateMarkersOfOneCandidate", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		co := ID("co")
		k := export.Key{CompanyID: co, CandidateID: ID("cand")}
		seed(t, k)
		// A candidate whose id starts with k's, and k's id in another company.
		seed(t, export.Key{CompanyID: co, CandidateID: k.CandidateID + "0"})
		seed(t, export.Key{CompanyID: ID("co"), CandidateID: k.CandidateID})
		ms, err := store.CandidateMarkers(c, co, k.CandidateID)
		must(t, "CandidateMarkers", err)
		want := []string{k.CandidateID + "/", k.CandidateID + "/history", k.CandidateID + "/message:m1"}
		if got := ids(ms); !slices.Equal(got, want) {
			t.Fatalf("CandidateMarkers = %v, want %v", got, want)
		}
		for _, m := range ms {
			if m.CompanyID != co {
				t.Fatalf("CandidateMarkers returned %+v of another company", m)
			}
		}
		ms, err = store.CandidateMarkers(c, co, ID("nobody"))
		must(t, "CandidateMarkers of an unknown candidate", err)
		if len(ms) != 0 {
			t.Fatalf("CandidateMarkers of an unknown candidate = %v, want none", ids(ms))
		}
		_, err = store.CandidateMarkers(c, co, "")
		wantCode(t, "CandidateMarkers without candidate", err, apperr.Invalid)
	})

	t.Run("UpdateMarkerReplacesWholeMarker", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		k := export.Key{CompanyID: ID("co"), CandidateID: ID("cand")}
		// None stored: found is false and fn starts from the key.
		m, err := store.UpdateMarker(c, k, func(m *export.Marker, found bool) error {
			if found || m.Key != k || m.Version != 0 {
				t.Errorf("fn got %+v found %v, want a zero marker with the key, not found", m, found)
			}
			m.State, m.UpdatedAt, m.LastError = export.Erased, base, "x"
			return nil
		})
		must(t, "UpdateMarker of a missing marker", err)
		if m.Version != 1 || m.State != export.Erased {
			t.Fatalf("UpdateMarker = %+v, want erased, version 1", m)
		}
		seedK := export.Key{CompanyID: k.CompanyID, CandidateID: ID("cand")}
		seed(t, seedK)
		before, _ := store.Get(c, seedK)
		m, err = store.UpdateMarker(c, seedK, func(m *export.Marker, found bool) error {
			if !found || m.OpportunityID != "opp-"+seedK.CandidateID {
				t.Errorf("fn got %+v found %v, want the stored marker", m, found)
			}
			*m = export.Marker{Key: m.Key, State: export.Erased, OpportunityID: m.OpportunityID, UpdatedAt: base.Add(time.Minute), Version: m.Version}
			return nil
		})
		must(t, "UpdateMarker", err)
		got, err := store.Get(c, seedK)
		must(t, "Get", err)
		wantEqual(t, "Get after UpdateMarker", got, export.Marker{Key: seedK, State: export.Erased,
			OpportunityID: "opp-" + seedK.CandidateID, UpdatedAt: base.Add(time.Minute), Version: before.Version + 1})
		wantEqual(t, "UpdateMarker's answer", m, got)
		// An error from fn writes nothing.
		boom := errors.New("boom")
		_, err = store.UpdateMarker(c, seedK, func(m *export.Marker, _ bool) error {
			m.State = export.Failed
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("UpdateMarker with a failing fn: %v, want fn's error", err)
		}
		if g, _ := store.Get(c, seedK); g.State != export.Erased || g.Version != got.Version {
			t.Fatalf("a failing fn wrote: %+v", g)
		}
		_, err = store.UpdateMarker(c, export.Key{CompanyID: k.CompanyID}, func(*export.Marker, bool) error { return nil })
		wantCode(t, "UpdateMarker without candidate", err, apperr.Invalid)
	})

	t.Run("UpdateMarkerConcurrent", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		k := export.Key{CompanyID: ID("co"), CandidateID: ID("cand"), ActivityID: "note:n1"}
		const n = 4
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = store.UpdateMarker(c, k, func(m *export.Marker, _ bool) error {
					m.Attempts++
					return nil
				})
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case apperr.Is(err, apperr.Conflict):
			default:
				t.Fatalf("concurrent UpdateMarker: %v", err)
			}
		}
		m, err := store.Get(c, k)
		must(t, "Get", err)
		if m.Attempts != ok || m.Version != int64(ok) {
			t.Fatalf("after %d successful concurrent updates: attempts %d version %d (a lost update)", ok, m.Attempts, m.Version)
		}
	})

	t.Run("TombstoneIsLeftAlone", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		k := export.Key{CompanyID: ID("co"), CandidateID: ID("cand")}
		seed(t, k)
		tomb, err := store.UpdateMarker(c, k, func(m *export.Marker, _ bool) error {
			*m = erasure.Tombstone(*m, base.Add(time.Hour))
			return nil
		})
		must(t, "UpdateMarker tombstone", err)
		m, err := store.Claim(c, k, "c2", base.Add(2*time.Hour), stale)
		wantReason(t, "Claim of an erased marker", err, "erased")
		wantEqual(t, "Claim's stored marker", m, tomb)
		must(t, "Skip", store.Skip(c, k, base.Add(2*time.Hour), "no_consent", "pos-2"))
		must(t, "SkipPosting", store.SkipPosting(c, k, base.Add(2*time.Hour), "posting_closed", "post-2"))
		stored, wrote, err := store.Queue(c, k, base.Add(2*time.Hour), "pos-2", "")
		must(t, "Queue", err)
		if wrote {
			t.Fatal("Queue overwrote the tombstone")
		}
		wantEqual(t, "Queue's refused marker", stored, tomb)
		wrote, err = store.Record(c, k, base.Add(2*time.Hour), "opp-x", "note-x", "in_history")
		must(t, "Record", err)
		if wrote {
			t.Fatal("Record overwrote the tombstone")
		}
		got, err := store.Get(c, k)
		must(t, "Get", err)
		wantEqual(t, "the tombstone after every write", got, tomb)
		ms, _, err := store.List(c, k.CompanyID, export.Exported, "", 10)
		must(t, "List", err)
		if len(ms) != 0 {
			t.Fatalf("List exported = %+v, want the tombstone not listed", ms)
		}
	})

	t.Run("DeleteMarker", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		k := export.Key{CompanyID: ID("co"), CandidateID: ID("cand")}
		seed(t, k)
		ak := export.Key{CompanyID: k.CompanyID, CandidateID: k.CandidateID, ActivityID: "message:m1"}
		deleted, err := store.DeleteMarker(c, ak)
		must(t, "DeleteMarker", err)
		if !deleted {
			t.Fatal("DeleteMarker of a stored marker reported none")
		}
		_, err = store.Get(c, ak)
		wantCode(t, "Get after DeleteMarker", err, apperr.NotFound)
		if deleted, err = store.DeleteMarker(c, ak); err != nil || deleted {
			t.Fatalf("DeleteMarker again = %v %v, want false nil", deleted, err)
		}
		ms, err := store.CandidateMarkers(c, k.CompanyID, k.CandidateID)
		must(t, "CandidateMarkers", err)
		if got, want := ids(ms), []string{k.CandidateID + "/", k.CandidateID + "/history"}; !slices.Equal(got, want) {
			t.Fatalf("CandidateMarkers after one delete = %v, want %v", got, want)
		}
	})

	t.Run("ForgetContact", func(t *testing.T) {
		t.Parallel()
		c := ctx(t)
		co, other := ID("co"), ID("co")
		urls := []string{"https://www.linkedin.com/in/" + ID("ada"), "https://www.linkedin.com/in/" + ID("ada2")}
		for _, u := range urls {
			_, err := store.PutLinkedIn(c, co, u, "con-1")
			must(t, "PutLinkedIn", err)
		}
		keep := "https://www.linkedin.com/in/" + ID("grace")
		_, err := store.PutLinkedIn(c, co, keep, "con-2")
		must(t, "PutLinkedIn", err)
		_, err = store.PutLinkedIn(c, other, urls[0], "con-1")
		must(t, "PutLinkedIn other company", err)

		n, err := store.ForgetContact(c, co, "con-1")
		must(t, "ForgetContact", err)
		if n != 2 {
			t.Fatalf("ForgetContact = %d, want 2", n)
		}
		for _, u := range urls {
			_, err := store.ContactByLinkedIn(c, co, u)
			wantCode(t, "ContactByLinkedIn of a forgotten entry", err, apperr.NotFound)
		}
		if id, err := store.ContactByLinkedIn(c, co, keep); err != nil || id != "con-2" {
			t.Fatalf("another contact's entry: %q %v, want con-2", id, err)
		}
		if id, err := store.ContactByLinkedIn(c, other, urls[0]); err != nil || id != "con-1" {
			t.Fatalf("another company's entry: %q %v, want con-1", id, err)
		}
		if n, err := store.ForgetContact(c, co, "con-1"); err != nil || n != 0 {
			t.Fatalf("ForgetContact again = %d %v, want 0 nil", n, err)
		}
		_, err = store.ForgetContact(c, co, "")
		wantCode(t, "ForgetContact without contact", err, apperr.Invalid)
	})
}
